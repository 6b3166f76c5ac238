"""The KPI page in the browser: every trend chart draws, and statuses read in light and dark at 390 px."""

from __future__ import annotations

import pytest

from mlreport.kpis import STATUSES, read_kpis
from mlreport.render.site import KPIS_INDEX

from .sites import BuiltSite

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# The WCAG contrast of a badge's text against the page behind it (its tint is only 13 % opaque).
CONTRAST = """el => {
  const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = rgb(c).map(v => v / 255).map(v => v <= 0.03928 ? v / 12.92
                     : Math.pow((v + 0.055) / 1.055, 2.4)); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const bg = getComputedStyle(document.querySelector('.md-main') || document.body).backgroundColor;
  const page = bg === 'rgba(0, 0, 0, 0)' ? getComputedStyle(document.body).backgroundColor : bg;
  const [a, b] = [lum(getComputedStyle(el).color), lum(page)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


def test_every_trend_chart_draws_its_runs_production_and_target(demo: BuiltSite, tabs) -> None:
    readings = read_kpis(demo.catalog)
    assert len(readings) == 4, "the demo defines four KPIs"
    tab = tabs(demo)
    page = tab.goto(demo.url(KPIS_INDEX))
    charts = page.locator(".mlr-kpi-trend .js-plotly-plot")
    charts.last.locator(".scatterlayer").wait_for()
    assert charts.count() == len(readings)
    for index, reading in enumerate(readings):
        traces = charts.nth(index).locator(".scatterlayer .trace")
        # The target band, the warning band when there is one, the runs, the production line.
        expected = 2 + (reading.kpi.warn is not None) + (reading.value is not None)
        assert traces.count() == expected, reading.kpi.title
        runs = traces.nth(expected - 2 if reading.value is not None else expected - 1)
        assert runs.locator(".point").count() == len([r for r in reading.runs if r.date]), reading.kpi.title
    tab.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_statuses_are_words_that_read_on_a_phone(demo: BuiltSite, tabs, scheme: str) -> None:
    readings = read_kpis(demo.catalog)
    assert {r.status for r in readings} >= {"met", "at risk", "missed"}, "the demo shows each status"
    tab = tabs(demo, color_scheme=scheme)
    tab.page.set_viewport_size(PHONE)
    for url, badges in ((demo.url(KPIS_INDEX), ".mlr-facts .mlr-badge"), (demo.base, ".mlr-kpi-tile .mlr-badge")):
        page = tab.goto(url)
        assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == \
            ("slate" if scheme == "dark" else "default")
        shown = page.locator(badges)
        assert shown.count() >= len(readings), url
        for index in range(shown.count()):
            badge = shown.nth(index)
            word = badge.inner_text().lstrip("✓!✗ ").strip()
            assert word in STATUSES, word
            box = badge.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{word} off screen on {url}"
            assert badge.evaluate(CONTRAST) >= 3, f"{word} too faint in {scheme} on {url}"
        if url != demo.base:
            # The KPI page does not scroll sideways on a phone: its wide table scrolls in its own frame.
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url
    tab.assert_clean()
