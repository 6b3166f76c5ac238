"""Removing an old site set aside (site_folder.py), in a process of its own that goes on after the build ends.

Run as `python -I site_remover.py FOLDER [--keep-folders]`: the standard library only, so it starts in
milliseconds. It holds the folder's lock meanwhile, so that no other build takes it for a leftover. With
`--keep-folders` it removes every file and link but keeps the folders (and the set-aside folder's marker):
the next build takes them for its own site, as making a folder is the dearest thing a build asks of the
file system and a site has one per record page.
"""

from __future__ import annotations

import os
import shutil
import sys

try:
    import fcntl
except ImportError:  # Windows: no locks
    fcntl = None  # type: ignore[assignment]

MARKER = ".mlreport-site"


IGNORED = ".gitignore"
"""Beside the marker of an old site set aside: `*`, so that git never lists the folders kept in it as the team's work
(a site folder inside the repository has its old one beside it, between builds)."""


def empty_of_files(folder: str, keep: tuple[str, ...] = ()) -> None:
    """Remove every file and link under `folder` (never following a link), keeping the folders and the files `keep`
    of `folder` itself."""
    with os.scandir(folder) as scan:
        entries = list(scan)
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            empty_of_files(entry.path)
        elif entry.name not in keep:
            os.unlink(entry.path)


def main(folder: str, keep_folders: bool) -> None:
    if fcntl is not None:
        try:
            fcntl.flock(os.open(folder, os.O_RDONLY), fcntl.LOCK_EX)
        except OSError:
            pass
    if keep_folders:
        try:
            empty_of_files(folder, keep=(MARKER, IGNORED))
            return
        except OSError:
            pass  # what cannot be emptied is no use to the next build
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:] == ["--keep-folders"])
