"""Measure mlreport at scale against a plain MkDocs build of as many pages, on this machine, in one run.

For each N: generate the repo (make_repo.py), build it with `mlreport build` cold (no caches),
warm (nothing changed) and after editing one experiment; build the baseline, a plain MkDocs +
Material site of as many ordinary ~1 KB pages as there are records, written by plain_site.py (a
verbatim copy of the project's shared baseline script, checked by its hash: the baseline is never
sized after mlreport's own output); time `mlreport validate` cold and warm, `mlreport diff` on a
one-record change, `mlreport serve` from a saved experiment to its served page, and the history pass
against the raw `git log --name-status` it replaces; and
record peak memory, site size and search index size. Every timing is the median of the
repetitions, which are interleaved so that noise from other work on the machine hits all alike.

    python benchmarks/run.py                 # N = 1,000 and 10,000, 3 repetitions
    python benchmarks/run.py --quick         # a small smoke run
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import html
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_repo import make_repo  # noqa: E402

from mlreport.config import load_options  # noqa: E402
from mlreport.leaderboards import board_slug  # noqa: E402
from mlreport.history import read_history  # noqa: E402
from mlreport.render.site import page_slug  # noqa: E402
from mlreport.validate import read_records  # noqa: E402

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
BROWSER_TIMING = PROJECT / "tests" / "browser" / "timing.py"
GENERATOR = ("make_repo.py", "team_records.py")
BASELINE = HERE / "plain_site.py"
BASELINE_SHA256 = "90cdd5a2595f6f10d2d9164db6395361bd345f251e933e8a31c6117c71e53596"
"""The shared baseline script as issued; plain_site.py must be it, byte for byte."""
SHARED_BASELINE = PROJECT.parent / "shared" / "bench" / "plain_site.py"
RECORD_FOLDERS = ("experiments", "decisions", "models")
MLREPORT = (sys.executable, "-m", "mlreport")
MKDOCS = (sys.executable, "-m", "mkdocs")

TARGETS = (
    # (key in the largest size's results, limit, what it means)
    ("cold_ratio", 1.0, "cold build / plain MkDocs"),
    ("warm_ratio", 0.25, "warm build, nothing changed / plain MkDocs"),
    ("edited_ratio", 0.25, "build after editing one experiment / plain MkDocs"),
    ("serve_s", 2.0, "mlreport serve: a saved experiment on its served page (s)"),
    ("diff_s", 3.0, "mlreport diff on a one-record change (s)"),
    ("validate_cold_s", 5.0, "mlreport validate, cold (s)"),
    ("validate_warm_s", 1.0, "mlreport validate, warm (s)"),
    ("history_ratio", 1.2, "history pass (cold) / raw git log"),
    ("peak_rss_mib", 1024, "peak RSS of the build (MiB)"),
)
GROWTH_LIMIT = 11


@dataclass
class Run:
    """One process (with the children it waited for): wall time, CPU time, peak resident memory."""

    seconds: float
    cpu_seconds: float
    peak_rss_mib: float


QUICK_SIZES = (50, 100)
"""`--quick`'s sizes: the smallest that still hold a model card (one per 50 runs) and show growth; the test
suite runs them, so they stay small (half of the 100 and 200 they were)."""


def timed(command: list[str], cwd: Path | None = None) -> Run:
    """Run a command, failing loudly; wall time and peak RSS from the kernel's accounting (wait4)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    errors = process.stderr.read()  # drained as it comes, so a chatty build cannot block on a full pipe
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{errors.decode(errors='replace')}")
    # CPU time barely depends on what else the machine runs, so it backs up the wall-clock ratios.
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)  # Linux reports kilobytes


def median(values: list[float]) -> float:
    """The median, rounded for the table."""
    return round(statistics.median(values), 3)


def check_baseline() -> None:
    """Stop unless plain_site.py is the shared baseline script, unchanged."""
    found = hashlib.sha256(BASELINE.read_bytes()).hexdigest()
    if found != BASELINE_SHA256:
        raise SystemExit(f"{BASELINE} is not the shared baseline (sha256 {found[:12]}…); restore it verbatim")
    if SHARED_BASELINE.is_file() and SHARED_BASELINE.read_bytes() != BASELINE.read_bytes():
        raise SystemExit(f"{SHARED_BASELINE} changed: copy it to {BASELINE} and update BASELINE_SHA256")


def generated_repo(out: Path, n: int, seed: int) -> Path:
    """The benchmark repo for N, generated again only when the generator changed."""
    digest = hashlib.sha256(b"".join((HERE / name).read_bytes() for name in GENERATOR)).hexdigest()[:16]
    repo = out / f"repo-{n}"
    stamp = repo / ".git" / "benchmark-generator"
    if stamp.is_file() and stamp.read_text() == f"{digest} {n} {seed}":
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    make_repo(repo, n, seed)
    stamp.write_text(f"{digest} {n} {seed}")
    return repo


def folder_bytes(folder: Path) -> int:
    """Total size of the files under a folder."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def browser_timings(site: Path, options: Any, repeat: int) -> list[dict[str, Any]]:
    """Seconds until the experiments index and the first configured leaderboard are interactive, and
    milliseconds to sort them and to filter them with a typed query, in headless Chromium; empty when the
    browser helper or Chromium is missing."""
    if not BROWSER_TIMING.is_file():
        return []
    pages = ["experiments/"] + [f"leaderboards/{board_slug(board.title)}/" for board in options.leaderboards[:1]]
    done = subprocess.run([sys.executable, "-m", "tests.browser.timing", str(site), *pages, "--runs", str(repeat)],
                          cwd=PROJECT, capture_output=True, text=True, check=False)
    if done.returncode:
        print(f"browser timings skipped: {(done.stderr.strip().splitlines() or ['no output'])[-1]}",
              file=sys.stderr)
        return []
    return json.loads(done.stdout)


def measure_size(out: Path, n: int, seed: int, repeat: int, browser: bool = False) -> dict[str, Any]:
    """Every measurement for one N."""
    repo = generated_repo(out, n, seed)
    options = load_options(repo)
    catalog = read_records(options).catalog
    records = [(r.kind, r.id, r.title, r.path) for r in catalog.records()]
    page_count = len(records)
    plain = out / f"plain-{n}"
    shutil.rmtree(plain, ignore_errors=True)
    subprocess.run([sys.executable, str(BASELINE), str(plain), str(page_count)], check=True)
    site, plain_site, cache = out / f"site-{n}", out / f"plain-site-{n}", repo / options.cache_dir
    # This interpreter's mlreport and MkDocs, never whichever `mlreport` comes first on PATH.
    build = [*MLREPORT, "build", "--root", str(repo), "--site-dir", str(site)]
    plain_build = [*MKDOCS, "build", "-q", "-f", str(plain / "mkdocs.yml"), "-d", str(plain_site)]
    validate = [*MLREPORT, "validate", "--root", str(repo)]
    diff = [*MLREPORT, "diff", "--root", str(repo), "HEAD"]
    edited = repo / next(r.path for r in catalog.records() if r.kind == "experiment")
    original = edited.read_bytes()

    cold, warm, after_edit, edited_back, baseline, load = [], [], [], [], [], []
    validate_cold, validate_warm, diffs = [], [], []
    for _ in range(repeat):
        load.append(os.getloadavg()[0])
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(site, ignore_errors=True)
        cold.append(timed(build))
        warm.append(timed(build))
        changed = re.sub(rb"(?m)^title: ", b"title: Edited ", original, count=1)
        assert changed != original, f"{edited} has no title line to edit"
        edited.write_bytes(changed)
        try:
            after_edit.append(timed(build))
            diffs.append(timed(diff))
        finally:
            edited.write_bytes(original)
        # The edit undone is a second one-experiment edit: its build finds the folders the last one left (not the
        # first rebuild after a cold build, which has none to take), as every rebuild of a working session does.
        edited_back.append(timed(build))
        shutil.rmtree(plain_site, ignore_errors=True)
        baseline.append(timed(plain_build))
        shutil.rmtree(cache, ignore_errors=True)
        validate_cold.append(timed(validate))
        validate_warm.append(timed(validate))

    # After the builds: the server builds the site once, then each save is timed against it.
    serve = serve_timings(repo, edited, repeat, out / f"serve-{n}.log")

    raw, history_cold, history_warm = [], [], []
    for _ in range(repeat):
        raw.append(_seconds(lambda: subprocess.run(
            ["git", "log", "--name-status", "-M", "--", *RECORD_FOLDERS], cwd=repo, check=True,
            stdout=subprocess.PIPE)))
        shutil.rmtree(cache, ignore_errors=True)
        history_cold.append(_seconds(lambda: read_history(options, records)))
        history_warm.append(_seconds(lambda: read_history(options, records)))

    results = {
        "experiments": len(catalog.experiments), "decisions": len(catalog.decisions), "models": len(catalog.models),
        "commits": int(_git(repo, "rev-list", "--count", "HEAD")), "plain_pages": page_count,
        "cold_s": median([r.seconds for r in cold]), "warm_s": median([r.seconds for r in warm]),
        "edited_s": median([r.seconds for r in after_edit]), "edited_back_s": median([r.seconds for r in edited_back]), "plain_s": median([r.seconds for r in baseline]),
        "diff_s": median([r.seconds for r in diffs]), "serve_s": round(median(serve), 3),
        "validate_cold_s": median([r.seconds for r in validate_cold]),
        "validate_warm_s": median([r.seconds for r in validate_warm]),
        "cold_cpu_s": median([r.cpu_seconds for r in cold]), "warm_cpu_s": median([r.cpu_seconds for r in warm]),
        "plain_cpu_s": median([r.cpu_seconds for r in baseline]),
        "raw_git_log_s": median(raw), "history_cold_s": median(history_cold), "history_warm_s": median(history_warm),
        "peak_rss_mib": round(max(r.peak_rss_mib for r in cold + warm)),
        "plain_peak_rss_mib": round(max(r.peak_rss_mib for r in baseline)),
        "site_mb": round(folder_bytes(site) / 1e6, 1), "plain_site_mb": round(folder_bytes(plain_site) / 1e6, 1),
        "search_index_mb": round((site / "search" / "search_index.json").stat().st_size / 1e6, 2),
        "plain_search_index_mb": round((plain_site / "search" / "search_index.json").stat().st_size / 1e6, 2),
        "load_1min": [round(min(load), 1), round(max(load), 1)],
        "runs": {"serve_s": [round(t, 3) for t in serve], "cold_s": [round(r.seconds, 3) for r in cold], "warm_s": [round(r.seconds, 3) for r in warm],
                 "plain_s": [round(r.seconds, 3) for r in baseline]},
    }
    results["cold_ratio"] = round(results["cold_s"] / results["plain_s"], 3)
    results["warm_ratio"] = round(results["warm_s"] / results["plain_s"], 3)
    results["edited_ratio"] = round(results["edited_s"] / results["plain_s"], 3)
    results["browser"] = browser_timings(site, options, repeat) if browser else []
    results["cold_cpu_ratio"] = round(results["cold_cpu_s"] / results["plain_cpu_s"], 3)
    results["warm_cpu_ratio"] = round(results["warm_cpu_s"] / results["plain_cpu_s"], 3)
    results["history_ratio"] = round(results["history_cold_s"] / results["raw_git_log_s"], 3)
    return results


def serve_timings(repo: Path, edited: Path, repeat: int, log: Path | None = None) -> list[float]:
    """Seconds from writing a new title into an experiment's file until `mlreport serve` serves its page with it,
    `repeat` times (each a different title), once the server has built the site; the file is put back after.
    The server's messages (what each save updated, and in how long) go to `log`."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    record = next(r for r in read_records(load_options(repo), cached=True).catalog.experiments.values()
                  if (repo / r.path) == edited)
    url = f"http://127.0.0.1:{port}/experiments/{page_slug(record.id)}/"
    original = edited.read_bytes()
    messages = log.open("wb") if log else subprocess.DEVNULL
    server = subprocess.Popen([*MLREPORT, "serve", "--root", str(repo), "--dev-addr", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=messages)
    timings = []
    try:
        _served(url, record.title or record.id, deadline=3600, server=server)
        for number in range(repeat):
            title = f"Served edit {number} {os.getpid()}"
            started = time.perf_counter()
            changed = re.sub(rb"(?m)^title: ", f"title: {title} ".encode(), original, count=1)
            if changed == original:
                raise SystemExit(f"{edited} has no `title:` line to edit")
            edited.write_bytes(changed)
            _served(url, title, deadline=600, server=server)
            timings.append(time.perf_counter() - started)
    finally:
        edited.write_bytes(original)
        server.terminate()
        server.wait(timeout=60)
        if log:
            messages.close()
    return timings


def _served(url: str, text: str, deadline: float, server: subprocess.Popen) -> None:
    """Wait until the page at `url` holds `text` (HTML-escaped as pages write it)."""
    wanted = html.escape(text).encode("utf-8")
    end = time.perf_counter() + deadline
    while time.perf_counter() < end:
        if server.poll() is not None:
            raise SystemExit(f"mlreport serve stopped ({server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                if wanted in response.read():
                    return
        except OSError:
            time.sleep(0.5)
            continue
        time.sleep(0.02)
    raise SystemExit(f"mlreport serve did not show {text!r} at {url} within {deadline} s")


def _seconds(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def machine() -> dict[str, Any]:
    """Where and with what the numbers were measured."""
    git = subprocess.run(["git", "--version"], capture_output=True, text=True, check=True).stdout.split()[-1]
    return {"date": dt.date.today().isoformat(), "cores": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), "git": git,
            **{name: version(name) for name in ("mlreport", "mkdocs", "mkdocs-material", "PyYAML", "Jinja2")}}


def verdicts(sizes: dict[str, dict[str, Any]], growth: dict[str, float]) -> list[dict[str, Any]]:
    """Each target against the largest size measured (growth: smallest to largest)."""
    largest = sizes[max(sizes, key=int)]
    rows = [{"target": text, "value": largest[key], "limit": limit, "met": largest[key] <= limit}
            for key, limit, text in TARGETS]
    if growth:
        rows.insert(2, {"target": "growth of the cold build", "value": growth["cold_s"], "limit": GROWTH_LIMIT,
                        "met": growth["cold_s"] <= GROWTH_LIMIT})
    return rows


TABLE_ROWS = (
    ("experiments / decisions / model cards", lambda r: f"{r['experiments']:,} / {r['decisions']:,} / {r['models']:,}"),
    ("commits", lambda r: f"{r['commits']:,}"),
    ("baseline pages (one per record, ~1 KB each)", lambda r: f"{r['plain_pages']:,}"),
    ("mlreport build, cold (s)", lambda r: f"{r['cold_s']:.2f}"),
    ("mlreport build, warm (s)", lambda r: f"{r['warm_s']:.2f}"),
    ("mlreport build, one experiment edited (s)", lambda r: f"{r['edited_s']:.2f}"),
    ("the same edit undone, the next rebuild (s)", lambda r: f"{r['edited_back_s']:.2f}"),
    ("plain mkdocs build (s)", lambda r: f"{r['plain_s']:.2f}"),
    ("cold / plain", lambda r: f"{r['cold_ratio']:.2f}"),
    ("warm / plain", lambda r: f"{r['warm_ratio']:.2f}"),
    ("one edited / plain; undone / plain", lambda r: f"{r['edited_ratio']:.2f}; {r['edited_back_s'] / r['plain_s']:.2f}"),
    ("mlreport serve: a saved experiment served (s)", lambda r: f"{r['serve_s']:.2f}"),
    ("mlreport diff, one record changed (s)", lambda r: f"{r['diff_s']:.2f}"),
    ("mlreport validate, cold / warm (s)", lambda r: f"{r['validate_cold_s']:.2f} / {r['validate_warm_s']:.2f}"),
    ("CPU time: cold / warm / plain (s)", lambda r: f"{r['cold_cpu_s']:.1f} / {r['warm_cpu_s']:.1f} / "
                                                    f"{r['plain_cpu_s']:.1f}"),
    ("CPU time ratios: cold, warm / plain", lambda r: f"{r['cold_cpu_ratio']:.2f}, {r['warm_cpu_ratio']:.2f}"),
    ("raw git log --name-status (s)", lambda r: f"{r['raw_git_log_s']:.2f}"),
    ("history pass, cold (s)", lambda r: f"{r['history_cold_s']:.2f}"),
    ("history pass, warm (s)", lambda r: f"{r['history_warm_s']:.3f}"),
    ("history cold / raw git log", lambda r: f"{r['history_ratio']:.2f}"),
    ("machine load while building (1-min average)", lambda r: "{} – {}".format(*r["load_1min"])),
    ("peak RSS, mlreport build (MiB)", lambda r: f"{r['peak_rss_mib']:,}"),
    ("peak RSS, plain build (MiB)", lambda r: f"{r['plain_peak_rss_mib']:,}"),
    ("site size, mlreport / plain (MB)", lambda r: f"{r['site_mb']} / {r['plain_site_mb']}"),
    ("search index, mlreport / plain (MB)", lambda r: f"{r['search_index_mb']} / {r['plain_search_index_mb']}"),
    ("browser, experiments index: table (s) / drawn (s) / sort (ms)", lambda r: _browser(r, 0)),
    ("browser, a leaderboard: table (s) / drawn (s) / sort (ms)", lambda r: _browser(r, 1)),
    ("browser, experiments index: first query / a keystroke (ms)", lambda r: _browser_filter(r, 0)),
    ("browser, a leaderboard: first query / a keystroke (ms)", lambda r: _browser_filter(r, 1)),
)


def _browser(results: dict[str, Any], index: int) -> str:
    timings = results["browser"]
    if index >= len(timings):
        return "not measured"
    timing = timings[index]
    return f"{timing['interactive_s']:.2f} / {timing['drawn_s']:.2f} / {timing['sort_ms']:.0f}"


def _browser_filter(results: dict[str, Any], index: int) -> str:
    timings = results["browser"]
    if index >= len(timings) or "filter_ms" not in timings[index]:
        return "not measured"
    timing = timings[index]
    cpu = (f" (CPU: sort {timing['sort_cpu_ms']:.0f}, keystroke {timing['filter_cpu_ms']:.0f})"
           if "sort_cpu_ms" in timing else "")
    return f"{timing['filter_first_ms']:.0f} / {timing['filter_ms']:.0f}{cpu}"


def table(results: dict[str, Any]) -> str:
    """The results as a Markdown table (it reads as text too), then the targets."""
    sizes = results["sizes"]
    names = sorted(sizes, key=int)
    growth = results["growth"]
    header = ["", *(f"N = {int(n):,}" for n in names)] + ([f"growth ×{int(names[-1]) // int(names[0])}"]
                                                            if growth else [])
    lines = [header]
    for label, show in TABLE_ROWS:
        row = [label, *(show(sizes[n]) for n in names)]
        if growth:
            key = {"mlreport build, cold (s)": "cold_s", "mlreport build, warm (s)": "warm_s",
                   "plain mkdocs build (s)": "plain_s", "history pass, cold (s)": "history_cold_s"}.get(label)
            row.append(f"{growth[key]:.2f}" if key else "")
        lines.append(row)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = [_row(lines[0], widths), _row(["-" * w for w in widths], widths)]
    text += [_row(line, widths) for line in lines[1:]]
    text += ["", "| target | measured | limit | met |", "|---|---|---|---|"]
    text += [f"| {v['target']} | {v['value']} | ≤ {v['limit']} | {'yes' if v['met'] else 'NO'} |"
             for v in results["targets"]]
    m = results["machine"]
    text += ["", f"{m['date']}, {m['cores']} cores, {m['platform']}; Python {m['python']}, git {m['git']}, "
                 f"mkdocs {m['mkdocs']}, mkdocs-material {m['mkdocs-material']}, mlreport {m['mlreport']}; "
                 f"median of {results['repeat']} interleaved runs"]
    return "\n".join(text)


def _row(cells: list[str], widths: list[int]) -> str:
    return "| " + " | ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in
                             enumerate(zip(cells, widths))) + " |"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Measure every size, print the table, write results.json; returns the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000], help="numbers of experiments")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of each timing (the median is kept)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated repos")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="work folder; results.json goes here")
    parser.add_argument("--quick", action="store_true",
                        help=f"a smoke run: N = {' and '.join(map(str, QUICK_SIZES))}, one repetition, no browser")
    parser.add_argument("--no-browser", dest="browser", action="store_false",
                        help="skip the browser timings (taken at the largest N when Chromium is available)")
    args = parser.parse_args(argv)
    check_baseline()
    if args.quick:
        args.sizes, args.repeat, args.browser = list(QUICK_SIZES), 1, False
    args.out.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for n in sorted(args.sizes):
        print(f"N = {n:,}: measuring…", file=sys.stderr, flush=True)
        sizes[str(n)] = measure_size(args.out.resolve(), n, args.seed, args.repeat,
                                     browser=args.browser and n == max(args.sizes))
    names = sorted(sizes, key=int)
    growth = ({key: round(sizes[names[-1]][key] / sizes[names[0]][key], 2)
               for key in ("cold_s", "warm_s", "plain_s", "history_cold_s")} if len(names) > 1 else {})
    results = {"machine": machine(), "repeat": args.repeat, "seed": args.seed, "sizes": sizes, "growth": growth,
               "targets": verdicts(sizes, growth)}
    (args.out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n",
                                           encoding="utf-8")
    print(table(results))
    return results


if __name__ == "__main__":
    main()
