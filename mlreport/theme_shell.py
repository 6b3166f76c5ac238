"""Record pages rendered through one theme shell per folder, instead of a full theme render each.

Every record page of one kind (`experiments/<id>.md`, …) sits outside the navigation at the same
depth, so the theme's frame around it (header, tabs, navigation, footer, scripts) comes out the same
for all of them but for a few per-page values. A shell is the theme's own `main.html` rendered once
for a stand-in page whose values are unique tokens: its title, content and edit link carry a probe
of `<`, `&`, quotes, so each place a value lands shows how the theme wrote it there (as it is,
escaped, tags stripped, URL-quoted); its file name is a token too, filled in with the page's own.
The article (`partials/content.html`) is part of the shell like the rest: what it writes of the page
is its content, title and edit link, filled in as values. The part the theme draws from the page's
structure, its table of contents (`partials/toc.html`), is cut out of the shell and rendered through
the theme's own partial, once per outline, with the variables the shell gave it. Filling a shell is
string assembly.

A shell is trusted only once proved: the first few pages of each shell are rendered both ways, and
the full render is what gets written. Any difference (a theme override in `custom_dir`, another
theme, a plugin that changes the context), or a value the theme writes in a way the shell cannot
reproduce, sends that folder back to the full per-page render, with one info line saying so. The
pages of a proved shell need no theme render at all (`fill`): `mlreport build` writes them itself,
without MkDocs' page context, plugin events and template lookup per page.
"""

from __future__ import annotations

import copy
import logging
import posixpath
import re
import secrets
from dataclasses import dataclass, field
from typing import Any, Callable, Union

import jinja2
from jinja2.filters import do_urlencode
from markupsafe import Markup, escape
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, TableOfContents

log = logging.getLogger("mkdocs.plugins.mlreport")

TEMPLATE = "mlreport/theme-shell.html"
"""The template record pages name in their meta: it hands the page to `ThemeShells.render`."""
MAIN = "main.html"
PARTIALS = ("partials/toc.html",)
"""The theme's partials that depend on a page's structure: rendered per page, not kept in the shell. The article
(`partials/content.html`) is not one: it writes the page's values, which the shell fills in, and rendering it per
page cost more than the rest of the fill."""
THEME = "mlreport-theme/"
"""Where the theme's own partials stay reachable under the wrappers that stand in their names."""
SAMPLES = 3
"""How many pages of each shell are rendered both ways before the shell alone is trusted."""
PROBE = "<i>&amp;\"'</i>"
"""Appended to each token: the characters whose treatment tells one way of writing a value from another."""
META_TEXTS = ("title", "description", "author")
"""Front matter texts a theme writes into the page (Material: the title, the description and author meta
tags): filled in per page; any other front matter is part of the page's shape."""
_SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
"""File names that read the same as they are, escaped or URL-quoted."""

WRITINGS: dict[str, Callable[[str], str]] = {
    "as it is": str,
    "escaped": lambda value: str(escape(value)),
    "tags stripped": lambda value: Markup(value).striptags(),
    "tags stripped, escaped": lambda value: str(escape(Markup(value).striptags())),
    "URL-quoted": do_urlencode,
}
"""The ways a theme template writes a text value: Jinja's own filters (`e`, `striptags`, `urlencode`)."""


class Unsupported(Exception):
    """The theme uses a page value in a way the shell cannot fill in."""


@dataclass(frozen=True)
class _Value:
    """A page value in the shell, written as the theme wrote its stand-in."""

    name: str
    writing: Callable[[str], str]


@dataclass(eq=False)
class _Partial:
    """A partial cut out of the shell, with the variables the theme rendered it with."""

    template: str
    variables: dict[str, Any]
    renders: dict[tuple[Any, ...], str] | None = field(default_factory=dict)
    """Its renders by the page's table of contents below the first heading, while the partial has shown it
    depends on nothing else (Material's table of contents leaves out the page title); None once it has."""


_Part = Union[str, _Value, _Partial]


@dataclass
class _Shell:
    """One folder's theme render, cut into fixed text and the places each page fills in."""

    parts: list[_Part]
    proved: int = 0


@dataclass
class _Folder:
    """The shells of one folder's record pages, and whether the folder has fallen back to full renders."""

    shells: dict[tuple[Any, ...], _Shell | None] = field(default_factory=dict)
    """Page shape → its shell, None when the theme's use of the page cannot be filled in."""
    full: bool = False
    used: int = 0


class ThemeShells:
    """The shells of one build: installed in the theme's environment, rendering every record page."""

    def __init__(self, env: jinja2.Environment, pages: set[str]) -> None:
        self.env = env
        self.pages = pages
        """Source paths of the record pages that may share a shell."""
        self.folders: dict[str, _Folder] = {}
        self.proved = 0
        """How many shells have been proved so far: when it grows, more pages may be filled without a render."""
        token = secrets.token_hex(6)
        names = ("title", "content", "edit", "anchor", "heading", "name", "part",
                 *(f"meta.{key}" for key in META_TEXTS))
        self.marker = f"mlrshell{token}"
        """What every token starts with: text no page holds."""
        # Numbered, not named: a theme's `replace("edit", …)` must not find a word inside a token.
        self.tokens = {name: f"{self.marker}{number:02d}" for number, name in enumerate(names)}

    @classmethod
    def install(cls, env: jinja2.Environment, files: Files, pages: set[str]) -> ThemeShells:
        """Point each record page at the shell template, which calls back into the returned shells."""
        shells = cls(env, pages)
        # Each partial a shell leaves out is wrapped: a shell's render gets a marker where the partial goes, any
        # other render the theme's own partial. The wrappers live in the one environment, so the theme's
        # templates compile once for full renders and shells alike.
        theme = env.loader
        assert theme is not None
        served = {TEMPLATE: "{{ mlreport_theme_shell() }}"}
        for name in PARTIALS:
            try:
                theme.get_source(env, name)
            except jinja2.TemplateNotFound:
                continue
            served[name] = (f"{{% if mlreport_capture is defined %}}{{{{ mlreport_capture({name!r}) }}}}"
                            f"{{% else %}}{{% include {THEME + name!r} %}}{{% endif %}}")
        env.loader = jinja2.ChoiceLoader([jinja2.DictLoader(served),
                                          jinja2.PrefixLoader({THEME.rstrip("/"): theme}), theme])
        env.globals["mlreport_theme_shell"] = jinja2.pass_context(lambda context: shells._render_context(context))
        for file in files.documentation_pages():
            if file.page is not None:
                shells.adopt(file.page)
        return shells

    def adopt(self, page: Page) -> None:
        """Point a record page (read again since `install`, as `mlreport serve` does) at the shell template."""
        if page.file.src_uri in self.pages and page.file.generated_by and "template" not in page.meta:
            page.meta["template"] = TEMPLATE

    def summary(self) -> str:
        """How many record pages each folder filled from a shell, for the build's debug log."""
        return ", ".join(f"{folder or '.'}: {state.used}" + (" (full renders)" if state.full else "")
                         for folder, state in sorted(self.folders.items()))

    # -- rendering ------------------------------------------------------------------------------

    def _render_context(self, context: jinja2.runtime.Context) -> str:
        variables = context.get_all()
        page: Page = variables["page"]
        # The page named this template only to get here: from now on its meta is its own again.
        if page.meta.get("template") == TEMPLATE:
            del page.meta["template"]
        return self.render(page, variables)

    def render(self, page: Page, variables: dict[str, Any]) -> str:
        """The page's HTML: its shell filled in, or the theme's full render while the shell is unproved."""
        folder_name, name = posixpath.split(page.file.src_uri)
        folder = self.folders.setdefault(folder_name, _Folder())
        if folder.full or not self._fits(page, name):
            return self._full(variables)
        shape = _shape(page)
        if shape not in folder.shells:
            folder.shells[shape] = self._shell(page, variables)
        shell = folder.shells[shape]
        if shell is None:
            return self._fall_back(folder, folder_name, "the theme writes a page value in a way a shared shell "
                                                        "cannot fill in", variables)
        filled = self._fill(shell, page, name)
        if shell.proved < SAMPLES:
            full = self._full(variables)
            if filled != full:
                return self._fall_back(folder, folder_name, "a shared shell did not give the theme's own page",
                                       variables, full)
            shell.proved += 1
            self.proved += shell.proved == SAMPLES
        folder.used += 1
        return filled

    def fill(self, page: Page) -> str | None:
        """The page's HTML from a proved shell of its folder, with no theme render; None while no proved shell fits
        it (the page is rendered through the theme then, and `render` proves its shell or falls back)."""
        folder_name, name = posixpath.split(page.file.src_uri)
        folder = self.folders.get(folder_name)
        if folder is None or folder.full or not self._fits(page, name):
            return None
        if page.meta.get("template", TEMPLATE) != TEMPLATE:
            return None  # a template of the page's own, which the theme renders
        shell = folder.shells.get(_shape(page))
        if shell is None or shell.proved < SAMPLES:
            return None
        page.meta.pop("template", None)  # as when the theme hands the page to `render`
        folder.used += 1
        return self._fill(shell, page, name)

    def _fits(self, page: Page, name: str) -> bool:
        """Whether the page may share a shell: a record page outside the navigation, its name safe as it is."""
        stem, ext = posixpath.splitext(name)
        return (page.file.src_uri in self.pages and ext == ".md" and stem not in ("index", "README")
                and bool(_SAFE_NAME.match(stem)) and page.parent is None
                and page.previous_page is None and page.next_page is None)

    def _full(self, variables: dict[str, Any]) -> str:
        return self.env.get_template(MAIN).render(variables)

    def _fall_back(self, folder: _Folder, name: str, why: str, variables: dict[str, Any],
                   full: str | None = None) -> str:
        folder.full = True
        log.info(f"mlreport: {why} for the pages in {name or 'the top folder'}/; each is rendered in full")
        return self._full(variables) if full is None else full

    # -- the shell ------------------------------------------------------------------------------

    def _shell(self, page: Page, variables: dict[str, Any]) -> _Shell | None:
        """The theme's render of a stand-in for this page, cut into fixed text and fill-ins; None when the
        theme uses a value the shell cannot fill in."""
        stand_in, values = self._stand_in(page, variables["config"])
        captured: list[_Partial] = []

        def capture(context: jinja2.runtime.Context, template: str) -> str:
            variables = {key: value for key, value in context.get_all().items() if key != "mlreport_capture"}
            captured.append(_Partial(template, variables))
            return f"{self.tokens['part']}{len(captured) - 1}."

        rendered = self.env.get_template(MAIN).render({**variables, "page": stand_in,
                                                      "mlreport_capture": jinja2.pass_context(capture)})
        try:
            return _Shell(self._cut(rendered, values, captured))
        except Unsupported:
            return None

    def _stand_in(self, page: Page, config: Any, keep_toc: bool = False) -> tuple[Page, dict[str, str]]:
        """A copy of the page whose per-page values are tokens (with the probe), and those values; its table of
        contents is the first heading alone, or with `keep_toc` the page's own with the first heading's
        title and anchor as tokens."""
        values: dict[str, str] = {}

        def token(name: str, value: str | None) -> str | None:
            if not value:
                return value
            values[name] = self.tokens[name] + PROBE
            return values[name]

        stand_in = copy.copy(page)
        folder, name = posixpath.split(page.file.src_uri)
        stand_in.file = copy.copy(page.file)
        for cached in ("name", "dest_uri", "url", "abs_src_path", "abs_dest_path"):
            stand_in.file.__dict__.pop(cached, None)
        stand_in.file.src_uri = posixpath.join(folder, self.tokens["name"] + ".md")
        stand_in._set_canonical_url(config.site_url)
        stand_in.title = token("title", page.title)
        stand_in.content = token("content", page.content or "")
        if page.content and "<h1" in page.content:
            stand_in.content = f"{stand_in.content}<h1>"
            values["content"] = stand_in.content
        stand_in.edit_url = token("edit", page.edit_url)
        first = next(iter(page.toc), None)
        if first is None:
            stand_in.toc = TableOfContents([])
        else:
            heading = AnchorLink(self.tokens["heading"], token("anchor", first.id) or "", first.level)
            if keep_toc:
                heading.children = first.children
            stand_in.toc = TableOfContents([heading, *(list(page.toc)[1:] if keep_toc else ())])
        stand_in.meta = dict(page.meta)
        for key in META_TEXTS:
            if isinstance(page.meta.get(key), str):
                stand_in.meta[key] = token(f"meta.{key}", page.meta[key])
        return stand_in, values

    def _cut(self, rendered: str, values: dict[str, str], captured: list[_Partial]) -> list[_Part]:
        """The shell's parts: fixed text between the places a page value or a cut-out partial goes."""
        pattern = re.compile("(" + "|".join(re.escape(token) for token in self.tokens.values()) + ")")
        names = {token: name for name, token in self.tokens.items()}
        parts: list[_Part] = []
        position = 0
        for found in pattern.finditer(rendered):
            if found.start() < position:
                raise Unsupported  # a token inside a value already taken: the theme combined two values
            parts.append(rendered[position:found.start()])
            name = names[found.group()]
            if name == "part":
                number, dot, _ = rendered[found.end():].partition(".")
                if not dot or not number.isdigit() or int(number) >= len(captured):
                    raise Unsupported
                parts.append(captured[int(number)])
                position = found.end() + len(number) + 1
            elif name == "name":
                parts.append(_Value("name", str))
                position = found.end()
            elif name in values:
                writing = next((w for w in WRITINGS.values() if rendered.startswith(w(values[name]), found.start())),
                               None)
                if writing is None:
                    raise Unsupported
                parts.append(_Value(name, writing))
                position = found.start() + len(writing(values[name]))
            else:
                raise Unsupported  # a table of contents drawn outside its partial
        parts.append(rendered[position:])
        return parts

    def _fill(self, shell: _Shell, page: Page, name: str) -> str:
        """The shell with this page's values and partials filled in."""
        first = next(iter(page.toc), None)
        values = {"title": page.title or "", "content": page.content or "", "edit": page.edit_url or "",
                  "anchor": first.id if first is not None else "", "name": posixpath.splitext(name)[0],
                  **{f"meta.{key}": page.meta[key] for key in META_TEXTS if isinstance(page.meta.get(key), str)}}
        out = []
        for part in shell.parts:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, _Value):
                out.append(part.writing(values[part.name]))
            else:
                out.append(self._partial(part, page))
        return "".join(out)

    def _partial(self, part: _Partial, page: Page) -> str:
        """A cut-out partial rendered for the page, or its render for another page of the same table of contents
        below the first heading, once the partial has shown it reads nothing else of the page."""
        if part.renders is None:
            return self._render_partial(part, page)
        toc = list(page.toc)
        key = (toc[0].level, _outline(toc[0].children), _outline(toc[1:])) if toc else ()
        rendered = part.renders.get(key)
        if rendered is None:
            rendered = self._render_partial(part, page)
            stand_in, _ = self._stand_in(page, part.variables["config"], keep_toc=True)
            if self.marker in self._render_partial(part, stand_in):
                part.renders = None
            else:
                part.renders[key] = rendered
        return rendered

    def _render_partial(self, part: _Partial, page: Page) -> str:
        return self.env.get_template(THEME + part.template).render({**part.variables, "page": page})


def _outline(links: Any) -> tuple[Any, ...]:
    """A table of contents as plain values: level, anchor, title and children of every heading."""
    return tuple((link.level, link.id, link.title, _outline(link.children)) for link in links)


def _shape(page: Page) -> tuple[Any, ...]:
    """What, besides its values, decides how the theme lays out a page: pages of one shape share a shell."""
    first = next(iter(page.toc), None)
    # The shell template a page names only to reach `render` is no part of its shape (`render` drops it first).
    meta = sorted((str(key), bool(value) if key in META_TEXTS and isinstance(value, str) else repr(value))
                  for key, value in page.meta.items() if not (key == "template" and value == TEMPLATE))
    return (repr(meta), bool(page.title),
            bool(page.edit_url), bool(page.content and "<h1" in page.content),
            None if first is None else first.level, page.canonical_url is None, page.is_homepage)
