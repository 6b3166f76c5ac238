"""Time the git history pass against the raw `git log --name-status` it replaces.

Builds the scale benchmark's repository with `make_repo.py` (N experiments, N/10 decisions, N/50
model cards, about 2N commits landed as pull requests, renames, decisions changing status), then
times (median of 3 by default): the raw log, `read_history` cold (no cache), warm (cached, nothing new)
and after one new commit. CPU seconds (this process and its git processes) are shown beside the
wall times: on a shared machine they say what the work costs when wall times swing. There (Linux
with autogroup scheduling) all the pass's processes share one session's slice of the CPU, so
running git and Python side by side gains nothing and the wall ratio follows the CPU ratio; the
load average before and after is printed so a figure can say what it was measured under.

    python benchmarks/history_bench.py --n 10000
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable

from make_repo import make_repo

from mlreport.config import Options
from mlreport.history import read_history

FOLDERS = ("experiments", "decisions", "models")
PASSES = ("raw git log --name-status -M", "read_history, cold (no cache)",
          "read_history, warm (cached, nothing new)", "read_history, one new commit")
LATE_EXPERIMENT = "title: A late experiment\ndate: 2024-01-01\ntask: classification\nmetrics:\n  accuracy: 0.5\n"


def new_record(folder: Path, number: int) -> tuple[str, str, str, str]:
    """Commit one more experiment on top of the repo; returns its record row."""
    path = f"experiments/late/late-{number}.yaml"
    (folder / path).parent.mkdir(parents=True, exist_ok=True)
    (folder / path).write_text(LATE_EXPERIMENT, encoding="utf-8")
    identity = {"GIT_AUTHOR_NAME": "Ana Lima", "GIT_AUTHOR_EMAIL": "ana@example.com",
                "GIT_COMMITTER_NAME": "Ana Lima", "GIT_COMMITTER_EMAIL": "ana@example.com"}
    subprocess.run(["git", "add", path], cwd=folder, check=True)
    subprocess.run(["git", "commit", "-q", "-m", f"Add late-{number} (#{90000 + number})"],
                   cwd=folder, check=True, env={**os.environ, **identity})
    return "experiment", f"late-{number}", "A late experiment", path


def timed(run: Callable[[], object], before: Callable[[], object] = lambda: None) -> tuple[float, float]:
    """Wall time and CPU time (this process and the git processes it ran) of one run, `before` run untimed ahead."""
    before()
    start, cpu = time.perf_counter(), _cpu()
    run()
    return time.perf_counter() - start, _cpu() - cpu


def _cpu() -> float:
    # On a shared machine wall times swing with other load; CPU seconds show the work itself.
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _load() -> str:
    """The load average over 1, 5 and 15 minutes, where the system tells it."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def main() -> None:
    """Build the repo, time the passes (raw and cold interleaved, so both meet the same machine load), print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000,
                        help="experiments in the generated repo (plus N/10 decisions, N/50 cards, about 2N commits)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per pass; the table shows the median")
    parser.add_argument("--keep", type=Path, help="build the repo here and keep it")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="mlreport-history-bench-"))
    try:
        started = time.perf_counter()
        repo = make_repo(folder, args.n)
        print(f"built {len(repo.records)} records, {repo.commits} commits in {time.perf_counter() - started:.1f} s")
        print(f"load average before the runs: {_load()}")
        options = Options(root=folder)
        rows = repo.records
        cache = folder / options.cache_dir

        def raw_log() -> None:
            subprocess.run(["git", "log", "--name-status", "-M", "--", *FOLDERS], cwd=folder, check=True,
                           stdout=subprocess.PIPE)

        times: dict[str, list[tuple[float, float]]] = {name: [] for name in PASSES}
        for _ in range(args.repeat):
            times[PASSES[0]].append(timed(raw_log))
            times[PASSES[1]].append(timed(lambda: read_history(options, rows),
                                          lambda: shutil.rmtree(cache, ignore_errors=True)))
        history = read_history(options, rows)
        times[PASSES[2]] = [timed(lambda: read_history(options, rows)) for _ in range(args.repeat)]
        added: list[tuple[str, str, str, str]] = []
        times[PASSES[3]] = [timed(lambda: read_history(options, rows + added),
                                  lambda: added.append(new_record(folder, len(added)))) for _ in range(args.repeat)]
        raw = statistics.median(wall for wall, _ in times[PASSES[0]])
        print(f"{'pass':<42}{'median s':>9}{'× raw':>7}{'CPU s':>7}   runs (wall s)")
        for name, runs in times.items():
            median = statistics.median(wall for wall, _ in runs)
            cpu = statistics.median(cpu for _, cpu in runs)
            print(f"{name:<42}{median:>9.2f}{median / raw:>7.2f}{cpu:>7.2f}   "
                  f"{' '.join(f'{wall:.2f}' for wall, _ in runs)}")
        print(f"records with history: {sum(1 for p in history.records.values() if p.changes)}, "
              f"feed items: {len(history.feed)}, "
              f"status changes: {sum(len(p.status_history) for p in history.records.values())}")
        print(f"load average after the runs: {_load()}")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
