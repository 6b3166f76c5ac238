"""Texts made from one record alone (the rows of the experiments index, the query data and the leaderboards), kept
between builds by the record's digest: a build after one record changed makes again only that record's, and writes
the same files."""

from __future__ import annotations

from pathlib import Path

import pytest
from sitekit import team_repo

from mlreport import query
from mlreport.cache_dir import code_stamp, read_cache, write_cache
from mlreport.config import load_options
from mlreport.pipeline import generate_site
from mlreport.record_texts import CACHE_FILE, RecordTexts
from mlreport.render import experiments, leaderboards
from mlreport.render.experiments import INDEX_DATA
from mlreport.render.site import DATA, QUERY_DATA

from repos import GitRepo


def kept(cache: Path, frame: str, texts: dict[tuple[str, str], str]) -> RecordTexts:
    """A build's texts, written to the cache folder; the texts read back for the next build, in the same frame."""
    written = RecordTexts.open(cache)
    written.frame(frame)
    for (name, record), text in texts.items():
        assert written.text(name, record, lambda text=text: text) == text
    written.keep()
    again = RecordTexts.open(cache)
    again.frame(frame)
    return again


def test_a_text_kept_is_given_back_for_the_same_name_and_record_and_made_for_another(tmp_path: Path) -> None:
    texts = kept(tmp_path, "frame-1", {("query", "a1"): '{"id":"a"}', ("index", "a1"): '{"row":"a"}'})
    made: list[str] = []

    def make(text: str):
        return lambda: made.append(text) or text

    assert texts.text("query", "a1", make("new")) == '{"id":"a"}'
    assert texts.text("index", "a1", make("new")) == '{"row":"a"}'
    assert texts.text("query", "a2", make('{"id":"a, edited"}')) == '{"id":"a, edited"}'
    assert texts.text("other", "a1", make('{"other":1}')) == '{"other":1}'
    assert made == ['{"id":"a, edited"}', '{"other":1}']


def test_texts_of_another_frame_or_code_or_a_damaged_file_are_all_made_again(tmp_path: Path) -> None:
    kept(tmp_path, "frame-1", {("query", "a1"): '{"id":"a"}'})
    other_frame = RecordTexts.open(tmp_path)
    other_frame.frame("frame-2")  # the options, the templates or the metrics' places changed
    assert other_frame.text("query", "a1", lambda: "made") == "made"

    body, _ = read_cache(tmp_path / CACHE_FILE, code_stamp())
    assert body is not None
    write_cache(tmp_path / CACHE_FILE, "another version", body)
    other_code = RecordTexts.open(tmp_path)
    other_code.frame("frame-1")
    assert other_code.text("query", "a1", lambda: "made") == "made"

    kept(tmp_path, "frame-1", {("query", "a1"): '{"id":"a"}'})
    path = tmp_path / CACHE_FILE
    path.write_bytes(path.read_bytes().replace(b'"a"', b'"b"'))
    damaged = RecordTexts.open(tmp_path)
    damaged.frame("frame-1")
    assert damaged.text("query", "a1", lambda: "made") == "made"


def test_only_the_texts_a_build_asked_for_are_kept_and_none_holding_a_line_break(tmp_path: Path) -> None:
    texts = kept(tmp_path, "frame-1", {("query", "a1"): "a", ("query", "b1"): "b", ("note", "a1"): "two\nlines"})
    assert texts.text("query", "a1", lambda: "made") == "a"
    assert texts.text("note", "a1", lambda: "made") == "made"  # a line break would split its entry
    texts.keep()

    again = RecordTexts.open(tmp_path)
    again.frame("frame-1")
    assert again.text("query", "b1", lambda: "made") == "made"  # its record is gone from the last build
    assert again.text("query", "a1", lambda: "made") == "a"


def test_a_name_of_any_characters_keeps_its_texts_apart(tmp_path: Path) -> None:
    texts = kept(tmp_path, "frame-1", {("index\t[a]\n", "a1"): "tabbed", ("index [a]", "a1"): "plain"})
    assert texts.text("index\t[a]\n", "a1", lambda: "made") == "tabbed"
    assert texts.text("index [a]", "a1", lambda: "made") == "plain"


@pytest.fixture
def rows_made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The experiments whose query row, index row and leaderboard rows a generation makes (not taken from the last
    build's)."""
    made: list[str] = []
    fields, index_row, board_row = query.record_fields, experiments._index_row, leaderboards._board_row

    def counted_fields(record):
        made.append(f"query {record.id}")
        return fields(record)

    def counted_row(site, experiment, *args):
        made.append(f"index {experiment.id}")
        return index_row(site, experiment, *args)

    def counted_board_row(site, view, entry, *args):
        made.append(f"board {entry.experiment.id}")
        return board_row(site, view, entry, *args)

    monkeypatch.setattr(experiments, "record_fields", counted_fields)
    monkeypatch.setattr(experiments, "_index_row", counted_row)
    monkeypatch.setattr(leaderboards, "_board_row", counted_board_row)
    return made


def test_a_generation_after_one_run_changed_makes_its_rows_alone_and_the_same_files(repo: GitRepo,
                                                                                   rows_made: list[str]) -> None:
    team_repo(repo)
    first = generate_site(load_options(repo.path), defer=True).site
    everyone = sorted({line.split()[1] for line in rows_made})
    ranked = [line for line in rows_made if line.startswith("board ")]
    assert len(everyone) == 6 and len(rows_made) == 12 + len(ranked) and "board gbm" in ranked
    rows_made.clear()

    unchanged = generate_site(load_options(repo.path), defer=True).site
    assert rows_made == []
    assert unchanged.files[QUERY_DATA] == first.files[QUERY_DATA]
    assert unchanged.files[INDEX_DATA] == first.files[INDEX_DATA]

    path = repo.path / "experiments/houses/gbm.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: ", "title: Tuned ", 1), encoding="utf-8")
    edited = generate_site(load_options(repo.path), defer=True).site
    assert sorted(rows_made) == ["board gbm", "index gbm", "query gbm"]
    assert b"Tuned " in edited.files[QUERY_DATA] and b"Tuned " in edited.files[INDEX_DATA]
    [board] = [path for path, data in edited.files.items()
               if path.startswith(f"{DATA}/leaderboards/") and b"Tuned " in data]

    (repo.path / ".mlreport/cache" / CACHE_FILE).unlink()
    rows_made.clear()
    full = generate_site(load_options(repo.path), defer=True).site
    assert len(rows_made) == 12 + len(ranked)
    assert (full.files[QUERY_DATA], full.files[INDEX_DATA], full.files[board]) == (
        edited.files[QUERY_DATA], edited.files[INDEX_DATA], edited.files[board])


def test_a_card_promoted_to_production_makes_the_index_rows_of_its_runs_again(repo: GitRepo,
                                                                               rows_made: list[str]) -> None:
    team_repo(repo)
    promoted = generate_site(load_options(repo.path), defer=True).site
    assert b"Digits CNN" in promoted.files[INDEX_DATA].split(b'"rows"')[1]
    rows_made.clear()
    path = repo.path / "models/digits-cnn.md"
    path.write_text(path.read_text(encoding="utf-8").replace("status: production", "status: candidate"),
                    encoding="utf-8")
    demoted = generate_site(load_options(repo.path), defer=True).site
    assert rows_made and all(line.split()[0] in ("index", "board") for line in rows_made)
    assert b"Digits CNN" not in demoted.files[INDEX_DATA].split(b'"rows"')[1]
