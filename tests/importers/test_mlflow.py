"""`mlreport import mlflow`: runs logged with the real MLflow client into file and SQLite stores, imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sitekit import read_page

from mlreport.importers.mlflow_runs import run_record
from tests.importers import require

mlflow = require("mlflow")

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(autouse=True)
def _file_stores_allowed(monkeypatch) -> None:
    # MLflow refuses to create file stores unless told; the tests create one, as teams' old stores are.
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")


def log_sweep(uri: str) -> dict[str, str]:
    """A sweep as teams log one: a parent run and two children with params, tags, curves; their run ids."""
    client = mlflow.MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment("fraud")
    parent = client.create_run(experiment, run_name="lgbm sweep", tags={
        "mlflow.user": "ana", "mlflow.source.git.commit": COMMIT, "mlflow.source.name": "train.py",
        "task": "fraud-detection", "dataset": "transactions", "team": "risk"})
    ids = {"parent": parent.info.run_id}
    for number, (lr, auc) in enumerate([(0.1, 0.91), (0.05, 0.94)], start=1):
        child = client.create_run(experiment, run_name=f"trial {number}", tags={
            "mlflow.parentRunId": parent.info.run_id, "mlflow.user": "ana", "task": "fraud-detection",
            "dataset": "transactions"})
        run_id = child.info.run_id
        client.log_param(run_id, "learning_rate", str(lr))
        client.log_param(run_id, "early_stopping", "True")
        client.log_param(run_id, "objective", "binary")
        for step in range(3):
            client.log_metric(run_id, "train/loss", 1.0 / (step + 1) + lr, step=step)
        client.log_metric(run_id, "test.auc", auc)
        client.set_terminated(run_id, "FINISHED")
        ids[f"trial {number}"] = run_id
    client.set_terminated(parent.info.run_id, "FAILED")
    return ids


@pytest.fixture(params=["file", "sqlite"])
def store(request, tmp_path: Path) -> tuple[str, dict[str, str]]:
    """A real MLflow store of each kind, with the sweep logged into it."""
    uri = (tmp_path / "mlruns").as_uri() if request.param == "file" else f"sqlite:///{tmp_path / 'mlflow.db'}"
    return uri, log_sweep(uri)


def read(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_each_run_becomes_a_record_that_validates_strictly_and_builds(cli, repo, store, tmp_path) -> None:
    uri, ids = store
    result = cli("import", "mlflow", "--tracking-uri", uri, "--root", repo.path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "3 created, 0 updated, 0 unchanged"
    trial = read(repo.path / "experiments/trial-2/experiment.yaml")
    assert trial["title"] == "trial 2" and trial["status"] == "completed" and trial["authors"] == ["ana"]
    assert trial["params"] == {"early_stopping": True, "learning_rate": 0.05, "objective": "binary"}
    assert trial["metrics"] == {"test.auc": 0.94, "train.loss": pytest.approx(1 / 3 + 0.05)}
    assert (trial["task"], trial["dataset"]) == ("fraud-detection", "transactions")
    assert trial["extra"]["mlflow"] == {"experiment": "fraud", "parent": ids["parent"]}
    assert trial["source"]["run_id"] == ids["trial 2"] and trial["source"]["tool"] == "mlflow"
    tsv = (repo.path / "experiments/trial-2/history/train.loss.tsv").read_text().splitlines()
    assert tsv[0] == "step\tloss" and len(tsv) == 4
    parent = read(repo.path / "experiments/lgbm-sweep/experiment.yaml")
    assert parent["status"] == "failed" and parent["code"] == {"commit": COMMIT, "path": "train.py"}
    assert parent["tags"] == ["team=risk"] and "tags" not in parent["extra"]["mlflow"]

    assert cli("validate", "--strict", "--root", repo.path).exit_code == 0
    repo.commit("Import the sweep")
    built = cli("build", "--strict", "--root", repo.path, "--site-dir", tmp_path / "site")
    assert built.exit_code == 0, built.output
    page = read_page(tmp_path / "site", "experiments/trial-2/").text
    assert "0.94" in page and "learning_rate" in page and "train.loss" in page
    assert f"imported from mlflow run_id: {ids['trial 2']}" in page
    board = read_page(tmp_path / "site", "leaderboards/").text
    assert "trial 2" in board and "fraud-detection" in board
    found = cli("query", "tags.team = 'risk'", "--root", repo.path)
    assert found.exit_code == 0 and "lgbm-sweep" in found.stdout and "trial-1" not in found.stdout


def test_importing_again_updates_in_place_and_keeps_a_persons_edit(cli, repo, store) -> None:
    uri, ids = store
    cli("import", "mlflow", "--tracking-uri", uri, "--root", repo.path)
    path = repo.path / "experiments/trial-1/experiment.yaml"
    path.write_text(path.read_text().replace("title: trial 1", "title: The first trial") +
                    "notes: Too fast a learning rate.\n")
    mlflow.MlflowClient(tracking_uri=uri).log_metric(ids["trial 1"], "test.auc", 0.92)

    dry = cli("import", "mlflow", "--tracking-uri", uri, "--root", repo.path, "--dry-run")
    assert dry.stdout.splitlines() == ["would be updated experiments/trial-1/experiment.yaml",
                                       "dry run, nothing written: 0 created, 1 updated, 2 unchanged"]
    assert read(path)["metrics"]["test.auc"] == 0.91

    again = cli("import", "mlflow", "--tracking-uri", uri, "--root", repo.path)
    assert again.stdout.splitlines()[-1] == "0 created, 1 updated, 2 unchanged"
    record = read(path)
    assert record["metrics"]["test.auc"] == 0.92
    assert (record["title"], record["notes"]) == ("The first trial", "Too fast a learning rate.")


def test_runs_are_selected_by_experiment_filter_run_id_and_day(cli, repo, store) -> None:
    uri, ids = store
    filtered = cli("import", "mlflow", "--tracking-uri", uri, "--root", repo.path, "--experiment", "fraud",
                   "--filter", "metrics.`test.auc` > 0.93", "--since", "2000-01-01", "--dry-run")
    assert filtered.stdout.splitlines()[0] == "would be created experiments/trial-2/experiment.yaml"
    assert filtered.stdout.splitlines()[-1].endswith("1 created, 0 updated, 0 unchanged")
    by_id = cli("import", "mlflow", "--tracking-uri", uri, "--root", repo.path, "--run-id", ids["trial 1"])
    assert by_id.stdout.splitlines()[-1] == "1 created, 0 updated, 0 unchanged"
    none_since = cli("import", "mlflow", "--tracking-uri", uri, "--root", repo.path, "--since", "2999-01-01")
    assert none_since.stdout.splitlines()[-1] == "0 created, 0 updated, 0 unchanged"


def test_a_store_that_does_not_exist_is_one_line(cli, repo, tmp_path) -> None:
    for uri in (str(tmp_path / "nowhere"), f"sqlite:///{tmp_path / 'none.db'}"):
        result = cli("import", "mlflow", "--tracking-uri", uri, "--root", repo.path)
        assert result.exit_code == 1
        assert result.stderr.splitlines() == [
            f"error: no MLflow store at {tmp_path / ('nowhere' if 'sqlite' not in uri else 'none.db')} "
            "(pass --tracking-uri, or set MLFLOW_TRACKING_URI)"]
    assert not (tmp_path / "none.db").exists()


def test_a_bad_filter_or_experiment_is_one_line(cli, repo, store) -> None:
    uri, _ = store
    bad = cli("import", "mlflow", "--tracking-uri", uri, "--root", repo.path, "--filter", "metrics.auc >> 1")
    assert bad.exit_code == 1 and len(bad.stderr.splitlines()) == 1
    assert bad.stderr.startswith("error: MLflow: ")
    unknown = cli("import", "mlflow", "--tracking-uri", uri, "--root", repo.path, "--experiment", "frad")
    assert unknown.stderr == "error: MLflow: no experiment named 'frad' (did you mean `fraud`?)\n"


def test_a_metric_that_is_not_a_number_is_left_out_with_a_warning(cli, repo, tmp_path) -> None:
    uri = (tmp_path / "mlruns").as_uri()
    client = mlflow.MlflowClient(tracking_uri=uri)
    run = client.create_run(client.create_experiment("e"), run_name="diverged")
    client.log_metric(run.info.run_id, "loss", float("nan"))
    client.log_metric(run.info.run_id, "acc", 0.5)
    result = cli("import", "mlflow", "--tracking-uri", uri, "--root", repo.path)
    assert result.exit_code == 0
    assert result.stderr == f"warning: run 'diverged' ({run.info.run_id}): metric 'loss' is nan, not a number; left out\n"
    assert read(repo.path / "experiments/diverged/experiment.yaml")["metrics"] == {"acc": 0.5}
    assert cli("validate", "--strict", "--root", repo.path).exit_code == 0


def test_without_the_extra_the_command_says_how_to_install_it(repo) -> None:
    # Block the import as an environment without the extra has none.
    code = ("import sys; sys.modules['mlflow'] = None; from mlreport.cli import main; "
            f"main(['import', 'mlflow', '--root', {str(repo.path)!r}])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr == 'error: mlflow is not installed (pip install "mlreport[mlflow]")\n'


def test_the_import_benchmark_measures_a_real_store(tmp_path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    import import_bench

    store = (tmp_path / "mlruns").as_uri()
    import_bench.log_store(store, runs=3, steps=5)
    (tmp_path / "project").mkdir()
    seconds, created = import_bench.time_import(store, tmp_path / "project")
    assert created == 3 and seconds > 0
    assert len((tmp_path / "project/experiments/run-2/history/valid.auc.tsv").read_text().splitlines()) == 6


def test_a_run_on_a_tracking_server_links_back_without_the_credentials(tmp_path) -> None:
    uri = (tmp_path / "mlruns").as_uri()
    ids = log_sweep(uri)
    client = mlflow.MlflowClient(tracking_uri=uri)
    run = client.get_run(ids["trial 1"])
    record, _ = run_record(run, "fraud", client, "https://ana:secret@mlflow.example.com:8443/")
    assert record.data["links"] == [{"title": "MLflow run", "url": f"https://mlflow.example.com:8443/#/experiments/"
                                                                     f"{run.info.experiment_id}/runs/{run.info.run_id}"}]
    local, _ = run_record(run, "fraud", client, uri)
    assert "links" not in local.data
