"""Where record content meets the page: escaping text, sanitising Markdown, JSON in script tags.

Every record value that reaches a generated page passes through one of these functions; no
record can inject markup, script or a `javascript:` link into the site.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as etree
from typing import Any, Callable
from urllib.parse import quote

import markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

LinkResolver = Callable[[str], "str | None"]
"""Maps a relative link written in a record (`0003-use-x.md`) to a page link, or None to keep it."""

# Characters that mean something to HTML or to Markdown (and its common extensions: tables,
# attr_list, emoji, strikethrough, mark) are written as numeric entities, which both read as text.
_SPECIAL = re.compile(r"[\\`*_\[\]()<>&\"'!|~^{}#+=:$]")
_SAFE_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.I)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
_HEADING = re.compile(r"^h([1-6])$")


def text(value: Any) -> Markup:
    """Any record value as inert text, safe in Markdown, HTML text and HTML attributes."""
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("")
    shown = " ".join(str(value).split())
    return Markup(_SPECIAL.sub(lambda m: f"&#{ord(m.group())};", shown))


def preformatted(value: Any) -> Markup:
    """Multi-line record text for a `<pre>` block (commands to copy): inert like `text`, its lines kept; a blank
    line, which would end the raw HTML block in Markdown, is dropped."""
    lines = (line.rstrip() for line in str(value or "").split("\n"))
    return Markup("\n".join(_SPECIAL.sub(lambda m: f"&#{ord(m.group())};", line) for line in lines if line))


def safe_url(url: Any) -> str:
    """The URL if a browser may follow it (http, https, mailto or relative); else an empty string."""
    raw = str(url or "")
    # Decode until nothing changes, so `&amp;#106;avascript:` cannot survive as an entity.
    for _ in range(4):
        decoded = html.unescape(raw)
        if decoded == raw:
            break
        raw = decoded
    else:
        return ""
    # Browsers ignore control characters and whitespace inside a scheme (`java\tscript:`).
    squeezed = _CONTROL.sub("", raw)
    scheme = _SCHEME.match(squeezed)
    if scheme and scheme.group(1).lower() not in _SAFE_SCHEMES:
        return ""
    return raw.strip()


def href(url: Any) -> Markup:
    """A safe URL, escaped for an HTML attribute or a Markdown link target; `#` when unsafe."""
    safe = safe_url(url)
    if not safe:
        return Markup("#")
    return Markup(html.escape(quote(safe, safe="/:?#[]@!$&'()*+,;=%~.-_"), quote=True)
                  .replace("(", "%28").replace(")", "%29"))


def page_title(value: Any) -> Markup:
    """A record title for a page's front matter `title:`, HTML-escaped and YAML-quoted.

    Every page whose heading holds record text needs it: without it MkDocs takes the title from
    the heading, and themes print it unescaped (Material's `striptags` even decodes entities),
    so `</title><script>` in a record title would become markup.
    """
    return Markup(json.dumps(html.escape(" ".join(str(value).split()), quote=True), ensure_ascii=False))


def json_for_script(data: Any) -> Markup:
    """JSON safe inside `<script type="application/json">`: `</script>`, `<!--` and U+2028/9 cannot break out."""
    encoded = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        encoded = encoded.replace(char, escaped)
    return Markup(encoded)


class RecordMarkdown:
    """Converts records' Markdown (notes, decision and card bodies) to HTML, raw HTML shown as text.

    Call it as `markdown(source, resolve, heading_offset)`. Links with a scheme other than
    http(s)/mailto lose their target; relative links go through `resolve` (so a decision can link
    `0003-use-x.md`); headings shift down by `heading_offset` so a note's `# Title` sits under the
    page's own headings. One instance per build: it keeps a converter per heading offset, reset
    between records, because building one costs more than converting.
    """

    def __init__(self) -> None:
        self._converters: dict[int, tuple[markdown.Markdown, _Sanitise]] = {}

    def __call__(self, source: str, resolve: LinkResolver | None = None, heading_offset: int = 2) -> Markup:
        """One record's Markdown as safe HTML."""
        if heading_offset not in self._converters:
            sanitise = _Sanitise(heading_offset)
            converter = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists", "admonition",
                                                      "def_list", sanitise], output_format="html")
            self._converters[heading_offset] = converter, sanitise
        converter, sanitise = self._converters[heading_offset]
        converter.reset()
        sanitise.resolve = resolve
        return Markup(f'<div class="mlr-markdown">\n{converter.convert(source)}\n</div>')


class _Sanitise(Extension):
    """No raw HTML, no unsafe link schemes, headings demoted; relative links through `resolve`."""

    def __init__(self, heading_offset: int):
        super().__init__()
        self.heading_offset = heading_offset
        self.resolve: LinkResolver | None = None
        """The current record's link resolver, set by `RecordMarkdown` before each conversion."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        # Without these two, HTML in the source is plain text and gets escaped on output.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        # After fenced code is set aside (priority 25), so a comment shown in a code block stays.
        md.preprocessors.register(_HiddenComments(md), "mlreport_comments", 24)
        md.treeprocessors.register(_SafeTree(md, self), "mlreport_safe", 0)


class _HiddenComments(Preprocessor):
    """HTML comments are notes to the card's author (the Hub template is full of them): hidden, not shown as text.

    Inline code (`` `<!-- x -->` ``) is kept as written.
    """

    def run(self, lines: list[str]) -> list[str]:
        text = _COMMENT_OR_CODE.sub(lambda m: m.group(0) if m.group("code") else "", "\n".join(lines))
        return text.split("\n")


_COMMENT_OR_CODE = re.compile(r"(?P<code>(`+).*?\2)|<!--.*?(?:-->|\Z)", re.S)


class _SafeTree(Treeprocessor):
    def __init__(self, md: markdown.Markdown, sanitise: _Sanitise):
        super().__init__(md)
        self.sanitise = sanitise

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                if attribute in element.attrib:
                    self._check(element, attribute)
            heading = _HEADING.match(element.tag)
            if heading:
                element.tag = f"h{min(6, int(heading.group(1)) + self.sanitise.heading_offset)}"

    def _check(self, element: etree.Element, attribute: str) -> None:
        url = safe_url(element.get(attribute))
        if not url:
            # Shown as text: an <a> without a target still trips click handlers (instant navigation).
            alt = element.get("alt", "")
            element.attrib.clear()
            element.tag = "span"
            element.text = element.text or alt
            element.set("class", "mlr-unsafe-link")
            element.set("title", "link removed: only http, https and mailto links are allowed")
            return
        resolve = self.sanitise.resolve
        if resolve and not _SCHEME.match(url) and not url.startswith(("#", "/")):
            url = resolve(url) or url
        element.set(attribute, url)
