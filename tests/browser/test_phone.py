"""The site on a phone (390 px wide, light and dark): scores visible beside titles, counts that leave room.

Screenshots of the phone leaderboard and home land in `test-artifacts/screenshots/`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from mlreport.render.site import EXPERIMENTS_INDEX

from .sites import BuiltSite

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}
FIRST_ROW = "[data-mlr-table] .tabulator-row:first-child"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_phone_sees_each_runs_score_beside_its_title(demo: BuiltSite, tabs, artifacts: Path, scheme: str) -> None:
    board = max(demo.catalog.leaderboards, key=lambda b: (len(b.entries), b.definition.title))
    tab = tabs(demo, viewport=PHONE, color_scheme=scheme, is_mobile=True, has_touch=True)
    page = tab.goto(demo.board_url(board))
    score = page.locator(f"{FIRST_ROW} .tabulator-cell[tabulator-field='value']")
    assert score.inner_text() != ""
    _assert_on_screen(page, score)
    _assert_title_narrower_than_table(page)
    page.screenshot(path=str(artifacts / f"phone-leaderboard-{scheme}.png"), full_page=False)
    tab.assert_clean()


def test_a_phone_sees_a_metric_of_each_experiment_in_the_index(demo: BuiltSite, tabs) -> None:
    tab = tabs(demo, viewport=PHONE, is_mobile=True, has_touch=True)
    page = tab.goto(demo.url(EXPERIMENTS_INDEX))
    first_metric = page.locator(f"{FIRST_ROW} .tabulator-cell[tabulator-field^='metric:']").first
    _assert_on_screen(page, first_metric)
    _assert_title_narrower_than_table(page)
    tab.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_home_counts_leave_the_first_screen_to_the_content(demo: BuiltSite, tabs, artifacts: Path,
                                                                scheme: str) -> None:
    tab = tabs(demo, viewport=PHONE, color_scheme=scheme, is_mobile=True, has_touch=True)
    page = tab.goto(demo.url("index.md"))
    cards = page.locator(".mlr-cards").bounding_box()
    assert cards is not None
    assert cards["y"] + cards["height"] < PHONE["height"] / 2, cards
    # The leaderboard excerpts keep to the screen: the page never scrolls sideways (they overflowed by 6 px).
    assert page.locator(".mlr-board").count() > 0
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"the home page is {widths[0]} px wide on a {widths[1]} px screen"
    for board in page.locator(".mlr-board").all():
        box = board.bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"], box
    page.screenshot(path=str(artifacts / f"phone-home-{scheme}.png"), full_page=False)
    tab.assert_clean()


def test_a_wide_screen_keeps_the_title_column_frozen(demo: BuiltSite, tabs) -> None:
    board = max(demo.catalog.leaderboards, key=lambda b: (len(b.entries), b.definition.title))
    page = tabs(demo, viewport=DESKTOP).goto(demo.board_url(board))
    assert page.locator(f"{FIRST_ROW} .tabulator-cell[tabulator-field='title']").get_attribute("class").find(
        "tabulator-frozen") >= 0


def _assert_on_screen(page: Page, cell: Locator) -> None:
    """The cell lies inside the viewport's width, without any sideways scroll."""
    box = cell.bounding_box()
    assert box is not None and box["width"] > 0
    assert page.evaluate("document.scrollingElement.scrollLeft") == 0
    assert page.evaluate("document.querySelector('[data-mlr-table] .tabulator-tableholder').scrollLeft") == 0
    assert 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"], box


def _assert_title_narrower_than_table(page: Page) -> None:
    title = page.locator(f"{FIRST_ROW} .tabulator-cell[tabulator-field='title']").bounding_box()
    table = page.locator("[data-mlr-table] .tabulator-tableholder").bounding_box()
    assert title is not None and table is not None
    assert title["width"] < table["width"] / 2, (title, table)
