"""The inputs of a record page as one digest: a page whose digest is the last build's has the last build's HTML.

A record page rendered straight to HTML is a function of its template's context (its record, the
records it links to, its history, its placements, the charts it names), of what every such page
reads of the whole site (the options, the page kinds, metric places, decision statuses, the
history's links and warnings) and of the code and templates that render it. `PageInputs` turns
those into a key: the site-wide part once per build, the context per page, as plain data. A record
stands in the key as a digest of its whole value, computed once per build; a leaderboard as what a
page shows of it through a placement, its definition and length, so that editing one run does not
change the key of every page ranked on the same board. A value of a type the key cannot describe
makes the page unkeyed: it is rendered, never reused.

The key speaks for mlreport's own page templates alone: a repo whose templates folder overrides
page templates gets no keys (`keyed` is False), since its templates may read anything of the site.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

from mlreport.cache_dir import code_stamp
from mlreport.leaderboards import RankedBoard
from mlreport.records import Record
from mlreport.templates import packaged_templates, user_templates

LIBRARIES = ("jinja2", "markupsafe", "markdown")
"""What renders a record page besides mlreport: its templates' engine, its escaping, its notes' Markdown."""


class Unkeyable(Exception):
    """A value the key cannot describe as plain data."""


class PageInputs:
    """Keys of the record pages of one build."""

    def __init__(self, site_inputs: Any, keyed: bool = True) -> None:
        self.keyed = keyed
        """False when pages are never reused (the repo's own page templates)."""
        self._memo: dict[int, tuple[Any, Any]] = {}
        """id → (the object, kept alive so its id is not reused; its plain form) for records and boards."""
        self.site = _digest(self._plain([code_stamp(), [version(name) for name in LIBRARIES],
                                         templates_digest(), site_inputs]))

    @classmethod
    def of(cls, site: Any) -> PageInputs:
        """The keys of a site being rendered (`render.site.Site`): what its record pages all read."""
        catalog, history, options = site.catalog, site.history, site.options
        own = user_templates(options)
        keyed = own is None or not any((own / "pages").glob("*"))
        parts = [repr(options), site.home, [kind.name for kind in site.kinds], sorted(site.catalog.metric_places.items()),
                 {key: list(value) for key, value in sorted(catalog.successors.items())}, sorted(catalog.decisions),
                 [history.available, history.shallow, history.warning, history.repo_url, sorted(history.unlinked)]]
        return cls(parts, keyed)

    def key(self, *parts: Any) -> str | None:
        """The digest of one page's inputs besides the site-wide ones; None when the page cannot be keyed."""
        if not self.keyed:
            return None
        try:
            return _digest([self.site, self._plain(parts)])
        except Unkeyable:
            return None

    def _plain(self, value: Any) -> Any:
        """A value as JSON data that tells apart every two values a template could show differently."""
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float)):
            return [type(value).__name__, repr(value)]  # 1 and 1.0 and True show differently
        if isinstance(value, Record):
            return self._shared(value, lambda: ["record", type(value).__name__, _digest(repr(value))])
        if isinstance(value, RankedBoard):
            # A page sees a board through a placement: its title and how many runs it ranks.
            return self._shared(value, lambda: ["board", repr(value.definition), len(value.entries)])
        if isinstance(value, (dt.date, dt.datetime, Path)):
            return [type(value).__name__, str(value)]
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return [type(value).__qualname__,
                    [[f.name, self._plain(getattr(value, f.name))] for f in dataclasses.fields(value) if f.repr]]
        if isinstance(value, dict):
            return ["dict", [[self._plain(k), self._plain(v)] for k, v in value.items()]]
        if isinstance(value, (list, tuple)):
            return [self._plain(item) for item in value]
        if isinstance(value, (set, frozenset)):
            return ["set", sorted(json.dumps(self._plain(item)) for item in value)]
        if callable(value) and hasattr(value, "__qualname__"):
            # Helpers handed to templates (a decision's link resolver): what they read is in the site's inputs.
            return ["function", getattr(value, "__module__", ""), value.__qualname__]
        raise Unkeyable(type(value).__name__)

    def _shared(self, value: Any, plain: Any) -> Any:
        found = self._memo.get(id(value))
        if found is None:
            found = self._memo[id(value)] = (value, plain())
        return found[1]


def templates_digest() -> str:
    """A digest of mlreport's own page templates (the code stamp covers its Python only)."""
    folder = packaged_templates() / "pages"
    return _digest([[path.name, hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()]
                    for path in sorted(folder.glob("*.j2"))])


def _digest(data: Any) -> str:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
