"""Instant navigation: clicking from page to page swaps the content without reloading the window,
and every page reached that way still draws its tables and charts."""

from __future__ import annotations

import pytest

from mlreport.render.charts import training_curves
from mlreport.render.tables import PAGE_SIZE

from .harness import CONTENT, Tab, link_to, row_ids
from .sites import BuiltSite

pytestmark = pytest.mark.browser


def test_home_to_board_to_run_to_index_in_one_window_drawing_each_page(demo: BuiltSite, tabs) -> None:
    # A board, and its best run that records training curves.
    board, top = next((b, e.experiment) for b in demo.catalog.leaderboards for e in b.entries if e.experiment.history)
    tab = tabs(demo)
    page = tab.goto(demo.url("index.md"))
    tab.set_marker()
    assert plotly_requests(tab) == [], "the home page has no chart, so it does not need plotly.js"

    tab.click_through(link_to(page, demo.board_url(board)), demo.board_url(board))
    assert tab.marker_survives(), "the click reloaded the whole page"
    assert top.id in row_ids(page)
    assert page.locator(".mlr-chart .js-plotly-plot .scatterlayer .trace").count() == 2
    assert len(plotly_requests(tab)) == 1

    run_url = demo.record_url("experiment", top.id)
    tab.click_through(link_to(page, run_url, within="[data-mlr-table]"), run_url)
    assert tab.marker_survives()
    curves = page.locator("[data-mlr-chart] .js-plotly-plot")
    assert curves.count() == len(training_curves([top])) > 0

    index = demo.url("experiments/index.md")
    tab.click_through(link_to(page, index, within=".md-tabs"), index)
    assert tab.marker_survives()
    assert len(row_ids(page)) == min(len(demo.catalog.experiments), PAGE_SIZE)
    assert len(plotly_requests(tab)) == 1, "plotly.js is fetched once per window"
    tab.assert_clean()


def plotly_requests(tab: Tab) -> list[str]:
    """The requests for plotly.js (any of its bundles) since the tab opened."""
    return [url for url in tab.requests if "/vendor/plotly/plotly" in url]


def test_decision_log_to_decision_to_its_comparison_in_one_window(demo: BuiltSite, tabs) -> None:
    decision = next(d for d in demo.catalog.decisions.values() if len(d.evidence) > 1)
    tab = tabs(demo)
    page = tab.goto(demo.url("index.md"))
    tab.set_marker()
    log, there = demo.url("decisions/index.md"), demo.record_url("decision", decision.id)
    tab.click_through(link_to(page, log, within=".md-tabs"), log)
    tab.click_through(link_to(page, there), there)
    compare = page.locator(f"{CONTENT} a.mlr-compare-link")
    tab.click_through(compare, compare.evaluate("a => a.href"))
    assert tab.marker_survives()
    runs = page.locator("[data-mlr-compare-table='metrics'] thead th[data-id]")
    assert runs.evaluate_all("cells => cells.map(cell => cell.dataset.id)") == [
        run for run in decision.evidence if run in demo.catalog.experiments]
    tab.assert_clean()
