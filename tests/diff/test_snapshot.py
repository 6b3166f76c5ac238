"""Which BASE `mlreport diff` reads, and how: from git, through submodules, never touching the work tree."""

from __future__ import annotations

import json

from repos import GitRepo, new_repo
from tests.diff.conftest import MKDOCS, experiment, markdown, placement, report


def test_default_base_is_the_merge_base_with_main(cli, feature):
    feature.write("experiments/fraud-gru.yaml", experiment("GRU", test__pr_auc=0.9))
    feature.commit("Branch work")
    fork_point = feature.git("rev-parse", "main").strip()
    feature.git("checkout", "-q", "main")
    feature.write("experiments/fraud-svm.yaml", experiment("SVM", test__pr_auc=0.6))
    feature.commit("Meanwhile on main")
    feature.git("checkout", "-q", "feature")

    data = report(cli, feature)
    assert data["base"] == {"ref": "merge base with main", "commit": fork_point}
    # main's later experiment is not reported as removed by the branch.
    assert [(r["id"], r["change"]) for r in data["experiments"]] == [("fraud-gru", "added")]
    # Naming BASE compares with it as it is, as `git diff main` does.
    named = report(cli, feature, "main")
    assert named["base"]["ref"] == "main"
    assert ("fraud-svm", "removed") in [(r["id"], r["change"]) for r in named["experiments"]]


def test_default_branch_from_origin_head(cli, feature, tmp_path):
    origin = tmp_path / "origin.git"
    feature.git("clone", "-q", "--bare", str(feature.path), str(origin))
    feature.git("remote", "add", "origin", str(origin))
    feature.git("fetch", "-q", "origin")
    feature.git("branch", "-q", "-m", "main", "trunk")  # no local main: origin/HEAD must be used
    feature.git("remote", "set-head", "origin", "main")
    feature.write("experiments/fraud-gru.yaml", experiment("GRU", test__pr_auc=0.9))
    assert report(cli, feature)["base"]["ref"] == "merge base with origin/main"


def test_work_tree_and_index_are_untouched(cli, feature):
    feature.write("experiments/fraud-gru.yaml", experiment("GRU", test__pr_auc=0.9))
    feature.commit("GRU")
    feature.write("experiments/fraud-xgb.yaml", experiment("XGBoost", test__pr_auc=0.81))  # uncommitted
    feature.write("experiments/fraud-new.yaml", experiment("Untracked", test__pr_auc=0.5))  # untracked
    feature.git("add", "experiments/fraud-new.yaml")
    before = (feature.git("status", "--porcelain=v1", "--untracked-files=all"), feature.git("diff", "--cached"),
              feature.git("rev-parse", "HEAD"), feature.git("stash", "list"), feature.git("worktree", "list"))

    data = report(cli, feature)
    markdown(cli, feature)

    after = (feature.git("status", "--porcelain=v1", "--untracked-files=all"), feature.git("diff", "--cached"),
             feature.git("rev-parse", "HEAD"), feature.git("stash", "list"), feature.git("worktree", "list"))
    assert after == before
    # The uncommitted and staged edits are what the report reads.
    assert {r["id"]: r["change"] for r in data["experiments"]} == {
        "fraud-gru": "added", "fraud-new": "added", "fraud-xgb": "changed"}


def test_records_in_a_subfolder_of_the_repository(cli, repo):
    repo.write("site/mkdocs.yml", MKDOCS)
    repo.write("site/experiments/fraud-xgb.yaml", experiment("XGBoost", test__pr_auc=0.8))
    repo.commit("Records under site/")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("site/experiments/fraud-gru.yaml", experiment("GRU", test__pr_auc=0.9))

    result = cli("diff", "--root", repo.path / "site", "--format", "json")
    data = json.loads(result.output)
    assert [(r["id"], r["change"], r["path"]) for r in data["experiments"]] == [
        ("fraud-gru", "added", "experiments/fraud-gru.yaml")]
    assert placement(data, "fraud-gru", "Fraud PR-AUC")["best"] == "fraud-xgb"


def test_records_in_a_submodule_are_read_at_base_from_the_submodules_own_repository(cli, repo, tmp_path):
    shared = new_repo(tmp_path / "shared")
    shared.write("fraud-xgb.yaml", experiment("XGBoost", test__pr_auc=0.80))
    shared.write("fraud-old.yaml", experiment("Old model", test__pr_auc=0.60))
    shared.commit("Shared runs")
    repo.write("mkdocs.yml", MKDOCS)
    repo.write("experiments/fraud-logreg.yaml", experiment("Logistic regression", test__pr_auc=0.70))
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(shared.path), "experiments/shared")
    repo.commit("Records on main, some from the shared repository")
    repo.git("checkout", "-q", "-b", "feature")
    # The branch moves the submodule to a commit that changes one of its records.
    inside = GitRepo(repo.path / "experiments/shared")
    inside.write("fraud-xgb.yaml", experiment("XGBoost", test__pr_auc=0.85))
    inside.commit("Tune XGBoost")
    repo.commit("Take the tuned XGBoost")

    data = report(cli, repo)

    assert {r["id"]: r["change"] for r in data["experiments"]} == {"fraud-xgb": "changed"}


def test_a_record_folder_that_is_a_submodule_is_read_at_base_from_it(cli, repo, tmp_path):
    shared = new_repo(tmp_path / "shared")
    shared.write("fraud-xgb.yaml", experiment("XGBoost", test__pr_auc=0.80))
    shared.commit("Shared runs")
    repo.write("mkdocs.yml", MKDOCS)
    repo.write("decisions/0001-use-xgboost.md", "---\nstatus: accepted\ndate: 2026-01-12\n---\n# Use XGBoost\n")
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(shared.path), "experiments")
    repo.commit("Records on main, the experiments from the shared repository")
    repo.git("checkout", "-q", "-b", "feature")
    inside = GitRepo(repo.path / "experiments")
    inside.write("fraud-xgb.yaml", experiment("XGBoost", test__pr_auc=0.85))
    inside.commit("Tune XGBoost")
    repo.commit("Take the tuned XGBoost")

    data = report(cli, repo)

    assert {r["id"]: r["change"] for r in data["experiments"]} == {"fraud-xgb": "changed"}
    assert data["decisions"] == []


def test_a_submodule_without_bases_commit_is_a_clear_error(cli, repo, tmp_path):
    shared = new_repo(tmp_path / "shared")
    shared.write("fraud-xgb.yaml", experiment("XGBoost", test__pr_auc=0.80))
    shared.commit("Shared runs")
    repo.write("mkdocs.yml", MKDOCS)
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(shared.path), "experiments/shared")
    repo.commit("Shared records on main")
    base = repo.git("-C", "experiments/shared", "rev-parse", "HEAD").strip()
    repo.git("checkout", "-q", "-b", "feature")
    # The submodule's clone is replaced by one that never had BASE's commit.
    inside = repo.path / "experiments/shared"
    repo.git("-C", str(inside), "checkout", "-q", "--orphan", "fresh")
    repo.git("-C", str(inside), "commit", "-q", "-m", "Start over")
    repo.git("-C", str(inside), "branch", "-q", "-D", "main")
    repo.git("-C", str(inside), "remote", "remove", "origin")
    repo.git("-C", str(inside), "reflog", "expire", "--expire=now", "--all")
    repo.git("-C", str(inside), "gc", "-q", "--prune=now")

    result = cli("diff", "--root", repo.path)

    assert result.exit_code == 1 and "Traceback" not in result.output
    assert (f"the submodule experiments/shared lacks the commit {base[:12]} that BASE records for it; fetch it"
            in result.output)


def test_unknown_base_is_a_clear_error(cli, feature):
    result = cli("diff", "--root", feature.path, "no-such-branch")
    assert result.exit_code == 1
    assert "unknown revision 'no-such-branch'" in result.output


def test_outside_git_is_a_clear_error(cli, tmp_path):
    (tmp_path / "experiments").mkdir()
    result = cli("diff", "--root", tmp_path)
    assert result.exit_code == 1
    assert "is not inside a git repository" in result.output
