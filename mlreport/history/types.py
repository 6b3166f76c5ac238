"""What git tells about records: who created and changed each one, when, in which pull request.

These types are what pages and reports read; `mlreport.history.read_history` fills them from
one pass over `git log`.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

Action = Literal["added", "modified", "renamed", "deleted"]
_MERGE_PR = re.compile(r"^Merge pull request #(\d+)\b")
_SQUASH_PR = re.compile(r"\(#(\d+)\)\s*$")
_GITLAB_MR = re.compile(r"See merge request [^!\s]*!(\d+)")
IMPORT_SIZE = 5
"""A commit that adds or moves at least this many records at once imports them: it dates the import (a log
brought into the repository, a folder moved), not what the records say happened."""


# Change and FeedItem are not frozen, only never assigned to (and hashed by value as frozen ones are): the
# history builds one of each per change of every record, and a frozen dataclass's __init__ sets each field
# through `object.__setattr__`, which made building them some eight times slower, a third of the join.
@dataclass(unsafe_hash=True)
class Change:
    """One commit that touched a record."""

    commit: str
    """Full commit hash."""
    date: str
    """Author date, ISO 8601 with offset (`2026-10-02T14:03:11+02:00`)."""
    author: str
    email: str
    subject: str
    action: Action
    path: str
    """The record's path at that commit (before a later rename), relative to the site root."""
    pr: int | None = None
    landed: str = ""
    """When the change reached the main line (ISO 8601): the merge's commit date for a change made on a
    merged branch, the commit's own commit date otherwise. The feed is ordered by it."""
    batch: int = 1
    """How many records the commit added or moved at once (this one among them when it did)."""

    @property
    def day(self) -> str:
        """The date part, `YYYY-MM-DD`."""
        return self.date[:10]

    @property
    def imported(self) -> bool:
        """The commit brought many records in at once (see `IMPORT_SIZE`): it says when they were recorded,
        never when a status changed."""
        return self.batch >= IMPORT_SIZE

    @property
    def short(self) -> str:
        """The abbreviated commit hash shown on pages."""
        return self.commit[:8]


@dataclass(frozen=True)
class StatusChange:
    """A decision's status after a commit that changed it."""

    status: str
    change: Change
    superseded_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Provenance:
    """A record's life in git."""

    changes: tuple[Change, ...] = ()
    """Every commit that touched it, newest first, following renames."""
    uncommitted: Literal["", "new", "modified"] = ""
    """Working-tree state: not yet committed at all, or committed with local edits."""
    status_history: tuple[StatusChange, ...] = ()
    """Decisions only: oldest first, one entry per commit that changed the status."""
    partial: bool = False
    """The clone is shallow: older commits are missing, so the creation is unknown (pages use the record's date)."""

    @property
    def created(self) -> Change | None:
        """The commit that added the record (its first commit, following renames); None when unknown."""
        return self.changes[-1] if self.changes and not self.partial else None

    @property
    def last_changed(self) -> Change | None:
        """The newest commit that touched the record."""
        return self.changes[0] if self.changes else None


@dataclass(unsafe_hash=True)
class FeedItem:
    """One line of the site-wide "what changed" feed (newest landing first)."""

    change: Change
    kind: str
    """experiment, decision or model."""
    record_id: str
    title: str
    path: str = ""
    """The record's current path (as `Record.path`); empty when the record has since been deleted."""


@dataclass
class History:
    """Provenance of every record, and the site-wide feed, from one pass over git."""

    available: bool = False
    """False outside git, in an empty repo, or when history is turned off."""
    shallow: bool = False
    warning: str = ""
    """One clear sentence (with the fix) when provenance is missing or partial."""
    records: dict[str, Provenance] = field(default_factory=dict)
    """Keyed by record path, relative to the site root, as `Record.path`."""
    feed: tuple[FeedItem, ...] = ()
    """Newest landing first: every change of every current record, and of records since deleted."""
    repo_url: str = ""
    head: str = ""
    unlinked: frozenset[str] = frozenset()
    """Commits of submodules' own repositories, which `repo_url` does not know."""

    def provenance(self, path: str) -> Provenance:
        """A record's provenance; empty (not committed) when git knows nothing of it."""
        return self.records.get(path, Provenance())

    def commit_url(self, commit: str) -> str:
        """A link to a commit on GitHub or GitLab, when `repo_url` is known."""
        base = self.repo_url.rstrip("/")
        if not base or commit in self.unlinked:
            return ""
        return f"{base}/-/commit/{commit}" if _is_gitlab(base) else f"{base}/commit/{commit}"

    def pr_url(self, number: int | None) -> str:
        """A link to a pull request (GitHub) or merge request (GitLab)."""
        base = self.repo_url.rstrip("/")
        if not base or number is None:
            return ""
        return f"{base}/-/merge_requests/{number}" if _is_gitlab(base) else f"{base}/pull/{number}"


def joined(own: History, submodule: History) -> History:
    """The site's history with that of a submodule's records: provenance side by side, the feeds interleaved
    by landing (newest first, each in its own order), the first warning kept."""
    def landing(item: FeedItem) -> float:
        return -datetime.fromisoformat(item.change.landed or item.change.date).timestamp()

    return replace(own, records={**own.records, **submodule.records},
                   feed=tuple(heapq.merge(own.feed, submodule.feed, key=landing)),
                   warning=own.warning or submodule.warning, shallow=own.shallow or submodule.shallow,
                   unlinked=own.unlinked | submodule.unlinked | {item.change.commit for item in submodule.feed})


def pull_request_number(message: str) -> int | None:
    """The PR a commit came from: "Merge pull request #12 …", "Title (#12)", or GitLab's "See merge request …!12"."""
    subject = message.split("\n", 1)[0]
    for pattern, text in ((_MERGE_PR, subject), (_SQUASH_PR, subject), (_GITLAB_MR, message)):
        match = pattern.search(text)
        if match:
            return int(match.group(1))
    return None


def _is_gitlab(url: str) -> bool:
    return "gitlab" in url.split("/")[2] if "://" in url else "gitlab" in url
