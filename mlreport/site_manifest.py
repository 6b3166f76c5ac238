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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlreport.cache_dir import code_stamp, digest, read_cache, write_cache
from mlreport.site_folder import MARKER

MANIFEST = "site-manifest.json"


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


@dataclass
class SiteManifest:
    """The record pages of the last build of one site folder."""

    site: str = ""
    """The site folder those pages were written to, its links resolved."""
    pages: dict[str, BuiltPage] = field(default_factory=dict)
    """Page source path (`experiments/foo.md`) → how it was built."""

    @classmethod
    def read(cls, cache: Path) -> SiteManifest:
        """The manifest in the cache folder; an empty one when there is none, or it cannot be trusted."""
        body, _ = read_cache(cache / MANIFEST, code_stamp())
        if body is None:
            return cls()
        try:
            data = json.loads(body)
            return cls(str(data["site"]), {path: BuiltPage(**page) for path, page in data["pages"].items()})
        except (ValueError, TypeError, KeyError, AttributeError):
            return cls()

    def write(self, cache: Path) -> None:
        """Keep the manifest for the next build."""
        body = {"site": self.site, "pages": {path: asdict(page) for path, page in self.pages.items()}}
        write_cache(cache / MANIFEST, code_stamp(), json.dumps(body, ensure_ascii=False).encode("utf-8"))

    def reusable(self, site: Path, keys: dict[str, str], dests: dict[str, str]) -> dict[str, BuiltPage]:
        """The pages of `keys` (page → key) whose last output, in the site folder `site`, is still what this
        manifest says it is, written from the same key to the same file (`dests`: page → output file)."""
        if not keys or self.site != os.path.realpath(site) or not (site / MARKER).is_file():
            return {}
        found = {}
        real = os.path.realpath(site)
        for page, key in keys.items():
            built = self.pages.get(page)
            if built is None or built.key != key or built.dest != dests.get(page):
                continue
            path = os.path.join(real, built.dest)
            if os.path.realpath(path) != path:
                continue  # a link (or a linked folder) now stands there: what it points at is not the last build's
            try:
                data = Path(path).read_bytes()
            except OSError:
                continue
            if digest(data) == built.digest:
                found[page] = built
        return found


def page_key(frame: str, inputs: str) -> str:
    """A page's key: the digest of its inputs and its frame."""
    return digest(f"{frame}\0{inputs}".encode())


def frame_key(*parts: Any) -> str:
    """The digest of the frame around every record page (engine, theme, settings, navigation)."""
    return digest(json.dumps(parts, ensure_ascii=False, sort_keys=True, default=_plain).encode("utf-8"))


def link_into(old: Path, new: Path) -> None:
    """Put the last site's file `old` at `new` in the site being built: a hard link, else a copy."""
    try:
        os.link(old, new)
        return
    except FileNotFoundError:  # its folder is not made yet (each record page has one of its own)
        new.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    try:
        os.link(old, new)
    except OSError:  # another file system, or one without hard links
        new.write_bytes(old.read_bytes())


def file_digest(path: Path) -> str:
    """The digest of a file written by this build."""
    return digest(path.read_bytes())


def _plain(value: Any) -> Any:
    """A settings value JSON cannot write: its type and attributes (never an address, which changes every run)."""
    attributes = getattr(value, "__dict__", None)
    if isinstance(attributes, dict):
        return [type(value).__qualname__, {key: item for key, item in attributes.items() if not key.startswith("_")}]
    if isinstance(value, (set, frozenset)):
        return sorted(map(str, value))
    return [type(value).__qualname__, str(value)]
