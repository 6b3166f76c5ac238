"""Leaderboards: which experiments compete, in which direction, and how they rank."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from mlreport.config import Leaderboard
from mlreport.metrics import delta, goal_of, is_better
from mlreport.query import Query, parse, record_fields
from mlreport.records import Experiment
from mlreport.slugs import slugify

_NOT_RANKED = ("failed", "abandoned", "planned")


@dataclass(frozen=True)
class RankedEntry:
    """One experiment's place on a leaderboard."""

    rank: int
    experiment: Experiment
    value: float
    delta_baseline: float | None
    delta_previous_best: float | None


@dataclass(frozen=True)
class RankedBoard:
    """A leaderboard with its ranked entries and its best-so-far history."""

    definition: Leaderboard
    goal: str
    entries: tuple[RankedEntry, ...]
    best_so_far: tuple[tuple[str, float, str], ...]
    """(date, best value at that date, experiment id), in time order."""

    @property
    def slug(self) -> str:
        """A stable, path-safe name for the board's page."""
        return board_slug(self.definition.title)


def board_slug(title: str) -> str:
    """The name of a board's page, from its title; "board" when the title has no usable letter."""
    return slugify(title) or "board"


def board_definitions(configured: Iterable[Leaderboard], experiments: Iterable[Experiment]) -> list[Leaderboard]:
    """The configured boards plus one automatic board per (task, dataset) pair none covers."""
    configured = list(configured)
    covered = {(b.task, b.dataset) for b in configured}
    groups: dict[tuple[str, str], Counter[str]] = {}
    for experiment in experiments:
        pair = (experiment.task, experiment.dataset.name if experiment.dataset else "")
        if pair == ("", "") or experiment.status in _NOT_RANKED:
            continue
        groups.setdefault(pair, Counter()).update(experiment.metrics.keys())
    automatic = []
    for (task, dataset), counts in sorted(groups.items()):
        if (task, dataset) in covered or not counts:
            continue
        metric = min(counts, key=lambda name: (-counts[name], name))
        title = " · ".join(part for part in (task, dataset) if part)
        automatic.append(Leaderboard(title=f"{title} — {metric}", metric=metric, task=task,
                                     dataset=dataset, automatic=True))
    return configured + automatic


def rank(definition: Leaderboard, experiments: Mapping[str, Experiment],
         goals: Mapping[str, str] | None = None) -> RankedBoard:
    """Rank every eligible experiment on a board's metric."""
    goal = definition.goal or goal_of(definition.metric, goals)
    metric = definition.metric
    where = parse(definition.filter) if isinstance(definition.filter, str) else None
    eligible = [e for e in experiments.values() if _eligible(e, definition, where)]
    ordered = sorted(eligible, key=lambda e: (_sort_value(e.metrics[metric], goal), _date(e), e.id))
    chronological = sorted(eligible, key=lambda e: (_date(e), e.id))
    previous_best: dict[str, float | None] = {}
    best_so_far: list[tuple[str, float, str]] = []
    best: Experiment | None = None
    for experiment in chronological:
        value = experiment.metrics[metric]
        previous_best[experiment.id] = best.metrics[metric] if best else None
        if best is None or is_better(value, best.metrics[metric], goal):
            best = experiment
            best_so_far.append((_date(experiment), value, experiment.id))
    entries = []
    for position, experiment in enumerate(ordered, start=1):
        value = experiment.metrics[metric]
        baseline = experiments.get(experiment.baseline)
        base_value = baseline.metrics.get(metric) if baseline else None
        before = previous_best[experiment.id]
        entries.append(RankedEntry(position, experiment, value, delta(value, base_value), delta(value, before)))
    return RankedBoard(definition, goal, tuple(entries), tuple(best_so_far))


def ranks_alike(board: RankedBoard, definition: Leaderboard, changed: Iterable[Experiment]) -> bool:
    """Whether ranking `definition` again gives `board`, when only the `changed` experiments (their old and new
    versions) are other objects than those it was ranked from: none of them is eligible, nor the baseline of one
    of its runs."""
    if board.definition != definition:
        return False
    where = parse(definition.filter) if isinstance(definition.filter, str) else None
    baselines = {entry.experiment.baseline for entry in board.entries}
    return not any(_eligible(e, definition, where) or e.id in baselines for e in changed)


def _eligible(experiment: Experiment, board: Leaderboard, where: Query | None) -> bool:
    if board.metric not in experiment.metrics or experiment.status in _NOT_RANKED:
        return False
    if board.task and experiment.task != board.task:
        return False
    dataset = experiment.dataset
    if board.dataset and (dataset is None or board.dataset not in (dataset.name, dataset.label)):
        return False
    if board.split and (dataset is None or dataset.split != board.split):
        return False
    if where is not None:
        return where.matches(record_fields(experiment))
    return all(_matches(experiment, key, wanted) for key, wanted in dict(board.filter).items())


def _matches(experiment: Experiment, key: str, wanted: Any) -> bool:
    """`tags`/`authors` match if any wanted value is present; other keys by equality."""
    wanted_values = [str(w) for w in wanted] if isinstance(wanted, list) else [str(wanted)]
    if key in ("tags", "authors"):
        return bool(set(wanted_values) & set(getattr(experiment, key)))
    if key.startswith("params."):
        actual = experiment.params.get(key[len("params."):])
    else:
        actual = getattr(experiment, key, None)
    return str(actual) in wanted_values


def _sort_value(value: float, goal: str) -> float:
    return value if goal == "min" else -value


def _date(experiment: Experiment) -> str:
    return experiment.date.isoformat() if experiment.date else ""
