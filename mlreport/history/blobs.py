"""Old file contents, read by blob id through one `git cat-file --batch` process, and what they say.

A decision's status at a commit is read from the file as it was then, with the same parser the
loader uses; a deleted record's title from its last content. What a blob says never changes,
so results are kept by blob id (and cached between builds).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mlreport.git import BlobSpool
from mlreport.history.plain_front_matter import plain_front_matter, text_value
from mlreport.records.decision import parse_decision, parse_status
from mlreport.records.marked_yaml import parse_yaml, split_front_matter
from mlreport.records.source import SourceError


@dataclass(frozen=True)
class BlobInfo:
    """What one version of a record file says."""

    title: str = ""
    status: str = ""
    """Decisions: the status; "" when this version does not parse as a decision."""
    superseded_by: tuple[str, ...] = ()


_TAKE_EVERY = 128
"""How many blobs are asked for between two looks at what git has answered so far."""


class Blobs:
    """Blob contents asked for while the log runs, from one `git cat-file --batch` that spools its answers (see
    `BlobSpool`), each parsed once per blob id: those git has answered are parsed while the log still runs, the
    rest when they are all needed (`flush`)."""

    def __init__(self, toplevel: Path, known: dict[str, BlobInfo] | None = None):
        self.toplevel = toplevel
        self.known: dict[str, BlobInfo] = dict(known or {})
        self.parsed = 0
        """How many blobs were read from git (not known beforehand)."""
        self._asked: dict[str, tuple[str, str]] = {}
        self._spool: BlobSpool | None = None
        self._unlooked = 0
        """Blobs asked for since the last look at git's answers."""

    def want(self, blob: str, kind: str, path: str) -> None:
        """Ask for what a blob says, read as a record of `kind` at `path` (root-relative)."""
        if blob and blob not in self.known and blob not in self._asked:
            self._asked[blob] = (kind, path)
            if self._spool is None:
                self._spool = BlobSpool(self.toplevel)
            self._spool.ask(blob)
            self._unlooked += 1
            if self._unlooked == _TAKE_EVERY:
                self._unlooked = 0
                # Parsing what is there now uses the time this process would spend waiting for the log.
                self._parse(self._spool.answered())

    def flush(self) -> None:
        """Read and parse every blob asked for so far."""
        spool, self._spool = self._spool, None
        self._parse(spool.collect() if spool else [])

    def _parse(self, answers: list[tuple[str, bytes | None]]) -> None:
        for blob, data in answers:
            kind, path = self._asked.pop(blob)
            text = None if data is None else data.decode("utf-8", "replace").removeprefix("\ufeff")
            self.known[blob] = describe(kind, path, text)
            self.parsed += 1

    def close(self) -> None:
        """End the cat-file process, when its answers were not collected (after an error elsewhere)."""
        if self._spool is not None:
            self._spool.stop()
            self._spool = None


def describe(kind: str, path: str, text: str | None) -> BlobInfo:
    """Title and (for decisions) status of one version of a record file."""
    if text is None:
        return BlobInfo()
    name = PurePosixPath(path).name
    try:
        if kind == "decision":
            plain = _plain_decision(text)
            if plain is not None:
                return plain
            decision, _ = parse_decision(text, path, name, checked=False)
            return BlobInfo(decision.title, decision.status, decision.superseded_by) if decision else BlobInfo()
        if kind == "experiment":
            data = parse_yaml(text, path).data
        else:
            document = split_front_matter(text, path)[0]
            data = document.data if document else {}
    except SourceError:
        return BlobInfo()
    return BlobInfo(title=str(data.get("title") or data.get("name") or ""))


def _plain_decision(text: str) -> BlobInfo | None:
    """What a decision version says, read as `parse_decision` reads it, when its front matter is plain lines
    (see `plain_front_matter`) giving its title and status; None otherwise (the body is then needed too)."""
    read = plain_front_matter(text)
    if read is None:
        return None
    values = read[0]
    title, status_text = text_value(values.get("title")), text_value(values.get("status"))
    if not (title and title.strip() and status_text):
        return None
    written = values.get("superseded_by")
    listed = [] if written is None else written if isinstance(written, list) else [written]
    if any(kind == "other" for kind, _ in listed):
        return None  # a boolean, a null or a date: as YAML reads them, not as written
    status, status_refs = parse_status(status_text.strip())
    return BlobInfo(title.strip(), status, tuple(dict.fromkeys((*(ref for _, ref in listed), *status_refs))))
