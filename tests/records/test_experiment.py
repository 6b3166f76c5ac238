"""Experiment records: both file forms, flattening, history sources, and what bad input says."""

from __future__ import annotations

import datetime as dt

import pytest

from mlreport.config import Options
from mlreport.records import Experiment, Loaded, load_records
from mlreport.records.experiment import Dataset, Link


def load(repo) -> Loaded:
    """Every record of the test repo, with default options."""
    return load_records(Options(root=repo.path))


def only_experiment(repo) -> Experiment:
    loaded = load(repo)
    assert loaded.problems == []
    (experiment,) = loaded.experiments
    return experiment


def test_full_single_file_record(repo) -> None:
    repo.write("experiments/resnet50-aug.yaml", """
        title: ResNet-50 with RandAugment
        date: 2026-02-03
        status: running
        authors: [Ana Lima, Bo Chen]
        tags: [vision, augmentation]
        task: image-classification
        dataset: {name: receipts, version: "3.1", split: test, uri: s3://data/receipts}
        model: resnet50
        baseline: resnet50
        params:
          optimizer:
            name: adamw
            lr: 0.0003
          epochs: 30
        metrics:
          test:
            accuracy: 0.914
            top5: 0.991
          business:
            revenue_uplift: 12000
        code: {repo: https://git.example.com/vision, commit: 4f1c2ab, command: python train.py}
        data: {rows: 120000}
        environment: {gpu: A100}
        artifacts: [{name: weights, uri: s3://models/resnet50-aug.pt}]
        links: [{title: MLflow run, url: https://mlflow.example.com/runs/42}]
        notes: Augmentation helps most on the rare classes.
        extra: {cost_center: vision}
        """)
    experiment = only_experiment(repo)
    assert experiment.id == "resnet50-aug"
    assert experiment.path == "experiments/resnet50-aug.yaml"
    assert experiment.title == "ResNet-50 with RandAugment"
    assert experiment.date == dt.date(2026, 2, 3)
    assert experiment.status == "running"
    assert experiment.authors == ("Ana Lima", "Bo Chen")
    assert experiment.tags == ("vision", "augmentation")
    assert experiment.task == "image-classification"
    assert experiment.dataset == Dataset("receipts", "3.1", "test", "s3://data/receipts")
    assert experiment.dataset.label == "receipts@3.1"
    assert (experiment.model, experiment.baseline) == ("resnet50", "resnet50")
    assert experiment.params == {"optimizer.name": "adamw", "optimizer.lr": 0.0003, "epochs": 30}
    assert experiment.metrics == {"test.accuracy": 0.914, "test.top5": 0.991, "business.revenue_uplift": 12000.0}
    assert experiment.code["commit"] == "4f1c2ab"
    assert experiment.data == {"rows": 120000}
    assert experiment.environment == {"gpu": "A100"}
    assert experiment.artifacts == (Link("weights", "s3://models/resnet50-aug.pt"),)
    assert experiment.links == (Link("MLflow run", "https://mlflow.example.com/runs/42"),)
    assert experiment.notes == "Augmentation helps most on the rare classes."
    assert experiment.extra == {"cost_center": "vision"}


def test_minimal_record_defaults(repo) -> None:
    repo.write("experiments/first.yml", "title: First try\ndate: 2026-01-05\ndataset: receipts\n")
    experiment = only_experiment(repo)
    assert (experiment.id, experiment.status) == ("first", "completed")
    assert experiment.dataset == Dataset("receipts")
    assert experiment.params == experiment.metrics == experiment.history == {}


def test_id_written_in_the_record_wins_over_the_file_name(repo) -> None:
    repo.write("experiments/run-2026-01-05.yaml", "id: xgb-depth8\ntitle: XGB\ndate: 2026-01-05\n")
    assert only_experiment(repo).id == "xgb-depth8"


def test_subfolders_keep_ids_from_file_names(repo) -> None:
    repo.write("experiments/2026/q1/xgb-depth8.yaml", "title: XGB depth 8\ndate: 2026-01-05\n")
    repo.write("experiments/2026/q1/xgb-depth6.yaml", "title: XGB depth 6\ndate: 2026-01-04\n")
    loaded = load(repo)
    assert loaded.problems == []
    assert {e.id: e.path for e in loaded.experiments} == {
        "xgb-depth6": "experiments/2026/q1/xgb-depth6.yaml", "xgb-depth8": "experiments/2026/q1/xgb-depth8.yaml"}


def test_hidden_and_underscore_folders_are_skipped(repo) -> None:
    repo.write("experiments/.cache/scratch.yaml", "not: a record\n")
    repo.write("experiments/_drafts/half-done.yaml", "title: no date yet\n")
    repo.write("experiments/kept.yaml", "title: Kept\ndate: 2026-01-05\n")
    assert only_experiment(repo).id == "kept"


def test_directory_form_with_notes_history_and_attachments(repo) -> None:
    repo.write("experiments/bert-base/experiment.yaml", """
        title: BERT base fine-tune
        date: 2026-03-01
        history: history.csv
        metrics: {val: {f1: 0.88}}
        """)
    repo.write("experiments/bert-base/notes.md", "# What we learned\n\nWarm-up matters.\n")
    repo.write("experiments/bert-base/history.csv", "step,train.loss,val.f1\n1,0.9,0.70\n2,0.6,\n3,0.4,0.88\n")
    # Beside and below the record: DVC's params.yaml and DVCLive's outputs are attachments, not records.
    repo.write("experiments/bert-base/params.yaml", "lr: 0.00002\n")
    repo.write("experiments/bert-base/dvclive/params.yaml", "lr: 0.00002\n")
    experiment = only_experiment(repo)
    assert (experiment.id, experiment.path) == ("bert-base", "experiments/bert-base/experiment.yaml")
    assert experiment.notes == "# What we learned\n\nWarm-up matters.\n"
    assert experiment.history == {"train.loss": ((1.0, 0.9), (2.0, 0.6), (3.0, 0.4)),
                                  "val.f1": ((1.0, 0.70), (3.0, 0.88))}


def test_inline_notes_win_over_notes_file(repo) -> None:
    repo.write("experiments/x/experiment.yaml", "title: X\ndate: 2026-01-05\nnotes: Inline.\n")
    repo.write("experiments/x/notes.md", "From the file.\n")
    assert only_experiment(repo).notes == "Inline."


def test_a_link_in_notes_to_a_file_that_is_not_there_warns_where_it_is_written(repo, cli) -> None:
    repo.write("experiments/bert/experiment.yaml", "title: BERT\ndate: 2026-03-01\n")
    repo.write("experiments/bert/notes.md", "# Notes\n\nSee [the plot](plots/roc.png) and ![curve](curve.svg).\n"
                                            "Fine: [here](analysis.md#top), [web](https://example.com/x.md), "
                                            "[anchor](#notes), `[code](nowhere.md)`.\n\n```\n[fenced](gone.md)\n```\n")
    repo.write("experiments/bert/analysis.md", "# Analysis\n")
    repo.write("experiments/small.yaml", "title: Small\ndate: 2026-03-01\nnotes: Read [the notes](notes.md).\n")
    loaded = load_records(Options(root=repo.path), cached=True)
    assert [p.format_text() for p in loaded.problems] == [
        "experiments/bert/notes.md:3:16: warning: the link to `plots/roc.png` leads nowhere: there is no "
        "experiments/bert/plots/roc.png (fix the path (relative to the record's folder) or add the file)",
        "experiments/bert/notes.md:3:44: warning: the link to `curve.svg` leads nowhere: there is no "
        "experiments/bert/curve.svg (fix the path (relative to the record's folder) or add the file)",
        "experiments/small.yaml:3:8: warning: the link to `notes.md` leads nowhere: there is no "
        "experiments/notes.md (fix the path (relative to the record's folder) or add the file)"]
    # The warning goes once the file is there, though the record was cached without it.
    repo.write("experiments/notes.md", "# Shared notes\n")
    cached = load_records(Options(root=repo.path), cached=True)
    assert [p.path for p in cached.problems] == ["experiments/bert/notes.md"] * 2
    result = cli("validate", "--root", repo.path)
    assert "small.yaml" not in result.output and "notes.md:3:16: warning" in result.output


def test_history_inline(repo) -> None:
    repo.write("experiments/a.yaml", """
        title: A
        date: 2026-01-05
        history:
          val.loss: [[1, 0.9], [2, 0.7], [3, 0.65]]
          train.loss: [[1, 1.1], [2, 0.8]]
        """)
    assert only_experiment(repo).history == {"val.loss": ((1.0, 0.9), (2.0, 0.7), (3.0, 0.65)),
                                             "train.loss": ((1.0, 1.1), (2.0, 0.8))}


def test_history_tsv_file(repo) -> None:
    repo.write("experiments/a.yaml", "title: A\ndate: 2026-01-05\nhistory: curves/a.tsv\n")
    repo.write("experiments/curves/a.tsv", "step\tloss\n0\t2.5\n100\t1.25\n")
    assert only_experiment(repo).history == {"loss": ((0.0, 2.5), (100.0, 1.25))}


def test_history_dvclive_folder(repo) -> None:
    repo.write("experiments/cnn/experiment.yaml", "title: CNN\ndate: 2026-01-05\nhistory: dvclive/plots/metrics\n")
    repo.write("experiments/cnn/dvclive/plots/metrics/train/loss.tsv",
               "timestamp\tstep\tloss\n1767600000000\t0\t2.31\n1767600060000\t1\t1.72\n")
    repo.write("experiments/cnn/dvclive/plots/metrics/eval/accuracy.tsv",
               "timestamp\tstep\taccuracy\n1767600000000\t0\t0.41\n1767600060000\t1\t0.63\n")
    assert only_experiment(repo).history == {"eval.accuracy": ((0.0, 0.41), (1.0, 0.63)),
                                             "train.loss": ((0.0, 2.31), (1.0, 1.72))}


@pytest.mark.parametrize("record, expected", [
    ("title: ''\ndate: 2026-01-05\n", "1:8: error: `title` must not be empty (write the title)"),
    ("date: 2026-01-05\n", "1:1: error: missing required key `title` in the record (add `title: A short human title`)"),
    ("title: A\ndate: 5 January 2026\n",
     "2:7: error: `date` must be a date; found string '5 January 2026' (write dates as YYYY-MM-DD)"),
    ("title: A\ndate: 2026-01-05\nstatus: Done\n",
     "3:9: error: `status` must be one of planned, running, completed, failed, abandoned; found string 'Done' "
     "(did you mean `completed`?)"),
    ("title: A\ndate: 2026-01-05\nauthors: Ana Lima\n",
     "3:10: error: `authors` must be a list; found string 'Ana Lima' (write a YAML list: `authors: [ana, bo]`)"),
    ("title: A\ndate: 2026-01-05\nparams: [lr, 0.1]\n",
     "3:9: error: `params` must be a mapping; found a list of 2 (params are a mapping, nested allowed)"),
    ("title: A\ndate: 2026-01-05\ncode: {commit: 1234567}\n",
     '3:16: error: `code.commit` must be text; found number 1234567 (quote it: `commit: "1234567"`)'),
    ("title: A\ndate: 2026-01-05\ndataset: {name: receipts, versoin: 2}\n",
     "3:27: error: unknown key `versoin` in `dataset` (did you mean `version`?)"),
    ("title: A\ndate: 2026-01-05\nhistory:\n  loss: [[1, 0.5], [2, high]]\n",
     "4:24: error: `history.loss.1.1` must be a number; found string 'high' "
     "(inline `{metric: [[step, value], …]}` or a path to a CSV/TSV file)"),
    ("title: A\ndate: 2026-01-05\nlinks: [{title: MLflow}]\n",
     "3:9: error: missing required key `url` in `links.0` (add `url: …`)"),
    ("title: A\ndate: 2026-01-05\nbaselin: other\n", "3:1: warning: unknown key `baselin` (did you mean `baseline`?)"),
    ("title: A\ndate: 2026-01-05\nmetrics:\n  test: {auc: .nan}\n",
     "4:15: warning: metric `test.auc` is NaN: it is left out of tables, leaderboards and charts "
     "(record the number the run reached, or leave the metric out)"),
    ("title: A\ndate: 2026-01-05\nmetrics: {loss: -.inf}\n",
     "3:17: warning: metric `loss` is minus infinity: it is left out of tables, leaderboards and charts "
     "(record the number the run reached, or leave the metric out)"),
    ("title: A\ndate: 2026-01-05\nowner: ana\n",
     "3:1: warning: unknown key `owner` (team-specific fields belong under `extra:`)"),
])
def test_bad_record(repo, record: str, expected: str) -> None:
    repo.write("experiments/a.yaml", record)
    assert [p.format_text() for p in load(repo).problems] == [f"experiments/a.yaml:{expected}"]


def test_parameters_json_cannot_hold_are_kept_as_text(repo) -> None:
    repo.write("experiments/a.yaml", "title: A\ndate: 2026-01-05\n"
                                     "params: {lr: .nan, clip: .inf, wd: 0.1, since: 2026-01-02}\n")
    assert only_experiment(repo).params == {"lr": "nan", "clip": "inf", "wd": 0.1, "since": "2026-01-02"}


def test_file_name_that_is_no_valid_id(repo) -> None:
    repo.write("experiments/My Run.yaml", "title: A\ndate: 2026-01-05\n")
    assert [p.format_text() for p in load(repo).problems] == [
        "experiments/My Run.yaml:1:1: error: file name gives the id 'My Run', which is not a valid id "
        "(rename the file to a lowercase slug, or set `id:`)"]


def test_history_step_that_is_not_a_number(repo) -> None:
    repo.write("experiments/a.yaml", "title: A\ndate: 2026-01-05\nhistory: a.csv\n")
    repo.write("experiments/a.csv", "step,loss\n1,0.5\nlast,0.4\n")
    loaded = load(repo)
    assert [p.format_text() for p in loaded.problems] == [
        "experiments/a.csv:3:1: error: `step` must be a number; found 'last' "
        "(each row needs the step its values were logged at)"]
    # The record still loads, without the unreadable curve.
    assert loaded.experiments[0].history == {}


def test_history_file_the_csv_module_cannot_read_is_a_located_error(repo) -> None:
    repo.write("experiments/a.yaml", "title: A\ndate: 2026-01-05\nhistory: a.csv\n")
    repo.write("experiments/a.csv", "step,loss\n1,0.5\n2,\"" + "x" * 200_000 + "\"\n")
    assert [p.format_text() for p in load(repo).problems] == [
        "experiments/a.csv:3:1: error: history file cannot be read: field larger than field limit (131072) "
        "(one line per step, values separated by commas (tabs in a .tsv))"]


def test_history_folder_must_stay_inside_the_project(repo, tmp_path) -> None:
    (tmp_path / "outside.csv").write_text("step,loss\n1,0.5\n")
    repo.write("experiments/a/experiment.yaml", "title: A\ndate: 2026-01-05\nhistory: ../../../outside.csv\n")
    loaded = load(repo)
    assert [p.format_text() for p in loaded.problems] == [
        "experiments/a/experiment.yaml:3:10: error: `history` points outside the project: "
        "'../../../outside.csv' (keep history files inside the project's folder)"]
    assert loaded.experiments[0].history == {}


def test_history_symlink_out_of_the_folder_is_refused(repo, tmp_path) -> None:
    (tmp_path / "secret.csv").write_text("step,loss\n1,0.5\n")
    repo.write("experiments/a/experiment.yaml", "title: A\ndate: 2026-01-05\nhistory: curves.csv\n")
    (repo.path / "experiments/a/curves.csv").symlink_to(tmp_path / "secret.csv")
    assert [p.format_text() for p in load(repo).problems] == [
        f"experiments/a/experiment.yaml:3:10: error: `experiments/a/curves.csv` leads outside the repository, "
        f"to {str(tmp_path / 'secret.csv')!r}: nothing is read from it (keep the file in the repository (copy it "
        "in instead of linking to it), or remove the link)"]


def test_history_may_name_a_dvclive_folder_anywhere_in_the_project(repo) -> None:
    repo.write("dvclive/plots/metrics/train/loss.tsv", "timestamp\tstep\tloss\n1\t0\t0.9\n2\t1\t0.7\n")
    repo.write("dvclive/plots/metrics/acc.tsv", "timestamp\tstep\tacc\n1\t0\t0.5\n")
    repo.write("experiments/2026/run.yaml", "title: Run\ndate: 2026-01-05\nhistory: dvclive/plots/metrics\n")
    loaded = load(repo)
    assert loaded.problems == []
    assert loaded.experiments[0].history == {"acc": ((0.0, 0.5),), "train.loss": ((0.0, 0.9), (1.0, 0.7))}


def test_history_beside_the_record_wins_over_the_same_path_from_the_top(repo) -> None:
    repo.write("curves.csv", "step,loss\n1,9\n")
    repo.write("experiments/curves.csv", "step,loss\n1,0.5\n")
    repo.write("experiments/run.yaml", "title: Run\ndate: 2026-01-05\nhistory: curves.csv\n")
    assert load(repo).experiments[0].history == {"loss": ((1.0, 0.5),)}
