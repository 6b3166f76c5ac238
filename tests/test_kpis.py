"""KPIs: targets read from the options and cards, located when wrong; status rules, values, scope, candidates."""

from __future__ import annotations

import pytest

from mlreport.config import Kpi, Scope, load_options
from mlreport.kpis import (AT_RISK, MET, MISSED, NO_PRODUCTION, NO_VALUE, definitions, read_kpis, run_checks,
                           status)
from mlreport.metrics import Target, parse_target
from mlreport.problems import RecordError
from mlreport.validate import read_records

CONFIG = """\
site_name: Payments
plugins:
  - mlreport:
      kpis:
        - {metric: business.fraud_loss_bps, title: Fraud loss, target: "<= 4.0", warn: "<= 4.5",
           scope: {task: fraud-detection}, unit: bps, owner: risk-team}
        - {metric: ops.latency_p99_ms, target: "< 10", scope: {task: fraud-detection}}
        - {metric: test.accuracy, target: ">= 0.95", scope: {task: receipts}}
"""


def run(title: str, day: str, task: str, metrics: str, status: str = "completed") -> str:
    return f"title: {title}\ndate: {day}\nstatus: {status}\ntask: {task}\ndataset: transactions\nmetrics: {metrics}\n"


def card(status: str, experiment: str, more: str = "") -> str:
    return f"---\nname: Fraud {experiment}\nstatus: {status}\nevaluations: [{{experiment: {experiment}}}]\n{more}---\n"


@pytest.fixture
def payments(repo):
    repo.write("mkdocs.yml", CONFIG)
    repo.write("experiments/v1.yaml", run("v1", "2026-01-10", "fraud-detection",
                                          "{business: {fraud_loss_bps: 4.3}, ops: {latency_p99_ms: 12.1}}"))
    repo.write("experiments/v2.yaml", run("v2", "2026-02-10", "fraud-detection",
                                          "{business: {fraud_loss_bps: 3.8}, ops: {latency_p99_ms: 9.0}}"))
    repo.write("experiments/v3.yaml", run("v3", "2026-03-01", "fraud-detection",
                                          "{business: {fraud_loss_bps: 3.1}}", status="running"))
    repo.write("experiments/r1.yaml", run("r1", "2026-01-20", "receipts", "{test: {accuracy: 0.97}}"))
    repo.write("models/fraud-v1.md", card("production", "v1"))
    repo.write("models/fraud-v2.md", card("candidate", "v2"))
    return repo


def readings(repo) -> dict[str, object]:
    return {r.kpi.title: r for r in read_kpis(read_records(load_options(repo.path)).catalog)}


@pytest.mark.parametrize(("written", "value", "met"), [
    ("<= 4.0", 4.0, True), ("<= 4.0", 4.01, False), ("< 10", 9.99, True), ("< 10", 10, False),
    (">= 0.95", 0.95, True), (">= 0.95", 0.949, False), ("> 0", 0.001, True), ("> 0", 0, False),
    ("<=-1.5e2", -150, True),
])
def test_each_comparison(written: str, value: float, met: bool) -> None:
    assert parse_target(written).met_by(value) is met


@pytest.mark.parametrize(("written", "missed_by"), [("<= 10", "12.1 > 10"), ("< 10", "10 >= 10"),
                                                    (">= 0.95", "0.9 < 0.95"), ("> 0.5", "0.5 <= 0.5")])
def test_a_miss_reads_as_the_opposite_comparison(written: str, missed_by: str) -> None:
    value = float(missed_by.split()[0])
    assert parse_target(written).missed_by(value) == missed_by


@pytest.mark.parametrize("written", ["4.0", "=< 4", "<= four", "", "<= 4 bps", None, 4])
def test_what_is_not_a_target(written: object) -> None:
    with pytest.raises(ValueError):
        parse_target(written)


@pytest.mark.parametrize(("value", "expected"), [(3.9, MET), (4.0, MET), (4.2, AT_RISK), (4.5, AT_RISK),
                                                 (4.6, MISSED), (None, NO_VALUE)])
def test_status_rules_with_a_warning_mark(value: float | None, expected: str) -> None:
    kpi = Kpi("business.fraud_loss_bps", "Fraud loss", Target("<=", 4.0), Target("<=", 4.5))
    assert status(kpi, value) == expected


def test_without_a_warning_mark_a_miss_is_missed() -> None:
    assert status(Kpi("test.accuracy", "Accuracy", Target(">=", 0.95)), 0.949) == MISSED


def test_kpis_are_read_from_the_options(payments) -> None:
    first = load_options(payments.path).kpis[0]
    assert first == Kpi("business.fraud_loss_bps", "Fraud loss", Target("<=", 4.0), Target("<=", 4.5),
                        Scope(task="fraud-detection"), "bps", "risk-team")


def test_bad_kpis_are_located(repo) -> None:
    repo.write("mkdocs.yml", """\
        site_name: X
        plugins:
          - mlreport:
              kpis:
                - {metric: a.b, target: "4.0"}
                - {title: No metric, target: "<= 1", scope: {taks: fraud}}
                - {metric: c.d, target: "<= 1", owner: [risk]}
        """)
    with pytest.raises(RecordError) as caught:
        load_options(repo.path)
    assert [p.format_text() for p in caught.value.problems] == [
        "mkdocs.yml:5:25: error: option `mlreport.kpis.0.target` must be a comparison and a number, like "
        "\"<= 4.0\"; found string '4.0' (write it quoted: `target: \">= 0.95\"`)",
        "mkdocs.yml:6:11: error: option `mlreport.kpis.1` needs a `metric` to measure "
        "(add `metric: business.fraud_loss_bps`, a flattened metric name)",
        "mkdocs.yml:6:54: error: option `mlreport.kpis.1.scope.taks` is not a scope setting (did you mean `task`?)",
        "mkdocs.yml:7:41: error: option `mlreport.kpis.2.owner` must be text; found a list of 1 (quote the value)",
    ]


def test_production_value_status_and_best_candidate(payments) -> None:
    fraud = readings(payments)["Fraud loss"]
    assert (fraud.status, fraud.value, fraud.card.id, fraud.source.id) == (AT_RISK, 4.3, "fraud-v1", "v1")
    # v3 is lower still but running: only completed runs are candidates.
    assert (fraud.candidate.id, fraud.candidate_value, fraud.candidate_status) == ("v2", 3.8, MET)
    assert fraud.candidate_delta == -0.5
    assert [e.id for e in fraud.runs] == ["v1", "v2"]
    latency = readings(payments)["ops.latency_p99_ms"]
    assert (latency.status, latency.value, latency.candidate_status) == (MISSED, 12.1, MET)


def test_scope_keeps_other_tasks_out(payments) -> None:
    receipts = readings(payments)["test.accuracy"]
    # Only the receipts run is in scope, and no receipts card is in production.
    assert (receipts.status, receipts.value, receipts.card) == (NO_PRODUCTION, None, None)
    assert [e.id for e in receipts.runs] == ["r1"] and receipts.candidate.id == "r1"


def test_a_production_card_without_the_metric_has_no_value(payments) -> None:
    payments.write("experiments/v1.yaml", run("v1", "2026-01-10", "fraud-detection", "{ops: {latency_p99_ms: 8}}"))
    fraud = readings(payments)["Fraud loss"]
    assert (fraud.status, fraud.value, fraud.card.id) == (NO_VALUE, None, "fraud-v1")
    assert readings(payments)["ops.latency_p99_ms"].status == MET


def test_a_card_overrides_a_kpi_and_adds_its_own(payments) -> None:
    payments.write("models/fraud-v1.md", card("production", "v1", """\
kpis:
  - {metric: business.fraud_loss_bps, title: Fraud loss (v1 contract), target: "<= 4.4"}
  - {metric: ops.cpu_cores, target: "<= 2"}
"""))
    found = readings(payments)
    assert found["Fraud loss (v1 contract)"].status == MET
    assert found["ops.cpu_cores"].kpi.scope == Scope(model="fraud-v1")
    assert found["ops.cpu_cores"].status == NO_VALUE
    assert "Fraud loss" not in found


def test_a_card_kpi_with_a_bad_target_is_located(payments, cli) -> None:
    payments.write("models/fraud-v1.md", card("production", "v1", 'kpis:\n  - {metric: a.b, target: "about 4"}\n'))
    result = cli("validate", "--root", payments.path)
    assert result.exit_code == 1
    assert ("models/fraud-v1.md:6:27: error: `kpis.0.target` must be a comparison and a number, like \"<= 4.0\"; "
            "found string 'about 4' (write it quoted: `target: \">= 0.95\"`)") in result.stdout


def test_a_run_is_checked_against_every_kpi_of_its_scope(payments) -> None:
    catalog = read_records(load_options(payments.path)).catalog
    checks = run_checks(catalog, catalog.experiments["v1"])
    assert [(c.kpi.metric, c.value, c.status, c.meets) for c in checks] == [
        ("business.fraud_loss_bps", 4.3, AT_RISK, False), ("ops.latency_p99_ms", 12.1, MISSED, False)]
    assert run_checks(catalog, catalog.experiments["r1"])[0].meets
    assert len(definitions(catalog)) == 3


def test_a_candidate_card_is_preferred_to_a_better_loose_run(payments) -> None:
    payments.write("experiments/v4.yaml", run("v4", "2026-03-05", "fraud-detection",
                                              "{business: {fraud_loss_bps: 2.0}, ops: {latency_p99_ms: 30}}"))
    fraud = readings(payments)["Fraud loss"]
    # v4 is lower, but no card offers it: fraud-v2, a candidate card, is what could replace production.
    assert (fraud.candidate_card.id, fraud.candidate.id, fraud.candidate_value) == ("fraud-v2", "v2", 3.8)
    payments.write("models/fraud-v2.md", card("deprecated", "v2"))
    fraud = readings(payments)["Fraud loss"]
    assert (fraud.candidate_card, fraud.candidate.id, fraud.candidate_value) == (None, "v4", 2.0)
