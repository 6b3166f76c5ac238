"""Each record's creation, last change and change list, read from real commits."""

from __future__ import annotations

from tests.history.conftest import ANA, LI, ZOE, decision, experiment, history, identity, model


def test_created_last_changed_and_every_change_newest_first(repo, at):
    repo.write("experiments/resnet.yaml", experiment("ResNet baseline"))
    first = repo.commit("Add the ResNet baseline (#12)", author=ZOE, date=at(1))
    repo.write("experiments/resnet.yaml", experiment("ResNet baseline", "tuned"))
    repo.commit("Tune the learning rate", author=LI, date=at(2))
    repo.write("experiments/resnet.yaml", experiment("ResNet baseline", "final"))
    last = repo.commit("Record the final numbers (#15)", author=ANA, date=at(3))

    provenance = history(repo.path).provenance("experiments/resnet.yaml")

    assert [(c.subject, c.author, c.action, c.pr) for c in provenance.changes] == [
        ("Record the final numbers (#15)", "Ana Lima", "modified", 15),
        ("Tune the learning rate", "李雷", "modified", None),
        ("Add the ResNet baseline (#12)", "Zoë Ångström", "added", 12),
    ]
    assert provenance.created.commit == first and provenance.created.date == at(1)
    assert provenance.created.email == "zoe@example.com" and provenance.created.day == "2026-02-01"
    assert provenance.last_changed.commit == last and provenance.uncommitted == ""


def test_pull_request_merge_numbers_the_merged_branch_commits(repo, at):
    repo.write("models/fraud.md", model("Fraud model"))
    repo.commit("Add the fraud model card", date=at(1))
    repo.git("checkout", "-q", "-b", "topic")
    repo.write("experiments/xgb.yaml", experiment("XGBoost"))
    repo.commit("Try XGBoost", author=LI, date=at(2))
    repo.write("experiments/xgb.yaml", experiment("XGBoost", "deeper trees"))
    repo.commit("Deeper trees", author=ZOE, date=at(3))
    repo.git("checkout", "-q", "main")
    repo.write("models/fraud.md", model("Fraud model v2"))
    repo.commit("Rename the model", date=at(4))
    repo.git("merge", "--no-ff", "-q", "-m", "Merge pull request #41 from team/topic", "topic",
             env=identity(ANA, at(5)))

    result = history(repo.path)

    changes = result.provenance("experiments/xgb.yaml").changes
    # The authors who made the changes keep them; the merge adds only its number and landing date.
    assert [(c.subject, c.author, c.pr, c.landed) for c in changes] == [
        ("Deeper trees", "Zoë Ångström", 41, at(5)), ("Try XGBoost", "李雷", 41, at(5))]
    assert [c.pr for c in result.provenance("models/fraud.md").changes] == [None, None]


def test_gitlab_merge_requests_and_nested_merges_keep_the_innermost_number(repo, at):
    repo.write("experiments/base.yaml", experiment("Base"))
    repo.commit("Start", date=at(1))
    repo.git("checkout", "-q", "-b", "release")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("experiments/feature.yaml", experiment("Feature"))
    repo.commit("Add the feature experiment", author=LI, date=at(2))
    repo.git("checkout", "-q", "release")
    repo.git("merge", "--no-ff", "-q", "-m", "Merge branch 'feature' into 'release'\n\nFeature\n\n"
             "See merge request data/fraud!8", "feature", env=identity(ANA, at(3)))
    repo.write("experiments/release.yaml", experiment("Release"))
    repo.commit("Release notes experiment", author=ZOE, date=at(4))
    repo.git("checkout", "-q", "main")
    repo.git("merge", "--no-ff", "-q", "-m", "Merge branch 'release' into 'main'\n\nSee merge request data/fraud!9",
             "release", env=identity(ANA, at(5)))

    result = history(repo.path)

    assert result.provenance("experiments/feature.yaml").created.pr == 8
    assert result.provenance("experiments/release.yaml").created.pr == 9
    assert result.provenance("experiments/base.yaml").created.pr is None


def test_a_branch_that_merged_main_in_takes_only_its_own_commits_into_the_pull_request(repo, at):
    repo.write("experiments/a.yaml", experiment("A"))
    repo.commit("A on main", date=at(1))
    repo.git("checkout", "-q", "-b", "topic")
    repo.write("experiments/b.yaml", experiment("B"))
    repo.commit("B on the branch", author=LI, date=at(2))
    repo.git("checkout", "-q", "main")
    repo.write("experiments/c.yaml", experiment("C"))
    repo.commit("C straight on main (#5)", date=at(3))
    repo.git("checkout", "-q", "topic")
    repo.git("merge", "--no-ff", "-q", "-m", "Merge branch 'main' into topic", "main", env=identity(LI, at(4)))
    repo.git("checkout", "-q", "main")
    repo.git("merge", "--no-ff", "-q", "-m", "Merge pull request #6 from team/topic", "topic",
             env=identity(ANA, at(5)))

    result = history(repo.path)

    assert result.provenance("experiments/b.yaml").created.pr == 6
    assert result.provenance("experiments/c.yaml").created.pr == 5
    assert result.provenance("experiments/a.yaml").created.pr is None


def test_a_renamed_record_keeps_its_creation_and_history(repo, at):
    repo.write("decisions/0003-use-xgboost.md", decision("Use XGBoost", "proposed"))
    created = repo.commit("Propose XGBoost (#3)", author=ZOE, date=at(1))
    repo.git("mv", "decisions/0003-use-xgboost.md", "decisions/0003-use-gradient-boosting.md")
    repo.commit("Broader name", date=at(2))
    (repo.path / "decisions/archive").mkdir()
    repo.git("mv", "decisions/0003-use-gradient-boosting.md", "decisions/archive/0003-use-gradient-boosting.md")
    repo.write("decisions/archive/0003-use-gradient-boosting.md", decision("Use gradient boosting", "accepted"))
    repo.commit("Accept and archive (#9)", author=LI, date=at(3))

    provenance = history(repo.path).provenance("decisions/archive/0003-use-gradient-boosting.md")

    assert provenance.created.commit == created and provenance.created.author == "Zoë Ångström"
    assert [(c.action, c.path) for c in provenance.changes] == [
        ("renamed", "decisions/archive/0003-use-gradient-boosting.md"),
        ("renamed", "decisions/0003-use-gradient-boosting.md"),
        ("added", "decisions/0003-use-xgboost.md"),
    ]


def test_a_new_record_at_a_renamed_records_old_path_starts_its_own_history(repo, at):
    repo.write("experiments/a.yaml", experiment("First experiment, long enough to be recognised"))
    repo.commit("Add a", date=at(1))
    repo.git("mv", "experiments/a.yaml", "experiments/b.yaml")
    repo.commit("Rename a to b", date=at(2))
    repo.write("experiments/a.yaml", experiment("A different experiment under the freed name"))
    repo.commit("Add a new a", date=at(3))

    result = history(repo.path)

    assert [(c.subject, c.path) for c in result.provenance("experiments/b.yaml").changes] == [
        ("Rename a to b", "experiments/b.yaml"), ("Add a", "experiments/a.yaml")]
    assert [c.subject for c in result.provenance("experiments/a.yaml").changes] == ["Add a new a"]


def test_an_edit_on_a_branch_follows_a_rename_made_meanwhile_on_main(repo, at):
    repo.write("experiments/a.yaml", experiment("A long enough title to be recognised after a rename"))
    repo.commit("Add a", date=at(1))
    repo.git("checkout", "-q", "-b", "topic")
    repo.write("experiments/a.yaml", experiment("A long enough title to be recognised after a rename", "tuned"))
    repo.commit("Tune a on the branch", author=LI, date=at(2))
    repo.git("checkout", "-q", "main")
    repo.git("mv", "experiments/a.yaml", "experiments/b.yaml")
    repo.commit("Rename a to b on main", date=at(3))
    repo.git("merge", "--no-ff", "-q", "-m", "Merge pull request #5 from team/topic", "topic",
             env=identity(ANA, at(4)))

    provenance = history(repo.path).provenance("experiments/b.yaml")

    assert [(c.subject, c.action, c.path, c.pr) for c in provenance.changes] == [
        ("Tune a on the branch", "modified", "experiments/a.yaml", 5),
        ("Rename a to b on main", "renamed", "experiments/b.yaml", None),
        ("Add a", "added", "experiments/a.yaml", None)]


def test_a_record_deleted_and_added_again_continues_its_history(repo, at):
    repo.write("experiments/lstm.yaml", experiment("LSTM"))
    created = repo.commit("Add LSTM", date=at(1))
    (repo.path / "experiments/lstm.yaml").unlink()
    repo.commit("Drop LSTM", date=at(2))
    repo.write("experiments/lstm.yaml", experiment("LSTM", "restored"))
    repo.commit("Restore LSTM (#4)", author=LI, date=at(3))

    provenance = history(repo.path).provenance("experiments/lstm.yaml")

    assert [c.action for c in provenance.changes] == ["added", "deleted", "added"]
    assert provenance.created.commit == created
    assert provenance.last_changed.pr == 4


def test_several_authors_spaces_and_unicode_in_paths(repo, at):
    repo.write("experiments/q4 runs/résumé ünïcode.yaml", experiment("Unicode run"))
    repo.commit("Add a run with an awkward name", author=LI, date=at(1))
    repo.write("models/карта модели.md", model("Модель"))
    repo.commit("Добавить карточку", author=ZOE, date=at(2))

    result = history(repo.path)

    assert result.provenance("experiments/q4 runs/résumé ünïcode.yaml").created.author == "李雷"
    card = result.provenance("models/карта модели.md").created
    assert (card.author, card.subject, card.path) == ("Zoë Ångström", "Добавить карточку", "models/карта модели.md")


def test_a_site_root_in_a_subfolder_maps_paths_from_the_repository_top(repo, at):
    repo.write("README.md", "# Monorepo\n")
    repo.write("ml/site/experiments/cnn.yaml", experiment("CNN"))
    repo.write("experiments/outside.yaml", experiment("Not under the site root"))
    repo.commit("Add the site", date=at(1))
    repo.git("mv", "ml/site/experiments/cnn.yaml", "ml/site/experiments/cnn-v1.yaml")
    repo.commit("Version the name", date=at(2))

    result = history(repo.path / "ml/site")

    assert list(result.records) == ["experiments/cnn-v1.yaml"]
    assert [(c.action, c.path) for c in result.provenance("experiments/cnn-v1.yaml").changes] == [
        ("renamed", "experiments/cnn-v1.yaml"), ("added", "experiments/cnn.yaml")]
    assert {item.path for item in result.feed} == {"experiments/cnn-v1.yaml"}


def test_a_directory_form_record_changes_with_the_files_in_its_folder(repo, at):
    repo.write("experiments/bert/experiment.yaml", experiment("BERT"))
    repo.commit("Add BERT", date=at(1))
    repo.write("experiments/bert/notes.md", "Fine-tuned for three epochs.\n")
    repo.commit("Write up BERT", author=LI, date=at(2))
    repo.write("experiments/bert/metrics.tsv", "step\tloss\n1\t0.5\n")
    repo.write("experiments/bert/experiment.yaml", experiment("BERT", "with curves"))
    repo.commit("Add curves", date=at(3))

    provenance = history(repo.path).provenance("experiments/bert/experiment.yaml")

    assert [(c.subject, c.action, c.path) for c in provenance.changes] == [
        ("Add curves", "modified", "experiments/bert/experiment.yaml"),
        ("Write up BERT", "modified", "experiments/bert/experiment.yaml"),
        ("Add BERT", "added", "experiments/bert/experiment.yaml")]


def test_only_a_record_in_a_folder_of_its_own_inside_the_configured_folder_owns_the_files_beside_it(repo, at):
    repo.write("lab/experiments/bert/experiment.yaml", experiment("BERT"))
    repo.write("lab/experiments/experiment.yaml", experiment("Flat"))
    repo.commit("Add both", date=at(1))
    repo.write("lab/experiments/bert/notes.md", "Fine-tuned for three epochs.\n")
    repo.commit("Write up BERT", date=at(2))
    repo.write("lab/experiments/notes.md", "Notes on the whole folder.\n")
    repo.commit("Write up the folder", date=at(3))

    for folder in ("lab/experiments", "lab/experiments/", "./lab/experiments"):
        result = history(repo.path, experiments_dir=folder)
        assert [c.subject for c in result.provenance("lab/experiments/bert/experiment.yaml").changes] == [
            "Write up BERT", "Add both"], folder
        assert [c.subject for c in result.provenance("lab/experiments/experiment.yaml").changes] == [
            "Add both"], folder


def test_the_feed_lists_every_change_newest_landing_first_with_deleted_records(repo, at):
    repo.write("experiments/old.yaml", experiment("Old idea"))
    repo.write("decisions/0001-use-x.md", decision("Use X", "proposed"))
    repo.write("experiments/README.md", "# Experiments\n")
    repo.commit("Start (#1)", date=at(1))
    (repo.path / "experiments/old.yaml").unlink()
    repo.write("models/x.md", model("X model"))
    repo.commit("Replace the old idea with a model (#2)", author=LI, date=at(2))

    feed = history(repo.path).feed

    assert [(f.change.pr, f.change.action, f.kind, f.record_id, f.title, f.path) for f in feed] == [
        (2, "deleted", "experiment", "old", "Old idea", ""),
        (2, "added", "model", "x", "X model", "models/x.md"),
        (1, "added", "decision", "0001", "Use X", "decisions/0001-use-x.md"),
        (1, "added", "experiment", "old", "Old idea", ""),
    ]


def test_deleted_records_are_told_by_the_records_rules_against_the_files_git_knew(repo, at):
    repo.write("experiments/bert/experiment.yaml", experiment("BERT"))
    repo.write("experiments/bert/params.yaml", "lr: 0.1\n")
    repo.write("experiments/_drafts/idea.yaml", experiment("Idea"))
    repo.write("models/fraud/README.md", model("Fraud"))
    repo.write("models/fraud/eval.md", "# Evaluation notes\n")
    repo.write("decisions/summary.md", "# Decisions\n\n{{ adr_summary() }}\n")
    repo.commit("Start (#1)", date=at(1))
    for path in ("experiments/bert", "experiments/_drafts", "models/fraud", "decisions/summary.md"):
        repo.git("rm", "-rq", path)
    repo.commit("Clean up (#2)", date=at(2))

    feed = history(repo.path).feed

    # One record each for the directory forms (their other files are attachments); drafts and indexes none.
    assert [(f.change.pr, f.change.action, f.kind, f.record_id, f.title) for f in feed] == [
        (2, "deleted", "experiment", "bert", "BERT"), (2, "deleted", "model", "fraud", "Fraud"),
        (1, "added", "experiment", "bert", "BERT"), (1, "added", "model", "fraud", "Fraud")]
