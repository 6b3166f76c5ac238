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


_H2 = re.compile(r"^##[ \t]+(.+?)[ \t#]*$")


def sections(markdown: str) -> list[tuple[str, str]]:
    """A body's `## ` sections as (title, Markdown), the text before the first one titled ""; fenced code
    keeps its `##` lines. The page writes each title as its own heading, so its table of contents lists them."""
    found: list[tuple[str, list[str]]] = [("", [])]
    fence = ""
    for line in markdown.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")) and (not fence or stripped.startswith(fence)):
            fence = "" if fence else stripped[:3]
        heading = None if fence else _H2.match(line)
        if heading:
            found.append((heading.group(1).strip(), []))
        else:
            found[-1][1].append(line)
    return [(title, "\n".join(lines).strip("\n")) for title, lines in found if title or "".join(lines).strip()]


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
