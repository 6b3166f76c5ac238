"""The site folder's life: what it may be, the marker that says mlreport built it, the build beside it and the
swap that replaces it.

A build replaces its site folder whole (`mlreport build` swaps a new one in; MkDocs empties it first), so
the folder must be new, empty, or one that mlreport or MkDocs built: never the project, its git folder,
the files a site is built from, or a folder of someone else's files. Every folder mlreport builds gets a
small marker file, so the next build knows it may replace it.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from mlreport import site_remover
from mlreport.config import CONFIG_FILE, Options
from mlreport.records.boundary import repository_top
from mlreport.records.kinds import KINDS

try:
    import fcntl
except ImportError:  # Windows: builds are not locked against each other there
    fcntl = None  # type: ignore[assignment]

MARKER = site_remover.MARKER
"""The file that marks a folder mlreport built (hidden: MkDocs neither publishes nor cleans it)."""
_MARKER_TEXT = "This folder was built by mlreport; the next build replaces it whole.\n"
_MKDOCS_BUILT = ("404.html", "sitemap.xml.gz")
"""What every MkDocs build of a themed site writes: a folder built before the marker existed has them."""
_SUFFIX = r"[a-z0-9_]{8}"  # what tempfile.mkdtemp adds to a prefix
_DENIED = (errno.EACCES, errno.EPERM)


class SiteFolderError(Exception):
    """The site folder is refused, or cannot be written; one line that says why and what to do."""

    def __init__(self, message: str, hint: str = "", location: str = ""):
        super().__init__(f"{message} ({hint})" if hint else message)
        self.message = message
        self.hint = hint
        self.location = location
        """`mkdocs.yml:line:col` when the folder was chosen there."""

    def line(self) -> str:
        """The message as the command line shows it: `[mkdocs.yml:4:11: ]error: …`."""
        return f"{self.location}: error: {self}" if self.location else f"error: {self}"


@dataclass(frozen=True)
class Sources:
    """What a site folder must never be or hold: the project, its git folder, and what a site is built from."""

    root: Path
    git: Path | None
    """The `.git` of the repository holding the project; None outside git."""
    guarded: tuple[tuple[Path, str], ...]
    """(path, what it is) of the config file, the docs, templates and record folders."""

    @classmethod
    def of(cls, options: Options, config_file: Path | None = None, docs_dir: Path | None = None) -> Sources:
        """The sources of a project, with MkDocs' own config file and docs folder when it has them."""
        root = _real(options.root)
        top = repository_top(root)
        guarded = [(config_file or root / CONFIG_FILE, CONFIG_FILE),
                   (docs_dir or root / options.docs_dir, "the docs folder"),
                   (root / options.templates_dir, "the templates folder")]
        guarded += [(kind.folder(options), f"the {kind.labels} folder") for kind in KINDS]
        return cls(root, top / ".git" if top else None, tuple((_real(path), what) for path, what in guarded))


@dataclass(frozen=True)
class Choice:
    """How the user chose the folder, for the hint: `--site-dir`, mkdocs.yml's `site_dir`, `--out`."""

    option: str
    example: str = "site"
    location: str = ""
    """`mkdocs.yml:line:col` of the setting, when it is set there."""

    def hint(self) -> str:
        """How to choose another folder."""
        if self.option.startswith("-"):
            return f"choose a folder of its own with {self.option}, such as {self.example}"
        return f"set {self.option} to a folder of its own, such as {self.example}"


def check_site_folder(target: Path, sources: Sources, choice: Choice, *, what: str = "the site",
                      written: bool = True) -> None:
    """Raise SiteFolderError when writing `what` to `target` could destroy what mlreport did not create.

    `written` is False where the folder is only named, not written (`serve` builds elsewhere): then a
    folder of foreign files is no reason to refuse, but the project's own folders still are.
    """
    target = _real(target)
    action = f"build {what} in" if what == "the site" else f"write {what} to"
    shown = _shown(target, sources.root)
    reason = _structural_reason(target, sources)
    if reason:
        consequence = ", and a build replaces its site folder whole" if what == "the site" else ""
        raise SiteFolderError(f"refusing to {action} {shown}: it {reason}{consequence}", choice.hint(),
                              choice.location)
    if written and target.is_dir() and not may_replace(target):
        raise SiteFolderError(
            f"refusing to {action} {shown}: it holds files that mlreport did not build, and has no {MARKER} file",
            "empty it or remove it yourself if nothing in it is needed, or choose another folder with "
            f"{choice.option}", choice.location)


def may_replace(folder: Path) -> bool:
    """Whether a folder is empty, or was built by mlreport (its marker) or by MkDocs (before the marker)."""
    try:
        with os.scandir(folder) as entries:
            empty = next(entries, None) is None
    except OSError:
        return False
    return empty or (folder / MARKER).is_file() or all((folder / name).is_file() for name in _MKDOCS_BUILT)


def mark(folder: Path) -> None:
    """Mark a folder as built by mlreport, so the next build may replace it."""
    (folder / MARKER).write_text(_MARKER_TEXT, encoding="utf-8")


def cannot_write(what: str, target: Path, error: OSError) -> SiteFolderError:
    """The one line for a folder that could not be written: `cannot write the site to …: permission denied`."""
    reason = "permission denied" if error.errno in _DENIED else (error.strerror or str(error)).lower()
    return SiteFolderError(f"cannot write {what} to {target}: {reason}")


@dataclass
class Staging:
    """The folder a build writes its site into (`staging_folder`), and what makes its folders meanwhile."""

    path: Path
    reuse_folders: bool = False
    folder_maker: subprocess.Popen[bytes] | None = None
    """The process making the last site's folders in `path` (`make_folders`), while the build computes its pages."""
    emptier: subprocess.Popen[bytes] | None = None
    """The process making sure the old site's folders taken for `path` hold no file (`empty_folders`): nothing may
    be written into them before it ends (`ready`)."""
    target: Path | None = None
    """The site folder the build replaces, as errors name it."""

    def ready(self) -> None:
        """Return once the folder may be written: the folders taken from an old site are empty of files. Raises
        SiteFolderError when one cannot be emptied."""
        if self.emptier is None:
            return
        emptier, self.emptier = self.emptier, None
        if emptier.wait() != 0:
            _empty_here(self.path, self.target or self.path)

    def tidy(self) -> None:
        """Once the build has written every file: with `reuse_folders`, wait for the folders being made and remove
        those the site left empty (`remove_empty_folders`)."""
        self.ready()
        if not self.reuse_folders:
            return
        if self.folder_maker is not None:
            self.folder_maker.wait()
            self.folder_maker = None
        remove_empty_folders(self.path)

    def stop(self) -> None:
        """End the processes working on the folder, when the build failed: it is about to go."""
        for process in (self.folder_maker, self.emptier):
            if process is not None:
                process.kill()
                process.wait()
        self.folder_maker = self.emptier = None


@contextmanager
def staging_folder(target: Path, reuse_folders: bool = False) -> Iterator[Staging]:
    """A fresh folder beside `target` to build into, locked while the build runs and removed when it fails;
    leftovers of builds that were killed are removed first.

    With `reuse_folders`, the folders of the site the last build set aside (`swap_in`), emptied of every file, are
    taken for the new one: a site has a folder per record page, and making a folder is the dearest thing a build
    asks of the file system (~0.2 ms of system time each here, 40 times a hard link). Nothing of the site in place
    is touched: the folders taken hold no file, so nothing written into them reaches a file of the old site through
    a hard link. With none to take, the folders of the site in place are made in the new one by a process of their
    own while the build reads its records and computes its pages (`make_folders`); the folders taken are checked
    empty of files by one too (`empty_folders`), and the build writes only once it is done (`Staging.ready`). What
    the build leaves empty of them goes with `Staging.tidy`."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        spare, lock = _spare(target) if reuse_folders else (None, None)
        try:
            remove_leftovers(target)
            staging = Staging(_own_folder(target, "building", spare / target.name if spare else None), reuse_folders,
                              target=target)
        finally:
            if spare is not None:
                _remove_spare(spare, lock)
    except OSError as exc:
        raise cannot_write("the site", target, exc) from None
    try:
        with _locked(staging.path):
            if spare is not None:
                # What the remover of the last site left (it was stopped), or what was put there since.
                staging.emptier = empty_folders(staging.path)
                if staging.emptier is None:
                    _empty_here(staging.path, target)
            elif reuse_folders and (target / MARKER).is_file():
                staging.folder_maker = make_folders(target, staging.path)
            yield staging
    except BaseException:
        staging.stop()
        shutil.rmtree(staging.path, ignore_errors=True)
        raise
    finally:
        staging.stop()


def make_folders(site: Path, into: Path) -> subprocess.Popen[bytes] | None:
    """Start a process making in `into` every folder of `site` (site_remover.py); None when none can be started,
    which leaves the folders to the build."""
    try:
        return subprocess.Popen([sys.executable, "-I", site_remover.__file__, "--folders-of", os.fspath(site),
                                 os.fspath(into)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, close_fds=True)
    except OSError:
        return None


def empty_folders(folder: Path) -> subprocess.Popen[bytes] | None:
    """Start a process removing every file under `folder` but its marker, keeping the folders (site_remover.py);
    None when none can be started."""
    try:
        return subprocess.Popen([sys.executable, "-I", site_remover.__file__, "--empty", os.fspath(folder)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                close_fds=True)
    except OSError:
        return None


def _empty_here(folder: Path, target: Path) -> None:
    """Remove every file under `folder` but its marker, in this process; SiteFolderError when one cannot go."""
    try:
        site_remover.empty_of_files(str(folder), keep=(MARKER,))
    except OSError as exc:
        raise cannot_write("the site", target, exc) from None


def remove_empty_folders(folder: Path) -> None:
    """Remove every folder under `folder` that holds nothing: the last site's folders a build took
    (`staging_folder`) and did not fill, which a build into a new folder would not have made."""

    def emptied(path: str) -> bool:
        try:
            with os.scandir(path) as scan:
                entries = list(scan)
        except OSError:
            return False
        left = len(entries)
        for entry in entries:
            if entry.is_dir(follow_symlinks=False) and emptied(entry.path):
                try:
                    os.rmdir(entry.path)
                    left -= 1
                except OSError:
                    pass
        return left == 0

    emptied(str(folder))


def swap_in(staging: Path, target: Path, keep_folders: bool = False) -> None:
    """Replace `target` with the freshly built `staging` folder: the old site is renamed aside and the new one
    renamed in (when that fails, the old one is renamed back), then the old one is removed by a process of its
    own, so the build does not wait for thousands of files to be deleted; its folders are kept for the next build
    with `keep_folders` (`staging_folder`)."""
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp makes private folders; a site is meant to be read
    retired: Path | None = None
    try:
        if target.exists():
            retired = _own_folder(target, "old")
            try:  # its folders stay for the next build: kept out of `git status` for the team
                (retired / site_remover.IGNORED).write_text("*\n", encoding="utf-8")
            except OSError:
                pass
            with _locked(retired):
                target.rename(retired / target.name)
                _rename_or_restore(staging, target, retired / target.name)
        else:
            staging.rename(target)
    except OSError as exc:
        if retired is not None and not (retired / target.name).exists():
            shutil.rmtree(retired, ignore_errors=True)  # the old site is back in place: only the marker is left
        raise cannot_write("the site", target, exc) from None
    if retired is not None:
        remove_aside(retired, keep_folders)


def remove_aside(folder: Path, keep_folders: bool = False) -> None:
    """Remove a folder mlreport set aside (an old site) in a process that goes on after this one ends, holding the
    folder's lock meanwhile so that no other build takes it for a leftover (site_remover.py); with `keep_folders`,
    only its files. When no process can be started the folder is removed here and now; when the process is killed,
    the next build removes what it left."""
    try:
        subprocess.Popen([sys.executable, "-I", site_remover.__file__, os.fspath(folder),
                          *(["--keep-folders"] if keep_folders else [])], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True,
                         start_new_session=True)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)


def remove_leftovers(target: Path, roles: str = "building|old") -> None:
    """Remove the staging (`building`) and retired (`old`) folders that builds of `target` killed midway left beside
    it: those named as mlreport names them and holding its marker, or empty; never those of a build (or a removal)
    still running, which holds a lock on its folder."""
    for folder in _leftovers(target, roles):
        if _in_use(folder):
            continue
        if (folder / MARKER).is_file():
            shutil.rmtree(folder, ignore_errors=True)
        else:
            try:
                folder.rmdir()  # killed before its marker was written: empty, so nothing of anyone's is lost
            except OSError:
                pass


def _spare(target: Path) -> tuple[Path | None, int | None]:
    """An old site of `target` set aside by mlreport that no process is using (nor removing), and the lock taken on
    it; (None, None) when there is none."""
    for folder in _leftovers(target, "old"):
        site = folder / target.name
        try:
            if not ((folder / MARKER).is_file() and stat.S_ISDIR(os.lstat(site).st_mode)):
                continue
            descriptor = os.open(folder, os.O_RDONLY)
        except OSError:
            continue
        if fcntl is None:
            return folder, descriptor
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return folder, descriptor
        except OSError:
            os.close(descriptor)
    return None, None


def _remove_spare(spare: Path, lock: int | None) -> None:
    """Remove what is left of an old site set aside once its folders were taken (its marker), and let go of it."""
    try:
        shutil.rmtree(spare, ignore_errors=True)
    finally:
        if lock is not None:
            os.close(lock)


def _leftovers(target: Path, roles: str) -> list[Path]:
    """The folders beside `target` named as mlreport names those of builds (`building`) and old sites (`old`)."""
    leftover = re.compile(rf"\.{re.escape(target.name)}\.(?:{roles})-{_SUFFIX}")
    try:
        with os.scandir(target.parent) as scan:
            return [Path(entry.path) for entry in scan
                    if leftover.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False)]
    except OSError:
        return []


def _own_folder(target: Path, role: str, folders: Path | None = None) -> Path:
    """A new folder beside `target` for a build (`building`) or an old site (`old`), marked as mlreport's at once:
    only marked folders are ever removed as leftovers. `folders`, an old site's folder, becomes it when it can."""
    folder = Path(tempfile.mkdtemp(prefix=f".{target.name}.{role}-", dir=target.parent))
    if folders is not None:
        try:
            folders.rename(folder)  # onto the new folder, which is empty: in its place, at once
        except OSError:
            pass
    try:
        mark(folder)
    except OSError:
        folder.rmdir()
        raise
    return folder


def _rename_or_restore(staging: Path, target: Path, old: Path) -> None:
    try:
        staging.rename(target)
    except OSError:
        old.rename(target)
        raise


def _structural_reason(target: Path, sources: Sources) -> str:
    """Why `target` can never be a site folder (the project or its sources), or ""."""
    if target == sources.root:
        return "is the project folder"
    if sources.root.is_relative_to(target):
        return f"holds the project folder {sources.root}"
    if sources.git is not None:
        if target == sources.git:
            return "is the git repository's .git folder"
        if target.is_relative_to(sources.git):
            return "lies inside the git repository's .git folder"
    if target.exists() and not target.is_dir():
        return "is a file"
    for path, what in sources.guarded:
        if target == path:
            return f"is {what}"
        if path.is_relative_to(target) and path.exists():
            return f"holds {what} {_shown(path, sources.root)}"
    return ""


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on a folder while a build uses it; the system releases it if the build dies."""
    if fcntl is None:
        yield
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _in_use(folder: Path) -> bool:
    """Whether a running build holds the folder's lock."""
    if fcntl is None:
        return False
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return True
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(descriptor)
    return False


def _real(path: Path) -> Path:
    """The path with every link resolved, whether or not it exists yet."""
    return Path(os.path.realpath(path))


def _shown(path: Path, root: Path) -> str:
    """A path relative to the project when it is inside it, else absolute."""
    return path.relative_to(root).as_posix() if path.is_relative_to(root) and path != root else str(path)
