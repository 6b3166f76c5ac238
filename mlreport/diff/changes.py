"""What a branch changes in the records: two joined models in, a structured report out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields, replace
from typing import Any, Callable, Iterable, Literal

from mlreport.kpis import Check, read_kpis, run_checks
from mlreport.leaderboards import RankedBoard, RankedEntry
from mlreport.metrics import Verdict, delta, verdict
from mlreport.catalog import Catalog
from mlreport.problems import Problem
from mlreport.query import Query, record_fields
from mlreport.records import Decision, Experiment, ModelCard, Record
from mlreport.records.kinds import BY_NAME

Kind = Literal["added", "changed", "removed", "affected"]

# Fields that say where things sit in the file, not what the record says.
_POSITIONAL = {"path", "marks", "kind", "status_line", "body_line", "status_text"}
# Fields with their own section of the report.
_OWN_SECTION = {"params", "metrics", "evaluations"}


@dataclass(frozen=True)
class FieldChange:
    """One value, old → new (None on the side where it is absent)."""

    field: str
    old: Any
    new: Any
    goal: str = ""
    """`max` or `min` for a metric, so the change can be called better or worse."""

    @property
    def verdict(self) -> Verdict:
        """Whether a metric moved in its better direction."""
        return verdict(self.new, self.old, self.goal)

    @property
    def delta(self) -> float | None:
        """new − old, for numbers on both sides."""
        return delta(self.new, self.old)


@dataclass(frozen=True)
class Placement:
    """Where an experiment lands on one leaderboard, against BASE's best and its own baseline."""

    board: str
    metric: str
    goal: str
    rank: int | None
    """None when the branch takes the experiment off this board."""
    of: int
    value: float | None
    previous_rank: int | None = None
    previous_of: int = 0
    previous_value: float | None = None
    best: str = ""
    """The experiment on top of this board at BASE (the experiment itself aside)."""
    best_value: float | None = None
    baseline: str = ""
    baseline_value: float | None = None

    @property
    def delta_best(self) -> float | None:
        """Value minus BASE's best."""
        return delta(self.value, self.best_value)

    @property
    def delta_baseline(self) -> float | None:
        """Value minus the baseline experiment's value."""
        return delta(self.value, self.baseline_value)

    @property
    def vs_best(self) -> Verdict:
        """Better or worse than BASE's best, in the metric's direction."""
        return verdict(self.value, self.best_value, self.goal)

    @property
    def vs_baseline(self) -> Verdict:
        """Better or worse than the baseline, in the metric's direction."""
        return verdict(self.value, self.baseline_value, self.goal)

    @property
    def new_best(self) -> bool:
        """First place, beating what led the board at BASE (a board new at BASE has nothing to beat)."""
        return self.rank == 1 and self.vs_best == "better"

    @property
    def new_board(self) -> bool:
        """The board had no entries at BASE: the branch opens it."""
        return self.previous_of == 0


@dataclass(frozen=True)
class EvaluationChange:
    """One number on a model card that changes, read from its experiment on each side."""

    experiment: str
    metric: str
    split: str
    old: float | None
    new: float | None
    goal: str

    @property
    def verdict(self) -> Verdict:
        """Whether the number moved in its better direction."""
        return verdict(self.new, self.old, self.goal)

    @property
    def delta(self) -> float | None:
        """new − old."""
        return delta(self.new, self.old)


@dataclass(frozen=True)
class RecordChange:
    """One record the branch adds, changes or removes (or, for a card, whose numbers change)."""

    kind: str
    id: str
    title: str
    path: str
    change: Kind
    previous_path: str = ""
    fields: tuple[FieldChange, ...] = ()
    params: tuple[FieldChange, ...] = ()
    metrics: tuple[FieldChange, ...] = ()
    other: tuple[str, ...] = ()
    """Names of further fields that changed (notes, links, body…), shown without their values."""
    placements: tuple[Placement, ...] = ()
    evaluations: tuple[EvaluationChange, ...] = ()
    supersedes: tuple[str, ...] = ()
    """Decisions this one newly supersedes."""
    targets: tuple[Check, ...] = ()
    """For a new or changed experiment: each KPI target of its scope, met or missed."""

    @property
    def moved(self) -> bool:
        """The record's file moved."""
        return bool(self.previous_path) and self.previous_path != self.path

    def changed_names(self) -> tuple[str, ...]:
        """The names of every changed part, for a one-line summary."""
        names = [c.field for c in self.fields]
        names += ["params"] * bool(self.params) + ["metrics"] * bool(self.metrics) + list(self.other)
        names += ["evaluation numbers"] * bool(self.evaluations) + ["moved"] * self.moved
        return tuple(names)


@dataclass(frozen=True)
class BoardRow:
    """One line of a leaderboard excerpt."""

    rank: int
    experiment: str
    title: str
    value: float
    mark: str
    """`added` or `changed` for the branch's experiments, else empty."""


@dataclass(frozen=True)
class BoardExcerpt:
    """A leaderboard the branch moves: its top and every experiment the branch touches."""

    title: str
    metric: str
    goal: str
    size: int
    rows: tuple[BoardRow, ...]


@dataclass(frozen=True)
class KpiFlip:
    """A KPI whose status the branch changes (a production card's numbers moved, or the card changed)."""

    title: str
    metric: str
    target: str
    old: str
    new: str
    old_value: float | None
    new_value: float | None


@dataclass(frozen=True)
class Report:
    """Everything `mlreport diff` says, in the order a reviewer reads it."""

    base: str
    base_commit: str
    errors: tuple[Problem, ...]
    warnings: int
    experiments: tuple[RecordChange, ...]
    decisions: tuple[RecordChange, ...]
    models: tuple[RecordChange, ...]
    boards: tuple[BoardExcerpt, ...]
    kpi_flips: tuple[KpiFlip, ...] = ()
    query: str = ""
    """The expression that chose which experiments the report covers (`--query`); empty for all."""
    places: dict[str, int] = field(default_factory=dict)
    """Each metric's decimal places, as the site writes it after the change (BASE's for a metric it drops)."""

    def places_of(self, metric: str) -> int | None:
        """The decimal places `metric`'s values and differences are written with; None for an unknown one."""
        return self.places.get(metric)

    @property
    def touched(self) -> bool:
        """Whether the branch changes any record at all."""
        return bool(self.experiments or self.decisions or self.models)

    def count(self, kind: str, change: Kind) -> int:
        """How many records of a kind (`experiments`, …) have this kind of change."""
        return sum(1 for record in getattr(self, kind) if record.change == change)


def compare(base: Catalog, tree: Catalog, problems: Iterable[Problem], *, base_label: str,
            base_commit: str, context: int = 3, query: Query | None = None) -> Report:
    """The report of what `tree` changes against `base`; `query` keeps the experiments it matches."""
    problems = list(problems)
    errors = tuple(sorted(p for p in problems if p.severity == "error"))
    experiments = _experiment_changes(base, tree, query)
    touched = {e.id: e.change for e in experiments if e.change != "removed"}
    return Report(
        base=base_label,
        base_commit=base_commit,
        errors=errors,
        warnings=len(problems) - len(errors),
        experiments=experiments,
        decisions=_decision_changes(base, tree),
        models=_model_changes(base, tree),
        boards=tuple(_excerpt(board, touched, context) for board in tree.leaderboards
                     if any(entry.experiment.id in touched for entry in board.entries)),
        kpi_flips=_kpi_flips(base, tree),
        query=query.text if query else "",
        places={**base.metric_places, **tree.metric_places},
    )


def _kpi_flips(base: Catalog, tree: Catalog) -> tuple[KpiFlip, ...]:
    """Each KPI (known by metric and scope) whose status differs between BASE and the branch."""
    before = {(r.kpi.metric, r.kpi.scope): r for r in read_kpis(base)}
    flips = []
    for after in read_kpis(tree):
        old = before.get((after.kpi.metric, after.kpi.scope))
        if old is not None and old.status != after.status:
            flips.append(KpiFlip(after.kpi.title, after.kpi.metric, str(after.kpi.target), old.status, after.status,
                                 old.value, after.value))
    return tuple(flips)


def _experiment_changes(base: Catalog, tree: Catalog, query: Query | None) -> tuple[RecordChange, ...]:
    changes = []
    for record_id, old, new in _pairs(base.experiments, tree.experiments):
        if old is new:
            continue  # read from the same bytes (the record cache serves both sides): nothing changed
        # A removed experiment is judged as it was; the others as the branch leaves them.
        if query is not None and not query.matches(record_fields(new or old)):
            continue
        change = _record_change(old, new, base, tree)
        if change is None:
            continue
        placements = _placements(record_id, base, tree) if new is not None else ()
        if change.change == "changed":
            # A changed experiment is placed only where its own standing moved.
            placements = tuple(p for p in placements if p.value != p.previous_value)
        targets = tuple(run_checks(tree, new)) if new is not None else ()
        changes.append(replace(change, placements=placements, targets=targets))
    return tuple(changes)


def _decision_changes(base: Catalog, tree: Catalog) -> tuple[RecordChange, ...]:
    changes = []
    for record_id, old, new in _pairs(base.decisions, tree.decisions):
        change = _record_change(old, new, base, tree)
        if change is None:
            continue
        before = set(base.predecessors.get(record_id, ())) if old is not None else set()
        gained = tuple(sorted(set(tree.predecessors.get(record_id, ())) - before)) if new is not None else ()
        changes.append(replace(change, supersedes=gained))
    return tuple(changes)


def _model_changes(base: Catalog, tree: Catalog) -> tuple[RecordChange, ...]:
    changes = []
    for record_id, old, new in _pairs(base.models, tree.models):
        change = _record_change(old, new, base, tree)
        evaluations = _evaluation_changes(old, new, base, tree)
        if change is None and evaluations:
            # The card reads the same, but an experiment it quotes changed its numbers.
            change = RecordChange("model", record_id, new.title, new.path, "affected")
        if change is not None:
            changes.append(replace(change, evaluations=evaluations))
    return tuple(changes)


def _record_change(old: Record | None, new: Record | None, base: Catalog,
                   tree: Catalog) -> RecordChange | None:
    """Added, removed, or the fields that differ; None when the record reads the same."""
    record = new or old
    assert record is not None
    kind = record.kind
    fields_ = _field_changes(old, new, kind, base, tree)
    params = _mapping_changes("params", old, new, lambda key: "")
    metrics = _mapping_changes("metrics", old, new, tree.goal)
    other = _other_changes(old, new) if old is not None and new is not None else ()
    change: Kind = "added" if old is None else "removed" if new is None else "changed"
    moved = old is not None and new is not None and old.path != new.path
    if change == "changed" and not (fields_ or params or metrics or other or moved):
        return None
    return RecordChange(kind, record.id, record.title, record.path, change,
                        previous_path=old.path if old is not None and moved else "",
                        fields=fields_, params=params, metrics=metrics, other=other)


def _field_changes(old: Record | None, new: Record | None, kind: str, base: Catalog,
                   tree: Catalog) -> tuple[FieldChange, ...]:
    changes = []
    for name in BY_NAME[kind].compared:
        before = _field_value(old, name, base) if old is not None else None
        after = _field_value(new, name, tree) if new is not None else None
        if before != after and (before or after):
            changes.append(FieldChange(name, before, after))
    return tuple(changes)


def _field_value(record: Record, name: str, model: Catalog) -> Any:
    if name == "status" and isinstance(record, Decision):
        # A stale "accepted" that a newer decision supersedes reads as superseded.
        return model.effective_status(record)
    value = getattr(record, name)
    if isinstance(value, dt.date):
        return value.isoformat()
    if name == "dataset" and value is not None:
        return ", ".join(part for part in (value.label, value.split and f"split {value.split}") if part)
    if isinstance(value, tuple):
        return list(value)
    return value


def _mapping_changes(name: str, old: Record | None, new: Record | None,
                     goal: Callable[[str], str]) -> tuple[FieldChange, ...]:
    if not isinstance(old or new, Experiment):
        return ()
    before: dict[str, Any] = getattr(old, name) if old is not None else {}
    after: dict[str, Any] = getattr(new, name) if new is not None else {}
    changes = []
    for key in sorted(set(before) | set(after)):
        if key not in before or key not in after or before[key] != after[key]:
            changes.append(FieldChange(key, before.get(key), after.get(key), goal(key)))
    return tuple(changes)


def _other_changes(old: Record, new: Record) -> tuple[str, ...]:
    kind = new.kind
    skipped = set(BY_NAME[kind].compared) | _POSITIONAL | _OWN_SECTION
    return tuple(f.name for f in fields(new) if f.name not in skipped and getattr(old, f.name) != getattr(new, f.name))


def _placements(record_id: str, base: Catalog, tree: Catalog) -> tuple[Placement, ...]:
    base_boards = {_board_key(board): board for board in base.leaderboards}
    placements = []
    for board in tree.leaderboards:
        before = base_boards.get(_board_key(board))
        entry = _entry(board, record_id)
        old_entry = _entry(before, record_id) if before else None
        if entry is None and old_entry is None:
            continue
        best = next((e for e in before.entries if e.experiment.id != record_id), None) if before else None
        experiment = tree.experiments[record_id]
        baseline = tree.experiments.get(experiment.baseline)
        placements.append(Placement(
            board=board.definition.title,
            metric=board.definition.metric,
            goal=board.goal,
            rank=entry.rank if entry else None,
            of=len(board.entries),
            value=entry.value if entry else None,
            previous_rank=old_entry.rank if old_entry else None,
            previous_of=len(before.entries) if before else 0,
            previous_value=old_entry.value if old_entry else None,
            best=best.experiment.id if best else "",
            best_value=best.value if best else None,
            baseline=experiment.baseline if baseline else "",
            baseline_value=baseline.metrics.get(board.definition.metric) if baseline else None,
        ))
    return tuple(placements)


def _evaluation_changes(old: ModelCard | None, new: ModelCard | None, base: Catalog,
                        tree: Catalog) -> tuple[EvaluationChange, ...]:
    if old is None or new is None:
        return ()  # an added or removed card's numbers are not changes of numbers
    before = _evaluation_values(old, base)
    after = _evaluation_values(new, tree)
    return tuple(EvaluationChange(*key, before.get(key), after.get(key), tree.goal(key[1]))
                 for key in sorted(set(before) | set(after))
                 if key not in before or key not in after or before[key] != after[key])


def _evaluation_values(card: ModelCard, model: Catalog) -> dict[tuple[str, str, str], float | None]:
    return {(row.experiment_id, row.metric, row.split): row.value for row in model.evaluation_rows(card)}


def _excerpt(board: RankedBoard, touched: dict[str, str], context: int) -> BoardExcerpt:
    rows = tuple(BoardRow(e.rank, e.experiment.id, e.experiment.title, e.value, touched.get(e.experiment.id, ""))
                 for e in board.entries if e.rank <= context or e.experiment.id in touched)
    return BoardExcerpt(board.definition.title, board.definition.metric, board.goal, len(board.entries), rows)


def _pairs(base: dict[str, Record], tree: dict[str, Record]) -> list[tuple[str, Any, Any]]:
    return [(key, base.get(key), tree.get(key)) for key in sorted(set(base) | set(tree))]


def _entry(board: RankedBoard | None, record_id: str) -> RankedEntry | None:
    if board is None:
        return None
    return next((e for e in board.entries if e.experiment.id == record_id), None)


def _board_key(board: RankedBoard) -> tuple[Any, ...]:
    definition = board.definition
    return (definition.title, definition.metric, definition.task, definition.dataset, definition.split)

