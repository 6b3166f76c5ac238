"""Crawling a served site in a browser tab: every page reachable from the home page, bounded."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urldefrag, urlsplit

from .harness import Tab

MAX_PAGES = 400
"""A bound on the crawl, far above the demo's page count, so a link loop cannot run forever."""
VARIANTS_PER_PATH = 2
"""Pages reached with different queries (`compare/?ids=…`) are loaded this many times at most."""

MAX_UNDRAWN = 3
"""Pages that never finish drawing cost a timeout each; a few say enough."""
LINKS = "els => els.map(a => a.href)"


@dataclass
class Crawl:
    """What a crawl saw: the pages it visited and every problem, by page."""

    pages: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def crawl(tab: Tab, check: Callable[[Tab], list[str]] = lambda tab: [], instant: bool = False) -> Crawl:
    """Visit every internal page reachable from the site root; report broken links and `check`'s findings.

    Links are collected after the page's scripts ran, so links drawn by the tables count too.
    With `instant`, pages after the first are reached by clicking a link, as a reader moves
    around (Material's instant navigation swaps the content without reloading the scripts),
    except permalinks with a query, which are opened as they are; otherwise each page is
    loaded afresh.
    """
    result = Crawl()
    statuses: dict[str, int] = {}
    queue, queued, per_path = [tab.base], {tab.base}, {}
    undrawn = 0
    while queue and len(result.pages) < MAX_PAGES:
        url = queue.pop(0)
        path = urlsplit(url).path
        per_path[path] = per_path.get(path, 0) + 1
        if per_path[path] > VARIANTS_PER_PATH:
            continue
        result.pages.append(url)
        try:
            # An address with a query is a permalink (a comparison): people open it as it is.
            if instant and len(result.pages) > 1 and not urlsplit(url).query:
                tab.follow(url)
            else:
                tab.goto(url)
        except AssertionError as problem:  # a page that never draws: note it, and go on a while
            result.problems.append(str(problem))
            undrawn += 1
            if undrawn == MAX_UNDRAWN:
                result.problems.append(f"crawl stopped after {undrawn} pages that never finished drawing")
                break
        result.problems.extend(f"{url}: {problem}" for problem in check(tab))
        for link in tab.page.eval_on_selector_all("a[href]", LINKS):
            target, _ = urldefrag(link)
            if not target.startswith(tab.base):
                continue
            if target not in statuses:
                statuses[target] = http_status(target)
            if statuses[target] != 200:
                result.problems.append(f"{url}: link to {target} answers {statuses[target]}")
            elif target not in queued and _is_page(target):
                queued.add(target)
                queue.append(target)
    return result


def http_status(url: str) -> int:
    """The status the site's server answers for a URL."""
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _is_page(url: str) -> bool:
    """HTML pages are crawled; data files, feeds and assets are only checked to exist."""
    last = urlsplit(url).path.rsplit("/", 1)[-1]
    return last == "" or last.endswith(".html")
