"""The cache keyed by commit: only new commits are read, and a damaged or stale cache is rebuilt."""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
from typing import Any

import pytest

from mlreport.cache_dir import write_cache
from mlreport.config import Options
from mlreport.git import probe
from mlreport.history import cache
from mlreport.history.cache import CACHE_FILE
from mlreport.history.reader import record_pathspecs
from tests.history.conftest import ANA, LI, ZOE, decision, experiment, history, identity

CACHE = f".mlreport/cache/{CACHE_FILE}"


def read(repo) -> tuple[str, Any]:
    """The cache file's stamp and its data."""
    header, body = (repo.path / CACHE).read_bytes().split(b"\n", 1)
    return json.loads(header)["stamp"], json.loads(body)


def rewrite(repo, stamp: str, data: Any) -> None:
    """Write data as the cache, with a header that vouches for it, as someone who knows the format would."""
    write_cache(repo.path / CACHE, stamp, json.dumps(data).encode("utf-8"))


@pytest.fixture
def debug(caplog):
    """The history module's debug log, which says what was read from git and what from the cache."""
    caplog.set_level(logging.DEBUG, logger="mlreport.history")
    return caplog


def _grow(repo, at, start: int, status: str) -> None:
    """Commits with a merged branch, a rename and a status change, dated from `at(start)`."""
    repo.git("checkout", "-q", "-b", f"topic-{start}")
    repo.write(f"experiments/run-{start}.yaml", experiment(f"Run {start}"))
    repo.commit(f"Add run {start}", author=LI, date=at(start))
    repo.git("checkout", "-q", "main")
    current = next((repo.path / "decisions").glob("0001-*.md")).name
    repo.git("mv", f"decisions/{current}", f"decisions/0001-use-x-{start}.md")
    repo.write(f"decisions/0001-use-x-{start}.md", decision("Use X", status))
    repo.commit(f"Rename and restate X ({start})", author=ZOE, date=at(start + 1))
    repo.git("merge", "--no-ff", "-q", "-m", f"Merge pull request #{start} from team/topic-{start}",
             f"topic-{start}", env=identity(ANA, at(start + 2)))


@pytest.fixture
def grown(repo, at):
    """A repo with some history, read once so the cache holds it."""
    repo.write("decisions/0001-use-x.md", decision("Use X", "proposed"))
    repo.write("experiments/base.yaml", experiment("Base"))
    repo.commit("Start (#1)", date=at(1))
    _grow(repo, at, 2, "accepted")
    history(repo.path)
    return repo


def _cold(repo):
    shutil.rmtree(repo.path / ".mlreport", ignore_errors=True)
    return history(repo.path)


def test_a_warm_read_takes_everything_from_the_cache_and_equals_a_cold_one(grown, debug):
    debug.clear()
    warm = history(grown.path)

    assert "nothing new" in debug.text and "full pass" not in debug.text
    assert warm == _cold(grown)


def test_a_rebuild_reads_only_the_new_commits_and_equals_a_full_pass(grown, at, debug):
    _grow(grown, at, 10, "rejected")
    debug.clear()
    incremental = history(grown.path)

    assert "3 new commits since" in debug.text
    assert incremental == _cold(grown)
    assert incremental.provenance("experiments/run-10.yaml").created.pr == 10
    timeline = incremental.provenance("decisions/0001-use-x-10.md").status_history
    assert [s.status for s in timeline] == ["proposed", "accepted", "rejected"]


def test_garbage_in_the_cache_is_rebuilt_and_never_trusted(grown, debug):
    expected = _cold(grown)
    stamp, good = read(grown)
    commit = good["commits"][0]
    lies = [{"key": 1}, [], {**good, "head": 7}, {**good, "commits": [commit, commit]},
            *({**good, "commits": [[*commit[:index], value, *commit[index + 1:]]]}
              for index, value in ((0, -3), (1, "soon"), (2, "HEAD"), (5, "yesterday"), (7, [["Q", "x", "", "0"]]))),
            {**good, "blobs": {"not-a-blob": ["t", "s", []]}},
            *({**good, "followed": [path]} for path in ("", "/etc", "docs/../..", 3))]
    for garbage in (b"\x00\xff not json", b'{"key": 1}', *(None for _ in lies)):
        if garbage is None:
            rewrite(grown, stamp, lies.pop(0))
        else:
            (grown.path / CACHE).write_bytes(garbage)
        debug.clear()

        assert history(grown.path) == expected
        assert "full pass" in debug.text
        assert read(grown)[1]["head"] == expected.head


def test_a_hand_edit_is_a_damaged_cache(grown, debug):
    expected = _cold(grown)
    text = (grown.path / CACHE).read_bytes()
    (grown.path / CACHE).write_bytes(text.replace(b"Ana Lima", b"Mallory"))
    assert b"Mallory" in (grown.path / CACHE).read_bytes()
    debug.clear()

    assert history(grown.path) == expected and "full pass" in debug.text


def test_a_planted_cache_cannot_put_authors_on_the_site(grown, at, debug):
    # Made with mlreport's own cache code, so it is whole and in the right shape: only git gives it away.
    options = Options(root=grown.path)
    key = cache.cache_key(grown.path, "", record_pathspecs(options, probe(grown.path)))
    forged = cache.load(grown.path / CACHE, key)
    assert forged is not None
    forged.commits = [dataclasses.replace(commit, author="Mallory", email="mallory@evil.example", encoded="")
                      for commit in forged.commits]
    cache.save(grown.path / CACHE, key, forged)
    grown.git("add", "-f", CACHE)
    grown.commit("Tidy up (#77)", author=ZOE, date=at(30))
    planted = (grown.path / CACHE).read_bytes()
    debug.clear()

    result = history(grown.path)

    assert "full pass" in debug.text
    assert not any(change.author == "Mallory" for provenance in result.records.values()
                   for change in provenance.changes)
    assert result == _cold_keeping(grown, CACHE)
    assert (grown.path / CACHE).read_bytes() == planted  # a tracked file is left as the repository has it


def _cold_keeping(repo, tracked: str):
    """A cold read that leaves a tracked cache file in place (it is ignored anyway)."""
    saved = (repo.path / tracked).read_bytes()
    (repo.path / tracked).unlink()
    try:
        return history(repo.path)
    finally:
        (repo.path / tracked).write_bytes(saved)


def test_a_cache_whose_head_is_no_commit_of_this_repository_is_rebuilt(grown, debug):
    expected = _cold(grown)
    stamp, data = read(grown)
    data["head"] = "0" * 40
    data["commits"] = data["commits"][:1]
    rewrite(grown, stamp, data)
    debug.clear()

    assert history(grown.path) == expected
    assert "full pass" in debug.text


def test_a_cache_that_lies_in_the_right_shape_but_for_other_settings_is_rebuilt(grown, debug):
    expected = _cold(grown)
    stamp, data = read(grown)
    older = {**json.loads(stamp), "mlreport": "0.0.0-older"}
    data["commits"] = []
    rewrite(grown, json.dumps(older, separators=(",", ":")), data)
    debug.clear()

    assert history(grown.path) == expected
    assert "full pass" in debug.text


def test_rewritten_history_makes_the_cache_stale(grown, at, debug):
    grown.write("experiments/base.yaml", experiment("Base", "edited"))
    grown.commit("Edit the base (#98)", date=at(20))
    history(grown.path)
    grown.write("experiments/base.yaml", experiment("Base", "amended"))
    grown.git("add", "-A")
    grown.git("commit", "-q", "--amend", "-m", "Edit the base, amended (#99)", env=identity(LI, at(21)))
    debug.clear()

    result = history(grown.path)

    assert "full pass" in debug.text
    assert result == _cold(grown)
    assert [c.subject for c in result.provenance("experiments/base.yaml").changes] == [
        "Edit the base, amended (#99)", "Start (#1)"]


def test_a_cached_head_reached_only_through_a_second_parent_is_not_reused(repo, at, debug):
    repo.write("experiments/base.yaml", experiment("Base"))
    repo.commit("Start", date=at(1))
    repo.git("checkout", "-q", "-b", "topic")
    repo.write("experiments/topic.yaml", experiment("Topic"))
    repo.commit("Topic work", author=LI, date=at(2))
    history(repo.path)  # cached on the branch, before its commits belonged to a pull request
    repo.git("checkout", "-q", "main")
    repo.write("experiments/main.yaml", experiment("Main"))
    repo.commit("Main work", date=at(3))
    repo.git("merge", "--no-ff", "-q", "-m", "Merge pull request #8 from team/topic", "topic",
             env=identity(ANA, at(4)))
    debug.clear()

    result = history(repo.path)

    assert "full pass" in debug.text
    assert result.provenance("experiments/topic.yaml").created.pr == 8


def test_the_cache_is_written_atomically_where_the_options_say(grown):
    result = history(grown.path, cache_dir="ci-cache/history")

    data = json.loads((grown.path / "ci-cache/history" / CACHE_FILE).read_bytes().split(b"\n", 1)[1])
    assert data["head"] == result.head
    # No temporary file is left beside it (the folder's own .gitignore keeps the cache out of git).
    assert sorted(p.name for p in (grown.path / "ci-cache/history").iterdir()) == [".gitignore", CACHE_FILE]


def test_an_unwritable_cache_folder_is_no_error(grown):
    (grown.path / "blocked").write_text("a file where the cache folder should be", encoding="utf-8")

    result = history(grown.path, cache_dir="blocked/cache")

    assert result.available and result == _cold(grown)


def test_a_branch_forked_before_the_cached_head_and_merged_after_reads_like_a_full_pass(repo, at, debug):
    repo.write("experiments/a.yaml", experiment("A long enough title to be recognised after a rename"))
    repo.commit("Add a", date=at(1))
    repo.git("checkout", "-q", "-b", "topic")
    repo.write("experiments/a.yaml", experiment("A long enough title to be recognised after a rename", "tuned"))
    repo.commit("Tune a on the branch", author=LI, date=at(2))
    repo.git("checkout", "-q", "main")
    repo.git("mv", "experiments/a.yaml", "experiments/b.yaml")
    repo.commit("Rename a to b on main", date=at(3))
    history(repo.path)
    repo.git("merge", "--no-ff", "-q", "-m", "Merge pull request #5 from team/topic", "topic",
             env=identity(ANA, at(4)))
    debug.clear()

    incremental = history(repo.path)

    assert "2 new commits since" in debug.text
    assert incremental == _cold(repo)
    assert [c.subject for c in incremental.provenance("experiments/b.yaml").changes] == [
        "Tune a on the branch", "Rename a to b on main", "Add a"]
