"""Hostile records never run: every payload a record, a commit or the config can carry tries to set a
probe global, and on every page it stays unset while the payloads show as text."""

from __future__ import annotations

import pytest

from .crawl import crawl
from .harness import Tab, header
from .sites import BuiltSite

pytestmark = pytest.mark.browser

UNSAFE_IN_DOM = """() => {
  const found = [];
  for (const node of document.querySelectorAll('*')) {
    for (const attribute of node.attributes) {
      const value = attribute.value.trim().toLowerCase();
      if (attribute.name.startsWith('on')) found.push(`${node.tagName} ${attribute.name}`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(attribute.name)
          && /^(javascript|data|vbscript):/.test(value.replace(/[\\s\\0]/g, ''))) {
        found.push(`${node.tagName} ${attribute.name}=${attribute.value}`);
      }
    }
  }
  return found;
}"""
"""Event-handler attributes and script URLs anywhere in the live DOM (tables and charts included)."""


def test_hostile_records_never_run_and_show_as_text(hostile: BuiltSite, tabs) -> None:
    tab = tabs(hostile)
    titles = hostile.record_titles()

    def check(tab: Tab) -> list[str]:
        problems = [f"payload ran: {hit}" for hit in tab.probe_hits()]
        problems += [f"unsafe markup: {found}" for found in tab.page.evaluate(UNSAFE_IN_DOM)]
        expected = titles.get(tab.page.url)
        if expected is not None and tab.heading() != expected:
            problems.append(f"title shown as {tab.heading()!r}, not {expected!r}")
        return problems

    seen = crawl(tab, check)
    assert not seen.problems, "\n".join(seen.problems)
    missing = set(hostile.record_titles()) - set(seen.pages)
    assert not missing, f"the crawl never reached {sorted(missing)}"
    tab.assert_clean()


def test_search_results_show_hostile_text_as_text(hostile: BuiltSite, tabs) -> None:
    attack = hostile.catalog.experiments["attack"]
    url = hostile.record_url("experiment", attack.id)
    tab = tabs(hostile)
    page = tab.goto(hostile.url("index.md"))
    box = page.locator("input.md-search__input")
    box.click()
    box.fill(attack.title.split()[-1])  # "run": in the title, after the payload
    box.press("End")
    result = page.locator(".md-search-result__item", has=page.locator(f"a[href^='{url}']")).first
    assert result.locator("h1").inner_text() == attack.title
    result.hover()
    assert tab.probe_hits() == []
    assert tab.page.evaluate(UNSAFE_IN_DOM) == []
    # The page reached from the result highlights the search terms in it.
    tab.click_through(result.locator("a").first, url)
    assert tab.heading() == attack.title
    assert tab.probe_hits() == []
    tab.assert_clean()


def test_table_filters_list_hostile_values_as_text(hostile: BuiltSite, tabs) -> None:
    tab = tabs(hostile)
    page = tab.goto(hostile.url("experiments/index.md"))
    for field_name, values in (("authors", {a for e in hostile.catalog.experiments.values() for a in e.authors}),
                               ("tags", {t for e in hostile.catalog.experiments.values() for t in e.tags})):
        header(page, field_name).locator(".tabulator-header-filter input").click()
        items = page.locator(".tabulator-edit-list .tabulator-edit-list-item")
        items.first.wait_for()
        assert set(items.all_inner_texts()) == values
        items.first.hover()
        page.keyboard.press("Escape")
    assert tab.probe_hits() == []
    assert page.evaluate(UNSAFE_IN_DOM) == []
    tab.assert_clean()
