"""The decision log and decision pages: status filters, supersede links both ways, the timeline."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import pytest

from .harness import CONTENT, link_to
from .sites import BuiltSite

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

SHOWN_ROWS = "[data-mlr-decisions] tr[data-status]:not([hidden])"


def test_the_log_filters_by_status_and_back_to_all(demo: BuiltSite, tabs) -> None:
    statuses = Counter(demo.catalog.effective_status(d) for d in demo.catalog.decisions.values())
    assert len(statuses) > 1, "the demo needs decisions of several statuses"
    tab = tabs(demo)
    page = tab.goto(demo.url("decisions/index.md"))
    assert _shown_ids(page) == set(demo.catalog.decisions)
    for status in sorted(statuses):
        page.locator(f"[data-mlr-decision-filters] [data-filter-status='{status}']").click()
        expected = {d.id for d in demo.catalog.decisions.values() if demo.catalog.effective_status(d) == status}
        assert _shown_ids(page) == expected, status
        assert f"status={status}" in page.url
    page.locator("[data-mlr-decision-filters] [data-filter-status='']").click()
    assert _shown_ids(page) == set(demo.catalog.decisions)
    tab.assert_clean()


def test_the_months_of_the_log_line_up_column_by_column(demo: BuiltSite, tabs) -> None:
    tab = tabs(demo)
    page = tab.goto(demo.url("decisions/index.md"))
    page.set_viewport_size({"width": 1280, "height": 900})
    edges = page.locator("[data-mlr-decisions] table").evaluate_all(
        "tables => tables.map(t => [...t.querySelectorAll('th')]"
        "  .map(th => Math.round(th.getBoundingClientRect().left)))")
    assert len(edges) > 1, "the demo's decisions span several months"
    assert all(row == edges[0] for row in edges), edges


def test_a_superseded_decision_links_to_its_successor_and_back(demo: BuiltSite, tabs) -> None:
    older = min(demo.catalog.successors)
    newer = demo.catalog.successors[older][0]
    older_url, newer_url = demo.record_url("decision", older), demo.record_url("decision", newer)
    tab = tabs(demo)
    page = tab.goto(older_url)
    assert page.locator(".mlr-decision-status").get_attribute("data-status") == "superseded"
    tab.click_through(link_to(page, newer_url, within=f"{CONTENT} .admonition"), newer_url)
    tab.click_through(link_to(page, older_url, within=f"{CONTENT} .mlr-supersedes"), older_url)
    tab.assert_clean()


@pytest.mark.parametrize("which", ["demo", "hostile"])
def test_the_status_timeline_shows_each_status_the_decision_had(which: str, request, tabs) -> None:
    site: BuiltSite = request.getfixturevalue(which)
    # The decision whose status changed most often in git: the hostile repo's went through three.
    decision = max(site.catalog.decisions.values(),
                   key=lambda d: (len(site.history.provenance(d.path).status_history), d.id))
    history = site.history.provenance(decision.path).status_history
    tab = tabs(site)
    page = tab.goto(site.record_url("decision", decision.id))
    steps = page.locator("ol.mlr-timeline > li.mlr-step")
    assert steps.first.is_visible()
    assert [steps.nth(i).get_attribute("data-status") for i in range(steps.count())] == [
        step.status for step in history]
    for n, step in enumerate(history):
        assert step.change.day in steps.nth(n).inner_text()
    tab.assert_clean()


def _shown_ids(page: Page) -> set[str]:
    return set(page.locator(SHOWN_ROWS).evaluate_all("rows => rows.map(row => row.dataset.id)"))
