"""Experiment pages and the experiments index, as a reader sees them."""

from __future__ import annotations

import csv
from collections import Counter
from urllib.parse import quote

import pytest
from markupsafe import Markup

from mlreport.records import Experiment
from mlreport.render.charts import training_curves
from mlreport.render.experiments import reproduce
from mlreport.render.site import delta, number
from mlreport.render.tables import PAGE_SIZE

from .harness import column_texts, header, link_to, pick_from_list_filter, row_ids, table_after, wait_for_rows
from .sites import BuiltSite

pytestmark = pytest.mark.browser


def test_an_experiment_page_shows_params_metrics_deltas_and_curves(demo: BuiltSite, tabs) -> None:
    experiment = _cited_run_with_baseline(demo)
    baseline = demo.catalog.experiments[experiment.baseline]
    tab = tabs(demo)
    page = tab.goto(demo.record_url("experiment", experiment.id))

    metrics = {cells[0]: cells[1:] for cells in table_after(page, "metrics")}
    assert set(metrics) == set(experiment.metrics)
    for name, value in experiment.metrics.items():
        before = baseline.metrics.get(name)
        places = demo.catalog.places(name)  # one number format per metric
        shown_delta = _text(delta(value - before, demo.catalog.goal(name), places)) if before is not None else ""
        shown_before = number(before, places) if before is not None else "—"
        assert metrics[name] == [number(value, places), shown_before, shown_delta], name

    params = {cells[0]: cells[1] for cells in table_after(page, "parameters")}
    assert params == {name: _text(number(value)) for name, value in experiment.params.items()}

    curves = page.locator("[data-mlr-chart] .js-plotly-plot")
    specs = training_curves([experiment])
    assert curves.count() == len(specs) > 0
    for n, spec in enumerate(specs):
        assert curves.nth(n).is_visible()
        assert curves.nth(n).locator(".scatterlayer .trace").count() == len(spec["data"])
    tab.assert_clean()


def test_backlinks_lead_to_the_decisions_and_cards_that_cite_the_run(demo: BuiltSite, tabs) -> None:
    experiment = _cited_run_with_baseline(demo)
    here = demo.record_url("experiment", experiment.id)
    citing = [("decision", i) for i in demo.catalog.decisions_citing[experiment.id]]
    citing += [("model", i) for i in demo.catalog.models_citing[experiment.id]]
    tab = tabs(demo)
    page = tab.goto(here)
    for kind, record_id in citing:
        there = demo.record_url(kind, record_id)
        tab.click_through(link_to(page, there), there)
        # The page reached cites the run back: a link to it, from its own content.
        link_to(page, here)
        tab.back(here)
    tab.assert_clean()


def test_the_index_lists_every_run_and_filters_by_tag(demo: BuiltSite, tabs) -> None:
    counts = Counter(tag for e in demo.catalog.experiments.values() for tag in e.tags)
    tag = min((t for t, n in counts.items() if n > 1), key=lambda t: (counts[t], t))
    tab = tabs(demo)
    page = tab.goto(demo.url("experiments/index.md"))
    assert len(row_ids(page)) == min(len(demo.catalog.experiments), PAGE_SIZE)
    dates = column_texts(page, "date")
    assert dates == sorted(dates, reverse=True), "newest first"
    pick_from_list_filter(page, "tags", tag)
    expected = {e.id for e in demo.catalog.experiments.values() if tag in e.tags}
    wait_for_rows(page, len(expected))
    assert set(row_ids(page)) == expected
    tab.assert_clean()


def _cited_run_with_baseline(site: BuiltSite) -> Experiment:
    """A run with a baseline, training curves and params, cited by decisions and model cards alike."""
    model = site.catalog
    return next(e for e in model.experiments.values()
                if e.baseline in model.experiments and e.history and e.params
                and model.decisions_citing.get(e.id) and model.models_citing.get(e.id))


def _text(markup: Markup) -> str:
    return Markup(markup).striptags()


def test_the_copy_button_copies_the_commands_to_reproduce_a_run(hostile: BuiltSite, tabs) -> None:
    # The hostile site: its theme has no copy buttons of its own, and its commands carry markup.
    experiment = next(e for e in hostile.catalog.experiments.values() if e.code.get("command"))
    tab = tabs(hostile, permissions=["clipboard-read", "clipboard-write"])
    page = tab.goto(hostile.record_url("experiment", experiment.id))
    page.locator("[data-mlr-copy] .mlr-copy").click()
    page.wait_for_function("document.querySelector('[data-mlr-copy] .mlr-copy').textContent === 'Copied'")
    assert page.evaluate("navigator.clipboard.readText()") == reproduce(experiment).script
    tab.assert_clean()


def test_the_index_keeps_its_filter_and_sort_in_the_address_and_downloads_what_it_shows(
        demo: BuiltSite, tabs, tmp_path) -> None:
    counts = Counter(tag for e in demo.catalog.experiments.values() for tag in e.tags)
    tag = min((t for t, n in counts.items() if n > 1), key=lambda t: (counts[t], t))
    expected = {e.id for e in demo.catalog.experiments.values() if tag in e.tags}
    tab = tabs(demo)
    page = tab.goto(demo.url("experiments/index.md"))
    pick_from_list_filter(page, "tags", tag)
    wait_for_rows(page, len(expected))
    header(page, "title").locator(".tabulator-col-title").click()
    page.wait_for_function("new URLSearchParams(location.search).get('sort') === 'title:asc'")
    address = page.url
    assert f"filter.tags={quote(tag)}" in address.replace("+", "%20")
    # The address is the view: opened afresh, it shows the same rows in the same order.
    shown = row_ids(page)
    again = tabs(demo, fresh=True).goto(address)
    wait_for_rows(again, len(expected))
    assert row_ids(again) == shown
    # Its tag filter shows the tag, and opened it offers every tag (computed only then) with that one marked.
    box = header(again, "tags").locator(".tabulator-header-filter input")
    assert box.input_value() == tag
    box.click()
    offered = again.locator(".tabulator-edit-list .tabulator-edit-list-item")
    offered.first.wait_for()
    assert sorted(offered.all_inner_texts()) == sorted(counts)
    assert again.locator(".tabulator-edit-list .tabulator-edit-list-item.active").all_inner_texts() == [tag]
    box.press("Escape")
    # The CSV holds the rows the filters leave, every one of them.
    with again.expect_download() as download:
        again.locator(".mlr-download").click()
    saved = tmp_path / "experiments.csv"
    download.value.save_as(saved)
    lines = list(csv.DictReader(saved.open(encoding="utf-8")))
    assert len(lines) == len(expected)
    titles = {demo.catalog.experiments[i].title for i in expected}
    assert {line["Experiment"] for line in lines} == titles
    tab.assert_clean()


def test_the_index_fetches_its_rows_once_from_the_preload_the_page_asks_for(demo: BuiltSite, tabs) -> None:
    data = demo.base + "assets/mlreport/data/experiments.json"
    tab = tabs(demo)
    page = tab.goto(demo.url("experiments/index.md"))
    # The page asks for the rows while it is parsed (render/tables.py), and the table is drawn from that answer.
    served = page.evaluate("""async () => {
      const html = await (await fetch(location.href)).text();
      const doc = new DOMParser().parseFromString(html, 'text/html');
      return [...doc.querySelectorAll('[data-mlr-table] link[rel=preload]')]
        .map(link => [new URL(link.getAttribute('href'), location.href).href, link.getAttribute('as')]);
    }""")
    assert served == [[data, "fetch"]]
    assert tab.requests.count(data) == 1, tab.requests
    assert len(row_ids(page)) == min(len(demo.catalog.experiments), PAGE_SIZE)
    tab.assert_clean()
