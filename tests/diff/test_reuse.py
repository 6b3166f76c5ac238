"""BASE's records through the record caches: served by blob id where BASE holds the bytes a cached load read,
parsed from git's blobs elsewhere, and the report the same as one made without any cache."""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from pathlib import Path

import pytest

import mlreport.diff.reuse as reuse
from mlreport import git
import mlreport.records as records
from mlreport.catalog import build_catalog
from mlreport.config import load_options
from mlreport.diff import diff_repo, render_json
from mlreport.diff.changes import compare
from mlreport.diff.snapshot import load_base, open_repo, resolve_base
from mlreport.records import RecordCache
from mlreport.validate import read_records
from mlreport.records.kinds import EXPERIMENT

from .conftest import experiment

@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every experiment file the loader parses, as `root-name:path` (the work tree's, or a copy of BASE's)."""
    seen: list[str] = []
    real = EXPERIMENT.load

    def counting(path: Path, reader):
        where = "base" if "mlreport-base-" in str(reader.root) else "tree"
        seen.append(f"{where}:{path.relative_to(reader.root).as_posix()}")
        return real(path, reader)

    counted = dataclasses.replace(EXPERIMENT, load=counting)
    for module in (records, reuse):
        monkeypatch.setattr(module, "KINDS", tuple(counted if k is EXPERIMENT else k for k in module.KINDS))
    return seen


def report(repo) -> dict:
    """The report as tools read it, without the commit id (the same on every run anyway)."""
    return json.loads(render_json(diff_repo(load_options(repo.path), "main")))


def uncached(repo) -> dict:
    """The report with no cache at all: every record of both sides parsed, BASE's from a full copy of its
    record folders (nothing is written to the cache folder)."""
    options = load_options(repo.path)
    git_repo = open_repo(repo.path)
    base = resolve_base(git_repo, "main")
    tree = read_records(options)
    at_base = build_catalog(load_base(options, git_repo, base.commit), options)
    return json.loads(render_json(compare(at_base, tree.catalog, tree.problems, base_label=base.label,
                                          base_commit=base.commit)))


def test_only_the_records_the_branch_changed_are_parsed_at_base(feature, parsed: list[str]) -> None:
    feature.write("experiments/fraud-xgb.yaml", experiment("XGBoost, tuned", baseline="fraud-logreg",
                                                           test__pr_auc=0.83))
    expected = uncached(feature)
    del parsed[:]

    first = report(feature)  # the work tree's cache is made here, then serves BASE's unchanged records
    assert first == expected
    assert sorted(p for p in parsed if p.startswith("base:")) == ["base:experiments/fraud-xgb.yaml"]
    del parsed[:]

    assert report(feature) == expected  # BASE's version of the changed record now comes from the BASE cache
    assert parsed == []
    xgb = next(e for e in expected["experiments"] if e["id"] == "fraud-xgb")
    assert [(m["old"], m["new"]) for m in xgb["metrics"]] == [(0.8, 0.83)]


def test_a_record_whose_other_files_changed_is_read_at_base_from_them(feature, parsed: list[str]) -> None:
    feature.write("experiments/curves/experiment.yaml", experiment("Curves", test__pr_auc=0.75) +
                  "history: train.csv\n")
    feature.write("experiments/curves/train.csv", "step,loss\n1,0.9\n2,0.7\n")
    feature.write("experiments/curves/notes.md", "First notes.\n")
    feature.commit("Curves")
    feature.git("branch", "-f", "main")
    # On the branch: the record file stays, its notes and curve change, and a history file is added.
    feature.write("experiments/curves/notes.md", "Second notes.\n")
    feature.write("experiments/curves/train.csv", "step,loss\n1,0.9\n2,0.6\n")
    report(feature)  # the cache now holds the work tree's reading of the folder
    del parsed[:]

    assert report(feature) == uncached(feature)
    curves = next(e for e in report(feature)["experiments"] if e["id"] == "curves")
    assert curves["change"] == "changed" and {"history", "notes"} <= set(curves["other"])


def test_base_entries_match_by_blob_not_by_path_or_date(feature) -> None:
    options = load_options(feature.path)
    repo = open_repo(feature.path)
    base = feature.git("rev-parse", "main").strip()
    cache = RecordCache.open(options)
    records.load_records(options, cache=cache)
    # The work tree's file now says something else than BASE's, with the same size and modification time.
    path = feature.path / "experiments/fraud-logreg.yaml"
    text = path.read_text(encoding="utf-8")
    changed = text.replace("0.7", "0.9")
    assert len(changed) == len(text)
    before = os.stat(path)
    path.write_text(changed, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    cache = RecordCache.open(options)
    records.load_records(options, cache=cache)

    at_base = load_base(options, repo, base, cache)

    logreg = next(e for e in at_base.experiments if e.id == "fraud-logreg")
    assert logreg.metrics == {"test.pr_auc": 0.7}
    assert at_base == load_base(options, repo, base)  # the same as the full copy of BASE gives


def test_a_base_cache_that_git_tracks_is_not_read(feature, parsed: list[str]) -> None:
    feature.write("experiments/fraud-xgb.yaml", experiment("XGBoost, tuned", test__pr_auc=0.83))
    report(feature)
    feature.git("add", "-f", ".mlreport/cache/base-records.json")
    del parsed[:]

    assert report(feature) == uncached(feature)
    assert "base:experiments/fraud-xgb.yaml" in parsed  # not served from the tracked file


def test_thousands_of_blobs_are_read_from_one_cat_file_without_waiting_forever(repo) -> None:
    for number in range(3000):
        repo.write(f"experiments/run-{number:04}.yaml", f"title: Run {number}\ndate: 2026-01-01\n" + "#" * 100)
    repo.commit("Many runs")
    entries = git.tree_entries(repo.path, "HEAD", ["experiments"])
    reader = git.BlobReader(repo.path)
    done: list[list[bytes | None]] = []
    worker = threading.Thread(target=lambda: done.append(reader.read([e.blob for e in entries])), daemon=True)
    worker.start()
    worker.join(timeout=60)  # written all at once, 3,000 ids filled the pipe while git's output went unread
    assert done, "cat-file and mlreport waited for each other"
    reader.close()
    assert [data for data in done[0]] == [(repo.path / e.path).read_bytes() for e in entries]


def _retuned(repo) -> None:
    """The branch's experiment beats the board's leader: every placement and excerpt moves."""
    repo.write("experiments/fraud-xgb.yaml", experiment("XGBoost", baseline="fraud-logreg", test__pr_auc=0.60))


def _baseline_moved(repo) -> None:
    """Only a baseline's number changes: the boards of the runs measured against it change with it."""
    repo.write("experiments/fraud-logreg.yaml", experiment("Logistic regression", test__pr_auc=0.75))


def _added(repo) -> None:
    repo.write("experiments/fraud-lgbm.yaml", experiment("LightGBM", baseline="fraud-logreg", test__pr_auc=0.85))


def _removed(repo) -> None:
    (repo.path / "experiments/fraud-logreg.yaml").unlink()


def _renamed(repo) -> None:
    (repo.path / "experiments/2026").mkdir()
    (repo.path / "experiments/fraud-xgb.yaml").rename(repo.path / "experiments/2026/fraud-xgb.yaml")


_DRAFT = experiment("XGBoost draft", test__pr_auc=0.99) + "id: fraud-xgb\nstatus: failed\n"


def _duplicate_wins(repo) -> None:
    """A file sorted first takes the id of BASE's experiment, but is no run any board ranks."""
    repo.write("experiments/a/fraud-xgb.yaml", _DRAFT)


def _duplicate_removed(repo) -> None:
    """BASE's experiment lost its id to such a file, which the branch removes: the branch puts it on the board."""
    repo.write("experiments/a/fraud-xgb.yaml", _DRAFT)
    repo.commit("A draft")
    repo.git("branch", "-f", "main")
    report(repo)
    (repo.path / "experiments/a/fraud-xgb.yaml").unlink()


def _off_the_board(repo) -> None:
    """A run that leaves the board (failed runs are not ranked) and a new board opened."""
    repo.write("experiments/fraud-xgb.yaml", experiment("XGBoost", baseline="fraud-logreg", test__pr_auc=0.80)
               + "status: failed\n")
    repo.write("experiments/rank-b.yaml", experiment("Ranker B", task="ranking", dataset="sessions", val__loss=0.4))


@pytest.mark.parametrize("change", [_retuned, _baseline_moved, _added, _removed, _renamed, _duplicate_wins,
                                    _duplicate_removed, _off_the_board])
def test_the_report_through_the_caches_is_the_report_without_them(feature, change) -> None:
    report(feature)  # the caches hold main's records as the work tree reads them
    change(feature)
    expected = uncached(feature)

    assert report(feature) == expected  # the work tree's cache refreshed, BASE's changed records parsed
    assert report(feature) == expected  # and now served from both caches
    assert expected["touched"]


def test_caches_left_by_another_commit_give_the_same_report(feature) -> None:
    """Caches filled on a branch whose records say other things serve only what still reads the same."""
    _retuned(feature)
    _added(feature)
    feature.commit("Tuned, and LightGBM")
    feature.git("branch", "-f", "main", "HEAD~1")
    report(feature)  # both caches filled for this commit against main
    feature.git("checkout", "-q", "-b", "other", "main")
    _baseline_moved(feature)
    feature.commit("The baseline again")
    feature.git("branch", "-f", "main", "HEAD")
    feature.git("checkout", "-q", "feature")

    assert report(feature) == uncached(feature)


def _damage(path: Path, damage: str) -> None:
    body = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(body[: len(body) // 2])
    elif damage == "edited":
        path.write_bytes(body.replace(b"0.8", b"0.1"))
    else:
        path.write_bytes(b"")


@pytest.mark.parametrize("damage", ["truncated", "edited", "empty"])
@pytest.mark.parametrize("name", ["records.json", "base-records.json"])
def test_a_damaged_cache_never_changes_the_report(feature, name: str, damage: str) -> None:
    _retuned(feature)
    expected = uncached(feature)
    report(feature)
    _damage(feature.path / ".mlreport/cache" / name, damage)

    assert report(feature) == expected


def test_a_cache_entry_rewritten_with_its_digest_is_not_served_for_other_blobs(feature) -> None:
    """An entry whose record was changed (and the file's header recomputed, as other code could) still names the
    blobs it was read from: BASE's differ, so BASE's record is parsed from them."""
    from mlreport.cache_dir import code_stamp, read_cache, write_cache

    _retuned(feature)
    expected = uncached(feature)
    report(feature)
    path = feature.path / ".mlreport/cache/base-records.json"
    body, _ = read_cache(path, code_stamp())
    entries = json.loads(body)
    for entry in entries:
        entry[2][0][2] = "0" * 40  # another blob id for the record's own file
        entry[3] = json.loads(json.dumps(entry[3]).replace("0.8", "0.1"))
    write_cache(path, code_stamp(), json.dumps(entries).encode("ascii"))

    assert report(feature) == expected


def test_the_collector_runs_again_after_a_report(feature) -> None:
    import gc

    _retuned(feature)
    report(feature)
    assert gc.isenabled()


def test_a_report_on_a_few_edited_records_leaves_the_record_cache_to_the_next_build(feature, parsed) -> None:
    records.load_records(load_options(feature.path), cached=True)  # as a build leaves it
    cache = feature.path / ".mlreport/cache/records.json"
    kept = cache.read_bytes()
    _retuned(feature)
    expected = uncached(feature)
    del parsed[:]

    assert report(feature) == expected
    assert cache.read_bytes() == kept  # one record parsed: not worth rewriting every record's entry
    assert report(feature) == expected
    assert sorted(parsed) == ["base:experiments/fraud-xgb.yaml", "tree:experiments/fraud-xgb.yaml",
                              "tree:experiments/fraud-xgb.yaml"]  # BASE's from the BASE cache the second time
    loaded = records.load_records(load_options(feature.path), cached=True)
    assert next(e for e in loaded.experiments if e.id == "fraud-xgb").metrics == {"test.pr_auc": 0.6}
    assert cache.read_bytes() == kept  # so does a build's load that parsed one record afresh (REWRITE_AFTER)
