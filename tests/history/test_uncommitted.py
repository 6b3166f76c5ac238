"""Records not yet committed, or with local edits, as one `git status` shows them."""

from __future__ import annotations

from mlreport.git import run
from mlreport.history.provenance import Worktree
from tests.history.conftest import decision, experiment, history


def local_changes(repo, at, *, removed: bool = False) -> None:
    """A committed start, then an edited, a new, a staged and a staged-renamed record (and a removed one)."""
    repo.write("experiments/kept.yaml", experiment("Kept"))
    repo.write("experiments/edited.yaml", experiment("Edited"))
    if removed:
        repo.write("experiments/gone.yaml", experiment("Gone"))
    repo.write("decisions/0001-staged-rename.md", decision("Renamed", "accepted"))
    repo.commit("Start (#1)", date=at(1))
    repo.write("experiments/edited.yaml", experiment("Edited", "local edit"))
    repo.write("experiments/brand new.yaml", experiment("Brand new"))
    repo.write("decisions/0002-staged.md", decision("Staged", "proposed"))
    repo.git("add", "decisions/0002-staged.md")
    repo.git("mv", "decisions/0001-staged-rename.md", "decisions/0001-renamed.md")
    if removed:
        repo.git("rm", "-q", "experiments/gone.yaml")


def test_new_and_modified_records_are_marked_with_their_committed_history_kept(repo, at):
    local_changes(repo, at)

    result = history(repo.path)

    states = {path: (p.uncommitted, len(p.changes)) for path, p in result.records.items()}
    assert states == {
        "experiments/kept.yaml": ("", 1),
        "experiments/edited.yaml": ("modified", 1),
        "experiments/brand new.yaml": ("new", 0),
        "decisions/0002-staged.md": ("new", 0),
        "decisions/0001-renamed.md": ("modified", 1),
    }
    assert result.provenance("decisions/0001-renamed.md").created.subject == "Start (#1)"
    assert all(item.path != "experiments/brand new.yaml" for item in result.feed)


def test_an_ignored_record_file_counts_as_not_yet_committed(repo, at):
    repo.write(".gitignore", "experiments/scratch*.yaml\n")
    repo.write("experiments/done.yaml", experiment("Done"))
    repo.commit("Start", date=at(1))
    repo.write("experiments/scratch-run.yaml", experiment("Scratch"))

    assert history(repo.path).provenance("experiments/scratch-run.yaml").uncommitted == "new"


def test_an_edited_file_in_a_directory_form_record_marks_the_record_modified(repo, at):
    repo.write("experiments/bert/experiment.yaml", experiment("BERT"))
    repo.write("experiments/bert/notes.md", "First notes.\n")
    repo.write("experiments/flat.yaml", experiment("Flat"))
    repo.commit("Start", date=at(1))
    repo.write("experiments/bert/notes.md", "Better notes.\n")

    result = history(repo.path)

    assert result.provenance("experiments/bert/experiment.yaml").uncommitted == "modified"
    assert result.provenance("experiments/flat.yaml").uncommitted == ""


def test_both_status_formats_read_the_same_states(repo, at):
    local_changes(repo, at, removed=True)
    status = ("status", "-z", "--untracked-files=all")

    head, v2 = Worktree.parse_v2(run(repo.path, *status, "--porcelain=v2", "--branch")[1])

    assert head == repo.git("rev-parse", "HEAD").strip()
    assert v2 == Worktree.parse(run(repo.path, *status, "--porcelain")[1])
    assert v2.new == {"experiments/brand new.yaml", "decisions/0002-staged.md"}
    assert v2.renamed_from == {"decisions/0001-renamed.md": "decisions/0001-staged-rename.md"}
