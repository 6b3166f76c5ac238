"""Dates that never contradict each other: what a record states is its date, a commit only records it.

A decision log imported in one commit (eight decisions, some already superseded) must not read
as eight decisions decided, or superseded, on the import's day.
"""

from __future__ import annotations

import pytest

from repos import GitRepo
from sitekit import read_page

from render.recordkit import ANA, CONFIG, LI, built_site, decision, generated, pull, table_after

IMPORTED = "2026-11-22T10:00:00+00:00"
DECIDED = {"0001": ("accepted", "2026-03-02", ""), "0002": ("superseded", "2026-03-05", 'superseded_by: ["0008"]\n'),
           "0003": ("accepted", "2026-03-19", ""), "0004": ("accepted", "2026-04-06", ""),
           "0005": ("deprecated", "2026-04-14", "status_date: 2026-08-01\n"),
           "0006": ("superseded", "2026-04-28", 'superseded_by: ["0007"]\nstatus_date: 2026-06-23\n'),
           "0007": ("accepted", "2026-06-12", 'supersedes: ["0006"]\n'),
           "0008": ("accepted", "2026-09-16", 'supersedes: ["0002"]\n')}


@pytest.fixture
def imported(repo: GitRepo) -> GitRepo:
    """Eight decisions and an experiment committed at once in #12, then one decision proposed in #14."""
    repo.write("mkdocs.yml", CONFIG)
    repo.write("experiments/base.yaml", "title: Base\ndate: 2026-02-01\nstatus: completed\n"
                                        "metrics: {test.accuracy: 0.81}\n")
    for number, (status, day, more) in DECIDED.items():
        repo.write(f"decisions/{number}-decision-{number}.md", decision(f"Decision {number}", status, day, more=more))
    repo.commit("Import the decision log (#12)", author=ANA, date=IMPORTED)
    repo.write("decisions/0009-decision-0009.md", decision("Decision 0009", "proposed", "2026-11-25"))
    repo.commit("Propose 0009 (#14)", author=LI, date="2026-11-25T10:00:00+00:00")
    repo.write("decisions/0009-decision-0009.md", decision("Decision 0009", "accepted", "2026-11-25"))
    repo.commit("Accept 0009 (#15)", author=LI, date="2026-11-27T10:00:00+00:00")
    return repo


def timeline(page: str) -> list[str]:
    return page[page.index('<ol class="mlr-timeline"'):page.index("</ol>")].split("</li>")[:-1]


def test_a_status_the_record_dates_shows_that_date_and_the_import_as_recorded(imported: GitRepo) -> None:
    pages = {path: page.html for path, page in generated(imported.path).html_pages.items()}
    recorded = f"<small>(recorded 2026-11-22 by Ana Lima in {pull(12)})</small>"
    steps = timeline(pages["decisions/0006.md"])
    assert len(steps) == 1
    assert f"superseded</span> by <a href=\"../0007/\">0007</a> on 2026-06-23 {recorded}" in steps[0]
    assert "<strong>Superseded since</strong> 2026-06-23" in pages["decisions/0006.md"]
    assert f"deprecated</span> on 2026-08-01 {recorded}" in timeline(pages["decisions/0005.md"])[0]
    # Decided on its own date, recorded by the import.
    assert f"accepted</span> on 2026-04-06 {recorded}" in timeline(pages["decisions/0004.md"])[0]


def test_the_import_of_a_folder_is_never_the_moment_of_a_status_change(imported: GitRepo) -> None:
    pages = {path: page.html for path, page in generated(imported.path).html_pages.items()}
    # Superseded when imported and no date for it: the import only recorded it.
    steps = timeline(pages["decisions/0002.md"])
    assert steps[0].endswith(f"superseded</span> by <a href=\"../0008/\">0008</a> <small>(recorded 2026-11-22 by Ana Lima in "
                             f"{pull(12)})</small>")
    for page in pages.values():
        assert "on 2026-11-22" not in page
    # A status changed by a commit of its own is dated by that commit.
    steps = timeline(pages["decisions/0009.md"])
    assert f"proposed</span> on 2026-11-25 by Li Lei in {pull(14)}" in steps[0]
    assert f"accepted</span> on 2026-11-27 by Li Lei in {pull(15)}" in steps[1]


def test_a_record_committed_after_its_date_is_dated_by_itself_and_recorded_by_the_commit(imported: GitRepo) -> None:
    page = generated(imported.path).html_pages["experiments/base.md"].html
    assert f"<strong>Dated</strong> 2026-02-01 · <strong>recorded</strong> 2026-11-22 by Ana Lima in {pull(12)}" in page


def test_home_groups_an_import_into_one_row(imported: GitRepo) -> None:
    home = generated(imported.path).pages["index.md"]
    changes = home[home.index("## Recent decision changes"):home.index("## What changed lately")]
    rows = [line for line in changes.splitlines() if line.startswith("| 2026-")]
    assert [row.split(" | ")[0] for row in rows] == ["| 2026-11-27", "| 2026-11-25", "| 2026-11-22"]
    assert f"8 decisions recorded in {pull(12)}" in rows[2]
    assert rows[2].count("<a href=") == 9  # the pull request and every decision
    assert ('5 <span class="mlr-badge mlr-decision-accepted">accepted</span> '
            '2 <span class="mlr-badge mlr-decision-superseded">superseded</span> '
            '1 <span class="mlr-badge mlr-decision-deprecated">deprecated</span>') in rows[2]


def test_the_atom_feed_has_one_entry_for_an_import(imported: GitRepo) -> None:
    feed = generated(imported.path).files["feed.xml"].decode("utf-8")
    assert feed.count("<entry>") == 3
    assert "<title>8 decisions, 1 experiment recorded</title>" in feed
    assert "<summary>Import the decision log (#12)</summary>" in feed
    assert "<title>Decision 0009 accepted: Decision 0009</title>" in feed


def test_a_decision_added_already_superseded_is_recorded_in_the_feed_not_superseded(repo: GitRepo) -> None:
    repo.write("mkdocs.yml", CONFIG)
    repo.write("decisions/0001-old.md", decision("Old way", "superseded", "2026-01-05", more='superseded_by: ["0002"]\n'))
    repo.write("decisions/0002-new.md", decision("New way", "accepted", "2026-02-01", more='supersedes: ["0001"]\n'))
    repo.commit("Write down two decisions (#3)", author=ANA, date="2026-03-01T10:00:00+00:00")
    feed = generated(repo.path).files["feed.xml"].decode("utf-8")
    assert "<title>Decision 0001 recorded as superseded: Old way</title>" in feed
    assert "<title>Decision 0002 accepted: New way</title>" in feed
    page = generated(repo.path).html_pages["decisions/0001.md"].html
    assert f"superseded</span> by <a href=\"../0002/\">0002</a> <small>(recorded 2026-03-01 by Ana Lima in {pull(3)})</small>" in page


def test_without_git_a_stated_status_date_dates_the_status(imported: GitRepo) -> None:
    page = generated(imported.path, with_history=False).html_pages["decisions/0006.md"].html
    assert "superseded</span> by <a href=\"../0007/\">0007</a> <small>· superseded since 2026-06-23, the record says" in page


def test_the_built_pages_say_it_as_a_reader_sees_it(imported: GitRepo) -> None:
    site = built_site(imported.path)
    home = read_page(site, "")
    rows = table_after(home.source, 'id="recent-decision-changes"')[1:]
    assert [row[0] for row in rows] == ["2026-11-27", "2026-11-25", "2026-11-22"]
    assert rows[2][1].startswith("8 decisions recorded in #12Decision 0001; Decision 0002")
    assert rows[2][2] == "5 accepted 2 superseded 1 deprecated"
    page = read_page(site, "decisions/0006")
    assert "Status history superseded by 0007 on 2026-06-23 (recorded 2026-11-22 by Ana Lima in #12 )" in page.text


def test_a_card_shows_the_day_it_reached_its_status_as_the_record_says(repo: GitRepo) -> None:
    repo.write("mkdocs.yml", CONFIG)
    repo.write("models/v1.md", "---\nname: Scorer v1\ndate: 2026-04-28\nstatus: deprecated\nstatus_date: 2026-06-23\n"
                               "---\n# Scorer v1\n")
    repo.write("models/v2.md", "---\nname: Scorer v2\ndate: 2026-06-12\nstatus: production\n---\n# Scorer v2\n")
    repo.commit("Import the model cards (#12)", author=ANA, date=IMPORTED)
    pages = generated(repo.path).html_pages
    since = '<span class="mlr-status-since">since <time datetime="2026-06-23">2026-06-23</time>, the record says'
    assert f"deprecated</span> {since}" in pages["models/v1.md"].html
    # No stated day, no claim: the import's commit never dates the status.
    assert "since" not in pages["models/v2.md"].html.split('class="mlr-card-status"')[1].split("</p>")[0]
