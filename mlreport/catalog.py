"""The catalog: every record of a repo by id, references resolved, backlinks and leaderboards.

Loaded records are joined here once; pages and reports read the catalog, never raw YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from mlreport.config import Options
from mlreport.leaderboards import RankedBoard, board_definitions, rank, ranks_alike
from mlreport.metrics import goal_of, places_of
from mlreport.records import Decision, Experiment, Loaded, MadeOf, ModelCard, Record, decision_key
from mlreport.records.kinds import KINDS


@dataclass(frozen=True)
class EvaluationRow:
    """One number on a model card, read from the linked experiment."""

    experiment: Experiment | None
    experiment_id: str
    metric: str
    value: float | None
    split: str
    goal: str


@dataclass
class Catalog:
    """Everything the site and the reports need, resolved once."""

    options: Options
    experiments: dict[str, Experiment]
    decisions: dict[str, Decision]
    models: dict[str, ModelCard]
    leaderboards: list[RankedBoard] = field(default_factory=list)
    successors: dict[str, tuple[str, ...]] = field(default_factory=dict)
    predecessors: dict[str, tuple[str, ...]] = field(default_factory=dict)
    amends: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Decision id → the decisions it amends, whichever side wrote the link."""
    amended_by: dict[str, tuple[str, ...]] = field(default_factory=dict)
    decisions_citing: dict[str, tuple[str, ...]] = field(default_factory=dict)
    models_citing: dict[str, tuple[str, ...]] = field(default_factory=dict)
    decisions_of_model: dict[str, tuple[str, ...]] = field(default_factory=dict)
    decision_ids: dict[str, str] = field(default_factory=dict, repr=False)
    """Decision ids by the key references are compared in (`7` → `0007`)."""
    metric_places: dict[str, int] = field(default_factory=dict, repr=False)
    """Each metric's decimal places, from every value recorded for it: one number format per metric."""
    sources: dict[int, tuple[Record, MadeOf]] = field(default_factory=dict, repr=False, compare=False)
    """What each record read through the record cache is made of (`Loaded.sources`): page keys take it for the
    record's value (`render/page_inputs.py`)."""

    def records(self) -> list[Record]:
        """Every record, kind by kind (in the registry's order), each kind by id."""
        return [record for kind in KINDS for record in getattr(self, kind.plural).values()]

    def decision(self, reference: object) -> Decision | None:
        """The decision a reference means: `7`, `"0007"` and `0007` all find decision 0007."""
        found = self.decision_ids.get(decision_key(reference))
        return self.decisions[found] if found else None

    def goal(self, metric: str) -> str:
        """`max` or `min` for a metric, honouring the configured overrides."""
        return goal_of(metric, self.options.metric_goals)

    def places(self, metric: str | None) -> int | None:
        """The decimal places a metric's values and differences are written with; None for an unknown one."""
        return self.metric_places.get(metric) if metric else None

    def evaluation_rows(self, card: ModelCard) -> list[EvaluationRow]:
        """A card's evaluation table, every number pulled from its experiment record."""
        rows = []
        for evaluation in card.evaluations:
            experiment = self.experiments.get(evaluation.experiment)
            metrics = evaluation.metrics or (tuple(experiment.metrics) if experiment else ())
            split = evaluation.split or (experiment.dataset.split if experiment and experiment.dataset else "")
            for metric in metrics:
                value = experiment.metrics.get(metric) if experiment else None
                rows.append(EvaluationRow(experiment, evaluation.experiment, metric, value, split, self.goal(metric)))
        return rows

    def production_cards(self, experiment_id: str) -> list[ModelCard]:
        """The cards in production that cite an experiment among their evaluations: its model is in production."""
        return [self.models[i] for i in self.models_citing.get(experiment_id, ()) if self.models[i].status == "production"]

    def card_tasks(self, card: ModelCard) -> tuple[str, ...]:
        """The tasks a card's evaluation experiments are about, in their order."""
        tasks = (self.experiments[e.experiment].task for e in card.evaluations if e.experiment in self.experiments)
        return tuple(dict.fromkeys(task for task in tasks if task))

    def in_production(self, task: str) -> list[ModelCard]:
        """The cards in production for a task (evaluated on runs of it), by id."""
        return [card for card_id, card in sorted(self.models.items())
                if card.status == "production" and task in self.card_tasks(card)]

    def model_index(self, card: ModelCard, source_url: Callable[[Experiment], str] | None = None
                    ) -> list[dict[str, Any]]:
        """Hugging Face's `model-index` from a card's evaluations: one result per experiment and split."""
        results: list[dict[str, Any]] = []
        by_experiment: dict[tuple[str, str], dict[str, Any]] = {}
        for row in self.evaluation_rows(card):
            experiment = row.experiment
            if experiment is None or row.value is None:
                continue
            key = (row.experiment_id, row.split)
            if key not in by_experiment:
                by_experiment[key] = _hub_result(experiment, row.split, source_url)
                results.append(by_experiment[key])
            by_experiment[key]["metrics"].append({"type": row.metric, "value": row.value, "name": row.metric})
        return [{"name": card.id, "results": results}] if results else []

    def effective_status(self, decision: Decision) -> str:
        """`superseded` when a successor exists, whatever stale status the file still says."""
        return "superseded" if self.successors.get(decision.id) else decision.status


def build_catalog(loaded: Loaded, options: Options, *, before: Catalog | None = None,
                  changed: Iterable[Experiment] = ()) -> Catalog:
    """Join loaded records into the catalog; the first record wins where ids collide. With `before`, the catalog of
    the same records but the `changed` experiments (both versions), its boards those runs cannot touch are kept."""
    model = Catalog(
        options=options,
        experiments=_by_id(loaded.experiments),
        decisions=_by_id(loaded.decisions),
        models=_by_id(loaded.models),
        sources=loaded.sources,
    )
    keys = model.decision_ids = {decision_key(d.id): d.id for d in model.decisions.values()}
    model.predecessors, model.successors = _linked_both_ways(keys, model.decisions.values(), "supersedes",
                                                             "superseded_by")
    model.amends, model.amended_by = _linked_both_ways(keys, model.decisions.values(), "amends", "amended_by")
    model.decisions_citing = _backlinks((d.id, d.evidence) for d in model.decisions.values())
    model.models_citing = _backlinks((m.id, tuple(e.experiment for e in m.evaluations))
                                     for m in model.models.values())
    model.decisions_of_model = _merge(
        _backlinks((d.id, d.models) for d in model.decisions.values()),
        {m.id: tuple(keys[decision_key(r)] for r in m.decisions if decision_key(r) in keys)
         for m in model.models.values()})
    recorded: dict[str, list[float]] = {}
    for experiment in model.experiments.values():
        for name, value in experiment.metrics.items():
            recorded.setdefault(name, []).append(value)
    model.metric_places = {name: places_of(values) for name, values in sorted(recorded.items())}
    definitions = board_definitions(options.leaderboards, model.experiments.values())
    kept = before.leaderboards if before is not None and len(before.leaderboards) == len(definitions) else []
    changed = list(changed)
    model.leaderboards = [kept[i] if kept and ranks_alike(kept[i], board, changed)
                          else rank(board, model.experiments, options.metric_goals)
                          for i, board in enumerate(definitions)]
    return model


def _hub_result(experiment: Experiment, split: str, source_url: Callable[[Experiment], str] | None
                ) -> dict[str, Any]:
    result: dict[str, Any] = {"task": {"type": experiment.task or "other"}}
    if experiment.dataset:
        dataset = {"name": experiment.dataset.name, "type": experiment.dataset.name}
        dataset.update({k: v for k, v in (("split", split), ("revision", experiment.dataset.version)) if v})
        result["dataset"] = dataset
    if source_url:
        # The Hub links each result to where its numbers come from.
        result["source"] = {"name": experiment.title or experiment.id, "url": source_url(experiment)}
    result["metrics"] = []
    return result


def _linked_both_ways(keys: dict[str, str], decisions: Iterable[Decision], forward: str,
                      backward: str) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """Links between decisions whichever side wrote them (`supersedes` in the newer, `superseded_by` in the
    older): id → the ids it links to, and id → the ids linking to it."""
    to: dict[str, set[str]] = {}
    back: dict[str, set[str]] = {}
    for decision in decisions:
        pairs = [(decision.id, keys.get(decision_key(r))) for r in getattr(decision, forward)]
        pairs += [(keys.get(decision_key(r)), decision.id) for r in getattr(decision, backward)]
        for source, target in pairs:
            if source and target and source != target:
                to.setdefault(source, set()).add(target)
                back.setdefault(target, set()).add(source)
    return ({k: tuple(sorted(v)) for k, v in to.items()}, {k: tuple(sorted(v)) for k, v in back.items()})


def _by_id(records: Iterable[Experiment | Decision | ModelCard]) -> dict:
    result: dict = {}
    for record in sorted(records, key=lambda r: r.path):
        result.setdefault(record.id, record)
    return dict(sorted(result.items()))


def _backlinks(pairs: Iterable[tuple[str, Iterable[str]]]) -> dict[str, tuple[str, ...]]:
    links: dict[str, set[str]] = {}
    for source, targets in pairs:
        for target in targets:
            links.setdefault(target, set()).add(source)
    return {k: tuple(sorted(v)) for k, v in links.items()}


def _merge(*maps: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    merged: dict[str, set[str]] = {}
    for mapping in maps:
        for key, values in mapping.items():
            merged.setdefault(key, set()).update(values)
    return {k: tuple(sorted(v)) for k, v in merged.items()}
