"""Charts in the browser: drawn only once scrolled near, never in the way of a table, from the smallest
plotly.js bundle; parallel coordinates that say which line is which run, at 1400 px and on a phone,
drawn by themselves only where WebGL has a GPU behind it (else their runs are listed, and a button
draws them on request).

Screenshots of parallel coordinates (1400 px and 390 px, light and dark) land in `test-artifacts/screenshots/`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import pytest

from mlreport.leaderboards import RankedBoard
from mlreport.render.charts import (MAX_PROGRESS_POINTS, PARCOORDS_LINES, PARCOORDS_SCALE, PARCOORDS_SCALE_DARK,
                                    RUNS_SHOWN, parcoords_params)

from .conftest import _served
from .harness import CHART_DONE, HARDWARE_GL, NO_WEBGL, Tab, header
from .large import grow
from .sites import REPO_ROOT, BuiltSite

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

SHORT = {"width": 1280, "height": 600}
DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}
GROWN = 2_000
"""Runs of the grown board: more than parallel coordinates draw by themselves, more than they draw at all."""
NEAR_PX = 300
"""How far ahead of the viewport charts.js starts drawing (its NEAR)."""
ANSWER_S = 2.0
"""How soon a sort is answered on an idle machine, at most; scaled by the load (see `answer_bound`)."""
PLOTLY = "/vendor/plotly/plotly"
TABLE_SHOWS = """() => {
  const table = document.querySelector('[data-mlr-table]');
  return table && table.dataset.mlrState === 'ready' && !!table.querySelector('.tabulator-row');
}"""
DATES_ASCEND = """() => {
  const dates = [...document.querySelectorAll("[data-mlr-table] .tabulator-row .tabulator-cell[tabulator-field='date']")]
    .map(cell => cell.textContent);
  return dates.length > 1 && dates.every((date, i) => i === 0 || dates[i - 1] <= date);
}"""
CHART_STATES = "() => [...document.querySelectorAll('[data-mlr-chart]')].map(c => c.dataset.mlrChartState)"
PARCOORDS = "() => document.querySelector('.mlr-parcoords .js-plotly-plot').data[0]"
RENDERER = """() => {
  const gl = document.createElement('canvas').getContext('webgl');
  return gl.getParameter(gl.getExtension('WEBGL_debug_renderer_info').UNMASKED_RENDERER_WEBGL);
}"""
LONG_TASKS = """
window.__mlr_long_tasks = [];
new PerformanceObserver(list => list.getEntries().forEach(task => window.__mlr_long_tasks.push(task.duration)))
  .observe({type: 'longtask', buffered: true});
"""
"""An init script that records how long each task that held the main thread over 50 ms took."""
DRAWING = "() => [...document.querySelectorAll('[data-mlr-chart]')].some(c => c.dataset.mlrChartState === 'drawing')"


def answer_bound() -> float:
    """Seconds a sort may take: ANSWER_S, times how many runnable processes each core has beyond one."""
    return ANSWER_S * max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))


def plotly_requests(tab: Tab) -> list[str]:
    """The plotly.js bundles the tab has asked for, by file name."""
    return [url.rsplit("/", 1)[-1] for url in tab.requests if PLOTLY in url]


def _busiest(site: BuiltSite) -> RankedBoard:
    boards = [b for b in site.catalog.leaderboards if parcoords_params(list(b.entries))]
    return max(boards, key=lambda b: (len(b.entries), b.definition.title))


def test_a_sort_right_after_the_table_appears_is_answered_before_any_chart_is_drawn(demo: BuiltSite, tabs) -> None:
    board = _busiest(demo)
    tab = tabs(demo, fresh=True, viewport=SHORT)  # an empty cache: plotly.js would have to be fetched
    page = tab.page
    page.goto(demo.board_url(board), wait_until="commit")
    page.wait_for_function(TABLE_SHOWS)
    assert not page.evaluate(DATES_ASCEND), "the fixture needs a board whose rank order is not date order"
    started = time.monotonic()
    header(page, "date").locator(".tabulator-col-title").click()
    page.wait_for_function(DATES_ASCEND)
    answered = time.monotonic() - started
    assert answered < answer_bound(), f"the sort took {answered:.2f} s"
    # The answer could not have waited for plotly.js: no chart below the fold is drawn, none was even asked for.
    below = page.evaluate("() => [...document.querySelectorAll('[data-mlr-chart]')]"
                          ".map(c => c.getBoundingClientRect().top - innerHeight)")
    assert below and min(below) > NEAR_PX, f"the fixture needs charts below the fold: {below}"
    assert set(page.evaluate(CHART_STATES)) == {"waiting"}
    assert plotly_requests(tab) == []

    # Still nothing while the reader stays at the table; scrolled to, each chart is drawn.
    page.wait_for_timeout(500)
    assert set(page.evaluate(CHART_STATES)) == {"waiting"} and plotly_requests(tab) == []
    charts = page.locator("[data-mlr-chart]")
    for index in range(charts.count()):
        charts.nth(index).scroll_into_view_if_needed()
        page.wait_for_function(CHART_DONE, arg=charts.nth(index).element_handle())
    assert set(page.evaluate(CHART_STATES)) == {"drawn"}
    # Without a GPU the progress chart is drawn and parallel coordinates list their runs: the basic
    # bundle (1.1 MB), not the one with parallel coordinates (1.6 MB) nor the full one (4.6 MB).
    assert page.locator(".mlr-chart:not(.mlr-parcoords) .js-plotly-plot").count() == charts.count() - 1
    assert page.locator(".mlr-parcoords").get_attribute("data-mlr-chart-form") == "runs"
    assert plotly_requests(tab) == ["plotly-basic.min.js"]
    tab.assert_clean()


def test_input_is_answered_while_the_charts_draw(demo: BuiltSite, tabs) -> None:
    board = _busiest(demo)
    tab = tabs(demo, fresh=True, viewport={"width": 1400, "height": 3000})  # every chart near from the start
    page = tab.page
    page.add_init_script(LONG_TASKS)
    page.goto(demo.board_url(board), wait_until="commit")
    page.wait_for_function(DRAWING)
    started = time.monotonic()
    header(page, "date").locator(".tabulator-col-title").click()
    page.wait_for_function(DATES_ASCEND)
    answered = time.monotonic() - started
    assert answered < answer_bound(), f"the sort took {answered:.2f} s while the charts were drawn"
    for chart in page.locator("[data-mlr-chart]").element_handles():
        page.wait_for_function(CHART_DONE, arg=chart)
    assert set(page.evaluate(CHART_STATES)) == {"drawn"}
    # No task held the page for seconds: parallel coordinates, plotly.js's long one, were not drawn.
    longest = max(page.evaluate("window.__mlr_long_tasks"), default=0) / 1000
    assert longest < answer_bound(), f"a task held the page for {longest:.2f} s"
    assert page.locator(".mlr-parcoords").get_attribute("data-mlr-chart-form") == "runs"
    tab.assert_clean()


def test_without_a_gpu_the_runs_are_listed_and_the_chart_is_drawn_on_request(demo: BuiltSite, tabs,
                                                                            artifacts: Path) -> None:
    board = _busiest(demo)
    entries = list(board.entries)
    tab = tabs(demo, viewport=DESKTOP)
    page = tab.goto(demo.board_url(board))
    assert "SwiftShader" in page.evaluate(RENDERER), "headless Chromium draws WebGL on the CPU"
    section = page.locator(".mlr-parcoords")
    assert section.get_attribute("data-mlr-chart-form") == "runs"
    assert section.locator(".js-plotly-plot").count() == 0
    assert _listed(page) == [e.experiment.id for e in entries[:RUNS_SHOWN]]
    assert "without a graphics card" in section.locator(".mlr-chart-offer").inner_text()
    assert not page.locator(".mlr-parcoords-help").is_visible()  # it explains lines that are not drawn
    assert plotly_requests(tab) == ["plotly-basic.min.js"]
    _shoot(page, artifacts / "parcoords-on-request-1400-light.png")

    # On request: the button says the chart is being drawn, then the chart takes its place.
    button = section.get_by_role("button", name="Draw the chart")
    button.evaluate("b => { window.__mlr_labels = []; new MutationObserver(() => __mlr_labels.push(b.textContent))"
                    ".observe(b, {childList: true, characterData: true, subtree: true}); }")
    button.click()
    page.wait_for_function("c => c.dataset.mlrChartForm === 'plot' && c.dataset.mlrChartState === 'drawn'",
                           arg=section.element_handle())
    assert "Drawing the chart…" in page.evaluate("window.__mlr_labels")
    assert len(page.evaluate(PARCOORDS)["dimensions"][0]["values"]) == len(entries)
    assert section.locator(".mlr-chart-offer").count() == 0 and page.locator(".mlr-parcoords-help").is_visible()
    assert plotly_requests(tab) == ["plotly-basic.min.js", "plotly-gl2d.min.js"]
    # Which line is which run, as when drawn by itself.
    section.locator(".mlr-runs tbody tr").nth(1).hover()
    page.wait_for_function(f"() => !!({PARCOORDS})().dimensions[0].constraintrange")
    page.mouse.move(0, 0)
    page.wait_for_function(f"() => !({PARCOORDS})().dimensions[0].constraintrange")
    # The dark palette redraws both charts, the one the basic bundle drew first included.
    backgrounds = ("() => [...document.querySelectorAll('[data-mlr-chart] .main-svg:first-child')]"
                   ".map(s => s.style.background)")
    light = page.evaluate(backgrounds)
    page.locator("form[data-md-component='palette'] label:visible").click()
    page.wait_for_function(f"light => ({backgrounds})().every((b, i) => b && b !== light[i])", arg=light)
    tab.assert_clean()


def test_without_webgl_the_runs_are_listed_and_no_chart_is_offered(demo: BuiltSite, tabs) -> None:
    board = _busiest(demo)
    tab = tabs(demo, viewport=DESKTOP)
    tab.page.add_init_script(NO_WEBGL)
    page = tab.goto(demo.board_url(board))
    section = page.locator(".mlr-parcoords")
    assert section.get_attribute("data-mlr-chart-form") == "runs"
    assert _listed(page) == [e.experiment.id for e in board.entries[:RUNS_SHOWN]]
    assert "no WebGL" in section.locator(".mlr-chart-offer").inner_text()
    assert section.get_by_role("button").count() == 0
    assert plotly_requests(tab) == ["plotly-basic.min.js"]
    tab.assert_clean()


def test_a_page_of_scatter_charts_loads_the_basic_bundle(demo: BuiltSite, tabs) -> None:
    run = next(e for e in demo.catalog.experiments.values() if e.history)
    tab = tabs(demo, fresh=True)
    page = tab.goto(demo.record_url("experiment", run.id))
    assert page.locator("[data-mlr-chart] .main-svg").count() >= 1
    assert plotly_requests(tab) == ["plotly-basic.min.js"]
    tab.assert_clean()


def test_the_charts_of_a_page_are_drawn_from_its_one_chart_file_fetched_once(demo: BuiltSite, tabs) -> None:
    """A page's charts share one data file (one to create per page, not a folder and a file per chart): both curves
    of a run are drawn from it, and it is fetched once."""
    tab = tabs(demo, fresh=True)
    page = tab.goto(demo.record_url("experiment", "disputes-deberta-v3-small"))
    charts = page.locator("[data-mlr-chart]")
    assert [charts.nth(n).get_attribute("data-mlr-chart-part") for n in range(charts.count())] == ["curve-1", "curve-2"]
    assert [charts.nth(n).get_attribute("data-mlr-chart-state") for n in range(2)] == ["drawn", "drawn"]
    assert page.locator("[data-mlr-chart]:has(.main-svg)").count() == 2
    assert [url.rpartition("/assets/")[2] for url in tab.requests if "/data/charts/" in url] == [
        "mlreport/data/charts/experiments/disputes-deberta-v3-small.json"]
    tab.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_parallel_coordinates_draw_every_run_and_name_each_line(demo: BuiltSite, tabs, artifacts: Path,
                                                                scheme: str) -> None:
    board = _busiest(demo)
    entries = list(board.entries)
    tab = tabs(demo, viewport=DESKTOP, color_scheme=scheme)
    tab.page.add_init_script(HARDWARE_GL)  # with a GPU, parallel coordinates are drawn by themselves
    page = tab.goto(demo.board_url(board))
    assert tab.page.locator(".mlr-parcoords").get_attribute("data-mlr-chart-form") == "plot"
    # Scatter and parallel coordinates: the gl2d bundle (1.6 MB) alone, not the full one (4.6 MB).
    assert plotly_requests(tab) == ["plotly-gl2d.min.js"]
    trace = page.evaluate(PARCOORDS)
    dims = {dim["label"]: dim for dim in trace["dimensions"]}
    names = parcoords_params(entries)
    assert list(dims) == ["rank", *names, board.definition.metric]
    # Every run is a line, the best drawn last (on top) in a colour of its own.
    assert len(dims["rank"]["values"]) == len(entries)
    assert dims["rank"]["values"][-1] == max(dims["rank"]["values"])
    assert trace["line"]["color"][-1] == 1 and max(trace["line"]["color"][:-1]) < 1
    # Strong blues on a light page, bright ones on a dark page.
    scale = PARCOORDS_SCALE_DARK if scheme == "dark" else PARCOORDS_SCALE
    assert [list(stop) for stop in trace["line"]["colorscale"]] == [list(stop) for stop in scale]
    # A parameter recorded as text is an axis of its categories.
    text_params = [n for n in names if any(isinstance(e.experiment.params.get(n), str) for e in entries)]
    assert text_params, "the fixture needs a parameter recorded as text"
    assert dims[text_params[0]]["ticktext"], text_params[0]
    _assert_readable(page, scheme)

    # Which line is which run: the list names them in rank order, the best marked.
    runs = page.locator(".mlr-parcoords .mlr-runs tbody tr")
    assert _listed(page) == [e.experiment.id for e in entries[:RUNS_SHOWN]]
    assert runs.first.locator(".mlr-runs-best-badge").count() == 1
    # Pointing at a run picks out its line; moving away puts every line back.
    runs.nth(2).hover()
    picked = len(entries) - 2  # the third run's place on the rank axis
    page.wait_for_function(f"() => {{ let r = ({PARCOORDS})().dimensions[0].constraintrange;"
                           f" if (r && Array.isArray(r[0])) r = r[0];"
                           f" return !!r && r[0] <= {picked} && {picked} <= r[1] && r[1] - r[0] <= 1; }}")
    page.mouse.move(0, 0)
    page.wait_for_function(f"() => !({PARCOORDS})().dimensions[0].constraintrange")
    # Brushing the metric axis (a drag, as a reader does) lists only the runs whose lines stay lit.
    _drag_along_axis(page, len(dims) - 1)
    page.wait_for_function("() => / of \\d+ runs match/.test(document.querySelector('.mlr-runs-caption').textContent)")
    kept = _listed(page)
    assert 0 < len(kept) < len(entries) and kept == [e.experiment.id for e in entries if e.experiment.id in kept]
    _shoot(page, artifacts / f"parcoords-1400-{scheme}.png")
    tab.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_on_a_phone_the_runs_are_a_table_in_place_of_parallel_coordinates(demo: BuiltSite, tabs, artifacts: Path,
                                                                          scheme: str) -> None:
    board = _busiest(demo)
    tab = tabs(demo, viewport=PHONE, color_scheme=scheme, is_mobile=True, has_touch=True)
    tab.page.add_init_script(HARDWARE_GL)  # a phone with a GPU still lists the runs
    page = tab.goto(demo.board_url(board))
    section = page.locator(".mlr-parcoords")
    assert section.locator(".js-plotly-plot").count() == 0
    assert _listed(page) == [e.experiment.id for e in board.entries[:RUNS_SHOWN]]
    # The page does not scroll sideways; the run and its score show without scrolling the table either.
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    first = section.locator(".mlr-runs tbody tr").first
    for cell in (first.locator(".mlr-runs-title a"), first.locator("td").nth(2)):
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert first.locator("td").nth(2).inner_text().strip()
    # The progress chart needs scatter alone: a phone never fetches the bundle with parallel coordinates.
    assert "plotly-gl2d.min.js" not in plotly_requests(tab)
    assert section.locator(".mlr-chart-offer").count() == 0
    _shoot(page, artifacts / f"phone-parcoords-{scheme}.png")
    tab.assert_clean()


@pytest.fixture(scope="module")
def grown(browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[BuiltSite, str]]:
    """The demo site with its largest leaderboard (and its charts) grown to GROWN runs; that board's URL."""
    folder = tmp_path_factory.mktemp("grown-charts")
    for site in _served(REPO_ROOT, folder):
        board = grow(folder, GROWN)["board"]
        yield site, site.base + board.replace("assets/mlreport/data/", "").removesuffix(".json") + "/"


def test_a_board_of_thousands_thins_its_points_and_draws_its_best_lines_only_on_request(grown, tabs) -> None:
    site, url = grown
    tab = tabs(site, viewport=DESKTOP)
    tab.page.add_init_script(HARDWARE_GL)  # even with a GPU: thousands of lines take a while
    page = tab.goto(url)
    section = page.locator(".mlr-parcoords")
    assert section.get_attribute("data-mlr-chart-form") == "runs"
    assert f"Parallel coordinates of {GROWN:,} runs" in section.locator(".mlr-chart-offer").inner_text()
    assert plotly_requests(tab) == ["plotly-basic.min.js"]
    # The progress chart draws the best and worst of each stretch of time, and says so.
    progress = page.locator(".mlr-chart:not(.mlr-parcoords) .js-plotly-plot")
    assert 0 < progress.locator(".scatterlayer .trace").first.locator(".point").count() <= MAX_PROGRESS_POINTS
    assert f"of {GROWN:,}: each stretch's best and worst" in progress.locator(".legend").text_content()

    section.get_by_role("button", name="Draw the chart").click()
    page.wait_for_function("c => c.dataset.mlrChartForm === 'plot' && c.dataset.mlrChartState === 'drawn'",
                           arg=section.element_handle())
    rank = page.evaluate(PARCOORDS)["dimensions"][0]
    assert len(rank["values"]) == PARCOORDS_LINES and {"#1", f"#{PARCOORDS_LINES}"} <= set(rank["ticktext"])
    caption = section.locator(".mlr-runs-caption").inner_text()
    lines = f"{PARCOORDS_LINES:,}"
    assert caption.startswith(f"The best {lines} of the {GROWN:,} runs are lines; all {lines} shown"), caption
    assert len(_listed(page)) == RUNS_SHOWN
    tab.assert_clean()


def _listed(page: Page) -> list[str]:
    """The ids of the runs the list under parallel coordinates shows, in its order."""
    return page.locator(".mlr-parcoords .mlr-runs tbody .mlr-runs-title a").evaluate_all(
        "links => links.map(a => a.title)")


def _assert_readable(page: Page, scheme: str) -> None:
    """Axis titles in the palette's text colour: dark on light, light on dark."""
    fill = page.locator(".mlr-parcoords text.axis-title").first.evaluate("t => getComputedStyle(t).fill")
    channels = [int(part) for part in fill[fill.index("(") + 1:fill.index(")")].split(",")[:3]]
    light = sum(channels) / 3 > 128
    assert light == (scheme == "dark"), fill


def _drag_along_axis(page: Page, index: int) -> None:
    """Drag down the upper half of the index-th axis of parallel coordinates, with the mouse."""
    axis = page.locator(".mlr-parcoords .axis-brush .background").nth(index)
    axis.evaluate("a => a.scrollIntoView({block: 'center'})")  # clear of the sticky header
    box: dict[str, Any] | None = axis.bounding_box()
    assert box is not None
    x = box["x"] + box["width"] / 2
    page.mouse.move(x, box["y"] + 4)
    page.mouse.down()
    page.mouse.move(x, box["y"] + box["height"] * 0.3, steps=8)
    page.mouse.up()


def _shoot(page: Page, target: Path) -> None:
    """A screenshot of the parallel coordinates section, from its heading down one screen."""
    top = page.locator("#parameters-against-the-metric").evaluate("h => h.getBoundingClientRect().top + scrollY")
    viewport = page.viewport_size or DESKTOP
    page.screenshot(path=str(target), full_page=True,
                    clip={"x": 0, "y": top, "width": viewport["width"], "height": viewport["height"]})
    assert target.stat().st_size > 0

