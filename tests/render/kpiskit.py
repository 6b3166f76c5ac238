"""A payments team with KPIs in real git: one met, one at risk, one missed, one without a production model."""

from __future__ import annotations

from pathlib import Path

from repos import GitRepo, new_repo

CONFIG = """\
site_name: Payments
theme: {name: material, font: false}
plugins:
  - search
  - mlreport:
      kpis:
        - {metric: business.fraud_loss_bps, title: Fraud loss, target: "<= 4.0", warn: "<= 4.5",
           scope: {task: fraud-detection}, unit: bps, owner: risk-team}
        - {metric: ops.latency_p99_ms, title: p99 latency, target: "<= 10", scope: {task: fraud-detection}, unit: ms}
        - {metric: test.pr_auc, title: PR-AUC, target: ">= 0.80", scope: {task: fraud-detection}}
        - {metric: test.accuracy, title: Receipt accuracy, target: ">= 0.95", scope: {task: receipts}}
"""


def _run(title: str, day: str, task: str, metrics: str) -> str:
    return f"title: {title}\ndate: {day}\ntask: {task}\ndataset: transactions\nmetrics: {metrics}\n"


def kpi_repo(path: Path) -> GitRepo:
    """The team's repo, committed once."""
    repo = new_repo(path)
    repo.write("mkdocs.yml", CONFIG)
    repo.write("experiments/v1.yaml", _run("Fraud v1", "2026-01-10", "fraud-detection",
                                           "{business: {fraud_loss_bps: 4.3}, ops: {latency_p99_ms: 12.1}, "
                                           "test: {pr_auc: 0.84}}"))
    repo.write("experiments/v2.yaml", _run("Fraud v2", "2026-02-10", "fraud-detection",
                                           "{business: {fraud_loss_bps: 3.8}, ops: {latency_p99_ms: 9.0}, "
                                           "test: {pr_auc: 0.82}}"))
    repo.write("experiments/r1.yaml", _run("Receipts r1", "2026-01-20", "receipts", "{test: {accuracy: 0.97}}"))
    repo.write("models/fraud-v1.md", "---\nname: Fraud v1\nstatus: production\n"
                                     "evaluations: [{experiment: v1}]\n---\n")
    repo.commit("Payments records (#4)", date="2026-02-11T10:00:00+00:00")
    return repo
