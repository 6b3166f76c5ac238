"""The build as one function: records, history and pages, or the problems that stop it."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Callable

import pytest
from sitekit import team_repo

from mlreport.config import load_options
from mlreport.pipeline import generate_site
from mlreport.records import workers
from mlreport.validate import read_records


def test_a_valid_repo_gives_pages_data_and_history(repo) -> None:
    repo.write("experiments/base.yaml", "title: Base\ndate: 2026-01-02\ntask: t\nmetrics: {test.auc: 0.8}\n")
    repo.commit("Add the baseline (#4)")
    result = generate_site(load_options(repo.path))
    assert not result.failed and result.problems == []
    assert "experiments/base.md" in result.site.html_pages and "index.md" in result.site.pages
    assert result.history.provenance("experiments/base.yaml").created.pr == 4


def test_records_with_errors_stop_before_history_and_pages(repo) -> None:
    repo.write("experiments/base.yaml", "title: Base\n")
    repo.commit("Add a broken record")
    result = generate_site(load_options(repo.path))
    assert result.failed and [p.key for p in result.problems] == [""]
    assert result.site.pages == {} and not result.history.available


def test_the_dashboard_steps_aside_for_the_teams_own_home_page(repo) -> None:
    repo.write("docs/index.md", "# Our team\n")
    repo.write("experiments/base.yaml", "title: Base\ndate: 2026-01-02\n")
    pages = generate_site(load_options(repo.path)).site.pages
    assert "dashboard.md" in pages and "index.md" not in pages


def test_strict_makes_warnings_errors(repo) -> None:
    repo.write("experiments/base.yaml", "title: Base\ndate: 2026-01-02\ncolour: blue\n")
    options = load_options(repo.path)
    assert not read_records(options).failed
    assert read_records(dataclasses.replace(options, strict=True)).failed


def fresh(function: Callable[..., Any], *args: Any) -> Any:
    """`function(*args)` in a new interpreter: records are never loaded in forked workers from a process running
    threads, and the test process may run some."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def _generated(root: Path, jobs: str) -> tuple[Any, ...]:
    """The site generated with `jobs` processes, records shared among workers from two files on; and whether any
    child process (a worker, a git command) is left, running or not waited for."""
    os.environ["MLREPORT_JOBS"] = jobs
    workers.SHARED_FROM, workers._SHARE = 2, 3
    shutil.rmtree(root / ".mlreport", ignore_errors=True)
    result = generate_site(load_options(root))
    try:
        os.waitpid(-1, os.WNOHANG)
        children = True
    except ChildProcessError:
        children = False
    return (result.history, result.site.pages, result.site.html_pages, result.site.files,
            [p.format_text() for p in result.problems], children)


def test_records_loaded_by_workers_while_git_is_read_give_the_history_and_site_of_one_process(repo) -> None:
    team_repo(repo)
    one = fresh(_generated, repo.path, "1")
    shared = fresh(_generated, repo.path, "2")
    assert shared == one
    assert one[0].available and one[0].feed and len(one[2]) >= 8 and one[5] is False


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_record_error_found_by_a_worker_while_git_is_read_is_reported_with_its_place(repo, jobs: str) -> None:
    team_repo(repo)
    repo.write("experiments/broken.yaml", "title: Broken\ndate: 2026-01-02\nmetrics: [1, 2\n")
    history, pages, _, _, problems, children = fresh(_generated, repo.path, jobs)
    assert pages == {} and not history.available and children is False
    assert any(problem.startswith("experiments/broken.yaml:") for problem in problems)
