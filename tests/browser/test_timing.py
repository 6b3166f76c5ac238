"""The benchmark's browser timings (timing.py) measure what they say, on the demo site."""

from __future__ import annotations

import pytest

from .harness import new_context
from .sites import BuiltSite
from .timing import measure_pages

pytestmark = pytest.mark.browser


def test_tables_answer_before_the_charts_below_them_are_drawn(demo: BuiltSite, browser) -> None:
    board = demo.catalog.leaderboards[0]
    pages = ["experiments/", demo.board_url(board).removeprefix(demo.base)]
    context = new_context(browser)
    try:
        timings = measure_pages(context, demo.base, pages, runs=1)
    finally:
        context.close()
    assert [t.page for t in timings] == pages
    for timing in timings:
        assert 0 < timing.interactive_s <= timing.drawn_s and timing.sort_ms > 0, timing
        assert 0 <= timing.charts_s <= timing.drawn_s and 0 <= timing.charts_cpu_ms, timing
        # A typed query is timed from the end of its debounce: more than nothing, less than the wait.
        assert 0 < timing.filter_ms and 0 < timing.filter_first_ms < 120_000, timing
        assert 0 < timing.sort_cpu_ms and 0 < timing.filter_cpu_ms, timing
