"""The decision log (grouped by month, filtered in the browser) and one page per decision."""

from __future__ import annotations

import datetime as dt
import json
import posixpath
from dataclasses import dataclass
from functools import partial
from typing import Any

from markupsafe import Markup, escape

from mlreport.history import Change, StatusChange
from mlreport.metrics import best as best_of
from mlreport.records import Decision, Experiment
from mlreport.render.site import ASSETS, DECISIONS_INDEX, PageKind, Site, counted, newest_first, record_page
from mlreport.render.text import body_without_title, breakable

SCRIPT = f"{ASSETS}/decisions.js"
RECENT_DAYS = 30
""""Accepted lately" means within this many days of the newest commit or decision date."""
EVIDENCE_METRICS = 4
"""Metric columns in a decision's evidence table."""
FALLBACK_METRICS = 3
"""Metrics shown for an evidence run that no leaderboard ranks: its first few."""
_NEVER_FIRST = ("superseded", "deprecated")
"""Statuses no decision starts in: a file added with one was written (or moved in) after the fact."""
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


@dataclass(frozen=True)
class TimelineStep:
    """One step of a decision's status history: proposed on … by … in #12, or accepted on the record's
    date and recorded later in #12."""

    status: str
    day: str
    """When the status began: the commit's day, or the day the record states; empty when unknown."""
    change: Change | None = None
    """The commit that set (or recorded) the status; None when the step comes from the record itself."""
    successors: tuple[Decision, ...] = ()
    """For `superseded`: the decisions that replace it."""
    inferred: bool = False
    """The file never said so: a successor's `supersedes` did."""
    recorded: bool = False
    """The commit only recorded the status (a folder imported, a record written after the fact, a date the
    record states): the page shows `day` as the status's date and the commit as "recorded"."""


@dataclass(frozen=True)
class Month:
    """One month of the decision log."""

    key: str
    """`2026-06`, or `undated`."""
    title: str
    decisions: list[Decision]


@dataclass(frozen=True)
class Evidence:
    """A decision's evidence runs with the metrics worth showing beside them."""

    experiments: list[Experiment]
    missing: list[str]
    """Evidence ids that name no experiment."""
    metrics: list[tuple[str, str]]
    """(metric, goal) columns."""
    best: dict[str, float]
    """The best value of each column among the runs."""


def write(site: Site) -> None:
    """Every decision's page, then the log."""
    catalog = site.catalog
    cards_of = _cards_of_decisions(site)
    board_metrics = _board_metrics(site)
    for decision in catalog.decisions.values():
        if not site.renders(record_page("decision", decision.id)):
            continue
        site.add_record_page(record_page("decision", decision.id), "decision", decision,
                             f"{decision.id} — {decision.title}", hide=("navigation",), d=decision,
                             **decision_context(site, decision, cards_of.get(decision.id, []), board_metrics))
    decisions = list(catalog.decisions.values())
    reference = reference_day(site)
    # The log shows the decisions and their git history alone (dates and statuses); records are immutable.
    inputs = (*decisions, *(site.provenance(d) for d in decisions))
    site.add_page(DECISIONS_INDEX, "decisions.md.j2", inputs=inputs, months=months(decisions),
                  statuses=counted(catalog.effective_status(d) for d in decisions),
                  tags=counted(tag for d in decisions for tag in d.tags),
                  reference=reference, recent_days=RECENT_DAYS,
                  recent=recently_accepted(site, reference),
                  filter_data=partial(filter_attributes, site))
    if SCRIPT not in site.out.javascript:
        site.out.javascript.append(SCRIPT)


def decision_context(site: Site, decision: Decision, cards: list[Any],
                     board_metrics: dict[str, list[str]]) -> dict[str, Any]:
    """What a decision page shows beyond the record itself."""
    catalog = site.catalog
    status = catalog.effective_status(decision)
    shown = evidence(site, decision, board_metrics)
    page = record_page("decision", decision.id)
    return {
        "status": status,
        "stale": status != decision.status,
        "successors": _decisions(site, catalog.successors.get(decision.id, ())),
        "predecessors": _decisions(site, catalog.predecessors.get(decision.id, ())),
        "related": [("Amends", other) for other in _decisions(site, catalog.amends.get(decision.id, ()))]
        + [("Amended by", other) for other in _decisions(site, catalog.amended_by.get(decision.id, ()))],
        "chain": supersede_chain(site, decision),
        "timeline": status_timeline(site, decision),
        "evidence": shown,
        "compare": site.compare_link(page, shown.experiments)
        if len(shown.experiments) > 1 and any(kind.name == "compare" for kind in site.kinds) else "",
        "cards": cards,
        "body": body_without_title(decision.body),
        "breakable": breakable,
        "resolve": partial(_resolve, site, decision),
        "provenance": site.provenance(decision),
        "edit_url": site.edit_url(decision),
    }


def status_timeline(site: Site, decision: Decision) -> list[TimelineStep]:
    """The statuses a decision went through, oldest first, from git; its own status and date without git."""
    catalog = site.catalog
    history = site.provenance(decision).status_history
    if history:
        steps = [TimelineStep(item.status, day, item.change,
                              _decisions(site, item.superseded_by or catalog.successors.get(decision.id, ())
                                         if item.status == "superseded" else ()), recorded=recorded)
                 for item, (day, recorded) in zip(history, status_days(decision, history))]
    else:
        steps = [TimelineStep(decision.status, _iso(decision.status_date or decision.date),
                      successors=_decisions(site, catalog.successors.get(decision.id, ()))
                      if decision.status == "superseded" else ())]
    successors = _decisions(site, catalog.successors.get(decision.id, ()))
    if successors and steps[-1].status != "superseded":
        # A stale file: the newer decision says it supersedes this one; date it by the newest successor.
        days = [day for day in (_first_day(site, s) for s in successors) if day]
        steps.append(TimelineStep("superseded", max(days) if days else "", successors=tuple(successors), inferred=True))
    return steps


def status_days(decision: Decision, history: tuple[StatusChange, ...]) -> list[tuple[str, bool]]:
    """For each step of the status history, (the day the status began, whether its commit only recorded it).

    The record's word wins: `status_date` dates its current status, its `date` (when not after the first
    commit) the first status. A commit importing many records at once, or adding a decision already superseded or
    deprecated, records the status without dating it.
    """
    days = []
    for index, item in enumerate(history):
        change, current = item.change, index == len(history) - 1 and item.status == decision.status
        decided = _iso(decision.date) if index == 0 and item.status not in _NEVER_FIRST else ""
        # A `date` after the first commit is when the record was last edited, not when it was first decided.
        stated = _iso(decision.status_date) if current and decision.status_date else \
            decided if decided and decided <= change.day else ""
        if stated:
            days.append((stated, stated != change.day or change.imported))
        elif change.imported or index == 0 and item.status in _NEVER_FIRST and change.action == "added":
            days.append(("", True))
        else:
            days.append((change.day, False))
    return days


def supersede_chain(site: Site, decision: Decision) -> list[Decision]:
    """Every decision linked to this one by supersession, either way, oldest first; empty when alone."""
    catalog = site.catalog
    seen, queue = {decision.id}, [decision.id]
    while queue:
        current = queue.pop()
        for other in catalog.successors.get(current, ()) + catalog.predecessors.get(current, ()):
            if other not in seen and other in catalog.decisions:
                seen.add(other)
                queue.append(other)
    if len(seen) < 2:
        return []
    chain = [catalog.decisions[i] for i in seen]
    return sorted(chain, key=lambda d: (d.date or dt.date.min, d.id))


def evidence(site: Site, decision: Decision, board_metrics: dict[str, list[str]]) -> Evidence:
    """The evidence runs, and the metric columns: those their leaderboards rank on, then what most report."""
    catalog = site.catalog
    found = [catalog.experiments[ref] for ref in decision.evidence if ref in catalog.experiments]
    missing = [ref for ref in decision.evidence if ref not in catalog.experiments]
    ranked = [name for name, _ in counted(m for e in found for m in board_metrics.get(e.id, ()))]
    # Unranked runs still show something: their first few metrics.
    ranked += [name for name, _ in counted(m for e in found if e.id not in board_metrics
                                          for m in sorted(e.metrics)[:FALLBACK_METRICS])]
    common = [name for name, count in counted(m for e in found for m in e.metrics) if count * 2 >= len(found)]
    names = list(dict.fromkeys(ranked + common))[:EVIDENCE_METRICS]
    columns = [(name, catalog.goal(name)) for name in names]
    best = {}
    for name, goal in columns:
        values = [e.metrics[name] for e in found if name in e.metrics]
        if len(values) > 1:
            best[name] = best_of(values, goal)
    return Evidence(found, missing, columns, best)


def reference_day(site: Site) -> dt.date | None:
    """The day "lately" counts back from: the newest decision date or status change, never the clock."""
    days = [d.date for d in site.catalog.decisions.values() if d.date]
    for decision in site.catalog.decisions.values():
        history = site.provenance(decision).status_history
        # A file's first commit only records it; later commits (and the dates records state) are changes of status.
        days += [dt.date.fromisoformat(day) for index, (day, recorded) in enumerate(status_days(decision, history))
                 if day and (index or recorded)]
    return max(days, default=None)


def recently_accepted(site: Site, reference: dt.date | None) -> list[tuple[Decision, str]]:
    """Decisions accepted within `RECENT_DAYS` of the reference day, newest first, with the day."""
    if reference is None:
        return []
    since = reference - dt.timedelta(days=RECENT_DAYS)
    found = []
    for decision in site.catalog.decisions.values():
        day = accepted_day(site, decision)
        if day and since < dt.date.fromisoformat(day) <= reference:
            found.append((decision, day))
    return sorted(found, key=lambda item: (item[1], item[0].id), reverse=True)


def accepted_day(site: Site, decision: Decision) -> str:
    """When the decision was last accepted: as its status timeline dates it (the record's own date for a
    decision committed as already accepted), else its own date if it says accepted."""
    history = site.provenance(decision).status_history
    if not history:
        return _iso(decision.status_date or decision.date) if decision.status == "accepted" else ""
    accepted = [day for item, (day, _) in zip(history, status_days(decision, history)) if item.status == "accepted"]
    return accepted[-1] if accepted else ""


def months(decisions: list[Decision]) -> list[Month]:
    """Decisions grouped by month, newest month first; undated ones last."""
    groups: dict[str, list[Decision]] = {}
    for decision in newest_first(decisions):
        key = f"{decision.date.year:04d}-{decision.date.month:02d}" if decision.date else "undated"
        groups.setdefault(key, []).append(decision)
    return [Month(key, _month_title(key), items) for key, items in groups.items()]


def filter_attributes(site: Site, decision: Decision) -> Markup:
    """The data attributes the log's filters read: status, tags (a JSON list) and id."""
    tags = json.dumps(list(decision.tags), ensure_ascii=False, separators=(",", ":"))
    return Markup(f'data-id="{escape(decision.id)}" data-status="{escape(site.catalog.effective_status(decision))}" '
                  f'data-tags="{escape(tags)}"')


def _month_title(key: str) -> str:
    if key == "undated":
        return "Undated"
    year, month = key.split("-")
    return f"{MONTHS[int(month) - 1]} {year}"


def _decisions(site: Site, ids: tuple[str, ...] | list[str]) -> tuple[Decision, ...]:
    found = (site.catalog.decision(i) for i in ids)
    return tuple(d for d in found if d is not None)


def _first_day(site: Site, decision: Decision) -> str:
    """When a decision was made: the day it states, else the day it was first committed."""
    created = site.provenance(decision).created
    return _iso(decision.date) or (created.day if created else "")


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _cards_of_decisions(site: Site) -> dict[str, list[Any]]:
    """Model cards by the decisions that concern them, either side of the link."""
    cards: dict[str, list[Any]] = {}
    for card_id, decision_ids in site.catalog.decisions_of_model.items():
        card = site.catalog.models.get(card_id)
        for decision_id in decision_ids if card else ():
            cards.setdefault(decision_id, []).append(card)
    return cards


def _board_metrics(site: Site) -> dict[str, list[str]]:
    """The metrics each experiment is ranked on, in board order."""
    metrics: dict[str, list[str]] = {}
    for board in site.catalog.leaderboards:
        for entry in board.entries:
            names = metrics.setdefault(entry.experiment.id, [])
            if board.definition.metric not in names:
                names.append(board.definition.metric)
    return metrics


def _resolve(site: Site, decision: Decision, target: str) -> str | None:
    """A relative link in a decision body to another decision's file (`0006-ship-v1.md`) → its page."""
    path, _, anchor = target.partition("#")
    if not path.endswith(".md"):
        return None
    other = site.catalog.decision(path.rsplit("/", 1)[-1])
    if other is None:
        return None
    # The body is HTML by then, which MkDocs does not rewrite: the link must be a final URL.
    here, there = site.url(record_page("decision", decision.id)), site.url(record_page("decision", other.id))
    url = posixpath.relpath(there, here if here.endswith("/") else posixpath.dirname(here) or ".")
    url += "/" if there.endswith("/") else ""
    return f"{url}#{anchor}" if anchor else url


KIND = PageKind("decisions", write, section="Decisions", index=DECISIONS_INDEX, records="decision")
