"""Model cards: one page each, its evaluation table pulled from the linked experiments; an index by status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from mlreport.metrics import delta
from mlreport.catalog import EvaluationRow
from mlreport.governance import checklist
from mlreport.records import Experiment, ModelCard
from mlreport.records.model_card import hub_readme
from mlreport.render import charts
from mlreport.render.feed import address
from mlreport.render.site import MODELS_INDEX, PageKind, Site, record_page
from mlreport.render.text import body_without_title, breakable, sections

STATUS_ORDER = ("production", "candidate", "development", "deprecated")
"""The index's groups, in order; any other status follows, by name."""
HEADER_KEYS = {"license": "License", "library_name": "Library", "pipeline_tag": "Pipeline tag",
               "base_model": "Base model", "language": "Language", "datasets": "Datasets",
               "co2_eq_emissions": "CO₂ emissions"}
"""Hugging Face metadata the card page shows in its header, with their labels."""


@dataclass(frozen=True)
class Evaluated:
    """One row of a card's evaluation table: the experiment's number, and its change from the baseline."""

    row: EvaluationRow
    baseline: float | None
    first: bool
    """The first row of its experiment (the table names each experiment once)."""
    production: float | None = None
    """The same metric of the card in production for the experiment's task (another card), when it reports it."""

    @property
    def delta(self) -> float | None:
        """The change from the experiment's baseline run, when both have the metric."""
        return delta(self.row.value, self.baseline)

    @property
    def delta_production(self) -> float | None:
        """The change from the model in production for the same task."""
        return delta(self.row.value, self.production)


@dataclass(frozen=True)
class Group:
    """Cards of one status on the index."""

    status: str
    cards: list[ModelCard]


def write(site: Site) -> None:
    """Every card's page, then the index."""
    for card in site.catalog.models.values():
        if not site.renders(record_page("model", card.id)):
            continue
        site.add_keyed_record_page(record_page("model", card.id), "model", card, card.title, card_inputs(site, card),
                                   lambda card=card: {"card": card, **card_context(site, card)}, hide=("navigation",))
    cards = list(site.catalog.models.values())
    # The index shows the cards and their last change in git alone; records are immutable.
    site.add_page(MODELS_INDEX, "models.md.j2", inputs=(*cards, *(site.provenance(card) for card in cards)),
                  groups=status_groups(list(site.catalog.models.values())),
                  last_change=lambda card: last_change(site, card),
                  checklist=lambda card: checklist(card, site.options.card_requirements))


def card_inputs(site: Site, card: ModelCard) -> tuple[Any, ...]:
    """What a card's page and its charts are made from besides what every page reads (`PageInputs`): the card, the
    runs it is evaluated on and their baselines, the card in production it is set against with its runs, the
    decisions about it, its git history. Whatever `card_context` comes to read must be here too."""
    catalog = site.catalog
    rival = production_rival(site, card)
    return (card, _evaluated_runs(site, card), rival, _evaluated_runs(site, rival) if rival else None,
            [catalog.decisions.get(i) for i in catalog.decisions_of_model.get(card.id, ())], site.provenance(card))


def _evaluated_runs(site: Site, card: ModelCard) -> list[tuple[Any, Any]]:
    """Each run a card is evaluated on (None when missing) with its baseline."""
    runs = site.catalog.experiments
    return [(run, runs.get(run.baseline) if run and run.baseline else None)
            for run in (runs.get(evaluation.experiment) for evaluation in card.evaluations)]


def card_context(site: Site, card: ModelCard) -> dict[str, Any]:
    """What a card page shows beyond the record itself."""
    catalog = site.catalog
    return {
        "evaluations": evaluation_table(site, card),
        "rival": production_rival(site, card),
        "sections": sections(body_without_title(card.body)),
        "decisions": [catalog.decisions[i] for i in catalog.decisions_of_model.get(card.id, ()) if i in catalog.decisions],
        "header": header(card),
        "checklist": checklist(card, site.options.card_requirements),
        "explained": explained(site, card),
        "body": body_without_title(card.body),
        "breakable": breakable,
        "export": Markup(escape(hub_card(site, card))),
        "provenance": site.provenance(card),
        "edit_url": site.edit_url(card),
    }


def explained(site: Site, card: ModelCard) -> tuple[Experiment, Markup] | None:
    """The first evaluation experiment that records feature importances, and its chart."""
    for evaluation in card.evaluations:
        experiment = site.catalog.experiments.get(evaluation.experiment)
        chart = charts.importance_block(site, record_page("model", card.id), experiment) if experiment else None
        if chart:
            return experiment, chart
    return None


def header(card: ModelCard) -> list[tuple[str, Any]]:
    """(label, value) of the Hub metadata a card sets, in a fixed order; `other` licences with their name."""
    shown = []
    for key, label in HEADER_KEYS.items():
        value = card.metadata.get(key)
        if value in (None, "", []):
            continue
        if key == "license" and value == "other" and card.metadata.get("license_name"):
            value = f"other ({card.metadata['license_name']})"
        if key == "co2_eq_emissions":
            value = emissions(value)
        shown.append((label, value))
    return shown


def emissions(value: Any) -> str:
    """The Hub's `co2_eq_emissions` (grams, or `{emissions, source, training_type, …}`) in one line."""
    if not isinstance(value, dict):
        return f"{value} g CO₂eq"
    details = [str(value[k]) for k in ("source", "training_type", "geographical_location", "hardware_used")
               if value.get(k)]
    grams = f"{value['emissions']} g CO₂eq" if value.get("emissions") is not None else "CO₂eq"
    return grams + (f" ({', '.join(details)})" if details else "")


def evaluation_table(site: Site, card: ModelCard) -> list[Evaluated]:
    """The card's evaluation rows, each with the baseline's value of the same metric and the production model's."""
    rows = []
    previous = None
    for row in site.catalog.evaluation_rows(card):
        experiment = row.experiment
        baseline = site.catalog.experiments.get(experiment.baseline) if experiment and experiment.baseline else None
        rows.append(Evaluated(row, baseline.metrics.get(row.metric) if baseline else None,
                              first=row.experiment_id != previous, production=_production_value(site, card, row)))
        previous = row.experiment_id
    return rows


def production_rival(site: Site, card: ModelCard) -> ModelCard | None:
    """The card in production for the task this card is evaluated on, when that is another card."""
    for task in site.catalog.card_tasks(card):
        rivals = [other for other in site.catalog.in_production(task) if other.id != card.id]
        if rivals:
            return rivals[0]
    return None


def _production_value(site: Site, card: ModelCard, row: EvaluationRow) -> float | None:
    rival = production_rival(site, card)
    if rival is None or row.experiment is None:
        return None
    values = [other.value for other in site.catalog.evaluation_rows(rival)
              if other.metric == row.metric and other.value is not None and other.experiment is not None
              and other.experiment.task == row.experiment.task]
    return values[0] if values else None


def hub_card(site: Site, card: ModelCard) -> str:
    """The card as a Hugging Face README, its `model-index` generated from the linked experiments."""
    source_url = (lambda e: address(site, record_page("experiment", e.id))) if site.options.site_url else None
    return hub_readme(card, site.catalog.model_index(card, source_url))


def status_groups(cards: list[ModelCard]) -> list[Group]:
    """Cards grouped by status (production first), each group by name."""
    statuses = sorted({c.status for c in cards}, key=lambda s: (STATUS_ORDER.index(s) if s in STATUS_ORDER
                                                               else len(STATUS_ORDER), s))
    return [Group(status, sorted((c for c in cards if c.status == status), key=lambda c: (c.title.lower(), c.id)))
            for status in statuses]


def last_change(site: Site, card: ModelCard) -> str:
    """The day a card last changed in git, else its own date."""
    changed = site.provenance(card).last_changed
    if changed:
        return changed.day
    return card.date.isoformat() if card.date else ""


KIND = PageKind("models", write, section="Models", index=MODELS_INDEX, records="model")
