"""BASE's records, read straight from git objects: no checkout, the work tree is never touched."""

from __future__ import annotations

import posixpath
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from mlreport import git
from mlreport.config import Options
from mlreport.records import Loaded, load_records
from mlreport.records.kinds import KINDS


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


def load_base(options: Options, repo: git.Repo, commit: str) -> Loaded:
    """BASE's records, loaded from a temporary copy of its record folders with the tree's options."""
    folders = {posixpath.normpath(repo.git_path(getattr(options, kind.folder_option))) for kind in KINDS}
    # A record folder outside the repository has no records at BASE.
    inside = sorted(folder for folder in folders if folder != ".." and not folder.startswith("../"))
    files = git.tree_files(repo.toplevel, commit, inside)
    reader = git.BlobReader(repo.toplevel)
    try:
        contents = reader.read([f.blob for f in files]) if files else []
    finally:
        reader.close()
    with tempfile.TemporaryDirectory(prefix="mlreport-base-") as folder:
        copy = Path(folder).resolve()
        for file, data in zip(files, contents):
            target = (copy / file.path).resolve()
            if data is None or not target.is_relative_to(copy):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return load_records(replace(options, root=copy / repo.prefix))


def _commit(repo: git.Repo, revision: str, hint: str) -> str:
    commit = git.commit_of(repo.toplevel, revision)
    if commit is None:
        raise DiffError(f"unknown revision {revision!r} ({hint})")
    return commit
