"""Where the project is: the folder holding mkdocs.yml, found from the current folder the way git finds a
repository, and the git repository around it."""

from __future__ import annotations

from pathlib import Path

from mlreport.config import CONFIG_FILE, Options
from mlreport.records.boundary import repository_top
from mlreport.records.kinds import KINDS

RECORD_FOLDERS = tuple(getattr(Options(root=Path(".")), kind.folder_option) for kind in KINDS)
"""The record folders' default names: without mkdocs.yml, a folder holding one of them is a project."""


class NoProject(Exception):
    """No project around the folder a command ran in; the message says where it looked and how to fix it."""


def find_root(start: Path) -> Path:
    """The project holding `start`: the nearest folder with mkdocs.yml, going up no further than the git
    repository's top; without one, the nearest folder holding a record folder (a repo without mkdocs.yml
    builds with the default config)."""
    start = start.resolve()
    top = repository_top(start)
    chain = [start, *start.parents]
    if top is not None:
        chain = chain[:chain.index(top) + 1]
    for predicate in (_has_config, _has_record_folder):
        for folder in chain:
            if predicate(folder):
                return folder
    above = f"up to the repository's top {top}" if top is not None else "up to the file system's root"
    *others, last = (f"{name}/" for name in RECORD_FOLDERS)
    raise NoProject(f"no mlreport project here: no {CONFIG_FILE} in {start} or above it ({above}), and no "
                    f"{', '.join(others)} or {last} folder (run mlreport inside the project, point --root at it, "
                    "or start one here with `mlreport init`)")


def _has_config(folder: Path) -> bool:
    return (folder / CONFIG_FILE).is_file()


def _has_record_folder(folder: Path) -> bool:
    return any((folder / name).is_dir() for name in RECORD_FOLDERS)
