"""The inputs of a record page as one digest: a page whose digest is the last build's has the last build's HTML.

A record page rendered straight to HTML is a function of its template's context (its record, the
records it links to, its history, its placements, the charts it names), of what every such page
reads of the whole site (the options, the page kinds, metric places, decision statuses, the
history's links and warnings) and of the code and templates that render it. `PageInputs` turns
those into a key: the site-wide part once per build, the context per page (or what a page's context
is made from, for a page keyed before its context is built: `Site.add_keyed_record_page`), written by
value (pickled without its memo, so equal values give equal bytes). A record stands in the key as a
digest of the files it was read from when the record cache knows them (`Catalog.sources`: the same files make
the same record, as the cache trusts), else of its whole value (`record_digest`), computed once per build; a
leaderboard as what a page shows of it through a placement, its definition and length, so that editing one run does not change the key
of every page ranked on the same board. A value that cannot be written makes the page unkeyed: it
is rendered, never reused.

The key speaks for mlreport's own page templates alone: a repo whose templates folder overrides
page templates gets no keys (`keyed` is False), since its templates may read anything of the site.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import types
from functools import partial
from importlib.metadata import version
from typing import Any, Callable

from mlreport.cache_dir import code_stamp
from mlreport.leaderboards import RankedBoard
from mlreport.records import MadeOf, Record
from mlreport.templates import packaged_templates, user_templates

LIBRARIES = ("jinja2", "markupsafe", "markdown")
"""What renders a record page besides mlreport: its templates' engine, its escaping, its notes' Markdown."""


class PageInputs:
    """Keys of the record pages of one build."""

    def __init__(self, site_inputs: Any, keyed: bool = True, sources: dict[int, tuple[Record, MadeOf]] | None = None
                 ) -> None:
        self.keyed = keyed
        """False when pages are never reused (the repo's own page templates)."""
        self.sources = sources or {}
        """What records are made of, when known (`Catalog.sources`): a digest of their files instead of their value."""
        self._memo: dict[int, tuple[Any, Any]] = {}
        """id → (the object, kept alive so its id is not reused; its plain form) for records and boards."""
        self.reducers = {kind: self._reduce for base in (Record, RankedBoard, *_FUNCTIONS)
                         for kind in _subclasses(base)}
        """What the pickler of keys writes in place of each type with a stand-in (`_Pickler`)."""
        self.site = _digest(repr([code_stamp(), [version(name) for name in LIBRARIES], templates_digest(),
                                  site_inputs]))

    @classmethod
    def of(cls, site: Any) -> PageInputs:
        """The keys of a site being rendered (`render.site.Site`): what its record pages all read."""
        catalog, history, options = site.catalog, site.history, site.options
        own = user_templates(options)
        keyed = own is None or not any((own / "pages").glob("*"))
        parts = [repr(options), site.home, [kind.name for kind in site.kinds], sorted(catalog.metric_places.items()),
                 {key: list(value) for key, value in sorted(catalog.successors.items())}, sorted(catalog.decisions),
                 [history.available, history.shallow, history.warning, history.repo_url, sorted(history.unlinked)]]
        return cls(parts, keyed, catalog.sources)

    def key(self, *parts: Any) -> str | None:
        """The digest of one page's inputs besides the site-wide ones; None when the page cannot be keyed."""
        if not self.keyed:
            return None
        out = io.BytesIO()
        pickler = _Pickler(out, self)
        try:
            pickler.dump(parts)
        except (pickle.PicklingError, TypeError, AttributeError, ValueError, RecursionError):
            return None
        return hashlib.blake2b(self.site.encode() + out.getbuffer(), digest_size=16).hexdigest()

    def record_key(self, record: Record) -> str:
        """What a record stands as in keys: the digest of its files, else of its whole value; made once per build."""
        return self._shared(record, lambda: self._record_stand_in(record))[2]

    def stand_in(self, value: Any) -> Any:
        """What stands for a value in a key instead of the value itself, or None for the value as it is."""
        if isinstance(value, Record):
            return self._shared(value, lambda: self._record_stand_in(value))
        if isinstance(value, RankedBoard):
            # A page sees a board through a placement: its title and how many runs it ranks.
            return self._shared(value, lambda: ("board", repr(value.definition), len(value.entries)))
        if isinstance(value, _FUNCTIONS):
            # Helpers handed to templates (a decision's link resolver): what they read is in the site's inputs.
            function = value.func if isinstance(value, partial) else value
            return ("function", getattr(function, "__module__", ""), function.__qualname__)
        return None

    def _record_stand_in(self, record: Record) -> tuple[str, str, str]:
        """A record as its files (the same files are the same record: the record cache serves it by them, and the
        code is in every key), else as its whole value."""
        source = self.sources.get(id(record))
        if source is not None and source[0] is record:
            return "record", type(record).__name__, f"files:{source[1].digest()}"
        return "record", type(record).__name__, record_digest(record)

    def _shared(self, value: Any, stand_in: Callable[[], Any]) -> Any:
        found = self._memo.get(id(value))
        if found is None:
            found = self._memo[id(value)] = (value, stand_in())
        return found[1]

    def _reduce(self, value: Any) -> tuple[Any, ...]:
        return _StoodIn, (self.stand_in(value),)


_FUNCTIONS = (types.FunctionType, types.MethodType, types.BuiltinFunctionType, partial)


def _subclasses(kind: type) -> list[type]:
    return [kind, *(found for sub in kind.__subclasses__() for found in _subclasses(sub))]


class _Pickler(pickle.Pickler):
    """Writes a page's inputs as bytes: by value, with records, boards and functions by their stand-ins.

    The stand-ins are found by type in the pickler's own table, which it looks at in C: a hook called for every
    object (`reducer_override`) cost a call into Python for each of the hundreds of thousands a build's keys hold.
    A set is written in its own order, which for text varies from run to run: a page whose context held one would
    be rendered on every build, never reused wrongly. So is a page whose context holds a function that is no
    module's own (a lambda, a nested function), which pickle writes by its name only: a helper is handed to
    templates as a `partial` of one that is."""

    def __init__(self, out: io.BytesIO, inputs: PageInputs) -> None:
        super().__init__(out, protocol=5)
        self.fast = True  # no memo: equal values write equal bytes, however the objects happen to be shared
        self.dispatch_table = inputs.reducers


class _StoodIn:
    """What a key's pickle would make of a stand-in (keys are never loaded): a class, which the pickler writes by
    its name, not through the table of stand-ins, as it would a function."""

    def __init__(self, stand_in: Any) -> None:
        self.stand_in = stand_in


def record_digest(record: Record) -> str:
    """A digest of a record's whole value: its pickle, without a memo (equal values give equal bytes, however their
    parts happen to be shared); every field is in it, nested records and values too. Twice as fast as its repr."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=5)
    pickler.fast = True
    pickler.dump(record)
    return hashlib.blake2b(out.getbuffer(), digest_size=16).hexdigest()


def templates_digest() -> str:
    """A digest of mlreport's own page templates (the code stamp covers its Python only)."""
    folder = packaged_templates() / "pages"
    return _digest([[path.name, hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()]
                    for path in sorted(folder.glob("*.j2"))])


def _digest(data: Any) -> str:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
