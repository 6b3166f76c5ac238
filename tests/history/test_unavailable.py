"""No git, no commits, a shallow clone, history turned off: one clear warning, never a wrong date."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.history.conftest import LI, ZOE, decision, experiment, history


def test_a_folder_outside_git_gives_a_warning_and_no_provenance(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))  # even if the temp folder sits in a repo
    (tmp_path / "experiments").mkdir()
    (tmp_path / "experiments/run.yaml").write_text(experiment("Run"), encoding="utf-8")

    result = history(tmp_path)

    assert not result.available and result.records == {} and result.feed == ()
    assert "not in a git repository" in result.warning and "git init" in result.warning
    assert result.provenance("experiments/run.yaml").created is None


def test_a_missing_root_is_a_warning_too(tmp_path):
    result = history(tmp_path / "nowhere")

    assert not result.available and "nowhere" in result.warning


def test_an_empty_repository_marks_every_record_not_yet_committed(repo):
    repo.write("experiments/run.yaml", experiment("Run"))

    result = history(repo.path)

    assert not result.available and "no commits yet" in result.warning
    assert result.records["experiments/run.yaml"].uncommitted == "new"


def test_history_turned_off_reads_nothing_and_warns_nothing(repo, at):
    repo.write("experiments/run.yaml", experiment("Run"))
    repo.commit("Start", date=at(1))

    result = history(repo.path, history=False)

    assert not result.available and result.warning == "" and result.records == {}


def _clone(source: Path, target: Path, depth: int) -> Path:
    subprocess.run(["git", "clone", "-q", "--depth", str(depth), "--branch", "main", source.as_uri(), str(target)],
                   check=True, capture_output=True)
    return target


def test_a_depth_one_clone_warns_with_the_fix_and_gives_no_fake_dates(repo, at, tmp_path):
    for n, name in enumerate(["a", "b", "c"], start=1):
        repo.write(f"experiments/{name}.yaml", experiment(name.upper()))
        repo.commit(f"Add {name} (#{n})", author=ZOE, date=at(n))
    repo.write("decisions/0001-use-x.md", decision("Use X", "accepted"))
    repo.commit("Accept X (#4)", author=LI, date=at(4))

    result = history(_clone(repo.path, tmp_path / "ci", depth=1))

    assert result.available and result.shallow
    assert "shallow" in result.warning and "fetch-depth: 0" in result.warning and "GIT_DEPTH: 0" in result.warning
    assert set(result.records) == {"experiments/a.yaml", "experiments/b.yaml", "experiments/c.yaml",
                                   "decisions/0001-use-x.md"}
    for provenance in result.records.values():
        # The cut commit shows every file as added: none of that may pass for a creation.
        assert provenance.changes == () and provenance.created is None and provenance.uncommitted == ""
        assert provenance.partial
    assert result.feed == ()


def test_a_deeper_shallow_clone_keeps_the_changes_it_has_but_no_creation(repo, at, tmp_path):
    repo.write("experiments/a.yaml", experiment("A"))
    repo.commit("Add a", date=at(1))
    repo.write("experiments/b.yaml", experiment("B"))
    repo.commit("Add b", date=at(2))
    repo.write("experiments/a.yaml", experiment("A", "edited"))
    repo.commit("Edit a (#7)", author=LI, date=at(3))

    result = history(_clone(repo.path, tmp_path / "ci", depth=2))

    a = result.provenance("experiments/a.yaml")
    assert [(c.subject, c.author) for c in a.changes] == [("Edit a (#7)", "李雷")]
    assert a.last_changed.pr == 7 and a.created is None and a.partial
    assert result.provenance("experiments/b.yaml").changes == ()
    assert not (tmp_path / "ci/.mlreport").exists()  # a partial history is never cached
