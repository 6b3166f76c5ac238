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
