"""The history cache: the parsed log up to a commit, so a rebuild reads only the commits since.

One JSON file in the cache folder (CI can keep it between runs). It is trusted only when it
parses, has this format and mlreport version, was made for the same folders, and its head is
still on HEAD's first-parent line (checked by the reader); anything else is rebuilt.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlreport import __version__
from mlreport.cache_dir import make_cache_dir
from mlreport.history.blobs import BlobInfo
from mlreport.history.gitlog import TouchedPath, LogCommit

CACHE_FILE = "history.json"
FORMAT = 1

_json = json.JSONEncoder(separators=(",", ":")).encode
_string = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]
_COMMIT_ID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")

log = logging.getLogger("mlreport.history")


@dataclass
class Cached:
    """The log up to `head`, in canonical order (newest first), and what its blobs say."""

    head: str
    commits: list[LogCommit]
    blobs: dict[str, BlobInfo]


def cache_key(prefix: str, pathspecs: list[str]) -> dict[str, Any]:
    """What the cached log depends on besides the commits themselves."""
    return {"format": FORMAT, "mlreport": __version__, "prefix": prefix, "pathspecs": pathspecs}


def load(path: Path, key: dict[str, Any]) -> Cached | None:
    """The cache at `path` when it is whole and made for `key`; None otherwise."""
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.debug("history cache %s unreadable (%s): rebuilding", path, exc)
        return None
    try:
        if data["key"] != key:
            log.debug("history cache %s was made for other settings: rebuilding", path)
            return None
        head = data["head"]
        if not isinstance(head, str) or not _COMMIT_ID.fullmatch(head):
            raise ValueError("the head is no commit id")
        return Cached(head, [_commit(item) for item in data["commits"]],
                      {blob: BlobInfo(_text(title), _text(status), tuple(map(_text, superseded)))
                       for blob, (title, status, superseded) in data["blobs"].items()})
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        log.debug("history cache %s is damaged (%s): rebuilding", path, exc)
        return None


def save(path: Path, key: dict[str, Any], cached: Cached) -> None:
    """Write the cache atomically (a temporary file, then a rename); a read-only place is not an error."""
    used = {entry.blob for commit in cached.commits for entry in commit.entries}
    blobs = {blob: [info.title, info.status, list(info.superseded_by)]
             for blob, info in sorted(cached.blobs.items()) if blob in used}
    # Commits arrive encoded (see `encode`): joining strings is what keeps a full pass's write cheap.
    commits = ",".join(f"[{'null' if c.pr is None else c.pr},{_string(c.landed)},{c.encoded or encode(c)}]"
                       for c in cached.commits)
    payload = (f'{{"key":{_json(key)},"head":{_json(cached.head)},"commits":[{commits}],'
               f'"blobs":{_json(blobs)}}}').encode("ascii")
    try:
        make_cache_dir(path.parent)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        log.debug("history cache %s not written: %s", path, exc)
        return
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(payload)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        log.debug("history cache %s not written: %s", path, exc)


def encode(commit: LogCommit) -> str:
    """A commit's cache record less what the graph decides (PR, landing): `"<sha>",…,[[status,path,old,blob],…]`."""
    return _json([commit.sha, commit.author, commit.email, commit.date, commit.subject,
                  [[e.status, e.path, e.old_path, e.blob] for e in commit.entries]])[1:-1]





def _commit(item: list[Any]) -> LogCommit:
    pr, landed, sha, author, email, date, subject, entries = item
    if pr is not None and type(pr) is not int:
        raise TypeError("PR number is not an integer")
    return LogCommit(_text(sha), _text(author), _text(email), _text(date), _text(subject), pr,
                     [TouchedPath(*map(_text, entry)) for entry in entries], landed=_text(landed))


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {type(value).__name__}")
    return value
