"""The history cache: the parsed log up to a commit, so a rebuild reads only the commits since.

One JSON file in the cache folder (CI can keep it between runs), written and trusted as
`mlreport.cache_dir` says: never read when git tracks it (a planted file must not put authors
and dates on the site), discarded when damaged or written by another format, mlreport version
or for other record folders. What it holds is checked value by value (commit and blob ids, ISO
dates, status letters), and its head must still be on HEAD's first-parent line (checked by the
reader); anything else is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlreport.cache_dir import code_stamp, read_cache, write_cache
from mlreport.history.blobs import BlobInfo
from mlreport.history.gitlog import LogCommit, TouchedPath

CACHE_FILE = "history.json"
FORMAT = 3

_json = json.JSONEncoder(separators=(",", ":")).encode
_string = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]
_OBJECT_ID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d)")
_STATUSES = frozenset("ACDMRTUX")

log = logging.getLogger("mlreport.history")


@dataclass
class Cached:
    """The log up to `head`, in canonical order (newest first), and what its blobs say."""

    head: str
    commits: list[LogCommit]
    blobs: dict[str, BlobInfo]
    followed: list[str] = field(default_factory=list)
    """Paths outside the record folders the log also covers: where records were moved in from."""


def cache_key(toplevel: Path, prefix: str, pathspecs: list[str]) -> dict[str, Any]:
    """What the cached log depends on besides the commits themselves: the authors' names come through
    .mailmap, and the code reads decisions' statuses from old versions (a change to it changes the log)."""
    try:
        mailmap = hashlib.sha256((toplevel / ".mailmap").read_bytes()).hexdigest()
    except OSError:
        mailmap = ""
    return {"format": FORMAT, "mlreport": code_stamp(), "prefix": prefix, "pathspecs": pathspecs,
            "mailmap": mailmap}


def load(path: Path, key: dict[str, Any]) -> Cached | None:
    """The cache at `path` when it is trusted, whole and made for `key`; None otherwise."""
    body, _ = read_cache(path, _json(key))
    if body is None:
        return None
    try:
        data = json.loads(body)
        commits = [_commit(item) for item in data["commits"]]
        if len({commit.sha for commit in commits}) != len(commits):
            raise ValueError("a commit is listed twice")
        return Cached(_object_id(data["head"]), commits,
                      {_object_id(blob): BlobInfo(_text(title), _text(status), tuple(map(_text, superseded)))
                       for blob, (title, status, superseded) in data["blobs"].items()},
                      [_followed(path) for path in data["followed"]])
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        log.debug("history cache %s is damaged (%s): rebuilding", path, exc)
        return None


def save(path: Path, key: dict[str, Any], cached: Cached) -> None:
    """Write the cache (atomically, see `write_cache`); a read-only place is not an error."""
    used = {entry.blob for commit in cached.commits for entry in commit.entries}
    blobs = {blob: [info.title, info.status, list(info.superseded_by)]
             for blob, info in sorted(cached.blobs.items()) if blob in used}
    # Commits arrive encoded (see `encode`): joining strings is what keeps a full pass's write cheap.
    commits = ",".join(f"[{'null' if c.pr is None else c.pr},{_string(c.landed)},{c.encoded or encode(c)}]"
                       for c in cached.commits)
    payload = (f'{{"head":{_json(cached.head)},"commits":[{commits}],"blobs":{_json(blobs)},'
               f'"followed":{_json(cached.followed)}}}').encode("ascii")
    write_cache(path, _json(key), payload)


def encode(commit: LogCommit) -> str:
    """A commit's cache record less what the graph decides (PR, landing): `"<sha>",…,[[status,path,old,blob],…]`."""
    return _json([commit.sha, commit.author, commit.email, commit.date, commit.subject,
                  [[e.status, e.path, e.old_path, e.blob] for e in commit.entries]])[1:-1]





def _commit(item: list[Any]) -> LogCommit:
    """One cached commit, each value checked: ids are ids, dates are git's ISO dates, statuses are git's letters."""
    pr, landed, sha, author, email, date, subject, entries = item
    if pr is not None and (type(pr) is not int or pr < 0):
        raise TypeError("PR number is not a whole number")
    if not _ISO_DATE.fullmatch(_text(date)) or (landed != "" and not _ISO_DATE.fullmatch(_text(landed))):
        raise ValueError("a date is not an ISO date")
    return LogCommit(_object_id(sha), _text(author), _text(email), date, _text(subject), pr,
                     [_touched(*entry) for entry in entries], landed=landed)


def _touched(status: Any, path: Any, old_path: Any, blob: Any) -> TouchedPath:
    if status not in _STATUSES or not _text(path) or (status in "RC") != bool(_text(old_path)):
        raise ValueError("not a file a commit touched")
    return TouchedPath(status, path, old_path, _object_id(blob))


def _followed(value: Any) -> str:
    """A followed path as the reader writes them: relative to the repository's top, inside it."""
    parts = _text(value).split("/")
    if not value or value.startswith("/") or "" in parts or ".." in parts:
        raise ValueError("a followed path is not a path inside the repository")
    return value


def _object_id(value: Any) -> str:
    if not _OBJECT_ID.fullmatch(_text(value)):
        raise ValueError("not a git object id")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {type(value).__name__}")
    return value
