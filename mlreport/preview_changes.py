"""What a save in `mlreport serve` changed, and which outputs can show it; no engine here (mlreport/serve.py
runs the pages through MkDocs).

The records that are not the objects they were (`changed_records`), the pages that can show them (`affected`),
the site with what was rendered again put in (`merged_site`), and the search index with the rendered pages'
sections in place of their old ones (`spliced`, `SearchText`). Whatever cannot be proven the same as a full
build raises `Unsafe`: the preview builds the whole site instead.
"""

from __future__ import annotations

import itertools
import json
from typing import Any, Callable, Iterable, TypeVar

from mlreport.catalog import Catalog
from mlreport.records import Record
from mlreport.records.kinds import KINDS
from mlreport.render import Generated
from mlreport.render.leaderboards import board_pages
from mlreport.render.site import DATA, record_page

CHARTS = f"{DATA}/charts/"
DETAILS = f"{DATA}/experiments/"
BOARD_DATA = f"{DATA}/leaderboards/"


class Unsafe(Exception):
    """What keeps the fast path from proving its pages the same as a full build's: the whole site is built."""


def changed_records(before: Catalog, after: Catalog) -> list[Record]:
    """The records that are not the objects they were: those edited, those added (as they are now) and those
    removed (as they were); Unsafe when one moved, or when a kind gained and lost records at once (a rename)."""
    changed: list[Record] = []
    for kind in KINDS:
        old, new = getattr(before, kind.plural), getattr(after, kind.plural)
        added, removed = new.keys() - old.keys(), old.keys() - new.keys()
        if added and removed:
            raise Unsafe(f"a {kind.label} was renamed, or added as another went")
        for record_id, record in new.items():
            if record_id in added:
                changed.append(record)
            elif record is not old[record_id]:
                if record.path != old[record_id].path:
                    raise Unsafe(f"the {kind.label} {record_id} moved")
                changed.append(record)
        changed += [old[record_id] for record_id in sorted(removed)]
    return changed


def added_and_removed(before: Catalog, after: Catalog) -> tuple[dict[str, tuple[str, str]], set[str]]:
    """The pages of the records added, each with its record's (kind, id), and the pages of those removed."""
    added: dict[str, tuple[str, str]] = {}
    removed: set[str] = set()
    for kind in KINDS:
        old, new = getattr(before, kind.plural), getattr(after, kind.plural)
        added.update({record_page(kind.name, i): (kind.name, i) for i in sorted(new.keys() - old.keys())})
        removed |= {record_page(kind.name, i) for i in old.keys() - new.keys()}
    return added, removed


def neighbour(catalog: Catalog, kind: str, record_id: str, present: Callable[[str], bool]) -> tuple[str, bool]:
    """Where an added record's page goes among the site's pages, as a full build orders them (its kind's records
    by id): (the nearest page of its kind before it that is `present`, True), else (the nearest after it, False).
    Unsafe when its kind has no other page."""
    ids = list(getattr(catalog, _plural(kind)))
    at = ids.index(record_id)
    for other in [*reversed(ids[:at]), *ids[at + 1:]]:
        page = record_page(kind, other)
        if present(page):
            return page, other < record_id
    raise Unsafe(f"the {kind} {record_id} is the first of its kind")


def affected(before: Catalog, after: Catalog, changed: list[Record]) -> set[str]:
    """The record and leaderboard pages that can show what changed, in the catalog before or after the change.

    A record's page shows the records it links to and those linking to it (titles, metrics, statuses), a card's
    page also the baselines of the runs it evaluates; a decision's page its whole supersede and amend chain, and every page showing a decision shows its effective
    status, which its chain decides; a card's page its production rival's numbers, so a change near any card
    renders every card; an experiment's page its rank on each board (and the board's size), a board's page
    every run on it.
    """
    touched = {(record.kind, record.id) for record in changed}
    catalogs = (before, after)
    touched |= {link for catalog in catalogs for kind, record_id in set(touched)
                for link in _links(catalog, kind, record_id)}
    # A card's evaluation table shows each run's change from its baseline.
    touched |= {("model", card) for catalog in catalogs for record in changed if record.kind == "experiment"
                for run in catalog.experiments.values() if run.baseline == record.id
                for card in catalog.models_citing.get(run.id, ())}
    decisions = {record_id for kind, record_id in touched if kind == "decision"}
    for catalog in catalogs:
        decisions |= _chains(catalog, decisions)
    touched |= {("decision", record_id) for record_id in decisions}
    touched |= {link for catalog in catalogs for record_id in decisions for link in _links(catalog, "decision", record_id)}
    if any(record.kind == "model" for record in changed) or any(
            card.status == "production" for catalog in catalogs for record in changed if record.kind == "experiment"
            for card in catalog.production_cards(record.id)):
        # A card's page shows the numbers of the card in production for its tasks.
        touched |= {("model", card_id) for catalog in catalogs for card_id in catalog.models}
    experiments = {record_id for kind, record_id in touched if kind == "experiment"}
    pages = {record_page(kind, record_id) for kind, record_id in touched
             if record_id in getattr(after, _plural(kind))}
    for board_page, old, new in zip(board_pages(after.leaderboards), before.leaderboards, after.leaderboards):
        places_before = {e.experiment.id: (e.rank, len(old.entries)) for e in old.entries}
        places_after = {e.experiment.id: (e.rank, len(new.entries)) for e in new.entries}
        moved = {i for i in places_before.keys() | places_after.keys() if places_before.get(i) != places_after.get(i)}
        if moved or experiments & (places_before.keys() | places_after.keys()):
            pages.add(board_page)
        pages |= {record_page("experiment", i) for i in moved if i in after.experiments}
    return pages


def _plural(kind: str) -> str:
    return next(k.plural for k in KINDS if k.name == kind)


def _links(catalog: Catalog, kind: str, record_id: str) -> set[tuple[str, str]]:
    """The records a record's page shows, and those whose pages show it (both ways, in this catalog)."""
    links: set[tuple[str, str]] = set()
    if kind == "experiment":
        experiment = catalog.experiments.get(record_id)
        if experiment is not None and experiment.baseline:
            links.add(("experiment", experiment.baseline))
        links |= {("experiment", e.id) for e in catalog.experiments.values() if e.baseline == record_id}
        links |= {("decision", d) for d in catalog.decisions_citing.get(record_id, ())}
        links |= {("model", m) for m in catalog.models_citing.get(record_id, ())}
    elif kind == "decision":
        decision = catalog.decisions.get(record_id)
        if decision is not None:
            links |= {("experiment", e) for e in decision.evidence}
        for relation in (catalog.successors, catalog.predecessors, catalog.amends, catalog.amended_by):
            links |= {("decision", d) for d in relation.get(record_id, ())}
        links |= {("model", m) for m, ds in catalog.decisions_of_model.items() if record_id in ds}
    elif kind == "model":
        card = catalog.models.get(record_id)
        if card is not None:
            links |= {("experiment", e.experiment) for e in card.evaluations}
        links |= {("decision", d) for d in catalog.decisions_of_model.get(record_id, ())}
    return links


def _chains(catalog: Catalog, decisions: set[str]) -> set[str]:
    """Every decision linked to these through supersedes and amends, however far."""
    found, pending = set(decisions), list(decisions)
    while pending:
        record_id = pending.pop()
        for relation in (catalog.successors, catalog.predecessors, catalog.amends, catalog.amended_by):
            for other in relation.get(record_id, ()):
                if other not in found:
                    found.add(other)
                    pending.append(other)
    return found


def _owner(path: str) -> str:
    """The page a generated output belongs to: itself for a page, the page for its own charts and data files."""
    if path.endswith(".md"):
        return path
    for prefix, folder in ((CHARTS, ""), (DETAILS, "experiments/"), (BOARD_DATA, "leaderboards/")):
        if path.startswith(prefix):
            rest = path[len(prefix):]
            return f"{folder}{rest.removesuffix('.json')}.md"
    return ""


def merged_site(before: Generated, after: Generated, rendered: set[str], items: set[str], added: Iterable[str] = (),
                removed: Iterable[str] = ()) -> tuple[Generated, list[str], list[str]]:
    """The site with what was rendered again put in, the outputs whose content changed (or that are new) and the
    outputs that went. Only the pages of `added` records (and their own data files) may appear, and only those of
    `removed` records go; Unsafe when another output appears or goes away (the site's files would change), or
    what every page shares changed."""
    shared = ("css", "javascript", "nav", "feeds", "assets")
    for name in shared:
        if getattr(after, name) != getattr(before, name):
            raise Unsafe(f"the site's {name} changed")
    added, removed = set(added), set(removed)
    if any(before.sources.get(page) != source for page, source in after.sources.items() if page not in added):
        raise Unsafe("a record page's source changed")
    sources = {page: source for page, source in before.sources.items() if page not in removed}
    sources.update({page: after.sources[page] for page in added if page in after.sources})
    merged = Generated(pages=dict(before.pages), html_pages=dict(before.html_pages), files=dict(before.files),
                       assets=before.assets, css=before.css, javascript=before.javascript, nav=before.nav,
                       sources=sources, feeds=before.feeds)
    kept = items - rendered
    outputs, gone = [], []
    for name in ("pages", "html_pages", "files"):
        old, new = getattr(before, name), getattr(after, name)
        for path in old.keys() - new.keys():
            if _owner(path) in removed:
                del getattr(merged, name)[path]
                gone.append(path)
            elif _owner(path) not in kept:
                raise Unsafe(f"{path} is no longer generated")
        for path, content in new.items():
            if path not in old and _owner(path) not in added:
                raise Unsafe(f"{path} is generated now")
            if content != old.get(path):
                getattr(merged, name)[path] = content
                outputs.append(path)
    return merged, sorted(outputs), sorted(gone)


class SearchText:
    """The search index's JSON as Material writes it (`generate_search_index`: compact, `default=str`), kept as
    one text per run of a page's sections, so a save serializes again only the sections of the pages it rendered
    and joins the rest as they were: the same bytes as the whole index serialized."""

    def __init__(self, head: str, pages: list[str], texts: list[str]):
        self.head = head
        self._hold(pages, texts)

    def _hold(self, pages: list[str], texts: list[str]) -> None:
        """Keep these runs (a page and the text of its sections, in index order), each page's runs found."""
        self.pages, self.texts = pages, texts
        self.runs: dict[str, list[int]] = {}
        for number, page in enumerate(pages):
            self.runs.setdefault(page, []).append(number)

    @classmethod
    def of(cls, index: Any, entries: list[dict[str, Any]]) -> SearchText | None:
        """The index's text by page; None when it does not serialize as Material's would (then Material writes it)."""
        kept = index.entries
        try:
            index.entries = entries
            whole = index.generate_search_index(None)
            index.entries = []
            empty = index.generate_search_index(None)
        finally:
            index.entries = kept
        if not empty.endswith('"docs":[]}'):
            return None
        pages: list[str] = []
        texts: list[str] = []
        for page, run in itertools.groupby(entries, key=_page_of):
            pages.append(page)
            texts.append(_sections_text(list(run)))
        text = cls(empty[:-2], pages, texts)
        return text if text.text() == whole else None

    def replace(self, fresh: dict[str, list[dict[str, Any]]], new: dict[str, tuple[str, bool]] | None = None) -> None:
        """Put each page's new sections where its first run was, as `spliced` does; its other runs go. A page in
        `new` (an added record's) goes beside its neighbour, as `placed` says."""
        new = new or {}
        for page, sections in fresh.items():
            if page in new:
                continue
            runs = self.runs.get(page, [])
            for number in runs:
                self.texts[number] = ""
            if runs:
                self.texts[runs[0]] = _sections_text(sections)
        if new:
            order = placed(list(range(len(self.pages))), lambda number: self.pages[number], new,
                           lambda page: [(page, _sections_text(fresh[page]))])
            pairs = [item if isinstance(item, tuple) else (self.pages[item], self.texts[item]) for item in order]
            self._hold([page for page, _ in pairs], [text for _, text in pairs])

    def text(self) -> str:
        """The whole index's JSON."""
        return self.head + ",".join(text for text in self.texts if text) + "]}"


def _page_of(entry: dict[str, Any]) -> str:
    return entry["location"].partition("#")[0]


def _sections_text(sections: list[dict[str, Any]]) -> str:
    return ",".join(json.dumps(section, separators=(",", ":"), default=str) for section in sections)


def spliced(entries: list[dict[str, Any]], fresh: dict[str, list[dict[str, Any]]],
            new: dict[str, tuple[str, bool]] | None = None) -> list[dict[str, Any]]:
    """The search index with each page's sections (by page URL) in place of its old ones, where those were; the
    pages in `new` (added records') beside their neighbours, as `placed` says."""
    new = new or {}
    result: list[dict[str, Any]] = []
    placed_now: set[str] = set()
    for entry in entries:
        page = _page_of(entry)
        if page in fresh:
            if page not in placed_now:
                placed_now.add(page)
                result.extend(fresh[page])
            continue
        result.append(entry)
    missing = [page for page, sections in fresh.items() if page not in placed_now and page not in new and sections]
    if missing:
        raise Unsafe(f"the page {missing[0]} is in the search index now")
    return placed(result, _page_of, new, lambda page: fresh[page]) if new else result


T = TypeVar("T")


def placed(items: list[T], page_of: Callable[[T], str], new: dict[str, tuple[str, bool]],
           items_of: Callable[[str], list[Any]]) -> list[Any]:
    """`items` (in page order) with each new page's own (`items_of`) beside its neighbour's: after the neighbour's
    last when `new` says (neighbour, True), before its first for (neighbour, False); in `new`'s order where
    several share a neighbour. Unsafe when a neighbour has no items."""
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    for number, item in enumerate(items):
        page = page_of(item)
        first.setdefault(page, number)
        last[page] = number
    before_at: dict[int, list[str]] = {}
    after_at: dict[int, list[str]] = {}
    for page, (other, after) in new.items():
        if other not in first:
            raise Unsafe(f"the page {other} is not in the search index")
        if after:
            after_at.setdefault(last[other], []).append(page)
        else:
            before_at.setdefault(first[other], []).append(page)
    result: list[Any] = []
    for number, item in enumerate(items):
        for page in before_at.get(number, ()):
            result.extend(items_of(page))
        result.append(item)
        for page in after_at.get(number, ()):
            result.extend(items_of(page))
    return result
