"""Git repositories built by tests, with real commits: the one place that makes them."""

from __future__ import annotations

import os
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path


@dataclass
class GitRepo:
    """A throwaway repository built by a test, with real commits."""

    path: Path

    def write(self, relative: str, text: str) -> Path:
        """Write a file (dedented), creating folders as needed."""
        target = self.path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return target

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        """Run git in the repo and return its output."""
        return subprocess.run(["git", *args], cwd=self.path, check=True, capture_output=True, text=True,
                              env={**os.environ, **(env or {})}).stdout

    def commit(self, message: str, *, author: str = "Ana Lima <ana@example.com>",
               date: str = "2026-01-05T10:00:00+00:00") -> str:
        """Stage everything and commit it as `author` on `date`; returns the commit hash."""
        name, email = author.rsplit(" <", 1)
        env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email.rstrip(">"), "GIT_AUTHOR_DATE": date,
               "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email.rstrip(">"), "GIT_COMMITTER_DATE": date}
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, env=env)
        return self.git("rev-parse", "HEAD").strip()


def new_repo(path: Path) -> GitRepo:
    """An empty git repository on branch main at `path` (made, with its parents)."""
    path.mkdir(parents=True, exist_ok=True)
    repo = GitRepo(path)
    repo.git("init", "-q", "-b", "main")
    repo.git("config", "user.name", "Test User")
    repo.git("config", "user.email", "test@example.com")
    repo.git("config", "commit.gpgsign", "false")
    return repo
