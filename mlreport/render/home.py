"""The home dashboard: counts, the top of each leaderboard, what is new and what changed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable

from mlreport.history import Change, FeedItem
from mlreport.leaderboards import RankedEntry
from mlreport.metrics import delta
from mlreport.records import Decision, ModelCard
from mlreport.render.decisions import reference_day
from mlreport.render.leaderboards import BoardView, board_views
from mlreport.kpis import read_kpis
from mlreport.render.kpis import anchors, status_badge
from mlreport.render.site import PageKind, Site, counted, newest_first

TOP = 3
LATEST = 8
RECENT_CHANGES = 10
"""Commits in the "what changed lately" feed."""
SHOWN_PER_COMMIT = 6
"""Records named per commit; the rest are counted."""


@dataclass(frozen=True)
class CommitGroup:
    """The records one commit touched, as the "what changed" feed shows them."""

    change: Change
    items: tuple[FeedItem, ...]


@dataclass(frozen=True)
class DecisionChange:
    """A commit that touched a decision, with the status the decision had after it."""

    item: FeedItem
    status: str


@dataclass(frozen=True)
class DecisionCommit:
    """The decisions one commit touched: one row of "recent decision changes", however many it brought in."""

    change: Change
    decisions: tuple[DecisionChange, ...]

    @property
    def verb(self) -> str:
        """What the commit did to them all: "recorded" (added), "moved" or "changed"."""
        actions = {item.item.change.action for item in self.decisions}
        return "recorded" if actions == {"added"} else "moved" if actions == {"renamed"} else "changed"

    @property
    def statuses(self) -> list[tuple[str, int]]:
        """How many of them had each status after the commit, the most common first."""
        return counted(item.status for item in self.decisions if item.status)


@dataclass(frozen=True)
class InProduction:
    """A task's model in production, where its run ranks, and the best run that would replace it."""

    task: str
    card: ModelCard
    view: BoardView | None
    entry: RankedEntry | None
    """The card's run on the task's leaderboard."""
    challenger: RankedEntry | None
    """The board's leader, when it is not the production run."""

    @property
    def gain(self) -> float | None:
        """What switching to the challenger would change in the board's metric."""
        if self.entry is None or self.challenger is None:
            return None
        return delta(self.challenger.value, self.entry.value)


@dataclass(frozen=True)
class AwaitingSignOff:
    """A proposed decision: who must decide, and since when it has been open."""

    decision: Decision
    opened: str
    days_open: int | None


def in_production(site: Site, views: list[BoardView]) -> list[InProduction]:
    """For each task with a model in production: the card, its run's rank, and the best challenger."""
    catalog = site.catalog
    tasks = sorted({task for card in catalog.models.values() if card.status == "production"
                    for task in catalog.card_tasks(card)})
    shown = []
    for task in tasks:
        for card in catalog.in_production(task):
            runs = {e.experiment for e in card.evaluations}
            view = next((v for v in views if any(e.experiment.task == task and e.experiment.id in runs
                                                 for e in v.board.entries)), None)
            entry = next((e for e in view.board.entries if e.experiment.id in runs), None) if view else None
            best = view.best if view else None
            shown.append(InProduction(task, card, view, entry, best if best is not entry else None))
    return shown


def awaiting_sign_off(site: Site) -> list[AwaitingSignOff]:
    """Proposed decisions, the longest open first; days count to the newest decision activity, not the clock."""
    # The newest decision activity or commit: the same commit always builds the same page.
    days = [reference_day(site), *(dt.date.fromisoformat(item.change.day) for item in site.history.feed[:1])]
    reference = max((day for day in days if day), default=None)
    waiting = []
    for decision in site.catalog.decisions.values():
        if site.catalog.effective_status(decision) != "proposed":
            continue
        created = site.provenance(decision).created
        # The record's own date says when it was proposed; its commit may be a later import.
        opened = decision.date.isoformat() if decision.date else (created.day if created else "")
        days = (reference - dt.date.fromisoformat(opened)).days if opened and reference else None
        waiting.append(AwaitingSignOff(decision, opened, days))
    return sorted(waiting, key=lambda w: (w.opened or "9999", w.decision.id))


def write(site: Site) -> None:
    """The dashboard page (`index.md`, or `dashboard.md` when the team has its own home page)."""
    catalog = site.catalog
    decision_changes = decision_commits(site, LATEST)
    views = board_views(site)
    readings = read_kpis(catalog)
    site.add_page(
        site.home, "home.md.j2",
        kpi_tiles=list(zip(readings, anchors(readings))), status_badge=status_badge,
        views=views, top=TOP, production=in_production(site, views), waiting=awaiting_sign_off(site),
        latest=newest_first(catalog.experiments.values())[:LATEST],
        decision_changes=decision_changes,
        # Without git history, the newest decisions by their own dates stand in for recent changes.
        latest_decisions=[] if decision_changes else newest_first(catalog.decisions.values())[:LATEST],
        feed=commit_groups(site.history.feed, RECENT_CHANGES), shown_per_commit=SHOWN_PER_COMMIT,
        running=sum(e.status == "running" for e in catalog.experiments.values()),
        in_production=sum(m.status == "production" for m in catalog.models.values()),
        accepted=sum(catalog.effective_status(d) == "accepted" for d in catalog.decisions.values()),
    )


def commit_groups(feed: Iterable[FeedItem], limit: int) -> list[CommitGroup]:
    """The feed (newest first) as one entry per commit, the newest `limit` commits."""
    groups: list[CommitGroup] = []
    for item in feed:
        if groups and groups[-1].change.commit == item.change.commit:
            groups[-1] = CommitGroup(groups[-1].change, groups[-1].items + (item,))
        elif len(groups) == limit:
            break
        else:
            groups.append(CommitGroup(item.change, (item,)))
    return groups


def decision_commits(site: Site, limit: int) -> list[DecisionCommit]:
    """The newest `limit` commits that touched decisions, each with the decisions it touched (newest first)."""
    rows: list[DecisionCommit] = []
    for item in site.history.feed:
        if item.kind != "decision":
            continue
        shown = DecisionChange(item, status_after(site, item))
        if rows and rows[-1].change.commit == item.change.commit:
            rows[-1] = DecisionCommit(rows[-1].change, rows[-1].decisions + (shown,))
        elif len(rows) == limit:
            break
        else:
            rows.append(DecisionCommit(item.change, (shown,)))
    return rows


def status_after(site: Site, item: FeedItem) -> str:
    """A decision's status right after a commit, from its status history; else its status today."""
    decision = site.record("decision", item.record_id)
    if decision is None:
        return ""
    for step in site.provenance(decision).status_history:
        if step.change.commit == item.change.commit:
            return step.status
    return site.catalog.effective_status(decision)  # type: ignore[arg-type]


KIND = PageKind("home", write, section="Home", index="index.md")
