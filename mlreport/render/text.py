"""Text helpers the record pages share: bodies without their title, a record's summary, long names that may wrap."""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

from mlreport.render import safe

_LEADING_H1 = re.compile(r"\A\s*#[ \t]+[^\n]*\n?")


def body_without_title(body: str) -> str:
    """A record body without its leading `# Title`: the page shows the title already."""
    return _LEADING_H1.sub("", body, count=1)


def breakable(name: Any) -> Markup:
    """A dotted metric name that may wrap after each dot in a narrow column: `test.<wbr>pr_auc`."""
    return Markup(".<wbr>").join(safe.text(part) for part in str(name).split("."))


SUMMARY_LENGTH = 240
"""The most characters of a summary; a longer first sentence is cut at a word."""
_FENCE = re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1[^\n]*$", re.M | re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
# Blocks that are not prose: headings, lists, tables, quotes, HTML, admonitions, attribute lists, placeholders.
_NOT_PROSE = re.compile(r"^\s*(#|[-*+] |\d+[.)] |\||>|<|!!!|\?\?\?|\{|\[[^\]]*\]:)")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"[*_`]+")
_SENTENCE = re.compile(r"^(.+?[.!?])(?=\s|$)", re.S)


def summary(markdown: str) -> str:
    """A record's first sentence of prose (its notes, its context), as plain text: what search shows for it."""
    text = _COMMENT.sub("", _FENCE.sub("", body_without_title(markdown or "")))
    for block in re.split(r"\n\s*\n", text):
        if not block.strip() or _NOT_PROSE.match(block):
            continue
        plain = " ".join(_MARKUP.sub("", _LINK.sub(r"\1", block)).split())
        sentence = _SENTENCE.match(plain)
        first = sentence.group(1) if sentence else plain
        if len(first) <= SUMMARY_LENGTH:
            return first
        return first[:SUMMARY_LENGTH].rsplit(" ", 1)[0] + "…"
    return ""
