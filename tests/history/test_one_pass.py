"""The whole history comes from a fixed handful of git calls, never one per file."""

from __future__ import annotations

import gc
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from mlreport.config import Options
from mlreport.history import read_history
from mlreport import git as git_module
from tests.history.conftest import LI, ZOE, decision, experiment, history, rows


@pytest.fixture
def git_calls(monkeypatch):
    """Counts git subcommands run by the history reader."""
    calls: Counter[str] = Counter()

    def subcommand(args: list[str]) -> str:
        return next(a for a in args[1:] if not a.startswith("-") and "=" not in a)

    class Popen(subprocess.Popen):  # `subprocess.run` starts its process through this too
        def __init__(self, args, *rest, **kwargs):
            calls[subcommand(args)] += 1
            super().__init__(args, *rest, **kwargs)

    monkeypatch.setattr(git_module.subprocess, "Popen", Popen)
    return calls


def test_forty_records_cost_the_same_few_git_calls_as_one(repo, at, git_calls):
    for n in range(1, 21):
        repo.write(f"experiments/run-{n}.yaml", experiment(f"Run {n}"))
        repo.write(f"decisions/{n:04d}-choice.md", decision(f"Choice {n}", "proposed"))
        repo.commit(f"Add run {n}", author=ZOE if n % 2 else LI, date=at(n))
    for n in range(1, 21, 3):
        repo.write(f"decisions/{n:04d}-choice.md", decision(f"Choice {n}", "accepted"))
    repo.commit("Accept some", date=at(22))
    records = rows(repo.path)
    git_calls.clear()

    result = read_history(Options(root=repo.path), records)

    assert len(result.records) == 40 and all(p.changes for p in result.records.values())
    assert git_calls == {"rev-parse": 1, "status": 1, "rev-list": 1, "log": 1, "cat-file": 1, "diff-tree": 1}
    git_calls.clear()
    read_history(Options(root=repo.path), records)
    # Warm: everything else comes from the cache, once `ls-files` says git does not track it.
    assert git_calls == {"rev-parse": 1, "status": 1, "ls-files": 1}


def test_twenty_decisions_moved_in_cost_one_round_more_not_one_process_each(repo, at, git_calls):
    for n in range(1, 21):
        repo.write(f"docs/adr/{n:04d}-choice.md", decision(f"Choice {n}", "proposed"))
        repo.commit(f"Propose {n}", author=ZOE, date=at(n))
    repo.git("mv", "docs/adr", "decisions")
    repo.commit("Adopt mlreport (#30)", date=at(25))
    records = rows(repo.path)
    git_calls.clear()

    result = read_history(Options(root=repo.path), records)

    assert all(p.created.author == "Zoë Ångström" and len(p.changes) == 2 for p in result.records.values())
    # diff-tree: each round's check for deletions outside the followed paths, and one whole-tree diff of the move.
    assert git_calls == {"rev-parse": 1, "status": 1, "rev-list": 2, "log": 2, "cat-file": 1, "diff-tree": 3}


def test_the_same_repository_gives_the_same_history_whatever_the_record_order(repo, at):
    for n, name in enumerate(["c", "a", "b"], start=1):
        repo.write(f"experiments/{name}.yaml", experiment(name))
        repo.write(f"decisions/000{n}-{name}.md", decision(name, "proposed"))
    repo.commit("Add all", date=at(1))
    records = rows(repo.path)

    first = read_history(Options(root=repo.path, cache_dir="one"), records)
    second = read_history(Options(root=repo.path, cache_dir="two"), list(reversed(records)))

    assert first == second and list(first.records) == sorted(first.records)


def test_the_benchmark_repository_reads_back_what_was_built(tmp_path):
    sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
    try:
        import make_repo
    finally:
        sys.path.pop(0)
    built = make_repo.make_repo(tmp_path / "bench", 60).records
    main_line = subprocess.run(["git", "log", "--first-parent", "--format=%s"], cwd=tmp_path / "bench",
                               check=True, capture_output=True, text=True).stdout

    result = read_history(Options(root=tmp_path / "bench"), built)

    assert all(result.provenance(path).created for _, _, _, path in built)
    assert any(c.action == "renamed" for p in result.records.values() for c in p.changes)
    assert any(len(p.status_history) > 1 for p in result.records.values())
    prs = {c.pr for p in result.records.values() for c in p.changes} - {None}
    assert prs == {int(n) for n in re.findall(r"#(\d+)", main_line)}
    assert history(tmp_path / "bench") == result


def test_the_pass_leaves_the_garbage_collector_as_it_found_it(repo, at):
    repo.write("experiments/a.yaml", experiment("a"))
    repo.commit("Add a", date=at(1))
    records = rows(repo.path)
    gc.freeze()  # a caller's own frozen objects (a server about to fork) stay frozen
    frozen = gc.get_freeze_count()
    try:
        read_history(Options(root=repo.path), records)
        # Still frozen (never unfrozen: that empties the count) and none of the pass's own objects left frozen (that
        # raises it); a frozen object the pass lets go of is freed all the same, so the count may be a little lower.
        assert gc.isenabled() and 0 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()
    read_history(Options(root=repo.path, cache_dir="other"), records)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:
        read_history(Options(root=repo.path, cache_dir="third"), records)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_git_writes_the_log_in_blocks_not_one_flush_per_commit(repo, at, monkeypatch):
    # Into a pipe git flushes after each commit unless told otherwise: 20,000 writes, and as many wake-ups here.
    repo.write("experiments/a.yaml", experiment("a"))
    repo.commit("Add a", date=at(1))
    environments: dict[str, dict[str, str] | None] = {}

    class Popen(subprocess.Popen):
        def __init__(self, args, *rest, env=None, **kwargs):
            environments[next(a for a in args[1:] if not a.startswith("-") and "=" not in a)] = env
            super().__init__(args, *rest, env=env, **kwargs)

    monkeypatch.setenv("GIT_FLUSH", "1")
    monkeypatch.setattr(git_module.subprocess, "Popen", Popen)
    assert history(repo.path).provenance("experiments/a.yaml").created
    assert environments["log"] is not None and environments["log"]["GIT_FLUSH"] == "0"


def test_old_versions_are_asked_for_while_the_log_runs_and_read_at_once(repo, at):
    repo.write("decisions/0001-a.md", decision("A", "proposed"))
    repo.commit("Add A", date=at(1))
    repo.write("decisions/0001-a.md", decision("A", "accepted"))
    repo.commit("Accept A", date=at(2))
    blobs = [repo.git("rev-parse", f"HEAD{back}:decisions/0001-a.md").strip() for back in ("~1", "")]
    spool = git_module.BlobSpool(repo.path)
    for blob in (*blobs, "0" * 40):
        spool.ask(blob)

    contents = spool.collect()

    assert [blob for blob, _ in contents] == [*blobs, "0" * 40]
    assert contents[1][1] == (repo.path / "decisions/0001-a.md").read_bytes()
    assert contents[0][1] == decision("A", "proposed").encode()
    assert contents[2][1] is None  # a partial clone lacks it: read as nothing, not an error
    assert spool.collect() == []


@pytest.mark.skipif(not hasattr(os, "pread"), reason="without pread the answers are all taken at the end")
def test_answers_git_has_written_are_taken_while_it_works_and_the_rest_collected_once(repo, at):
    # Big enough that cat-file's buffered output reaches its file before it is told there is no more to ask.
    versions = [decision(f"Choice {n}", "proposed") + "x" * 20_000 + "\n" for n in range(3)]
    blobs = []
    for n, text in enumerate(versions):
        repo.write("decisions/0001-choice.md", text)
        repo.commit(f"Version {n}", date=at(n + 1))
        blobs.append(repo.git("rev-parse", "HEAD:decisions/0001-choice.md").strip())
    spool = git_module.BlobSpool(repo.path)
    for blob in blobs:
        spool.ask(blob)

    taken: list[tuple[str, bytes | None]] = []
    for _ in range(500):  # git answers within moments; this only waits for it
        taken += spool.answered()
        if taken:
            break
        time.sleep(0.01)
    rest = spool.collect()

    assert taken and [blob for blob, _ in taken + rest] == blobs
    assert [content for _, content in taken + rest] == [text.encode() for text in versions]
    assert spool.answered() == [] and spool.collect() == []
