"""Load every record of a repo, collecting every problem instead of stopping at the first."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from mlreport.cache_dir import digest
from mlreport.collector import collector_paused
from mlreport.config import Options
from mlreport.problems import Problem, relative
from mlreport.records.boundary import HINT as BOUNDARY_HINT, Resolver, escape
from mlreport.records.common import Listing, Record
from mlreport.records.decision import Decision, decision_key
from mlreport.records.experiment import Experiment
from mlreport.records.kinds import KINDS, Loader
from mlreport.records.model_card import Evaluation, ModelCard
from mlreport.records.cache import LoadResult, RecordCache, prepared_entry
from mlreport.records.source import Facts, Reader
from mlreport.records.workers import load_one, load_all

__all__ = ["Decision", "Evaluation", "Experiment", "Loaded", "ModelCard", "Record", "RecordCache", "decision_key",
           "listed_records", "load_fresh", "load_listed", "load_records", "record_files"]


@dataclass
class Loaded:
    """Every record that could be read, and every problem found while reading."""

    experiments: list[Experiment] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    models: list[ModelCard] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unreadable: dict[str, set[str]] = field(default_factory=lambda: {kind.name: set() for kind in KINDS})
    """Ids that files of each kind give, for the files that exist but could not be read."""
    notes: list[str] = field(default_factory=list)
    """What the user should know about the reading itself (a record cache that git tracks, and so ignored)."""
    sources: dict[int, tuple[Record, MadeOf]] = field(default_factory=dict, compare=False, repr=False)
    """`id` of each record read through the record cache → the record, and the files it was read from (their paths
    and digests): what it is made of, as the cache itself trusts (`RecordCache.get`)."""


def record_files(options: Options) -> dict[str, list[Path]]:
    """The record files of each kind, in a stable order."""
    return _record_files(options, set())


def _record_files(options: Options, links: set[str]) -> dict[str, list[Path]]:
    """`record_files`, noting in `links` which of the files walked are links."""
    files = {}
    for kind in KINDS:
        folder = kind.folder(options)
        walked = _walk(folder, links)
        # Every file a rule may ask about lies in the folder and is no hidden one: the walk has seen it already.
        exists = Listing(walked)
        files[kind.name] = [path for path in walked if kind.is_record(path, folder, options, exists)]
    return files


def load_records(options: Options, *, cached: bool = False, cache: RecordCache | None = None) -> Loaded:
    """Read all records under the configured folders; `cached` reuses those whose files did not change (through
    `cache` when given: it then holds every entry this load used or made, see `RecordCache.kept`)."""
    return load_listed(options, list(listed_records(options)), cached=cached, cache=cache)


@collector_paused()  # the cache's entries and the records it gives: hundreds of thousands of lasting objects
def load_listed(options: Options, listed: list[tuple[str, str, Path | None]], *, cached: bool = False,
                cache: RecordCache | None = None, while_waiting: Callable[[], None] | None = None) -> Loaded:
    """`load_records` of the files `listed_records` gave; `while_waiting` is run while worker processes read them
    (see `workers.load_all`), and not when they are read in this process."""
    loaded = Loaded()
    if cache is None and cached:
        cache = RecordCache.open(options)
    if cache and cache.note:
        loaded.notes.append(cache.note)
    by_name = {kind.name: kind for kind in KINDS}
    results: dict[int, tuple[Record | None, list[Problem]]] = {}
    for index, (name, shown, path) in enumerate(listed):
        kept = cache.get(name, shown) if cache and path is not None else None
        if kept is not None:
            results[index] = kept
    fresh = [index for index, (_, _, path) in enumerate(listed) if path is not None and index not in results]
    jobs = [(by_name[listed[index][0]].load, listed[index][2]) for index in fresh]

    def prepare(job: int, result: LoadResult, seen: dict[Path, str], facts: dict[Path, Facts]) -> Any:
        kind, shown, _ = listed[fresh[job]]
        return prepared_entry(kind, shown, cache.root, seen, facts, result)
    done = load_all(jobs, options.root, Resolver(options.root), prepare if cache else None, while_waiting)
    for index, (result, prepared) in zip(fresh, done):
        results[index] = result
        if cache and prepared is not None:
            cache.keep(listed[index][0], listed[index][1], prepared, result)
    for index, (name, shown, path) in enumerate(listed):
        kind = by_name[name]
        if path is None:
            loaded.problems.append(_folder_outside(kind.folder(options), options.root))
            continue
        record, problems = results[index]
        loaded.problems.extend(problems)
        if record is not None:
            getattr(loaded, kind.plural).append(record)
            entry = cache.kept.get((name, shown)) if cache else None
            if entry is not None:
                loaded.sources[id(record)] = record, MadeOf(name, shown, entry[0])
        else:
            loaded.unreadable[name].add(kind.id_of(path))
    if cache:
        cache.save()
    return loaded


@dataclass(frozen=True)
class MadeOf:
    """What a record was read from, as its cache entry says: its kind, its path, each file's path and digest."""

    kind: str
    shown: str
    files: list[list[Any]]

    def digest(self) -> str:
        """One digest of it all (made when asked: `validate` never asks)."""
        return digest(json.dumps([self.kind, self.shown, [file[:2] for file in self.files]],
                                 ensure_ascii=False).encode("utf-8"))


def listed_records(options: Options) -> Iterator[tuple[str, str, Path | None]]:
    """The record files a load reads, in its order: (kind, path as records show it, path); a record folder that
    leads out of the repository is one `(kind, "", None)` instead of its files."""
    links: set[str] = set()
    files = _record_files(options, links)
    shown_of = _Shown(options.root, links)
    for kind in KINDS:
        if _folder_outside(kind.folder(options), options.root):
            yield kind.name, "", None
            continue
        for path in files[kind.name]:
            yield kind.name, shown_of(path), path


def _folder_outside(folder: Path, root: Path) -> Problem | None:
    """One error for a record folder that leads out of the repository, rather than one for each file in it."""
    escaped = escape(folder, root) if folder.is_dir() else None
    if escaped is None:
        return None
    return Problem(relative(folder, root), 1, 1, "error", escaped.message(root), BOUNDARY_HINT)


def load_fresh(load: Loader, path: Path, reader: Reader) -> tuple[Record | None, list[Problem]]:
    """One record file loaded through `reader` (which then holds what the load read), whatever goes wrong."""
    return load_one(load, path, reader)[0]


class _Shown:
    """`relative(path, root)` for many files of few folders: each folder's links resolved once per load, and each
    file checked for being a link itself."""

    def __init__(self, root: Path, links: set[str]):
        self.root = root
        self.real_root = os.path.realpath(root)
        self.folders: dict[str, str] = {}
        self.links = links
        """The files that are links, as the walk saw them."""

    def __call__(self, path: Path) -> str:
        where, name = os.path.split(os.fspath(path))
        folder = self.folders.get(where)
        if folder is None:
            folder = self.folders[where] = os.path.realpath(where)
        if not folder.startswith(self.real_root + os.sep) or os.fspath(path) in self.links:
            return relative(path, self.root)
        return f"{folder[len(self.real_root) + 1:]}{os.sep}{name}".replace(os.sep, "/")


def _walk(folder: Path, links: set[str]) -> list[Path]:
    """The files under a folder, in path order, as `rglob` finds them (links to files included, links to folders
    not followed), without hidden ones (`is_hidden`): hidden folders are not even entered. The files that are
    links are added to `links`."""
    if not folder.is_dir():
        return []
    found: list[str] = []
    pending = [os.fspath(folder)]
    while pending:
        try:
            with os.scandir(pending.pop()) as scan:
                entries = list(scan)
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith((".", "_")):
                continue
            try:
                if entry.is_dir() and not entry.is_symlink():
                    pending.append(entry.path)
                elif entry.is_file():
                    found.append(entry.path)
                    if entry.is_symlink():
                        links.add(entry.path)
            except OSError:
                continue
    # In the order of paths (part by part), sorted as text: far quicker than comparing paths.
    return [Path(path) for path in sorted(found, key=lambda path: path.split(os.sep))]

