"""What every page kind shares: the output, the page registry, paths and links, number formatting.

A page kind is a function `write(site)` that adds pages and data files through `Site`; it is
listed in `mlreport.render.PAGE_KINDS`. Paths here are site-relative source paths
(`experiments/foo.md`); MkDocs turns Markdown links between them into URLs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import posixpath
import re
import traceback
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Iterable
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from mlreport import metrics
from mlreport.config import Options
from mlreport.history import History, Provenance
from mlreport.record_texts import RecordTexts
from mlreport.render.page_inputs import PageInputs
from mlreport.slugs import slugify
from mlreport.catalog import Catalog
from mlreport.problems import Problem, RecordError, relative
from mlreport.records import Record
from mlreport.records.kinds import BY_NAME
from mlreport.render import safe
from mlreport.render.html_page import HtmlPage, Outline
from mlreport.render.text import summary
from mlreport.render.workers import render_all
from mlreport.templates import CompiledTemplates, environment, user_templates

ASSETS = "assets/mlreport"
"""Where mlreport's scripts, styles and vendored libraries go in the site."""
DATA = f"{ASSETS}/data"
"""Where JSON data files (tables, per-experiment details) go."""
EXPERIMENTS_INDEX = "experiments/index.md"
LEADERBOARDS_INDEX = "leaderboards/index.md"
DECISIONS_INDEX = "decisions/index.md"
MODELS_INDEX = "models/index.md"
KPIS_INDEX = "kpis/index.md"
COMPARE_PAGE = "experiments/compare.md"
"""The compare view; its selection lives in the URL: `experiments/compare/?ids=a,b,c`."""
QUERY_DATA = f"{DATA}/query.json"
"""Every experiment's fields as the query language reads them: the filter boxes evaluate on it."""
COMPARE_QUERY = "ids"
"""The query parameter holding the compared experiment ids, comma-separated, in order."""
FEED = "feed.xml"
TEMPLATES_CACHE = "templates"
"""The cache folder's folder of compiled page templates (`CompiledTemplates`)."""
_RESERVED = {"index", "compare"}
_SAFE_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@dataclass
class Generated:
    """The whole generated site, engine-free: Markdown pages, data files and assets."""

    pages: dict[str, str] = field(default_factory=dict)
    """Site-relative `.md` path → Markdown."""
    html_pages: dict[str, HtmlPage] = field(default_factory=dict)
    """Site-relative `.md` path → a page rendered straight to HTML (record pages): no Markdown to convert."""
    files: dict[str, bytes] = field(default_factory=dict)
    """Site-relative path → content (JSON data, the feed)."""
    assets: dict[str, Path] = field(default_factory=dict)
    """Site-relative path → file to copy (scripts, styles, vendored libraries)."""
    css: list[str] = field(default_factory=list)
    """Stylesheets every page loads, site-relative."""
    javascript: list[str] = field(default_factory=list)
    """Scripts every page loads, in order, site-relative."""
    nav: list[tuple[str, str]] = field(default_factory=list)
    """The sections for the navigation: (title, index page), in order; record pages stay out."""
    sources: dict[str, str] = field(default_factory=dict)
    """Record page → the record's source file, relative to the repo root (for edit links)."""
    feeds: list[tuple[str, str]] = field(default_factory=list)
    """(title, site-relative path) of the Atom feeds every page announces in its head."""
    page_keys: dict[str, str] = field(default_factory=dict)
    """Record page rendered straight to HTML → the digest of everything it is made from (render/page_inputs.py);
    pages that cannot be keyed have none."""
    deferred: dict[str, Callable[[], HtmlPage]] = field(default_factory=dict)
    """Record pages not rendered yet (`generate(defer=True)`), in page order: `render_deferred` renders them."""
    pending: dict[str, Callable[[], None]] = field(default_factory=dict)
    """Deferred record pages keyed before their context is built (`Site.add_keyed_record_page`): `prepare` builds
    the context and adds the page's own data files, for the pages the engine does not have from the last build."""
    owners: dict[str, str] = field(default_factory=dict)
    """Data file → the keyed record page it belongs to alone (its charts, an experiment's details): made from that
    page's inputs, so the page's key stands for the file's bytes too."""

    def prepare(self, skip: Iterable[str] = ()) -> None:
        """Build the context and the data files of the pending pages, in page order, but those in `skip` (the engine
        has their output and their data files from the last build)."""
        left_out = set(skip)
        for path, prepare in self.pending.items():
            if path not in left_out:
                prepare()
        self.pending = {}

    def render_deferred(self, skip: Iterable[str] = (), meanwhile: Callable[[], None] | None = None) -> None:
        """Render the deferred pages into `html_pages`, in page order, but those in `skip` (the engine has their
        output from the last build), while `meanwhile` runs: the engine's own work that needs no record page.
        Pending pages are prepared first. Raises RecordError when a template fails."""
        left_out = set(skip)
        self.prepare(left_out)
        paths = [path for path in self.deferred if path not in left_out]
        # Many pages are shared among forked workers (render/workers.py): the model is the same in each.
        self.html_pages.update(zip(paths, render_all([self.deferred[path] for path in paths], meanwhile)))


@dataclass(frozen=True)
class PageKind:
    """One kind of generated page."""

    name: str
    write: Callable[["Site"], None]
    """Adds the kind's pages and data files to the site."""
    section: str = ""
    """Navigation title of the kind's index page, if it has one."""
    index: str = ""
    """The kind's index page."""
    records: str = ""
    """The record kind (experiment, decision, model) that gets one page per record from this kind."""


class Site:
    """The model being rendered, the output being gathered, and the helpers pages share."""

    def __init__(self, catalog: Catalog, history: History, options: Options, kinds: Iterable[PageKind],
                 home: str = "index.md", defer: bool = False, only: Iterable[str] | None = None,
                 env: jinja2.Environment | None = None, memo: dict[Any, Any] | None = None,
                 texts: RecordTexts | None = None):
        self.catalog = catalog
        self.history = history
        self.options = options
        self.kinds = tuple(kinds)
        self.home = home
        self.out = Generated()
        self.only = None if only is None else frozenset(only)
        """The record and leaderboard pages to render, with the data files that are theirs alone (`mlreport serve`
        after a record changed); None for all of them. Index pages and shared data files are always rendered."""
        self.memo = memo
        """Values computed from one record alone, kept across generations (`mlreport serve`); None keeps none."""
        self._record_kinds = {kind.records for kind in self.kinds if kind.records}
        self._direct: dict[str, bool] = {}
        self._env = env or page_environment(options)
        self.paths = SimpleNamespace(home=home, experiments=EXPERIMENTS_INDEX, leaderboards=LEADERBOARDS_INDEX,
                                     decisions=DECISIONS_INDEX, models=MODELS_INDEX, kpis=KPIS_INDEX, compare=COMPARE_PAGE,
                                     feed=FEED)
        """The well-known pages, for templates."""
        self.defer = defer
        """Whether record pages rendered straight to HTML wait in `out.deferred` (see `Generated.render_deferred`),
        keyed by their inputs."""
        self.inputs = PageInputs.of(self) if defer else None
        self.texts = texts if self.inputs is not None and self.inputs.keyed else None
        """Texts made from single records, kept between builds by each record's digest (`record_text`)."""
        if self.texts is not None and self.inputs is not None:
            self.texts.frame(self.inputs.site)
        self._owner: str | None = None
        """The keyed record page being prepared (`add_keyed_record_page`): the data files added meanwhile are its."""
        self._parts: dict[str, dict[str, str]] = {}
        """Data files of named parts (`add_json_part`) → each part's JSON text, by name."""

    # -- output ---------------------------------------------------------------------------------

    def renders(self, page: str) -> bool:
        """Whether this generation renders a record's or a leaderboard's page (see `only`)."""
        return self.only is None or page in self.only

    def add_page(self, path: str, template: str, source: Record | None = None, inputs: tuple[Any, ...] | None = None,
                 **context: Any) -> None:
        """Render a template from `templates/pages/` into a page at `path`; with `inputs`, the objects the page
        depends on alone, the render is kept in `memo` until one of them is another object (see `per_record`)."""
        if inputs is not None:
            self.out.pages[path] = self.per_record(f"page:{path}", inputs,
                                                   lambda: self.render(template, path, **context))
        else:
            self.out.pages[path] = self.render(template, path, **context)
        if source is not None:
            self.out.sources[path] = source.path

    def add_record_page(self, path: str, kind: str, source: Record, title: str, hide: tuple[str, ...] = (),
                        **context: Any) -> None:
        """A record's page from `templates/pages/<kind>.html.j2`, straight to HTML; from `<kind>.md.j2`, through
        Markdown, when the repo overrides that template or the site's Markdown settings ask for it (see
        `config.headings`)."""
        if not self.direct_html(kind):
            self.add_page(path, f"{kind}.md.j2", source=source, **context)
            return
        render = partial(self._render_html, path, kind, title, hide, context)
        if self.inputs is not None:
            key = self.inputs.key(kind, path, source, title, hide, context)
            if key is not None:
                self.out.page_keys[path] = key
            self.out.deferred[path] = render
        else:
            self.out.html_pages[path] = render()
        self.out.sources[path] = source.path

    def add_keyed_record_page(self, path: str, kind: str, source: Record, title: str, inputs: tuple[Any, ...],
                              make: Callable[[], dict[str, Any]], hide: tuple[str, ...] = ()) -> None:
        """A record page (`add_record_page`) keyed by `inputs`, everything its context and its own data files are
        made from besides what every page reads (`PageInputs`): `make` adds those data files and returns the
        context. Deferred and keyed, it is left for `Generated.prepare`, which an engine skips for a page it has
        from the last build with the same key; else made now."""
        key = self.inputs.key(kind, path, source, title, hide, inputs) \
            if self.inputs is not None and self.direct_html(kind) else None
        if key is None:
            self.add_record_page(path, kind, source, title, hide, **make())
            return
        context: dict[str, Any] = {}

        def prepare() -> None:
            self._owner = path
            try:
                context.update(make())
            finally:
                self._owner = None

        self.out.page_keys[path] = key
        self.out.pending[path] = prepare
        self.out.deferred[path] = partial(self._render_html, path, kind, title, hide, context)
        self.out.sources[path] = source.path

    def _render_html(self, path: str, kind: str, title: str, hide: tuple[str, ...], context: dict[str, Any]
                     ) -> HtmlPage:
        """A record page straight to HTML from its template."""
        headings = self.options.headings
        assert headings is not None
        outline = Outline(headings)
        content = self.render(f"{kind}.html.j2", path, outline=outline, **context)
        meta: dict[str, Any] = {"title": html.escape(" ".join(str(title).split()), quote=True)}
        if hide:
            meta["hide"] = list(hide)
        return outline.page(content, meta)

    def direct_html(self, kind: str) -> bool:
        """Whether a record kind's pages are rendered straight to HTML: not when the repo's templates override
        its Markdown template (or the macros it shares), nor when the site's Markdown settings could change it."""
        if kind not in self._direct:
            # Asked once per kind, not per page: the templates folder does not change while a build renders.
            own = user_templates(self.options)
            self._direct[kind] = self.options.headings is not None and (own is None or not any(
                (own / "pages" / name).is_file() for name in (f"{kind}.md.j2", "macros.md.j2")))
        return self._direct[kind]

    def render(self, template: str, page: str, **context: Any) -> str:
        """A template rendered for `page`, with the shared helpers bound to that page."""
        helpers = {"page": page, "site": self, "catalog": self.catalog, "history": self.history,
                   "link": partial(self.link, page), "record_link": partial(self.record_link, page),
                   "record_anchor": partial(self.record_anchor, page), "url": self.url, "paths": self.paths,
                   "page_href": partial(self.href, page), "compare_href": partial(self.compare_href, page)}
        try:
            return self._env.get_template(f"pages/{template}").render(**helpers, **context)
        except jinja2.TemplateError as exc:
            raise RecordError([template_problem(exc, self.options.root, page)]) from None

    def add_json(self, path: str, data: Any) -> None:
        """A JSON data file, compact and with sorted keys so builds are byte-identical."""
        self.out.files[path] = json_text(data).encode("utf-8")
        if self._owner is not None:
            self.out.owners[path] = self._owner

    def add_json_rows(self, path: str, data: dict[str, Any], rows: Iterable[str]) -> None:
        """A JSON data file (`add_json`) of `data` with its `rows` given as each row's JSON text (`json_text_with`):
        a table whose rows are kept per record (`record_text`)."""
        self.out.files[path] = json_text_with(data, "rows", rows).encode("utf-8")
        if self._owner is not None:
            self.out.owners[path] = self._owner

    def add_json_part(self, path: str, name: str, data: Any) -> None:
        """One named part of a JSON data file of parts, as `add_json` would write the mapping of them all (a page's
        charts: one file a page, not a file and a folder a chart, for the file system to create)."""
        parts = self._parts.setdefault(path, {})
        parts[name] = json_text(data)
        self.out.files[path] = ("{" + ",".join(f"{json_text(key)}:{text}" for key, text in sorted(parts.items()))
                                + "}").encode("utf-8")
        if self._owner is not None:
            self.out.owners[path] = self._owner

    def per_record(self, name: Any, record: Record | tuple[Any, ...] | dict[str, Any], compute: Callable[[], Any]
                   ) -> Any:
        """`compute()`, a value that depends on this record (or these immutable objects, or a value this memo gave)
        alone: kept in `memo` for the very same objects, so a generation after one record changed computes it
        again for that one only."""
        if self.memo is None:
            return compute()
        many = isinstance(record, tuple)
        key = (name, None if many else id(record))
        kept = self.memo.get(key)
        if kept is not None and (len(kept[0]) == len(record) and all(a is b for a, b in zip(kept[0], record))
                                 if many else kept[0] is record):
            return kept[1]
        value = compute()
        self.memo[key] = (record, value)
        return value

    def record_text(self, name: str, record: Record, make: Callable[[], str]) -> str:
        """`make()`, a text made from this record alone (and whatever `name` says, in every page's inputs besides):
        the same object's from `memo` (`per_record`), else the last build's for a record of the same value
        (`texts`), else made now."""
        if self.texts is None or self.inputs is None:
            return self.per_record(name, record, make)
        texts, key = self.texts, self.inputs.record_key(record)
        return self.per_record(name, record, lambda: texts.text(name, key, make))

    # -- paths and links ------------------------------------------------------------------------

    def has_pages(self, record_kind: str) -> bool:
        """Whether some page kind writes one page per record of this kind."""
        return record_kind in self._record_kinds

    def page_of(self, record: Record) -> str | None:
        """The page of a record, or None when no page kind renders its kind."""
        return record_page(record.kind, record.id) if self.has_pages(record.kind) else None

    def url(self, page: str) -> str:
        """A page's URL relative to the site root (`experiments/foo/`), as MkDocs will write it."""
        return page_url(page, self.options.use_directory_urls)

    def link(self, from_page: str, to_page: str) -> Markup:
        """A Markdown link target from one page to another (relative `.md` path)."""
        return safe.href(relative_path(to_page, posixpath.dirname(from_page)))

    def compare_link(self, page: str, experiments: Iterable[Record]) -> Markup:
        """A Markdown link target from `page` to the compare view with these runs selected (`compare.md?ids=a,b`)."""
        return Markup(f"{self.link(page, COMPARE_PAGE)}?{_compare_query(experiments)}")

    def compare_href(self, page: str, experiments: Iterable[Record]) -> Markup:
        """An HTML link target from `page` to the compare view with these runs selected (`../compare/?ids=a,b`)."""
        return Markup(f"{self.href(page, COMPARE_PAGE)}?{_compare_query(experiments)}")

    def href(self, from_page: str, to_page: str) -> Markup:
        """An HTML link target from one page to another: the target's URL as seen from the page's URL.

        For links inside raw HTML, which MkDocs writes as they are (it turns `.md` links into URLs
        only in Markdown).
        """
        here = self.url(from_page)
        folder = here.rstrip("/") if here.endswith("/") or not here else posixpath.dirname(here)
        return safe.href(relative_path(self.url(to_page), folder) or "./")

    def record_link(self, from_page: str, record: Record | None, label: Any = None) -> Markup:
        """`[title](page.md)` for a record with a page; its escaped title otherwise."""
        shown, target = self._shown_and_page(record, label)
        return Markup(f"[{shown}]({self.link(from_page, target)})") if target else shown

    def record_anchor(self, from_page: str, record: Record | None, label: Any = None) -> Markup:
        """`<a href="url">title</a>` for a record with a page, for raw HTML; its escaped title otherwise."""
        shown, target = self._shown_and_page(record, label)
        return Markup(f'<a href="{self.href(from_page, target)}">{shown}</a>') if target else shown

    def _shown_and_page(self, record: Record | None, label: Any) -> tuple[Markup, str | None]:
        if record is None:
            return safe.text(label), None
        return safe.text(label if label is not None else record.title or record.id), self.page_of(record)

    def record(self, kind: str, record_id: str) -> Record | None:
        """A record by kind and id (None when it no longer exists, as in old feed items)."""
        return getattr(self.catalog, BY_NAME[kind].plural).get(record_id) if kind in BY_NAME else None

    def edit_url(self, record: Record) -> str:
        """Where to edit a record's source on the forge, when `repo_url` is known."""
        return edit_url(record.path, self.options)

    def provenance(self, record: Record) -> Provenance:
        """A record's git history (empty when unknown)."""
        return self.history.provenance(record.path)


def json_text(data: Any) -> str:
    """Data as the site's JSON files hold it: compact, keys sorted, so builds are byte-identical."""
    return _JSON_TEXT(data)


_JSON_TEXT = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode
"""`json_text`'s one encoder: `json.dumps` with arguments makes one per call, tens of thousands a build."""


def json_text_with(data: dict[str, Any], key: str, texts: Iterable[str]) -> str:
    """`json_text` of `data` with `key` holding the list whose items' JSON texts are `texts` (each as `json_text`
    writes it): the same bytes, while a caller keeps each item's text and dumps again only those that changed."""
    items = sorted({**data, key: None}.items())  # the order `sort_keys` gives
    return "{" + ",".join(f"{json_text(name)}:" + (f"[{','.join(texts)}]" if name == key else json_text(value))
                          for name, value in items) + "}"


def _compare_query(experiments: Iterable[Record]) -> Markup:
    ids = ",".join(quote(e.id, safe="") for e in experiments)
    return Markup(f"{COMPARE_QUERY}={escape(ids)}")


def relative_path(target: str, folder: str) -> str:
    """`target` as seen from `folder`, both site-relative (a pure string operation, unlike relpath)."""
    to, start = target.split("/"), folder.split("/") if folder else []
    common = 0
    while common < len(start) and common < len(to) - 1 and start[common] == to[common]:
        common += 1
    return "/".join([".."] * (len(start) - common) + to[common:])


def template_problem(exc: jinja2.TemplateError, root: Path, page: str) -> Problem:
    """A template that fails to render, located at the template line (a repo's override, usually)."""
    filename, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    for frame, frame_line in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename.endswith(".j2"):
            filename, line = frame.f_code.co_filename, frame_line
    shown = relative(Path(filename), root) if filename else "templates"
    return Problem(shown, line or 1, 1, "error", f"template failed while rendering {page}: {exc.message or exc}",
                   "check the template against the packaged one of the same name")


def record_page(kind: str, record_id: str) -> str:
    """The page of a record: `experiments/<id>.md`; ids that are not plain slugs get a safe name."""
    return f"{BY_NAME[kind].plural}/{page_slug(record_id)}.md"


def page_slug(record_id: str) -> str:
    """A file name for a record id that cannot leave its folder or clash with an index page."""
    if _SAFE_SLUG.match(record_id) and record_id not in _RESERVED and ".." not in record_id:
        return record_id
    digest = hashlib.sha1(record_id.encode("utf-8")).hexdigest()[:8]
    return "-".join(part for part in (slugify(record_id), digest) if part)


def page_url(page: str, directory_urls: bool = True) -> str:
    """`experiments/foo.md` → `experiments/foo/` (or `experiments/foo.html`); `index.md` → ``."""
    stem = page[: -len(".md")] if page.endswith(".md") else page
    if not directory_urls:
        return f"{stem}.html"
    if stem == "index" or stem.endswith("/index"):
        return stem[: -len("index")]
    return f"{stem}/"


def edit_url(path: str, options: Options) -> str:
    """A record's edit link: `repo_url` + `edit_uri` with the docs folder swapped for the record's path."""
    if not options.repo_url or not options.edit_uri:
        return ""
    base = options.edit_uri.strip("/")
    if base.split("/")[-1] == options.docs_name:
        # edit_uri points into the docs folder; records live beside it, at the repo root.
        base = base[: -len(options.docs_name)].rstrip("/")
    # Quoted: themes put this URL into an attribute as it is.
    target = quote(path)
    if base.startswith(("http://", "https://")):
        return safe.safe_url(f"{base}/{target}")
    return safe.safe_url(f"{options.repo_url.rstrip('/')}/{base}/{target}")


# -- numbers ------------------------------------------------------------------------------------


MARKS = metrics.MARKS


def number(value: Any, places: int | None = None) -> Markup:
    """A metric or parameter value as people read it: `0.671`, `1,843,211`, `0.0009`; with a metric's own
    decimal `places`, every value of the metric alike."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return safe.text(plain(value))
    return Markup(metrics.format_value(value, places))


def delta(value: float | None, goal: str, places: int | None = None) -> Markup:
    """A signed difference with ✓ (better) or ✗ (worse) for a metric whose goal is `max` or `min`; one too
    small to show at the metric's decimal `places` reads as none."""
    word = metrics.shown_verdict(value, goal, places)
    if not word:
        return Markup("")
    if word == "same":
        return Markup('<span class="mlr-delta mlr-same" title="the same">±0</span>')
    return Markup(f'<span class="mlr-delta mlr-{word}" title="{word}">{MARKS[word]} '
                  f'{metrics.format_delta(value, places)}</span>')


# In templates a metric is named (`value | number(row.name)`): its places come from the catalog.
@jinja2.pass_context
def _metric_number(context: jinja2.runtime.Context, value: Any, metric: str | None = None) -> Markup:
    return number(value, context["catalog"].places(metric))


@jinja2.pass_context
def _metric_delta(context: jinja2.runtime.Context, value: float | None, goal: str, metric: str | None = None) -> Markup:
    return delta(value, goal, context["catalog"].places(metric))


def badge(status: str, kind: str = "status", sign: str = "") -> Markup:
    """A coloured status badge (`completed`, `accepted`, `production`…), with a sign before the word if given."""
    shown = f"{safe.text(sign)} {safe.text(status)}" if sign else safe.text(status)
    return Markup(f'<span class="mlr-badge mlr-{kind}-{slugify(status)}">{shown}</span>')


def newest_first(records: Iterable[Record]) -> list[Any]:
    """Records by date, newest first; undated last; ids ascending within a day."""
    by_id = sorted(records, key=lambda r: r.id)
    return sorted(by_id, key=lambda r: r.date or dt.date.min, reverse=True)


def counted(values: Iterable[str]) -> list[tuple[str, int]]:
    """Each distinct value with its count, most frequent first, ties broken by name (stable output)."""
    return sorted(Counter(values).items(), key=lambda item: (-item[1], item[0]))


def most_common(values: Iterable[str], n: int) -> list[str]:
    """The n most frequent values, ties broken by name."""
    return [name for name, _ in counted(values)[:n]]


def plain(value: Any) -> str:
    """A parameter value as text: lists joined, booleans in YAML spelling."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        return ", ".join(plain(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {plain(v)}" for k, v in value.items()) or "{}"
    return str(value)


def page_environment(options: Options) -> jinja2.Environment:
    """The templates' environment for these options; one may serve many generations (`mlreport serve`: its
    templates compile once)."""
    # Every `{{ value }}` that is not already Markup is escaped for Markdown and HTML at once. Templates are
    # not checked for changes on every page: each build makes its own environment; `mlreport serve` keeps one.
    env = environment(options, finalize=safe.text, auto_reload=False,
                      bytecode_cache=CompiledTemplates(options.root / options.cache_dir / TEMPLATES_CACHE))
    env.filters.update(number=_metric_number, delta=_metric_delta, badge=badge, text=safe.text, href=safe.href,
                       json_script=safe.json_for_script, page_title=safe.page_title,
                       markdown=safe.RecordMarkdown(), plain=plain, summary=summary,
                       copyable=safe.preformatted)
    return env
