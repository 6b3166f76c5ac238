"""The scale benchmark's scripts work: the generated repo is what it claims, and a quick run measures it all.

No timing is asserted here: timings belong to `python benchmarks/run.py`, on a quiet machine.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import profile_build  # noqa: E402
from make_repo import make_repo  # noqa: E402
import run  # noqa: E402

N = 150


def git(repo: Path, *args: str) -> str:
    """git's output in the generated repo."""
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated repo, shared by the checks below."""
    repo = tmp_path_factory.mktemp("bench") / "repo"
    make_repo(repo, N, seed=7)
    return repo


def test_generated_repo_has_the_promised_records_and_commits(generated: Path, cli) -> None:
    result = cli("validate", "--root", generated, "--format", "json")
    assert result.exit_code == 0 and json.loads(result.output) == []
    files = git(generated, "ls-files").splitlines()
    experiments = [f for f in files if f.startswith("experiments/") and f.endswith((".yaml", ".yml"))]
    decisions = [f for f in files if re.match(r"decisions/\d{4}-.+\.md$", f)]
    cards = [f for f in files if f.startswith("models/")]
    assert (len(experiments), len(decisions), len(cards)) == (N, N // 10, N // 50)
    assert any(f.endswith("/experiment.yaml") for f in experiments)  # the directory form too
    commits = int(git(generated, "rev-list", "--count", "HEAD"))
    assert 2 * N <= commits <= 2 * N + 10


def test_history_looks_like_a_team_working_through_pull_requests(generated: Path) -> None:
    subjects = git(generated, "log", "--format=%s").splitlines()
    assert any(re.match(r"Merge pull request #\d+ from \S+/\S+$", s) for s in subjects)
    assert any(re.search(r"\(#\d+\)$", s) for s in subjects)
    assert len(git(generated, "rev-list", "--merges", "HEAD").split()) > N // 10
    authors = Counter(git(generated, "log", "--format=%an").splitlines())
    assert len(authors) >= 5 and any(not name.isascii() for name in authors)
    renames = git(generated, "log", "-M", "--diff-filter=R", "--name-status", "--format=").split("\n")
    assert any(line.startswith("R") and "/archive/" in line for line in renames)
    assert git(generated, "branch", "--format=%(refname:short)").split() == ["main"]


def status_history(repo: Path, decision: str) -> list[str]:
    """A decision's status in each commit that changed its file, newest first (renames followed)."""
    path = next((repo / "decisions").glob(f"{decision}-*.md")).relative_to(repo).as_posix()
    log = git(repo, "log", "--follow", "--format=%H", "--name-only", "--", path).split()
    return [re.search(r"^status: (\w+)$", git(repo, "show", f"{sha}:{old}"), re.M).group(1)
            for sha, old in zip(log[::2], log[1::2])]


def test_decisions_change_status_over_commits_and_supersede_each_other(generated: Path) -> None:
    superseded = []
    for path in sorted((generated / "decisions").glob("[0-9]*.md")):
        front = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
        assert front["evidence"]
        superseded += front.get("supersedes", [])
    histories = [status_history(generated, decision) for decision in superseded]
    assert histories and all(history[0] == "superseded" for history in histories)
    assert ["superseded", "accepted", "proposed"] in histories


def test_same_size_and_seed_make_the_same_repo(generated: Path, tmp_path: Path) -> None:
    make_repo(tmp_path / "again", N, seed=7)
    make_repo(tmp_path / "other", N, seed=8)
    head = git(generated, "rev-parse", "HEAD")
    assert git(tmp_path / "again", "rev-parse", "HEAD") == head
    assert git(tmp_path / "other", "rev-parse", "HEAD") != head


def test_the_baseline_is_the_shared_script_byte_for_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run.check_baseline()
    if run.SHARED_BASELINE.is_file():
        assert run.SHARED_BASELINE.read_bytes() == run.BASELINE.read_bytes()
    resized = tmp_path / "plain_site.py"
    resized.write_bytes(run.BASELINE.read_bytes().replace(b"* 6", b"* 60"))
    monkeypatch.setattr(run, "BASELINE", resized)
    with pytest.raises(SystemExit, match="not the shared baseline"):
        run.check_baseline()


def test_the_baseline_writes_ordinary_pages_out_of_the_nav(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(run.BASELINE), str(tmp_path / "plain"), "3"], check=True)
    pages = sorted((tmp_path / "plain/docs/p").iterdir())
    assert [page.name for page in pages] == ["page-00000.md", "page-00001.md", "page-00002.md"]
    assert all(page.read_text().startswith("# Page ") and "| p7 |" in page.read_text() for page in pages)
    plain = yaml.safe_load((tmp_path / "plain/mkdocs.yml").read_text())
    assert plain["plugins"] == ["search"] and plain["theme"] == {"name": "material", "font": False}


def test_quick_run_measures_everything_and_writes_the_results(tmp_path: Path) -> None:
    # An `mlreport` and an `mkdocs` first on PATH that fail: the run measures this interpreter's own.
    decoys = tmp_path / "decoys"
    decoys.mkdir()
    for name in ("mlreport", "mkdocs"):
        (decoys / name).write_text("#!/bin/sh\necho not the mlreport under test >&2\nexit 3\n")
        (decoys / name).chmod(0o755)
    env = {**os.environ, "PATH": f"{decoys}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([sys.executable, str(BENCHMARKS / "run.py"), "--quick", "--out", str(tmp_path)],
                          capture_output=True, text=True, check=False, env=env)
    assert done.returncode == 0, done.stderr
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    low, high = run.QUICK_SIZES
    assert sorted(results["sizes"], key=int) == [str(low), str(high)]
    small, large = results["sizes"][str(low)], results["sizes"][str(high)]
    assert (large["experiments"], large["decisions"], large["models"]) == (high, high // 10, high // 50)
    assert large["plain_pages"] == high + high // 10 + high // 50
    for key in ("cold_s", "warm_s", "edited_s", "edited_back_s", "plain_s", "diff_s", "validate_cold_s", "validate_warm_s",
                "raw_git_log_s", "history_cold_s", "history_warm_s", "peak_rss_mib", "site_mb", "search_index_mb"):
        assert small[key] > 0 and large[key] > 0, key
    assert large["cold_ratio"] == pytest.approx(large["cold_s"] / large["plain_s"], abs=0.01)
    assert results["growth"]["cold_s"] == pytest.approx(large["cold_s"] / small["cold_s"], abs=0.01)
    assert results["machine"]["cores"] >= 1 and len(results["targets"]) == len(run.TARGETS) + 1
    assert "cold / plain" in done.stdout and "history pass, warm" in done.stdout


def test_profile_puts_each_sampled_stack_in_the_build_step_it_belongs_to() -> None:
    collapsed = "\n".join([
        "build (mkdocs/commands/build.py:249);MlreportPlugin.on_files (mlreport/plugin.py:70);"
        "generate_site (mlreport/pipeline.py:50);read_records (mlreport/validate.py:44);"
        "iter_errors (jsonschema/validators.py:349) 7",
        "build (mkdocs/commands/build.py:249);MlreportPlugin.on_files (mlreport/plugin.py:70);"
        "generate_site (mlreport/pipeline.py:50);read_history (mlreport/history/reader.py:39) 2",
        "build (mkdocs/commands/build.py:249);MlreportPlugin.on_files (mlreport/plugin.py:70);"
        "generate_site (mlreport/pipeline.py:50);generate (mlreport/render/__init__.py:31);"
        "render (jinja2/environment.py:1275) 3",
        "build (mkdocs/commands/build.py:249);_populate_page (mkdocs/commands/build.py:147);"
        "Markdown.convert (markdown/core.py:322) 11",
        "build (mkdocs/commands/build.py:249);_build_page (mkdocs/commands/build.py:185);"
        "SearchPlugin.on_page_context (material/plugins/search/plugin.py:126) 5",
        "build (mkdocs/commands/build.py:249);_build_page (mkdocs/commands/build.py:185);"
        "Template.render (jinja2/environment.py:1275) 4",
        "<module> (mlreport/cli.py:1);_find_and_load (<frozen importlib._bootstrap>:1176) 1",
    ])
    counts = profile_build.steps_of(collapsed)
    assert counts == {"loading and validating records": 7, "reading git history": 2,
                      "generating pages (Jinja templates)": 3, "Markdown to HTML": 11, "search index": 5,
                      "page templates and writing": 4, "start-up, config, files, navigation": 1}
    shares = profile_build.table(counts)
    assert "| Markdown to HTML | Python-Markdown, via MkDocs | 33 % |" in shares


def test_profile_of_a_real_build_sees_mlreport_and_mkdocs_at_work(tmp_path: Path) -> None:
    counts = profile_build.main(["--size", "50", "--rate", "250", "--out", str(tmp_path)])
    assert (tmp_path / "profile-site-50" / "index.html").is_file()
    for step in ("loading and validating records", "generating pages (Jinja templates)", "Markdown to HTML",
                 "page templates and writing"):
        assert counts[step] > 0, (step, counts)
