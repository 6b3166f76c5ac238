"""BASE's records, read straight from git objects: no checkout, the work tree is never touched."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import git

from mlreport.config import Options
from mlreport.records import Loaded, load_records
from mlreport.records.kinds import KINDS

_REGULAR_FILES = (0o100644, 0o100755)
_DEFAULT_BRANCHES = ("main", "master")


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
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise DiffError(f"{root} is not inside a git repository; `mlreport diff` compares git revisions") from None


def resolve_base(repo: git.Repo, base: str | None) -> Base:
    """BASE as given (like `git diff BASE`), or the merge base of HEAD with the default branch."""
    if base:
        return Base(base, _commit(repo, base, hint="name a branch, tag or commit, e.g. `origin/main`"))
    branch = default_branch(repo)
    if branch is None:
        raise DiffError("no default branch found (origin/HEAD, main or master); name BASE explicitly, "
                        "e.g. `mlreport diff origin/develop`")
    head = _commit(repo, "HEAD", hint="commit something first")
    try:
        merge_base = repo.git.merge_base(head, branch)
    except git.GitCommandError:
        raise DiffError(f"HEAD and {branch} share no history; in a shallow clone fetch all of it "
                        "(`git fetch --unshallow`, or `fetch-depth: 0` in actions/checkout)") from None
    return Base(f"merge base with {branch}", merge_base.strip())


def default_branch(repo: git.Repo) -> str | None:
    """origin/HEAD when the clone knows it, else `main`, else `master` (locally or on origin)."""
    try:
        return repo.git.symbolic_ref("--quiet", "--short", "refs/remotes/origin/HEAD").strip()
    except git.GitCommandError:
        pass
    for name in _DEFAULT_BRANCHES:
        for candidate in (name, f"origin/{name}"):
            if _exists(repo, candidate):
                return candidate
    return None


def load_base(options: Options, repo: git.Repo, commit: str) -> Loaded:
    """BASE's records, loaded from a temporary copy of its record folders with the tree's options."""
    top = Path(repo.working_tree_dir or ".").resolve()
    root = options.root.resolve()
    if not root.is_relative_to(top):
        raise DiffError(f"{root} is outside the git work tree {top}")
    tree = repo.commit(commit).tree
    with tempfile.TemporaryDirectory(prefix="mlreport-base-") as folder:
        copy = Path(folder).resolve()
        for kind in KINDS:
            name = kind.folder(options).relative_to(options.root)
            _copy_folder(tree, _in_repo(root / name, top), copy)
        return load_records(replace(options, root=copy / root.relative_to(top)))


def _copy_folder(tree: git.Tree, path: str | None, into: Path) -> None:
    """Write every regular file under `path` at this tree into `into`, keeping repo-relative paths."""
    if path is None:
        return
    try:
        folder = tree / path if path != "." else tree
    except KeyError:
        return  # the folder does not exist at BASE: it has no records there
    if folder.type != "tree":
        return
    for item in folder.traverse():
        if item.type != "blob" or item.mode not in _REGULAR_FILES:
            continue  # symlinks and submodules are not records
        target = (into / item.path).resolve()
        if not target.is_relative_to(into):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(item.data_stream.read())


def _in_repo(folder: Path, top: Path) -> str | None:
    """A folder as a path inside the repository, or None when it lies outside it."""
    resolved = Path(os.path.normpath(folder))
    if not resolved.is_relative_to(top):
        return None
    return resolved.relative_to(top).as_posix()


def _commit(repo: git.Repo, revision: str, hint: str) -> str:
    try:
        return repo.git.rev_parse("--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}").strip()
    except git.GitCommandError:
        raise DiffError(f"unknown revision {revision!r} ({hint})") from None


def _exists(repo: git.Repo, revision: str) -> bool:
    try:
        _commit(repo, revision, "")
    except DiffError:
        return False
    return True
