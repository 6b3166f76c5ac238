"""Reading record files: their bytes as text, within the repository and the size limits, fingerprinted.

Every failure becomes a `Problem` naming the file and line, never a traceback. Loaders read
through a `Reader`, which keeps the fingerprint of every file and folder a load looked at: what
the record cache checks before it serves a record again. What the text says, YAML with the line of
every value, is read by records/marked_yaml.py.
"""

from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


from mlreport.cache_dir import blob_id, digest
from mlreport.problems import Problem
from mlreport.records.boundary import HINT as BOUNDARY_HINT, Escape, Resolver, escape

KeyPath = tuple[Any, ...]


class SourceError(Exception):
    """A file that cannot be read as a record at all."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(problem.format_text())


@dataclass
class Document:
    """Parsed YAML data plus where each key and value sits in the file."""

    path: str
    data: dict[str, Any]
    key_marks: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    value_marks: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    raw_scalars: dict[KeyPath, str] = field(default_factory=dict)
    line_offset: int = 0
    problems: list[Problem] = field(default_factory=list)
    """What parsing found wrong without stopping the record from loading (a duplicate key)."""

    def mark(self, *key: Any, value: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of a key, or of its value; the nearest parent if absent."""
        marks = self.value_marks if value else self.key_marks
        path: KeyPath = tuple(key)
        while path:
            if path in marks:
                line, col = marks[path]
                return line + self.line_offset, col
            path = path[:-1]
        return 1 + self.line_offset if self.line_offset else 1, 1

    def problem(self, *key: Any, message: str, hint: str = "", severity: str = "error",
                value: bool = False) -> Problem:
        """A problem located at a key (or its value) of this document."""
        line, col = self.mark(*key, value=value)
        return Problem(self.path, line, col, severity, message, hint,  # type: ignore[arg-type]
                       ".".join(str(k) for k in key))

    def marks_under(self, *keys: str) -> dict[str, tuple[int, int]]:
        """Value positions of the given top-level keys and everything below them, keyed `a.0.b`."""
        return {".".join(str(k) for k in path): (line + self.line_offset, col)
                for path, (line, col) in self.value_marks.items() if path[0] in keys}

    def raw(self, *key: Any) -> str | None:
        """The scalar exactly as written (so `0012` is not read as octal 10)."""
        return self.raw_scalars.get(tuple(key))


@dataclass(frozen=True)
class SizeLimit:
    """The largest file of one sort mlreport reads, and what to do with a larger one."""

    bytes: int
    what: str
    hint: str


RECORD_LIMIT = SizeLimit(2_000_000, "record file", "keep curves in a history CSV beside the record "
                         "(`history: curves.csv`) and large files as artifacts, linked by URI")
"""Records (YAML, Markdown, notes) are text people write: a 20 MB one took minutes to build into a 25 MB page."""
HISTORY_LIMIT = SizeLimit(200_000_000, "history file", "log fewer steps (every 10th is plenty for a chart), "
                          "or split the file")
"""History CSV/TSV files: curves longer than a chart can show are downsampled for it, but are read whole."""


# How fingerprints start: a file's digest, a folder's listing digest, or no digest at all (never kept).
FILE, FOLDER, NOTHING, UNREADABLE = "file:", "folder:", "nothing", "unreadable"

SETTLED_NS = 2_000_000_000
"""How old a file's change time must be, when it is read, for its stat to vouch for its bytes later: any write
after the read then gives it another change time, even on file systems that keep whole or even seconds."""

Stamp = list[int]
"""What `os.stat` says of a file: size, modification and change time (ns), inode and device."""


@dataclass(frozen=True)
class Facts:
    """What is known of a file a load read, besides its fingerprint: git's id for its bytes (so a revision's
    blob can be matched against it without reading either), and its stat when that can vouch for them."""

    blob: str
    stamp: Stamp | None
    """None when the file had changed too recently to tell a later write by its times (see `SETTLED_NS`)."""


def stamp_of(status: os.stat_result, before_ns: int) -> Stamp | None:
    """A file's stat as the cache keeps it, when it changed at least `SETTLED_NS` before `before_ns` (a time taken
    before the stat call); else None."""
    if max(status.st_mtime_ns, status.st_ctime_ns) > before_ns - SETTLED_NS:
        return None
    return [status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino, status.st_dev]


def same_stamp(path: Path, stamp: Stamp) -> bool:
    """Whether the file at `path` has the stat it had (then its bytes are the ones read then: any write since
    would have moved its change time, which no program can set back)."""
    try:
        status = os.stat(path)
    except OSError:
        return False
    return stat.S_ISREG(status.st_mode) and [status.st_size, status.st_mtime_ns, status.st_ctime_ns,
                                              status.st_ino, status.st_dev] == stamp


class Reader:
    """Reads the files one record is made of, and keeps what each held: the record cache serves the record
    again only while every one of them is unchanged. A loader reads through it, never around it."""

    def __init__(self, root: Path, resolver: Resolver | None = None):
        self.root = root
        self.paths = resolver if resolver is not None and resolver.root == root else Resolver(root)
        """Where paths really lead, resolved once per load when the loads share one."""
        self.seen: dict[Path, str] = {}
        """Every file and folder the load looked at, in order, with its fingerprint (see `fingerprint`)."""
        self.facts: dict[Path, Facts] = {}
        """Of the files among them: git's id for their bytes, and their stat."""

    def text(self, path: Path, limit: SizeLimit | None = None) -> str:
        """A file's text; encoding trouble, a size over `limit` (the record limit by default), or a link out of
        the repository, becomes a located problem."""
        limit = limit or RECORD_LIMIT
        shown = self.paths.relative(path)
        escaped = self.outside(path)
        if escaped is not None:
            raise SourceError(Problem(shown, 1, 1, "error", escaped.message(self.root), BOUNDARY_HINT))
        before = time.time_ns()
        status = path.stat()
        size = status.st_size
        if size > limit.bytes:
            # Checked before reading anything: the size alone decides.
            self.refuse(path)
            raise SourceError(Problem(shown, 1, 1, "error", f"{limit.what} is {_megabytes(size)}, more than the "
                                      f"{_megabytes(limit.bytes)} mlreport reads", limit.hint))
        data = path.read_bytes()
        self.seen[path] = FILE + digest(data)
        self.facts[path] = Facts(blob_id(data), stamp_of(status, before) if len(data) == size else None)
        return decode_text(data, shown)

    def outside(self, path: Path) -> Escape | None:
        """How a path leads out of the repository (then it is never read, and the record never kept)."""
        escaped = self.paths.escape(path)
        if escaped is not None:
            self.refuse(path)
        return escaped

    def text_if_file(self, path: Path) -> str | None:
        """A file's text, or None when there is no file there (which then decides the record too)."""
        if not path.is_file():
            self._look(path)
            return None
        return self.text(path)

    def look(self, path: Path) -> None:
        """Note that what lies at `path` (a file, a folder's listing, or nothing) decides the record."""
        if path not in self.seen:
            self._look(path)

    def _look(self, path: Path) -> None:
        print_, facts = _fingerprint(path, self.root)
        self.seen[path] = print_
        if facts is not None:
            self.facts[path] = facts

    def refuse(self, path: Path) -> None:
        """Note a path that decides the record but is not read (it leads out of bounds): nothing vouches for
        what lies there, so the record is never kept."""
        self.seen[path] = UNREADABLE


def fingerprint(path: Path, root: Path) -> str:
    """What a loader sees at a path: a file's content digest, a folder's listing digest, or nothing; a path
    leading out of the repository holding `root` is not looked at."""
    return _fingerprint(path, root)[0]


def listing_digest(names: list[str]) -> str:
    """A folder's fingerprint from what lies under it: paths relative to it, folders ending in `/`."""
    return FOLDER + digest("\n".join(sorted(names)).encode("utf-8", "surrogateescape"))


def _fingerprint(path: Path, root: Path) -> tuple[str, Facts | None]:
    if escape(path, root) is not None:
        return UNREADABLE, None
    try:
        before = time.time_ns()
        status = path.stat()
        if stat.S_ISDIR(status.st_mode):
            return listing_digest([f"{p.relative_to(path).as_posix()}{'/' if p.is_dir() else ''}"
                                   for p in path.rglob("*")]), None
        if stat.S_ISREG(status.st_mode):
            data = path.read_bytes()
            return FILE + digest(data), Facts(blob_id(data), stamp_of(status, before) if len(data) ==
                                              status.st_size else None)
    except (FileNotFoundError, NotADirectoryError):
        return NOTHING, None
    except OSError:
        pass
    # Unreadable, or a device or pipe (never read: it could block): a fresh load reports what is wrong.
    return UNREADABLE, None


def decode_text(data: bytes, shown: str) -> str:
    """A record file's bytes as text; encoding trouble becomes a located problem."""
    # Editors on Windows save UTF-8 with a byte-order mark; YAML and MkDocs read past it, so do we.
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SourceError(Problem(shown, line, column, "error",
                                  f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                                  "re-save the file with UTF-8 encoding")) from None


def _megabytes(size: int) -> str:
    if size < 1_000_000:
        return f"{size / 1000:,.0f} kB"
    return f"{size / 1_000_000:,.1f} MB".replace(".0 MB", " MB")
