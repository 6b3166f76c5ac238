"""The sites the browser tests drive: the demo team's records, and a repo of hostile records.

Expectations come from the records themselves, read by mlreport's own library, and the page
addresses from the same functions the generator uses, so no number or path is written twice.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from repos import new_repo

from mlreport.config import load_options
from mlreport.history import History
from mlreport.leaderboards import RankedBoard
from mlreport.catalog import Catalog
from mlreport.pipeline import generate_site
from mlreport.render import PAGE_KINDS
from mlreport.render.leaderboards import board_pages
from mlreport.render.site import page_url, record_page

REPO_ROOT = Path(__file__).resolve().parents[2]
HOSTILE = REPO_ROOT / "tests" / "fixtures" / "browser_hostile"


@dataclass
class BuiltSite:
    """A repo, its records as mlreport reads them, and its built site's address."""

    root: Path
    base: str
    catalog: Catalog
    history: History

    def url(self, page: str) -> str:
        """The absolute URL of a generated page (`experiments/foo.md`)."""
        return self.base + page_url(page)

    def record_url(self, kind: str, record_id: str) -> str:
        """The absolute URL of a record's page."""
        return self.url(record_page(kind, record_id))

    def record_titles(self) -> dict[str, str]:
        """The URL of every record page (of each kind a page kind renders) → the title it must show."""
        kinds = {kind.records for kind in PAGE_KINDS if kind.records}
        records = {"experiment": self.catalog.experiments, "decision": self.catalog.decisions,
                   "model": self.catalog.models}
        return {self.record_url(kind, record_id): record.title or record.id
                for kind in kinds for record_id, record in records[kind].items()}

    def board_url(self, board: RankedBoard) -> str:
        """The absolute URL of a leaderboard's page."""
        boards = self.catalog.leaderboards
        return self.url(board_pages(boards)[boards.index(board)])


def read_repo(root: Path) -> tuple[Catalog, History]:
    """The repo's records and their git history, as mlreport reads them; the tests expect valid records."""
    result = generate_site(load_options(root))
    assert not result.failed, result.problems
    return result.catalog, result.history


def hostile_repo(path: Path) -> Path:
    """The hostile fixture records, committed in steps so decisions get a status history.

    Commit subjects carry payloads too: they reach the change history and the feed.
    """
    repo = new_repo(path)
    shutil.copytree(HOSTILE, path, dirs_exist_ok=True)
    first = path / "decisions" / "0001-adopt-the-script-run.md"
    final = first.read_text(encoding="utf-8")
    successor = path / "decisions" / "0002-replace-0001.md"
    later = successor.read_text(encoding="utf-8")
    successor.unlink()
    author = "Eve \"quote' O'Hara <eve@example.com>"
    first.write_text(final.replace("status: superseded", "status: proposed"), encoding="utf-8")
    repo.commit("Add runs <script>window.__mlr_probe=1</script> (#1)", author=author,
                date="2026-03-03T09:00:00+00:00")
    first.write_text(final.replace("status: superseded", "status: accepted"), encoding="utf-8")
    repo.commit("Accept 0001 \"><img src=x onerror=window.__mlr_probe=1> (#2)", date="2026-03-04T09:00:00+00:00")
    first.write_text(final, encoding="utf-8")
    successor.write_text(later, encoding="utf-8")
    repo.commit("Supersede 0001 [x](javascript:window.__mlr_probe=1) (#3)", date="2026-03-05T09:00:00+00:00")
    return path
