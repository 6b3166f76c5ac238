"""Problems found in records: one type for every user-facing error and warning."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a record, located as precisely as the source allows."""

    path: str
    line: int = 1
    column: int = 1
    severity: Severity = "error"
    message: str = ""
    hint: str = ""
    key: str = ""

    def format_text(self) -> str:
        """`path:line:col: severity: message (hint)`, the shape editors and CI understand."""
        text = f"{self.path}:{self.line}:{self.column}: {self.severity}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text

    def format_github(self) -> str:
        """A GitHub Actions workflow command that annotates the file in the PR."""
        message = self.message + (f" ({self.hint})" if self.hint else "")
        return (
            f"::{self.severity} file={_escape_property(self.path)},line={self.line},"
            f"col={self.column},title=mlreport::{_escape_data(message)}"
        )


class RecordError(Exception):
    """Raised when records have errors; carries every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(p.format_text() for p in self.problems))


def errors(problems: Iterable[Problem]) -> list[Problem]:
    """The problems that are errors."""
    return [p for p in problems if p.severity == "error"]


def format_problems(problems: list[Problem], fmt: str) -> str:
    """Render problems as `text`, `github` annotations or `json`."""
    ordered = sorted(problems)
    if fmt == "json":
        return json.dumps([asdict(p) for p in ordered], indent=2, ensure_ascii=False)
    if fmt == "github":
        return "\n".join(p.format_github() for p in ordered)
    return "\n".join(p.format_text() for p in ordered)


def relative(path: Path, root: Path) -> str:
    """A path as shown to users: relative to the repo root, with forward slashes."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
