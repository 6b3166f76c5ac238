"""What `mlreport diff` says a branch changes: placements, statuses, cards, params, KPIs, queries."""

from __future__ import annotations

from tests.diff.conftest import CARD, decision, experiment, markdown, placement, record, report


def test_new_experiment_that_takes_first_place(cli, feature):
    feature.write("experiments/fraud-gru.yaml", experiment("GRU on sequences", baseline="fraud-xgb",
                                                           test__pr_auc=0.86))
    feature.commit("Add the GRU")

    data = report(cli, feature)
    gru = record(data, "experiments", "fraud-gru")
    assert gru["change"] == "added"
    spot = placement(data, "fraud-gru", "Fraud PR-AUC")
    assert (spot["rank"], spot["of"], spot["value"]) == (1, 3, 0.86)
    assert (spot["best"], spot["delta_best"], spot["vs_best"]) == ("fraud-xgb", 0.06, "better")
    assert (spot["baseline"], spot["delta_baseline"], spot["vs_baseline"]) == ("fraud-xgb", 0.06, "better")
    assert spot["new_best"] is True
    assert data["new_best"] == [{"experiment": "fraud-gru", "board": "Fraud PR-AUC", "value": 0.86}]
    assert data["summary"]["experiments"] == {"added": 1, "changed": 0, "affected": 0, "removed": 0}

    page = markdown(cli, feature)
    assert "🏆 `fraud-gru` is the new best on Fraud PR-AUC (0.86)" in page
    row = next(line for line in page.splitlines() if line.startswith("| `fraud-gru`"))
    assert "**#1 of 3** 🏆 new best" in row
    assert "✓ +0.06 vs `fraud-xgb`" in row
    # Its full record sits folded below: metrics and params of the new experiment.
    details = page.split("<details><summary>New experiments (1)</summary>", 1)[1]
    assert "| `test.pr_auc` | 0.86 |" in details and "| `learning_rate` | 0.1 |" in details


def test_new_experiment_that_loses_to_its_baseline(cli, feature):
    feature.write("experiments/fraud-tiny.yaml", experiment("Tiny trees", baseline="fraud-xgb", test__pr_auc=0.74))
    feature.commit("Try tiny trees")

    data = report(cli, feature)
    spot = placement(data, "fraud-tiny", "Fraud PR-AUC")
    assert (spot["rank"], spot["of"], spot["new_best"]) == (2, 3, False)
    assert (spot["delta_baseline"], spot["vs_baseline"]) == (-0.06, "worse")
    assert (spot["delta_best"], spot["vs_best"]) == (-0.06, "worse")
    assert data["new_best"] == []

    row = next(line for line in markdown(cli, feature).splitlines() if line.startswith("| `fraud-tiny`"))
    assert "#2 of 3" in row and "✗ -0.06 vs `fraud-xgb`" in row


def test_lower_is_better_metric_is_inferred_from_its_name(cli, feature):
    feature.write("experiments/rank-b.yaml", experiment("Ranker B", task="ranking", dataset="clicks",
                                                        baseline="rank-a", val__loss=0.40))
    feature.write("experiments/rank-c.yaml", experiment("Ranker C", task="ranking", dataset="clicks",
                                                        baseline="rank-a", val__loss=0.55))
    feature.commit("Two rankers")

    data = report(cli, feature)
    board = "ranking · clicks — val.loss"
    better = placement(data, "rank-b", board)
    assert better["goal"] == "min"
    assert (better["rank"], better["delta_best"], better["vs_best"], better["new_best"]) == (1, -0.1, "better", True)
    worse = placement(data, "rank-c", board)
    assert (worse["rank"], worse["of"], worse["delta_baseline"], worse["vs_baseline"]) == (3, 3, 0.05, "worse")

    page = markdown(cli, feature)
    assert "✓ -0.10 vs `rank-a`" in page and "✗ +0.05 vs `rank-a`" in page
    assert f"{board} ↓" in page


def test_experiment_opening_a_new_leaderboard(cli, feature):
    feature.write("experiments/churn-a.yaml", experiment("Churn A", task="churn", dataset="accounts", test__auc=0.7))
    feature.commit("A new task")

    spot = placement(report(cli, feature), "churn-a", "churn · accounts — test.auc")
    assert (spot["rank"], spot["of"], spot["new_board"], spot["new_best"], spot["best"]) == (1, 1, True, False, "")
    page = markdown(cli, feature)
    assert "#1 of 1 on a new leaderboard" in page and "🏆" not in page


def test_decision_accepted_in_the_branch(cli, feature):
    feature.write("decisions/0001-use-xgboost.md", decision("Use XGBoost", "accepted", "evidence: [fraud-xgb]"))
    feature.write("decisions/0002-drop-logreg.md", decision("Drop logistic regression", "proposed"))
    feature.commit("Accept XGBoost")

    data = report(cli, feature)
    accepted = record(data, "decisions", "0001")
    assert accepted["change"] == "changed"
    assert [(c["field"], c["old"], c["new"]) for c in accepted["fields"]] == [("status", "proposed", "accepted")]
    assert record(data, "decisions", "0002")["change"] == "added"

    page = markdown(cli, feature)
    assert "- `0001` Use XGBoost — proposed → **accepted**" in page
    assert "- `0002` Drop logistic regression — new (proposed)" in page


def test_supersession_reads_as_a_status_change_of_the_older_decision(cli, feature):
    feature.write("decisions/0002-use-gru.md", decision("Use the GRU", "accepted", 'supersedes: ["0001"]'))
    feature.commit("The GRU replaces XGBoost")

    data = report(cli, feature)
    assert record(data, "decisions", "0002")["supersedes"] == ["0001"]
    older = record(data, "decisions", "0001")
    assert [(c["field"], c["old"], c["new"]) for c in older["fields"]] == [("status", "proposed", "superseded")]
    assert "- `0002` Use the GRU — new (accepted); supersedes `0001`" in markdown(cli, feature)


def test_model_card_affected_through_its_experiment(cli, feature):
    feature.write("experiments/fraud-xgb.yaml", experiment("XGBoost", baseline="fraud-logreg", test__pr_auc=0.83))
    feature.commit("Re-evaluate XGBoost on the fixed split")

    data = report(cli, feature)
    xgb = record(data, "experiments", "fraud-xgb")
    assert [(m["field"], m["old"], m["new"], m["verdict"]) for m in xgb["metrics"]] == [
        ("test.pr_auc", 0.8, 0.83, "better")]
    assert xgb["params"] == [] and xgb["fields"] == []
    spot = placement(data, "fraud-xgb", "Fraud PR-AUC")
    assert (spot["rank"], spot["previous_rank"], spot["previous_value"], spot["value"]) == (1, 1, 0.8, 0.83)
    assert spot["best"] == "fraud-logreg"  # the leader at the base, the experiment itself aside
    card = record(data, "models", "fraud-scorer")
    assert card["change"] == "affected"
    assert [(e["experiment"], e["metric"], e["old"], e["new"], e["verdict"]) for e in card["evaluations"]] == [
        ("fraud-xgb", "test.pr_auc", 0.8, 0.83, "better")]

    page = markdown(cli, feature)
    assert "- `fraud-scorer` Fraud scorer — evaluation numbers change (an experiment it quotes changed)" in page
    assert "| `fraud-xgb` | `test.pr_auc` | — | 0.80 | 0.83 | ✓ +0.03 |" in page
    assert "| `test.pr_auc` | 0.80 | 0.83 | ✓ +0.03 |" in page


def test_changed_params_show_only_what_changed(cli, feature):
    text_ = (feature.path / "experiments/fraud-xgb.yaml").read_text().replace("depth: 6", "depth: 8")
    feature.write("experiments/fraud-xgb.yaml", text_.replace('"XGBoost"', '"XGBoost, deeper"')
                  + "notes: Deeper trees.\n")
    feature.commit("Deeper")

    xgb = record(report(cli, feature), "experiments", "fraud-xgb")
    assert [(c["field"], c["old"], c["new"]) for c in xgb["params"]] == [("depth", 6, 8)]
    assert [(c["field"], c["old"], c["new"]) for c in xgb["fields"]] == [("title", "XGBoost", "XGBoost, deeper")]
    assert xgb["metrics"] == [] and xgb["placements"] == [] and xgb["other"] == ["notes"]
    page = markdown(cli, feature)
    assert "| `params.depth` | 6 | 8 |" in page and "Also changed: notes" in page
    assert "learning_rate" not in page


def test_removed_records_are_listed(cli, feature):
    (feature.path / "experiments/rank-a.yaml").unlink()
    feature.commit("Drop the ranker")

    data = report(cli, feature)
    assert record(data, "experiments", "rank-a")["change"] == "removed"
    assert "**Removed**: experiment `rank-a`" in markdown(cli, feature)


def test_moved_record_is_a_move_not_a_removal_and_an_addition(cli, feature):
    (feature.path / "experiments/2026").mkdir()
    (feature.path / "experiments/rank-a.yaml").rename(feature.path / "experiments/2026/rank-a.yaml")
    feature.commit("File the ranker by year")

    data = report(cli, feature)
    moved = record(data, "experiments", "rank-a")
    assert (moved["change"], moved["moved"], moved["previous_path"]) == ("changed", True, "experiments/rank-a.yaml")
    assert moved["placements"] == []  # its standing did not move
    assert "| `rank-a` Ranker A | moved | — |" in markdown(cli, feature)


def test_branch_touching_no_records_says_so_in_one_line(cli, feature):
    feature.write("README.md", "# Records\n\nMore words.\n")
    feature.write("src/train.py", "print('training')\n")
    feature.commit("Docs and code only")

    data = report(cli, feature)
    assert data["touched"] is False
    assert data["experiments"] == data["decisions"] == data["models"] == []
    main = feature.git("rev-parse", "main").strip()
    assert markdown(cli, feature) == (f"**Records report**: this change touches no records against "
                                      f"`merge base with main` (`{main[:8]}`).\n")


def test_validation_errors_lead_the_report_which_still_renders(cli, feature):
    feature.write("experiments/fraud-gru.yaml", experiment("GRU", baseline="fraud-nope", test__pr_auc=0.9))
    feature.write("experiments/broken.yaml", "title: No date\n")
    feature.commit("Broken records")

    data = report(cli, feature)
    assert [(e["path"], e["line"]) for e in data["errors"]] == [("experiments/broken.yaml", 1),
                                                                ("experiments/fraud-gru.yaml", 5)]
    page = markdown(cli, feature)
    head, table = page.split("| Experiment |", 1)
    assert "❌ **2 error(s)**" in head
    assert "- `experiments/fraud-gru.yaml:5:11` `baseline` refers to unknown experiment" in head
    assert "| `fraud-gru` GRU | new |" in table


def test_each_new_experiment_says_which_targets_it_meets(cli, kpi_feature):
    kpi_feature.write("experiments/fraud-gbm.yaml", experiment("GBM", test__pr_auc=0.85, ops__latency_p99_ms=12.1))
    kpi_feature.write("experiments/fraud-fast.yaml", experiment("Fast GBM", test__pr_auc=0.79,
                                                                 ops__latency_p99_ms=6))
    kpi_feature.commit("Two GBMs")
    page = markdown(cli, kpi_feature)
    assert ("**KPI targets**\n\n"
            "- `fraud-fast` Fast GBM: meets 1 of 2 targets; misses `test.pr_auc`: 0.79 < 0.82 (at risk)\n"
            "- `fraud-gbm` GBM: meets 1 of 2 targets; misses `ops.latency_p99_ms`: 12.1 > 10\n") in page
    # No production number moved: nothing is flagged at the top.
    assert "KPI **" not in page
    data = report(cli, kpi_feature)
    gbm = record(data, "experiments", "fraud-gbm")
    assert [(t["kpi"]["metric"], t["value"], t["status"], t["meets"]) for t in gbm["targets"]] == [
        ("test.pr_auc", 0.85, "met", True), ("ops.latency_p99_ms", 12.1, "missed", False)]


def test_a_production_number_that_flips_a_kpi_leads_the_report(cli, kpi_feature):
    kpi_feature.write("experiments/fraud-xgb.yaml", experiment("XGBoost", baseline="fraud-logreg",
                                                               test__pr_auc=0.83))
    kpi_feature.commit("Re-evaluate XGBoost on the fixed split")
    page = markdown(cli, kpi_feature)
    top = page.split("\n\n")[2]
    assert top.startswith("- ✅ KPI **Fraud PR-AUC** (`test.pr_auc`, target >= 0.82): at risk → **met** "
                          "(0.80 → 0.83)")
    assert "- `fraud-xgb` XGBoost: meets 1 of 1 target\n" in page
    flips = report(cli, kpi_feature)["kpi_flips"]
    assert [(f["title"], f["old"], f["new"]) for f in flips] == [("Fraud PR-AUC", "at risk", "met")]


def test_a_production_card_taken_out_of_production_flips_its_kpis(cli, kpi_feature):
    kpi_feature.write("models/fraud-scorer.md", CARD.replace("status: production", "status: deprecated"))
    kpi_feature.commit("Retire the scorer")
    page = markdown(cli, kpi_feature)
    assert ("- 🚨 KPI **Fraud PR-AUC** (`test.pr_auc`, target >= 0.82): at risk → **no production model** "
            "(0.8 → —)") in page


def test_query_keeps_only_the_matching_experiments(cli, feature):
    feature.write("experiments/fraud-gru.yaml", experiment("GRU on sequences", test__pr_auc=0.86))
    feature.write("experiments/rank-b.yaml", experiment("Ranker B", task="ranking", dataset="clicks",
                                                         val__loss=0.40))
    feature.commit("Two new runs")
    assert [e["id"] for e in report(cli, feature)["experiments"]] == ["fraud-gru", "rank-b"]

    data = report(cli, feature, "--query", "task = 'ranking'")
    assert data["query"] == "task = 'ranking'"
    assert [e["id"] for e in data["experiments"]] == ["rank-b"]
    assert [board["title"] for board in data["leaderboards"]] == ["ranking · clicks — val.loss"]
    assert "experiments matching `task = 'ranking'`" in markdown(cli, feature, "--query", "task = 'ranking'")


def test_a_bad_query_is_one_line_and_exit_2(cli, feature):
    result = cli("diff", "--root", feature.path, "--query", "task = ranking")
    assert (result.exit_code, result.stderr) == (2, "query:1:8: expected a value after '='\n")
