"""Fixtures shared by every test: fixture repos with real git commits, and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from repos import GitRepo, new_repo

from mlreport.cli import main


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
