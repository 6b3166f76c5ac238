"""Joining file lineages to records: changes, decision status histories, working-tree state, the feed.

A record in the directory form (`<id>/experiment.yaml`, `<id>/README.md`) owns its folder: a
commit that only edits its `notes.md` or a curve file is a change to the record too.

The feed holds every change of every current record and the changes of records since deleted
(their last title read from git, `FeedItem.path` empty); other files in the record folders
(READMEs, templates, files that never loaded as records) stay out of it.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field, replace
from operator import itemgetter
from pathlib import Path
from typing import Callable, Iterable

from mlreport.config import Options
from mlreport.history.blobs import Blobs
from mlreport.git import Repo
from mlreport.history.gitlog import LogCommit
from mlreport.history.lineage import Lineage, LineageStep, head_lineages
from mlreport.history.types import Change, FeedItem, History, Provenance, StatusChange
from mlreport.records.kinds import BY_NAME, kind_of

_BATCHED = ("added", "renamed")
"""The actions a bulk import or a folder move makes."""

RecordRow = tuple[str, str, str, str]
"""(kind, record id, title, path relative to the site root) of one current record."""


@dataclass
class Worktree:
    """What `git status` says about the record folders (git paths)."""

    new: set[str] = field(default_factory=set)
    modified: set[str] = field(default_factory=set)
    renamed_from: dict[str, str] = field(default_factory=dict)
    """Staged renames, new path → committed path."""

    @classmethod
    def parse(cls, porcelain: bytes) -> Worktree:
        """Read `git status --porcelain -z` output."""
        worktree = cls()
        tokens = iter(porcelain.split(b"\0"))
        for item in tokens:
            if len(item) < 4:
                continue
            index = item[:1]
            old = next(tokens, b"") if index in b"RC" else b""
            worktree._add(index, item[1:2], item[3:], old)
        return worktree

    @classmethod
    def parse_v2(cls, porcelain: bytes) -> tuple[str, Worktree]:
        """Read `git status --porcelain=v2 --branch -z` output: the HEAD commit ("" before the first) and the
        states, as `parse` reads them from the first format."""
        worktree, head = cls(), ""
        tokens = iter(porcelain.split(b"\0"))
        # Fields before the path, by entry type: ordinary, renamed or copied, unmerged, untracked.
        fields = {b"1": 8, b"2": 9, b"u": 10, b"?": 1}
        for item in tokens:
            if item.startswith(b"# branch.oid "):
                oid = item[len(b"# branch.oid "):].decode("ascii", "replace")
                head = "" if oid == "(initial)" else oid
                continue
            count = fields.get(item[:1])
            if count is None:
                continue  # headers, ignored files
            parts = item.split(b" ", count)
            if len(parts) <= count:
                continue
            states = b"??" if count == 1 else parts[1].replace(b".", b" ")
            old = next(tokens, b"") if count == 9 else b""
            worktree._add(states[:1], states[1:2], parts[count], old)
        return head, worktree

    def _add(self, index: bytes, tree: bytes, path: bytes, old: bytes) -> None:
        """One file's states (`git status` letters) into the sets."""
        shown = path.decode("utf-8", "surrogateescape")
        if index == b"R":
            self.renamed_from[shown] = old.decode("utf-8", "surrogateescape")
        if index in b"?AC":
            self.new.add(shown)
        elif b"D" not in (index, tree):  # a deleted file is no current record
            self.modified.add(shown)

    def state(self, path: str) -> str:
        """"new", "modified" or ""."""
        return "new" if path in self.new else "modified" if path in self.modified else ""


def join(options: Options, repo: Repo, rows: dict[str, RecordRow], commits: list[LogCommit],
         lineages: list[Lineage], blobs: Blobs, worktree: Worktree) -> History:
    """Every record's provenance and the feed, from the lineages of one log pass."""
    owners = _owned_folders(options, repo, rows)
    steps, deleted = _match(options, repo, rows, lineages, owners, worktree)
    _want_blobs(repo, rows, steps, deleted, blobs)
    batches = _batch_sizes([*steps.values(), *(lineage.steps for lineage, _, _ in deleted)])

    # A submodule's pull-request numbers count in its own repository, not the site's.
    own_numbers = not repo.mount
    # Git paths are root paths unless the site root sits lower in the repository or in a submodule: the
    # common case skips a call for each of the tens of thousands of changes.
    same_paths = not (repo.prefix or repo.mount)

    def change(step: LineageStep) -> Change:
        commit = commits[step.index]
        return Change(commit.sha, commit.date, commit.author, commit.email, commit.subject, step.action,
                      step.path if same_paths else repo.root_path(step.path), commit.pr if own_numbers else None,
                      commit.landed, batches.get(step.index, 1) if step.action in _BATCHED else 1)

    edited_folders = {_owner(path, owners) for path in worktree.new | worktree.modified} if owners else set()
    history = History(available=True, shallow=repo.shallow, repo_url=options.repo_url, head=repo.head)
    # The feed by commit (newest first), each commit's items by path: one list per commit, not a sort of them all.
    by_commit: list[list[tuple[str, FeedItem]]] = [[] for _ in commits]
    for path, (kind, record_id, title, _) in rows.items():
        record_steps = steps[path]
        changes = tuple(map(change, record_steps))
        history.records[path] = Provenance(
            changes=changes, partial=repo.shallow,
            uncommitted=_uncommitted(repo, worktree, path, bool(changes), path in edited_folders),
            status_history=_status_history(record_steps, changes, blobs) if kind == "decision" else ())
        for step, item in zip(record_steps, changes):
            by_commit[step.index].append((path, FeedItem(item, kind, record_id, title, path)))
    for lineage, kind, record_id in deleted:
        info = blobs.known.get(lineage.steps[0].blob)
        title = (info.title if info else "") or record_id
        for step in lineage.steps:
            by_commit[step.index].append((repo.root_path(lineage.path), FeedItem(change(step), kind, record_id, title)))
    for items in by_commit:
        if len(items) > 1:
            items.sort(key=itemgetter(0))
    history.feed = tuple(item for items in by_commit for _, item in items)
    return history


def rejoined(options: Options, repo: Repo, history: History, rows: dict[str, RecordRow],
             worktree: Worktree) -> History:
    """`history` with these records' working-tree states and feed titles as `join` gives them now, when no commit
    was made since: their `git status` (`worktree`, asked for their files and folders) and titles may have changed."""
    owners = _owned_folders(options, repo, rows)
    edited_folders = {_owner(path, owners) for path in worktree.new | worktree.modified} if owners else set()
    records = dict(history.records)
    for path in rows:
        provenance = records.get(path, Provenance())
        records[path] = replace(provenance, uncommitted=_uncommitted(
            repo, worktree, path, bool(provenance.changes), path in edited_folders))
    feed = tuple(replace(item, title=rows[item.path][2]) if item.path in rows else item for item in history.feed)
    return replace(history, records=records, feed=feed)


def _batch_sizes(lives: Iterable[list[LineageStep]]) -> dict[int, int]:
    """Commit index → how many records it added or moved, so a commit importing a whole folder is told apart."""
    return Counter(step.index for steps in lives for step in steps if step.action in _BATCHED)


def _match(options: Options, repo: Repo, rows: dict[str, RecordRow], lineages: list[Lineage],
           owners: dict[str, str], worktree: Worktree) -> tuple[dict[str, list[LineageStep]], list[tuple[Lineage, str, str]]]:
    """Each record's steps (with those of files in its folder), and the lineages of deleted records."""
    heads = head_lineages(lineages)
    steps: dict[str, list[LineageStep]] = {}
    used: set[int] = set()
    for path in rows:
        git_path = repo.git_path(path)
        lineage = heads.get(worktree.renamed_from.get(git_path, git_path))
        steps[path] = lineage.steps if lineage else []
        if lineage:
            used.add(id(lineage))
    attached: dict[str, list[LineageStep]] = {}
    deleted: list[tuple[Lineage, str, str]] = []
    known_paths = {lineage.path for lineage in lineages}
    for lineage in lineages:
        if id(lineage) in used:
            continue
        owner = _owner(lineage.path, owners)
        if owner:
            attached.setdefault(owner, []).extend(lineage.steps)
        elif lineage.deleted:
            identity = deleted_record(options, repo.root_path(lineage.path),
                                      lambda path: repo.git_path(path) in known_paths)
            if identity:
                deleted.append((lineage, *identity))
    for owner, extra in attached.items():
        steps[owner] = _with_attachments(steps[owner], extra)
    return steps, deleted


def deleted_record(options: Options, path: str, existed: Callable[[str], bool]) -> tuple[str, str] | None:
    """(kind, id) of a file that no longer exists, by the records layer's file rules applied to its path and
    the files git knew (`existed`, root-relative); None when it was no record (a folder README, an
    attachment in a directory-form record's folder)."""
    found = kind_of(options.root / path, options, lambda file: existed(file.relative_to(options.root).as_posix()))
    return (found[0].name, found[1]) if found else None


def _with_attachments(main: list[LineageStep], attached: list[LineageStep]) -> list[LineageStep]:
    """Newest first, the record's own steps and, as modifications named by the record's path then, the
    commits that touched only other files in its folder since it was created."""
    indices = [step.index for step in main]
    extra: dict[int, LineageStep] = {}
    for step in attached:
        position = bisect.bisect_left(indices, step.index)
        if position < len(main) and main[position].index != step.index:
            extra.setdefault(step.index, LineageStep(step.index, "modified", main[position].path, step.blob))
    return sorted(main + list(extra.values()), key=lambda step: step.index)


def _status_history(steps: list[LineageStep], changes: tuple[Change, ...], blobs: Blobs) -> tuple[StatusChange, ...]:
    """Oldest first: the status after each commit that changed it (or what supersedes the decision)."""
    timeline: list[StatusChange] = []
    last: tuple[str, tuple[str, ...]] | None = None
    for step, change in zip(reversed(steps), reversed(changes)):
        info = blobs.known.get(step.blob) if step.action != "deleted" else None
        if info is None or not info.status or (info.status, info.superseded_by) == last:
            continue
        last = (info.status, info.superseded_by)
        timeline.append(StatusChange(info.status, change, info.superseded_by))
    return tuple(timeline)


def _want_blobs(repo: Repo, rows: dict[str, RecordRow], steps: dict[str, list[LineageStep]],
                deleted: list[tuple[Lineage, str, str]], blobs: Blobs) -> None:
    """Ask for every decision version and every deleted record's last content, then read them in one go."""
    for path, (kind, *_) in rows.items():
        if kind == "decision":
            for step in steps[path]:
                if step.action != "deleted":
                    blobs.want(step.blob, kind, repo.root_path(step.path))
    for lineage, kind, _ in deleted:
        blobs.want(lineage.steps[0].blob, kind, repo.root_path(lineage.path))
    blobs.flush()


def _owned_folders(options: Options, repo: Repo, rows: dict[str, RecordRow]) -> dict[str, str]:
    """Git folder → record path, for records in the directory form."""
    # `RecordKind.owns_folder` with strings: each kind's folder is made relative to the root once, not one path
    # object built per record (for ten thousand records, a fifth of the join).
    folders: dict[str, str | None] = {}
    owned: dict[str, str] = {}
    for path, (kind, *_) in rows.items():
        parent, _, name = path.rpartition("/")
        if name not in BY_NAME[kind].markers:  # the file's name rules most records out
            continue
        if kind not in folders:
            folders[kind] = _relative_folder(BY_NAME[kind].folder(options), options.root)
        folder = folders[kind]
        if parent != folder if folder is not None else BY_NAME[kind].owns_folder(options.root / path, options):
            owned[repo.git_path(parent)] = path
    return owned


def _relative_folder(folder: Path, root: Path) -> str | None:
    """A record folder as the start of record paths ("" for the root itself); None when it lies outside the root."""
    try:
        relative = folder.relative_to(root).as_posix()
    except ValueError:
        return None
    return "" if relative == "." else relative


def _owner(git_path: str, owners: dict[str, str]) -> str:
    folder = git_path.rpartition("/")[0]
    while owners and folder:
        if folder in owners:
            return owners[folder]
        folder = folder.rpartition("/")[0]
    return ""


def _uncommitted(repo: Repo, worktree: Worktree, path: str, committed: bool, folder_edited: bool) -> str:
    state = worktree.state(repo.git_path(path))
    if state or not committed and not repo.shallow:
        # No commit at all in a full history means new, even when git status hides the file (ignored).
        return state or "new"
    return "modified" if folder_edited else ""
