"""Loaded records kept between builds, each served again only while the files it was read from are unchanged.

Loading is the costliest step mlreport adds to a MkDocs build (YAML parsed with line marks, then
checked against the schema): at 10,000 experiments about a tenth of the whole build, every
build, for files that mostly did not change. An entry holds the record as plain JSON data (see
`codec`), its problems, and the fingerprint of every file and folder its load read (the record
file first, then a directory record's `notes.md`, history files and folders): it is used only
when each of them is what it was. The cache file is trusted as `cache_dir` says: never when git
tracks it, never when damaged or written by other code.

What "is what it was" costs: one `stat` per file. A file's entry keeps its stat (size, times,
inode, device) when the file had last changed `SETTLED_NS` (2 s) before it was read; while the
stat is the same, the bytes are (a write moves the change time, and nothing can set that back).
A file whose stat differs, or that was too new to keep one, is read and its digest compared
(and its stat kept once it has settled); a folder's listing is always listed again. Each file
also keeps git's blob id of its bytes, so `mlreport diff` matches entries against a revision's
blobs without reading them (`matches`).
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from mlreport.cache_dir import code_stamp, read_cache, write_cache
from mlreport.collector import collector_paused
from mlreport.config import Options
from mlreport.problems import Problem
from mlreport.records.codec import decode_problem, decode_record, encode_problem, encode_record
from mlreport.records.source import FILE, FOLDER, NOTHING, UNREADABLE, Facts, Reader, fingerprint, \
    listing_digest, same_stamp, stamp_of

log = logging.getLogger("mlreport.records")

CACHE_FILE = "records.json"
BASE_CACHE_FILE = "base-records.json"
"""Records as `mlreport diff` read them at BASE, where they differ from the work tree's (see `matches`)."""

REWRITE_AFTER = 100
"""Records parsed afresh worth rewriting the cache for: at 10,000 experiments the 24 MB rewrite after one record was
edited took about 0.3 s of CPU (dumping every entry again, writing, digesting), parsing a record about 1 ms."""

Key = tuple[str, str]
"""(kind, path as records show it)."""
LoadResult = tuple["Record | None", list[Problem]]
"""A record (None when it could not be built) and the problems its load found."""
Prepared = tuple[list[Any], str]
"""A cache entry, `[files, record, problems]`, and its line of the cache file as JSON text."""


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
    loaded: dict[Key, LoadResult] = field(default_factory=dict)
    """What this load served or added, as records: another load of the same entry reuses them (records are
    immutable), as `mlreport diff` does for BASE's records that read the same blobs."""
    texts: dict[Key, tuple[list[Any], str, list[Any]]] = field(default_factory=dict)
    """Fresh entries as JSON text, made where they were loaded (see `prepared_entry`), with the stats they were
    written with: an entry restamped since is written again."""
    restamped: int = 0
    """Files whose bytes were digested again and found the same: their new stats alone are worth a rewrite of
    the whole cache only when there are many (else the next load digests those few files again)."""
    added: int = 0
    """Entries this load added (records parsed afresh)."""
    rewrite_after: int = 1
    """How many added entries are worth rewriting the whole file for, when the records are the same (see `open`)."""

    @classmethod
    @collector_paused()  # its entries: a million lasting objects at 10,000 experiments
    def open(cls, options: Options, name: str = CACHE_FILE, root: Path | None = None, *,
             rewrite_after: int = REWRITE_AFTER) -> RecordCache:
        """The cache file `name` under the options' cache folder, for records read under `root` (default: the
        project); empty when missing, untrusted or damaged. A load of the same records (none added, none gone) that
        parsed fewer than `rewrite_after` afresh leaves the file as it is: they are parsed again next time, which
        costs less than a rewrite."""
        path = options.root / options.cache_dir / name
        cache = cls(path, root or options.root, rewrite_after=rewrite_after)
        body, tracked = read_cache(path, code_stamp())
        if tracked:
            folder = Path(os.path.relpath(path.parent, options.root)).as_posix()
            cache.note = (f"git tracks the record cache {folder}/{name}, so it is ignored (a cache that comes "
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
        if entry is None or not self.unchanged(shown, entry[0]):
            return None
        return self.serve(kind, shown, entry)

    def serve(self, kind: str, shown: str, entry: list[Any]) -> LoadResult | None:
        """An entry's record and problems, kept for the next cache; None when the entry is damaged."""
        try:
            record = None if entry[1] is None else decode_record(entry[1])
            problems = [decode_problem(problem) for problem in entry[2]]
        except (ValueError, TypeError) as exc:
            log.debug("records cache entry %s ignored: %s", shown, exc)
            return None
        self.kept[(kind, shown)] = entry
        self.loaded[(kind, shown)] = record, problems
        return record, problems

    def put(self, kind: str, shown: str, reader: Reader, loaded: LoadResult) -> list[Any] | None:
        """Keep what a load gave, with the fingerprints of what it read; records with no JSON form are not kept.
        Returns the entry kept."""
        return self.keep(kind, shown, prepared_entry(kind, shown, self.root, reader.seen, reader.facts, loaded),
                         loaded)

    def keep(self, kind: str, shown: str, prepared: Prepared | None, loaded: LoadResult) -> list[Any] | None:
        """Keep an entry `prepared_entry` made of a load (None: the load is not kept). Returns the entry kept."""
        if prepared is None:
            return None
        entry, text = prepared
        self.kept[(kind, shown)] = entry
        self.loaded[(kind, shown)] = loaded
        self.texts[(kind, shown)] = entry, text, [item[3] for item in entry[0]]
        self.changed = True
        self.added += 1
        return entry

    def save(self) -> None:
        """Write the entries of this load when they differ from the file's; a tracked cache is left alone."""
        worth = self.changed and self.added >= self.rewrite_after
        if self.note or (not worth and self.restamped < _RESTAMPED_REWRITE and self.kept.keys() == self.entries.keys()):
            return
        body = "[" + ",".join(self._text(key, entry) for key, entry in sorted(self.kept.items())) + "]"
        write_cache(self.path, code_stamp(), body.encode("ascii"))

    def _text(self, key: Key, entry: list[Any]) -> str:
        """An entry as the cache file holds it: the text it was prepared with while its stats are the same."""
        made = self.texts.get(key)
        if made is not None and made[0] is entry and all(item[3] is stamp for item, stamp in zip(entry[0], made[2])):
            return made[1]
        return _dumped([*key, *entry])

    def unchanged(self, shown: str, files: Any) -> bool:
        """Whether every file the entry was read from (the record's own first) holds what it held: a file by its
        stat when the entry has one and it is the same, else by its digest."""
        if type(files) is not list or not files or type(files[0]) is not list or files[0][:1] != [shown]:
            return False
        for item in files:
            # Checked one by one as they are used: a damaged entry is never followed anywhere.
            if type(item) is not list or len(item) != 4 or not _inside(item[0]) or type(item[1]) is not str \
                    or not _is_stamp(item[3]):
                return False
            path, print_, _, stamp = item
            if stamp is not None and same_stamp(self.root / path, stamp):
                continue
            # Stat before reading: a write after it moves the times, so the stat kept never vouches for unread bytes.
            before = time.time_ns()
            status = _stat(self.root / path)
            if fingerprint(self.root / path, self.root) != print_:
                return False
            if print_.startswith(FILE):
                # The same bytes: keep the stat that now vouches for them, once they have settled.
                fresh = stamp_of(status, before) if status is not None else None
                if fresh != stamp:
                    item[3] = fresh
                    self.restamped += fresh is not None
        return True


_RESTAMPED_REWRITE = 100


def prepared_entry(kind: str, shown: str, root: Path, seen: dict[Path, str], facts: dict[Path, Facts],
                   loaded: LoadResult) -> Prepared | None:
    """The cache entry of a load that read `seen` (with `facts`) under `root`, and its JSON text; None when the
    load is not to be kept (a file out of bounds or unreadable, a value with no JSON form).

    Pure data work, done by the process that loaded the record: with many records read by workers, encoding
    them there keeps it off the one process that gathers them."""
    files = []
    for path, print_ in seen.items():
        fact = facts.get(path)
        files.append([_shown(path, root), print_, fact.blob if fact else None, fact.stamp if fact else None])
    if not files or files[0][0] != shown or any(f[0] is None or f[1] == UNREADABLE for f in files):
        return None
    record, problems = loaded
    try:
        entry = [files, None if record is None else encode_record(record), [encode_problem(p) for p in problems]]
        return entry, _dumped([kind, shown, *entry])
    except (TypeError, ValueError) as exc:
        log.debug("record %s not cached: %s", shown, exc)
        return None


def _dumped(item: list[Any]) -> str:
    return json.dumps(item, separators=(",", ":"))


def matches(files: Any, shown: str, blobs: dict[str, str], folders: set[str]) -> bool:
    """Whether an entry's files read at another revision are what they were: each file is there with the same
    blob id, each folder lists the same, each path that held nothing still holds nothing.

    `blobs` are the revision's regular files (path from the root → blob id), `folders` every folder above them.
    """
    if not _well_formed(shown, files):
        return False
    for path, print_, blob, _ in files:
        if print_.startswith(FILE):
            if blob is None or blobs.get(path) != blob:
                return False
        elif print_ == NOTHING:
            if path in blobs or path in folders:
                return False
        elif print_.startswith(FOLDER):
            if path not in folders or _listing(path, blobs, folders) != print_:
                return False
        else:
            return False
    return True


def _listing(folder: str, blobs: dict[str, str], folders: set[str]) -> str:
    """A folder's listing fingerprint, from a revision's paths instead of the disk."""
    prefix = folder.rstrip("/") + "/"
    names = [path[len(prefix):] for path in blobs if path.startswith(prefix)]
    names += [path[len(prefix):] + "/" for path in folders if path.startswith(prefix)]
    return listing_digest(names)


def _well_formed(shown: str, files: Any) -> bool:
    """Whether a stored list of files is `[[path, fingerprint, blob, stat], …]`, the record's own file first."""
    return (type(files) is list and bool(files)
            and all(type(item) is list and len(item) == 4 and type(item[1]) is str
                    and (item[2] is None or type(item[2]) is str) and _is_stamp(item[3]) for item in files)
            and files[0][0] == shown and all(_inside(item[0]) for item in files))


def _is_stamp(value: Any) -> bool:
    return value is None or (type(value) is list and len(value) == 5 and all(type(v) is int for v in value))


def _stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


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
