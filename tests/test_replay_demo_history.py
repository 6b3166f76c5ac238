"""scripts/replay_demo_history.py: the demo team's year replayed as dated pull requests, built into a site
whose dates are the records' own."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sitekit import read_page

from mlreport.cli import main
from render.recordkit import table_after

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "replay_demo_history.py"


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "history"
    done = subprocess.run([sys.executable, str(SCRIPT), str(out)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert f"mlreport serve --root {out}" in done.stdout
    return out


@pytest.fixture(scope="module")
def site(replayed: Path) -> Path:
    target = replayed.parent / "site"
    result = CliRunner().invoke(main, ["build", "--root", str(replayed), "--site-dir", str(target)])
    assert result.exit_code == 0, result.output
    return target


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def test_the_replay_ends_with_the_records_as_they_are_in_dated_pull_requests(replayed: Path) -> None:
    for folder in ("experiments", "decisions", "models"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file():
                assert (replayed / path.relative_to(ROOT)).read_bytes() == path.read_bytes(), path
    assert git(replayed, "status", "--porcelain") == ""
    merges = git(replayed, "log", "--first-parent", "--format=%s|%cs").splitlines()
    assert merges[-1].startswith("Set up the team's records site|")
    numbers = [int(re.match(r"Merge pull request #(\d+) from northwind/", line).group(1)) for line in merges[:-1]]
    assert numbers == list(range(len(numbers), 0, -1)) and len(numbers) > 30
    # A record is committed on its own date: experiment fraud-lgbm-velocity is dated 2026-04-21.
    added = git(replayed, "log", "--diff-filter=A", "--format=%as|%cs", "--",
                "experiments/fraud/fraud-lgbm-velocity.yaml").split()
    assert added == ["2026-04-21|2026-04-21"]


def test_decision_0006_shows_the_day_it_was_superseded(site: Path) -> None:
    page = read_page(site, "decisions/0006")
    steps = page.text[page.text.index("Status history"):page.text.index("Evidence")]
    assert re.search(r"accepted on 2026-04-28 by [\w ]+ in #\d+ superseded by 0009 on 2026-06-23 by [\w ]+ in #\d+",
                     steps), steps
    assert "2026-11-22" not in page.text and "recorded" not in steps


def test_the_home_feed_shows_distinct_dated_rows(site: Path) -> None:
    home = read_page(site, "")
    for heading in ('id="recent-decision-changes"', 'id="what-changed-lately"'):
        rows = table_after(home.source, heading)[1:]
        days = [row[0] for row in rows]
        assert len(rows) >= 8 and days == sorted(days, reverse=True), days
        # Each row its own change, over most of the team's autumn, not one import day repeated.
        assert len({tuple(row) for row in rows}) == len(rows) and len(set(days)) >= 6, rows
    decisions = table_after(home.source, 'id="recent-decision-changes"')[1:]
    assert decisions[0][:3] == ["2026-10-05", "Promote fraud model v3 (hybrid) to production added", "proposed"]


def test_a_card_is_added_in_its_earlier_status_and_changed_on_its_status_date(replayed: Path, site: Path) -> None:
    card = "models/fraud-lgbm-v1.md"
    changes = git(replayed, "log", "--reverse", "--no-merges", "--format=%as %s", "--", card).splitlines()
    assert changes == ["2026-04-28 Add model card fraud-lgbm-v1: Fraud scorer v1 (LightGBM + velocity features)",
                       "2026-06-23 Mark model card fraud-lgbm-v1 deprecated"]
    first = git(replayed, "log", "--reverse", "--format=%H", "--", card).split()[0]
    added = git(replayed, "show", f"{first}:{card}")
    assert "status: production\n" in added and "status_date" not in added
    page = read_page(site, "models/fraud-lgbm-v1")
    assert "deprecated v1.0.0 since 2026-06-23 , the record says" in page.text
