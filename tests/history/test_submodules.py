"""Records inside a git submodule: their history is read from the submodule's own repository."""

from __future__ import annotations

from pathlib import Path

import pytest
from repos import new_repo
from sitekit import read_page

from repos import GitRepo
from mlreport.config import Options
from mlreport.history import read_git, read_history
from tests.history.conftest import ANA, LI, ZOE, decision, experiment, history, rows


@pytest.fixture
def shared(tmp_path: Path, at) -> GitRepo:
    """Another team's repository of records, kept as a submodule of the project."""
    other = new_repo(tmp_path / "shared")
    other.write("run.yaml", experiment("Shared run"))
    other.write("0001-share.md", decision("Share the runs", "proposed"))
    other.commit("Add the shared run (#4)", author=ZOE, date=at(1))
    other.write("run.yaml", experiment("Shared run", "tuned"))
    other.write("0001-share.md", decision("Share the runs", "accepted"))
    other.commit("Tune the shared run", author=LI, date=at(2))
    return other


@pytest.fixture
def project(repo: GitRepo, shared: GitRepo, at) -> GitRepo:
    """The project: a record of its own, and the shared records as a submodule inside its experiments."""
    repo.write("experiments/local.yaml", experiment("Local run"))
    repo.commit("Add the local run (#7)", author=ANA, date=at(3))
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(shared.path), "experiments/shared")
    repo.commit("Add the shared records", date=at(4))
    return repo


def test_a_submodules_records_have_the_history_of_its_own_repository(project: GitRepo, at) -> None:
    result = history(project.path, repo_url="https://git.example.com/team/records")

    shared_run = result.provenance("experiments/shared/run.yaml")
    assert shared_run.uncommitted == ""
    assert [(c.subject, c.author, c.action, c.path, c.date) for c in shared_run.changes] == [
        ("Tune the shared run", "李雷", "modified", "experiments/shared/run.yaml", at(2)),
        ("Add the shared run (#4)", "Zoë Ångström", "added", "experiments/shared/run.yaml", at(1)),
    ]
    # Its commits and pull requests belong to the other repository: the project's address cannot link them.
    assert [c.pr for c in shared_run.changes] == [None, None]
    assert result.commit_url(shared_run.changes[0].commit) == ""
    local = result.provenance("experiments/local.yaml")
    assert local.created.pr == 7 and result.commit_url(local.created.commit).endswith(local.created.commit)


def test_a_decision_in_a_submodule_has_its_status_history(project: GitRepo) -> None:
    # Decisions are read from a folder of their own; here the submodule is the decisions folder.
    project.git("mv", "experiments/shared", "decisions")
    project.commit("Move the shared records")
    result = history(project.path)

    statuses = [s.status for s in result.provenance("decisions/0001-share.md").status_history]
    assert statuses == ["proposed", "accepted"]


def test_the_feed_interleaves_both_repositories_newest_first(project: GitRepo) -> None:
    feed = [(item.record_id, item.change.subject) for item in history(project.path).feed]
    assert feed == [("local", "Add the local run (#7)"), ("run", "Tune the shared run"),
                    ("run", "Add the shared run (#4)")]


def test_edits_inside_the_submodule_show_as_uncommitted(project: GitRepo) -> None:
    (project.path / "experiments/shared/run.yaml").write_text(experiment("Shared run", "edited"), encoding="utf-8")
    (project.path / "experiments/shared/new.yaml").write_text(experiment("New shared run"), encoding="utf-8")

    result = history(project.path)

    assert result.provenance("experiments/shared/run.yaml").uncommitted == "modified"
    assert result.provenance("experiments/shared/new.yaml").uncommitted == "new"
    assert result.provenance("experiments/local.yaml").uncommitted == ""


def test_the_built_page_of_a_submodule_record_shows_its_history(project: GitRepo, cli, tmp_path: Path) -> None:
    result = cli("build", "--root", project.path, "--site-dir", tmp_path / "site")
    assert result.exit_code == 0, result.output
    page = read_page(tmp_path / "site", "experiments/run")
    assert "Not committed yet" not in page.text
    assert "Add the shared run (#4)" in page.text and "Zoë Ångström" in page.text


def test_the_log_read_before_the_records_is_the_history_of_the_records_joined_later(project: GitRepo) -> None:
    options = Options(root=project.path)
    records = rows(project.path)
    # Read from the listed files' paths, as the build does while the records load, or from none at all: a
    # repository no path named is read when its records are joined.
    for paths in ([path for *_, path in records], []):
        read = read_git(options, paths)
        assert read.history(records) == read_history(Options(root=project.path, cache_dir="other"), records)
