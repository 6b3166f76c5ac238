"""Model cards: the evaluation numbers a card shows are the ones its experiments' pages show."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from mlreport.render.site import number

from .harness import link_to, table_after
from .sites import BuiltSite

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

EVALUATION_ROWS = "[data-mlr-evaluations] table tbody tr"


def test_card_evaluations_equal_the_numbers_on_the_linked_experiment_pages(demo: BuiltSite, tabs) -> None:
    cards = [card for card in demo.catalog.models.values() if demo.catalog.evaluation_rows(card)]
    assert cards, "the demo needs model cards with evaluations"
    tab = tabs(demo)
    for card in cards:
        card_url = demo.record_url("model", card.id)
        page = tab.goto(card_url)
        shown = _evaluations(page)
        # Numbers straight from the experiment records, for the metrics they report.
        expected = {(demo.record_url("experiment", row.experiment_id), row.metric):
                    number(row.value, demo.catalog.places(row.metric))
                    for row in demo.catalog.evaluation_rows(card) if row.value is not None}
        assert {key: shown[key] for key in expected} == expected, card.id
        for run_url in dict.fromkeys(url for url, _ in shown):
            tab.click_through(link_to(page, run_url, within="[data-mlr-evaluations]"), run_url)
            on_run = {cells[0]: cells[1] for cells in table_after(page, "metrics")}
            for (url, metric), value in shown.items():
                if url == run_url:
                    assert on_run.get(metric) == value, f"{card.id}: {metric} on {run_url}"
            tab.goto(card_url)
    tab.assert_clean()


def _evaluations(page: Page) -> dict[tuple[str, str], str]:
    """(experiment page URL, metric) → the value shown; a run's link is on its first row only."""
    shown = {}
    run = ""
    for row in page.locator(EVALUATION_ROWS).all():
        links = row.locator("td").first.locator("a[href]")
        if links.count():
            run = links.first.evaluate("a => a.href")
        cells = row.locator("td").all_inner_texts()
        metric = cells[1].rsplit(" ", 1)[0]  # "test.pr_auc ↑"
        shown[(run, metric)] = cells[2]
    return shown
