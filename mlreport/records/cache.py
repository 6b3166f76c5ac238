"""Loaded records kept between builds, keyed by the content of their file.

Loading is the costliest step mlreport adds to a MkDocs build (YAML parsed with line marks, then
checked against the schema): at 10,000 experiments about a tenth of the whole build, every
build, for files that mostly did not change. A record whose file is byte for byte what it was
comes from here instead. Only records that depend on nothing but their own file are kept: they
loaded without a problem and read no other file (a directory-form `notes.md`, history CSVs).

The cache is a pickle, read back by an unpickler that can build nothing but record types and
dates, so a planted cache file cannot run code; a cache that does not read back, or was written
by other loader code, is ignored.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from mlreport.cache_dir import make_cache_dir
from mlreport.config import Options

log = logging.getLogger("mlreport.records")

CACHE_FILE = "records.pickle"
_PACKAGE = Path(__file__).resolve().parent
# What a cached record can be built from: the record types and the dates YAML reads.
_BUILDABLE = {
    ("mlreport.records.experiment", "Experiment"), ("mlreport.records.experiment", "Dataset"),
    ("mlreport.records.experiment", "Link"), ("mlreport.records.decision", "Decision"),
    ("mlreport.records.model_card", "ModelCard"), ("mlreport.records.model_card", "Evaluation"),
    ("datetime", "date"), ("datetime", "datetime"), ("datetime", "timezone"), ("datetime", "timedelta"),
}

Key = tuple[str, str]
"""(kind, path as records show it)."""


@dataclass
class RecordCache:
    """Records by kind and path, each with the digest of the file it was loaded from."""

    path: Path
    entries: dict[Key, tuple[bytes, Any]] = field(default_factory=dict)
    kept: dict[Key, tuple[bytes, Any]] = field(default_factory=dict)
    """What this load used or added: the next cache holds these alone, so deleted records drop out."""

    @classmethod
    def open(cls, options: Options) -> RecordCache:
        """The cache under the options' cache folder; empty when missing, unreadable or stale."""
        path = options.root / options.cache_dir / CACHE_FILE
        try:
            with path.open("rb") as file:
                stamp, entries = _RecordUnpickler(file).load()
        except FileNotFoundError:
            return cls(path)
        except Exception as exc:  # any damage just means loading every record afresh
            log.debug("records cache %s ignored: %s", path, exc)
            return cls(path)
        return cls(path, entries if stamp == loader_stamp() and isinstance(entries, dict) else {})

    def get(self, kind: str, shown: str, content: bytes) -> Any | None:
        """The record loaded from exactly this content, if kept."""
        key, digest = (kind, shown), _digest(content)
        entry = self.entries.get(key)
        if entry is None or entry[0] != digest:
            return None
        self.kept[key] = entry
        return entry[1]

    def put(self, kind: str, shown: str, content: bytes, record: Any) -> None:
        """Keep a record loaded from this content."""
        self.kept[(kind, shown)] = (_digest(content), record)

    def save(self) -> None:
        """Write the records of this load, when they differ from the cache's; a folder we cannot write is fine."""
        if self.kept.keys() == self.entries.keys() and all(
                self.entries[key][0] == digest for key, (digest, _) in self.kept.items()):
            return
        try:
            make_cache_dir(self.path.parent)
            # Written aside and moved in, so a concurrent build never reads half a file.
            with tempfile.NamedTemporaryFile(dir=self.path.parent, prefix=".records-", delete=False) as file:
                pickle.dump((loader_stamp(), dict(sorted(self.kept.items()))), file, pickle.HIGHEST_PROTOCOL)
            os.replace(file.name, self.path)
        except OSError as exc:
            log.debug("records cache %s not written: %s", self.path, exc)


@lru_cache(maxsize=1)
def loader_stamp() -> str:
    """Python's version and a digest of the loader code: records cached by other code are not reused."""
    digest = hashlib.blake2b(digest_size=16)
    for source in sorted([*_PACKAGE.glob("*.py"), _PACKAGE.parent / "schema.py", _PACKAGE.parent / "problems.py"]):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return f"{sys.version_info[0]}.{sys.version_info[1]}:{digest.hexdigest()}"


def _digest(content: bytes) -> bytes:
    return hashlib.blake2b(content, digest_size=16).digest()


class _RecordUnpickler(pickle.Unpickler):
    """Builds record types and dates only: anything else in the file stops the read."""

    def find_class(self, module: str, name: str) -> Any:
        """A class the cache may hold, or an error."""
        if (module, name) not in _BUILDABLE:
            raise pickle.UnpicklingError(f"{module}.{name} is not a record type")
        return super().find_class(module, name)
