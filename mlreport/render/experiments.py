"""Experiment pages (one per experiment, out of the nav), their data files, and the index table.

Beside them, every experiment's query fields (`QUERY_DATA`), which every filter box evaluates on.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import quote

from mlreport.leaderboards import RankedBoard
from mlreport.metrics import delta
from mlreport.query import record_fields
from mlreport.records import Experiment
from mlreport.records.common import flatten
from mlreport.render import charts
from mlreport.render.leaderboards import board_pages
from mlreport.render.site import (COMPARE_PAGE, DATA, EXPERIMENTS_INDEX, QUERY_DATA, PageKind, Site, counted,
                                  json_text, most_common, newest_first, plain, record_page, page_slug)
from mlreport.render.tables import Column, table_block, table_data

INDEX_DATA = f"{DATA}/experiments.json"
KEY_METRICS = 4
"""Metric columns in the index table: the leaderboards' metrics first, then the most common."""
FALLBACK_ROWS = 20


@dataclass(frozen=True)
class MetricRow:
    """One metric of an experiment, against its baseline."""

    name: str
    value: float
    goal: str
    baseline: float | None

    @property
    def delta(self) -> float | None:
        """The change from the baseline's value."""
        return delta(self.value, self.baseline)


@dataclass(frozen=True)
class Placement:
    """Where an experiment stands on one leaderboard."""

    board: RankedBoard
    page: str
    rank: int


def detail_file(record_id: str) -> str:
    """The data file holding one experiment's params, metrics and curves (the compare view reads it)."""
    return f"{DATA}/experiments/{page_slug(record_id)}.json"


def write(site: Site) -> None:
    """Every experiment's page and data file, then the index."""
    links = _Links.of(site)
    for experiment in site.catalog.experiments.values():
        page = record_page("experiment", experiment.id)
        if not site.renders(page):
            continue
        site.add_keyed_record_page(page, "experiment", experiment, experiment.title,
                                   experiment_inputs(site, experiment, links),
                                   partial(_page_and_details, site, experiment, links, page))
    # What add_json would write for {"rows": [...]}, each row's text kept per record (see Site.record_text).
    rows = ",".join(site.record_text("query", e, lambda e=e: json_text(record_fields(e)))
                    for e in site.catalog.experiments.values())
    site.out.files[QUERY_DATA] = f'{{"rows":[{rows}]}}'.encode("utf-8")
    table = table_data(index_columns_of(site), [], sort=("date", "desc"), selectable=True,
                       compare=site.url(COMPARE_PAGE), query=QUERY_DATA)
    site.add_json_rows(INDEX_DATA, table, index_rows(site))
    latest = newest_first(site.catalog.experiments.values())[:FALLBACK_ROWS]
    fallback = site.render("experiments_fallback.md.j2", EXPERIMENTS_INDEX, latest=latest)
    site.add_page(EXPERIMENTS_INDEX, "experiments.md.j2", table=table_block(INDEX_DATA, fallback, "experiments", site.url(EXPERIMENTS_INDEX)),
                  statuses=counted(e.status for e in site.catalog.experiments.values()))


@dataclass(frozen=True)
class _Links:
    """Links between experiments and boards, gathered in one pass (not one per page)."""

    placements: dict[str, list[Placement]]
    followers: dict[str, list[Experiment]]

    @classmethod
    def of(cls, site: Site) -> _Links:
        placements: dict[str, list[Placement]] = {}
        for board, page in zip(site.catalog.leaderboards, board_pages(site.catalog.leaderboards)):
            for entry in board.entries:
                placements.setdefault(entry.experiment.id, []).append(Placement(board, page, entry.rank))
        followers: dict[str, list[Experiment]] = {}
        for experiment in site.catalog.experiments.values():
            followers.setdefault(experiment.baseline, []).append(experiment)
        return cls(placements, followers)


@dataclass(frozen=True)
class Reproduce:
    """How to run an experiment again: shell lines to copy, and where its commit is on the web."""

    script: str
    commit_url: str = ""


def reproduce(experiment: Experiment) -> Reproduce | None:
    """The commands that check out and rerun an experiment's code, with its environment and data as comments;
    None when the record names no code."""
    code = {key: str(value) for key, value in experiment.code.items() if isinstance(value, (str, int, float))}
    repo, commit, command, path = (code.get(key, "") for key in ("repo", "commit", "command", "path"))
    if not (repo or commit or command):
        return None
    lines = []
    if repo:
        lines += [f"git clone {shlex.quote(repo)}", f"cd {shlex.quote(_clone_folder(repo))}"]
    if commit:
        lines.append(f"git checkout {shlex.quote(commit)}")
    if path and not command:
        lines.append(f"# the code: {path}")
    if command:
        lines.append(command)
    environment = ", ".join(f"{key} {plain(value)}" for key, value in sorted(flatten(experiment.environment).items()))
    if environment:
        lines.append(f"# environment: {environment}")
    if experiment.dataset:
        split = f" ({experiment.dataset.split} split)" if experiment.dataset.split else ""
        lines.append(f"# data: {experiment.dataset.label}{split}")
    web = repo.removesuffix(".git").rstrip("/") if re.match(r"https?://", repo) else ""
    return Reproduce("\n".join(lines), f"{web}/commit/{quote(commit)}" if web and commit else "")


def _clone_folder(repo: str) -> str:
    """The folder `git clone` makes: the repository's last path part without `.git`."""
    return re.split(r"[/:]", repo.rstrip("/"))[-1].removesuffix(".git") or "repo"


def experiment_inputs(site: Site, experiment: Experiment, links: _Links) -> tuple[Any, ...]:
    """What an experiment's page and data files are made from besides what every page reads (`PageInputs`): the
    run, its baseline, the runs that follow it, the records citing it, its placements, its git history. Whatever
    `experiment_context` or `experiment_detail` comes to read must be here too."""
    catalog = site.catalog
    return (experiment, catalog.experiments.get(experiment.baseline),
            [(p.board, p.page, p.rank) for p in links.placements.get(experiment.id, ())],
            links.followers.get(experiment.id, []),
            [catalog.decisions[i] for i in catalog.decisions_citing.get(experiment.id, ())],
            [catalog.models[i] for i in catalog.models_citing.get(experiment.id, ())],
            site.provenance(experiment))


def _page_and_details(site: Site, experiment: Experiment, links: _Links, page: str) -> dict[str, Any]:
    """An experiment's data file, its charts' and its page's context."""
    site.add_json(detail_file(experiment.id), experiment_detail(site, experiment))
    return {"e": experiment, **experiment_context(site, experiment, links, page)}


def experiment_context(site: Site, experiment: Experiment, links: _Links, page: str) -> dict[str, Any]:
    """What an experiment page shows beyond the record itself."""
    catalog = site.catalog
    baseline = catalog.experiments.get(experiment.baseline)
    return {
        "baseline": baseline,
        "reproduce": reproduce(experiment),
        "compare_baseline": site.compare_link(page, [baseline, experiment])
        if baseline and any(kind.name == "compare" for kind in site.kinds) else "",
        "metrics": [MetricRow(name, value, catalog.goal(name), baseline.metrics.get(name) if baseline else None)
                    for name, value in sorted(experiment.metrics.items())],
        "params": sorted(experiment.params.items()),
        "curves": [charts.add_chart(site, record_page("experiment", experiment.id), f"curve-{number}", spec)
                   for number, spec in enumerate(charts.training_curves([experiment]), start=1)],
        "importance": charts.importance_block(site, record_page("experiment", experiment.id), experiment),
        "top_features": charts.TOP_FEATURES,
        "placements": links.placements.get(experiment.id, []),
        "followers": links.followers.get(experiment.id, []),
        "decisions": [catalog.decisions[i] for i in catalog.decisions_citing.get(experiment.id, ())],
        "cards": [catalog.models[i] for i in catalog.models_citing.get(experiment.id, ())],
        "environment": sorted(flatten(experiment.environment).items()),
        "data": sorted(flatten(experiment.data).items()),
        "extra": sorted(flatten(experiment.extra).items()),
        "provenance": site.provenance(experiment),
        "edit_url": site.edit_url(experiment),
    }


def experiment_detail(site: Site, experiment: Experiment) -> dict[str, Any]:
    """One experiment as data: what the compare view needs to put runs side by side."""
    return {
        "id": experiment.id, "title": experiment.title, "url": site.url(record_page("experiment", experiment.id)),
        "status": experiment.status, "date": _day(experiment), "task": experiment.task,
        "dataset": experiment.dataset.label if experiment.dataset else "", "model": experiment.model,
        "baseline": experiment.baseline,
        "params": {name: plain(value) if isinstance(value, (list, dict)) else value
                   for name, value in experiment.params.items()},
        "metrics": experiment.metrics,
        "goals": {name: site.catalog.goal(name) for name in experiment.metrics},
        "history": {name: [list(point) for point in series] for name, series in experiment.history.items()},
        "importance": [list(pair) for pair in experiment.explanations.feature_importance[:charts.TOP_FEATURES]]
        if experiment.explanations else [],
        "importance_method": experiment.explanations.method if experiment.explanations else "",
    }


def key_metrics(site: Site) -> list[str]:
    """The metrics worth a column in the index: those leaderboards rank on, then the most common."""
    ranked = list(dict.fromkeys(board.definition.metric for board in site.catalog.leaderboards))
    common = most_common((m for e in site.catalog.experiments.values() for m in e.metrics), KEY_METRICS)
    return list(dict.fromkeys(ranked + common))[:KEY_METRICS]


PARAM_PREFIX = "params."
"""How `index_columns` names a parameter (`params.num_leaves`); any other name is a metric (`metrics.` optional)."""


def index_columns(site: Site) -> tuple[list[str], list[str]]:
    """The metrics and the parameters the index shows: as `index_columns` lists them, else the key metrics."""
    chosen = site.options.index_columns
    if not chosen:
        return key_metrics(site), []
    params = [name.removeprefix(PARAM_PREFIX) for name in chosen if name.startswith(PARAM_PREFIX)]
    metrics = [name.removeprefix("metrics.") for name in chosen if not name.startswith(PARAM_PREFIX)]
    return metrics, params


def index_columns_of(site: Site) -> list[Column]:
    """The experiments index's columns, as a browser table."""
    metrics, params = index_columns(site)
    return [
        Column("title", "Experiment", "link", "text"),
        Column("status", "Status", "status", "select"),
        Column("task", "Task", "text", "select"),
        Column("dataset", "Dataset", "text", "select"),
        Column("model", "Model", "text", "select"),
        Column("authors", "Authors", "list", "list"),
        Column("tags", "Tags", "list", "list"),
        Column("date", "Date", "date"),
    ] + [Column(f"metric:{name}", name, "number", goal=site.catalog.goal(name), metric=name) for name in metrics] + [
        Column(f"param:{name}", name, _param_kind(site, name), "select" if _param_kind(site, name) == "text" else "")
        for name in params]


def index_rows(site: Site) -> list[str]:
    """The experiments index's rows as JSON texts, one per experiment (`json_text_with`)."""
    metrics, params = index_columns(site)
    rows = []
    for experiment in site.catalog.experiments.values():
        production = ", ".join(card.title for card in site.catalog.production_cards(experiment.id))
        # A row depends on the run, the columns and its production cards alone: kept per run (Site.record_text).
        name = json_text(["index", metrics, params, production])
        rows.append(site.record_text(name, experiment, lambda e=experiment, p=production: json_text(
            _index_row(site, e, p, metrics, params))))
    return rows


def _index_row(site: Site, experiment: Experiment, production: str, metrics: list[str],
               params: list[str]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": experiment.id, "title": experiment.title or experiment.id,
        "url": site.url(record_page("experiment", experiment.id)),
        "status": experiment.status, "task": experiment.task,
        "dataset": experiment.dataset.name if experiment.dataset else "",
        "model": experiment.model, "authors": list(experiment.authors), "tags": list(experiment.tags),
        "date": _day(experiment), "production": production,
    }
    row.update({f"metric:{name}": experiment.metrics.get(name) for name in metrics})
    row.update({f"param:{name}": _cell(experiment.params.get(name)) for name in params})
    return row


def _param_kind(site: Site, name: str) -> str:
    """`number` when every run that sets the parameter sets a number (it sorts as one), else `text`."""
    values = [e.params[name] for e in site.catalog.experiments.values() if name in e.params]
    numeric = values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    return "number" if numeric else "text"


def _cell(value: Any) -> Any:
    """A parameter as a table cell: numbers as they are, anything else as its text."""
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    return plain(value)


def _day(experiment: Experiment) -> str:
    return experiment.date.isoformat() if experiment.date else ""


KIND = PageKind("experiments", write, section="Experiments", index=EXPERIMENTS_INDEX, records="experiment")
