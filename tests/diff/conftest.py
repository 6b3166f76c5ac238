"""Fixtures of the pull-request report's tests: a small fraud team on main, a branch checked out from it."""

from __future__ import annotations

import json

import pytest

MKDOCS = """
site_name: Fraud team
plugins:
  - mlreport:
      leaderboards:
        - {title: Fraud PR-AUC, task: fraud, dataset: transactions, metric: test.pr_auc}
"""


def experiment(title: str, *, task: str = "fraud", dataset: str = "transactions", baseline: str = "",
               date: str = "2026-01-10", **metrics: float) -> str:
    """An experiment record with nested metrics given as `test__pr_auc=0.8`."""
    lines = [f"title: {json.dumps(title)}", f"date: {date}", f"task: {task}", f"dataset: {dataset}"]
    if baseline:
        lines.append(f"baseline: {baseline}")
    lines.append("params: {learning_rate: 0.1, depth: 6}")
    lines.append("metrics:")
    for name, value in metrics.items():
        group, metric = name.split("__")
        lines.append(f"  {group}: {{{metric}: {value}}}")
    return "\n".join(lines) + "\n"


def decision(title: str, status: str, *extra: str) -> str:
    front = "\n".join([f"status: {status}", "date: 2026-01-12", *extra])
    return f"---\n{front}\n---\n# {title}\n\n## Context and Problem Statement\n\nWhy.\n"


CARD = """
---
name: Fraud scorer
status: production
evaluations:
  - {experiment: fraud-xgb, metrics: [test.pr_auc]}
---
# Fraud scorer
"""


@pytest.fixture
def feature(repo):
    """Main with a small fraud team's records, and a branch `feature` checked out from it."""
    repo.write("mkdocs.yml", MKDOCS)
    repo.write("experiments/fraud-logreg.yaml", experiment("Logistic regression", test__pr_auc=0.70))
    repo.write("experiments/fraud-xgb.yaml", experiment("XGBoost", baseline="fraud-logreg", test__pr_auc=0.80))
    repo.write("experiments/rank-a.yaml", experiment("Ranker A", task="ranking", dataset="clicks", val__loss=0.50))
    repo.write("decisions/0001-use-xgboost.md", decision("Use XGBoost", "proposed", "evidence: [fraud-xgb]"))
    repo.write("models/fraud-scorer.md", CARD)
    repo.write("README.md", "# Records\n")
    repo.commit("Records on main")
    repo.git("checkout", "-q", "-b", "feature")
    return repo


def report(cli, repo, *args: str) -> dict:
    """The JSON report of the checked-out branch against main's merge base."""
    result = cli("diff", "--root", repo.path, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def markdown(cli, repo, *args: str) -> str:
    result = cli("diff", "--root", repo.path, *args)
    assert result.exit_code == 0, result.output
    return result.output


def record(data: dict, kind: str, record_id: str) -> dict:
    matches = [r for r in data[kind] if r["id"] == record_id]
    assert len(matches) == 1, [r["id"] for r in data[kind]]
    return matches[0]


def placement(data: dict, record_id: str, board: str) -> dict:
    found = [p for p in record(data, "experiments", record_id)["placements"] if p["board"] == board]
    assert len(found) == 1
    return found[0]


KPI_MKDOCS = MKDOCS + """\
      kpis:
        - {metric: test.pr_auc, title: Fraud PR-AUC, target: ">= 0.82", warn: ">= 0.78", scope: {task: fraud}}
        - {metric: ops.latency_p99_ms, target: "<= 10", scope: {task: fraud}}
"""


@pytest.fixture
def kpi_feature(feature):
    """The fraud team with two KPIs on main; its production card reads XGBoost (PR-AUC 0.80: at risk)."""
    feature.git("checkout", "-q", "main")
    feature.write("mkdocs.yml", KPI_MKDOCS)
    feature.commit("KPIs")
    feature.git("checkout", "-q", "feature")
    feature.git("merge", "-q", "main")
    return feature
