"""BASE's records, read straight from git objects: no checkout, the work tree is never touched."""

from __future__ import annotations

import os
import posixpath
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from mlreport import git
from mlreport.config import Options
from mlreport.diff.reuse import Tree, load_reused
from mlreport.records import Loaded, RecordCache, load_records
from mlreport.records.kinds import KINDS


_LINK_HOPS = 8

Blobs = dict[str, tuple[bool, bytes]]
"""Path → (is it a link, its content: for a link, the path it points at)."""


class DiffError(Exception):
    """BASE cannot be found or read; the message says why and what to do."""


@dataclass(frozen=True)
class Base:
    """The revision a report compares against."""

    label: str
    """What the user asked for, or how the default was chosen (`merge base with main`)."""
    commit: str
    """Full commit hash."""


def open_repo(root: Path) -> git.Repo:
    """The git repository holding `root`."""
    try:
        return git.probe(root)
    except git.GitError:
        raise DiffError(f"{root} is not inside a git repository; `mlreport diff` compares git revisions") from None


def resolve_base(repo: git.Repo, base: str | None) -> Base:
    """BASE as given (like `git diff BASE`), or the merge base of HEAD with the default branch."""
    if base:
        return Base(base, _commit(repo, base, hint="name a branch, tag or commit, e.g. `origin/main`"))
    branch = git.default_branch(repo.toplevel)
    if branch is None:
        raise DiffError("no default branch found (origin/HEAD, main or master); name BASE explicitly, "
                        "e.g. `mlreport diff origin/develop`")
    head = _commit(repo, "HEAD", hint="commit something first")
    merge_base = git.merge_base(repo.toplevel, head, branch)
    if merge_base is None:
        raise DiffError(f"HEAD and {branch} share no history; in a shallow clone fetch all of it "
                        "(`git fetch --unshallow`, or `fetch-depth: 0` in actions/checkout)")
    return Base(f"merge base with {branch}", merge_base)


def load_base(options: Options, repo: git.Repo, commit: str, work: RecordCache | None = None) -> Loaded:
    """BASE's records with the tree's options: through the caches (see `reuse`) when `work`, the work tree's
    record cache, is given and BASE's record folders hold plain files only; else loaded from a temporary copy of
    its record folders."""
    folders = {posixpath.normpath(repo.git_path(getattr(options, kind.folder_option))) for kind in KINDS}
    # A record folder outside the repository has no records at BASE.
    inside = sorted(folder for folder in folders if folder != ".." and not folder.startswith("../"))
    if work is not None and inside and all(_within_project(folder, repo.prefix) for folder in inside) \
            and not _submodules_on_the_way(repo.toplevel, commit, inside):
        tree = Tree.of(git.tree_entries(repo.toplevel, commit, inside), repo.prefix)
        if tree is not None:
            return load_reused(options, repo, tree, work)
    files: Blobs = {}
    _collect(repo.toplevel, commit, inside, "", files)
    _collect_link_targets(repo.toplevel, commit, files)
    with tempfile.TemporaryDirectory(prefix="mlreport-base-") as folder:
        copy = Path(folder).resolve()
        # The copy reads as a repository of its own, so the records' boundary is the whole copy, as it is the
        # whole repository in the work tree: a link at BASE that leads out of it is refused, never followed.
        (copy / ".git").mkdir()
        # Files first, links last: no file is then written through a link.
        for path, (is_link, data) in sorted(files.items(), key=lambda item: item[1][0]):
            _write(copy, path, is_link, data)
        return load_records(replace(options, root=copy / repo.prefix))


def _within_project(folder: str, prefix: str) -> bool:
    """Whether a record folder (from the repository's top) lies in the project's folder."""
    return not prefix or folder == prefix.rstrip("/") or folder.startswith(prefix)


def _collect_link_targets(top: Path, commit: str, into: Blobs) -> None:
    """What BASE's links point at elsewhere in the repository (`../../data/curves.csv`), so that they read at
    BASE as they do in the work tree; links to links are followed a few hops, like the system does."""
    asked: set[str] = set()
    for _ in range(_LINK_HOPS):
        wanted = {target for path, (is_link, data) in into.items() if is_link
                  for target in [_link_target(path, data)] if target and target not in into} - asked
        if not wanted:
            return
        asked |= wanted
        _collect(top, commit, sorted(wanted), "", into)


def _link_target(path: str, data: bytes) -> str | None:
    """Where a link points, from the repository's top; None when that is the top itself or no place inside."""
    target = posixpath.normpath(posixpath.join(posixpath.dirname(path), os.fsdecode(data)))
    outside = posixpath.isabs(target) or target == ".." or target.startswith("../")
    return None if outside or target == "." else target


def _write(copy: Path, path: str, is_link: bool, data: bytes) -> None:
    """One blob of BASE into the copy: a file, or a link pointing where the link in git points."""
    target = copy / path
    if not target.parent.resolve().is_relative_to(copy) or target.is_symlink() or target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if not is_link:
        target.write_bytes(data)
        return
    try:
        target.symlink_to(os.fsdecode(data))
    except (OSError, ValueError):
        pass  # a link the system cannot make (a NUL in it) reads as absent


def _collect(top: Path, commit: str, folders: list[str], mount: str, into: Blobs) -> None:
    """Every regular file and link under `folders` at `commit`, by path from the outermost repository (behind
    `mount` inside a submodule); a submodule's files are read at the commit the tree records for it, from the
    submodule's own repository."""
    entries: list[git.TreeEntry] = []
    for folder in folders:
        link = _submodule_on_the_way(top, commit, folder)
        if link is None:
            entries += git.tree_entries(top, commit, [folder])
        else:
            rest = posixpath.relpath(folder, link.path)
            _collect_submodule(top, link, rest, mount, into)
    files = [entry for entry in entries if entry.is_file or entry.is_link]
    if files:
        reader = git.BlobReader(top)
        try:
            for entry, data in zip(files, reader.read([entry.blob for entry in files])):
                if data is not None:
                    into[f"{mount}{entry.path}"] = (entry.is_link, data)
        finally:
            reader.close()
    for entry in entries:
        if entry.is_submodule:
            _collect_submodule(top, entry, ".", mount, into)


def _submodule_on_the_way(top: Path, commit: str, folder: str) -> git.TreeEntry | None:
    """The submodule a record folder lies in (or is), at `commit`; None when it is all one repository."""
    prefixes = _prefixes(folder)
    return next((entry for entry in git.tree_entries(top, commit, prefixes, recursive=False)
                 if entry.is_submodule and entry.path in prefixes), None)


def _submodules_on_the_way(top: Path, commit: str, folders: list[str]) -> bool:
    """Whether any of the record folders lies in (or is) a submodule at `commit`, asked of git at once."""
    prefixes = sorted({prefix for folder in folders for prefix in _prefixes(folder)})
    return any(entry.is_submodule and entry.path in prefixes
               for entry in git.tree_entries(top, commit, prefixes, recursive=False))


def _prefixes(folder: str) -> list[str]:
    """A folder and every folder above it, from the repository's top (none for the top itself)."""
    if folder == ".":
        return []
    parts = folder.split("/")
    return ["/".join(parts[:depth]) for depth in range(1, len(parts) + 1)]


def _collect_submodule(top: Path, link: git.TreeEntry, path: str, mount: str, into: Blobs) -> None:
    """The files under `path` of a submodule at the commit its link records."""
    folder = top / link.path
    if not (folder / ".git").exists():
        return  # not checked out: its records are in neither the work tree nor the report
    if git.commit_of(folder, link.blob) is None:
        raise DiffError(f"the submodule {mount}{link.path} lacks the commit {link.blob[:12]} that BASE "
                        f"records for it; fetch it (`git submodule update --init`, or "
                        f"`git -C {mount}{link.path} fetch`)")
    _collect(folder, link.blob, [path], f"{mount}{link.path}/", into)


def _commit(repo: git.Repo, revision: str, hint: str) -> str:
    commit = git.commit_of(repo.toplevel, revision)
    if commit is None:
        raise DiffError(f"unknown revision {revision!r} ({hint})")
    return commit
