"""`mlreport query` through the real CLI: selection, order, columns, limit, every format, and bad expressions."""

from __future__ import annotations

import csv
import io
import json
import shlex
from pathlib import Path

import pytest


@pytest.fixture
def team(repo):
    """Four runs of a fraud team: one without latency, one still planned."""
    repo.write("experiments/lgbm-base.yaml", """
        title: LightGBM baseline
        date: 2026-05-02
        authors: [amara.okafor]
        tags: [gbm, baseline]
        params: {model: lightgbm, num_leaves: 63}
        metrics: {test: {pr_auc: 0.612}, ops: {p99_ms: 6.1}}
    """)
    repo.write("experiments/lgbm-velocity.yaml", """
        title: LightGBM with velocity features
        date: 2026-06-14
        authors: [amara.okafor, li.wei]
        tags: [gbm]
        params: {model: lightgbm, num_leaves: 127}
        metrics: {test: {pr_auc: 0.744}, ops: {p99_ms: 9.8}}
    """)
    repo.write("experiments/seq-transformer.yaml", """
        title: Sequence transformer
        date: 2026-07-20
        authors: [li.wei]
        params: {model: transformer}
        metrics: {test: {pr_auc: 0.781}, ops: {p99_ms: 31.0}}
    """)
    repo.write("experiments/gru.yaml", """
        title: GRU over card sequences
        date: 2026-08-01
        status: planned
        metrics: {test: {pr_auc: 0.701}}
    """)
    return repo


def test_the_runs_that_beat_a_score_under_a_latency_budget(cli, team) -> None:
    result = cli("query", "metrics.test.pr_auc > 0.7 and metrics.ops.p99_ms < 10", "--root", team.path)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "id             title                            status     date        metrics.test.pr_auc  metrics.ops.p99_ms",
        "-------------  -------------------------------  ---------  ----------  -------------------  ------------------",
        "lgbm-velocity  LightGBM with velocity features  completed  2026-06-14                0.744                 9.8",
    ]
    assert result.stderr == "1 of 4 experiments match\n"


def test_json_is_stable_for_tools(cli, team) -> None:
    result = cli("query", "author = 'li.wei'", "--format", "json", "--order-by", "metrics.test.pr_auc DESC",
                 "--root", team.path)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "query": "author = 'li.wei'", "count": 2,
        "columns": ["id", "title", "status", "date", "author", "metrics.test.pr_auc"],
        "experiments": [
            {"id": "seq-transformer", "title": "Sequence transformer", "status": "completed", "date": "2026-07-20",
             "author": ["li.wei"], "metrics.test.pr_auc": 0.781},
            {"id": "lgbm-velocity", "title": "LightGBM with velocity features", "status": "completed",
             "date": "2026-06-14", "author": ["amara.okafor", "li.wei"], "metrics.test.pr_auc": 0.744},
        ],
    }
    assert result.stderr == ""


def test_order_puts_missing_values_last_either_way_and_limit_cuts(cli, team) -> None:
    for direction in ("ASC", "DESC"):
        result = cli("query", "", "--order-by", f"metrics.ops.p99_ms {direction}", "--columns", "id",
                     "--format", "csv", "--root", team.path)
        ids = [row["id"] for row in csv.DictReader(io.StringIO(result.stdout))]
        assert ids[-1] == "gru"
        assert ids[:3] == (["lgbm-base", "lgbm-velocity", "seq-transformer"] if direction == "ASC"
                           else ["seq-transformer", "lgbm-velocity", "lgbm-base"])
    limited = cli("query", "tags contains 'gbm'", "--limit", "1", "--order-by", "date desc", "--root", team.path)
    assert [line.split()[0] for line in limited.stdout.splitlines()[2:]] == ["lgbm-velocity"]
    assert limited.stderr == "2 of 4 experiments match (showing 1)\n"


def test_columns_choose_what_csv_shows(cli, team) -> None:
    result = cli("query", "params.model = 'lightgbm'", "--columns", "id, params.`num_leaves`, tags, metrics.nope",
                 "--format", "csv", "--root", team.path)
    assert result.stdout.splitlines() == [
        "id,params.num_leaves,tags,metrics.nope",
        "lgbm-base,63,gbm; baseline,",
        "lgbm-velocity,127,gbm,",
    ]


@pytest.mark.parametrize(("args", "line"), [
    (["metrics.test.pr_auc > "], "query:1:23: expected a value after '>'"),
    (["status = planned"], "query:1:10: expected a value after '='"),
    (["accuracy > 0.9"], "query:1:1: unknown field 'accuracy' (use metrics.NAME, params.NAME, tags.NAME or one of: "
                         "id, title, status, task, dataset, dataset.version, dataset.split, model, date, author, "
                         "tags, baseline)"),
    (["", "--order-by", "date sideways"], "order-by:1:6: expected ',', ASC or DESC"),
    (["", "--columns", "id,,title"], "columns:1:4: expected a field name"),
])
def test_a_bad_expression_is_one_line_and_exit_2(cli, team, args, line) -> None:
    result = cli("query", *args, "--root", team.path)
    assert result.exit_code == 2
    assert result.stderr == line + "\n"
    assert result.stdout == ""


def test_the_readme_example_is_what_the_demo_records_answer(cli) -> None:
    # README's "Querying" shows a real answer from this repository's experiments/: it must stay true.
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Querying", 1)[1].split("```console\n", 1)[1].split("```", 1)[0]
    command, *expected = block.split("\n\n", 1)[0].splitlines()
    args = shlex.split(command.removeprefix("$ mlreport "))
    result = cli(*args, "--root", Path(__file__).resolve().parent.parent)
    assert result.stdout.splitlines() + result.stderr.splitlines() == expected


def test_records_with_errors_are_named_and_the_rest_still_answer(cli, team) -> None:
    team.write("experiments/broken.yaml", "title: Broken\ndate: someday\nmetrics: {test: {pr_auc: 0.99}}\n")
    result = cli("query", "metrics.test.pr_auc > 0.75", "--format", "csv", "--columns", "id", "--root", team.path)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["id", "seq-transformer"]
    assert result.stderr == ("warning: the records have 1 error (see `mlreport validate`); "
                             "querying the ones that load\n")
