"""Leaderboards: ranking, deltas, automatic boards and filters."""

from __future__ import annotations

import datetime as dt

import pytest

from mlreport.config import Leaderboard
from mlreport.leaderboards import board_definitions, rank
from mlreport.records import Experiment
from mlreport.records.experiment import Dataset


def run(id: str, day: int, value: float | None, *, metric: str = "test.accuracy", baseline: str = "",
        task: str = "cls", dataset: str = "imgs", status: str = "completed", tags: tuple[str, ...] = (),
        extra: dict[str, float] | None = None) -> Experiment:
    metrics = {} if value is None else {metric: value}
    metrics.update(extra or {})
    return Experiment(id=id, title=id.upper(), path=f"experiments/{id}.yaml", date=dt.date(2026, 1, day),
                      task=task, dataset=Dataset(dataset), baseline=baseline, metrics=metrics, status=status,
                      tags=tags)


def test_ranking_with_deltas_vs_baseline_and_previous_best() -> None:
    experiments = {e.id: e for e in [
        run("a", 1, 0.80), run("b", 2, 0.85, baseline="a"), run("c", 3, 0.83, baseline="b"),
        run("d", 4, 0.90, baseline="a"), run("f", 5, 0.99, status="failed"), run("n", 6, None),
    ]}
    board = rank(Leaderboard(title="Acc", metric="test.accuracy"), experiments)
    assert [(e.rank, e.experiment.id, e.value) for e in board.entries] == [
        (1, "d", 0.90), (2, "b", 0.85), (3, "c", 0.83), (4, "a", 0.80)]
    deltas = {e.experiment.id: (e.delta_baseline, e.delta_previous_best) for e in board.entries}
    assert deltas["a"] == (None, None)
    assert deltas["b"] == pytest.approx((0.05, 0.05))
    assert deltas["c"] == pytest.approx((-0.02, -0.02))
    assert deltas["d"] == pytest.approx((0.10, 0.05))
    assert [(d, v, i) for d, v, i in board.best_so_far] == [
        ("2026-01-01", 0.80, "a"), ("2026-01-02", 0.85, "b"), ("2026-01-04", 0.90, "d")]


def test_lower_is_better_ranks_ascending() -> None:
    experiments = {e.id: e for e in [run("a", 1, 0.5, metric="val.loss"), run("b", 2, 0.3, metric="val.loss")]}
    board = rank(Leaderboard(title="Loss", metric="val.loss"), experiments)
    assert board.goal == "min"
    assert [e.experiment.id for e in board.entries] == ["b", "a"]
    assert board.entries[0].delta_previous_best == pytest.approx(-0.2)


def test_uncovered_task_dataset_pairs_get_an_automatic_board_on_their_most_common_metric() -> None:
    experiments = [run("a", 1, 0.8), run("b", 2, 0.9, extra={"val.f1": 0.5}),
                   run("c", 3, None, task="det", dataset="coco", extra={"map": 0.3}),
                   run("d", 4, None, task="det", dataset="coco", extra={"map": 0.4, "fps": 30})]
    configured = Leaderboard(title="Acc", metric="test.accuracy", task="cls", dataset="imgs")
    boards = board_definitions([configured], experiments)
    assert boards[0] is configured
    assert [(b.task, b.dataset, b.metric, b.automatic) for b in boards[1:]] == [("det", "coco", "map", True)]


def test_filters_narrow_a_board_by_tag_and_param() -> None:
    experiments = {e.id: e for e in [run("a", 1, 0.8, tags=("cnn",)), run("b", 2, 0.9, tags=("vit",))]}
    board = rank(Leaderboard(title="CNN", metric="test.accuracy", filter={"tags": ["cnn"]}), experiments)
    assert [e.experiment.id for e in board.entries] == ["a"]


def test_a_filter_expression_narrows_a_board_and_a_missing_value_keeps_a_run_off() -> None:
    experiments = {e.id: e for e in [
        run("fast", 1, 0.8, tags=("cnn",), extra={"ops.p99_ms": 7.0}),
        run("slow", 2, 0.9, tags=("cnn",), extra={"ops.p99_ms": 31.0}),
        run("unmeasured", 3, 0.95, tags=("cnn",)),
        run("vit", 4, 0.7, tags=("vit",), extra={"ops.p99_ms": 5.0}),
    ]}
    definition = Leaderboard(title="Fast CNNs", metric="test.accuracy",
                             filter="tags contains 'cnn' and metrics.ops.p99_ms < 10")
    assert [e.experiment.id for e in rank(definition, experiments).entries] == ["fast"]
