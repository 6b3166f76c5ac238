"""BASE's records without parsing them again: a record whose files have, at BASE, the very blobs a cached load
read is that load's record.

Git names a file's content by its blob id, a hash of the bytes; the record cache keeps that id for every file
a load read (see `mlreport.records.cache`). So one `git ls-tree -r` of BASE's record folders says which
records read at BASE exactly what the work tree's (or an earlier report's) load read, and those are served
from the cache. Only the others are loaded: their files (and those their work-tree version read) are written
from one `git cat-file --batch` into a temporary folder and loaded there; when that load reads anything
beyond what was written, the record is loaded again from a full copy of BASE's record folders, as a report
without caches would. New loads are kept in the BASE cache, for the next report.
"""

from __future__ import annotations

import posixpath
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from mlreport import git
from mlreport.config import Options
from mlreport.records import Loaded, RecordCache, load_fresh
from mlreport.records.cache import BASE_CACHE_FILE, matches
from mlreport.records.common import Listing, Record
from mlreport.records.decision import decided_by_content, is_decision_file
from mlreport.records.kinds import DECISION, KINDS, RecordKind, is_hidden
from mlreport.records.source import Reader


@dataclass(frozen=True)
class Tree:
    """BASE's regular files under the record folders, by path from the project root."""

    blobs: dict[str, str]
    """Path → blob id."""
    folders: set[str]
    """Every folder above those files (the root itself aside)."""

    @classmethod
    def of(cls, entries: list[git.TreeEntry], prefix: str) -> Tree | None:
        """The tree of `ls-tree` entries (paths from the repository's top, the project at `prefix`); None when it
        holds links or submodules, which a copy resolves in ways a listing does not show."""
        blobs: dict[str, str] = {}
        folders: set[str] = set()
        for entry in entries:
            if not entry.is_file:
                return None
            if not entry.path.startswith(prefix):
                continue
            path = entry.path[len(prefix):]
            blobs[path] = entry.blob
            parent = posixpath.dirname(path)
            while parent and parent not in folders:
                folders.add(parent)
                parent = posixpath.dirname(parent)
        return cls(blobs, folders)

    def under(self, folder: str) -> list[str]:
        """The files below a folder ("" or "." for all)."""
        if folder in ("", "."):
            return list(self.blobs)
        start = folder.rstrip("/") + "/"
        return [path for path in self.blobs if path.startswith(start)]


def load_reused(options: Options, repo: git.Repo, tree: Tree, work: RecordCache) -> Loaded:
    """BASE's records: from the work tree's cache entries and the BASE cache where BASE's blobs are the ones they
    were read from, the rest loaded from blobs."""
    with tempfile.TemporaryDirectory(prefix="mlreport-base-") as folder:
        copy = Copy(Path(folder).resolve(), repo, tree)
        kept = RecordCache.open(options, BASE_CACHE_FILE, root=copy.root)
        found = _record_paths(options, tree, copy)
        results: dict[tuple[str, str], tuple[Record | None, list[Any]]] = {}
        missing: list[tuple[RecordKind, str]] = []
        for kind, shown in found:
            served = _served(kind.name, shown, tree, work, kept)
            if served is None:
                missing.append((kind, shown))
            else:
                results[(kind.name, shown)] = served
        if missing:
            results.update(_load_missing(options, missing, tree, work, kept, copy))
        copy.close()
        kept.save()
    loaded = Loaded()
    for kind, shown in found:
        record, problems = results[(kind.name, shown)]
        loaded.problems.extend(problems)
        if record is not None:
            getattr(loaded, kind.plural).append(record)
        else:
            loaded.unreadable[kind.name].add(kind.id_of(Path(shown)))
    return loaded


class Copy:
    """A temporary folder holding some of BASE's files, written on demand from one `cat-file` process."""

    def __init__(self, folder: Path, repo: git.Repo, tree: Tree):
        self.root = folder / repo.prefix
        """The project's folder in the copy."""
        self.tree = tree
        self._reader = git.BlobReader(repo.toplevel)
        self._written: set[str] = set()
        # The copy reads as a repository of its own, so a record's boundary is the whole copy, as it is the whole
        # repository in the work tree.
        (folder / ".git").mkdir()
        self.root.mkdir(parents=True, exist_ok=True)

    def write(self, paths: list[str]) -> None:
        """Write these of BASE's files (those it has, not yet written) into the copy."""
        wanted = sorted({path for path in paths if path in self.tree.blobs} - self._written)
        if not wanted:
            return
        for path, data in zip(wanted, self._reader.read([self.tree.blobs[path] for path in wanted])):
            self._written.add(path)
            if data is None:
                continue  # a blob the repository lacks (a partial clone) reads as absent
            target = self.root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)

    def write_all(self) -> None:
        """Every one of BASE's files under the record folders."""
        self.write(list(self.tree.blobs))

    def close(self) -> None:
        """End the cat-file process."""
        self._reader.close()


def _record_paths(options: Options, tree: Tree, copy: Copy) -> list[tuple[RecordKind, str]]:
    """BASE's record files of each kind, in the order `record_files` gives the work tree's, by the same rules."""
    copy_options = _moved(options, copy.root)
    found = []
    for kind in KINDS:
        folder = kind.folder(copy_options)
        candidates = {copy.root / path: path for path in tree.under(_shown(folder, copy.root))}
        exists: Callable[[Path], bool] = Listing(candidates)  # the rules ask only about files in the folder
        if kind is DECISION:
            # A decision without a number is one only by what it holds: BASE's bytes decide, so write them.
            copy.write([shown for path, shown in candidates.items()
                        if is_decision_file(path, options.decisions_exclude, options.decisions_include)
                        and decided_by_content(path, options.decisions_include)])
        paths = sorted(path for path in candidates
                       if not is_hidden(path, folder) and kind.is_record(path, folder, copy_options, exists))
        found += [(kind, candidates[path]) for path in paths]
    return found


def _served(kind: str, shown: str, tree: Tree, work: RecordCache, kept: RecordCache) -> Any:
    """The record and problems of an entry whose files BASE holds unchanged: the work tree's, else the BASE
    cache's; None when neither matches."""
    for cache in (work, kept):
        entry = cache.kept.get((kind, shown)) or cache.entries.get((kind, shown))
        if entry is not None and matches(entry[0], shown, tree.blobs, tree.folders):
            if cache.kept.get((kind, shown)) is entry and (kind, shown) in cache.loaded:
                return cache.loaded[(kind, shown)]  # the very record the work tree's load gave: not decoded twice
            served = cache.serve(kind, shown, entry)  # the BASE cache keeps what it served, for the next report
            if served is not None:
                return served
    return None


def _load_missing(options: Options, missing: list[tuple[RecordKind, str]], tree: Tree, work: RecordCache,
                  kept: RecordCache, copy: Copy) -> dict[tuple[str, str], Any]:
    """Load the records no entry serves, from what they read (as far as known) written into the copy."""
    copy_options = _moved(options, copy.root)
    wanted: list[str] = []
    for kind, shown in missing:
        wanted.append(shown)
        if kind.owns_folder(copy.root / shown, copy_options):
            wanted += tree.under(posixpath.dirname(shown))
        # What the work tree's version read is most likely what BASE's reads too.
        entry = work.kept.get((kind.name, shown)) or work.entries.get((kind.name, shown))
        if entry is not None and type(entry[0]) is list:
            wanted += [item[0] for item in entry[0] if type(item) is list and item and type(item[0]) is str]
    copy.write(wanted)
    results = {}
    for kind, shown in missing:
        reader = Reader(copy.root)
        loaded = load_fresh(kind.load, copy.root / shown, reader)
        entry = kept.put(kind.name, shown, reader, loaded)
        if entry is None or not matches(entry[0], shown, tree.blobs, tree.folders):
            # It read something not written (or not keepable): load it as a full copy of BASE reads it.
            kept.kept.pop((kind.name, shown), None)
            copy.write_all()
            loaded = load_fresh(kind.load, copy.root / shown, Reader(copy.root))
        results[(kind.name, shown)] = loaded
    return results


def _moved(options: Options, root: Path) -> Options:
    return replace(options, root=root)


def _shown(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path != root else "."
