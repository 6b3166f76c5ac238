"""Records read in worker processes are the records, problems and cache entries one process reads."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import shutil
import signal
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Callable

import pytest
from sitekit import children_left

from mlreport import records
from mlreport.cache_dir import code_stamp, read_cache
from mlreport.config import Options
from mlreport.problems import Problem
from mlreport.records import load_records, workers
from mlreport.records.cache import CACHE_FILE
from mlreport.records.kinds import EXPERIMENT

BROKEN = Path(__file__).parent.parent / "fixtures" / "broken"


def fresh(function: Callable[..., Any], *args: Any) -> Any:
    """`function(*args)` in a new interpreter: a load never forks from a process running threads, and the test
    process may run some (libraries' workers left by earlier tests)."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def load(root: Path, jobs: str, cached: bool, share: int = 7) -> tuple:
    os.environ["MLREPORT_JOBS"] = jobs
    workers.SHARED_FROM, workers._SHARE = 2, share
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
    one = fresh(load, root, "1", cached)
    shared = fresh(load, root, "2", cached)
    assert shared == one
    assert len(one[0].experiments) > 30 and len(one[0].problems) > 20


def _telling(path: Path, reader: Any) -> tuple:
    """The experiment loader, adding a note of the process that read the file."""
    record, problems = EXPERIMENT.load(path, reader)
    return record, [*problems, Problem(path.name, message=f"read by {os.getpid()}")]


def _readers(root: Path, jobs: str) -> tuple[int, list[str], set[str]]:
    """This process's id, the experiments loaded, and which processes read them."""
    os.environ["MLREPORT_JOBS"] = jobs
    workers.SHARED_FROM = 2
    records.KINDS = tuple(dataclasses.replace(kind, load=_telling) if kind is EXPERIMENT else kind
                          for kind in records.KINDS)
    loaded = load_records(Options(root=root))
    return os.getpid(), [e.id for e in loaded.experiments], \
        {p.message for p in loaded.problems if p.message.startswith("read by")}


def test_the_shares_are_read_in_other_processes(tmp_path: Path) -> None:
    for number in range(20):
        (tmp_path / "experiments").mkdir(exist_ok=True)
        (tmp_path / "experiments" / f"run-{number}.yaml").write_text(f"title: Run {number}\ndate: 2026-01-02\n")
    for jobs in ("1", "2"):
        pid, ids, readers = fresh(_readers, tmp_path, jobs)
        assert ids == sorted(f"run-{n}" for n in range(20))
        if jobs == "1":
            assert readers == {f"read by {pid}"}
        else:
            assert f"read by {pid}" not in readers and readers


def _collecting(path: Path, reader: Any) -> tuple:
    """The experiment loader, adding whether Python's cycle collector ran while the file was read."""
    import gc

    record, problems = EXPERIMENT.load(path, reader)
    return record, [*problems, Problem(path.name, message=f"collector on: {gc.isenabled()}")]


def _collector_states(root: Path, jobs: str, enabled: bool) -> tuple[set[str], bool]:
    """What the loader saw of the collector, and whether it is on after the load."""
    import gc

    os.environ["MLREPORT_JOBS"] = jobs
    workers.SHARED_FROM = 2
    records.KINDS = tuple(dataclasses.replace(kind, load=_collecting) if kind is EXPERIMENT else kind
                          for kind in records.KINDS)
    (gc.enable if enabled else gc.disable)()
    loaded = load_records(Options(root=root))
    return {p.message for p in loaded.problems if p.message.startswith("collector")}, gc.isenabled()


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("enabled", [True, False])
def test_the_cycle_collector_is_off_while_records_are_read_and_as_it_was_after(tmp_path: Path, jobs: str,
                                                                               enabled: bool) -> None:
    (tmp_path / "experiments").mkdir()
    for number in range(12):
        (tmp_path / "experiments" / f"run-{number}.yaml").write_text(f"title: Run {number}\ndate: 2026-01-02\n")
    assert fresh(_collector_states, tmp_path, jobs, enabled) == ({"collector on: False"}, enabled)


def _waiting(root: Path, jobs: str, fail: bool) -> tuple[list[str], list[str], str, bool]:
    """The experiments loaded with `jobs` processes while `while_waiting` notes that it ran (and raises, with
    `fail`): their ids, its notes, the error, and whether a child process is left."""
    os.environ["MLREPORT_JOBS"] = jobs
    workers.SHARED_FROM, workers._SHARE = 2, 3
    ran: list[str] = []

    def while_waiting() -> None:
        ran.append("ran")
        if fail:
            raise OSError("git is gone")

    ids, error = [], ""
    try:
        ids = [e.id for e in records.load_listed(Options(root=root), list(records.listed_records(Options(root=root))),
                                                 while_waiting=while_waiting).experiments]
    except OSError as exc:
        error = str(exc)
    children = children_left()
    return ids, ran, error, children


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_parents_own_work_runs_while_workers_read_and_not_when_it_reads(tmp_path: Path, jobs: str) -> None:
    (tmp_path / "experiments").mkdir()
    for number in range(12):
        (tmp_path / "experiments" / f"run-{number:02d}.yaml").write_text(f"title: Run {number}\ndate: 2026-01-02\n")
    ids, ran, error, children = fresh(_waiting, tmp_path, jobs, False)
    assert ids == [f"run-{n:02d}" for n in range(12)] and error == "" and not children
    assert ran == ([] if jobs == "1" else ["ran"])


def test_the_parents_own_work_failing_ends_the_workers(tmp_path: Path) -> None:
    (tmp_path / "experiments").mkdir()
    for number in range(12):
        (tmp_path / "experiments" / f"run-{number:02d}.yaml").write_text(f"title: Run {number}\ndate: 2026-01-02\n")
    assert fresh(_waiting, tmp_path, "2", True) == ([], ["ran"], "git is gone", False)


def _dying(path: Path, reader: Any) -> tuple:
    """The experiment loader, killing the worker process that reads `run-05`."""
    if path.stem == "run-05" and os.environ.get("MLREPORT_TEST_PARENT") != str(os.getpid()):
        os.kill(os.getpid(), signal.SIGKILL)
    return EXPERIMENT.load(path, reader)


def _loaded_with_a_worker_dying(root: Path, jobs: str) -> tuple[list[str], bool]:
    """The experiments loaded with `jobs` processes, one worker killed on the way; and whether a child is left."""
    os.environ["MLREPORT_JOBS"], os.environ["MLREPORT_TEST_PARENT"] = jobs, str(os.getpid())
    workers.SHARED_FROM, workers._SHARE = 2, 3
    records.KINDS = tuple(dataclasses.replace(kind, load=_dying) if kind is EXPERIMENT else kind
                          for kind in records.KINDS)
    ids = [e.id for e in load_records(Options(root=root)).experiments]
    children = children_left()
    return ids, children


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_worker_that_dies_leaves_its_files_to_the_parent(tmp_path: Path, jobs: str) -> None:
    (tmp_path / "experiments").mkdir()
    for number in range(12):
        (tmp_path / "experiments" / f"run-{number:02d}.yaml").write_text(f"title: Run {number}\ndate: 2026-01-02\n")
    assert fresh(_loaded_with_a_worker_dying, tmp_path, jobs) == ([f"run-{n:02d}" for n in range(12)], False)
