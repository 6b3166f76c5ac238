"""Where a cold `mlreport build` of a generated repo spends its time, sampled by py-spy.

    python benchmarks/profile_build.py                # N = 10,000 experiments
    python benchmarks/profile_build.py --size 1000

Builds the repo run.py measures (generated again only when the generator changed), with no
caches, under `py-spy record`, then sorts every sample into the step of the build it belongs
to: the innermost step a stack passes through wins, so the search plugin's work inside
MkDocs' page loop counts as search, not as page rendering. Prints each step's share.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import HERE, generated_repo  # noqa: E402

from mlreport.config import load_options  # noqa: E402

SEARCH = "material/plugins/search/"
"""The search plugin's frames: its indexing runs inside MkDocs' page loop, and counts as search."""
STEPS = (
    # (step, who does it, the frame that starts it): a stack belongs to the outermost one it passes.
    ("loading and validating records", "mlreport", "read_records ("),
    ("reading git history", "mlreport", "read_history ("),
    ("generating pages (Jinja templates)", "mlreport", "generate (mlreport/render/__init__.py"),
    ("Markdown to HTML", "Python-Markdown, via MkDocs", "_populate_page ("),
    ("search index", "Material's search plugin", SEARCH),
    ("page templates and writing", "MkDocs, Material's theme", "_build_page ("),
)
OTHER = ("start-up, config, files, navigation", "Python, MkDocs, Material")


def profile(repo: Path, site: Path, rate: int) -> Counter[str]:
    """Samples per step of one cold build of `repo` into `site`."""
    shutil.rmtree(repo / load_options(repo).cache_dir, ignore_errors=True)
    with tempfile.TemporaryDirectory() as work:
        raw = Path(work) / "samples.txt"
        subprocess.run(["py-spy", "record", "--format", "raw", "--rate", str(rate), "--output", str(raw), "--",
                        sys.executable, "-m", "mlreport", "build", "--root", str(repo), "--site-dir", str(site)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return steps_of(raw.read_text(encoding="utf-8"))


def steps_of(collapsed: str) -> Counter[str]:
    """Samples per step from py-spy's raw output: one `frame;frame;… count` line per distinct stack."""
    counts: Counter[str] = Counter()
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            counts[step_of(stack)] += int(count)
    return counts


def step_of(stack: str) -> str:
    """The step one sampled stack (`outermost frame;…;innermost frame`) belongs to."""
    if SEARCH in stack:
        return "search index"
    for frame in stack.split(";"):
        for step, _, start in STEPS:
            if start in frame:
                return step
    return OTHER[0]


def table(counts: Counter[str]) -> str:
    """The shares as a Markdown table, in the build's order."""
    total = sum(counts.values()) or 1
    lines = ["| step | done by | share |", "|---|---|---:|"]
    for step, by in [OTHER, *((step, by) for step, by, _ in STEPS)]:
        lines.append(f"| {step} | {by} | {100 * counts[step] / total:.0f} % |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> Counter[str]:
    """Profile one cold build and print the table; returns the samples per step."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000, help="number of experiments")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated repo")
    parser.add_argument("--rate", type=int, default=50, help="samples per second")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="work folder (shared with run.py)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    repo = generated_repo(args.out.resolve(), args.size, args.seed)
    site = args.out.resolve() / f"profile-site-{args.size}"
    shutil.rmtree(site, ignore_errors=True)
    counts = profile(repo, site, args.rate)
    print(f"cold `mlreport build`, N = {args.size:,}: {sum(counts.values()):,} samples at {args.rate}/s")
    print(table(counts))
    return counts


if __name__ == "__main__":
    main()
