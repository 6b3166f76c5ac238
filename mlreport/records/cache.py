"""Loaded records kept between builds, each served again only while the files it was read from are unchanged.

Loading is the costliest step mlreport adds to a MkDocs build (YAML parsed with line marks, then
checked against the schema): at 10,000 experiments about a tenth of the whole build, every
build, for files that mostly did not change. An entry holds the record as plain JSON data (see
`codec`), its problems, and the fingerprint of every file and folder its load read (the record
file first, then a directory record's `notes.md`, history files and folders): it is used only
when each of them, hashed now, is what it was. The cache file is trusted as `cache_dir` says:
never when git tracks it, never when damaged or written by other code.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from mlreport.cache_dir import code_stamp, read_cache, write_cache
from mlreport.config import Options
from mlreport.problems import Problem
from mlreport.records.codec import decode_problem, decode_record, encode_problem, encode_record
from mlreport.records.common import Record
from mlreport.records.source import UNREADABLE, fingerprint

log = logging.getLogger("mlreport.records")

CACHE_FILE = "records.json"

Key = tuple[str, str]
"""(kind, path as records show it)."""
LoadResult = tuple["Record | None", list[Problem]]
"""A record (None when it could not be built) and the problems its load found."""


@dataclass
class RecordCache:
    """Records by kind and path, each with the fingerprints of the files it was loaded from."""

    path: Path
    root: Path
    entries: dict[Key, list[Any]] = field(default_factory=dict)
    kept: dict[Key, list[Any]] = field(default_factory=dict)
    """What this load used or added: the next cache holds these alone, so deleted records drop out."""
    note: str = ""
    """Why the cache was not used, when the user should know (git tracks it)."""
    changed: bool = False

    @classmethod
    def open(cls, options: Options) -> RecordCache:
        """The cache under the options' cache folder; empty when missing, untrusted or damaged."""
        path = options.root / options.cache_dir / CACHE_FILE
        cache = cls(path, options.root)
        body, tracked = read_cache(path, code_stamp())
        if tracked:
            folder = Path(os.path.relpath(path.parent, options.root)).as_posix()
            cache.note = (f"git tracks the record cache {folder}/{CACHE_FILE}, so it is ignored (a cache that comes "
                          f"with the repository may not match its files); untrack it: `git rm -r --cached {folder}`")
        if body is not None:
            try:
                cache.entries = _entries(json.loads(body))
            except (ValueError, RecursionError) as exc:
                log.debug("records cache %s ignored: %s", path, exc)
        return cache

    def get(self, kind: str, shown: str) -> LoadResult | None:
        """The record and problems loaded from exactly the files now on disk, if kept."""
        entry = self.entries.get((kind, shown))
        if entry is None or not self._unchanged(shown, entry[0]):
            return None
        try:
            record = None if entry[1] is None else decode_record(entry[1])
            problems = [decode_problem(problem) for problem in entry[2]]
        except (ValueError, TypeError) as exc:
            log.debug("records cache entry %s ignored: %s", shown, exc)
            return None
        self.kept[(kind, shown)] = entry
        return record, problems

    def put(self, kind: str, shown: str, seen: dict[Path, str], loaded: LoadResult) -> None:
        """Keep what a load gave, with the fingerprints of what it read; records with no JSON form are not kept."""
        files = [[_shown(path, self.root), print_] for path, print_ in seen.items()]
        if not files or files[0][0] != shown or any(f is None or p == UNREADABLE for f, p in files):
            return
        record, problems = loaded
        try:
            entry = [files, None if record is None else encode_record(record), [encode_problem(p) for p in problems]]
        except (TypeError, ValueError) as exc:
            log.debug("record %s not cached: %s", shown, exc)
            return
        self.kept[(kind, shown)] = entry
        self.changed = True

    def save(self) -> None:
        """Write the entries of this load when they differ from the file's; a tracked cache is left alone."""
        if self.note or (not self.changed and self.kept.keys() == self.entries.keys()):
            return
        body = json.dumps([[kind, shown, *entry] for (kind, shown), entry in sorted(self.kept.items())],
                          separators=(",", ":"))
        write_cache(self.path, code_stamp(), body.encode("ascii"))

    def _unchanged(self, shown: str, files: Any) -> bool:
        """Whether every file the entry was read from (the record's own first) holds what it held."""
        if type(files) is not list or not files or not all(type(item) is list and len(item) == 2 for item in files) \
                or files[0][0] != shown or not all(_inside(path) for path, _ in files):
            return False
        return all(fingerprint(self.root / path, self.root) == print_ for path, print_ in files)


def _entries(data: Any) -> dict[Key, list[Any]]:
    """The entries of a cache body, `[[kind, path, files, record, problems], …]`; ValueError when it is not that."""
    if type(data) is not list or not all(type(item) is list and len(item) == 5 and type(item[0]) is str
                                         and type(item[1]) is str for item in data):
        raise ValueError("not a list of entries")
    return {(kind, shown): entry for kind, shown, *entry in data}


def _shown(path: Path, root: Path) -> str | None:
    """A path the loader read, relative to the root as written (links not followed); None outside the root."""
    shown = Path(os.path.relpath(path, root)).as_posix()
    return shown if _inside(shown) else None


def _inside(shown: Any) -> bool:
    """Whether a stored path names a place under the root: a damaged entry must not send hashing elsewhere."""
    if type(shown) is not str or not shown:
        return False
    path = PurePosixPath(shown)
    return not path.is_absolute() and ".." not in path.parts
