"""`mlreport serve`: a live preview that shows a saved record within moments, however many records the site has.

The preview builds the whole site once with MkDocs into a folder of its own (never the site's
`site_dir`) and keeps what that build gathered: the options, the record cache, the catalog, the
history, and MkDocs' config, files, navigation and theme. A save in a record folder then:

1. loads again the records whose files changed (every other record is the object the last load
   gave, its files checked by their stat), joins the catalog and checks it as a build does;
2. takes the history from memory, with the edited records' `git status` asked again (one git call, whose
   branch header also tells that HEAD has not moved) and their titles;
3. renders again the pages that can show what changed (`affected`): the records' own pages, the
   pages of the records they link to or that link to them, the leaderboards they are on and the
   pages of runs whose rank moved there, every index page and every shared data file;
4. of those, sends the pages whose output differs through the theme (the build's own page steps
   and plugin events), writes them and the data files that differ into the served folder, and
   puts their sections back in the search index where they were; then the browsers reload.

A record file added or removed takes the same path: the record folders are listed again as a load
lists them, the history is read again (from its cache: a record gone changes what the others'
histories count), and the record's page and data files join MkDocs' files where a full build lists
them, or leave them and the served folder; the search index and the sitemap follow.

Whatever the fast path cannot prove the same as a full build builds the whole site again, into a
new folder that is served once complete: a change outside the record folders (mkdocs.yml, docs,
templates), a record renamed or moved (or one of a kind added as another goes), the first record of
a kind, a commit since the last build, a change of a metric's decimal places or of the leaderboards,
another plugin or search engine, a page or data file other than an added or removed record's own
that appears or goes away. A record with an error is reported as a build reports it, and the
last good site stays served until the next save.
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence
from urllib.parse import urlsplit

import jinja2
from mkdocs.commands import build as mkdocs_build
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import MkDocsException
from mkdocs.livereload import _serve_url
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import write_file

from mlreport.build import BuildFailed, _build_errors, _failure, environment, reproducible_dates, site_config, unwritten
from mlreport.catalog import Catalog
from mlreport.config import Options, load_options
from mlreport.git import GitError, Repo, probe
from mlreport.history import History, read_history
from mlreport.history.reader import refresh_worktree
from mlreport.pipeline import GeneratedSite
from mlreport.plugin import MlreportPlugin, RenderedPage, search_entries
from mlreport.preview_changes import (SearchText, Unsafe, added_and_removed, affected, changed_records, merged_site,
                                      neighbour, spliced)
from mlreport.problems import RecordError, format_problems
from mlreport.catalog import build_catalog
from mlreport.problems import relative
from mlreport.records import Experiment, Loaded, Record, RecordCache, listed_records, load_fresh, load_records
from mlreport.records.kinds import BY_NAME, KINDS, RecordKind, kind_of
from mlreport.records.source import Reader
from mlreport.render import DASHBOARD, Generated, generate
from mlreport.render.leaderboards import board_pages
from mlreport.render.site import edit_url, page_environment
from mlreport.validate import CheckedRecords, check_records

log = logging.getLogger("mkdocs.plugins.mlreport")

CAPTURE = "mlreport/serve"
"""The name the preview's own plugin is registered under, to keep what a build gathered."""
FAST_PLUGINS = frozenset({"mlreport", "material/search", CAPTURE})
"""The plugins whose part in a page the fast path knows (the search index it keeps up to date is Material's);
with any other, every save builds the whole site."""


@dataclass
class LiveCache(RecordCache):
    """The record cache of a preview, kept in memory: a load serves each unchanged record as the very object the
    last load gave (nothing decoded again), so a changed record is the one that is not the same object."""

    served: dict[tuple[str, str], tuple[Any, Any]] = field(default_factory=dict)
    quiet: bool = False
    """While set, loads do not rewrite the cache file (the next build does)."""
    last: dict[tuple[str, str], Any] = field(default_factory=dict)
    """What the last load gave, by (kind, path): the record and its problems."""

    def serve(self, kind: str, shown: str, entry: list[Any]) -> Any:
        """The record the last load gave for this very entry, else the entry decoded."""
        served = self.served.get((kind, shown))
        if served is not None and served[0] is entry:
            self.kept[(kind, shown)] = entry
            self.loaded[(kind, shown)] = served[1]
            return served[1][0], list(served[1][1])
        result = super().serve(kind, shown, entry)
        if result is not None:
            self.served[(kind, shown)] = (entry, result)
        return result

    def keep(self, kind: str, shown: str, prepared: Any, loaded: Any) -> list[Any] | None:
        """Keep a fresh load; the next load serves it as it is."""
        entry = super().keep(kind, shown, prepared, loaded)
        if entry is not None:
            self.served[(kind, shown)] = (entry, loaded)
        return entry

    def save(self) -> None:
        """Write the entries (a full build), or keep them in memory only (a save's fast path); either way the next
        load starts from this one's."""
        if not self.quiet:
            super().save()
        self.last = self.loaded
        self.entries, self.kept, self.loaded, self.changed, self.restamped = self.kept, {}, {}, False, 0

    def reload(self, kind: RecordKind, shown: str, root: Path) -> tuple[Record | None, list[Any]]:
        """One record as a full load gives it now: from memory while its files are unchanged, else read again."""
        kept = self.get(kind.name, shown)
        if kept is not None:
            return kept
        reader = Reader(root)
        result = load_fresh(kind.load, root / shown, reader)
        self.put(kind.name, shown, reader, result)
        return result

    def owners(self) -> dict[str, set[tuple[str, str]]]:
        """Each file or folder a kept record was read from (root-relative) → the records read from it."""
        found: dict[str, set[tuple[str, str]]] = {}
        for key, (entry, _) in self.served.items():
            for item in entry[0] if entry and type(entry[0]) is list else ():
                found.setdefault(item[0], set()).add(key)
        return found


class _Capture(BasePlugin):
    """Keeps what a build gathered for later saves: its files, navigation and theme environment."""

    def __init__(self) -> None:
        self.files: Files | None = None
        self.nav: Navigation | None = None
        self.env: jinja2.Environment | None = None

    @event_priority(-100)  # last: the navigation as every plugin left it
    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        self.files, self.nav = files, nav
        return nav

    @event_priority(-100)  # last: after mlreport has installed its theme shells
    def on_env(self, env: jinja2.Environment, *, config: MkDocsConfig, files: Files) -> jinja2.Environment:
        self.env = env
        return env


@dataclass
class Built:
    """One full build of the preview and what it gathered; a save's fast path updates it in place."""

    folder: Path
    config: MkDocsConfig
    plugin: MlreportPlugin
    files: Files
    nav: Navigation
    env: jinja2.Environment
    result: GeneratedSite
    home_page: str
    templates: jinja2.Environment | None = None
    """The page templates' environment, made on the first save: its templates compile once."""
    memo: dict[Any, Any] = field(default_factory=dict)
    """What the generations since this build computed from single records (`Site.per_record`)."""
    loaded: Loaded | None = None
    """The records as the site shows them, as loaded (None until the first save needs them)."""
    results: dict[tuple[str, str], Any] = field(default_factory=dict)
    """Each record's load, (record, problems) by (kind, path): what `loaded` holds."""
    epoch: str = "0"
    """The SOURCE_DATE_EPOCH the build ran with (HEAD's time): a save renders with it, for HEAD is where it was
    (the save's one `git status` checks that, and any commit since builds the site again)."""
    repo: Repo | None = None
    """The repository as the first save found it, so the next saves need not ask again."""
    doc_files: Sequence[File] | None = None
    """The documentation pages every rendered page is given (its links are checked against them)."""
    search_text: SearchText | None = None
    """The search index's text by page, as the build wrote it (None: Material writes the whole index)."""


class Preview:
    """The site as `mlreport serve` shows it: built once, then brought up to date on every save."""

    def __init__(self, options: Options, dev_addr: str | None = None):
        self.options = options
        self.dev_addr = dev_addr
        self.cache = LiveCache.open(options)
        self.built: Built | None = None
        self.serve_url = ""

    @property
    def folder(self) -> Path:
        """The folder being served."""
        assert self.built is not None
        return self.built.folder

    def build(self) -> None:
        """Build the whole site into a new folder, then drop the last one; raises BuildFailed (the last stays)."""
        options = self.options if self.built is None else _options(self.options.root)
        gc.unfreeze()  # the last build's objects may go once this one replaces them
        with reproducible_dates(options.root):
            epoch = os.environ["SOURCE_DATE_EPOCH"]
            config = site_config(options, dev_addr=self.dev_addr)
            host, port = config.dev_addr
            config.site_url = self.serve_url = _serve_url(host, port, urlsplit(config.site_url or "/").path)
            folder = Path(tempfile.mkdtemp(prefix="mlreport-serve-"))
            config.site_dir = str(folder)
            plugin = config.plugins.get("mlreport")
            memo: dict[Any, Any] = {}
            if isinstance(plugin, MlreportPlugin):
                plugin.record_cache, plugin.memo = self.cache, memo
            capture = _Capture()
            config.plugins[CAPTURE] = capture
            config.plugins.on_startup(command="serve", dirty=False)
            try:
                with _build_errors() as logged:
                    try:
                        mkdocs_build.build(config, serve_url=self.serve_url)
                    except MkDocsException as exc:
                        raise _failure(exc, logged) from None
                    except OSError as exc:
                        raise unwritten(exc, folder, folder) from None
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
        last, self.options = self.built, options
        assert capture.files is not None and capture.nav is not None and capture.env is not None
        if isinstance(plugin, MlreportPlugin) and plugin.result is not None:
            home = DASHBOARD if plugin.generated.nav and ("Dashboard", DASHBOARD) in plugin.generated.nav \
                else "index.md"
            self.built = Built(folder, config, plugin, capture.files, capture.nav, capture.env, plugin.result, home,
                               memo=memo, epoch=epoch)
            search = config.plugins.get("material/search")
            if search is not None and search.config.enabled and not search.is_dirty:
                self.built.search_text = SearchText.of(search.search_index, search.search_index.entries)
            # The records as loaded, for saves to replace one by one: from memory now, each file checked by its stat.
            self.cache.quiet = True
            try:
                self.built.loaded = load_records(plugin.options or options, cached=True, cache=self.cache)
                self.built.results = dict(self.cache.last)
            finally:
                self.cache.quiet = False
        else:
            # Not mlreport's build (no plugin in mkdocs.yml): nothing to keep; every save builds the site.
            self.built = Built(folder, config, plugin, capture.files, capture.nav, capture.env,  # type: ignore[arg-type]
                               GeneratedSite(Catalog(options, {}, {}, {}), []), "index.md")
        if last is not None:
            shutil.rmtree(last.folder, ignore_errors=True)
        del last
        # What the build keeps lives as long as the preview: the collections during a save need not scan its
        # millions of objects again (at 10,000 records each full collection took most of a second).
        gc.collect()
        gc.freeze()

    def update(self, changed: Iterable[str | Path]) -> str:
        """Bring the served site up to date with the files that changed: "fast" (only the pages that differ were
        written), "unchanged", "failed" (record errors reported; the last site stays) or "full" (built again).
        Raises BuildFailed when the full build fails."""
        paths = {Path(os.path.abspath(path)) for path in changed}
        if not paths:
            return "unchanged"
        why = self._full_because(paths)
        if why is None:
            started = time.perf_counter()
            try:
                with _dates_of(self.built):
                    return self._fast(paths, started)
            except Unsafe as exc:
                why = str(exc)
        log.info(f"mlreport: {why}: building the whole site again")
        self.build()
        return "full"

    def close(self) -> None:
        """Remove the served folder."""
        if self.built is not None:
            shutil.rmtree(self.built.folder, ignore_errors=True)

    # -- the fast path ------------------------------------------------------------------------------

    def _full_because(self, paths: set[Path]) -> str | None:
        """Why these changes need a full build; None when the fast path may try."""
        built = self.built
        if built is None or not isinstance(built.plugin, MlreportPlugin) or built.plugin.options is None \
                or built.loaded is None:
            return "no site built by mlreport yet"
        others = sorted(set(built.config.plugins) - FAST_PLUGINS)
        if others:
            return f"the plugin {others[0]} may change any page"
        options = built.plugin.options
        folders = [kind.folder(options) for kind in KINDS]
        docs = Path(built.config.docs_dir)
        if any(folder.is_relative_to(docs) for folder in folders):
            return "the record folders are inside the docs folder"
        for path in sorted(paths):
            if not any(path.is_relative_to(folder) for folder in folders):
                return f"{_shown(path, options.root)} changed"
        return None

    def _fast(self, paths: set[Path], started: float) -> str:
        built = self.built
        assert built is not None and built.plugin.options is not None
        options, before = built.plugin.options, built.result
        self.cache.quiet = True
        try:
            loaded, results, replaced = self._reloaded(paths)
        finally:
            self.cache.quiet = False
        if loaded is None:
            return "unchanged"
        catalog = build_catalog(loaded, options, before=before.catalog,
                                changed=[r for r in replaced if isinstance(r, Experiment)])
        checked = CheckedRecords(catalog, check_records(loaded, catalog, options), loaded.notes)
        if checked.failed:
            log.error(format_problems(checked.problems, "text"))
            log.error("mlreport: the records have errors; the preview shows the site as it was before them")
            return "failed"
        assert built.loaded is not None
        _check_ids(built.loaded, loaded, replaced)
        changed = changed_records(before.catalog, catalog)
        if not changed:
            built.loaded, built.results = loaded, results
            built.result = GeneratedSite(catalog, checked.problems, checked.notes, before.history, before.site)
            return "unchanged"
        if catalog.metric_places != before.catalog.metric_places:
            raise Unsafe("a metric's decimal places changed, and with them every page showing it")
        if [b.definition for b in catalog.leaderboards] != [b.definition for b in before.catalog.leaderboards]:
            raise Unsafe("the leaderboards changed")
        added, removed = added_and_removed(before.catalog, catalog)
        try:
            if before.history.available and built.repo is None:
                built.repo = probe(options.root)
            if added or removed:
                history = self._history_again(catalog)
                changed += _provenance_changed(before, catalog, history)
            else:
                history = refresh_worktree(options, before.history,
                                           [(r.kind, r.id, r.title, r.path) for r in changed], built.repo)
        except (GitError, ValueError) as exc:
            raise Unsafe(f"the history must be read again ({exc})") from None
        own = {record.path for record in changed}
        for problem in checked.problems:
            if problem.path in own:
                (log.info if problem.severity == "note" else log.warning)(problem.format_text())
        pages = affected(before.catalog, catalog, changed)
        try:
            built.templates = built.templates or page_environment(options)
            generated = generate(catalog, history, options, home_page=built.home_page, only=pages,
                                 env=built.templates, memo=built.memo)
        except RecordError as exc:
            log.error(format_problems(exc.problems, "text"))
            return "failed"
        merged, outputs, gone = merged_site(before.site, generated, pages, _items(before), added, removed)
        written = self._write(merged, outputs, catalog, gone, added)
        built.result = GeneratedSite(catalog, checked.problems, checked.notes, history, merged)
        built.loaded, built.results = loaded, results
        log.info(f"mlreport: {', '.join(sorted(_shown(p, options.root) for p in paths))}: {written} updated in "
                 f"{time.perf_counter() - started:.2f} s")
        return "fast"

    def _reloaded(self, paths: set[Path]) -> tuple[Loaded | None, dict[tuple[str, str], Any], list[Record]]:
        """The records as a full load would give them now, only those read from the changed files loaded again
        (None when no record was), and the records replaced, added or removed (old and new). When a record file
        appeared or went away, the record folders are listed again, as a full load lists them."""
        built = self.built
        assert built is not None and built.loaded is not None and built.plugin.options is not None
        options, root = built.plugin.options, built.plugin.options.root
        owners: dict[str, set[tuple[str, str]]] | None = None
        keys: set[tuple[str, str]] = set()
        listed: list[tuple[str, str]] | None = None
        now: set[tuple[str, str]] = set()
        for path in paths:
            shown = relative(path, root)
            found = kind_of(path, options, lambda file: file.is_file() or file == path)
            key = (found[0].name, shown) if found is not None else None
            if key is not None and (key in built.results) != path.is_file():
                if listed is None:  # a record added or removed: the files as a full load lists them
                    listed = self._listed()
                    now = set(listed)
                if (key in built.results) != (key in now):
                    continue
                # The listing says it is no record (another's file, by the kinds' rules): as any other file.
            if key is not None and key not in built.results and not path.is_file():
                continue  # neither kept nor on disk: a file come and gone
            # Which records read the file, asked only here: a save that adds or removes a record file needs not scan
            # every record's files.
            owners = owners if owners is not None else self.cache.owners()
            keys |= owners.get(shown, set()) | owners.get(shown.rpartition("/")[0], set())
            if key is not None and key in built.results:
                keys.add(key)
        added = [key for key in listed if key not in built.results] if listed is not None else []
        removed = [key for key in built.results if key not in now] if listed is not None else []
        keys = (keys - set(removed)) | set(added)
        if not keys and not removed:
            return None, built.results, []
        if any(key not in built.results for key in keys - set(added)):
            raise Unsafe("a record not kept in memory changed")
        old = built.loaded
        results = dict(built.results)
        replaced: list[Record] = []
        for kind_name, shown in sorted(keys):
            kind = BY_NAME[kind_name]
            before, _ = results.get((kind_name, shown), (None, []))
            record, problems = self.cache.reload(kind, shown, root)
            if (before is None and (kind_name, shown) not in added) or record is None:
                raise Unsafe(f"{shown} could not be read, or can be again")
            results[(kind_name, shown)] = (record, problems)
            replaced += [r for r in (before, record) if r is not None]
        for key in removed:
            before, _ = results.pop(key)
            if before is None:
                raise Unsafe(f"{key[1]}, which could not be read, went away")
            replaced.append(before)
        loaded = Loaded(experiments=list(old.experiments), decisions=list(old.decisions), models=list(old.models),
                        problems=list(old.problems), unreadable={k: set(v) for k, v in old.unreadable.items()},
                        notes=list(old.notes), sources=dict(old.sources))
        if listed is None:
            for kind_name, shown in keys:
                into: list[Record] = getattr(loaded, BY_NAME[kind_name].plural)
                before = built.results[(kind_name, shown)][0]
                into[next(i for i, r in enumerate(into) if r is before)] = results[(kind_name, shown)][0]
                for problem in built.results[(kind_name, shown)][1]:
                    loaded.problems.remove(problem)
                loaded.problems.extend(results[(kind_name, shown)][1])
        else:
            # Records added or removed: the lists as a full load makes them, in the order it lists the files.
            if len(results) != len(listed) or any(key not in results for key in listed):
                raise Unsafe("the records listed are not those kept in memory")
            for kind in KINDS:
                setattr(loaded, kind.plural, [results[key][0] for key in listed if key[0] == kind.name
                                              and results[key][0] is not None])
            loaded.problems = [problem for key in listed for problem in results[key][1]]
        return loaded, results, replaced

    def _history_again(self, catalog: Catalog) -> History:
        """The history as a full build reads it for these records (a record added or removed changes what the
        others' histories count, and the feed): the log from its cache, `git status` asked again. Raises
        ValueError when a commit was made since the last build."""
        built = self.built
        assert built is not None and built.plugin.options is not None
        before = built.result.history
        history = read_history(built.plugin.options, [(r.kind, r.id, r.title, r.path) for r in catalog.records()])
        if history.head != before.head or history.warning != before.warning or history.available != before.available:
            raise ValueError("a commit was made since the history was read")
        return history

    def _listed(self) -> list[tuple[str, str]]:
        """The record files a full load would read now, (kind, path as records show it), in its order; Unsafe when
        a record folder leads out of the repository."""
        built = self.built
        assert built is not None and built.plugin.options is not None
        listed = []
        for kind, shown, path in listed_records(built.plugin.options):
            if path is None:
                raise Unsafe("a record folder leads out of the repository")
            listed.append((kind, shown))
        return listed

    def _write(self, merged: Generated, outputs: list[str], catalog: Catalog, gone: list[str],
               added: dict[str, tuple[str, str]]) -> str:
        """Write the changed outputs into the served folder: data files as they are, pages through the theme; an
        added record's page and files join MkDocs' files where a full build puts them, a removed record's leave
        them and the folder."""
        built = self.built
        assert built is not None
        files = built.files
        built.plugin.generated = merged
        beside = {path: neighbour(catalog, *added[path], lambda page: page not in added and page not in gone
                                  and files.get_file_from_path(page) is not None) for path in added}
        placed = self._remove(gone) | self._add(merged, [path for path in outputs
                                                         if files.get_file_from_path(path) is None], beside)
        pages: list[Page] = []
        data = 0
        for path in outputs:
            file = files.get_file_from_path(path)
            if file is None or not file.generated_by:
                continue  # the team's own page of that name wins, as in a build
            if path in merged.html_pages:
                file.content_string = merged.html_pages[path].html
                assert isinstance(file.page, RenderedPage)
                file.page.rendered = merged.html_pages[path]
            elif path in merged.pages:
                file.content_string = merged.pages[path]
            else:
                file.content_bytes = merged.files[path]
                file.copy_file()
                data += 1
                continue
            assert file.page is not None
            pages.append(file.page)
        if pages or placed:
            self._render(pages, placed)
        return f"{len(pages)} page{'' if len(pages) == 1 else 's'} and {data} data file{'' if data == 1 else 's'}"

    def _remove(self, gone: list[str]) -> dict[str, tuple[str, bool] | None]:
        """Take a removed record's outputs out of MkDocs' files and out of the served folder (and the folders they
        leave empty); the pages among them, by URL, to go from the search index (None: no neighbour)."""
        built = self.built
        assert built is not None
        site = Path(built.config.site_dir)
        removed: dict[str, tuple[str, bool] | None] = {}
        for path in gone:
            file = built.files.get_file_from_path(path)
            if file is None or not file.generated_by:
                continue
            built.files.remove(file)
            if file.is_documentation_page():
                removed[file.url] = None
                if built.plugin.shells is not None:
                    built.plugin.shells.pages.discard(path)
            target = Path(file.abs_dest_path)
            target.unlink(missing_ok=True)
            folder = target.parent
            while folder != site and folder.is_relative_to(site) and not any(folder.iterdir()):
                folder.rmdir()
                folder = folder.parent
        if removed:
            built.doc_files = None
        return removed

    def _add(self, merged: Generated, paths: list[str], beside: dict[str, tuple[str, bool]]
             ) -> dict[str, tuple[str, bool] | None]:
        """Make MkDocs' files (and pages) of an added record's outputs, each page put among the files where a full
        build lists it: beside its neighbour (`preview_changes.neighbour`: the nearest page of its kind, by id).
        The pages by URL, each with its neighbour's URL and whether it goes after it."""
        built = self.built
        assert built is not None and built.plugin.options is not None
        config, files = built.config, built.files
        placed: dict[str, tuple[str, bool] | None] = {}
        for path in sorted(paths, key=lambda path: path not in beside):  # the pages first, then their data files
            if path in merged.html_pages:
                file = File.generated(config, path, content=merged.html_pages[path].html,
                                      inclusion=InclusionLevel.NOT_IN_NAV)
                RenderedPage(merged.html_pages[path], file, config).edit_url = \
                    edit_url(merged.sources[path], built.plugin.options) or None
            elif path in merged.pages:
                file = File.generated(config, path, content=merged.pages[path], inclusion=InclusionLevel.NOT_IN_NAV)
                Page(None, file, config)
            else:
                files.append(File.generated(config, path, content=merged.files[path]))
                continue
            other, after = beside[path]
            _insert(files, file, files.get_file_from_path(other), after, beside)
            if built.plugin.shells is not None:
                built.plugin.shells.pages.add(path)
            placed[file.url] = (files.get_file_from_path(other).url, after)  # type: ignore[union-attr]
        if placed:
            built.doc_files = None
        return placed

    def _render(self, pages: list[Page], placed: dict[str, tuple[str, bool] | None]) -> None:
        """Each page through MkDocs' own page steps (every plugin event), its search sections put back in place;
        the sections of the pages `placed` (by URL) put beside their neighbours', or gone (None), and the theme's
        own templates (the sitemap lists every page) written again."""
        built = self.built
        assert built is not None
        config, files, nav, env = built.config, built.files, built.nav, built.env
        if built.doc_files is None:  # the same files on every save but those adding or removing a record
            built.doc_files = files.documentation_pages(inclusion=InclusionLevel.is_in_serve)
        doc_files = built.doc_files
        search = config.plugins.get("material/search")
        index = getattr(search, "search_index", None) if search is not None and search.config.enabled else None
        entries: list[dict[str, Any]] = index.entries if index is not None else []
        fresh: dict[str, list[dict[str, Any]]] = {url: [] for url, beside in placed.items() if beside is None}
        new = {url: beside for url, beside in placed.items() if beside is not None}
        for page in pages:
            title = page.title
            start = len(entries)
            mkdocs_build._populate_page(page, config, files)
            if page.file.inclusion.is_in_nav() and page.title != title:
                raise Unsafe(f"the title of {page.file.src_uri}, which the navigation shows, changed")
            if built.plugin.shells is not None:
                built.plugin.shells.adopt(page)
            mkdocs_build._build_page(page, config, doc_files, nav, env)
            if index is not None and isinstance(page, RenderedPage):
                entries.extend(search_entries(page))  # a full build gives them to the index itself (`on_env`)
            fresh[page.url] = entries[start:]
            del entries[start:]
        if index is not None:
            index.entries = spliced(entries, fresh, new)
            self._write_search_index(search, fresh, new)
        if placed:
            for template in config.theme.static_templates:
                mkdocs_build._build_theme_template(template, env, files, config, nav)

    def _write_search_index(self, search: Any, fresh: dict[str, list[dict[str, Any]]],
                            new: dict[str, tuple[str, bool]]) -> None:
        """Write the search index as Material does, serializing only the sections of the pages rendered again."""
        built = self.built
        assert built is not None
        if built.search_text is None:
            search.on_post_build(config=built.config)  # the index as Material writes it, serialized whole
            return
        built.search_text.replace(fresh, new)
        path = os.path.join(built.config.site_dir, "search", "search_index.json")
        write_file(built.search_text.text().encode("utf-8"), path)

    # -- helpers ------------------------------------------------------------------------------------


def _insert(files: Files, file: File, beside: File | None, after: bool, added: dict[str, Any]) -> None:
    """Put a file among the files beside another: after it (and after the added pages already put there), or
    before it."""
    assert beside is not None
    listed = list(files)
    at = listed.index(beside)
    if after:
        at += 1
        while at < len(listed) and listed[at].src_uri in added:
            at += 1
    for moved in listed[at:]:
        files.remove(moved)
    for moved in [file, *listed[at:]]:
        files.append(moved)


def _provenance_changed(before: GeneratedSite, catalog: Catalog, history: History) -> list[Record]:
    """The records (in the catalog now) whose provenance is not what the last build showed."""
    old = before.history.records
    return [record for record in catalog.records() if record.path in old
            and history.records.get(record.path) != old[record.path]]


def _check_ids(before: Loaded, after: Loaded, records: list[Record]) -> None:
    """Unsafe when a record added or removed shares its id with another of its kind (which of them a page shows is
    the catalog's choice, and the other's page is no longer its own)."""
    for record in records:
        plural = BY_NAME[record.kind].plural
        for loaded in (before, after):
            if sum(r.id == record.id for r in getattr(loaded, plural)) > 1:
                raise Unsafe(f"the {record.kind} {record.id} shares its id with another")


def _items(result: GeneratedSite) -> set[str]:
    """The pages generated one per item (record pages, leaderboards): those a fast path may leave as they were."""
    return set(result.site.sources) | set(board_pages(result.catalog.leaderboards))


@contextmanager
def _dates_of(built: Built | None) -> Iterator[None]:
    """SOURCE_DATE_EPOCH as the last full build had it, while a save renders."""
    epoch = built.epoch if built is not None else os.environ.get("SOURCE_DATE_EPOCH") or "0"
    with environment("SOURCE_DATE_EPOCH", epoch):
        yield


def _options(root: Path) -> Options:
    try:
        return load_options(root)
    except RecordError as exc:
        raise BuildFailed(format_problems(exc.problems, "text"), exc.problems) from None


def _shown(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path, root)).as_posix() if path.is_relative_to(root) else str(path)
