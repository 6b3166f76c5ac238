"""The build as one function of steps: records loaded, checked and joined, history read, pages rendered.

`generate_site` is what the MkDocs plugin, `mlreport generate`, `mlreport build` (through the
plugin) and the golden test all run; `read_records` is its first half, which `validate` and
`diff` need alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mlreport.catalog import Catalog, build_catalog
from mlreport.config import Options
from mlreport.history import History, read_history
from mlreport.problems import Problem, errors
from mlreport.records import load_records
from mlreport.render import DASHBOARD, Generated, generate
from mlreport.validate import check_records


@dataclass
class CheckedRecords:
    """Every record joined into the catalog, and every problem found on the way."""

    catalog: Catalog
    problems: list[Problem]

    @property
    def failed(self) -> bool:
        """Whether the records have errors (warnings alone do not stop a build)."""
        return bool(errors(self.problems))


@dataclass
class GeneratedSite(CheckedRecords):
    """The records, their history and the generated site (empty when the records have errors)."""

    history: History = field(default_factory=History)
    site: Generated = field(default_factory=Generated)


def read_records(options: Options, *, cached: bool = False) -> CheckedRecords:
    """Load every record (`cached`: unchanged files from the record cache), join and check them."""
    loaded = load_records(options, cached=cached)
    catalog = build_catalog(loaded, options)
    return CheckedRecords(catalog, check_records(loaded, catalog, options))


def generate_site(options: Options, *, home_page: str | None = None) -> GeneratedSite:
    """The whole site from the repo: records (cached), history (one pass over git) and every page.

    Without records errors only: with them, history is not read and nothing is rendered. The home
    page is `index.md`, or `dashboard.md` when the team's docs folder has an `index.md` of its own
    (unless `home_page` says). Raises RecordError when a template fails.
    """
    checked = read_records(options, cached=True)
    result = GeneratedSite(checked.catalog, checked.problems, History(repo_url=options.repo_url))
    if checked.failed:
        return result
    catalog = checked.catalog
    result.history = read_history(options, [(r.kind, r.id, r.title, r.path) for r in catalog.records()])
    own_index = (options.root / options.docs_dir / "index.md").is_file()
    result.site = generate(catalog, result.history, options,
                           home_page=home_page or (DASHBOARD if own_index else "index.md"))
    return result
