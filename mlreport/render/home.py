"""The home dashboard: counts, the top of each leaderboard, what is new and what changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from mlreport.history import Change, FeedItem
from mlreport.kpis import read_kpis
from mlreport.render.kpis import anchors, status_badge
from mlreport.render.leaderboards import board_views
from mlreport.render.site import PageKind, Site, newest_first

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


def write(site: Site) -> None:
    """The dashboard page (`index.md`, or `dashboard.md` when the team has its own home page)."""
    catalog = site.catalog
    decision_changes = [DecisionChange(item, status_after(site, item))
                        for item in site.history.feed if item.kind == "decision"][:LATEST]
    readings = read_kpis(catalog)
    site.add_page(
        site.home, "home.md.j2",
        kpi_tiles=list(zip(readings, anchors(readings))), status_badge=status_badge,
        views=board_views(site), top=TOP,
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
