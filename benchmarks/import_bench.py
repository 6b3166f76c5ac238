"""Time `mlreport import mlflow` on a file store of many runs with long histories (budget: 1,000 runs
with 100-step histories in at most 60 s).

The store is logged with MLflow's own client (not timed); the import into a fresh project is timed,
from opening the store to the last record written.

    python benchmarks/import_bench.py               # 1,000 runs, 100 steps, 3 metrics
    python benchmarks/import_bench.py --runs 50     # a small smoke run
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from mlreport.config import load_options
from mlreport.importers.mlflow_runs import RunQuery, import_runs
from mlreport.importers.writer import write_batch

BUDGET_SECONDS = 60.0
"""The issue's bar for 1,000 runs with 100-step histories."""
METRICS = ("train/loss", "valid/loss", "valid/auc")


def log_store(uri: str, runs: int, steps: int) -> None:
    """`runs` finished runs, each with three params and METRICS logged at every step."""
    import mlflow
    from mlflow.entities import Metric, Param

    client = mlflow.MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment("bench")
    for number in range(runs):
        run = client.create_run(experiment, run_name=f"run {number}", tags={"task": "bench", "dataset": "synthetic"})
        params = [Param("lr", str(0.1 / (number + 1))), Param("depth", str(number % 8)), Param("early", "True")]
        metrics = [Metric(name, 1.0 / (step + 1) + number * 1e-4, step, step) for name in METRICS
                   for step in range(steps)]
        for start in range(0, len(metrics), 1000):  # log_batch takes at most 1,000 metrics
            client.log_batch(run.info.run_id, metrics=metrics[start:start + 1000],
                             params=params if start == 0 else [])
        client.set_terminated(run.info.run_id, "FINISHED")


def time_import(uri: str, project: Path) -> tuple[float, int]:
    """Seconds to import every run of the store into `project`, and how many records were created."""
    options = load_options(project)
    started = time.perf_counter()
    written = write_batch(import_runs(RunQuery(tracking_uri=uri)), options)
    return time.perf_counter() - started, len(written.created)


def main(argv: list[str] | None = None) -> int:
    """Log the store, time the import, print the result against the budget; exit 1 when over it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args(argv)
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")  # the store is an old-style file store
    with tempfile.TemporaryDirectory() as folder:
        store, project = Path(folder) / "mlruns", Path(folder) / "project"
        project.mkdir()
        log_store(store.as_uri(), args.runs, args.steps)
        seconds, created = time_import(store.as_uri(), project)
    budget = BUDGET_SECONDS * args.runs / 1000
    print(f"imported {created} runs ({args.steps} steps × {len(METRICS)} metrics) in {seconds:.1f} s; "
          f"budget {budget:.1f} s")
    return 0 if seconds <= budget else 1


if __name__ == "__main__":
    sys.exit(main())
