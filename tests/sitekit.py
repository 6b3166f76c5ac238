"""Helpers for site tests: the golden fixture repo in real git, and built pages read back."""

from __future__ import annotations

import json
import logging
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterator

from repos import GitRepo

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN_REPO = FIXTURES / "golden_repo"


@contextmanager
def plugin_log(name: str = "mkdocs.plugins.mlreport") -> Iterator[list[str]]:
    """The log lines (debug and up) of the plugin's logger, or the logger `name`, while the block runs, caught on
    that logger itself: once MkDocs' command line has run in the test process, `mkdocs` no longer propagates to
    the handler pytest's caplog listens on, and the build's logger keeps a filter that drops repeated messages
    (taken off meanwhile)."""
    lines: list[str] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger(name)
    level, filters = logger.level, logger.filters
    logger.filters = []
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.filters = filters


def children_left() -> bool:
    """Whether this process has a child process it has not waited for (a worker the code under test left)."""
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return False
    return True


def team_repo(repo: GitRepo) -> GitRepo:
    """The golden fixture repo (a small digits team) copied into `repo` and committed."""
    # Caches a local build may leave in the fixture would change the commit, and so the golden tree.
    shutil.copytree(GOLDEN_REPO, repo.path, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".mlreport", "site"))
    repo.commit("Add the digits team's records (#3)", date="2026-03-06T09:00:00+00:00")
    return repo


@dataclass
class Page:
    """A built HTML page, read back: its main text, links, scripts and every attribute."""

    source: str
    text: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)
    """(href, link text) of every link in the article."""
    scripts: list[tuple[dict[str, str], str]] = field(default_factory=list)
    attributes: list[tuple[str, str, str]] = field(default_factory=list)
    """(tag, attribute, value) of every element."""
    charts: list[dict] = field(default_factory=list)
    """The specs of the page's charts, read from the data files the page names."""
    nav: list[str] = field(default_factory=list)
    """The hrefs of the site navigation (tabs and side bar)."""

    def link_to(self, text: str) -> str:
        """The href of the first article link whose text contains `text`."""
        for href, label in self.links:
            if text in label:
                return href
        raise AssertionError(f"no link with text {text!r}; links: {self.links}")


def read_page(site: Path, url: str) -> Page:
    """Parse `site/<url>/index.html` (or the file named by `url`)."""
    path = site / url
    if path.is_dir() or not path.suffix:
        path = path / "index.html"
    page = _PageParser(path.read_text(encoding="utf-8")).page
    # Chart files are named from the site's root: the folder above the page that holds mlreport's assets.
    top = next(folder for folder in path.parents if (folder / "assets" / "mlreport").is_dir())
    files = [value for tag, name, value in page.attributes if name == "data-mlr-chart"]
    parts = [value for tag, name, value in page.attributes if name == "data-mlr-chart-part"]
    assert len(parts) == len(files), "a chart names its file and not its part in it, or the other way round"
    page.charts = [json.loads((top / file).read_text(encoding="utf-8"))[part] for file, part in zip(files, parts)]
    return page


class _PageParser(HTMLParser):
    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.page = Page(source)
        self._article = 0
        self._text: list[str] = []
        self._link: list[str] | None = None
        self._href = ""
        self._script: dict[str, str] | None = None
        self._script_text: list[str] = []
        self.feed(source)
        self.close()
        self.page.text = " ".join(" ".join(self._text).split())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.page.attributes.extend((tag, name, value) for name, value in values.items())
        if "md-nav__link" in values.get("class", "") or "md-tabs__link" in values.get("class", ""):
            self.page.nav.append(values.get("href", ""))
        if tag == "article":
            self._article += 1
        elif tag == "a" and self._article:
            self._link, self._href = [], values.get("href", "")
        elif tag == "script":
            self._script, self._script_text = values, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self._article -= 1
        elif tag == "a" and self._link is not None:
            self.page.links.append((self._href, " ".join("".join(self._link).split())))
            self._link = None
        elif tag == "script" and self._script is not None:
            self.page.scripts.append((self._script, "".join(self._script_text)))
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text.append(data)
            return
        if self._article:
            self._text.append(data)
            if self._link is not None:
                self._link.append(data)
