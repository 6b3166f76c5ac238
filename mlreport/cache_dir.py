"""The cache folder mlreport keeps in the repo: made on first use, and ignored by git from the start."""

from __future__ import annotations

from pathlib import Path

_IGNORE_ALL = "# Made by mlreport: everything here is rebuilt from the records and git.\n*\n"


def make_cache_dir(folder: Path) -> None:
    """Create the cache folder with a `.gitignore` of `*` inside (as pytest and ruff do for theirs), so a
    `git add .` never commits a cache, whatever the repo's own ignore rules say."""
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text(_IGNORE_ALL, encoding="utf-8")
