"""Material's search over the records: titles, tags and parameter names find the right page."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

import pytest

from mlreport.render.text import summary

from .sites import BuiltSite

pytestmark = pytest.mark.browser

RESULT_LINKS = "a.md-search-result__link"
FOUND = f"""url => [...document.querySelectorAll('{RESULT_LINKS}')]
  .some(a => a.href.split('#')[0].split('?')[0] === url)"""


def test_titles_tags_and_param_names_find_their_page(demo: BuiltSite, tabs) -> None:
    tab = tabs(demo)
    for query, kind, record_id in _queries(demo):
        url = demo.record_url(kind, record_id)
        result = _search(tab, demo, query, url)
        tab.click_through(result, url)
        assert tab.heading() == _title(demo, kind, record_id), query
    tab.assert_clean()


def test_a_metric_name_finds_its_leaderboard_and_results_read_a_summary(demo: BuiltSite, tabs) -> None:
    tab = tabs(demo)
    board = max(demo.catalog.leaderboards, key=lambda b: (len(b.entries), b.definition.title))
    leaf = board.definition.metric.rsplit(".", 1)[-1]  # `pr_auc` of `test.pr_auc`, as a person types it
    _search(tab, demo, leaf, demo.board_url(board))
    # A run's result shows the first sentence of its notes, not its list of fields.
    run = next(e for e in sorted(demo.catalog.experiments.values(), key=lambda e: e.id) if e.notes)
    result = _search(tab, demo, run.title, demo.record_url("experiment", run.id))
    snippet = result.locator("xpath=ancestor-or-self::*[contains(@class,'md-search-result__link')]").inner_text()
    assert summary(run.notes)[:40] in " ".join(snippet.split()), snippet
    assert not snippet.split("\n")[-1].strip().startswith("Status"), snippet
    tab.assert_clean()


def _search(tab, site: BuiltSite, query: str, url: str):
    """Type `query` into Material's search box and return the result that links to `url`."""
    page = tab.goto(site.url("index.md"))
    box = page.locator("input.md-search__input")
    box.click()
    # The whole query at once, then one key: Material searches on key-up, so there is a single search.
    box.fill(query)
    box.press("End")
    try:
        page.wait_for_function(FOUND, arg=url)
    except Exception:
        found = page.locator(RESULT_LINKS).evaluate_all("links => links.map(a => a.href)")
        raise AssertionError(f"searching {query!r} did not offer {url}; it offered {found}") from None
    links = page.locator(RESULT_LINKS).evaluate_all("links => links.map(a => a.href)")
    return page.locator(RESULT_LINKS).nth(next(n for n, href in enumerate(links) if _page_of(href) == url))


def _queries(site: BuiltSite) -> list[tuple[str, str, str]]:
    """(what a reader types, the kind and id of the record it must find)."""
    model = site.catalog
    experiment = max(model.experiments.values(), key=lambda e: (len(e.params), e.id))
    decision = max(model.decisions.values(), key=lambda d: (len(d.title), d.id))
    tagged = Counter(tag for e in model.experiments.values() for tag in e.tags)
    tag, _ = min(tagged.items(), key=lambda item: (item[1], -len(item[0]), item[0]))
    named = Counter(name for e in model.experiments.values() for name in e.params)
    # The longest parameter name that only one run records: specific enough to find that run.
    param = max((n for n, count in named.items() if count == 1), key=lambda n: (len(n), n))
    return [
        (experiment.title, "experiment", experiment.id),
        (decision.title, "decision", decision.id),
        (tag, "experiment", next(e.id for e in model.experiments.values() if tag in e.tags)),
        (param, "experiment", next(e.id for e in model.experiments.values() if param in e.params)),
    ]


def _title(site: BuiltSite, kind: str, record_id: str) -> str:
    records = {"experiment": site.catalog.experiments, "decision": site.catalog.decisions}[kind]
    return records[record_id].title


def _page_of(href: str) -> str:
    parts = urlsplit(href)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
