"""The MkDocs adapter: `plugins: [search, mlreport]` adds the generated site to a MkDocs build.

Hooks in event order: read the options and refuse a site folder the build would destroy
(`on_config`: MkDocs empties the site folder right after it); generate the site, stopping on record
errors, and add its pages, data and assets and lay out the navigation (`on_files`: per-record pages
are marked not-in-nav, since Material slows down quadratically with thousands of pages in the nav;
those rendered straight to HTML become `RenderedPage`s, which convert no Markdown); let the record
pages of a folder share one theme render (`on_env`, theme_shell.py); give Material's search index
their sections as rendered, unparsed (`on_page_content`), and keep their HTML from its page scan;
point "edit" buttons at record sources (`on_page_context`); announce the Atom feed in each page's
head (`on_post_page`), where, once a record page has proved its folder's shell, `mlreport build` writes the
record pages that shell fits itself, and MkDocs' page loop skips them; mark the site folder as mlreport's (`on_post_build`); watch record folders (`on_serve`). The site itself comes
from `mlreport.pipeline.generate_site`.
"""

from __future__ import annotations

import copy
import gc
import html
import json
import logging
import os
import re
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, get_toc
from mkdocs.utils import get_relative_url, nest_paths

from mlreport.build_inputs import distributions
from mlreport.cache_dir import digest
from mlreport.collector import collector_paused
from mlreport.config import Options, headings, options_from_entry, plugin_entry, read_site_config
from mlreport.page_cache import ConvertedPage, PageCache, SearchEntries, fingerprint
from mlreport.pipeline import GeneratedSite, generate_site
from mlreport.problems import Problem, RecordError, format_problems
from mlreport.records import RecordCache
from mlreport.records.kinds import KINDS
from mlreport.render import DASHBOARD, Generated
from mlreport.render.html_page import HtmlPage
from mlreport.render.site import edit_url
from mlreport.site_folder import Choice, SiteFolderError, Sources, check_site_folder, mark
from mlreport.site_manifest import BuiltPage, SiteManifest, SiteWriter, file_digest, frame_key, page_key, stat_of
from mlreport.theme_shell import ThemeShells

log = logging.getLogger("mkdocs.plugins.mlreport")

SEARCH_SEPARATOR = r"[\s\-]+|\.(?!\d)"
"""Material's English separator, and a dot unless a digit follows (metric and parameter names)."""
_SEARCH_ATTRIBUTE = re.compile(r"\s?data-search-\w+=\"[^\"]+\"")
"""What Material's search plugin removes from every page it indexes (`on_page_context`), as it writes it."""
_SEARCH_ATTRIBUTE_FOUND = re.compile(r'data-search-\w+="[^"]+"')
"""The same without its leading optional space: found as fast as a plain string, and wherever the other is."""
REQUIRED_EXTENSIONS = ("tables", "attr_list", "md_in_html", "admonition", "toc")
"""Markdown extensions the generated pages are written for; added when the site lacks them."""


class RecordsFailed(PluginError):
    """The records (or the plugin's options) have errors: every problem, for the build to report once."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(format_problems(problems, "text"))


class MlreportPlugin(BasePlugin):
    """Generates leaderboards, experiment pages and the rest from the repo's records."""

    def __init__(self) -> None:
        self.options: Options | None = None
        self.preloaded: Options | None = None
        """Options the CLI has read already (`mlreport build`): then mkdocs.yml is not read again."""
        self.generated = Generated()
        self.converted = PageCache(None, "")
        self._converting: dict[str, tuple[str, _Warnings]] = {}
        """Generated pages being converted this build: their cache key and the warnings their conversion logs."""
        self._reused: dict[str, ConvertedPage] = {}
        self.shells: ThemeShells | None = None
        """This build's shared theme renders of record pages (theme_shell.py); None when `theme_shell` is off."""
        self.last_site: Path | None = None
        """The last build's site, which this build replaces from beside it (`mlreport build`, which runs MkDocs
        with `dirty`): record pages it holds as this build would write them are taken from it. None renders every
        page (`mkdocs build` empties its site folder before the pages are known)."""
        self.built = SiteManifest()
        """How this build's record pages were built, for the next build (site_manifest.py)."""
        self.record_cache: RecordCache | None = None
        """The record cache to load through (`mlreport serve` keeps one in memory); None opens the cache folder's."""
        self.memo: dict[Any, Any] | None = None
        """Where pages keep what they compute from single records, for the next generation (`mlreport serve`)."""
        self.result: GeneratedSite | None = None
        """What this build generated the site from: the catalog and the history, besides the pages."""
        self.last_manifest = SiteManifest()
        """How the last build made its record pages (the manifest in the cache folder)."""
        self.writer = SiteWriter()
        """What puts reused record pages and data files into the site being built (`mlreport build`)."""
        self.before_writing: Callable[[], None] = lambda: None
        """Called before the plugin writes into the site folder: `mlreport build` may still be checking the folders
        it took from an old site (`site_folder.Staging.ready`)."""
        self.keys: dict[str, str] = {}
        """This build's record pages that are keyed → their keys (`page_key`)."""
        self._keyed_data: dict[str, list[str]] = {}
        """Key of a reused record page → its data files in the last site, linked into this one (`_reused_data`)."""
        self._hides_content = False
        """Whether record pages' HTML is kept from Material's search plugin while it looks at each page."""
        self._hidden: dict[str, str] = {}
        """Record pages' HTML while it is kept from the search plugin, by page source path."""
        self.indexed = SearchEntries(None, "")
        """The search entries of generated Markdown pages, kept by what the search plugin reads of each (`on_env`)."""
        self._indexing: dict[str, tuple[str, list[dict[str, Any]] | None, int]] = {}
        """Generated Markdown pages the search plugin is looking at: their key in `indexed`, the entries kept for it
        (their HTML is hidden meanwhile) or None, and how many entries the index held before."""
        self._pending: dict[str, RenderedPage] = {}
        """Record pages MkDocs has yet to build that the plugin may write itself from a proved shell (`_write_filled`),
        by source path; empty unless the build is `mlreport build`'s."""
        self._proved = 0
        """How many shells had been proved when the plugin last looked for pages to write (`ThemeShells.proved`)."""

    def load_config(self, options: dict[str, Any], config_file_path: str | None = None) -> tuple[list, list]:
        """Take the entry as it is: `on_config` checks it the way `mlreport validate` does (every problem,
        at its line), which MkDocs' own option types cannot."""
        return [], []

    @event_priority(100)  # first: the search plugin reads its separator in its own on_config
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Read the options and refuse a site folder the build would destroy (MkDocs empties it right after
        this hook); make sure the Markdown extensions the generated pages use are on, and that search splits
        dotted metric names."""
        options = self.preloaded or _read_options(config)
        # What MkDocs decided wins: command-line overrides (`--strict`, `--site-url`) reach it, not mkdocs.yml.
        self.options = replace(options, strict=options.strict or bool(config.strict),
                               repo_url=config.repo_url or "", edit_uri=config.edit_uri or "",
                               site_name=config.site_name or "", site_url=config.site_url or "",
                               use_directory_urls=config.use_directory_urls)
        try:
            check_site_folder(Path(config.site_dir), site_sources(config, self.options),
                              Choice("site_dir (mkdocs.yml, or mkdocs build -d)"))
        except SiteFolderError as exc:
            raise PluginError(exc.line()) from None
        _require_extensions(config)
        self.options = replace(self.options, headings=headings(
            [(str(name), (config.mdx_configs or {}).get(name, {})) for name in config.markdown_extensions]))
        _search_separator(config)
        _theme_notes(config)
        return config

    @collector_paused()  # the model, the pages and their files live until the build ends: no collection rescans them
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        """Generate the site (record errors stop the build, as `mlreport validate` shows them) and add its
        pages, data files and assets; the team's own pages win a clash."""
        assert self.options is not None
        own_index = files.get_file_from_path("index.md") is not None
        try:
            result = generate_site(self.options, home_page=DASHBOARD if own_index else "index.md", defer=True,
                                   cache=self.record_cache, memo=self.memo)
        except RecordError as exc:
            raise RecordsFailed(exc.problems) from None
        for note in result.notes:
            log.info(f"mlreport: {note}")  # information, not a warning: `--strict` must not fail on it
        if result.failed:
            raise RecordsFailed(result.problems)
        for problem in result.problems:
            (log.info if problem.severity == "note" else log.warning)(problem.format_text())
        if result.history.warning:
            log.warning(f"mlreport: {result.history.warning}")
        self.generated, self.result = result.site, result
        # What was generated lives until the build ends: no collection while MkDocs renders needs to rescan it.
        gc.freeze()
        config.extra_css.extend(self.generated.css)
        config.extra_javascript.extend(self.generated.javascript)
        config.nav = _navigation(config.nav, self.generated, files, own_index)
        in_nav = {page for _, page in self.generated.nav}
        for path, text in self.generated.pages.items():
            if files.get_file_from_path(path) is not None:
                log.warning(f"mlreport: docs/{path} replaces the generated page of the same name")
                continue
            level = InclusionLevel.INCLUDED if path in in_nav else InclusionLevel.NOT_IN_NAV
            files.append(File.generated(config, path, content=text, inclusion=level))
        # `mlreport build`: the last site's files are linked by a process of their own while the pages render.
        self.writer = SiteWriter(later=self.last_site is not None)
        self._add_record_pages(files, config)
        for path, source in self.generated.assets.items():
            files.append(File.generated(config, path, abs_src_path=str(source)))
        self.converted = PageCache.open(self.options.root, self.options.cache_dir, _conversion_inputs(config, files))
        self._converting, self._reused = {}, {}
        # The record pages the workers rendered and their files and pages live until the build ends too: frozen,
        # the full collections MkDocs' page loop sets off scan none of them (1.1 s at 10,000 experiments).
        gc.freeze()
        return files

    def _add_record_pages(self, files: Files, config: MkDocsConfig) -> None:
        """Add the record pages rendered straight to HTML: those the last site holds as this build would write them
        are linked into the new site as they are (`ReusedPage`), the others rendered now (`RenderedPage`); then the
        data files, put into the site while the workers render (`_data_files`)."""
        assert self.options is not None
        generated = self.generated
        paths = []
        for path in dict.fromkeys([*generated.deferred, *generated.html_pages]):
            if files.get_file_from_path(path) is not None:
                log.warning(f"mlreport: docs/{path} replaces the generated page of the same name")
            else:
                paths.append(path)
        dests = {path: File(path, None, config.site_dir, config.use_directory_urls).dest_uri for path in paths}
        frame = _frame(config, files, generated) if self.last_site is not None and reusable_build(config) else None
        keys = {path: page_key(frame, generated.page_keys[path]) for path in paths
                if frame is not None and path in generated.page_keys}
        self.last_manifest = SiteManifest.read(self.options.root / self.options.cache_dir)
        reused = self.last_manifest.reusable(self.last_site, keys, dests) if frame is not None else {}
        self._keyed_data, broken = self._reused_data(reused)
        reused = {path: built for path, built in reused.items() if built.key not in broken}
        self.keys = keys
        self.built = SiteManifest(os.path.realpath(self.last_site or config.site_dir))
        data: list[File] = []
        self.before_writing()
        try:
            # The data files need no record page: this process writes them while the workers render.
            generated.render_deferred(skip=reused, meanwhile=lambda: data.extend(self._data_files(config)))
        except RecordError as exc:
            raise RecordsFailed(exc.problems) from None
        for path in paths:
            if path in reused:
                built = reused[path]
                assert self.last_site is not None
                file = _ReusedFile.generated(config, path, abs_src_path=str(self.last_site / built.dest),
                                             inclusion=InclusionLevel.NOT_IN_NAV)
                self.writer.link(os.path.join(self.last_site, built.dest), file.abs_dest_path)
                ReusedPage(built, file, config)
                self.built.pages[path] = built
            else:
                file = _RecordFile.generated(config, path, content=generated.html_pages[path].html,
                                             inclusion=InclusionLevel.NOT_IN_NAV)
                RenderedPage(generated.html_pages[path], file, config).edit_url = self._edit_url(path)
                if path in keys:
                    self.built.pages[path] = BuiltPage(keys[path], file.dest_uri, "")
            files.append(file)
        if reused:
            log.debug(f"mlreport: {len(reused)} of {len(paths)} record pages taken from the last build")
        for file in data:
            files.append(file)
        self.writer.start_linking()

    def _reused_data(self, reused: dict[str, BuiltPage]) -> tuple[dict[str, list[str]], set[str]]:
        """The data files of the reused pages (by key) that the last site holds as the last build wrote them, and
        the keys of pages with one missing or changed, which are not reused. A page's own data files are made with
        it, from its inputs, and kept under its key instead of their digest (`Generated.owners`)."""
        keys = {built.key for built in reused.values()}
        found: dict[str, list[str]] = {}
        broken: set[str] = set()
        if not keys:
            return found, broken
        assert self.last_site is not None
        last_site, folders = os.path.realpath(self.last_site), {}
        for dest, kept in self.last_manifest.data.items():
            if kept and kept[0] in keys:
                if self.last_manifest.same_file(last_site, dest, kept[0], folders):
                    found.setdefault(kept[0], []).append(dest)
                else:
                    broken.add(kept[0])
        return {key: dests for key, dests in found.items() if key not in broken}, broken

    def _data_files(self, config: MkDocsConfig) -> list[File]:
        """The data files: for `mlreport build`, which MkDocs runs `dirty` into a fresh site folder, put there by
        the plugin (each folder made once) and marked unmodified, those the last site holds with the same bytes
        linked from it (the last manifest has their digests and stats), the others written. The files of a reused
        record page are linked as they are, those of a keyed page written and kept under its key."""
        last_site = os.path.realpath(self.last_site) if self.last_site is not None else None
        folders: dict[str, bool] = {}
        files = []
        for dests in self._keyed_data.values():
            assert last_site is not None
            for dest in dests:
                if dest in self.generated.files:
                    continue  # made this build after all: the file made wins
                file = _WrittenFile.generated(config, dest, abs_src_path=os.path.join(last_site, dest))
                self.writer.link(os.path.join(last_site, dest), file.abs_dest_path)
                self.built.data[dest] = self.last_manifest.data[dest]
                files.append(file)
        owners = self.generated.owners
        for path, data in self.generated.files.items():
            if last_site is None:
                files.append(File.generated(config, path, content=data))
                continue
            file = _WrittenFile.generated(config, path, content=data)
            key = self.keys.get(owners.get(path, ""))
            if key is not None:
                self.built.data[file.dest_uri] = [key, *self.writer.write(file.abs_dest_path, data)]
                files.append(file)
                continue
            found = digest(data)
            if self.last_manifest.same_file(last_site, file.dest_uri, found, folders):
                self.writer.link(os.path.join(last_site, file.dest_uri), file.abs_dest_path)
                self.built.data[file.dest_uri] = self.last_manifest.data[file.dest_uri]
            else:
                self.built.data[file.dest_uri] = [found, *self.writer.write(file.abs_dest_path, data)]
            files.append(file)
        return files

    @event_priority(-100)  # last: the Markdown every other plugin has finished with is what gets converted
    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """A generated page converted before from exactly this Markdown skips the conversion."""
        source = page.file.src_uri
        if source not in self.generated.pages or not page.file.generated_by:
            return markdown
        key = self.converted.key(source, markdown)
        reused = self.converted.get(key)
        if reused is not None:
            self._reused[source] = reused
            return ""
        warnings = _Warnings()
        logging.getLogger("mkdocs").addHandler(warnings)
        self._converting[source] = (key, warnings)
        return markdown

    @event_priority(100)  # first: other plugins see the page's HTML, whether converted now or before
    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """Fill in a reused conversion; keep a fresh one that logged no warning (a warning must be seen again)."""
        if isinstance(page, RenderedPage):
            if _material_search(config) is not None:
                # Its sections go to the index from the page itself (`on_env`): the search plugin need not parse it.
                page.meta["search"] = {**(page.meta.get("search") or {}), "exclude": True}
            return html
        source = page.file.src_uri
        reused = self._reused.pop(source, None)
        if reused is not None:
            page.toc = get_toc(reused.toc)  # type: ignore[arg-type]
            page._title_from_render = reused.title
            page.present_anchor_ids = set(reused.anchors)
            page.links_to_anchors = {target: links for uri, links in reused.links.items()
                                     if (target := files.get_file_from_path(uri)) is not None}
            return reused.html
        if source in self._converting:
            key, warnings = self._converting.pop(source)
            logging.getLogger("mkdocs").removeHandler(warnings)
            if not warnings.seen:
                self.converted.put(key, ConvertedPage(
                    html=html, toc=[_toc_token(link) for link in page.toc], title=page._title_from_render,
                    anchors=sorted(page.present_anchor_ids or ()),
                    links={target.src_uri: dict(links) for target, links in (page.links_to_anchors or {}).items()}))
        return html

    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        """Give the search index the record pages' sections, in page order (the last build's for reused pages);
        let the record pages of each folder share one render of the theme, filled in per page."""
        assert self.options is not None
        _index_record_pages(files, config, self.built)
        # Only where no other plugin or hook could look at a page between the two hooks that hide its HTML.
        self._hides_content, self._hidden = reusable_build(config) and _material_search(config) is not None, {}
        self.indexed = SearchEntries.open(self.options.root, self.options.cache_dir, _search_frame()) \
            if self._hides_content else SearchEntries(None, "")
        self._indexing = {}
        self.shells = ThemeShells.install(env, files, set(self.generated.sources)) if self.options.theme_shell else None
        self._pending, self._proved = {}, 0
        if self.shells is not None and self.last_site is not None and reusable_build(config):
            # `mlreport build` runs MkDocs `dirty`, which leaves a page whose file says it is unmodified; with no
            # other plugin or hook, what the page events do to a record page is known (`_write_filled`).
            self._pending = {file.src_uri: file.page for file in files.documentation_pages()
                             if isinstance(file, _RecordFile) and isinstance(file.page, RenderedPage)}
        return env

    @event_priority(100)  # first: before the search plugin's
    def _on_page_context_first(self, context: dict[str, Any], *, page: Page, config: MkDocsConfig,
                               nav: Navigation) -> dict[str, Any]:
        """Keep a record page's HTML from Material's search plugin, which has its sections already (`on_env`) and
        would only scan all of it for attributes these pages do not hold, and a generated Markdown page's whose
        entries were kept from a page of the same inputs (`SearchEntries`); it is given back in
        `_on_page_context_last`."""
        if not self._hides_content:
            return context
        source = page.file.src_uri
        if isinstance(page, RenderedPage):
            self._hidden[source] = page.content or ""
            page.content = ""
        elif source in self.generated.pages and page.file.generated_by:
            key = _search_key(page)
            entries = self.indexed.get(key)
            self._indexing[source] = (key, entries, len(_material_search(config).entries))
            if entries is not None:
                self._hidden[source] = page.content or ""
                page.content = ""
        return context

    def _on_page_context(self, context: dict[str, Any], *, page: Page, config: MkDocsConfig,
                         nav: Navigation) -> dict[str, Any]:
        """Point a record page's edit button at the record's file; other generated pages get none."""
        if page.file.src_uri in self.generated.pages and page.file.generated_by:
            page.edit_url = self._edit_url(page.file.src_uri)
        return context

    @event_priority(-100)  # last: after the search plugin's
    def _on_page_context_last(self, context: dict[str, Any], *, page: Page, config: MkDocsConfig,
                              nav: Navigation) -> dict[str, Any]:
        """A record page's HTML back, as Material's search plugin leaves every page: without `data-search-*="…"`
        attributes (a record's Markdown notes may spell one out as text)."""
        hidden = self._hidden.pop(page.file.src_uri, None)
        if hidden is not None:
            page.content = _SEARCH_ATTRIBUTE.sub("", hidden) if _SEARCH_ATTRIBUTE_FOUND.search(hidden) else hidden
        indexing = self._indexing.pop(page.file.src_uri, None)
        if indexing is not None:
            key, entries, before = indexing
            index = _material_search(config).entries
            if entries is not None:
                index.extend(copy.deepcopy(entries))
            else:
                self.indexed.put(key, copy.deepcopy(index[before:]))
        return context

    on_page_context = CombinedEvent(_on_page_context_first, _on_page_context, _on_page_context_last)

    def _edit_url(self, page: str) -> str | None:
        source = self.generated.sources.get(page)
        assert self.options is not None
        return (edit_url(source, self.options) or None) if source else None

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        """Announce the Atom feeds in every page's head, for browsers and feed readers to find; when the page proved a
        shell, write the record pages still to come that it fits."""
        output = self._with_feeds(output, page)
        built = self.built.pages.get(page.file.src_uri)
        if built is not None and not built.digest and output.strip():
            # A page kept for the next build is in a build of no other plugin's pages (`reusable_build`): what this
            # returns is what MkDocs writes, so its digest needs no reading back (`_keep_manifest`).
            self.built.pages[page.file.src_uri] = replace(
                built, digest=digest(output.encode("utf-8", errors="xmlcharrefreplace")))
        if self._pending:
            self._pending.pop(page.file.src_uri, None)
            if self.shells is not None and self.shells.proved > self._proved:
                self._proved = self.shells.proved
                self._write_filled()
        return output

    def _with_feeds(self, output: str, page: Page) -> str:
        links = "".join(f'<link rel="alternate" type="application/atom+xml" title="{html.escape(title)}" '
                        f'href="{html.escape(get_relative_url(path, page.url))}">\n'
                        for title, path in self.generated.feeds)
        return output.replace("</head>", f"{links}</head>", 1) if links else output

    def _write_filled(self) -> None:
        """Write each record page still to be built that a proved shell fits, as MkDocs' page steps would have: its
        HTML without `data-search-*` attributes when Material's search is on (which is all the page events of this
        plugin and the search plugin do to a record page), the shell filled in, the feeds announced. Its file then
        says it is unmodified, and MkDocs' `dirty` build skips the page: no page context, plugin events or template
        lookup per page. The digest and stat of what was written go to the manifest with no reading back."""
        assert self.shells is not None
        for source, page in list(self._pending.items()):
            if self._hides_content and page.content and _SEARCH_ATTRIBUTE_FOUND.search(page.content):
                page.content = _SEARCH_ATTRIBUTE.sub("", page.content)
            page.active = True
            try:
                filled = self.shells.fill(page)
            finally:
                page.active = False
            if filled is None:
                continue  # no proved shell fits it (yet): MkDocs renders it
            del self._pending[source]
            data = self._with_feeds(filled, page).encode("utf-8", errors="xmlcharrefreplace")
            status = self.writer.write(page.file.abs_dest_path, data)
            assert isinstance(page.file, _RecordFile)
            page.file.written = True
            built = self.built.pages.get(source)
            if built is not None:
                self.built.pages[source] = replace(built, digest=digest(data), stat=status)

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Mark the site folder as built by mlreport, so the next build may replace it; drop conversions no
        page used."""
        self._pending = {}  # `mlreport serve` renders pages again through MkDocs' own steps
        self.writer.finish()
        mark(Path(config.site_dir))
        self._keep_manifest(Path(config.site_dir))
        self.indexed.keep()
        gc.unfreeze()  # the build's objects may go: `mlreport serve` builds again in this process
        self.converted.prune()
        if self.shells is not None:
            log.debug(f"mlreport: record pages filled from a theme shell: {self.shells.summary()}")

    def _keep_manifest(self, site: Path) -> None:
        """Write down how each record page was built, for the next build to reuse what is unchanged; a page whose
        output's digest is not known yet (`on_post_page`) is read back."""
        assert self.options is not None
        for path, built in list(self.built.pages.items()):
            if built.digest and built.stat:
                continue
            try:
                if built.digest:  # known from the output MkDocs wrote: its stat says the file is still that output
                    self.built.pages[path] = replace(built, stat=stat_of(os.lstat(site / built.dest)))
                else:
                    found, status = file_digest(site / built.dest)
                    self.built.pages[path] = replace(built, digest=found, stat=status)
            except OSError:
                del self.built.pages[path]
        if self.built != self.last_manifest:  # a build that reused every page has nothing new to say
            self.built.write(self.options.root / self.options.cache_dir, self.last_manifest)

    def on_build_error(self, *, error: Exception) -> None:
        """Stop listening for conversion warnings: the pages being converted will not finish; stop linking files
        into a site folder about to go."""
        self.writer.stop()
        gc.unfreeze()
        self._pending = {}
        for _, warnings in self._converting.values():
            logging.getLogger("mkdocs").removeHandler(warnings)
        self._converting = {}

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        """Rebuild when a record or a template changes."""
        assert self.options is not None
        folders = [kind.folder(self.options) for kind in KINDS]
        folders.append(self.options.root / self.options.templates_dir)
        for folder in folders:
            if folder.is_dir():
                server.watch(str(folder))
        if config.config_file_path and not Path(config.config_file_path).exists():
            # mlreport's built-in config (a repo without mkdocs.yml) has no file to watch.
            server.unwatch(config.config_file_path)
        return server


class RenderedPage(Page):
    """A generated page whose HTML is made already (`HtmlPage`): MkDocs reads and converts no Markdown for it."""

    def __init__(self, rendered: HtmlPage, file: File, config: MkDocsConfig) -> None:
        self.rendered = rendered
        super().__init__(None, file, config)

    def read_source(self, config: MkDocsConfig) -> None:
        """The page's front matter, and no Markdown: there is none to convert."""
        self.markdown, self.meta = "", copy.deepcopy(self.rendered.meta)

    def render(self, config: MkDocsConfig, files: Files) -> None:
        """What a conversion would have given: content, table of contents, title and anchors."""
        self.content = self.rendered.html
        self.toc = get_toc(self.rendered.toc)  # type: ignore[arg-type]
        self._title_from_render = self.rendered.title
        self.present_anchor_ids = set(self.rendered.anchors)
        self.links_to_anchors = {}


class ReusedPage(Page):
    """A record page the last build wrote from the same inputs: its file is linked into the new site as it is, and
    MkDocs neither reads nor renders it (`mlreport build` runs MkDocs with `dirty`, which skips unmodified files)."""

    def __init__(self, built: BuiltPage, file: File, config: MkDocsConfig) -> None:
        self.built = built
        super().__init__(None, file, config)
        self.present_anchor_ids = set(built.anchors)


class _ReusedFile(File):
    """The file of a `ReusedPage`: never modified, so MkDocs leaves it as the last build wrote it."""

    def is_modified(self) -> bool:
        return False


class _RecordFile(File):
    """The file of a `RenderedPage`: unmodified once the plugin has written the page itself (`_write_filled`), so
    that MkDocs' `dirty` build leaves it; read and rendered like any generated page until then."""

    written = False

    def is_modified(self) -> bool:
        return not self.written


class _WrittenFile(File):
    """A data file the plugin wrote into the site itself (`SiteWriter`): MkDocs, told it is unmodified, leaves it."""

    def is_modified(self) -> bool:
        return False


REUSING_PLUGINS = {"search", "material/search", "mlreport"}
"""The plugins of a build that may reuse record pages: any other might read or change every page as it is built."""


def reusable_build(config: MkDocsConfig) -> bool:
    """Whether the build's plugins leave record pages to mlreport (and Material's search, which mlreport feeds)."""
    search = config.plugins.get("search") or config.plugins.get("material/search")
    return (set(config.plugins) <= REUSING_PLUGINS and not config.hooks
            and (search is None or _material_search(config) is not None))


def _frame(config: MkDocsConfig, files: Files, generated: Generated) -> str:
    """The digest of what shapes every record page around its own HTML: the engine, theme and plugins with their
    versions and settings, the navigation, the team's own pages (their titles are in the navigation)."""
    skipped = {"site_dir", "config_file_path", "docs_dir", "plugins", "theme", "watch", "dev_addr"}
    settings = {key: value for key, value in config.items() if key not in skipped}
    theme = config.theme
    custom = Path(theme.custom_dir) if theme.custom_dir else None
    own = [(f.src_uri, digest(f.content_bytes) if f.is_documentation_page() else "")
           for f in files if not f.generated_by and f.src_dir == config.docs_dir]
    return frame_key(distributions(), settings, {name: dict(plugin.config) for name, plugin in config.plugins.items()},
                     [theme.name, dict(theme), [d for d in theme.dirs if custom is None or d != str(custom)]],
                     _folder_digest(custom), own, generated.feeds)


def _folder_digest(folder: Path | None) -> list[tuple[str, str]]:
    """Every file of a theme's `custom_dir` with its digest."""
    if folder is None or not folder.is_dir():
        return []
    return [(path.relative_to(folder).as_posix(), digest(path.read_bytes()))
            for path in sorted(folder.rglob("*")) if path.is_file()]


def _material_search(config: MkDocsConfig) -> Any:
    """The index of Material's search plugin when it is on; None for no search or another search plugin (which
    reads the pages' HTML)."""
    search = next((plugin for name in ("material/search", "search")
                   if (plugin := config.plugins.get(name)) is not None), None)
    index = getattr(search, "search_index", None)
    if type(search).__module__ != "material.plugins.search.plugin" or index is None or not search.config.enabled:
        return None
    return index


def _search_frame() -> str:
    """What a page's search entries depend on besides the page (`SearchEntries`): Material's version, and whether its
    search plugin segments Chinese text (with jieba, when it is installed)."""
    from material.plugins.search import plugin as search

    return fingerprint(version("mkdocs-material"), getattr(search, "jieba", None) is not None)


def _search_key(page: Page) -> str:
    """A digest of everything Material's search plugin reads of a page to index it."""
    return digest(json.dumps([page.content or "", [_toc_token(link) for link in page.toc], page.url, page.title,
                              {name: page.meta.get(name) for name in ("title", "tags", "search")}],
                             ensure_ascii=False, default=repr).encode("utf-8", errors="surrogatepass"))


def _index_record_pages(files: Files, config: MkDocsConfig, built: SiteManifest) -> None:
    """Give Material's search index each record page's sections as the page made them (as the last build made them,
    for a reused page), in page order; another search plugin reads the HTML."""
    index = _material_search(config)
    for file in files.documentation_pages():
        page = file.page
        if isinstance(page, ReusedPage):
            entries = page.built.search
        elif isinstance(page, RenderedPage):
            entries = search_entries(page)
            kept = built.pages.get(file.src_uri)
            if kept is not None:
                built.pages[file.src_uri] = replace(kept, anchors=list(page.rendered.anchors),
                                                    search=entries if index is not None else [])
        else:
            continue
        if index is not None:
            index.entries.extend(dict(entry) for entry in entries)


def search_entries(page: RenderedPage) -> list[dict[str, str]]:
    """A record page's sections as entries of Material's search index."""
    return [{"location": f"{page.url}#{section.anchor}" if section.anchor else page.url,
             "title": section.title, "text": section.text} for section in page.rendered.search]


class _Warnings(logging.Handler):
    """Notes whether anything logged a warning while one page was converted."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen = False

    def emit(self, record: logging.LogRecord) -> None:
        self.seen = True


def _conversion_inputs(config: MkDocsConfig, files: Files) -> str:
    """What a page's conversion depends on besides its Markdown: the converter, its settings and the files
    links resolve against."""
    return fingerprint([version(name) for name in ("mkdocs", "markdown", "mlreport")],
                       config.markdown_extensions, config.mdx_configs, config.use_directory_urls,
                       config.validation, sorted((f.src_uri, f.dest_uri) for f in files))


def _toc_token(link: AnchorLink) -> dict[str, Any]:
    return {"level": link.level, "id": link.id, "name": link.title,
            "children": [_toc_token(child) for child in link.children]}


def _read_options(config: MkDocsConfig) -> Options:
    """The options of a build MkDocs started (`mkdocs build`): read from its mkdocs.yml, problems located."""
    path = Path(config.config_file_path or "mkdocs.yml").resolve()
    try:
        site, marks, setting_marks = read_site_config(path) if path.is_file() else ({}, {"": (1, 1)}, {})
    except RecordError as exc:
        raise RecordsFailed(exc.problems) from None
    options, problems = options_from_entry(plugin_entry(site.get("plugins")), path.parent, site, marks, path.name,
                                           setting_marks)
    if any(p.severity == "error" for p in problems):
        raise RecordsFailed(problems)
    return options


def site_sources(config: MkDocsConfig, options: Options) -> Sources:
    """What the site folder of a MkDocs config must never be or hold: the project, its git folder, mkdocs.yml,
    the docs folder MkDocs reads, the templates and record folders."""
    config_file = Path(config.config_file_path) if config.config_file_path else None
    return Sources.of(options, config_file, Path(config.docs_dir))


def _theme_notes(config: MkDocsConfig) -> None:
    """Say which theme settings make the browser reach outside the site (mlreport's own assets never
    do), or keep instant navigation from working."""
    if config.theme.name != "material":
        return
    if config.theme.get("font") is not False:
        log.info("mlreport: theme.font loads Google Fonts; set `font: false` for a site that works offline")
    if "navigation.instant" in config.theme.get("features", ()) and not config.site_url:
        # Material follows only links listed in sitemap.xml, whose addresses come from site_url.
        log.info("mlreport: navigation.instant needs site_url (mkdocs.yml, or `mlreport build --site-url`); "
                 "without it every click loads the whole page")
    host = urlsplit(config.repo_url or "").hostname or ""
    if host in ("github.com", "gitlab.com"):
        log.info(f"mlreport: with repo_url on {host}, Material fetches the repository's stars and version "
                 f"from {host}'s API in the browser")


def _search_separator(config: MkDocsConfig) -> None:
    """Material's search, unless the site sets its own separator, also splits words at dots between letters:
    then `pr_auc` finds the pages of `test.pr_auc` and `lr` those of `optimizer.lr` (`0.86` stays whole)."""
    for name in ("search", "material/search"):
        search = config.plugins.get(name)
        if search is not None and "separator" in search.config and not search.config["separator"]:
            search.config["separator"] = SEARCH_SEPARATOR


def _require_extensions(config: MkDocsConfig) -> None:
    present = {str(name).rsplit(".", 1)[-1] for name in config.markdown_extensions}
    for name in REQUIRED_EXTENSIONS:
        if name not in present:
            config.markdown_extensions.append(name)


def _navigation(nav: Any, generated: Generated, files: Files, own_index: bool) -> list[Any]:
    """The site's sections first, then the team's own pages; a hand-written nav gets missing sections."""
    sections = [{title: page} for title, page in generated.nav]
    if nav:
        listed = _listed_pages(nav)
        return list(nav) + [s for s in sections if next(iter(s.values())) not in listed]
    own = [f.src_uri for f in files.documentation_pages(inclusion=InclusionLevel.is_in_nav)
           if not f.generated_by and not (own_index and f.src_uri == "index.md")]
    head = ["index.md"] if own_index else []
    return head + sections + nest_paths(own)


def _listed_pages(nav: Any) -> set[str]:
    if isinstance(nav, str):
        return {nav}
    if isinstance(nav, dict):
        return set().union(*(_listed_pages(v) for v in nav.values()))
    if isinstance(nav, list):
        return set().union(*(_listed_pages(v) for v in nav))
    return set()
