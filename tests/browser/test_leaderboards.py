"""Leaderboards in the browser: rank order, sorting, filtering, and the two charts."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

import pytest

from mlreport.leaderboards import RankedBoard
from mlreport.render.charts import parcoords_params
from mlreport.render.site import delta
from mlreport.render.tables import PAGE_SIZE

from .harness import column_texts, header, pick_from_list_filter, row_ids, wait_for_rows
from .sites import BuiltSite

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def test_every_board_ranks_its_runs_and_charts_them(demo: BuiltSite, tabs) -> None:
    # Headless Chromium has no GPU: parallel coordinates are listed as runs, drawn only on request
    # (test_charts.py draws them).
    tab = tabs(demo)
    assert demo.catalog.leaderboards, "the demo defines leaderboards"
    for board in demo.catalog.leaderboards:
        page = tab.goto(demo.board_url(board))
        _assert_rank_order(page, board)
        _assert_best_so_far_chart(page, board)
        _assert_parallel_coordinates(page, board)
    tab.assert_clean()


def test_a_column_header_click_sorts_the_board(demo: BuiltSite, tabs) -> None:
    board = _busiest(demo)
    page = tabs(demo).goto(demo.board_url(board))
    ranked = row_ids(page)
    dates = column_texts(page, "date")
    assert dates != sorted(dates), "the fixture needs a board whose rank order is not date order"
    header(page, "date").locator(".tabulator-col-title").click()
    assert column_texts(page, "date") == sorted(dates)
    header(page, "date").locator(".tabulator-col-title").click()
    assert column_texts(page, "date") == sorted(dates, reverse=True)
    assert sorted(row_ids(page)) == sorted(ranked)


def test_filtering_by_author_narrows_the_rows(demo: BuiltSite, tabs) -> None:
    board = _busiest(demo)
    counts = Counter(author for e in board.entries for author in e.experiment.authors)
    # An author of some runs but not all, so the filter visibly narrows the table.
    author = min((a for a, n in counts.items() if n < len(board.entries)),
                 key=lambda a: (abs(counts[a] * 2 - len(board.entries)), a))
    tab = tabs(demo)
    page = tab.goto(demo.board_url(board))
    pick_from_list_filter(page, "authors", author)
    expected = [e.experiment.id for e in board.entries if author in e.experiment.authors]
    wait_for_rows(page, len(expected))
    assert row_ids(page) == expected
    tab.assert_clean()


def test_differences_say_better_or_worse_in_the_metrics_own_format(demo: BuiltSite, tabs) -> None:
    board = _busiest(demo)
    metric = board.definition.metric
    places = demo.catalog.places(metric)
    page = tabs(demo).goto(demo.board_url(board))
    # One number format per metric: every value of the ranked metric with its decimal places.
    assert {len(text.partition(".")[2]) for text in column_texts(page, "value")} == {places}
    shown = row_ids(page)
    for field in ("delta_baseline", "delta_previous_best"):
        by_run = {e.experiment.id: getattr(e, field) for e in board.entries}
        # The script writes what the pages' Python writes: ✓/✗ beside the signed difference.
        expected = [re.sub(r"<[^>]+>", "", str(delta(by_run[run], board.goal, places))) for run in shown]
        assert column_texts(page, field) == expected, field
        assert any(text.startswith(("✓ ", "✗ ")) for text in expected), field
    assert "✓ better, ✗ worse" in page.locator("article").inner_text()


def test_the_run_behind_a_model_in_production_wears_a_badge(demo: BuiltSite, tabs) -> None:
    board = next(b for b in demo.catalog.leaderboards
                 if any(demo.catalog.production_cards(e.experiment.id) for e in b.entries[:PAGE_SIZE]))
    page = tabs(demo).goto(demo.board_url(board))
    badged = page.locator("[data-mlr-table] .tabulator-row .tabulator-cell[tabulator-field='title']")
    shown = {row: cell for row, cell in zip(row_ids(page), badged.all())}
    for entry in board.entries[:PAGE_SIZE]:
        cards = demo.catalog.production_cards(entry.experiment.id)
        badge = shown[entry.experiment.id].locator(".mlr-in-production")
        assert badge.count() == (1 if cards else 0), entry.experiment.id
        if cards:
            assert badge.get_attribute("title") == "in production: " + ", ".join(c.title for c in cards)


def _busiest(site: BuiltSite) -> RankedBoard:
    return max(site.catalog.leaderboards, key=lambda b: (len(b.entries), b.definition.title))


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _assert_rank_order(page: Page, board: RankedBoard) -> None:
    shown = [e.experiment.id for e in board.entries][:PAGE_SIZE]
    assert row_ids(page) == shown, board.definition.title
    assert column_texts(page, "rank") == [str(n) for n in range(1, len(shown) + 1)]
    values = [_number(text) for text in column_texts(page, "value")]
    assert values == sorted(values, reverse=board.goal == "max"), board.definition.title


def _assert_best_so_far_chart(page: Page, board: RankedBoard) -> None:
    """Every dated run is a point; the best-so-far line steps once per new best."""
    chart = page.locator(".mlr-chart:not(.mlr-parcoords) .js-plotly-plot")
    assert chart.count() == 1, board.definition.title
    traces = chart.locator(".scatterlayer .trace")
    assert traces.count() == 2
    assert traces.nth(0).locator(".point").count() == len([e for e in board.entries if e.experiment.date])
    assert traces.nth(1).locator(".point").count() == len([s for s in board.best_so_far if s[0]])


def _assert_parallel_coordinates(page: Page, board: RankedBoard) -> None:
    """Without a GPU, the runs of parallel coordinates in a list: rank, run, metric, one column per parameter
    that varies; nothing without such parameters."""
    names = parcoords_params(list(board.entries))
    columns = page.locator(".mlr-parcoords .mlr-runs thead th").all_text_contents()
    assert columns == (["#", "Experiment", board.definition.metric, *names] if names else []), board.definition.title
    assert page.locator(".mlr-parcoords .js-plotly-plot").count() == 0
