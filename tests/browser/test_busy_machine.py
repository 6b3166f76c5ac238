"""A loaded machine slows the browser down but must not fail the suite: waits are for content, not time."""

from __future__ import annotations

import multiprocessing
import os
from contextlib import contextmanager
from typing import Iterator

import pytest

from .sites import BuiltSite

pytestmark = pytest.mark.browser


def _spin() -> None:
    while True:
        pass


@contextmanager
def every_core_busy() -> Iterator[None]:
    """Two busy processes per core for the duration: what CI looks like when other jobs share it."""
    spinners = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(2 * (os.cpu_count() or 1))]
    for spinner in spinners:
        spinner.start()
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.join()


def test_a_chart_page_settles_while_every_core_is_busy(demo: BuiltSite, tabs) -> None:
    board = demo.catalog.leaderboards[0]
    tab = tabs(demo, fresh=True)  # an empty cache: plotly.js (4.6 MB) is fetched and parsed under load
    with every_core_busy():
        page = tab.goto(demo.board_url(board))
    assert page.locator("[data-mlr-chart] .main-svg").count() >= 1
    assert not tab.errors
