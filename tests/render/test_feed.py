"""The Atom feed: entries from git (or the records' dates), escaped, dated by commits, reproducible."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as etree
from pathlib import Path

import pytest
from click.testing import CliRunner
from sitekit import read_page

from mlreport.cli import main
from mlreport.config import load_options
from mlreport.pipeline import generate_site
from mlreport.render import feed as feed_kind
from render.recordkit import BREAKOUT, HOSTILE, SITE_URL, generated, records_repo

NS = {"a": "http://www.w3.org/2005/Atom"}


@pytest.fixture(scope="module")
def repo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return records_repo(tmp_path_factory.mktemp("records") / "repo").path


def _entries(document: bytes) -> tuple[etree.Element, list[dict[str, str]]]:
    root = etree.fromstring(document)
    entries = [{"title": e.findtext("a:title", namespaces=NS), "link": e.find("a:link", NS).get("href"),
                "updated": e.findtext("a:updated", namespaces=NS), "id": e.findtext("a:id", namespaces=NS),
                "author": e.findtext("a:author/a:name", namespaces=NS),
                "kind": e.find("a:category", NS).get("term")}
               for e in root.findall("a:entry", NS)]
    return root, entries


def test_entries_are_record_changes_from_git_newest_first(repo_path: Path) -> None:
    root, entries = _entries(generated(repo_path).files["feed.xml"])
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    titles = [e["title"] for e in entries]
    assert titles[:3] == [f"Decision 0004 proposed: {HOSTILE}", f"Experiment added: {BREAKOUT}",
                          f"Model card added: {BREAKOUT}"]
    assert "Decision 0003 accepted: Use the deeper CNN" in titles
    assert "Decision 0002 superseded: Use the wider CNN" in titles
    assert "Model card updated: Digits CNN" in titles
    # The first commit's three records come last (in the order git lists them).
    assert sorted(titles[-3:]) == ["Decision 0001 proposed: Use the baseline CNN",
                                   "Experiment added: A run whose id is the compare page's name",
                                   "Experiment added: Baseline CNN"]
    accepted = entries[titles.index("Decision 0003 accepted: Use the deeper CNN")]
    assert accepted["link"] == f"{SITE_URL}decisions/0003/"
    assert accepted["updated"] == "2026-02-20T10:00:00+00:00" and accepted["author"] == "Ana Lima"
    assert accepted["kind"] == "decision"
    assert accepted["id"].startswith("tag:ml.example.com,2026-02-20:")
    assert accepted["id"].endswith("/decisions/0003-use-the-deeper-cnn.md")
    assert len({e["id"] for e in entries}) == len(entries)
    # The feed is as new as its newest entry: a commit's date, never the build's.
    assert root.findtext("a:updated", namespaces=NS) == "2026-02-25T08:00:00+00:00"
    assert root.find("a:link[@rel='self']", NS).get("href") == f"{SITE_URL}feed.xml"
    assert root.findtext("a:id", namespaces=NS) == SITE_URL


def test_the_feed_is_capped(repo_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed_kind, "MAX_ENTRIES", 3)
    assert len(_entries(generated(repo_path).files["feed.xml"])[1]) == 3


def test_without_git_the_records_dates_stand_in(repo_path: Path) -> None:
    root, entries = _entries(generated(repo_path, with_history=False).files["feed.xml"])
    dated = [(e["updated"][:10], e["title"]) for e in entries]
    assert dated == sorted(dated, key=lambda item: item[0], reverse=True)
    assert ("2026-02-20", "Decision 0003 accepted: Use the deeper CNN") in dated
    assert ("2026-01-05", "Decision 0001 superseded: Use the baseline CNN") in dated
    assert ("2026-02-01", "Experiment recorded: Deeper CNN") in dated
    assert root.findtext("a:updated", namespaces=NS) == "2026-02-25T00:00:00Z"


def test_links_are_relative_without_a_site_url(repo_path: Path) -> None:
    options = dataclasses.replace(load_options(repo_path), site_url="")
    out = generate_site(dataclasses.replace(options, history=False)).site
    root, entries = _entries(out.files["feed.xml"])
    assert entries[0]["link"] == "decisions/0004/" and root.find("a:link[@rel='self']", NS) is None
    assert entries[0]["id"].startswith("tag:git.example.com,")


def test_built_feed_is_byte_identical_and_announced(repo_path: Path, tmp_path: Path) -> None:
    builds = []
    for name in ("one", "two"):
        result = CliRunner().invoke(main, ["build", "--root", str(repo_path), "--site-dir", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        builds.append((tmp_path / name / "feed.xml").read_bytes())
    assert builds[0] == builds[1]
    etree.fromstring(builds[0])
    site = tmp_path / "one"
    for url, href in (("", "feed.xml"), ("decisions/0001", "../../feed.xml"), ("models", "../feed.xml")):
        page = read_page(site, url)
        links = [dict((n, v) for t, n, v in page.attributes if t == "link" and v == "application/atom+xml")]
        assert ("link", "href", href) in page.attributes and links, url
        assert 'rel="alternate" type="application/atom+xml" title="Records team: record changes"' in page.source
    assert read_page(site, "").link_to("feed reader") == "feed.xml"
    assert read_page(site, "decisions").link_to("Atom feed") == "../feed.xml"
