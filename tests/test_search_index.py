"""What the search index holds: records' words and parameters, not numbers, other records or git history.

Material's search downloads the whole index on the first search; at 10,000 experiments every
section indexed per record page costs megabytes, so pages mark the sections worth no search.
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from repos import new_repo
from sitekit import team_repo

from mlreport.cli import main


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The golden team's built search index, as Material's search reads it: its config and its docs."""
    tmp_path = tmp_path_factory.mktemp("search")
    repo = team_repo(new_repo(tmp_path / "repo"))
    repo.write("experiments/digits/wide.yaml", (repo.path / "experiments/digits/wide.yaml").read_text()
               + "notes: Widening the first layer fixed the confusion between fours and nines.\n")
    repo.commit("Notes on the wide run")
    result = CliRunner().invoke(main, ["build", "--root", str(repo.path), "--site-dir", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    return json.loads((tmp_path / "site/search/search_index.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def index(built: dict) -> dict[str, dict[str, str]]:
    """The search index's entries: location → entry."""
    return {doc["location"]: doc for doc in built["docs"]}


def sections(index: dict[str, dict[str, str]], page: str) -> set[str]:
    """The anchors of a page's indexed sections ("" for its top)."""
    return {location.partition("#")[2] for location in index if location.partition("#")[0] == page}


def test_experiment_pages_index_their_summary_parameters_and_notes(index: dict[str, dict[str, str]]) -> None:
    assert sections(index, "experiments/wide/") == {"", "parameters", "notes"}
    assert "Wider CNN" in index["experiments/wide/"]["title"]
    assert "cnn" in index["experiments/wide/"]["text"]
    assert "fours and nines" in index["experiments/wide/#notes"]["text"]
    assert not any("0.86" in doc["text"] or "abc1234" in doc["text"] or "Ranked" in doc["text"]
                   for doc in index.values() if doc["location"].startswith("experiments/wide/"))


def test_decision_and_card_pages_index_their_text_not_their_tables(index: dict[str, dict[str, str]]) -> None:
    decision = next(page for page in {loc.partition("#")[0] for loc in index} if page.startswith("decisions/0001"))
    assert {"evidence", "history", "model-cards"}.isdisjoint(sections(index, decision))
    assert "decision-record" in sections(index, decision)
    card = sections(index, "models/digits-cnn/")
    assert {"", "model-card"} <= card and {"evaluation", "decisions", "hugging-face-export", "history"}.isdisjoint(card)


def test_a_search_result_reads_the_records_summary_first(index: dict[str, dict[str, str]]) -> None:
    # Material shows the start of a section's text under each result: the first sentence of the notes,
    # not the list of fields.
    assert index["experiments/wide/"]["text"].startswith(
        "<p>Widening the first layer fixed the confusion between fours and nines.</p> <ul>")


def test_search_splits_dotted_names_so_a_metric_finds_its_leaderboard(built: dict,
                                                                       index: dict[str, dict[str, str]]) -> None:
    separator = re.compile(built["config"]["separator"])
    assert [w for w in separator.split("test.accuracy optimizer.lr 0.86 v2.1") if w] == [
        "test", "accuracy", "optimizer", "lr", "0.86", "v2.1"]
    board = index["leaderboards/digits-accuracy/"]
    assert "accuracy" in separator.split(re.sub(r"<[^>]+>", " ", board["text"]))


def test_record_pages_come_out_as_the_search_plugin_leaves_every_page(tmp_path) -> None:
    # Record pages are kept from Material's search plugin while it looks at pages; a build with a hook of its own
    # (which may read any page) shows them to it. Both give the same site, an attribute spelled out in a note
    # removed as the plugin removes it.
    repo = team_repo(new_repo(tmp_path / "repo"))
    repo.write("experiments/digits/wide.yaml", (repo.path / "experiments/digits/wide.yaml").read_text()
               + 'notes: Seen in the logs as data-search-weight="2" beside the run.\n')
    repo.commit("Notes on the wide run")
    sites = {}
    for name, hooks in (("hidden", ""), ("shown", "hooks: [hook.py]\n")):
        repo.write("hook.py", '"""A hook that does nothing: with it, every page goes through every plugin."""\n')
        config = (repo.path / "mkdocs.yml").read_text().replace("hooks: [hook.py]\n", "")
        (repo.path / "mkdocs.yml").write_text(config + hooks)
        site = tmp_path / name
        result = CliRunner().invoke(main, ["build", "--root", str(repo.path), "--site-dir", str(site)])
        assert result.exit_code == 0, result.output
        sites[name] = {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}
    assert sites["hidden"].keys() == sites["shown"].keys()
    assert [path for path in sites["hidden"] if sites["hidden"][path] != sites["shown"][path]] == []
    wide = sites["hidden"]["experiments/wide/index.html"].decode()
    assert "Seen in the logs as beside the run." in wide and 'data-search-weight="2"' not in wide
    assert "data-search-exclude" in wide


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The first heading of each page whose HTML Material's search plugin parses for its sections."""
    from material.plugins.search import plugin as search

    seen: list[str] = []
    real = search.SearchIndex.add_entry_from_context

    def counted(self, page):
        if page.content:
            seen.append(page.file.src_uri)
        return real(self, page)

    monkeypatch.setattr(search.SearchIndex, "add_entry_from_context", counted)
    return seen


def test_generated_pages_of_unchanged_html_are_indexed_without_parsing_it_and_the_index_is_the_same(
        tmp_path, parsed: list[str]) -> None:
    repo = team_repo(new_repo(tmp_path / "repo"))

    def build(site: str) -> str:
        result = CliRunner().invoke(main, ["build", "--root", str(repo.path), "--site-dir", str(tmp_path / site)])
        assert result.exit_code == 0, result.output
        return (tmp_path / site / "search/search_index.json").read_text(encoding="utf-8")

    first = build("site")
    assert {"index.md", "experiments/index.md", "decisions/index.md"} <= set(parsed)
    parsed.clear()
    wide = repo.path / "experiments/digits/wide.yaml"
    wide.write_text(wide.read_text(encoding="utf-8").replace("title: ", "title: Widened ", 1), encoding="utf-8")

    edited = build("site")
    # The decisions and models indexes do not show the run: their entries are the last build's.
    assert "decisions/index.md" not in parsed and "models/index.md" not in parsed
    assert "experiments/index.md" in parsed  # its latest runs list the title
    assert "Widened" in edited and edited != first
    (repo.path / ".mlreport/cache/search-entries.json").unlink()
    assert build("full") == edited
