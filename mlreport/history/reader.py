"""`read_history`: every record's provenance from one pass over `git log`, cached by commit.

The steps: find the repository (one `git rev-parse`); take the cached log when its head is
still on HEAD's first-parent line and read only the commits since (else one full `git log`
over the record folders); follow renames; read the blobs decisions' statuses need through one
`git cat-file --batch`; ask `git status` once for uncommitted records; join it all per record.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Iterable, TypeVar

from mlreport.collector import collector_paused
from mlreport.config import Options
from mlreport.history import cache, moves
from mlreport.history.blobs import Blobs
from mlreport.git import GitError, Process, Repo, probe, run as git_run
from mlreport.history.gitlog import DiffFeed, LogCommit, canonical_order, list_main_line, read_main_line, stream_log
from mlreport.history.lineage import Lineage, follow
from mlreport.history.types import History, Provenance, joined
from mlreport.history.provenance import RecordRow, Worktree, join, rejoined
from mlreport.records.decision import is_decision_file
from mlreport.records.kinds import BY_NAME, DECISION, KINDS

log = logging.getLogger("mlreport.history")

Row = TypeVar("Row")

_MOVE_ROUNDS = 4
"""How many links of a chain of moves from outside (`doc/` → `docs/adr/` → `decisions/`) are followed."""

WARN_NOT_GIT = ("{root} is not in a git repository ({reason}): pages show no creation dates or change histories "
                "and use the records' own dates; run `git init` and commit the records to get them")
WARN_EMPTY = ("the git repository has no commits yet: records show as not yet committed, with their own dates; "
              "commit them to get creation dates and change histories")
WARN_SHALLOW = ("the git history is shallow (a shallow clone), so records' creation dates and older changes are "
                "missing and pages use the records' own dates: fetch the full history with `fetch-depth: 0` "
                "(GitHub Actions' actions/checkout), `GIT_DEPTH: 0` (GitLab CI) or `git fetch --unshallow`")
WARN_FAILED = "git history could not be read ({reason}): pages use the records' own dates"


def read_history(options: Options, records: Iterable[RecordRow]) -> History:
    """Provenance of every record and the site-wide feed, from one pass over git; never raises on git trouble.

    `records` yields `(kind, id, title, path)` for every current record, the path relative to
    `options.root` exactly as `Record.path`. The result has an entry for each of them (none when
    git is unavailable), `warning` set to one sentence with the fix when provenance is missing
    (not a repository, no commits) or partial (a shallow clone: then no record has a creation,
    so pages fall back to the records' own dates). The parsed log is cached in
    `options.cache_dir` by commit: a rebuild reads only the commits since the cached head.
    """
    rows = list(records)
    return read_git(options, [row[3] for row in rows]).history(rows)


def read_git(options: Options, paths: Iterable[str]) -> GitRead:
    """What git says of the record folders, read before the records themselves are known (while they load):
    `paths` are those of the record files, as `read_history` is given them, and tell which repositories (the site
    root's, submodules inside it) hold records. `GitRead.history` joins it to the records; never raises on git
    trouble. No git process is left running."""
    read = GitRead(options, History(repo_url=options.repo_url))
    if not options.history:
        return read
    try:
        read.repo = probe(options.root)
    except GitError as exc:
        read.given.warning = WARN_NOT_GIT.format(root=options.root, reason=exc)
        return read
    if not read.repo.head:
        read.given.warning = WARN_EMPTY
        return read
    with collector_paused():
        read.logs[""] = _log_or_trouble(options, read.repo)
        for mount in _by_repository(options.root, dict.fromkeys(paths)):
            if mount:
                read.logs[mount] = _submodule_log(options, mount)
    return read


@dataclass
class GitRead:
    """The log of each repository holding records, read and parsed (`read_git`), waiting for the records."""

    options: Options
    given: History
    """The history when git gives none (not enabled, not a repository, no commits), with its warning."""
    repo: Repo | None = None
    logs: dict[str, _Log | History | GitError] = field(default_factory=dict)
    """By repository ("" for the site root's own, else a submodule's top): its log; for a submodule without one,
    the history that leaves (no commits, or a warning); the site root's own trouble."""

    def history(self, records: Iterable[RecordRow]) -> History:
        """Each record's provenance and the feed, as `read_history` gives them."""
        rows = {row[3]: row for row in sorted(records, key=lambda row: row[3])}
        if self.repo is None:
            return replace(self.given)
        if not self.repo.head:
            return replace(self.given, records={path: Provenance(uncommitted="new") for path in rows})
        by_repository = _by_repository(self.options.root, rows)
        try:
            with collector_paused():
                history = self._joined("", by_repository.pop("", {}))
                for mount, inside in by_repository.items():
                    history = joined(history, self._joined(mount, inside))
                return history
        except GitError as exc:
            return replace(self.given, warning=WARN_FAILED.format(reason=exc))

    def _joined(self, mount: str, rows: dict[str, RecordRow]) -> History:
        """The history of the records in one repository. Raises GitError for trouble in the site root's own."""
        found = self.logs.get(mount)
        if found is None:  # a repository no listed path was in
            found = self.logs[mount] = _submodule_log(self.options, mount)
        if isinstance(found, GitError):
            raise found
        if isinstance(found, History):
            if found.warning:
                return found
            return History(records={path: Provenance(uncommitted="new") for path in rows})
        try:
            return _joined_log(self.options, found, rows)
        except GitError as exc:
            if not mount:
                raise
            return History(warning=WARN_FAILED.format(reason=f"{mount.rstrip('/')}: {exc}"))


def refresh_worktree(options: Options, history: History, records: Iterable[RecordRow],
                     repo: Repo | None = None) -> History:
    """The history as `read_history` would give it after these records were edited, with no commit since: their
    working-tree states asked of `git status` again, their titles in the feed (`mlreport serve`, on a save).
    Given the repository as `probe` found it before, that is one git call: the status also names HEAD.

    Raises GitError when git cannot tell, and ValueError when a commit was made since the history was read or for
    a record in a submodule (read it all again).
    """
    rows = {row[3]: row for row in records}
    if not history.available or not rows:
        return history
    repo = repo or probe(options.root)
    if set(_by_repository(options.root, rows)) != {""}:
        raise ValueError("a record in a submodule")
    # The record's own file and, for a record in the directory form, its folder: `join` reads both.
    paths = {repo.git_path(path) for path in rows}
    paths |= {repo.git_path(path.rpartition("/")[0]) for path, (kind, *_) in rows.items()
              if BY_NAME[kind].owns_folder(options.root / path, options)}
    _, porcelain = git_run(repo.toplevel, "status", "--porcelain=v2", "--branch", "-z", "--untracked-files=all", "--",
                           *sorted(paths))
    head, worktree = Worktree.parse_v2(porcelain)
    if head != history.head:
        raise ValueError("a commit was made since the history was read")
    return rejoined(options, repo, history, rows, worktree)


def _submodule_log(options: Options, mount: str) -> _Log | History:
    """The log of a submodule (or any repository of its own inside the site root); a history with no records when
    it has no commits, and with a warning when it is in trouble (its records then go without provenance)."""
    try:
        repo = replace(probe(options.root / mount), mount=mount)
        if not repo.head:
            return History()
        return _log(options, repo)
    except GitError as exc:
        return History(warning=WARN_FAILED.format(reason=f"{mount.rstrip('/')}: {exc}"))


def _log_or_trouble(options: Options, repo: Repo) -> _Log | GitError:
    """The site root's repository's log, or the trouble reading it (which the whole history reports)."""
    try:
        return _log(options, repo)
    except GitError as exc:
        return exc


def _by_repository(root: Path, rows: dict[str, Row]) -> dict[str, dict[str, Row]]:
    """The records grouped by the repository holding them: "" for the site root's own, else the top of a
    submodule inside the root ("experiments/shared/"). Plain strings, one `stat` per folder: this runs
    before git is started, for every record."""
    mounts: dict[str, str] = {}

    def mount_of(folder: str) -> str:
        if not folder:
            return ""
        mount = mounts.get(folder)
        if mount is None:
            mount = mounts[folder] = f"{folder}/" if os.path.exists(os.path.join(root, folder, ".git")) \
                else mount_of(folder.rpartition("/")[0])
        return mount

    groups: dict[str, dict[str, Row]] = {"": {}}
    for path, row in rows.items():
        groups.setdefault(mount_of(path.rpartition("/")[0]), {})[path] = row
    return groups


@dataclass
class _Log:
    """One repository's log as the join needs it: commits, lineages, the blobs read, the working tree."""

    repo: Repo
    commits: list[LogCommit]
    fresh: int
    """How many of the commits were read from git (the others from the cache)."""
    lineages: list[Lineage]
    followed: list[str]
    blobs: Blobs
    worktree: Worktree
    key: str
    cache_file: Path


def _log(options: Options, repo: Repo) -> _Log:
    pathspecs = record_pathspecs(options, repo)
    status = Process(repo.toplevel, "status", "--porcelain", "-z", "--untracked-files=all", "--", *pathspecs,
                     spool=True)
    try:
        key = cache.cache_key(repo.toplevel, repo.prefix, pathspecs)
        cache_file = _cache_file(options, repo)
        cached = None if repo.shallow else cache.load(cache_file, key)
        blobs = Blobs(repo.toplevel, cached.blobs if cached else None)
        # A shallow clone's first commits add every file: no move can be told from them.
        renames = None if repo.shallow else moves.Renames(repo.toplevel)
        try:
            followed = cached.followed if cached else []
            commits, fresh = _commits(options, repo, pathspecs + followed, cached, blobs, renames)
            commits, lineages, followed = _follow_moves(options, repo, pathspecs, followed, (commits, fresh),
                                                        blobs, renames)
            worktree = Worktree.parse(status.finish())
            # Every blob asked for so far is read now: no git process waits for the records.
            blobs.flush()
        finally:
            blobs.close()
            if renames:
                renames.stop()
    except BaseException:
        status.stop()
        raise
    return _Log(repo, commits, fresh, lineages, followed, blobs, worktree, key, cache_file)


def _joined_log(options: Options, read: _Log, rows: dict[str, RecordRow]) -> History:
    repo, blobs = read.repo, read.blobs
    try:
        history = join(options, repo, rows, read.commits, read.lineages, blobs, read.worktree)
    finally:
        blobs.close()
    if not repo.shallow and (read.fresh or blobs.parsed):
        cache.save(read.cache_file, read.key, cache.Cached(repo.head, read.commits, blobs.known, read.followed))
    history.warning = WARN_SHALLOW if repo.shallow else ""
    return history


def _cache_file(options: Options, repo: Repo) -> Path:
    """One cache file per repository: the site root's own, and one for each submodule inside it."""
    name = cache.CACHE_FILE
    if repo.mount:
        digest = hashlib.sha256(repo.mount.encode("utf-8", "surrogateescape")).hexdigest()[:16]
        name = f"{Path(name).stem}-{digest}{Path(name).suffix}"
    return options.root / options.cache_dir / name


def record_pathspecs(options: Options, repo: Repo) -> list[str]:
    """The record folders (the parts of them in this repository) as git pathspecs, each once."""
    folders = (repo.git_folder(PurePosixPath(folder).as_posix())
               for folder in (getattr(options, kind.folder_option) for kind in KINDS))
    return sorted({folder.rstrip("/") or "." for folder in folders if folder is not None})


def _follow_moves(options: Options, repo: Repo, pathspecs: list[str], followed: list[str],
                  read: tuple[list[LogCommit], int], blobs: Blobs,
                  renames: moves.Renames | None) -> tuple[list[LogCommit], list[Lineage], list[str]]:
    """The commits (and how many were just read) with the files moved in from outside the followed paths
    followed back to their creation (see `moves`): their lineages, and the paths that took. Each round
    where moves are found costs one full pass more over the wider paths."""
    commits, fresh = read
    checked: set[moves.Arrival] = set()
    for _ in range(_MOVE_ROUNDS):
        lineages = follow(commits)
        if renames is None:
            return commits, lineages, followed
        wanted = moves.arrivals(commits, lineages, fresh) - checked
        checked |= wanted
        more = moves.pathspecs_to_follow(set(renames.sources(wanted).values()), pathspecs, followed)
        if more == followed:
            return commits, lineages, followed
        followed = more
        log.debug("history: also following %s, where records were moved in from", ", ".join(followed))
        commits, fresh = _commits(options, repo, pathspecs + followed, None, blobs, renames)
    if renames:
        renames.stop()  # the last round's diffs are not read: the chain is followed this far
    return commits, follow(commits), followed


def _commits(options: Options, repo: Repo, pathspecs: list[str], cached: cache.Cached | None,
             blobs: Blobs, renames: moves.Renames | None) -> tuple[list[LogCommit], int]:
    """All commits touching `pathspecs`, newest first, and how many of them (the first ones) git had to be read for."""
    if cached and cached.head == repo.head:
        log.debug("history: %d commits from the cache, nothing new", len(cached.commits))
        return cached.commits, 0
    main_line = None
    if cached:
        try:
            main_line = read_main_line(list_main_line(repo.toplevel, repo.head, cached.head), repo.head, cached.head)
        except GitError:  # the cached head is gone (history rewritten and pruned)
            main_line = None
    since = cached.head if cached and main_line is not None else ""
    # A full pass lists the main line while git log runs.
    listing = list_main_line(repo.toplevel, repo.head) if main_line is None else None
    try:
        new = _read_log(options, repo, since, pathspecs, blobs, renames)
        if listing:
            main_line = read_main_line(listing, repo.head)
    except BaseException:
        if listing:
            listing.stop()
        raise
    if since and cached:
        log.debug("history: %d new commits since %s, %d from the cache", len(new), since[:12], len(cached.commits))
        return canonical_order(new, main_line or []) + cached.commits, len(new)
    log.debug("history: %d commits read in a full pass", len(new))
    return canonical_order(new, main_line or []), len(new)


def _read_log(options: Options, repo: Repo, since: str, pathspecs: list[str], blobs: Blobs,
              renames: moves.Renames | None) -> dict[str, LogCommit]:
    """The commits of one streamed `git log`; decision versions are read, commits that add files diffed in
    full, merges diffed for their own edits and commits encoded for the cache while git is still walking,
    so the work overlaps."""
    # None when the decisions folder is not in this repository (a submodule holding only experiments).
    decisions = repo.git_folder(PurePosixPath(getattr(options, DECISION.folder_option)).as_posix())
    boundary = repo.boundary() if repo.shallow else frozenset()
    # git log shows no diff for a merge; what a merge changed against every parent (a conflict resolved,
    # an edit made while merging) comes from a combined diff of it.
    merges = DiffFeed(repo.toplevel, "--cc", "--", *pathspecs)
    if renames:
        renames.watch(pathspecs)
    new: dict[str, LogCommit] = {}

    def read(commit: LogCommit) -> None:
        for entry in commit.entries:
            # A past version is told a decision by its name; what it says comes from its blob.
            if decisions is not None and entry.status != "D" and entry.path.startswith(decisions) and (
                    is_decision_file(PurePosixPath(entry.path), options.decisions_exclude, options.decisions_include)):
                blobs.want(entry.blob, DECISION.name, repo.root_path(entry.path))
        if not repo.shallow:
            commit.encoded = cache.encode(commit)

    try:
        for commit in stream_log(repo.toplevel, repo.head, since, pathspecs):
            if commit.sha in boundary:
                commit.entries = []  # a shallow clone's cut: every file shows as added there
            new[commit.sha] = commit
            if len(commit.parents) > 1:
                merges.add(commit.sha)
                continue
            read(commit)
            if renames:
                renames.offer(commit)
        for merge in merges.read():
            new[merge.sha].entries = merge.entries
        for commit in new.values():
            if len(commit.parents) > 1:
                read(commit)
    finally:
        merges.stop()
    return new
