"""Fixtures shared by every test: fixture repos with real git commits, and the CLI."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from repos import GitRepo, new_repo

from mlreport import records
from mlreport.cli import main
from mlreport.records.kinds import EXPERIMENT


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """An empty git repository on branch main."""
    return new_repo(tmp_path / "repo")


@pytest.fixture
def cli():
    """Run the real `mlreport` CLI in-process: `cli("validate", "--root", path)`."""

    def run(*args: str | Path) -> Result:
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)

    return run


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The experiment files the loader is asked to read (from disk, not served by the record cache), in order."""
    seen: list[str] = []
    real = EXPERIMENT.load

    def counting(path: Path, reader):
        seen.append(path.relative_to(reader.root).as_posix())
        return real(path, reader)

    counted = dataclasses.replace(EXPERIMENT, load=counting)
    monkeypatch.setattr(records, "KINDS", tuple(counted if kind is EXPERIMENT else kind for kind in records.KINDS))
    return seen
