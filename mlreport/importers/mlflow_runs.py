"""MLflow runs as experiment records, read through MLflow's own client (the `mlflow` extra).

Any store MLflow opens works: a file store folder, a SQLite file, a tracking server. A run
becomes one record: run name → title, start → date, user → authors, params typed back,
final metrics, every history longer than one step as TSV, `mlflow.source.*` tags → `code`,
other tags → `tags` (`team=risk`), the parent run → `extra.mlflow`, the artifact URI, a link to
the run on a tracking server, and `source` with its ids.
"""

from __future__ import annotations

import datetime as dt
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar
from urllib.parse import unquote, urlsplit

from mlreport.importers import ImportFailed, require
from mlreport.importers.values import is_number, metric_key, typed_param
from mlreport.importers.writer import Batch, Imported
from mlreport.problems import did_you_mean
from mlreport.slugs import slugify

STATUSES = {"FINISHED": "completed", "FAILED": "failed", "KILLED": "abandoned", "RUNNING": "running",
            "SCHEDULED": "planned"}
"""MLflow's run statuses as mlreport's."""
CODE_TAGS = {"mlflow.source.git.repoURL": "repo", "mlflow.gitRepoURL": "repo", "mlflow.source.git.commit": "commit",
             "mlflow.source.name": "path"}
"""System tags that say where the code came from, and the `code` key each fills."""
FIELD_TAGS = ("task", "dataset", "model")
"""Tags a team sets for fields mlreport has (leaderboards group by task and dataset)."""
_PAGE = 1000
T = TypeVar("T")


@dataclass(frozen=True)
class RunQuery:
    """Which runs to import; empty fields select everything."""

    tracking_uri: str = ""
    experiments: tuple[str, ...] = ()
    filter: str = ""
    run_ids: tuple[str, ...] = ()
    since: dt.date | None = None


def import_runs(query: RunQuery) -> Batch:
    """The selected runs, each converted (its histories read) only as the batch is written."""
    mlflow = require("mlflow", "mlflow")
    uri = query.tracking_uri or mlflow.get_tracking_uri()
    _check_store(uri)
    with _file_store_allowed():  # MLflow checks when the client opens the store, not after
        client = _reading(mlflow, lambda: mlflow.MlflowClient(tracking_uri=uri))
    names = _reading(mlflow, lambda: {e.experiment_id: e.name for e in client.search_experiments()})
    runs = _reading(mlflow, lambda: _runs(client, query, names))
    batch = Batch([], total=len(runs))
    batch.records = _converted(mlflow, client, runs, names, uri, batch.warnings)
    return batch


def _converted(mlflow: Any, client: Any, runs: list[Any], names: dict[str, str], uri: str,
               warnings: list[str]) -> Iterator[Imported]:
    for run in runs:
        record, found = _reading(mlflow, lambda: run_record(run, names.get(run.info.experiment_id, ""), client, uri))
        warnings.extend(found)
        yield record


def _reading(mlflow: Any, read: Callable[[], T]) -> T:
    """What `read` returns; MLflow's errors (a bad filter, an unknown run id) as one line."""
    try:
        return read()
    except mlflow.exceptions.MlflowException as exc:
        raise ImportFailed(f"MLflow: {_first_line(exc.message)}", "check --filter and --run-id") from None


def run_record(run: Any, experiment: str, client: Any, uri: str) -> tuple[Imported, list[str]]:
    """One run as a record, with a warning for each metric that is not a finite number."""
    info, tags = run.info, run.data.tags
    title = info.run_name or tags.get("mlflow.runName") or info.run_id
    warnings = [f"run {title!r} ({info.run_id}): metric {name!r} is {value}, not a number; left out"
                for name, value in sorted(run.data.metrics.items()) if not is_number(value)]
    data: dict[str, Any] = {"title": title, "date": _date(info.start_time),
                            "status": STATUSES.get(info.status, "completed")}
    if tags.get("mlflow.user") or info.user_id:
        data["authors"] = [tags.get("mlflow.user") or info.user_id]
    own = [f"{key}={value}" if value else key for key, value in sorted(tags.items())
           if not key.startswith("mlflow.") and key not in FIELD_TAGS]
    if own:
        data["tags"] = own  # `tags.team = 'risk'` finds them, as in MLflow's search
    data.update({key: tags[key] for key in FIELD_TAGS if tags.get(key)})
    dataset = _dataset_input(run)
    if dataset and "dataset" not in data:
        data["dataset"] = dataset
    if run.data.params:
        data["params"] = {name: typed_param(value) for name, value in sorted(run.data.params.items())}
    metrics = {metric_key(name): value for name, value in sorted(run.data.metrics.items()) if is_number(value)}
    if metrics:
        data["metrics"] = metrics
    code = {field: tags[tag] for tag, field in CODE_TAGS.items() if tags.get(tag)}
    if code:
        data["code"] = code
    if info.artifact_uri:
        data["artifacts"] = [{"name": "artifacts", "uri": info.artifact_uri}]
    link = _run_url(uri, info.experiment_id, info.run_id)
    if link:
        data["links"] = [{"title": "MLflow run", "url": link}]
    if tags.get("mlflow.note.content"):
        data["notes"] = tags["mlflow.note.content"]
    data["extra"] = {"mlflow": _extra(experiment, tags)}
    data["source"] = {"tool": "mlflow", "run_id": info.run_id, "experiment_id": info.experiment_id}
    histories = {metric_key(name): _history(client, info.run_id, name)
                 for name, value in sorted(run.data.metrics.items()) if is_number(value)}
    return (Imported(slugify(title) or info.run_id, data, {k: v for k, v in histories.items() if len(v) > 1}),
            warnings)


def _runs(client: Any, query: RunQuery, names: dict[str, str]) -> list[Any]:
    if query.run_ids:
        return [client.get_run(run_id) for run_id in query.run_ids]
    ids = sorted(names)
    if query.experiments:
        by_name = {name: experiment_id for experiment_id, name in names.items()}
        for name in query.experiments:
            if name not in by_name:
                raise ImportFailed(f"MLflow: no experiment named {name!r}",
                                   did_you_mean(name, by_name) or f"the store has: {', '.join(sorted(by_name))}")
        ids = [by_name[name] for name in query.experiments]
    conditions = [query.filter] if query.filter else []
    if query.since:
        start = dt.datetime.combine(query.since, dt.time(), tzinfo=dt.timezone.utc)
        conditions.append(f"attributes.start_time >= {int(start.timestamp() * 1000)}")
    runs: list[Any] = []
    token = None
    while True:
        page = client.search_runs(ids, filter_string=" and ".join(conditions), max_results=_PAGE,
                                  order_by=["attributes.start_time ASC"], page_token=token)
        runs.extend(page)
        token = page.token
        if not token:
            return runs


def _history(client: Any, run_id: str, name: str) -> tuple[tuple[float, float], ...]:
    points = client.get_metric_history(run_id, name)
    return tuple((float(m.step), float(m.value)) for m in sorted(points, key=lambda m: (m.step, m.timestamp))
                 if is_number(m.value))


def _extra(experiment: str, tags: dict[str, str]) -> dict[str, Any]:
    extra: dict[str, Any] = {"experiment": experiment} if experiment else {}
    if tags.get("mlflow.parentRunId"):
        extra["parent"] = tags["mlflow.parentRunId"]  # a sweep's runs share it
    return extra


def _dataset_input(run: Any) -> dict[str, str] | None:
    """The first dataset logged with `mlflow.log_input`, as `{name, version}` (its digest)."""
    inputs = getattr(run, "inputs", None)
    logged = getattr(inputs, "dataset_inputs", None) or []
    if not logged:
        return None
    dataset = logged[0].dataset
    return {"name": dataset.name, "version": dataset.digest} if dataset.digest else {"name": dataset.name}


def _date(start_time: int | None) -> dt.date:
    if not start_time:
        return dt.date.today()
    return dt.datetime.fromtimestamp(start_time / 1000, tz=dt.timezone.utc).date()


def _run_url(uri: str, experiment_id: str, run_id: str) -> str:
    """The run's page on a tracking server; local stores have none."""
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https"):
        return ""
    # Credentials in the URI must not end up in a record.
    base = parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else "")).geturl()
    return f"{base.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"


def _check_store(uri: str) -> None:
    """A local store that does not exist is an error: MLflow would silently create an empty one."""
    parts = urlsplit(uri)
    if parts.scheme in ("", "file"):
        path = Path(unquote(parts.path) if parts.scheme else uri)
    elif parts.scheme == "sqlite":
        if ":///" not in uri:
            return  # in memory
        path = Path(unquote(uri.split(":///", 1)[1]))
    else:
        return
    if not path.exists():
        raise ImportFailed(f"no MLflow store at {path}", "pass --tracking-uri, or set MLFLOW_TRACKING_URI")


@contextmanager
def _file_store_allowed() -> Iterator[None]:
    """Let MLflow read a file store: it refuses them by default now, and reading one is the point here."""
    before = os.environ.get("MLFLOW_ALLOW_FILE_STORE")
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    try:
        yield
    finally:
        if before is None:
            del os.environ["MLFLOW_ALLOW_FILE_STORE"]
        else:
            os.environ["MLFLOW_ALLOW_FILE_STORE"] = before


def _first_line(message: Any) -> str:
    return str(message).strip().splitlines()[0] if str(message).strip() else "unknown error"

