"""Decision records: MADR 4 front matter, and the older formats read unchanged.

Read as they are: MADR 2/3 (`* Status:` bullets), Nygard / adr-tools (`## Status` section,
"Superseded by [3. …](…)" links, the "Superceded" spelling, a `Date:` line), log4brains
(`- Status: superseded by [slug](slug.md)`), and MADR repos carrying other tools' front matter.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlreport.problems import Problem, excerpt
from mlreport.records.common import (REFERENCE_KEYS, Record, as_date, as_strings, check_schema,
                                     did_you_mean_status, heading_title, placeholder_problems, raw_references)
from mlreport.records.marked_yaml import split_front_matter
from mlreport.records.source import RECORD_LIMIT, Document, Reader
from mlreport.schema import DECISION_STATUSES

NOT_DECISIONS = ("README.md", "readme.md", "index.md", "template.md", "adr-template*.md")
UNKNOWN_STATUS = "unknown"

_NUMBERED = re.compile(r"^(\d+)-")
_INDEX_NAME = re.compile(r"(?:\d+[-_])?(?:adrs?[-_])?(?:index|summary|toc)\.md", re.I)
"""`index.md`, `000-index.md`, `00-index.md`, `summary.md`, `adr-index.md`: the log's index pages."""
_MACRO = re.compile(r"\{\{.*\}\}|\{%.*%\}")
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_NYGARD_NUMBER = re.compile(r"^\d+\.\s+")
_FIELD_LINE = re.compile(r"^[ \t]*(?:[*-][ \t]+)?(?P<key>[A-Za-z][A-Za-z -]*?)[ \t]*:[ \t]*(?P<value>.*?)[ \t]*$")
_TABLE_ROW = re.compile(r"^[ \t]*\|(?P<cells>.*?)\|?[ \t]*$")
_TABLE_RULE = re.compile(r"^[\s|:-]*-[\s|:-]*$")
_SECTION = re.compile(r"^##[ \t]+(?P<name>.+?)[ \t#]*$", re.M)
_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]*)\)")
_COMMENT = re.compile(r"<!--.*?-->")
_SUPERSEDES_LINE = re.compile(r"super[sc]edes\b", re.I)
_SUPERSEDED_LINE = re.compile(r"super[sc]eded\b", re.I)
_OTHER_LINK_LINE = re.compile(r"amends|amended|clarifie", re.I)
_REFERENCE_TOKEN = re.compile(r"(?:ADR[-_ ]?)?(\d+)|([a-z0-9][a-z0-9._-]+)", re.I)
_STATUS_WORDS = {
    # log4brains writes `draft`; MADR's own examples `on hold`: both are not decided yet.
    "draft": "proposed", "on hold": "proposed",
}
"""Status words of other tools and templates → the lifecycle status they mean; the page shows the word too."""
_STATUS_PHRASES = tuple(word for word in _STATUS_WORDS if " " in word)
_AMENDS_LINE = re.compile(r"amends\b", re.I)
_AMENDED_LINE = re.compile(r"amended\s+by\b", re.I)
_FIELD_KEYS = {
    "status": "status", "date": "date", "status date": "status_date",
    "deciders": "decision-makers", "decision-makers": "decision-makers",
    "decision makers": "decision-makers", "consulted": "consulted", "informed": "informed", "tags": "tags",
    # A common template keeps these in a `| Status | Accepted |` table; its author is who decided.
    "author": "decision-makers", "authors": "decision-makers",
}


@dataclass(frozen=True, kw_only=True)
class Decision(Record):
    """One architecture/ML decision, whatever format it was written in."""

    status: str = UNKNOWN_STATUS
    status_text: str = ""
    status_word: str = ""
    """The status as the record words it when that is another tool's word for it (`draft`, `on hold`)."""
    status_line: int = 1
    status_date: dt.date | None = None
    """When the record says the status became what it is (`status_date:`, a `Status date:` line); the
    commit that wrote it may be later (a log imported at once, a status updated after the fact)."""
    decision_makers: tuple[str, ...] = ()
    consulted: tuple[str, ...] = ()
    informed: tuple[str, ...] = ()
    supersedes: tuple[str, ...] = ()
    superseded_by: tuple[str, ...] = ()
    amends: tuple[str, ...] = ()
    """Decisions this one changes without replacing them (adr-tools' `adr new -l "Amends:…"`)."""
    amended_by: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    body: str = ""
    body_line: int = 1
    format: str = "madr4"

    kind: str = field(default="decision", init=False)


def decision_id(file_name: str) -> str:
    """`0007-use-resnet.md` → `0007`; any other name (`20201016-use-slugs.md`'s digits aside) → the stem."""
    stem = Path(file_name).stem
    match = _NUMBERED.match(stem)
    if match and len(match.group(1)) < 8:
        return match.group(1)
    return stem


def decision_key(reference: Any) -> str:
    """The form ids are compared in: `7`, `"0007"` and `ADR-0007` all mean decision 0007."""
    text = str(reference).strip()
    text = re.sub(r"^adr[-_ ]?", "", text, flags=re.I)
    if text.endswith(".md"):
        text = decision_id(Path(text).name)
    return str(int(text)) if text.isdigit() else text


def is_decision_file(path: Path, exclude: tuple[str, ...] = (), include: tuple[str, ...] = ()) -> bool:
    """Markdown files that are decisions by their name: not READMEs, indexes or templates (`include` forces)."""
    if path.suffix.lower() != ".md":
        return False
    if _matches(path, include):
        return True
    return not _INDEX_NAME.fullmatch(path.name) and not _matches(path, NOT_DECISIONS + exclude)


def is_decision_page(path: Path, exclude: tuple[str, ...] = (), include: tuple[str, ...] = ()) -> bool:
    """A decision file by its name and, when it is on disk without a decision number, by what it holds: a
    page that only lists the others (a macro, links) is the log's index. A file since deleted goes by its name."""
    if not is_decision_file(path, exclude, include):
        return False
    if not decided_by_content(path, include):
        return True
    try:
        if path.stat().st_size > RECORD_LIMIT.bytes:
            return True  # the loader reports it as too large, unread
        return not is_generated_index(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return True  # gone from disk, or unreadable: the loader reports what cannot be read


def is_generated_index(text: str) -> bool:
    """Whether a page holds only headings, template macros (`{{ adr_summary(...) }}`) and lists or tables of links,
    and no status or other decision field: an index of the other decisions, generated or kept by hand."""
    body = _FRONT_MATTER.sub("", _COMMENT.sub("", text.removeprefix("\ufeff")), count=1)
    content = [line.strip() for line in body.splitlines() if line.strip() and not line.startswith("#")]
    listed = [line for line in content if _MACRO.fullmatch(line) or _LINK.search(line)]
    fields = [line for line in content
              if (match := _FIELD_LINE.match(line)) and match.group("key").strip().lower() in _FIELD_KEYS]
    return bool(listed) and not fields and all(line in listed or line.startswith("|") for line in content)


def decided_by_content(path: Path, include: tuple[str, ...] = ()) -> bool:
    """Whether a decision file by its name (`is_decision_file`) is one only by what it holds: it has no number,
    and `decisions_include` does not name it."""
    return not (_NUMBERED.match(path.name) or _matches(path, include))


def _matches(path: Path, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns)


def next_decision_number(folder: Path, exclude: tuple[str, ...] = ()) -> str:
    """One more than the highest decision number in the folder, zero-padded to four digits."""
    keys = [decision_key(decision_id(p.name)) for p in folder.rglob("*.md") if is_decision_file(p, exclude)] \
        if folder.is_dir() else []
    return f"{max((int(k) for k in keys if k.isdigit()), default=0) + 1:04d}"


def load_decision(path: Path, reader: Reader) -> tuple[Decision | None, list[Problem]]:
    """Read one decision file."""
    return parse_decision(reader.text(path), reader.paths.relative(path), path.name)


def parse_decision(text: str, shown: str, file_name: str, *,
                   checked: bool = True) -> tuple[Decision | None, list[Problem]]:
    """Build a decision from file content (also used on old git blobs for status history).

    `checked=False` skips the schema check: reading an old version's status needs none, and the
    check is most of the cost of thousands of them.
    """
    document, body, body_line = split_front_matter(text, shown)
    document = document or Document(shown, {})
    problems = check_schema(document, "decision") if checked and document.data else []
    if checked:
        problems += placeholder_problems(body, body_line, shown)
    data = document.data
    fields, field_lines, legacy = _body_fields(body, body_line)

    title = str(data.get("title") or "").strip()
    if not title:
        title = _NYGARD_NUMBER.sub("", heading_title(body)).strip()
    if not title:
        problems.append(Problem(shown, body_line, 1, "error", "decision has no title",
                                "add `title:` to the front matter or a `# Title` heading"))
        return None, problems

    status_text = str(data.get("status") or fields.get("status") or "").strip()
    status_line = document.mark("status", value=True)[0] if "status" in data else field_lines.get("status", body_line)
    status, status_refs = parse_status(status_text)
    supersedes = raw_references(document, "supersedes") + tuple(fields.get("supersedes", ()))
    superseded_by = raw_references(document, "superseded_by") + status_refs
    problems += _status_problems(document, status_text, status, status_line)

    date = as_date(data.get("date")) or as_date(fields.get("date"))
    makers = data.get("decision-makers", data.get("deciders", fields.get("decision-makers")))
    decision = Decision(
        id=decision_id(file_name),
        title=title,
        path=shown,
        marks=document.marks_under(*REFERENCE_KEYS),
        date=date,
        tags=as_strings(data.get("tags", fields.get("tags"))),
        status=status,
        status_text=status_text,
        status_word=word if (word := status_word(status_text)) in _STATUS_WORDS else "",
        status_line=status_line,
        status_date=as_date(data.get("status_date")) or as_date(fields.get("status_date")),
        decision_makers=as_strings(makers),
        consulted=as_strings(data.get("consulted", fields.get("consulted"))),
        informed=as_strings(data.get("informed", fields.get("informed"))),
        supersedes=_unique(supersedes),
        superseded_by=_unique(superseded_by),
        amends=_unique(tuple(fields.get("amends", ()))),
        amended_by=_unique(tuple(fields.get("amended_by", ()))),
        evidence=as_strings(data.get("evidence")),
        models=as_strings(data.get("models")),
        body=body,
        body_line=body_line,
        format=legacy or ("madr4" if data else "markdown"),
    )
    return decision, problems


def parse_status(text: str) -> tuple[str, tuple[str, ...]]:
    """A status line → (status, ids it is superseded by): "Superceded by [3. X](0003-x.md)" → superseded, 0003;
    other tools' words map to the lifecycle ("draft" → proposed)."""
    word = status_word(text)
    if not word:
        return UNKNOWN_STATUS, ()
    status = word if word in DECISION_STATUSES else _STATUS_WORDS.get(word, UNKNOWN_STATUS)
    refs: tuple[str, ...] = ()
    match = re.search(r"super[sc]eded\s+by\s*:?\s*(?P<rest>.+)", text, re.I)
    if match:
        status = "superseded"
        refs = _reference_list(match.group("rest"))
    return status, refs


def status_word(text: str) -> str:
    """The status as the record words it, lower case: `draft`, `on hold`, `superseded` (from "Superceded by …")."""
    cleaned = text.strip().strip("\"'").strip().strip("*_`").lower()
    phrase = next((phrase for phrase in _STATUS_PHRASES if re.match(rf"{phrase}\b", cleaned)), "")
    word = phrase or re.split(r"[\s(,:;]", cleaned, maxsplit=1)[0].strip("*_`")
    return word.replace("superceded", "superseded")


def _status_problems(document: Document, text: str, status: str, line: int) -> list[Problem]:
    """A missing or unreadable status is a warning: the decision still reads, shown as unknown."""
    statuses = ", ".join(DECISION_STATUSES)
    if not text:
        where = "`status:` to the front matter" if document.data else "a `Status: accepted` line below the title"
        return [Problem(document.path, 1, 1, "warning", "decision has no status; it shows as unknown",
                        f"add {where}; one of {statuses}", "status")]
    if status != UNKNOWN_STATUS:
        return []
    column = document.mark("status", value=True)[1] if "status" in document.data else 1
    return [Problem(document.path, line, column, "warning",
                    f"unknown decision status {excerpt(text)}; it shows as unknown",
                    did_you_mean_status(text, DECISION_STATUSES) or f"use one of {statuses}",
                    "status")]


def _body_fields(body: str, body_line: int) -> tuple[dict[str, Any], dict[str, int], str]:
    """Fields written in the body by older formats: bullets before the first section, `## Status`, `## Links`."""
    fields: dict[str, Any] = {}
    lines: dict[str, int] = {}
    legacy = ""
    first_section = _SECTION.search(body)
    head_end = first_section.start() if first_section else len(body)
    head = _numbered_lines(body[:head_end], body_line)
    for number, line in head:
        match = _FIELD_LINE.match(_COMMENT.sub("", line))
        key = _FIELD_KEYS.get(match.group("key").strip().lower()) if match else None
        if match and key and key not in fields and match.group("value"):
            fields[key] = match.group("value")
            lines[key] = number
            legacy = legacy or ("log4brains" if line.lstrip().startswith("-") else "madr")
    for key, (number, value) in _table_fields(head).items():
        if key not in fields:
            fields[key], lines[key] = value, number
            legacy = legacy or "table"
    status_section = _section_lines(body, body_line, "status")
    if status_section is not None:
        legacy = "nygard"
        statuses = [(n, text) for n, text in status_section
                    if not _SUPERSEDES_LINE.match(text) and not _OTHER_LINK_LINE.match(text)]
        if statuses and "status" not in fields:
            # "Accepted" followed by "Superseded by …": the supersession wins.
            lines["status"], fields["status"] = next(
                ((n, text) for n, text in statuses if _SUPERSEDED_LINE.match(text)), statuses[0])
    # adr-tools writes "Supercedes [2. …](…)" and "Amended by …" under Status; MADR 2 and log4brains list
    # them under Links.
    for _, text in (status_section or []) + (_section_lines(body, body_line, "links") or []):
        for key, pattern in (("supersedes", _SUPERSEDES_LINE), ("amends", _AMENDS_LINE),
                             ("amended_by", _AMENDED_LINE)):
            match = pattern.match(text)
            if match:
                fields.setdefault(key, []).extend(_reference_list(text[match.end():]))
    if "tags" in fields:
        # log4brains: "space and/or comma separated list of tags".
        fields["tags"] = [tag for tag in re.split(r"[\s,]+", fields["tags"]) if tag]
    return fields, lines, legacy


def _table_fields(lines: list[tuple[int, str]]) -> dict[str, tuple[int, str]]:
    """Fields of a small table under the title: `| Status | Accepted |` rows, or a `| Status | Date |` header
    over one row of values; key → (line, value)."""
    rows = [(n, [cell.strip() for cell in match.group("cells").split("|")]) for n, line in lines
            if (match := _TABLE_ROW.match(_COMMENT.sub("", line))) and not _TABLE_RULE.match(line)]
    found: dict[str, tuple[int, str]] = {}
    header = [_FIELD_KEYS.get(cell.strip("*_ ").lower()) for cell in rows[0][1]] if rows else []
    if len(rows) > 1 and len(header) >= 2 and all(header):
        # The header names the fields, the next row holds them.
        number, values = rows[1]
        return {key: (number, value) for key, value in zip(header, values) if key and value}
    for number, cells in rows:
        key = _FIELD_KEYS.get(cells[0].strip("*_ ").lower()) if len(cells) >= 2 else None
        if key and cells[1] and key not in found:
            found[key] = (number, cells[1])
    return found


def _section_lines(body: str, body_line: int, name: str) -> list[tuple[int, str]] | None:
    """The non-blank lines of a `## name` section, bullets and comments stripped; None without one."""
    sections = list(_SECTION.finditer(body))
    for index, match in enumerate(sections):
        if _COMMENT.sub("", match.group("name")).strip().lower() == name:
            start = match.end() + 1
            end = sections[index + 1].start() if index + 1 < len(sections) else len(body)
            first_line = body_line + body[:start].count("\n")
            stripped = ((n, _COMMENT.sub("", line).strip().lstrip("*- ").strip())
                        for n, line in _numbered_lines(body[start:end], first_line))
            return [(n, text) for n, text in stripped if text]
    return None


def _numbered_lines(text: str, first_line: int) -> list[tuple[int, str]]:
    return [(first_line + i, line) for i, line in enumerate(text.split("\n"))]


def _reference_list(text: str) -> tuple[str, ...]:
    """Ids named by links (`[3. Use X](0003-use-x.md)`) or written plainly (`0009`, `ADR-0009`)."""
    links = [decision_id(Path(m.group("target").split("#")[0]).name) for m in _LINK.finditer(text)
             if m.group("target")]
    if links:
        return tuple(links)
    refs = []
    for token in re.split(r"[\s,;]+", text.strip()):
        match = _REFERENCE_TOKEN.fullmatch(token.strip(".`*_"))
        if match:
            refs.append(match.group(1) or decision_id(match.group(2)))
    return tuple(refs)


def _unique(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
