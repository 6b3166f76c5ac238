"""Files that came into the followed paths by a move from elsewhere, found for all of them at once.

`git log -M -- <record folders>` sees only the files under those folders, so a file moved in
from elsewhere (`docs/adr/` → `decisions/`, a record folder renamed) looks added by the move.
Where a lineage begins with an addition in a commit that also deletes a file outside the
followed paths (see `Renames`), that commit is diffed again over the whole tree; where the diff
shows a rename into the added path, the folder the file came from is followed too, and the log
pass runs again over both. A whole moved folder costs one more pathspec, not one per file, and
a chain of moves one round per link.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from mlreport.git import excluded
from mlreport.history.gitlog import DiffFeed, LogCommit
from mlreport.history.lineage import Lineage

Arrival = tuple[str, str]
"""(commit, git path) of a file's oldest version, added there."""


def arrivals(commits: list[LogCommit], lineages: list[Lineage], fresh: int) -> set[Arrival]:
    """Where each lineage begins with an addition in one of the first `fresh` commits (those just read from git)."""
    return {(commits[step.index].sha, step.path) for lineage in lineages
            for step in lineage.steps[-1:] if step.action == "added" and step.index < fresh}


class Renames:
    """Whole-tree renames into the files the log shows added, found in two steps so the costly one runs for few
    commits: while the log runs, one `git diff-tree --stdin` lists the commits that add files and also delete
    one outside the followed paths (a diff that leaves the followed folders out is cheap: their trees, most of
    the repository, are skipped); only a file deleted out there can have been moved in. Then one `git diff-tree
    -M --stdin` over the whole tree, for the lineages that begin in those commits, names where each came from."""

    def __init__(self, toplevel: Path):
        self.toplevel = toplevel
        self._deletions: DiffFeed | None = None

    def watch(self, pathspecs: list[str]) -> None:
        """The log about to run covers `pathspecs`: the commits offered next are checked for deletions outside them."""
        self.stop()
        # A log over the whole repository sees every rename itself.
        self._deletions = None if "." in pathspecs else DiffFeed(
            self.toplevel, "--root", "--no-renames", "--diff-filter=D", "--", *map(excluded, pathspecs), magic=True)

    def offer(self, commit: LogCommit) -> None:
        """Have a commit of the log checked when it adds a file."""
        if self._deletions is not None and any(entry.status == "A" for entry in commit.entries):
            self._deletions.add(commit.sha)

    def sources(self, wanted: set[Arrival]) -> dict[Arrival, str]:
        """The path each arrival (of the commits offered) was moved from, where the whole-tree diff shows a rename."""
        deleting = {commit.sha for commit in self._deletions.read()} if self._deletions else set()
        candidates = sorted({sha for sha, _ in wanted if sha in deleting})
        if not candidates:
            return {}
        # Only the renames are printed (and only commits with one): the rest of each diff is not needed here.
        renames = DiffFeed(self.toplevel, "-M", "--root", "--diff-filter=R")
        try:
            for sha in candidates:
                renames.add(sha)
            diffs = renames.read()
        finally:
            renames.stop()
        return {(commit.sha, entry.path): entry.old_path for commit in diffs for entry in commit.entries
                if entry.status == "R" and (commit.sha, entry.path) in wanted}

    def stop(self) -> None:
        """End the diff-tree process early (after an error elsewhere)."""
        if self._deletions is not None:
            self._deletions.stop()


def pathspecs_to_follow(old_paths: set[str], pathspecs: list[str], followed: list[str]) -> list[str]:
    """`followed` and the folders the old paths lie in (a file at the repository's top by itself), each once;
    paths the log already covers add nothing."""
    wanted = set(followed)
    for path in old_paths:
        if not any(_covers(spec, path) for spec in (*pathspecs, *wanted)):
            folder = PurePosixPath(path).parent.as_posix()
            wanted.add(path if folder == "." else folder)
    return sorted(wanted)


def _covers(pathspec: str, path: str) -> bool:
    return pathspec in (".", path) or path.startswith(pathspec + "/")
