"""The home dashboard: counts, the top of each leaderboard, what is new and what changed."""

from __future__ import annotations

from mlreport.render.leaderboards import board_views
from mlreport.render.site import PageKind, Site, newest_first

TOP = 3
LATEST = 8
RECENT_CHANGES = 12


def write(site: Site) -> None:
    """The dashboard page (`index.md`, or `dashboard.md` when the team has its own home page)."""
    model = site.model
    decision_changes = [item for item in site.history.feed if item.kind == "decision"][:LATEST]
    site.add_page(
        site.home, "home.md.j2",
        views=board_views(site), top=TOP,
        latest=newest_first(model.experiments.values())[:LATEST],
        decision_changes=decision_changes,
        # Without git history, the newest decisions by their own dates stand in for recent changes.
        latest_decisions=[] if decision_changes else newest_first(model.decisions.values())[:LATEST],
        feed=site.history.feed[:RECENT_CHANGES],
        running=sum(e.status == "running" for e in model.experiments.values()),
        in_production=sum(m.status == "production" for m in model.models.values()),
        accepted=sum(model.effective_status(d) == "accepted" for d in model.decisions.values()),
    )


KIND = PageKind("home", write, section="Home", index="index.md")
