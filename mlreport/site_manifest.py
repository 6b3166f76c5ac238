"""What the last build wrote for each record page, so the next build can take the page from the site it left.

A record page's output is a function of its inputs (`render/page_inputs.py`) and of the frame every page
shares: the engine and theme with their versions and settings, the navigation, the team's own
pages. The manifest, a cache file, holds for each record page the digest of both (its key), the
file it was written to, that file's digest, its anchors and its search entries. The next build of
the same site folder reuses a page whose key is the same and whose file in the last site still has
the digest (a missing, damaged or edited file is simply rendered again); reused files are linked
into the new site, which is built beside the old one and swapped in as ever.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from mlreport.cache_dir import code_stamp, digest, read_cache, write_cache
from mlreport import site_remover
from mlreport.site_folder import MARKER

MANIFEST = "site-manifest.json"
LAYOUT = 2
"""The manifest's layout: a header line, then a JSON line per page (`p`) and per data file (`d`)."""


@dataclass(frozen=True)
class BuiltPage:
    """One record page as the last build wrote it."""

    key: str
    """The digest of the page's inputs and of the frame around it."""
    dest: str
    """The output file, relative to the site folder."""
    digest: str
    """The output file's digest (`cache_dir.digest`)."""
    anchors: list[str] = field(default_factory=list)
    """The ids the page holds, which other pages' links are checked against."""
    search: list[dict[str, str]] = field(default_factory=list)
    """The page's entries in the search index, as the index holds them."""
    stat: list[int] = field(default_factory=list)
    """The output file's size, modification time (ns) and inode when it was digested: while they are the same, so
    are its bytes (a write changes the time; a hard link into the next site keeps all three)."""


@dataclass
class SiteManifest:
    """The record pages of the last build of one site folder."""

    site: str = ""
    """The site folder those pages were written to, its links resolved."""
    pages: dict[str, BuiltPage] = field(default_factory=dict)
    """Page source path (`experiments/foo.md`) → how it was built."""
    data: dict[str, list[Any]] = field(default_factory=dict)
    """Data file (`assets/mlreport/data/…`) → its digest and stat (`stat_of`) as the last build wrote it."""
    lines: dict[tuple[str, str], tuple[Any, str]] = field(default_factory=dict, compare=False, repr=False)
    """Page or data file → the entry read from the file, and its line there: written again as it is while the
    entry is the very one read (`write`)."""

    @classmethod
    def read(cls, cache: Path) -> SiteManifest:
        """The manifest in the cache folder; an empty one when there is none, or it cannot be trusted."""
        body, _ = read_cache(cache / MANIFEST, code_stamp())
        if body is None:
            return cls()
        try:
            header, *lines = body.decode("utf-8").split("\n")
            head = json.loads(header)
            if head.get("layout") != LAYOUT:
                return cls()
            manifest = cls(str(head["site"]))
            for line, row in zip(lines, json.loads(f"[{','.join(lines)}]")):
                entry: Any
                if row[0] == "p":
                    entry = manifest.pages[str(row[1])] = BuiltPage(*_row(row[2:]))
                elif row[0] == "d":
                    entry = manifest.data[str(row[1])] = list(row[2:])
                else:
                    raise TypeError(row)
                manifest.lines[(row[0], row[1])] = entry, line
            return manifest
        except (ValueError, TypeError, KeyError, AttributeError, IndexError):
            return cls()

    def write(self, cache: Path, last: SiteManifest | None = None) -> None:
        """Keep the manifest for the next build: a line per header, page and data file, each page as the row of its
        fields in their order (`dataclasses.asdict` copies every list deeply). An entry that is the very one `last`
        read is written as the line it was read from: most of a rebuild's are, and dumping 20 MB again was a quarter
        of a second."""
        kept = last.lines if last is not None else {}
        lines = [_LINE({"layout": LAYOUT, "site": self.site})]
        for kind, entries in (("p", self.pages), ("d", self.data)):
            for path, entry in entries.items():
                found = kept.get((kind, path))
                if found is not None and found[0] is entry:
                    lines.append(found[1])
                    continue
                fields = [getattr(entry, name) for name in _PAGE_FIELDS] if kind == "p" else entry
                lines.append(_LINE([kind, path, *fields]))
        write_cache(cache / MANIFEST, code_stamp(), "\n".join(lines).encode("utf-8"))

    def reusable(self, site: Path, keys: dict[str, str], dests: dict[str, str]) -> dict[str, BuiltPage]:
        """The pages of `keys` (page → key) whose last output, in the site folder `site`, is still what this
        manifest says it is, written from the same key to the same file (`dests`: page → output file)."""
        if not keys or self.site != os.path.realpath(site) or not (site / MARKER).is_file():
            return {}
        found = {}
        real = os.path.realpath(site)
        folders: dict[str, bool] = {real: True}
        for page, key in keys.items():
            built = self.pages.get(page)
            if built is None or built.key != key or built.dest != dests.get(page):
                continue
            path = os.path.join(real, built.dest)
            try:
                status = os.lstat(path)
            except OSError:
                continue
            if not stat.S_ISREG(status.st_mode) or not _plain_folder(os.path.dirname(path), folders):
                continue  # a link (or a linked folder) now stands there: what it points at is not the last build's
            if built.stat and built.stat == stat_of(status):
                found[page] = built
                continue
            try:
                data = Path(path).read_bytes()
            except OSError:
                continue
            if digest(data) == built.digest:
                found[page] = replace(built, stat=stat_of(status))
        return found


    def same_file(self, site: str, dest: str, found: str, folders: dict[str, bool]) -> bool:
        """Whether the last site (`site`, its links resolved) holds the data file `dest` with the digest `found`, as
        the last build wrote it (by its stat), in folders that are no links (`folders`: those checked so far)."""
        kept = self.data.get(dest)
        if kept is None or kept[0] != found or self.site != site:
            return False
        path = os.path.join(site, dest)
        try:
            status = os.lstat(path)
        except OSError:
            return False
        folders.setdefault(site, True)
        return (stat.S_ISREG(status.st_mode) and stat_of(status) == kept[1:]
                and _plain_folder(os.path.dirname(path), folders))


def page_key(frame: str, inputs: str) -> str:
    """A page's key: the digest of its inputs and its frame."""
    return digest(f"{frame}\0{inputs}".encode())


def frame_key(*parts: Any) -> str:
    """The digest of the frame around every record page (engine, theme, settings, navigation)."""
    return digest(json.dumps(parts, ensure_ascii=False, sort_keys=True, default=_plain).encode("utf-8"))


class SiteWriter:
    """Puts files into the site being built, making each folder once: a folder per record page, thousands of them,
    each made by MkDocs with an `os.makedirs` that raises for every file of a folder that exists. A file is put first
    and its folder made only when it is missing: a site built into the last one's folders (`staging_folder`) has
    them all but a new page's, and one system call per file is what putting it costs there.

    With `later`, the last site's files are not linked at once but gathered, and handed to a process of their own
    (`start_linking`, site_remover.py) while the build renders on: 25,000 hard links were 0.4 s of a rebuild's
    own time at 10,000 experiments. `finish` waits for it; `stop` ends it (a failed build)."""

    def __init__(self, later: bool = False) -> None:
        self._made: set[str] = set()
        self._later: list[str] | None = [] if later else None
        self._linker: subprocess.Popen[bytes] | None = None

    def link(self, old: str, new: str) -> None:
        """Put the last site's file `old` at `new`: a hard link, else a copy; with `later`, once linking starts."""
        if self._later is not None:
            self._later += (old, new)
            return
        site_remover.put_linked(old, new)

    def start_linking(self) -> None:
        """Hand the links gathered so far to a process of their own (all of them here, when none can start)."""
        gathered, self._later = self._later or [], None
        if not gathered:
            return
        with tempfile.TemporaryFile() as pairs:
            pairs.write(os.fsencode("\0".join(gathered)))
            pairs.seek(0)
            try:
                self._linker = subprocess.Popen([sys.executable, "-I", site_remover.__file__, "--link"], stdin=pairs,
                                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True)
                return
            except OSError:
                pass
        for old, new in zip(gathered[0::2], gathered[1::2]):
            self.link(old, new)

    def finish(self) -> None:
        """Wait for the files being linked; OSError when one could not be put."""
        linker, self._linker = self._linker, None
        if linker is None:
            return
        said, _ = linker.communicate()
        if linker.returncode:
            number, _, rest = said.decode("utf-8", errors="replace").partition("\0")
            path, _, reason = rest.partition("\0")
            raise OSError(int(number) if number.isdigit() else 0, reason or "the files could not be linked",
                          path or None)

    def stop(self) -> None:
        """End the linking process, when the build failed: the folder it links into is about to go."""
        linker, self._linker, self._later = self._linker, None, None
        if linker is not None:
            linker.kill()
            linker.communicate()

    def write(self, path: str, data: bytes) -> list[int]:
        """Write a file of the new site; its stat (`stat_of`)."""
        try:
            file = open(path, "wb")
        except FileNotFoundError:
            self._folder(path)
            file = open(path, "wb")
        with file:
            file.write(data)
            file.flush()  # the size and time are the written file's only once the bytes reached it
            return stat_of(os.fstat(file.fileno()))

    def _folder(self, path: str) -> None:
        folder = os.path.dirname(path)
        if folder not in self._made:
            self._make(folder)

    def _make(self, folder: str) -> None:
        """Make a folder with one `mkdir` once its parent is known to be there (`os.makedirs` looks at the parent
        first, and again at the folder when it exists: two or three system calls where one does)."""
        try:
            os.mkdir(folder)
        except FileNotFoundError:  # its parent is not made yet: the first page of a folder of pages
            parent = os.path.dirname(folder)
            if parent == folder or parent in self._made:
                raise
            self._make(parent)
            os.mkdir(folder)
        except FileExistsError:
            if not os.path.isdir(folder):
                raise
        self._made.add(folder)


def file_digest(path: Path) -> tuple[str, list[int]]:
    """The digest of a file written by this build, and its stat (`BuiltPage.stat`)."""
    with path.open("rb") as file:
        return digest(file.read()), stat_of(os.fstat(file.fileno()))


def stat_of(status: os.stat_result) -> list[int]:
    """What of a file's stat vouches for its bytes: size, modification time, inode."""
    return [status.st_size, status.st_mtime_ns, status.st_ino]


_PAGE_FIELDS = tuple(field.name for field in fields(BuiltPage))
_LINE = json.JSONEncoder(ensure_ascii=False).encode
"""One line of the manifest: `json.dumps` with an argument makes an encoder per call, 25,000 of them a build."""


def _row(page: Any) -> list[Any]:
    """A page's row as the manifest holds it (`SiteManifest.write`); TypeError when it is none."""
    if not isinstance(page, list) or len(page) != len(_PAGE_FIELDS):
        raise TypeError(page)
    return page


def _plain_folder(folder: str, known: dict[str, bool]) -> bool:
    """Whether a folder of the site is a folder, as every folder above it up to the site's own, and no link."""
    found = known.get(folder)
    if found is None:
        parent = os.path.dirname(folder)
        try:
            found = parent != folder and stat.S_ISDIR(os.lstat(folder).st_mode) and _plain_folder(parent, known)
        except OSError:
            found = False
        known[folder] = found
    return found


def _plain(value: Any) -> Any:
    """A settings value JSON cannot write: its type and attributes (never an address, which changes every run)."""
    attributes = getattr(value, "__dict__", None)
    if isinstance(attributes, dict):
        return [type(value).__qualname__, {key: item for key, item in attributes.items() if not key.startswith("_")}]
    if isinstance(value, (set, frozenset)):
        return sorted(map(str, value))
    return [type(value).__qualname__, str(value)]
