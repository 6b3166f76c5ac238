"""The cache folder mlreport keeps in the repo, and the one way its files are written and trusted.

A cache file is one header line, then the body: the header names the file, the code that wrote
it (a stamp) and a digest of the body. It is read back only when git does not track it (a cache
committed or force-added into the repo may have been planted by a pull request), when its stamp
is this code's and its body still has its digest: a truncated, hand-edited or foreign file is
discarded whole, and the caller rebuilds it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from mlreport.git import tracked

_PACKAGE = Path(__file__).resolve().parent
_IGNORE_ALL = "# Made by mlreport: everything here is rebuilt from the records and git.\n*\n"

log = logging.getLogger("mlreport")


def make_cache_dir(folder: Path) -> None:
    """Create the cache folder with a `.gitignore` of `*` inside (as pytest and ruff do for theirs), so a
    `git add .` never commits a cache, whatever the repo's own ignore rules say."""
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text(_IGNORE_ALL, encoding="utf-8")


def digest(data: bytes) -> str:
    """The content digest caches compare: BLAKE2b, 128 bits, in hex."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def blob_id(data: bytes) -> str:
    """The id git gives these bytes as a file's content (SHA-1 of `blob <size>\\0` and the bytes): a revision's
    files, listed by `git ls-tree`, are matched against files read from disk by it, without reading them."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@lru_cache(maxsize=1)
def code_stamp() -> str:
    """Python's version and a digest of mlreport's code: what one version cached, another never reads."""
    code = hashlib.blake2b(digest_size=16)
    for source in sorted(_PACKAGE.rglob("*.py")):
        code.update(source.relative_to(_PACKAGE).as_posix().encode() + b"\0" + source.read_bytes())
    return f"{sys.version_info[0]}.{sys.version_info[1]}:{code.hexdigest()}"


def read_cache(path: Path, stamp: str) -> tuple[bytes | None, bool]:
    """The body of the cache file at `path` when it can be trusted, else None; and whether git tracks the
    file (the one case the user should hear of: everything else is simply rebuilt)."""
    try:
        with path.open("rb") as file:
            header, body = file.readline(), file.read()
    except FileNotFoundError:
        return None, False
    except OSError as exc:
        log.debug("cache %s unreadable (%s): rebuilding", path, exc)
        return None, False
    if path.name in tracked(path.parent):
        log.debug("cache %s is tracked by git: ignored", path)
        return None, True
    try:
        expected = json.loads(header)
        whole = expected == {"cache": path.name, "stamp": stamp, "digest": digest(body)}
    except ValueError:
        whole = False
    if not whole:
        log.debug("cache %s is damaged or was written by other code: rebuilding", path)
        return None, False
    return body, False


def write_cache(path: Path, stamp: str, body: bytes) -> None:
    """Write a cache file atomically (a temporary file, then a rename); a place that cannot be written is fine,
    and a file git tracks is left as the repository has it."""
    if path.exists() and path.name in tracked(path.parent):
        log.debug("cache %s is tracked by git: not written", path)
        return
    header = json.dumps({"cache": path.name, "stamp": stamp, "digest": digest(body)}).encode("ascii")
    try:
        make_cache_dir(path.parent)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        log.debug("cache %s not written: %s", path, exc)
        return
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(header + b"\n" + body)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        log.debug("cache %s not written: %s", path, exc)
