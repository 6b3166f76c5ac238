"""Records not yet committed, or with local edits, as one `git status` shows them."""

from __future__ import annotations

from tests.history.conftest import decision, experiment, history


def test_new_and_modified_records_are_marked_with_their_committed_history_kept(repo, at):
    repo.write("experiments/kept.yaml", experiment("Kept"))
    repo.write("experiments/edited.yaml", experiment("Edited"))
    repo.write("decisions/0001-staged-rename.md", decision("Renamed", "accepted"))
    repo.commit("Start (#1)", date=at(1))
    repo.write("experiments/edited.yaml", experiment("Edited", "local edit"))
    repo.write("experiments/brand new.yaml", experiment("Brand new"))
    repo.write("decisions/0002-staged.md", decision("Staged", "proposed"))
    repo.git("add", "decisions/0002-staged.md")
    repo.git("mv", "decisions/0001-staged-rename.md", "decisions/0001-renamed.md")

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
