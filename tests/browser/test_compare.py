"""The compare view: picked on the index, a permalink that shows the same comparison anywhere,
and "only differences"."""

from __future__ import annotations

from itertools import combinations
from typing import TYPE_CHECKING, Any, Iterator

import pytest

from repos import new_repo
from sitekit import team_repo

from mlreport.records import Experiment
from mlreport.render.charts import MAX_CURVE_POINTS, lttb

from .conftest import _served
from .sites import BuiltSite

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

PARAM_ROWS = "[data-mlr-compare-table='params'] tbody tr"
SNAPSHOT = """() => [...document.querySelectorAll('[data-mlr-compare-table]')].map(table => ({
  table: table.dataset.mlrCompareTable,
  runs: [...table.querySelectorAll('thead th[data-id]')].map(th => th.dataset.id),
  rows: [...table.querySelectorAll('tbody tr')].map(row => ({
    name: row.dataset.name, hidden: row.hidden,
    cells: [...row.cells].map(cell => cell.innerText),
    best: [...row.querySelectorAll('td[data-best]')].map(td => td.dataset.id),
  })),
}))"""
"""Everything the comparison shows, table by table, to compare two page loads with."""


def test_ticked_runs_open_a_comparison_that_a_new_page_shows_the_same(demo: BuiltSite, tabs) -> None:
    runs = _runs_to_compare(demo)
    tab = tabs(demo)
    page = tab.goto(demo.url("experiments/index.md"))
    for run in runs:
        page.locator(".tabulator-row", has=page.locator(f"a[title='{run.id}']")).locator(
            ".mlr-select input").click()
    page.locator("button.mlr-compare").click()
    page.wait_for_url("**/experiments/compare/?ids=*")
    tab.settle()
    first = page.evaluate(SNAPSHOT)
    _assert_compares(first, runs, demo)

    # The address alone, in a new browser with nothing in its storage, shows the same comparison.
    again = tabs(demo, fresh=True)
    again.goto(page.url)
    assert again.page.evaluate(SNAPSHOT) == first
    tab.assert_clean()
    again.assert_clean()


def test_only_differences_hides_equal_params_and_stays_in_the_address(demo: BuiltSite, tabs) -> None:
    runs = _runs_to_compare(demo)
    tab = tabs(demo)
    page = tab.goto(demo.url("experiments/compare.md") + "?ids=" + ",".join(run.id for run in runs))
    names = _all_params(runs)
    differing = {name for name in names if not _same(runs, name)}
    assert _shown_params(page) == names
    page.locator("input[data-mlr-compare-diff]").check()
    assert _shown_params(page) == differing
    assert "diff=1" in page.url

    again = tabs(demo, fresh=True)
    again.goto(page.url)
    assert _shown_params(again.page) == differing
    again.page.locator("input[data-mlr-compare-diff]").uncheck()
    assert _shown_params(again.page) == names
    tab.assert_clean()
    again.assert_clean()


def _assert_compares(snapshot: list[dict[str, Any]], runs: list[Experiment], site: BuiltSite) -> None:
    """The tables hold these runs, every param and metric, and mark the best value of each metric."""
    tables = {table["table"]: table for table in snapshot}
    ids = [run.id for run in runs]
    assert {table: tables[table]["runs"] for table in ("params", "metrics")} == {"params": ids, "metrics": ids}
    assert {row["name"] for row in tables["params"]["rows"]} == _all_params(runs)
    metric_rows = {row["name"]: row for row in tables["metrics"]["rows"]}
    assert set(metric_rows) == {name for run in runs for name in run.metrics}
    for name, row in metric_rows.items():
        values = {run.id: run.metrics[name] for run in runs if name in run.metrics}
        if len(values) > 1:
            best = (min if site.catalog.goal(name) == "min" else max)(values.values())
            assert row["best"] == [i for i, value in values.items() if value == best], name


def _runs_to_compare(site: BuiltSite) -> list[Experiment]:
    """Three runs of one task that share some params with equal values and differ in others."""
    by_task: dict[str, list[Experiment]] = {}
    for run in site.catalog.experiments.values():
        by_task.setdefault(run.task, []).append(run)
    for task in sorted(by_task):
        for trio in combinations(by_task[task], 3):
            names = _all_params(list(trio))
            if any(_same(list(trio), n) for n in names) and any(not _same(list(trio), n) for n in names):
                return list(trio)
    raise AssertionError("the demo needs three runs of one task with equal and differing params")


def _all_params(runs: list[Experiment]) -> set[str]:
    return {name for run in runs for name in run.params}


def _same(runs: list[Experiment], name: str) -> bool:
    return all(name in run.params for run in runs) and all(run.params[name] == runs[0].params[name] for run in runs)


def _shown_params(page: Page) -> set[str]:
    return set(page.locator(PARAM_ROWS).evaluate_all(
        "rows => rows.filter(row => !row.hidden && row.offsetParent !== null).map(row => row.dataset.name)"))



def test_feature_importances_side_by_side(demo: BuiltSite, tabs) -> None:
    explained = [e for e in demo.catalog.experiments.values() if e.explanations and e.task == "fraud-detection"][:2]
    assert len(explained) == 2, "the demo records importances on two fraud runs"
    tab = tabs(demo)
    page = tab.goto(demo.url("experiments/compare.md") + "?ids=" + ",".join(run.id for run in explained))
    chart = page.locator("[data-mlr-compare-section='importance'] .js-plotly-plot")
    chart.locator(".barlayer").wait_for()
    assert chart.locator(".barlayer .trace").count() == 2
    features = {name for run in explained for name, _ in run.explanations.feature_importance[:20]}
    assert chart.locator(".yaxislayer-above .ytick").count() == min(20, len(features))
    tab.assert_clean()


LONG_STEPS = 9_000


@pytest.fixture(scope="module")
def long_curves(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltSite]:
    """The golden team's site with one more run, whose validation loss is recorded at 9,000 steps, a spike among them."""
    repo = team_repo(new_repo(tmp_path_factory.mktemp("long-curves") / "repo"))
    rows = "\n".join(f"{step},{3.0 if step == 4_321 else 1 / step:.6f}" for step in range(1, LONG_STEPS + 1))
    repo.write("experiments/digits/long/history.csv", "step,val.loss\n" + rows + "\n")
    repo.write("experiments/digits/long/experiment.yaml",
               "title: Long training\ndate: 2026-03-01\ntask: classification\nmodel: cnn\n"
               "dataset: {name: digits, version: '1', split: test}\n"
               "metrics: {test: {accuracy: 0.9, loss: 0.3}}\nhistory: history.csv\n")
    repo.commit("Add a long training run (#4)", date="2026-03-07T09:00:00+00:00")
    yield from _served(repo.path, tmp_path_factory.mktemp("long-curves-site"))


def test_compared_curves_are_downsampled_as_the_experiment_page_does(long_curves: BuiltSite, tabs) -> None:
    long, other = long_curves.catalog.experiments["long"], long_curves.catalog.experiments["deep"]
    assert len(long.history["val.loss"]) == LONG_STEPS > MAX_CURVE_POINTS
    tab = tabs(long_curves)
    page = tab.goto(long_curves.url("experiments/compare.md") + f"?ids={long.id},{other.id}")
    chart = page.locator("[data-mlr-compare-section='curves'] [data-metric='val.loss'] .js-plotly-plot")
    traces = chart.evaluate("plot => plot.data.map(t => ({name: t.name, x: t.x, y: t.y}))")
    drawn = {trace["name"]: list(zip(trace["x"], trace["y"])) for trace in traces}
    # The same points as the experiment's own chart (render/charts.py's lttb): the ends and the spike stay.
    expected = [tuple(point) for point in lttb(long.history["val.loss"], MAX_CURVE_POINTS)]
    assert [tuple(point) for point in drawn[long.id]] == expected
    assert len(expected) == MAX_CURVE_POINTS and (4_321, 3.0) in expected
    # A short curve is drawn whole.
    assert [tuple(point) for point in drawn[other.id]] == [tuple(point) for point in other.history["val.loss"]]
    tab.assert_clean()
