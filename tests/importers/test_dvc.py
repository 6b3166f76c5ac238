"""`mlreport import dvc`: runs written by the real DVCLive (and `dvc exp show --json`), imported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mlreport.config import load_options
from mlreport.validate import read_records
from tests.importers import require

dvclive = require("dvclive")


def log_run(folder: Path, *, save_exp: bool = False, name: str | None = None) -> None:
    """A short training run as DVCLive logs one: params, nested metric names, three steps."""
    cwd = Path.cwd()
    os.chdir(folder.parent)  # DVCLive finds the repository from the working folder
    try:
        with dvclive.Live(folder.name, save_dvc_exp=save_exp, exp_name=name) as live:
            live.log_params({"lr": 0.01, "optimizer": {"name": "adam"}})
            for step in range(3):
                live.log_metric("train/loss", 1 / (step + 1))
                live.log_metric("acc", 0.5 + step / 10)
                live.next_step()
    finally:
        os.chdir(cwd)


@pytest.fixture
def live_repo(repo):
    """A repo with DVCLive's default folder at its top, written by DVCLive."""
    repo.commit("Start")
    log_run(repo.path / "dvclive")
    return repo


def read(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_the_dvclive_folder_becomes_a_record_whose_curves_are_read_in_place(cli, live_repo) -> None:
    result = cli("import", "dvc", "--root", live_repo.path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["created experiments/dvclive/experiment.yaml",
                                          "1 created, 0 updated, 0 unchanged"]
    record = read(live_repo.path / "experiments/dvclive/experiment.yaml")
    assert record["params"] == {"lr": 0.01, "optimizer": {"name": "adam"}}
    assert record["metrics"] == {"train": {"loss": pytest.approx(1 / 3)}, "acc": pytest.approx(0.7)}
    assert record["history"] == "dvclive/plots/metrics"
    assert record["source"] == {"tool": "dvc", "path": "dvclive"}
    assert not (live_repo.path / "experiments/dvclive/history").exists()

    assert cli("validate", "--strict", "--root", live_repo.path).exit_code == 0
    experiment = read_records(load_options(live_repo.path)).catalog.experiments["dvclive"]
    assert sorted(experiment.history) == ["acc", "train.loss"]
    assert [point[0] for point in experiment.history["train.loss"]] == [0.0, 1.0, 2.0]
    again = cli("import", "dvc", "--root", live_repo.path)
    assert again.stdout.splitlines() == ["0 created, 0 updated, 1 unchanged"]


def test_a_folder_outside_the_project_has_its_curves_copied(cli, repo, tmp_path) -> None:
    elsewhere = tmp_path / "runs"
    elsewhere.mkdir()
    log_run(elsewhere / "live")
    result = cli("import", "dvc", elsewhere / "live", "--root", repo.path)
    assert result.exit_code == 0, result.output
    record_file = next((repo.path / "experiments").rglob("experiment.yaml"))
    assert read(record_file)["history"] == "history"
    assert sorted(p.name for p in (record_file.parent / "history").iterdir()) == ["acc.tsv", "train.loss.tsv"]
    assert cli("validate", "--strict", "--root", repo.path).exit_code == 0


def test_a_metric_that_is_not_a_number_is_left_out_with_a_warning(cli, live_repo) -> None:
    metrics = live_repo.path / "dvclive/metrics.json"
    metrics.write_text('{"acc": 0.7, "train": {"loss": "diverged"}}')
    result = cli("import", "dvc", "--root", live_repo.path)
    assert result.exit_code == 0
    assert result.stderr == ("warning: dvclive/metrics.json: metric 'train.loss' is string 'diverged', "
                             "not a number; left out\n")
    assert read(live_repo.path / "experiments/dvclive/experiment.yaml")["metrics"] == {"acc": 0.7}


def test_broken_json_and_a_folder_that_is_not_dvclives_are_one_line(cli, live_repo) -> None:
    (live_repo.path / "dvclive/metrics.json").write_text('{"acc": 0.7,\n  "loss": }\n')
    broken = cli("import", "dvc", "--root", live_repo.path)
    assert broken.exit_code == 1
    assert broken.stderr == ("dvclive/metrics.json:2:11: error: invalid JSON: Expecting value "
                             "(DVC writes this file; run it again, or fix the file)\n")
    not_live = cli("import", "dvc", live_repo.path / "dvclive/plots", "--root", live_repo.path)
    assert not_live.exit_code == 1
    assert not_live.stderr.startswith("error: dvclive/plots is not a DVCLive folder: it has no metrics.json (")


def test_dvc_experiments_come_in_from_exp_show_json(cli, repo) -> None:
    dvc = Path(sys.executable).with_name("dvc")
    subprocess.run([dvc, "init", "-q"], cwd=repo.path, check=True)
    repo.commit("Set up DVC")
    log_run(repo.path / "dvclive", save_exp=True, name="small-lr")
    shown = subprocess.run([dvc, "exp", "show", "--json"], cwd=repo.path, check=True, capture_output=True,
                           text=True).stdout
    (repo.path / "experiments.json").write_text(shown)
    result = cli("import", "dvc", repo.path / "experiments.json", "--root", repo.path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "created experiments/small-lr/experiment.yaml"
    record = read(repo.path / "experiments/small-lr/experiment.yaml")
    assert record["params"]["lr"] == 0.01 and record["metrics"]["acc"] == pytest.approx(0.7)
    assert record["source"]["tool"] == "dvc" and len(record["source"]["rev"]) == 40
    assert record["extra"]["dvc"]["baseline_rev"] == repo.git("rev-parse", "HEAD").strip()
    assert cli("validate", "--strict", "--root", repo.path).exit_code == 0
