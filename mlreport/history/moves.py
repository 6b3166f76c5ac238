"""Files that came into the followed paths by a move from elsewhere, found for all of them at once.

`git log -M -- <record folders>` sees only the files under those folders, so a file moved in
from elsewhere (`docs/adr/` → `decisions/`, a record folder renamed) looks added by the move.
The commits that add a file are diffed again over the whole tree, all in one `git diff-tree -M
--stdin` fed while the log runs; where a lineage begins with such an addition and that diff
shows a rename into the added path, the folder the file came from is followed too, and the log
pass runs again over both. A whole moved folder costs one more pathspec, not one per file, and
a chain of moves one round per link.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from mlreport.history.gitlog import DiffFeed, LogCommit
from mlreport.history.lineage import Lineage

Arrival = tuple[str, str]
"""(commit, git path) of a file's oldest version, added there."""


def arrivals(commits: list[LogCommit], lineages: list[Lineage], fresh: int) -> set[Arrival]:
    """Where each lineage begins with an addition in one of the first `fresh` commits (those just read from git)."""
    return {(commits[step.index].sha, step.path) for lineage in lineages
            for step in lineage.steps[-1:] if step.action == "added" and step.index < fresh}


class Renames:
    """Whole-tree renames of the commits that add files, from one `git diff-tree -M --stdin` fed while the log
    runs (so it works beside git log, not after it)."""

    def __init__(self, toplevel: Path):
        # Only the renames are printed (and only commits with one): the rest of each diff is not needed here.
        self._diffs = DiffFeed(toplevel, "-M", "--root", "--diff-filter=R")

    def offer(self, commit: LogCommit) -> None:
        """Have a commit of the log diffed in full when it adds a file."""
        if any(entry.status == "A" for entry in commit.entries):
            self._diffs.add(commit.sha)

    def sources(self, wanted: set[Arrival]) -> dict[Arrival, str]:
        """The path each arrival (of the commits offered) was moved from, where the whole-tree diff shows a rename."""
        return {(commit.sha, entry.path): entry.old_path for commit in self._diffs.read() for entry in commit.entries
                if entry.status == "R" and (commit.sha, entry.path) in wanted}

    def stop(self) -> None:
        """End the diff-tree process early (after an error elsewhere)."""
        self._diffs.stop()


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
