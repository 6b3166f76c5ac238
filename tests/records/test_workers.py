"""Records read in worker processes are the records, problems and cache entries one process reads."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest

from mlreport import records
from mlreport.cache_dir import code_stamp, read_cache
from mlreport.config import Options
from mlreport.problems import Problem
from mlreport.records import load_records, workers
from mlreport.records.cache import CACHE_FILE
from mlreport.records.kinds import EXPERIMENT

BROKEN = Path(__file__).parent.parent / "fixtures" / "broken"


def load(root: Path, jobs: str, monkeypatch: pytest.MonkeyPatch, cached: bool) -> tuple:
    monkeypatch.setenv("MLREPORT_JOBS", jobs)
    shutil.rmtree(root / ".mlreport", ignore_errors=True)
    loaded = load_records(Options(root=root), cached=cached)
    entries = None
    if cached:
        body, _ = read_cache(root / ".mlreport" / "cache" / CACHE_FILE, code_stamp())
        entries = [entry[:2] + [[file[:3] for file in entry[2]]] + entry[3:] for entry in json.loads(body)]
    return loaded, entries


@pytest.mark.parametrize("cached", [False, True])
def test_a_shared_load_is_a_single_process_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                cached: bool) -> None:
    root = tmp_path / "broken"
    shutil.copytree(BROKEN, root, symlinks=True)
    for number in range(30):
        (root / "experiments" / f"more-{number}.yaml").write_text(
            f"title: More {number}\ndate: 2026-01-02\nbaseline: {'good-baseline' if number % 2 else 'nowhere'}\n")
    monkeypatch.setattr(workers, "SHARED_FROM", 2)
    monkeypatch.setattr(workers, "_SHARE", 7)
    one = load(root, "1", monkeypatch, cached)
    shared = load(root, "2", monkeypatch, cached)
    assert shared == one
    assert len(one[0].experiments) > 30 and len(one[0].problems) > 20


def test_the_shares_are_read_in_other_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = EXPERIMENT.load

    def telling(path: Path, reader):
        record, problems = real(path, reader)
        return record, [*problems, Problem(path.name, message=f"read by {os.getpid()}")]

    monkeypatch.setattr(records, "KINDS", tuple(dataclasses.replace(kind, load=telling) if kind is EXPERIMENT
                                                else kind for kind in records.KINDS))
    monkeypatch.setattr(workers, "SHARED_FROM", 2)
    for number in range(20):
        (tmp_path / "experiments").mkdir(exist_ok=True)
        (tmp_path / "experiments" / f"run-{number}.yaml").write_text(f"title: Run {number}\ndate: 2026-01-02\n")
    readers = {}
    for jobs in ("1", "2"):
        monkeypatch.setenv("MLREPORT_JOBS", jobs)
        loaded = load_records(Options(root=tmp_path))
        assert [e.id for e in loaded.experiments] == sorted(f"run-{n}" for n in range(20))
        readers[jobs] = {p.message for p in loaded.problems if p.message.startswith("read by")}
    assert readers["1"] == {f"read by {os.getpid()}"}
    assert f"read by {os.getpid()}" not in readers["2"] and readers["2"]
