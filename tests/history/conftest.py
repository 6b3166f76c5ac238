"""Helpers for the history tests: records as `read_history` is given them, merges with a chosen author."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlreport.config import Options
from mlreport.history import History, read_history
from mlreport.records import load_records

ANA = "Ana Lima <ana@example.com>"
ZOE = "Zoë Ångström <zoe@example.com>"
LI = "李雷 <li@example.com>"


def rows(root: Path, **options: object) -> list[tuple[str, str, str, str]]:
    """(kind, id, title, path) of every record the loaders find, as the site passes them."""
    loaded = load_records(Options(root=root, **options))  # type: ignore[arg-type]
    return [(r.kind, r.id, r.title, r.path) for r in [*loaded.experiments, *loaded.decisions, *loaded.models]]


def history(root: Path, **options: object) -> History:
    """Read the history of the records under `root`."""
    return read_history(Options(root=root, **options), rows(root, **options))  # type: ignore[arg-type]


def identity(author: str, date: str) -> dict[str, str]:
    """Environment that makes git record `author` (as author and committer) on `date`."""
    name, email = author.rsplit(" <", 1)
    email = email.rstrip(">")
    return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email, "GIT_COMMITTER_DATE": date}


def experiment(title: str, note: str = "") -> str:
    """An experiment record's YAML."""
    return f"title: {title}\ndate: 2026-01-01\nnotes: {note or title}\n"


def decision(title: str, status: str, *, supersedes: str = "", body: str = "Context.") -> str:
    """A MADR 4 decision."""
    extra = f"supersedes: ['{supersedes}']\n" if supersedes else ""
    return (f"---\ntitle: {title}\nstatus: {status}\ndate: 2026-01-01\n{extra}---\n"
            f"## Context and Problem Statement\n\n{body}\n")


def model(name: str) -> str:
    """A model card."""
    return f"---\nname: {name}\nstatus: development\n---\n# {name}\n"


@pytest.fixture
def at():
    """`at(n)`: a distinct, increasing ISO date for the n-th commit of a test."""
    return lambda n: f"2026-02-{n:02d}T10:00:00+00:00"
