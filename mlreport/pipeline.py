"""The build as one function of steps: records read (loaded, joined, checked), history read, pages rendered.

`generate_site` is what the MkDocs plugin, `mlreport generate`, `mlreport build` (through the
plugin) and the golden test all run. Its first step, `validate.read_records`, is what
`mlreport validate` and `mlreport diff` need alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mlreport.config import Options
from mlreport.history import GitRead, History, read_git
from mlreport.record_texts import RecordTexts
from mlreport.records import RecordCache, listed_records
from mlreport.render import DASHBOARD, Generated, generate
from mlreport.validate import CheckedRecords, read_records


@dataclass
class GeneratedSite(CheckedRecords):
    """The records, their history and the generated site (empty when the records have errors)."""

    history: History = field(default_factory=History)
    site: Generated = field(default_factory=Generated)


def generate_site(options: Options, *, home_page: str | None = None, defer: bool = False,
                  cache: RecordCache | None = None, memo: dict[Any, Any] | None = None) -> GeneratedSite:
    """The whole site from the repo: records (cached), history (one pass over git) and every page.

    Without records errors only: with them, nothing is rendered (git's log is read while worker processes load
    the records, when they do, and then wasted). The home
    page is `index.md`, or `dashboard.md` when the team's docs folder has an `index.md` of its own
    (unless `home_page` says); `defer` leaves record pages to be rendered later (`render.generate`). Records
    load through `cache` when given, and what pages compute from single records is kept in `memo` (see
    `Site.per_record`), else the texts among it in the cache folder (`Site.record_text`). Raises RecordError when a
    template fails.
    """
    listed = list(listed_records(options))
    paths = [shown for _, shown, path in listed if path is not None]
    # The log needs only the record files' paths: it is read while worker processes load the records, if they do.
    early: list[GitRead] = []
    checked = read_records(options, cached=True, cache=cache, listed=listed,
                           while_waiting=lambda: early.append(read_git(options, paths)))
    result = GeneratedSite(checked.catalog, checked.problems, checked.notes, History(repo_url=options.repo_url))
    if checked.failed:
        return result
    catalog = checked.catalog
    git = early[0] if early else read_git(options, paths)
    result.history = git.history([(r.kind, r.id, r.title, r.path) for r in catalog.records()])
    own_index = (options.root / options.docs_dir / "index.md").is_file()
    # A preview keeps what it computed from single records in memory (`memo`); a build, in the cache folder.
    texts = RecordTexts.open(options.root / options.cache_dir) if memo is None else None
    result.site = generate(catalog, result.history, options,
                           home_page=home_page or (DASHBOARD if own_index else "index.md"), defer=defer,
                           memo=memo, texts=texts)
    if texts is not None:
        texts.keep()
    return result
