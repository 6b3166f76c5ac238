"""Where am I: commands find the project from the folder they run in, as git finds a repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from repos import GitRepo
from mlreport.site_folder import MARKER

MKDOCS_YML = "site_name: Team\ntheme: {name: material, font: false}\nplugins: [search, mlreport]\n"


@pytest.fixture
def project(repo: GitRepo) -> GitRepo:
    """A project with mkdocs.yml and records in subfolders."""
    repo.write("mkdocs.yml", MKDOCS_YML)
    repo.write("experiments/2026/q1/a.yaml", "title: A\ndate: 2026-01-01\nmetrics: {acc: 0.5}\n")
    repo.write("experiments/b.yaml", "title: B\ndate: 2026-01-02\nmetrics: {acc: 0.6}\n")
    repo.write("decisions/0001-start.md", "---\nstatus: accepted\ndate: 2026-01-01\n---\n# Start\n")
    repo.commit("Records")
    return repo


def assert_no_project(result, start: Path, top: Path) -> None:
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: no mlreport project here: no mkdocs.yml in {start} or above it (up to the repository's top {top}), "
        "and no experiments/, decisions/ or models/ folder (run mlreport inside the project, point --root at it, "
        "or start one here with `mlreport init`)"]


@pytest.mark.parametrize("command", [("validate",), ("build",), ("diff",), ("generate", "--out", "out"),
                                     ("new", "experiment", "First")])
def test_no_project_around_the_current_folder_is_one_error(repo: GitRepo, cli, monkeypatch, command) -> None:
    (repo.path / "notes").mkdir()
    monkeypatch.chdir(repo.path / "notes")
    assert_no_project(cli(*command), repo.path / "notes", repo.path)
    assert sorted(p.name for p in repo.path.iterdir()) == [".git", "notes"]  # nothing written


def test_the_walk_stops_at_the_repository_top(project: GitRepo, cli, monkeypatch) -> None:
    # A repository of its own inside the project (cloned there, say) is not the project.
    inner = project.path / "vendor" / "tool"
    inner.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(inner)], check=True)
    monkeypatch.chdir(inner)
    assert_no_project(cli("validate"), inner, inner)


def test_validate_from_a_record_folder_checks_the_whole_project(project: GitRepo, cli, monkeypatch) -> None:
    monkeypatch.chdir(project.path / "experiments" / "2026")
    result = cli("validate")
    assert (result.exit_code, result.stderr) == (0, "2 experiments, 1 decision, 0 model cards: all valid\n")


def test_build_from_a_record_folder_builds_the_projects_site(project: GitRepo, cli, monkeypatch) -> None:
    monkeypatch.chdir(project.path / "experiments")
    result = cli("build")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"site built in {(project.path / 'site').resolve()}"
    assert f"python -m http.server -d {(project.path / 'site').resolve()} " in result.stdout
    assert (project.path / "site" / MARKER).is_file()
    assert not (project.path / "experiments" / "site").exists()


def test_without_mkdocs_yml_the_folder_holding_the_records_is_the_project(repo: GitRepo, cli, monkeypatch) -> None:
    repo.write("experiments/a.yaml", "title: A\ndate: 2026-01-01\n")
    repo.commit("A record, no mkdocs.yml")
    (repo.path / "experiments" / "drafts").mkdir()
    monkeypatch.chdir(repo.path / "experiments" / "drafts")
    result = cli("build")
    assert result.exit_code == 0, result.output  # the default config, as before
    assert (repo.path / "site" / "experiments" / "a" / "index.html").is_file()


def test_new_from_another_folder_writes_into_the_projects_record_folder(project: GitRepo, cli, monkeypatch) -> None:
    monkeypatch.chdir(project.path / "decisions")
    result = cli("new", "experiment", "Wider net")
    assert (result.exit_code, result.stdout) == (0, "experiments/wider-net.yaml\n")
    assert (project.path / "experiments" / "wider-net.yaml").is_file()


def test_init_makes_a_project_where_there_was_none(repo: GitRepo, cli, monkeypatch) -> None:
    monkeypatch.chdir(repo.path)
    assert_no_project(cli("validate"), repo.path, repo.path)
    result = cli("init")  # in the current folder, empty as it is
    assert result.exit_code == 0, result.output
    assert (repo.path / "mkdocs.yml").is_file()
    monkeypatch.chdir(repo.path / "experiments")
    assert cli("validate").stderr == "1 experiment, 1 decision, 1 model card: all valid\n"
