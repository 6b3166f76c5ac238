"""The repository's boundary: every file read because of a record must really lie inside the repository.

A record names files (itself, a directory record's `notes.md`, `history:` files and folders), and any of
them can be a symbolic link leading anywhere: `/proc/self/environ`, a runner's home, another checkout.
Followed, what lies there would reach messages, pages, the search index and the pull-request report
that CI posts. So every reader asks `escape` before it opens a file; a link that stays inside the
repository keeps working.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from mlreport.problems import excerpt, relative

# A link's target is a path, not content, but any text can be written into one.
_TARGET_LIMIT = 160

HINT = "keep the file in the repository (copy it in instead of linking to it), or remove the link"


@dataclass(frozen=True)
class Escape:
    """A path that leads out of the repository: the link it leads out through, and where that points."""

    link: Path
    points_to: str

    def message(self, root: Path) -> str:
        """What is refused, naming the link (as users see it from `root`) and where it points."""
        return (f"`{relative(self.link, root)}` leads outside the repository, to "
                f"{excerpt(self.points_to, _TARGET_LIMIT)}: nothing is read from it")


def repository_top(folder: Path) -> Path | None:
    """The top of the git repository (or submodule, or worktree) holding `folder`: the nearest folder with a
    `.git` in it; None outside git."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def escape(path: Path, root: Path) -> Escape | None:
    """How `path` leads out of the repository holding the project at `root`; None when it really lies inside.

    Outside git, the project folder itself is the boundary.
    """
    absolute = Path(os.path.abspath(root))
    top = Path(os.path.realpath(repository_top(absolute) or absolute))
    real = Path(os.path.realpath(path))
    if real.is_relative_to(top):
        return None
    return Escape(*_link_out(Path(os.path.abspath(path)), top))


class Resolver:
    """`escape` and `relative` for the many files of one load: the root, its repository's top and each folder are
    resolved once, and each file only checked for being a link itself."""

    def __init__(self, root: Path):
        self.root = root
        absolute = Path(os.path.abspath(root))
        self.top = Path(os.path.realpath(repository_top(absolute) or absolute))
        self.real_root = os.path.realpath(root)
        self.absolute_root = os.fspath(absolute)
        self.folders: dict[str, str] = {}

    def real(self, path: Path) -> str:
        """`os.path.realpath(path)`."""
        absolute = os.path.abspath(path)
        if os.path.islink(absolute):
            return os.path.realpath(absolute)
        where, name = os.path.split(absolute)
        folder = self.folders.get(where)
        if folder is None:
            folder = self.folders[where] = os.path.realpath(where)
        return os.path.join(folder, name) if name else folder

    def escape(self, path: Path) -> Escape | None:
        """`escape(path, root)`."""
        if Path(self.real(path)).is_relative_to(self.top):
            return None
        return Escape(*_link_out(Path(os.path.abspath(path)), self.top))

    def relative(self, path: Path) -> str:
        """`relative(path, root)` of `mlreport.problems`."""
        # Both sides are normalised absolute paths, so `Path.relative_to` is a prefix test on the text (which is
        # far quicker than building the paths for each of a load's files).
        for shown, base in ((self.real(path), self.real_root), (os.path.abspath(path), self.absolute_root)):
            if shown == base:
                return "."
            prefix = base if base.endswith(os.sep) else base + os.sep
            if shown.startswith(prefix):
                return shown[len(prefix):].replace(os.sep, "/")
        return path.as_posix()


def _link_out(path: Path, top: Path) -> tuple[Path, str]:
    """The first link on the way to `path` that steps from inside `top` to outside it, and what it holds."""
    for step in reversed([path, *path.parents]):
        if step.is_symlink() and Path(os.path.realpath(step.parent)).is_relative_to(top) \
                and not Path(os.path.realpath(step)).is_relative_to(top):
            return step, os.readlink(step)
    # No link takes it out: the path itself lies outside (a record folder set outside the repository).
    return path, os.path.realpath(path)
