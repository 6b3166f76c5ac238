"""Record pages rendered straight to HTML: the page, its headings, table of contents and search sections.

A record page is made from the model, so it needs no Markdown conversion: its template
(`templates/pages/<kind>.html.j2`) writes the HTML that converting the Markdown template would
give, headings through `Outline.heading`, which gives them the ids, permalinks and table of
contents entries the site's `toc` extension writes. What the engine needs of the page (its HTML,
front matter, table of contents, anchors and search sections) is one `HtmlPage`.

Search sections are what a search index would take from the page: one per heading with an id,
the page's top first; sections marked `data-search-exclude` are left out unread. The text of the
others is taken from the HTML this module's own templates wrote, the way Material's search
parser reads it (kept tags, collapsed whitespace, excluded blocks skipped).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from markdown.extensions.toc import nest_toc_tokens, slugify, strip_tags, unique
from markupsafe import Markup

from mlreport.config import Headings


@dataclass(frozen=True)
class SearchSection:
    """One search entry of a page: the anchor it starts at ("" for the page's top), its title and text."""

    anchor: str
    title: str
    text: str


@dataclass(frozen=True)
class HtmlPage:
    """A generated page as HTML, with everything an engine keeps of a converted page."""

    html: str
    meta: dict[str, Any]
    """What the Markdown page's front matter held: its `title` (HTML-escaped), `hide`."""
    toc: list[dict[str, Any]]
    """The table of contents as Markdown's `toc` extension gives it (level, id, name, html, children)."""
    anchors: list[str] = field(default_factory=list)
    """The ids the page holds, which links from other pages may point at."""
    search: list[SearchSection] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The page's title, HTML-escaped as its front matter would hold it."""
        return str(self.meta.get("title", ""))


@dataclass
class _Heading:
    level: int
    id: str
    markup: str
    excluded: bool
    name: str
    inner: str


class Outline:
    """The headings of one page being rendered, numbered the way Markdown's `toc` numbers them."""

    def __init__(self, style: Headings):
        self.style = style
        self.headings: list[_Heading] = []
        self._ids: set[str] = set()
        self._counters: dict[str, int] = {}

    def heading(self, level: int, inner: Any, exclude: bool = False) -> Markup:
        """`<hN id=…>inner<a class="headerlink"…></a></hN>`; `inner` is safe HTML (escaped record text)."""
        inner = str(inner).strip()
        name = strip_tags(inner)
        anchor = unique(slugify(html.unescape(name), self.style.separator), self._ids, self._counters)
        excluded = " data-search-exclude" if exclude else ""
        permalink = (f'<a class="{self.style.permalink_class}" href="#{anchor}" '
                     f'title="{self.style.permalink_title}">{self.style.permalink}</a>'
                     if self.style.permalink else "")
        markup = f'<h{level}{excluded} id="{anchor}">{inner}{permalink}</h{level}>'
        self.headings.append(_Heading(level, anchor, markup, exclude, name, inner))
        return Markup(markup)

    def page(self, content: str, meta: dict[str, Any]) -> HtmlPage:
        """The rendered page, with its table of contents, anchors and search sections."""
        toc = nest_toc_tokens([{"level": h.level, "id": h.id, "name": h.name, "html": h.inner,
                                "data-toc-label": ""} for h in self.headings])
        anchors = sorted(set(_IDS.findall(content)))
        return HtmlPage(content, meta, toc, anchors, self._sections(content, str(meta.get("title", ""))))

    def _sections(self, content: str, title: str) -> list[SearchSection]:
        starts, position = [], 0
        for heading in self.headings:
            position = content.find(heading.markup, position)
            starts.append(position)
        sections = []
        for number, heading in enumerate(self.headings):
            if heading.excluded:
                continue
            begin = starts[number] + len(heading.markup)
            end = starts[number + 1] if number + 1 < len(starts) else len(content)
            # The page's top has no anchor; a heading without text takes the page's title, as in Material.
            sections.append(SearchSection("" if number == 0 else heading.id, _title(heading.inner) or title,
                                          search_text(content[begin:end])))
        return sections


_IDS = re.compile(r'\sid="([^"]+)"')
_TAG = re.compile(r"<!--.*?-->|<(?:(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\"[^\"]*\"|'[^']*'|[^'\">])*)>)?", re.S)
"""A comment, a tag, or a `<` that starts neither (text, as an HTML parser reads it); text is what lies between."""
_KEEP = {"p", "code", "pre", "li", "ol", "ul", "sub", "sup"}
_SKIP = {"object"}
_RAW_TEXT = {"script", "style"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
         "wbr"}
_OPEN, _CLOSE, _LESS_THAN, _RAW, _IGNORED = range(5)
_TAGS: dict[str, tuple[int, str, bool]] = {}
"""Tags already read, as `_tag` reads them: pages repeat the same few hundred (`<td>`, `<li>`, …)."""
_TAGS_KEPT = 4096


def _title(inner: str) -> str:
    return html.escape(html.unescape(re.sub(r"<[^>]*>", "", inner)), quote=False).replace("\n", " ").strip()


def _tag(match: re.Match[str]) -> tuple[int, str, bool]:
    """What a `_TAG` match is to the search text: (what it does, its tag name, whether it opens a skipped block)."""
    token = match.group(0)
    known = _TAGS.get(token)
    if known is not None:
        return known
    closing, tag, attrs = match.groups()
    if tag is None:
        read = (_IGNORED if token.startswith("<!--") else _LESS_THAN, "", False)
    else:
        tag = tag.lower()
        skip = tag in _SKIP or "data-search-exclude" in attrs or 'class="linenodiv"' in attrs
        read = ((_CLOSE if closing else _RAW if tag in _RAW_TEXT else _IGNORED if tag in _VOID else _OPEN), tag, skip)
    if len(_TAGS) < _TAGS_KEPT:
        _TAGS[token] = read
    return read


class _Text:
    """The search text being gathered from one fragment."""

    def __init__(self) -> None:
        self.data: list[str] = []
        self.first: dict[str, int] = {}
        """Where each kept tag first opens in `data` (Material empties an element from its tag's first opening)."""
        self.solid = -1
        """Where the last piece that is not whitespace sits in `data`."""

    def add(self, text: str, pre: bool) -> None:
        """Text between tags: entities decoded, whitespace collapsed outside `pre`, escaped again."""
        if "&" in text:
            text = html.unescape(text)
        if not pre and text.isspace():
            if not self.data or not self.data[-1].isspace():
                self.data.append(" ")
            return
        self.data.append(html.escape(text if pre else text.replace("\n", " "), quote=False))
        if not text.isspace():
            self.solid = len(self.data) - 1

    def open(self, tag: str) -> None:
        self.first.setdefault(tag, len(self.data))
        self.data.append(f"<{tag}>")
        self.solid = len(self.data) - 1

    def close(self, tag: str) -> None:
        index = self.first[tag]
        if self.solid > index:
            self.data.append(f"</{tag}>")
            self.solid = len(self.data) - 1
            return
        # Only whitespace since the tag's first opening: the element is dropped, as in Material.
        del self.data[index:]
        self.first = {name: at for name, at in self.first.items() if at < index}
        self.solid = next((at for at in range(len(self.data) - 1, -1, -1) if not self.data[at].isspace()), -1)


def search_text(fragment: str) -> str:
    """The text a search index takes from HTML this module's templates wrote: the tags Material's search
    keeps (`p`, `code`, `li`…) without attributes, other tags dropped, whitespace collapsed outside `pre`,
    blocks marked `data-search-exclude` (and scripts, styles) left out."""
    text = _Text()
    context: list[tuple[str, bool]] = []
    skipping = pre = position = 0
    # One regex pass finds the tags; the text between them is sliced out, never scanned token by token.
    for match in _TAG.finditer(fragment):
        start = match.start()
        if start < position:
            continue  # inside a script's or style's text
        if start > position and not skipping:
            text.add(fragment[position:start], pre > 0)
        position = match.end()
        kind, tag, skip = _tag(match)
        if kind == _OPEN:
            context.append((tag, skip))
            pre += tag == "pre"
            if skip:
                skipping += 1
            elif not skipping and tag in _KEEP:
                text.open(tag)
        elif kind == _CLOSE and context and context[-1][0] == tag:
            _, skipped = context.pop()
            pre -= tag == "pre"
            if skipped:
                skipping -= 1
            elif not skipping and tag in _KEEP and tag in text.first:
                text.close(tag)
        elif kind == _LESS_THAN and not skipping:
            text.add("<", pre > 0)
        elif kind == _RAW:
            # A script's or style's text is no markup and never indexed: on to its end tag.
            end = fragment.lower().find(f"</{tag}", position)
            position = len(fragment) if end < 0 else fragment.find(">", end) + 1 or len(fragment)
    if position < len(fragment) and not skipping:
        text.add(fragment[position:], pre > 0)
    return "".join(text.data).strip()
