"""Record pages rendered in worker processes, and data files written by a process of their own, make the site one
process makes, byte for byte; a failing page fails alike."""

from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Callable

import pytest
from click.testing import CliRunner
from repos import GitRepo
from sitekit import children_left, team_repo

from mlreport.cli import main
from mlreport.render import workers
from mlreport.render.html_page import HtmlPage

_RENDER_PIECE = workers._render_piece
_SEEN = "MLREPORT_TEST_RENDERERS"


def fresh(function: Callable[..., Any], *args: Any) -> Any:
    """`function(*args)` in a new interpreter: pages are never rendered in forked workers from a process running
    threads, and the test process may run some (libraries' workers left by earlier tests)."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def _telling_piece(indices: range) -> Any:
    """A share rendered as the workers render it, noting which process rendered it."""
    with open(os.environ[_SEEN], "a", encoding="utf-8") as seen:
        seen.write(f"{os.getpid()}\n")
    return _RENDER_PIECE(indices)


def build(root: Path, site: Path, jobs: str) -> tuple[int, str, dict[str, bytes], int, set[str]]:
    """`mlreport build` with `jobs` processes and shares of 2 pages: exit code, output, the site's files, this
    process's id and the processes that rendered shares of record pages."""
    os.environ["MLREPORT_JOBS"] = jobs
    os.environ[_SEEN] = str(site.parent / f"renderers-{jobs}.txt")
    workers.SHARED_FROM, workers._SHARE = 2, 2
    workers._render_piece = _telling_piece  # type: ignore[assignment]
    result = CliRunner().invoke(main, ["build", "--root", str(root), "--site-dir", str(site)], catch_exceptions=False)
    files = {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}
    seen = Path(os.environ[_SEEN])
    return result.exit_code, result.output, files, os.getpid(), set(seen.read_text().split()) if seen.exists() else set()


def test_pages_rendered_by_workers_make_the_same_site(repo: GitRepo, tmp_path: Path) -> None:
    team_repo(repo)
    code, _, one, pid, renderers = fresh(build, repo.path, tmp_path / "one", "1")
    assert code == 0 and not renderers
    code, _, shared, pid, renderers = fresh(build, repo.path, tmp_path / "shared", "2")
    assert code == 0
    assert renderers and str(pid) not in renderers
    assert shared.keys() == one.keys() and sum(name.endswith(".html") for name in one) > 8
    assert [name for name in one if shared[name] != one[name]] == []


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_failing_page_fails_the_build_alike(repo: GitRepo, tmp_path: Path, jobs: str) -> None:
    team_repo(repo)
    # One experiment's page fails in the template the repo overrides; the others render.
    repo.write("templates/pages/experiment.html.j2",
               "{{ outline.heading(1, e.title) }}{% if e.id == 'gbm' %}{{ e.no_such_field() }}{% endif %}\n")
    code, output, _, _, _ = fresh(build, repo.path, tmp_path / "site", jobs)
    assert code == 1
    assert "templates/pages/experiment.html.j2:1:1" in output
    assert "template failed while rendering experiments/gbm.md" in output


def _pages_and_meanwhile(jobs: str, fail: bool) -> tuple[list[str], list[str], str, bool]:
    """Ten pages rendered with `jobs` processes while `meanwhile` notes which process ran it (and raises, with
    `fail`): the pages' text, what `meanwhile` saw, the error, and whether a child process is left."""
    os.environ["MLREPORT_JOBS"] = jobs
    workers.SHARED_FROM, workers._SHARE = 2, 2
    ran: list[str] = []

    def meanwhile() -> None:
        ran.append(f"in {os.getpid()}")
        if fail:
            raise OSError("no space left")

    renders = [lambda n=n: HtmlPage(f"<p>{n} by {os.getpid() != parent}</p>", {}, []) for n in range(10)]
    parent, pages, error = os.getpid(), [], ""
    try:
        pages = [page.html for page in workers.render_all(renders, meanwhile)]
    except OSError as exc:
        error = str(exc)
    children = children_left()
    return pages, [note.replace(str(parent), "parent") for note in ran], error, children


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_parents_own_work_runs_once_while_pages_are_rendered(jobs: str) -> None:
    pages, ran, error, children = fresh(_pages_and_meanwhile, jobs, False)
    # The first page is rendered before the fork; with workers, the others are theirs.
    assert pages == [f"<p>{n} by {jobs == '2' and n > 0}</p>" for n in range(10)]
    assert ran == ["in parent"] and error == "" and not children


def test_the_parents_own_work_failing_ends_the_workers() -> None:
    pages, ran, error, children = fresh(_pages_and_meanwhile, "2", True)
    assert pages == [] and ran == ["in parent"] and error == "no space left" and not children


def _pages_with_a_worker_dying(jobs: str) -> tuple[list[str], int, bool]:
    """Ten pages rendered with `jobs` processes, the sixth killing the worker that renders it: the pages, how
    often `meanwhile` ran, and whether a child process is left."""
    os.environ["MLREPORT_JOBS"] = jobs
    workers.SHARED_FROM, workers._SHARE = 2, 2
    parent, ran = os.getpid(), []

    def page(n: int) -> HtmlPage:
        if n == 5 and os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return HtmlPage(f"<p>{n}</p>", {}, [])

    pages = [p.html for p in workers.render_all([lambda n=n: page(n) for n in range(10)], lambda: ran.append(1))]
    children = children_left()
    return pages, len(ran), children


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_worker_that_dies_leaves_its_pages_to_the_parent(jobs: str) -> None:
    assert fresh(_pages_with_a_worker_dying, jobs) == ([f"<p>{n}</p>" for n in range(10)], 1, False)
