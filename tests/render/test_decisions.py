"""The decision log and decision pages: supersede links both ways, timelines, evidence numbers, filters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sitekit import read_page

from mlreport.render.site import number
from repos import GitRepo
from render.recordkit import (HOSTILE, HOSTILE_TAG, built_site, decision, generated, records_repo,
                             pull, table_after)


@pytest.fixture(scope="module")
def repo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return records_repo(tmp_path_factory.mktemp("records") / "repo").path


@pytest.fixture(scope="module")
def site(repo_path: Path) -> Path:
    return built_site(repo_path)


def test_supersession_shows_both_ways_with_links(site: Path) -> None:
    old = read_page(site, "decisions/0001")
    assert "Superseded by 0002 — Use the wider CNN" in old.text
    assert old.link_to("0002 — Use the wider CNN") == "../0002/"
    # The file still says accepted; the page says superseded and flags the stale status.
    assert ("p", "data-status", "superseded") in old.attributes
    assert "stale status: the file still says accepted" in old.text
    middle = read_page(site, "decisions/0002")
    assert "Superseded by 0003 — Use the deeper CNN" in middle.text
    assert "Supersedes 0001 — Use the baseline CNN" in middle.text
    assert middle.link_to("0001 — Use the baseline CNN") == "../0001/"
    assert "stale" not in middle.text
    newest = read_page(site, "decisions/0003")
    assert "Supersedes 0002 — Use the wider CNN" in newest.text and "Superseded by" not in newest.text
    # The whole chain, oldest first, on every decision in it.
    for page in (old, middle, newest):
        chain = page.text[page.text.index("Supersede chain (3 decisions)"):]
        assert chain.index("0001 — Use the baseline CNN") < chain.index("0002 — Use the wider CNN") \
            < chain.index("0003 — Use the deeper CNN")


def test_a_relative_link_in_the_body_leads_to_the_decision_page(site: Path) -> None:
    page = read_page(site, "decisions/0002")
    assert page.link_to("the old decision") == "../0001/"


def test_evidence_shows_each_runs_numbers_as_its_own_page_does(site: Path, repo_path: Path) -> None:
    page = read_page(site, "decisions/0003")
    table = table_after(page.source, "Evidence")
    header, rows = table[0], table[1:]
    # The board's metric first, then the metrics most evidence runs report, each with its direction.
    assert header == ["Experiment", "Status", "test.accuracy ↑", "ops.latency_ms ↓", "test.loss ↓"]
    # Each metric in its own places, from every value recorded for it (0.84375 → four).
    PLACES = {"test.accuracy": 4, "ops.latency_ms": 2, "test.loss": 2}
    runs = {"Wider CNN": {"test.accuracy": 0.86, "ops.latency_ms": 5.5, "test.loss": 0.41},
            "Deeper CNN": {"test.accuracy": 0.84375, "ops.latency_ms": 7.25, "test.loss": 0.45}}
    assert [row[0] for row in rows] == list(runs)
    for row in rows:
        shown = dict(zip(header[2:], row[2:]))
        expected = {f"{name} {'↓' if name != 'test.accuracy' else '↑'}": str(number(value, PLACES[name]))
                    for name, value in runs[row[0]].items()}
        assert shown == expected
        experiment = read_page(site, "experiments/" + page.link_to(row[0]).strip("/").split("/")[-1])
        for value in shown.values():
            assert f"{value}" in experiment.text
    assert page.link_to("Wider CNN") == "../../experiments/wide/"
    # The best of each column is marked, in each metric's own direction.
    assert '<strong class="mlr-best" title="best of these runs">0.41</strong>' in page.source
    assert '<strong class="mlr-best" title="best of these runs">5.50</strong>' in page.source
    assert page.link_to("Compare these runs") == "../../experiments/compare/?ids=wide,deep"


def test_decision_page_lists_the_model_cards_it_concerns(site: Path) -> None:
    # 0002 names the card in `models`; the card names 0003 in `decisions`: both sides count.
    for number_ in ("0002", "0003"):
        page = read_page(site, f"decisions/{number_}")
        assert page.link_to("Digits CNN") == "../../models/digits-cnn/"
    assert "Model cards" not in read_page(site, "decisions/0001").text


def test_status_timeline_from_git(repo_path: Path) -> None:
    pages = generated(repo_path).html_pages
    old = pages["decisions/0001.md"].html
    timeline = old[old.index('<ol class="mlr-timeline"'):old.index("</ol>")]
    steps = timeline.split("</li>")[:-1]
    assert len(steps) == 3
    assert 'data-status="proposed"' in steps[0] and f"on 2026-01-05 by Ana Lima in {pull(12)}" in steps[0]
    assert 'data-status="accepted"' in steps[1] and f"on 2026-01-10 by Zoë Ångström in {pull(15)}" in steps[1]
    # The file never said superseded: the newer decision did, on the day it was added.
    assert 'data-status="superseded"' in steps[2] and 'by <a href="../0002/">0002</a> on 2026-01-25' in steps[2]
    assert "recorded in the newer decision" in steps[2]
    middle = pages["decisions/0002.md"].html
    assert f'superseded</span> by <a href="../0003/">0003</a> on 2026-02-20 by Ana Lima in {pull(31)}' in middle


def test_status_timeline_without_git_uses_the_record(repo_path: Path) -> None:
    page = generated(repo_path, with_history=False).html_pages["decisions/0003.md"].html
    timeline = page[page.index('<ol class="mlr-timeline"'):page.index("</ol>")]
    assert timeline.count("<li") == 1 and 'data-status="accepted"' in timeline
    assert "the record is dated 2026-02-20" in timeline


def test_log_grouped_by_month_with_filter_hooks(site: Path) -> None:
    page = read_page(site, "decisions")
    months = [value for tag, name, value in page.attributes if name == "data-month"]
    assert months == ["2026-02", "2026-01"]
    rows = {}
    for tag, name, value in page.attributes:
        if tag == "tr" and name == "data-id":
            rows[value] = {}
        elif tag == "tr" and name in ("data-status", "data-tags"):
            rows[list(rows)[-1]][name] = value
    assert list(rows) == ["0004", "0003", "0002", "0001"]
    assert rows["0001"] == {"data-status": "superseded", "data-tags": '["vision"]'}
    assert json.loads(rows["0002"]["data-tags"]) == ["vision", "release"]
    assert json.loads(rows["0004"]["data-tags"]) == [HOSTILE_TAG]
    chips = [value for tag, name, value in page.attributes if name == "data-filter-status"]
    assert chips == ["", "superseded", "accepted", "proposed"]
    options = [value for tag, name, value in page.attributes if tag == "option" and name == "value"]
    assert options == ["", "release", "vision", HOSTILE_TAG]
    # The filters are shown by the script; its file is loaded on every page.
    assert ("div", "hidden", "") in page.attributes
    assert any(attrs.get("src", "").endswith("assets/mlreport/decisions.js") for attrs, _ in page.scripts)
    assert page.link_to("Use the baseline CNN") == "0001/"


def test_recently_accepted_counts_back_from_the_newest_date_not_the_clock(repo_path: Path) -> None:
    for with_history in (True, False):
        index = generated(repo_path, with_history).pages["decisions/index.md"]
        recent = index[index.index("Accepted in the 30 days to 2026-02-25"):index.index("</div>")]
        # 0003 (accepted 2026-02-20) is in; 0002 (2026-01-25) is 31 days before the newest date.
        assert "0003 — Use the deeper CNN" in recent and "0002" not in recent


def test_hostile_decision_shows_as_text(site: Path) -> None:
    page = read_page(site, "decisions/0004")
    assert HOSTILE in page.text and HOSTILE_TAG in page.text and "<script>alert(3)</script>" in page.text
    index = read_page(site, "decisions")
    assert HOSTILE in index.text
    for source in (page.source, index.source):
        assert "<script>alert" not in source and "<img src=x" not in source
    assert not [h for tag, name, h in page.attributes if name == "href" and "javascript" in h.lower()]


def test_decisions_committed_long_after_they_were_made_are_not_recent(repo: GitRepo) -> None:
    # An imported log: decided in 2025, committed in one go much later.
    repo.write("decisions/0001-old.md", decision("Old", "accepted", "2025-03-01"))
    repo.write("decisions/0002-older.md", decision("Older", "accepted", "2025-01-15"))
    repo.commit("Import the decision log", date="2026-03-01T10:00:00+00:00")
    index = generated(repo.path).pages["decisions/index.md"]
    # Their own dates count, not the day they were committed.
    recent = index[index.index("Accepted in the 30 days to 2025-03-01"):index.index("</div>")]
    assert "2025-03-01 · [0001 — Old](0001.md)" in recent and "Older" not in recent
    repo.write("decisions/0002-older.md", decision("Older", "deprecated", "2025-01-15"))
    repo.write("decisions/0003-new.md", decision("New", "proposed", "2026-03-02"))
    repo.commit("Deprecate the older one, propose a new one", date="2026-03-05T10:00:00+00:00")
    repo.write("decisions/0003-new.md", decision("New", "accepted", "2026-03-02"))
    repo.commit("Accept the new one", date="2026-03-20T10:00:00+00:00")
    index = generated(repo.path).pages["decisions/index.md"]
    recent = index[index.index("Accepted in the 30 days to 2026-03-20"):index.index("</div>")]
    assert "2026-03-20 · [0003 — New](0003.md)" in recent and "Old" not in recent
