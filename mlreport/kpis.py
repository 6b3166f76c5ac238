"""KPIs against their targets: which model is in production, its value, its status, the best run waiting.

A KPI (`Options.kpis`, or a card's own `kpis:`) names a metric, a target (`<= 4.0`) and an
optional warning mark (`<= 4.5`). Its value is the production model card's: read through the
card's evaluations, like every number on a card. Status rules, in order:

- `no production model`: no card in the KPI's scope is in production;
- `no value`: the production card reports no value for the metric;
- `met`: the value meets the target;
- `at risk`: it misses the target but meets the warning mark;
- `missed`: it misses both (or the target, when there is no warning mark).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from mlreport.catalog import Catalog
from mlreport.config import Kpi, Scope
from mlreport.metrics import best, delta
from mlreport.records import Experiment, ModelCard

MET = "met"
AT_RISK = "at risk"
MISSED = "missed"
NO_VALUE = "no value"
NO_PRODUCTION = "no production model"
STATUSES = (MET, AT_RISK, MISSED, NO_VALUE, NO_PRODUCTION)
"""Every status, best first."""
WAITING = ("candidate", "development")
"""Card statuses on the way to production."""


@dataclass(frozen=True)
class Reading:
    """A KPI as things stand: the production model's value and status, and the best run not in production."""

    kpi: Kpi
    status: str
    value: float | None = None
    card: ModelCard | None = None
    """The production card the value is read from."""
    source: Experiment | None = None
    """The experiment the production card reads the value from."""
    candidate: Experiment | None = None
    """Where the best value waiting for production comes from (see `_best_candidate`)."""
    candidate_value: float | None = None
    candidate_status: str = ""
    """The status the KPI would have if the candidate went to production."""
    runs: tuple[Experiment, ...] = ()
    """Every completed run in scope that reports the metric, oldest first (the trend)."""
    candidate_card: ModelCard | None = None
    """The candidate's model card, when a card on its way to production offers the best value."""

    @property
    def candidate_delta(self) -> float | None:
        """How far the candidate's value is from production's."""
        return delta(self.candidate_value, self.value)


def status(kpi: Kpi, value: float | None) -> str:
    """The status a value gives a KPI: met, at risk, missed, or no value."""
    if value is None:
        return NO_VALUE
    if kpi.target.met_by(value):
        return MET
    if kpi.warn is not None and kpi.warn.met_by(value):
        return AT_RISK
    return MISSED


def definitions(catalog: Catalog) -> list[Kpi]:
    """The options' KPIs, then each card's own KPIs for metrics no configured KPI of its scope measures."""
    found = list(catalog.options.kpis)
    for card in catalog.models.values():
        for own in card.kpis:
            if not any(kpi.metric == own.metric and card in cards_in_scope(catalog, kpi.scope) for kpi in found):
                found.append(own if own.scope != Scope() else dataclasses.replace(own, scope=Scope(model=card.id)))
    return found


def read_kpis(catalog: Catalog) -> list[Reading]:
    """Every KPI's reading, in definition order."""
    return [read_kpi(catalog, kpi) for kpi in definitions(catalog)]


def read_kpi(catalog: Catalog, kpi: Kpi) -> Reading:
    """One KPI: the production card in scope (the newest, if several), its value and status, the best candidate."""
    runs = tuple(sorted((e for e in experiments_in_scope(catalog, kpi.scope)
                         if e.status == "completed" and kpi.metric in e.metrics),
                        key=lambda e: (e.date or dt.date.min, e.id)))
    production = sorted((c for c in cards_in_scope(catalog, kpi.scope) if c.status == "production"),
                        key=lambda c: (c.date or dt.date.min, c.id))
    card = production[-1] if production else None
    kpi = for_card(kpi, card) if card else kpi
    value, source = card_value(catalog, card, kpi.metric) if card else (None, None)
    candidate_card, candidate, top = _best_candidate(catalog, kpi, card, runs)
    return Reading(kpi, status(kpi, value) if card else NO_PRODUCTION, value, card, source, candidate, top,
                   status(kpi, top) if candidate else "", runs, candidate_card)


def _best_candidate(catalog: Catalog, kpi: Kpi, production: ModelCard | None,
                    runs: tuple[Experiment, ...]) -> tuple[ModelCard | None, Experiment | None, float | None]:
    """The best value waiting for production: a candidate card's, else any run's that production does not report.

    A card on its way (candidate or development) is what could replace production; without one,
    the best run says how much better the KPI could be.
    """
    waiting_cards = [c for c in cards_in_scope(catalog, kpi.scope) if c.status in WAITING]
    offers = [(c, source, value) for c in waiting_cards
              for value, source in [card_value(catalog, c, kpi.metric)] if source is not None and value is not None]
    if not offers:
        reported = {e.experiment for e in production.evaluations} if production else set()
        offers = [(None, run, run.metrics[kpi.metric]) for run in reversed(runs) if run.id not in reported]
    top = best((value for _, _, value in offers), kpi.target.goal)
    return next(((c, run, value) for c, run, value in offers if value == top), (None, None, None))


def for_card(kpi: Kpi, card: ModelCard) -> Kpi:
    """A KPI as a card sees it: the card's own KPI of the same metric overrides target, warning and labels."""
    own = next((k for k in card.kpis if k.metric == kpi.metric), None)
    return dataclasses.replace(own, scope=kpi.scope) if own else kpi


def card_value(catalog: Catalog, card: ModelCard, metric: str) -> tuple[float | None, Experiment | None]:
    """A card's value of a metric, read from its evaluations (the first that reports it), and where from."""
    row = next((r for r in catalog.evaluation_rows(card) if r.metric == metric and r.value is not None), None)
    return (row.value, row.experiment) if row else (None, None)


def cards_in_scope(catalog: Catalog, scope: Scope) -> list[ModelCard]:
    """The cards a scope covers: the one it names, else those evaluated on an experiment in scope."""
    if scope.model:
        card = catalog.models.get(scope.model)
        return [card] if card else []
    return [card for card in catalog.models.values()
            if any(in_scope(catalog.experiments.get(e.experiment), scope) for e in card.evaluations)]


def experiments_in_scope(catalog: Catalog, scope: Scope) -> list[Experiment]:
    """The experiments a scope covers (see `covers`)."""
    tasks = _card_tasks(catalog, scope)
    return [e for e in catalog.experiments.values() if _covers(e, scope, tasks)]


def covers(catalog: Catalog, scope: Scope, experiment: Experiment) -> bool:
    """Whether a scope covers a run: its task and dataset; a card's scope, runs of the tasks it is evaluated on."""
    return _covers(experiment, scope, _card_tasks(catalog, scope))


def _card_tasks(catalog: Catalog, scope: Scope) -> set[str] | None:
    """The tasks a card-scoped KPI's card is evaluated on; None for a scope without a card."""
    if not scope.model:
        return None
    card = catalog.models.get(scope.model)
    return {catalog.experiments[e.experiment].task for e in (card.evaluations if card else ())
            if e.experiment in catalog.experiments}


def _covers(experiment: Experiment, scope: Scope, tasks: set[str] | None) -> bool:
    return (tasks is None or experiment.task in tasks) and in_scope(experiment, scope)


def in_scope(experiment: Experiment | None, scope: Scope) -> bool:
    """Whether an experiment has the scope's task and dataset (an unset one matches any)."""
    if experiment is None:
        return False
    dataset = experiment.dataset.name if experiment.dataset else ""
    return (not scope.task or experiment.task == scope.task) and (not scope.dataset or dataset == scope.dataset)


@dataclass(frozen=True)
class Check:
    """How one run stands against one KPI's target."""

    kpi: Kpi
    value: float
    status: str

    @property
    def meets(self) -> bool:
        """Whether the run meets the target itself (at risk is a miss)."""
        return self.status == MET


def run_checks(catalog: Catalog, experiment: Experiment) -> list[Check]:
    """Each KPI whose scope covers a run and whose metric it reports, with the status the run would give it."""
    checks = []
    for kpi in definitions(catalog):
        value = experiment.metrics.get(kpi.metric)
        if value is not None and covers(catalog, kpi.scope, experiment):
            checks.append(Check(kpi, value, status(kpi, value)))
    return checks
