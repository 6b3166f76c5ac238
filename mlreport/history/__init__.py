"""Git-native provenance: one pass over `git log` gives every record its history."""

from __future__ import annotations

from mlreport.history.types import Change, FeedItem, History, Provenance, StatusChange, pull_request_number
from mlreport.history.reader import GitRead, read_git, read_history

__all__ = ["Change", "FeedItem", "GitRead", "History", "Provenance", "StatusChange", "pull_request_number", "read_git",
           "read_history"]
