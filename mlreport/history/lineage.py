"""Follow every file back through its renames, from the commits of one log pass.

Walking the commits newest first, each path is an alias of the file that holds it at HEAD: a
rename `old → new` moves the alias of `new` to `old`, so older changes at `old` land on the
same file. `--follow` can do this for one file only; this does it for all files in one walk.

A file deleted and later re-added at the same path keeps one history: the re-add does not
cut the alias, so the older changes (and the deletion between them) stay with the file.

History is a graph walked in one line, so a branch that edited `old` while the main line
renamed it to `new` shows its edit (newer in the walk) before the rename: the edit first makes
a lineage of its own at `old`, which the rename then folds into the renamed file's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from mlreport.history.gitlog import LogCommit
from mlreport.history.types import Action

ACTIONS: dict[str, Action] = {"A": "added", "C": "added", "M": "modified", "T": "modified",
                              "D": "deleted", "R": "renamed"}


@dataclass(slots=True)
class LineageStep:
    """One commit in a file's life."""

    index: int
    """Position of the commit in the canonical order (0 = newest)."""
    action: Action
    path: str
    """The file's git path at that commit."""
    blob: str


@dataclass(slots=True)
class Lineage:
    """One file's life, followed through renames."""

    path: str
    """Its git path at HEAD, or where it was when last deleted."""
    steps: list[LineageStep] = field(default_factory=list)
    """Newest first."""

    @property
    def deleted(self) -> bool:
        """The file no longer exists at HEAD."""
        return bool(self.steps) and self.steps[0].action == "deleted"


def follow(commits: Iterable[LogCommit]) -> list[Lineage]:
    """Every file's lineage, in the order their newest change appears (commits given newest first)."""
    alias: dict[str, Lineage] = {}
    lineages: list[Lineage] = []
    for index, commit in enumerate(commits):
        for entry in commit.entries:
            lineage = alias.get(entry.path)
            if lineage is None:
                lineage = alias[entry.path] = Lineage(entry.path)
                lineages.append(lineage)
            lineage.steps.append(LineageStep(index, ACTIONS.get(entry.status, "modified"), entry.path, entry.blob))
            if entry.status == "R":
                # Without `-B` a rename's source is gone after the commit and its target was absent
                # before, so the renames of one commit never share a path and can move one by one.
                del alias[entry.path]
                edited_aside = alias.get(entry.old_path)
                alias[entry.old_path] = lineage
                if edited_aside and edited_aside.steps[-1].action == "modified":
                    lineage.steps = sorted(lineage.steps + edited_aside.steps, key=lambda step: step.index)
                    edited_aside.steps = []
    return [lineage for lineage in lineages if lineage.steps]


def head_lineages(lineages: list[Lineage]) -> dict[str, Lineage]:
    """By HEAD path, the lineage a record at that path continues (the newest one to hold the path)."""
    found: dict[str, Lineage] = {}
    for lineage in lineages:
        found.setdefault(lineage.path, lineage)
    return found
