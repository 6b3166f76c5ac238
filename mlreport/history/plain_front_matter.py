"""The front matter of old decision versions, read without a YAML parser when it is written in plain lines.

A status history reads every version a decision ever had, and most of that time went into YAML:
thousands of front matters of `key: value` lines, each parsed in full for a title and a status.
`plain_front_matter` reads just that shape (top-level `key: value` lines, one-line `[a, b]` lists,
`- item` lists under a key, `#` comments, blank lines) and gives up, returning None, on anything
else: a quote it cannot close, an anchor, a tag, a block scalar, a nested mapping, a value that
is not surely text, a key written twice, a character YAML refuses. The records' own loader then
reads the version as before, so whatever it takes is read exactly as the loader reads it.
"""

from __future__ import annotations

import re

Scalar = tuple[str, str]
"""(what YAML makes of a scalar, its text as written): "text", "digits" (a number, kept as written) or "other"
(a boolean, null, number or date: never an error, never text)."""
Value = Scalar | list[Scalar] | None
"""A scalar, a list of scalars, or nothing (`key:` alone)."""

_FRONT_MATTER = re.compile(r"---\n(.*?\n)?---\n", re.S)
_REFUSED = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
"""Tabs, carriage returns, control characters and the line breaks YAML knows besides `\\n`: left to YAML."""
_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*?))? *")
_ITEM_LINE = re.compile(r"( *)- +(.*?) *")
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW_INDICATORS = frozenset(",?[]{}:#")
_NUMBER_START = frozenset("+-.0123456789<=~")
"""First characters from which YAML 1.1 (and the loader's 1.2 floats) may read something other than text."""
_DIGITS = re.compile(r"\d+")
_OTHER = re.compile(r"\d+\.\d+|\d{4}-\d\d-\d\d")
_WORDS = frozenset("yes Yes YES no No NO true True TRUE false False FALSE on On ON off Off OFF null Null NULL".split())
"""YAML 1.1's booleans and nulls."""


def plain_front_matter(text: str) -> tuple[dict[str, Value], str] | None:
    """The front matter's keys and values, and the body after it; None when the text has no front matter of
    this plain shape (then only a YAML parser can tell what it says)."""
    match = _FRONT_MATTER.match(text)
    if not match or _REFUSED.search(match.group(1) or ""):
        return None
    values: dict[str, Value] = {}
    listing: tuple[str, int] | None = None  # the key whose `- item` lines follow, and their indentation
    for line in (match.group(1) or "").split("\n")[:-1]:
        if not line.strip(" ") or line.startswith("#"):
            continue
        key_line = _KEY_LINE.fullmatch(line)
        if key_line:
            key, written = key_line.groups()
            written = written or None  # `key:` and spaces: nothing, or a list to follow
            if key in values or key in _WORDS:
                return None
            value = None if written is None else _value(written)
            if written is not None and value is None:
                return None
            values[key] = value
            listing = (key, -1) if written is None else None
            continue
        item = _ITEM_LINE.fullmatch(line)
        if not item or listing is None or listing[1] not in (-1, len(item.group(1))):
            return None
        scalar = _scalar(item.group(2), flow=False)
        if scalar is None:
            return None
        key = listing[0]
        listed = values[key]
        if listed is None:
            listed = values[key] = []
        assert isinstance(listed, list)
        listed.append(scalar)
        listing = (key, len(item.group(1)))
    return (values, text[match.end():]) if values else None


def text_value(value: Value) -> str | None:
    """The value when YAML surely reads it as text."""
    return value[1] if isinstance(value, tuple) and value[0] == "text" else None


def _value(written: str) -> Value:
    if written.startswith("[") and written.endswith("]"):
        inner = written[1:-1]
        if not inner.strip(" "):
            return []
        items = [_scalar(item.strip(" "), flow=True) for item in inner.split(",")]
        return None if None in items else items  # type: ignore[return-value]
    return _scalar(written, flow=False)


def _scalar(written: str, *, flow: bool) -> Scalar | None:
    """One scalar as YAML reads it, when it is a plain word or a quoted text without escapes."""
    if not written:
        return None
    first = written[0]
    if first == "'":
        inner = written[1:-1]
        if len(written) < 2 or written[-1] != "'" or "'" in inner.replace("''", ""):
            return None
        return "text", inner.replace("''", "'")
    if first == '"':
        inner = written[1:-1]
        if len(written) < 2 or written[-1] != '"' or '"' in inner or "\\" in inner:
            return None
        return "text", inner
    if first in _INDICATORS or ": " in written or written.endswith(":") or " #" in written:
        return None
    if flow and _FLOW_INDICATORS.intersection(written):
        return None
    if first in _NUMBER_START:
        if _DIGITS.fullmatch(written):
            return "digits", written
        return ("other", written) if _OTHER.fullmatch(written) else None
    return ("other", written) if written in _WORDS else ("text", written)
