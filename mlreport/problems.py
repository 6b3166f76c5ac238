"""Problems found in records: one type for every user-facing error and warning."""

from __future__ import annotations

import difflib
import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Literal

import yaml

Severity = Literal["error", "warning", "note"]
"""A note says how something was read and asks for nothing: strict mode leaves it a note."""

EXCERPT = 60
"""The most characters of a file's content a message quotes."""


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
        return _one_line(f"{text} ({self.hint})" if self.hint else text)

    def format_github(self) -> str:
        """A GitHub Actions workflow command that annotates the file in the PR."""
        message = self.message + (f" ({self.hint})" if self.hint else "")
        return (
            f"::{'notice' if self.severity == 'note' else self.severity} file={_escape_property(self.path)},"
            f"line={self.line},"
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


def warnings(problems: Iterable[Problem]) -> list[Problem]:
    """The problems that are warnings."""
    return [p for p in problems if p.severity == "warning"]


def count_problems(problems: Iterable[Problem]) -> str:
    """How many errors and warnings: `2 errors, 1 warning`."""
    found = list(problems)
    return f"{_count(len(errors(found)), 'error')}, {_count(len(warnings(found)), 'warning')}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def format_problems(problems: list[Problem], fmt: str) -> str:
    """Render problems as `text`, `github` annotations or `json`."""
    ordered = sorted(problems)
    if fmt == "json":
        return json.dumps([asdict(p) for p in ordered], indent=2, ensure_ascii=False)
    if fmt == "github":
        return "\n".join(p.format_github() for p in ordered)
    return "\n".join(p.format_text() for p in ordered)


def did_you_mean(found: Any, choices: Iterable[Any]) -> str:
    """`did you mean `x`?` for the choice closest to what was written; empty when none is close."""
    choices = sorted(str(c) for c in choices)
    close = difflib.get_close_matches(str(found), choices, n=1, cutoff=0.6)
    if not close and str(found) != str(found).lower():
        return did_you_mean(str(found).lower(), choices)
    return f"did you mean `{close[0]}`?" if close else ""


def describe(value: Any) -> str:
    """A value as messages name what was found: `string 'x'`, `number 3`, `a list of 2`, `nothing`."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "…"
        return f"string {shown!r}"
    if isinstance(value, (int, float)):
        return f"number {value}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def excerpt(text: str, limit: int = EXCERPT, *, quoted: bool = True) -> str:
    """Text from a file as a message may quote it: escaped like a Python string (no line breaks or control
    characters), cut to `limit` characters, and in quotes unless it goes between backticks (`quoted=False`)."""
    literal = repr(text[:limit])
    inner, mark = literal[1:-1], literal[0]
    if len(text) > limit or len(inner) > limit:
        inner = inner[:limit] + "…"
    return f"{mark}{inner}{mark}" if quoted else inner


def _one_line(text: str) -> str:
    """Control characters and line breaks (from a key or value quoted in a message) written as escapes:
    one problem stays one line, and a record cannot send escape sequences to the terminal."""
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def relative(path: Path, root: Path) -> str:
    """A path as shown to users: relative to the repo root, with forward slashes.

    Links are resolved (a linked record is named by the file it links to); a link leading out of the root is
    named as written, by where it sits in the repo.
    """
    for shown, base in ((path.resolve(), root.resolve()), (os.path.abspath(path), os.path.abspath(root))):
        try:
            return Path(shown).relative_to(base).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def yaml_problem(exc: yaml.MarkedYAMLError, shown: str, line_offset: int = 0, what: str = "file") -> Problem:
    """A YAML syntax error as one located line, in words a record's author recognises."""
    problem = (exc.problem or "syntax error").strip()
    context = (exc.context or "").strip()
    mark = exc.problem_mark or exc.context_mark
    opened = context.split(" a ", 1)[-1]
    at_end = "end of stream" in problem or "<stream end>" in problem
    if "\\t" in problem and mark is not None:
        message, hint = _tab_problem(mark)
    elif at_end and opened in _OPENED and exc.context_mark:
        # The end of the text is not where the mistake is: point at what was left open.
        mark = exc.context_mark
        name, hint = _OPENED[opened]
        message = f"the {what} ends inside {name} that starts here"
    elif at_end:
        message, hint = f"the {what} ends inside an unclosed `[` or `{{`", "add the closing bracket"
    elif problem.startswith("expected ','") and opened in _OPENED and exc.context_mark and mark:
        # A bracket left open reads on into the next lines: point at the bracket.
        name, hint = _OPENED[opened]
        message = f"{name} starts here but is not closed before line {mark.line + 1 + line_offset}"
        mark = exc.context_mark
    elif "<block mapping start>" in problem or "<block sequence start>" in problem or "found '?'" in problem:
        message = "this line is indented differently from the lines around it"
        hint = "indent the keys of one mapping by the same number of spaces"
    elif problem.startswith("mapping values are not allowed"):
        message, hint = "a value contains `: `", 'quote the value: `title: "Stage 2: fine-tuning"`'
    elif problem.startswith("cannot read this value"):
        hint = "fix the value, or remove its `!!` tag"
        message = problem
    elif problem.startswith("text holds"):
        message, hint = problem, "write the character itself, or escape all of it: `\\U0001F600`"
    elif problem.startswith("could not determine a constructor"):
        tag = problem.rsplit(" ", 1)[-1].strip("'").replace("tag:yaml.org,2002:", "!!")
        message = f"the tag `{excerpt(tag, quoted=False)}` is not allowed"
        hint = "records hold plain data; remove the tag"
    else:
        # PyYAML's words can quote the text (an alias's name, a character): escaped and cut like any quote.
        message = excerpt(f"{problem} ({context})" if context else problem, 2 * EXCERPT, quoted=False)
        hint = "check indentation and quoting near this line"
    line = (mark.line + 1 if mark else 1) + line_offset
    column = mark.column + 1 if mark else 1
    return Problem(shown, line, column, "error", f"invalid YAML: {message}", hint)


def is_indentation(mark: yaml.Mark | None) -> bool:
    """Whether a YAML error's position lies in its line's leading whitespace."""
    return mark is None or not (mark.buffer or "")[:mark.pointer].rsplit("\n", 1)[-1].strip()


def _tab_problem(mark: yaml.Mark) -> tuple[str, str]:
    if not is_indentation(mark):
        return "a tab character inside a value", "replace the tab with spaces, or quote the value"
    return ("a tab character is used for indentation",
            "YAML indents with spaces only; replace the tab with spaces")


_OPENED = {
    "quoted scalar": ("a quoted string", "add the closing quote"),
    "flow sequence": ("a `[` list", "add the closing `]`"),
    "flow mapping": ("a `{` mapping", "add the closing `}`"),
}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
