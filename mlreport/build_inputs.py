"""Everything a build reads, fingerprinted: a build whose inputs are all as the last one found them has nothing to do
but check that the site it left is intact (as ninja does: by each file's stat).

The fingerprint covers the code (mlreport's own, Python, the engine, themes and plugins with their
versions), the command's choices (project, site folder, `--strict`, `--site-url`), the environment
(mkdocs.yml may read it through `!ENV`), the stat of every file and folder of the project (the
records, mkdocs.yml, docs, templates; the site folder, the cache folder and `.git` left out) and of
the folders a build reads outside it, and git's state (`HEAD`, the refs, the index). A link in a folder
whose files the build reads as they come (docs, records, templates) makes the inputs unknown; one elsewhere
stands as its own text. A file that
changed less than `SETTLED_NS` before the build started may change again within its timestamp's
grain: then the inputs are taken again when the build is done, and the state is kept only when
they are the same and settled by then (a record saved just before the build, as most edits are).

The state, a cache file, is written after a build that logged no warning (a warning must be seen on
every build) whose plugins are mlreport's own and search (others may read anything); it also holds
what that build logged, which a skipped build logs again, and the stat of every file of the site it
left. A build is skipped only when the fingerprint is the same and the site folder holds exactly those
files with those stats; otherwise it is a build as ever, in a staging folder swapped in when done.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import entry_points, version
from pathlib import Path
from typing import Any, Iterable, Iterator

from mlreport.cache_dir import code_stamp, digest, read_cache, write_cache
from mlreport.records.boundary import repository_top
from mlreport.records.source import SETTLED_NS
from mlreport.site_folder import MARKER

STATE = "last-build.json"
GIT_STATE = ("HEAD", "index", "packed-refs", "config", "shallow", "info/grafts")
"""What of `.git` (besides its refs) a build's history depends on: objects never change under their ids."""
MOST_WALKED = 250_000
"""Files and folders of a project whose stats are fingerprinted at most (a dataset kept in the repo may hold
millions): beyond that, every build runs."""


@dataclass
class Fingerprint:
    """A build's inputs as it started."""

    digest: str
    settled: bool
    """Whether every input had last changed `SETTLED_NS` before the build started (see the module's docstring)."""


@dataclass
class BuildState:
    """What the last build of a site folder started from, logged and left."""

    inputs: str = ""
    site: str = ""
    """The digest of the site folder's listing with each file's stat (`site_listing`)."""
    messages: list[list[Any]] = field(default_factory=list)
    """(logger name, level, message) of what the build logged, in order."""

    @classmethod
    def read(cls, cache: Path) -> BuildState:
        """The state in the cache folder; an empty one when there is none, or it cannot be trusted."""
        body, _ = read_cache(cache / STATE, code_stamp())
        if body is None:
            return cls()
        try:
            data = json.loads(body)
            return cls(str(data["inputs"]), str(data["site"]),
                       [[str(name), int(level), str(text)] for name, level, text in data["messages"]])
        except (ValueError, TypeError, KeyError):
            return cls()

    def write(self, cache: Path) -> None:
        """Keep the state for the next build."""
        body = {"inputs": self.inputs, "site": self.site, "messages": self.messages}
        write_cache(cache / STATE, code_stamp(), json.dumps(body, ensure_ascii=False).encode("utf-8"))

    def replay(self) -> None:
        """Log again what the build this state describes logged."""
        for name, level, text in self.messages:
            logging.getLogger(name).log(level, "%s", text)


def forget(cache: Path) -> None:
    """Drop the state: the next build is a whole one (a build is starting that may change the site)."""
    try:
        (cache / STATE).unlink()
    except OSError:
        pass


def fingerprint(root: Path, target: Path, cache: Path, folders: Iterable[Path], choices: Any,
                read: Iterable[Path] = ()) -> Fingerprint | None:
    """The fingerprint of a build of `root` into `target`, reading `folders` besides the project and making the
    `choices` given; None when the inputs cannot be told by their stats (a link in one of the folders whose files
    the build reads as they come, `read`; a file that cannot be read).

    A link elsewhere in the project (a virtual environment's `bin/python`, `node_modules/.bin`) stands in the
    fingerprint as its own text: the build reads such a file only because a record names it, and a record's
    file that leads out of the repository is refused, while one inside it is walked by its own stat."""
    started = time.time_ns()
    real_root, real_target, real_cache = (os.path.realpath(path) for path in (root, target, cache))
    skipped = {real_target, real_cache}
    links_read = [os.path.realpath(folder) for folder in read]
    parts: list[Any] = [code_stamp(), sys.version, distributions(), choices, sorted(os.environ.items())]
    newest = 0
    try:
        trees = dict.fromkeys([real_root, *(os.path.realpath(folder) for folder in folders)])
        for tree in trees:
            if tree != real_root and _inside(tree, real_root):
                continue
            if not os.path.lexists(tree):
                parts.append([tree, "missing"])
                continue
            for entry, stat in _walk(tree, skipped, real_target, links_read):
                parts.append(entry)
                newest = max(newest, stat.st_ctime_ns)
                if len(parts) > MOST_WALKED:
                    return None  # telling a change in so many files would cost every build more than a skip saves
        top = repository_top(Path(real_root))
        if top is not None:
            git = top / ".git"
            if not git.is_dir():
                return None  # a worktree's or submodule's `.git` file: its state lies elsewhere
            for name in GIT_STATE:
                parts.append([name, *_stat_of(git / name)])
            for entry, stat in _walk(str(git / "refs"), set(), ""):
                parts.append(entry)
                newest = max(newest, stat.st_ctime_ns)
    except _NotByStat:
        return None
    return Fingerprint(digest(json.dumps(parts, separators=(",", ":")).encode()), newest < started - SETTLED_NS)


def site_listing(site: Path) -> str | None:
    """The digest of every file and folder of the site with its stat; None when the site cannot be listed by stats."""
    listing: list[str] = []
    try:
        _list_site(os.path.realpath(site), listing)
    except _NotByStat:
        return None
    return digest("\n".join(listing).encode("utf-8", errors="surrogateescape"))


def _list_site(folder: str, listing: list[str]) -> None:
    """Add every file of `folder` (path, size, modification time, inode) and every folder (path, inode) to `listing`,
    in a stable order; a link raises `_NotByStat`. A site holds a folder per record page: a folder's inode comes with
    its entry in its parent's listing (`DirEntry.inode`), so only files are looked at one by one."""
    # Not the change time: the last site's files are hard-linked into the next one, and removing the old site
    # (or the next build's linking) changes the link count, and so that time, of files that stay the same.
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=_name)
    except OSError:
        raise _NotByStat(folder) from None
    for entry in entries:
        if entry.is_symlink():
            raise _NotByStat(entry.path)
        if entry.is_dir(follow_symlinks=False):
            listing.append(f"{entry.path}\0d\0{entry.inode()}")
            _list_site(entry.path, listing)
            continue
        try:
            stat = entry.stat(follow_symlinks=False)
        except OSError:
            raise _NotByStat(entry.path) from None
        listing.append(f"{entry.path}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ino}")


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def is_intact(site: Path, state: BuildState) -> bool:
    """Whether the site folder holds exactly the files the build of `state` left, as it left them."""
    return bool(state.site) and (site / MARKER).is_file() and site_listing(site) == state.site


class _NotByStat(Exception):
    """An input whose stat cannot stand for its content."""


def _walk(folder: str, skipped: set[str], target: str,
          links_read: list[str] | None = None) -> Iterator[tuple[list[Any], os.stat_result]]:
    """(path and stat, stat) of every file and folder under `folder`, in a stable order, but the `skipped` folders,
    the staging and old folders of builds of `target` and `.git`. A link raises `_NotByStat`, but one outside the
    folders of `links_read` (when given), which stands as its text."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError:
        raise _NotByStat(folder) from None
    staging = f".{os.path.basename(target)}." if target else None
    for entry in entries:
        if entry.name == ".git" or entry.path in skipped or (
                staging and entry.name.startswith(staging) and os.path.dirname(entry.path) == os.path.dirname(target)):
            continue
        if entry.is_symlink():
            if links_read is None or any(_inside(entry.path, read) for read in links_read):
                raise _NotByStat(entry.path)  # what a link leads to may change without the link changing
            try:
                yield [entry.path, "l", os.readlink(entry.path)], entry.stat(follow_symlinks=False)
            except OSError:
                raise _NotByStat(entry.path) from None
            continue
        try:
            stat = entry.stat(follow_symlinks=False)
        except OSError:
            raise _NotByStat(entry.path) from None
        if entry.is_dir(follow_symlinks=False):
            if not any(_inside(path, entry.path) for path in skipped):
                # A folder holding the cache (`.mlreport`) is made by the first build: its appearing is no change.
                yield [entry.path, "d", stat.st_ino], stat
            yield from _walk(entry.path, skipped, target, links_read)
        else:
            yield [entry.path, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino], stat


def _stat_of(path: Path) -> list[int]:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return []
    except OSError:
        raise _NotByStat(str(path)) from None
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def distributions() -> list[tuple[str, str]]:
    """The engine, the theme and every installed plugin or theme, with their versions."""
    found = {("mkdocs", version("mkdocs")), ("mlreport", version("mlreport"))}
    for group in ("mkdocs.plugins", "mkdocs.themes"):
        for entry in entry_points(group=group):
            if entry.dist is not None:
                found.add((entry.dist.name, entry.dist.version))
    return sorted(found)
