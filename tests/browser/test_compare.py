"""The compare view: picked on the index, a permalink that shows the same comparison anywhere,
and "only differences"."""

from __future__ import annotations

from itertools import combinations
from typing import TYPE_CHECKING, Any

import pytest

from mlreport.records import Experiment

from .sites import BuiltSite

if TYPE_CHECKING:
    from playwright.sync_api import Page

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
