"""Screenshots of each page kind in Material's light and dark palettes, saved for a person to look at.

They land in `test-artifacts/screenshots/` (or `$MLREPORT_ARTIFACTS/screenshots/`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import Tab
from .sites import BuiltSite

pytestmark = pytest.mark.browser

SCHEME = "document.body.getAttribute('data-md-color-scheme')"
CHART_BACKGROUND = "document.querySelector('[data-mlr-chart] .main-svg').style.background"


def test_each_page_kind_in_light_and_dark(demo: BuiltSite, tabs, artifacts: Path) -> None:
    pages = _page_of_each_kind(demo)
    # A context of its own: the palette choice is kept in its storage.
    tab = tabs(demo, fresh=True)
    light = _shoot(tab, pages, artifacts, "light", "default")
    tab.page.locator("form[data-md-component='palette'] label:visible").click()
    tab.page.wait_for_function(f"{SCHEME} === 'slate'")
    dark = _shoot(tab, pages, artifacts, "dark", "slate")
    assert light != dark, "charts keep their colours when the palette changes"
    tab.assert_clean()


def _shoot(tab: Tab, pages: dict[str, str], folder: Path, palette: str, scheme: str) -> str:
    """Screenshot every page in the current palette; returns the leaderboard chart's background."""
    background = ""
    for name, url in pages.items():
        page = tab.goto(url)
        assert page.evaluate(SCHEME) == scheme, f"{name} is not in the {palette} palette"
        if name == "leaderboard":
            background = page.evaluate(CHART_BACKGROUND)
        target = folder / f"{name}-{palette}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 0
    return background


def _page_of_each_kind(site: BuiltSite) -> dict[str, str]:
    """Home, the busiest leaderboard, a cited run, a comparison, a superseded decision, a model card."""
    model = site.catalog
    board = max(model.leaderboards, key=lambda b: (len(b.entries), b.definition.title))
    run = next(e for e in model.experiments.values() if e.baseline and e.history and model.decisions_citing.get(e.id))
    compared = ",".join(entry.experiment.id for entry in board.entries[:3])
    decision = min(model.successors) if model.successors else min(model.decisions)
    card = min(model.models)
    return {
        "home": site.url("index.md"),
        "leaderboard": site.board_url(board),
        "experiment": site.record_url("experiment", run.id),
        "compare": f"{site.url('experiments/compare.md')}?ids={compared}",
        "decision": site.record_url("decision", decision),
        "model-card": site.record_url("model", card),
    }
