"""Texts made from one record alone, kept between builds by the record's digest: a build after one record changed
makes again only that record's.

The experiments index and the query data hold a JSON row per experiment; at 10,000 experiments making
them all again (the fields read, the rows dumped) was half a second of every build, for rows of records
that did not change. A text is kept under its name (what it is, with whatever besides the record it
depends on) and the record's digest (`PageInputs.record_key`); the whole cache file under the digest of
what every page reads (`PageInputs.site`: the code, the templates, the options), so a change there drops
it whole. Entries the build did not ask for are dropped when it is written. The file is a cache file
(`cache_dir`): trusted only whole, written by this code, and untracked by git. Each entry is a line, the
digest of the key and the text, tab-separated; a text holding a line break is not kept (JSON text holds none).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from mlreport.cache_dir import code_stamp, digest, read_cache, write_cache

CACHE_FILE = "record-texts.txt"


class RecordTexts:
    """The texts of the last build, and those this one asked for."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        """The cache file; None keeps nothing between builds."""
        self._frame: str | None = None
        self._last: dict[str, str] = {}
        self._used: dict[str, str] = {}
        self._made = 0
        self._names: dict[str, str] = {}

    @classmethod
    def open(cls, cache: Path) -> RecordTexts:
        """The texts kept in the cache folder `cache`, read when first asked for (`frame`)."""
        return cls(cache / CACHE_FILE)

    def frame(self, frame: str) -> None:
        """Read the last build's texts, kept only if they were made within the same `frame` (what every text may
        depend on besides its record and its name)."""
        self._frame, self._last = frame, {}
        if self.path is None:
            return
        body, _ = read_cache(self.path, code_stamp())
        if body is None:
            return
        header, _, entries = body.decode("utf-8", errors="replace").partition("\n")
        if header != frame:
            return
        for line in entries.split("\n"):
            key, tab, text = line.partition("\t")
            if tab:
                self._last[key] = text

    def text(self, name: str, record_key: str, make: Callable[[], str]) -> str:
        """The text `name` of the record whose digest is `record_key`: the last build's, else `make()`."""
        named = self._names.get(name)
        if named is None:
            named = self._names[name] = digest(name.encode("utf-8", errors="surrogatepass"))
        key = f"{named}:{record_key}"
        found = self._used.get(key)
        if found is None:
            found = self._last.get(key)
            if found is None:
                found = make()
                self._made += 1
            self._used[key] = found
        return found

    def keep(self) -> None:
        """Write the texts this build asked for, unless they are the last build's exactly."""
        if self.path is None or self._frame is None or (not self._made and len(self._used) == len(self._last)):
            return
        lines = [self._frame, *(f"{key}\t{text}" for key, text in self._used.items() if "\n" not in text)]
        write_cache(self.path, code_stamp(), "\n".join(lines).encode("utf-8"))
