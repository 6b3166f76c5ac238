"""Time the git history pass against the raw `git log --name-status` it replaces.

Builds a repository of N records and about 2N commits with `git fast-import` (pull requests merged
with merge commits and squashed, several authors, decisions changing status, renames), then times
(median of 3 by default): the raw log, `read_history` cold (no cache), warm (cached, nothing new)
and after one new commit. CPU seconds (this process and its git processes) are shown beside the
wall times: on a shared machine they say what the work costs when wall times swing.

    python benchmarks/history_bench.py --records 10000
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from mlreport.config import Options
from mlreport.history import read_history

AUTHORS = ("Ana Lima <ana@example.com>", "Zoë Ångström <zoe@example.com>", "李雷 <li@example.com>",
           "Bob Smith <bob@example.com>", "Chidi Okafor <chidi@example.com>")
FOLDERS = ("experiments", "decisions", "models")
START = 1_700_000_000
STATUS_STEPS = ("proposed", "accepted", "superseded")
PASSES = ("raw git log --name-status -M", "read_history, cold (no cache)",
          "read_history, warm (cached, nothing new)", "read_history, one new commit")


@dataclass
class Record:
    """One record of the generated repo, as `read_history` is told about it."""

    kind: str
    record_id: str
    title: str
    path: str
    version: int = 0
    status: int = 0


@dataclass
class Builder:
    """Writes a fast-import stream: one change per commit, grouped into pull requests."""

    lines: list[bytes] = field(default_factory=list)
    mark: int = 0
    main_tip: int = 0
    commits: int = 0
    pr: int = 0

    def commit(self, ref: str, message: str, ops: list[bytes], parents: tuple[int, ...]) -> int:
        """Append one commit; returns its mark."""
        self.mark += 1
        self.commits += 1
        author = AUTHORS[self.commits % len(AUTHORS)]
        stamp = f"{START + self.commits * 600} +0000"
        body = message.encode()
        self.lines += [f"commit {ref}\nmark :{self.mark}\n".encode(),
                       f"author {author} {stamp}\ncommitter {author} {stamp}\n".encode(),
                       f"data {len(body)}\n".encode() + body + b"\n"]
        if parents:
            self.lines.append(f"from :{parents[0]}\n".encode())
        self.lines += [f"merge :{parent}\n".encode() for parent in parents[1:]]
        self.lines += ops
        self.lines.append(b"\n")
        return self.mark

    def blob(self, text: str) -> int:
        """Append a blob; returns its mark."""
        self.mark += 1
        data = text.encode()
        self.lines.append(f"blob\nmark :{self.mark}\ndata {len(data)}\n".encode() + data + b"\n")
        return self.mark

    def pull_request(self, changes: list[tuple[str, list[bytes]]], squash: bool) -> None:
        """Land changes on main: squashed into one "Title (#N)" commit, or as a branch and a merge commit."""
        self.pr += 1
        if squash or not self.main_tip:
            ops = [op for _, change_ops in changes for op in change_ops]
            self.main_tip = self.commit("refs/heads/main", f"{changes[0][0]} (#{self.pr})", ops,
                                        (self.main_tip,) if self.main_tip else ())
            return
        tip = self.main_tip
        for title, ops in changes:
            tip = self.commit("refs/heads/topic", title, ops, (tip,))
        merged = [op for _, change_ops in changes for op in change_ops]
        message = f"Merge pull request #{self.pr} from team/topic-{self.pr}\n\n{changes[0][0]}"
        self.main_tip = self.commit("refs/heads/main", message, merged, (self.main_tip, tip))


def record_text(record: Record) -> str:
    """The file content of a record at its current version."""
    if record.kind == "experiment":
        return (f"title: {record.title}\ndate: 2024-01-01\ntask: classification\n"
                f"metrics:\n  accuracy: 0.{record.version:04d}\n")
    if record.kind == "decision":
        return (f"---\ntitle: {record.title}\nstatus: {STATUS_STEPS[record.status]}\ndate: 2024-01-01\n---\n"
                f"## Context and Problem Statement\n\nRevision {record.version}.\n")
    return f"---\nname: {record.title}\nstatus: development\n---\n# {record.title}\n\nRevision {record.version}.\n"


def make_records(count: int) -> list[Record]:
    """Experiments, decisions (a tenth) and model cards (a fiftieth)."""
    decisions, models = count // 10, count // 50
    records = [Record("decision", f"{i:04d}", f"Decision {i}", f"decisions/{i:04d}-decision-{i}.md")
               for i in range(1, decisions + 1)]
    records += [Record("model", f"model-{i}", f"Model {i}", f"models/model-{i}.md") for i in range(models)]
    records += [Record("experiment", f"exp-{i:05d}", f"Experiment {i}", f"experiments/{i // 1000}/exp-{i:05d}.yaml")
                for i in range(count - decisions - models)]
    random.Random(0).shuffle(records)  # kinds created side by side, as in a real team's repo
    return records


def changes(records: list[Record], builder: Builder) -> Iterator[tuple[str, list[bytes]]]:
    """Creations, then edits, decision status steps and renames, until about 2N commits exist."""
    def put(record: Record) -> list[bytes]:
        return [f"M 100644 :{builder.blob(record_text(record))} {record.path}\n".encode()]

    for record in records:
        yield f"Add {record.kind} {record.record_id}", put(record)
    step = 0
    while True:
        record = records[(step * 7919) % len(records)]
        step += 1
        record.version += 1
        if record.kind == "decision" and record.status < len(STATUS_STEPS) - 1 and step % 2:
            record.status += 1
            yield f"Mark decision {record.record_id} {STATUS_STEPS[record.status]}", put(record)
        elif record.kind == "experiment" and step % 10 == 0 and "/archive/" not in record.path:
            old, record.path = record.path, record.path.replace("experiments/", "experiments/archive/", 1)
            yield f"Archive {record.record_id}", [f'R "{old}" "{record.path}"\n'.encode()] + put(record)
        else:
            yield f"Update {record.kind} {record.record_id}", put(record)


def build_repo(path: Path, count: int) -> list[Record]:
    """A checked-out repo of `count` records and about 2×count commits."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    records = make_records(count)
    builder = Builder()
    stream = changes(records, builder)
    while builder.commits < 2 * count:
        pr_changes = [next(stream) for _ in range(1 + builder.pr % 2)]
        builder.pull_request(pr_changes, squash=builder.pr % 3 == 0)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=b"".join(builder.lines), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=path, check=True)
    subprocess.run(["git", "branch", "-q", "-D", "topic"], cwd=path, check=False)
    return records


def new_record(folder: Path, number: int) -> tuple[str, str, str, str]:
    """Commit one more experiment on top of the repo; returns its record row."""
    record = Record("experiment", f"late-{number}", "A late experiment", f"experiments/late/late-{number}.yaml")
    (folder / record.path).parent.mkdir(parents=True, exist_ok=True)
    (folder / record.path).write_text(record_text(record), encoding="utf-8")
    name, email = AUTHORS[0].rsplit(" <", 1)
    identity = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email[:-1], "GIT_COMMITTER_NAME": name,
                "GIT_COMMITTER_EMAIL": email[:-1]}
    subprocess.run(["git", "add", record.path], cwd=folder, check=True)
    subprocess.run(["git", "commit", "-q", "-m", f"Add {record.record_id} (#{90000 + number})"],
                   cwd=folder, check=True, env={**os.environ, **identity})
    return record.kind, record.record_id, record.title, record.path


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


def main() -> None:
    """Build the repo, time the passes (raw and cold interleaved, so both meet the same machine load), print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000, help="number of records (commits: about twice)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per pass; the table shows the median")
    parser.add_argument("--keep", type=Path, help="build the repo here and keep it")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="mlreport-history-bench-"))
    try:
        started = time.perf_counter()
        records = build_repo(folder, args.records)
        commits = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=folder, check=True,
                                 capture_output=True, text=True).stdout.strip()
        print(f"built {len(records)} records, {commits} commits in {time.perf_counter() - started:.1f} s")
        options = Options(root=folder)
        rows = [(record.kind, record.record_id, record.title, record.path) for record in records]
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
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
