"""Generated pages converted once: their HTML kept by the hash of everything the conversion read.

Converting Markdown is most of what a build spends on a record page, and a record page's Markdown
only changes when its record, its history or what links to it changes. The engine adapter asks
for a page's conversion by a key made of the page's path, its exact Markdown and the build's
fingerprint (engine and Markdown versions, extensions and their settings, the site's file list,
which links resolve against); a hit is the HTML, table of contents, title and anchors the
conversion made last time. An entry is one JSON file named by its key, so nothing is trusted but
data that the same inputs produced; entries no build used are removed, and a cache folder that git
tracks (a pull request could plant one) is not read at all.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlreport.cache_dir import code_stamp, make_cache_dir, read_cache, write_cache
from mlreport.git import tracked

FOLDER = "pages"
FORMAT = 1


@dataclass(frozen=True)
class ConvertedPage:
    """What converting one page's Markdown gave: everything the engine keeps of it."""

    html: str
    toc: list[dict[str, Any]]
    """The table of contents as Markdown's `toc` extension gives it (level, id, name, children)."""
    title: str | None
    anchors: list[str] = field(default_factory=list)
    """The ids the page holds, which links from other pages may point at."""
    links: dict[str, dict[str, str]] = field(default_factory=dict)
    """Links to anchors of other pages: target page → {anchor: the link as written}."""


def fingerprint(*parts: object) -> str:
    """One hash of whatever, besides a page's own Markdown, its conversion depends on."""
    return hashlib.sha256(json.dumps([repr(part) for part in parts]).encode()).hexdigest()


class PageCache:
    """Converted pages kept between builds in the cache folder, one JSON file per conversion."""

    def __init__(self, folder: Path | None, build: str) -> None:
        self.folder = folder
        """None when the cache is off: every page is converted."""
        self.build = build
        self.used: set[str] = set()
        self.hits = 0

    @classmethod
    def open(cls, root: Path, cache_dir: str, build: str) -> PageCache:
        """The page cache under the cache folder, or an empty one that keeps nothing when git tracks that folder."""
        folder = root / cache_dir / FOLDER
        return cls(None if tracked(root / cache_dir) else folder, build)

    def key(self, page: str, markdown: str) -> str:
        """The key of one page's conversion in this build."""
        return hashlib.sha256(f"{FORMAT}\0{self.build}\0{page}\0{markdown}".encode()).hexdigest()

    def get(self, key: str) -> ConvertedPage | None:
        """The conversion made from exactly these inputs, if one was kept and reads back whole."""
        if self.folder is None:
            return None
        try:
            data = json.loads(self._file(key).read_text(encoding="utf-8"))
            converted = ConvertedPage(**data) if data.pop("key", None) == key else None
        except (OSError, ValueError, TypeError):
            return None
        if converted is not None:
            self.used.add(key)
            self.hits += 1
        return converted

    def put(self, key: str, converted: ConvertedPage) -> None:
        """Keep a conversion for the next build."""
        if self.folder is None:
            return
        path = self._file(key)
        make_cache_dir(self.folder.parent)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"key": key, **asdict(converted)}, ensure_ascii=False), encoding="utf-8")
        temporary.replace(path)
        self.used.add(key)

    def prune(self) -> None:
        """Remove the entries this build did not use: they belong to pages or inputs that are gone."""
        if self.folder is None or not self.folder.is_dir():
            return
        for path in self.folder.glob("*/*.json"):
            if path.stem not in self.used:
                path.unlink(missing_ok=True)

    def _file(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / f"{key}.json"



SEARCH_FILE = "search-entries.json"


class SearchEntries:
    """The search index's entries for the generated pages that go through Markdown (indexes, leaderboards), kept by
    a digest of everything Material's search plugin reads of a page (its HTML, table of contents, address, title and
    settings): a page of the same inputs gets the entries its HTML gave last time without that HTML being parsed
    again (the decisions index's half a megabyte, every build). One cache file (`cache_dir`), for the frame it was
    made in (the theme's version, whether Chinese text is segmented); entries no page asked for are dropped."""

    def __init__(self, path: Path | None, frame: str) -> None:
        self.path = path
        self.frame = frame
        self._last: dict[str, list[dict[str, Any]]] = {}
        self._used: dict[str, list[dict[str, Any]]] = {}
        self._changed = False
        if path is None:
            return
        body, _ = read_cache(path, code_stamp())
        try:
            data = json.loads(body) if body is not None else {}
            if data.get("frame") == frame:
                self._last = {str(key): list(entries) for key, entries in data["pages"].items()}
        except (ValueError, TypeError, KeyError, AttributeError):
            self._last = {}

    @classmethod
    def open(cls, root: Path, cache_dir: str, frame: str) -> SearchEntries:
        """The entries kept in the cache folder, or none kept when git tracks that folder."""
        return cls(None if tracked(root / cache_dir) else root / cache_dir / SEARCH_FILE, frame)

    def get(self, key: str) -> list[dict[str, Any]] | None:
        """The entries a page of these inputs gave, if kept."""
        found = self._last.get(key)
        if found is not None:
            self._used[key] = found
        return found

    def put(self, key: str, entries: list[dict[str, Any]]) -> None:
        """Keep the entries a page gave."""
        self._used[key] = entries
        self._changed = True

    def keep(self) -> None:
        """Write the entries this build's pages asked for, unless they are the last build's exactly."""
        if self.path is None or (not self._changed and len(self._used) == len(self._last)):
            return
        body = {"frame": self.frame, "pages": self._used}
        write_cache(self.path, code_stamp(), json.dumps(body, ensure_ascii=False).encode("utf-8"))
