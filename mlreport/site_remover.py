"""The site's folders handled in a process of their own (site_folder.py): an old site set aside removed after the
build ends, and a new site's folders made while the build computes its pages.

Run as `python -I site_remover.py FOLDER [--keep-folders]` to remove an old site: the standard library only, so it
starts in milliseconds. It holds the folder's lock meanwhile, so that no other build takes it for a leftover. With
`--keep-folders` it removes every file and link but keeps the folders (and the set-aside folder's marker):
the next build takes them for its own site, as making a folder is the dearest thing a build asks of the
file system and a site has one per record page.

Run as `python -I site_remover.py --folders-of SITE INTO` to make in INTO every folder SITE holds, and no file: a
build with no old site's folders to take has them made this way while it reads its records.

Run as `python -I site_remover.py --link` to put the last site's files into the new one, reading from its
standard input NUL-separated pairs of paths, the old file and the new one: each a hard link (else a copy), its
folder made when missing. The build hands it the files it takes unchanged and goes on rendering; it waits for
it before the new site is swapped in (exit status 1 and `errno NUL path NUL reason` on standard output when a
file could not be put).

Run as `python -I site_remover.py --empty FOLDER` to remove every file and link under FOLDER but its marker,
keeping the folders: a build taking an old site's folders has them checked empty this way while it reads its
records, and writes nothing into them before this ends (exit status 1 when something could not be removed).
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


def make_folders_of(site: str, into: str) -> None:
    """Make in `into` every folder `site` holds, as deep (never following a link); one there already is left as it
    is. Stops when `into` goes (a failed build removes it)."""
    with os.scandir(site) as scan:
        folders = [entry.name for entry in scan if entry.is_dir(follow_symlinks=False)]
    for name in folders:
        made = os.path.join(into, name)
        try:
            os.mkdir(made)
        except FileExistsError:
            if not os.path.isdir(made) or os.path.islink(made):
                continue
        make_folders_of(os.path.join(site, name), made)


def put_linked(old: str, new: str) -> None:
    """Put the file `old` at `new`: a hard link, else a copy (another file system, one without hard links), never
    through a file already there; its folder is made when missing."""
    try:
        _link_or_copy(old, new)
    except FileNotFoundError:  # its folder is not made yet (or `old` is gone, which trying again says)
        os.makedirs(os.path.dirname(new), exist_ok=True)
        _link_or_copy(old, new)


def _link_or_copy(old: str, new: str) -> None:
    try:
        os.link(old, new)
    except FileNotFoundError:
        raise
    except OSError:
        with open(old, "rb") as source, open(new, "xb") as target:
            target.write(source.read())


def link_all(pairs: bytes) -> None:
    """Put each old file at its new place (`put_linked`): `pairs` is old NUL new NUL old NUL new…"""
    paths = os.fsdecode(pairs).split("\0")
    for old, new in zip(paths[0::2], paths[1::2]):
        put_linked(old, new)


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
    if sys.argv[1:2] == ["--folders-of"]:
        try:
            make_folders_of(sys.argv[2], sys.argv[3])
        except OSError:
            pass  # what is not made, the build makes itself
    elif sys.argv[1:2] == ["--link"]:
        try:
            link_all(sys.stdin.buffer.read())
        except OSError as exc:
            sys.stdout.write(f"{exc.errno or 0}\0{os.fsdecode(exc.filename or '')}\0{exc.strerror or exc}")
            sys.exit(1)
    elif sys.argv[1:2] == ["--empty"]:
        try:
            empty_of_files(sys.argv[2], keep=(MARKER,))
        except OSError:
            sys.exit(1)  # the build empties it itself, and says what it cannot remove
    else:
        main(sys.argv[1], sys.argv[2:] == ["--keep-folders"])
