"""What the three record kinds share: the base model, schema checks, value coercion."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from mlreport.problems import EXCERPT, Problem, describe, did_you_mean, excerpt
from mlreport.records.conforms import conforms
from mlreport.records.source import Document
from mlreport.schema import SCHEMAS

if TYPE_CHECKING:
    import jsonschema

REFERENCE_KEYS = ("baseline", "evidence", "supersedes", "superseded_by", "models", "decisions", "evaluations",
                  "status", "id")


@dataclass(frozen=True, kw_only=True)
class Record:
    """Fields every record has, whatever its kind."""

    id: str
    title: str
    path: str
    date: dt.date | None = None
    tags: tuple[str, ...] = ()
    marks: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False, repr=False)
    """Where reference-bearing keys sit in the file (`evidence.0` → line, column)."""

    kind: str = field(default="record", init=False)

    def mark(self, key: str) -> tuple[int, int]:
        """Line and column of a key's value, or of the record's start when unknown."""
        return self.marks.get(key, (1, 1))


class Listing:
    """Which files exist, from a list of them (a folder's walk, a commit's files): asked thousands of times per
    load, so the record rules ask it by folder and name, in text, without building a path each time."""

    def __init__(self, files: Iterable[Path | str]):
        self.names = {os.fspath(file) for file in files}

    def __call__(self, path: Path) -> bool:
        return os.fspath(path) in self.names

    def holds(self, folder: str, name: str) -> bool:
        """Whether the file `name` is in `folder`."""
        return f"{folder}{os.sep}{name}" in self.names


def holds(folder: Path | str, name: str, exists: Callable[[Path], bool]) -> bool:
    """Whether `exists` says the file `name` is in `folder`."""
    if type(exists) is Listing:
        return exists.holds(os.fspath(folder), name)
    return exists(Path(folder) / name)


def inside_record_folder(path: Path, folder: Path, markers: tuple[str, ...],
                         exists: Callable[[Path], bool] = Path.is_file) -> bool:
    """Whether a file lies deeper inside a directory-form record (`<id>/experiment.yaml`, `<id>/README.md`);
    `exists` says which files there are (the disk's, or a commit's for files since deleted)."""
    depth = len(folder.parts)
    parts = path.parts
    if parts[:depth] != folder.parts:
        return False
    # The folders between the file's own and the kind's folder, nearest first (walked as text: thousands of
    # files are asked about on every load).
    parent = os.path.dirname(os.fspath(path))
    for _ in range(len(parts) - depth - 2):
        parent = os.path.dirname(parent)
        if any(holds(parent, marker, exists) for marker in markers):
            return True
    return False


# A template's "{option 1}" (MADR's `{…}` style) or Hugging Face's "[More Information Needed]". A brace
# group counts only when it holds words with a space between and is no attribute list (`{: .x}`,
# `{#id}`), template tag (`{{ x }}`, `{% x %}`) or TeX argument (`\\text{…}`, `x^{a b}`).
HUB_PLACEHOLDER = "[More Information Needed]"
_PLACEHOLDER = re.compile(r"(?<![\\$\w{^_])\{(?=[A-Za-z])[^{}\n]*?\s[^{}\n]*\}(?!\})|\[More Information Needed\]",
                          re.IGNORECASE)
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+).+?\1")


def placeholder_problems(body: str, body_line: int, shown: str) -> list[Problem]:
    """A warning for each template placeholder left unfilled in a record's Markdown, at its line and column.

    Hugging Face's own `[More Information Needed]` is left to the card's governance checklist: Hub cards
    carry it by the dozen, as they are published, and which sections a card must fill is for its status
    to say (mlreport/governance.py warns for those).
    """
    problems = []
    fence = ""
    for number, line in enumerate(body.splitlines(), start=body_line):
        opened = _FENCE.match(line)
        if opened and (not fence or opened.group(1).startswith(fence)):
            fence = "" if fence else opened.group(1)[:3]
            continue
        if fence:
            continue
        # Code spans keep their length, so columns stay true.
        text = _CODE_SPAN.sub(lambda span: " " * len(span.group(0)), line)
        for found in _PLACEHOLDER.finditer(text):
            if found.group(0).lower() == HUB_PLACEHOLDER.lower():
                continue
            problems.append(Problem(shown, number, found.start() + 1, "warning",
                                    f"unfilled template placeholder `{found.group(0)}`",
                                    "write the record's own words in its place, or delete it", "body"))
    return problems


def check_schema(document: Document, kind: str) -> list[Problem]:
    """Every schema violation of a document, each located and explained; unknown keys warn."""
    schema = SCHEMAS[kind]
    data = _jsonable(_without_valid_series(document.data))
    # jsonschema is asked only about data that may break the schema: it words every error, and takes long to
    # find none (see `conforms`).
    problems = document.problems + ([] if conforms(kind, data) else [
        _schema_problem(document, error) for error in _validator(kind).iter_errors(data)])
    known = set(schema["properties"])
    patterns = [re.compile(pattern) for pattern in schema.get("patternProperties", {})]
    for key in document.data:
        if key not in known and not any(pattern.search(str(key)) for pattern in patterns):
            problems.append(unknown_key(document, str(key), known, has_extra="extra" in known))
    return problems


def unknown_key(document: Document, key: str, known: Iterable[str], has_extra: bool) -> Problem:
    """A warning for a key the kind does not define, with a did-you-mean hint."""
    hint = did_you_mean(key, known) or ("team-specific fields belong under `extra:`" if has_extra
                                        else "mlreport does not read it; check its spelling")
    return document.problem(key, message=f"unknown key `{excerpt(key, quoted=False)}`", hint=hint,
                            severity="warning")


def did_you_mean_status(found: Any, allowed: Iterable[str]) -> str:
    """The hint for a status outside its enum: a known synonym (`done` → `completed`), else the closest spelling."""
    allowed = list(allowed)
    synonym = _STATUS_SYNONYMS.get(str(found).strip().lower().replace(" ", "-"), "")
    return f"did you mean `{synonym}`?" if synonym in allowed else did_you_mean(found, allowed)


def as_date(value: Any) -> dt.date | None:
    """A YAML date, datetime or ISO string as a date; None when absent or unreadable."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def as_strings(value: Any) -> tuple[str, ...]:
    """A list of strings from a list, a comma-separated string, or nothing."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, (list, tuple)):
        return tuple(str(item).strip() for item in value if item is not None and str(item).strip())
    return (str(value),)


def heading_title(body: str) -> str:
    """The text of a Markdown body's first `# Title`, not counting lines inside fenced or indented code."""
    fence = ""
    after_blank = True
    for line in body.splitlines():
        stripped = line.lstrip(" ")
        marker = _FENCE.match(stripped) if len(line) - len(stripped) < 4 else None
        if fence:
            if marker and marker.group(1)[0] == fence[0] and len(marker.group(1)) >= len(fence) \
                    and not stripped[len(marker.group(1)):].strip():
                fence = ""
        elif marker:
            fence = marker.group(1)
        elif not (after_blank and line.startswith(("    ", "\t"))):
            heading = _H1.match(line)
            if heading:
                return heading.group(1).strip()
        if not fence:
            after_blank = not line.strip() or (after_blank and line.startswith(("    ", "\t")))
    return ""


def raw_references(document: Document, key: str) -> tuple[str, ...]:
    """The references a front-matter key holds (one or a list), each as written in the file."""
    value = document.data.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        return (document.raw(key) or str(value),)
    return tuple(document.raw(key, i) or str(item) for i, item in enumerate(value))


def flatten(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings flattened with dots: {optimizer: {lr: 0.1}} → {optimizer.lr: 0.1}."""
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if (type(value) is dict or isinstance(value, Mapping)) and value:
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


@lru_cache(maxsize=None)
def _validator(kind: str) -> jsonschema.protocols.Validator:
    # Imported at the first record read fresh: a check served from the record cache never needs it.
    import jsonschema.validators

    cls = jsonschema.validators.validator_for(SCHEMAS[kind])
    return cls(SCHEMAS[kind], format_checker=cls.FORMAT_CHECKER)


def _jsonable(value: Any) -> Any:
    """YAML values as JSON sees them, so dates check against `format: date`."""
    # What YAML gives is nearly all text, numbers and plain dicts and lists: told by their type alone (an
    # isinstance of `Mapping` costs far more, and thousands of values are checked per record).
    kind = type(value)
    if kind is str or kind is float or kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        return {str(k): _jsonable(v) for k, v in value.items()}
    if kind is list:
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _without_valid_series(data: dict[str, Any]) -> dict[str, Any]:
    """The data with inline history left out when every point is `[number, number]`.

    Long curves are thousands of points; checking them point by point through the schema
    dominated loading. The verdict is the same: a bad point keeps the whole history in.
    """
    history = data.get("history")
    if isinstance(history, dict) and all(isinstance(points, list) and all(_is_point(p) for p in points)
                                         for points in history.values()):
        return {**data, "history": {}}
    return data


def _is_point(value: Any) -> bool:
    if type(value) is list and len(value) == 2 and type(value[0]) in _PLAIN_NUMBERS \
            and type(value[1]) in _PLAIN_NUMBERS:
        return True  # what YAML gives, told without a call per number
    return isinstance(value, list) and len(value) == 2 and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)


_PLAIN_NUMBERS = (int, float)


def _schema_problem(document: Document, error: jsonschema.ValidationError) -> Problem:
    error = _most_specific(error)
    path = tuple(error.absolute_path)
    key = excerpt(".".join(str(k) for k in path), quoted=False) or "(top level)"
    found = describe(error.instance)
    validator = error.validator
    if validator == "required":
        missing = error.message.split("'")[1]
        where = f"`{key}`" if path else "the record"
        return document.problem(*path, message=f"missing required key `{missing}` in {where}",
                                hint=_REQUIRED_HINTS.get(missing, f"add `{missing}: …`"))
    if validator == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)
        return document.problem(*path, value=True, message=f"`{key}` must be one of {allowed}; found {found}",
                                hint=did_you_mean_status(error.instance, error.validator_value))
    if validator == "pattern":
        return document.problem(*path, value=True,
                                message=f"`{key}` is not a valid id: found {found}",
                                hint="use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit")
    if validator == "format":
        return document.problem(*path, value=True, message=f"`{key}` must be a date; found {found}",
                                hint="write dates as YYYY-MM-DD")
    if validator in ("type", "anyOf"):
        expected = " or ".join(_type_name(e.validator_value) for e in error.context) if error.context \
            else _type_name(error.validator_value)
        return document.problem(*path, value=True, message=f"`{key}` must be {expected}; found {found}",
                                hint=_type_hint(document, path, expected))
    if validator == "additionalProperties":
        return _unexpected_keys(document, path, error)
    if validator == "minLength":
        return document.problem(*path, value=True, message=f"`{key}` must not be empty", hint=f"write the {key}")
    # jsonschema's message quotes the whole value, however long.
    return document.problem(*path, value=True, message=f"`{key}`: {excerpt(error.message, 2 * EXCERPT, quoted=False)}")


def _type_hint(document: Document, path: tuple[Any, ...], expected: str) -> str:
    raw = document.raw(*path)
    if expected.startswith("text") and raw is not None:
        # YAML reads `commit: 1234567` or `version: 1.10` as a number; quoting keeps it as written.
        return f'quote it: `{path[-1]}: "{raw}"`'
    return _TYPE_HINTS.get(path[0] if path else "", "")


def _unexpected_keys(document: Document, path: tuple[Any, ...], error: jsonschema.ValidationError) -> Problem:
    allowed = list(error.schema.get("properties", {}))
    unexpected = [str(k) for k in error.instance if k not in allowed]
    names = ", ".join(f"`{excerpt(k, quoted=False)}`" for k in unexpected)
    where = ".".join(str(k) for k in path)
    return document.problem(*path, unexpected[0],
                            message=f"unknown key{'s' if len(unexpected) > 1 else ''} {names} in `{where}`",
                            hint=did_you_mean(unexpected[0], allowed) or f"allowed here: {', '.join(allowed)}")


def _most_specific(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """An anyOf error through its deepest branch; kept whole when every branch is a type mismatch here."""
    while error.validator == "anyOf" and error.context:
        if all(e.validator == "type" and len(e.absolute_path) == len(error.absolute_path)
               for e in error.context):
            return error
        error = min(error.context, key=lambda e: (-len(e.absolute_path), str(e.validator)))
    return error


def _type_name(value: Any) -> str:
    return _TYPE_NAMES.get(str(value), str(value))


# Words teams use for a status, mapped to the one each enum spells it as.
_H1 = re.compile(r"^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"(`{3,}|~{3,})")

_STATUS_SYNONYMS = {
    "done": "completed", "finished": "completed", "complete": "completed", "succeeded": "completed",
    "success": "completed", "in-progress": "running", "wip": "running", "started": "running",
    "todo": "planned", "queued": "planned", "crashed": "failed", "error": "failed",
    "cancelled": "abandoned", "canceled": "abandoned", "dropped": "abandoned", "stopped": "abandoned",
    "draft": "proposed", "approved": "accepted", "agreed": "accepted", "declined": "rejected",
    "obsolete": "deprecated", "replaced": "superseded",
    "prod": "production", "live": "production", "dev": "development", "experimental": "development",
    "staging": "candidate", "rc": "candidate", "retired": "deprecated", "archived": "deprecated",
}
_TYPE_NAMES = {
    "string": "text", "number": "a number", "integer": "a whole number", "object": "a mapping",
    "array": "a list", "boolean": "true or false", "['string', 'integer']": "an id",
    "['string', 'number']": "text or a number", "['string', 'null']": "text",
}
_TYPE_HINTS = {
    "metrics": "metrics are numbers; quote nothing, and nest groups as mappings",
    "authors": "write a YAML list: `authors: [ana, bo]`",
    "tags": "write a YAML list: `tags: [vision, baseline]`",
    "history": "inline `{metric: [[step, value], …]}` or a path to a CSV/TSV file",
    "params": "params are a mapping, nested allowed",
    "explanations": "importances are numbers, `{amount: 0.31}`, or a CSV/TSV path with feature, importance columns",
}
_REQUIRED_HINTS = {
    "title": "add `title: A short human title`",
    "date": "add `date: YYYY-MM-DD`",
    "experiment": "name the experiment id this evaluation reads its numbers from",
    "name": "add `name: …`",
}
