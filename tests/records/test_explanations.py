"""Explanations on experiments: importances inline or from a file, sorted; bad ones located."""

from __future__ import annotations

from mlreport.config import load_options
from mlreport.records.experiment import Explanations, load_experiment
from mlreport.validate import read_records
from mlreport.records.source import Reader

RUN = "title: Fraud GBM\ndate: 2026-01-10\n"


def test_inline_importances_are_sorted_by_size(repo) -> None:
    path = repo.write("experiments/gbm.yaml", RUN + """\
explanations:
  method: shap
  feature_importance: {amount: 0.12, merchant.risk: 0.31, hour: -0.2}
  notes: Mean SHAP value on the test split.
""")
    experiment, problems = load_experiment(path, Reader(repo.path))
    assert problems == []
    assert experiment.explanations == Explanations(
        (("merchant.risk", 0.31), ("hour", -0.2), ("amount", 0.12)), "shap", "Mean SHAP value on the test split.")


def test_importances_from_a_tsv_file(repo) -> None:
    repo.write("experiments/gbm/importance.tsv", "feature\timportance\nhour\t0.05\namount\t0.4\n")
    path = repo.write("experiments/gbm/experiment.yaml", RUN + "explanations: {method: gain, "
                                                                "feature_importance: importance.tsv}\n")
    experiment, problems = load_experiment(path, Reader(repo.path))
    assert problems == []
    assert experiment.explanations.feature_importance == (("amount", 0.4), ("hour", 0.05))


def test_bad_explanations_are_located(repo, cli) -> None:
    repo.write("experiments/a.yaml", RUN + "explanations: {method: shapley, feature_importance: {x: high}}\n")
    repo.write("experiments/b/importance.csv", "name,score\nx,1\n")
    repo.write("experiments/b/experiment.yaml", RUN + "explanations: {feature_importance: importance.csv}\n")
    repo.write("experiments/c.yaml", RUN + "explanations: {feature_importance: missing.csv, why: because}\n")
    result = cli("validate", "--root", repo.path)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:5] == [
        "experiments/a.yaml:3:24: error: `explanations.method` must be one of shap, gain, split, permutation, lime, "
        "integrated-gradients, coefficients; found string 'shapley' (did you mean `shap`?)",
        "experiments/a.yaml:3:57: error: `explanations.feature_importance.x` must be a number; found string 'high' "
        "(importances are numbers, `{amount: 0.31}`, or a CSV/TSV path with feature, importance columns)",
        "experiments/b/importance.csv:1:1: error: feature importance file needs a `feature` and an `importance` "
        "column; its columns are: 'name, score' (the first line names the columns: feature, importance)",
        "experiments/c.yaml:3:36: error: `explanations.feature_importance` file not found: 'missing.csv' "
        "(paths are relative to experiments/ or to the project's top folder)",
        "experiments/c.yaml:3:49: error: unknown key `why` in `explanations` (allowed here: feature_importance, "
        "method, notes)",
    ]
    assert read_records(load_options(repo.path)).failed
