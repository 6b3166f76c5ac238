"""DVC runs as experiment records: DVCLive output folders and `dvc exp show --json` files.

Both are files DVC writes for people and tools to read (`metrics.json`, `params.yaml`,
`plots/metrics/**/*.tsv`, the JSON of `dvc exp show`), so they are read as they are. A DVCLive
folder inside the project is pointed at (`history: dvclive/plots/metrics`), not copied, so its
curves live once; one outside has its curves copied beside the record.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Iterator

import yaml

from mlreport.importers import ImportFailed
from mlreport.importers.values import is_number, modified_day
from mlreport.importers.writer import Batch, Imported
from mlreport.problems import Problem, RecordError, describe, relative, yaml_problem
from mlreport.records.experiment import read_series
from mlreport.records.source import Reader
from mlreport.slugs import slugify

LIVE_FOLDER = "dvclive"
"""Where DVCLive writes by default, and what `import dvc` reads without a PATH."""
_NOT_METRICS = ("step",)
"""Keys of DVCLive's metrics.json that are bookkeeping, not results."""


def import_dvc(paths: list[Path], root: Path) -> Batch:
    """The runs in DVCLive folders and `dvc exp show --json` files, and a warning for each value left out."""
    records: list[Imported] = []
    warnings: list[str] = []
    for path in paths or [root / LIVE_FOLDER]:
        if path.is_dir():
            records.append(live_record(path, root, warnings))
        elif path.is_file() and path.suffix.lower() == ".json":
            records.extend(exp_show_records(path, root, warnings))
        else:
            raise ImportFailed(f"no DVCLive folder or `dvc exp show --json` file at {relative(path, root)}",
                               "name the folder DVCLive wrote (default dvclive/), or a file saved with "
                               "`dvc exp show --json > experiments.json`")
    return Batch(records, warnings)


def live_record(folder: Path, root: Path, warnings: list[str]) -> Imported:
    """A DVCLive folder as one record: its summary metrics, its params and its curves."""
    shown = relative(folder, root)
    metrics_file = folder / "metrics.json"
    if not metrics_file.is_file():
        raise ImportFailed(f"{shown} is not a DVCLive folder: it has no metrics.json",
                           "name the folder given to `Live(dir=…)`; DVCLive writes metrics.json there")
    data: dict[str, Any] = {"title": f"DVCLive: {shown}", "date": modified_day(metrics_file), "status": "completed"}
    params = _read_yaml(folder / "params.yaml", root) if (folder / "params.yaml").is_file() else None
    if isinstance(params, dict) and params:
        data["params"] = params
    metrics = _numbers(_read_json(metrics_file, root), relative(metrics_file, root), warnings)
    if metrics:
        data["metrics"] = metrics
    plots = folder / "plots" / "metrics"
    histories: dict = {}
    if plots.is_dir() and plots.resolve().is_relative_to(root.resolve()):
        data["history"] = relative(plots, root)
    elif plots.is_dir():
        # Read as a project of its own: its files are DVCLive's, outside the project on purpose.
        histories, problems = read_series(plots, Reader(plots))
        warnings.extend(f"{p.format_text()}; left out" for p in problems)
    data["source"] = {"tool": "dvc", "path": shown}
    return Imported(slugify(shown) or LIVE_FOLDER, data, histories)


def exp_show_records(file: Path, root: Path, warnings: list[str]) -> list[Imported]:
    """Each commit and experiment of a `dvc exp show --json` file that has params or metrics, as a record."""
    shown = relative(file, root)
    entries = _read_json(file, root)
    if not isinstance(entries, list):
        raise ImportFailed(f"{shown} is not `dvc exp show --json` output: it holds {describe(entries)}",
                           "save it with `dvc exp show --json > experiments.json`")
    records = []
    for revision, baseline in _revisions(entries):
        found = revision.get("data") or {}
        rev = str(revision.get("rev") or "")
        if rev in ("", "workspace") or not (found.get("params") or found.get("metrics")):
            continue  # the work tree is not a result yet; a commit without results is not a run
        name = str(revision.get("name") or rev[:7])
        data: dict[str, Any] = {"title": name, "date": _day(found.get("timestamp")), "status": "completed"}
        params = _merged_files(found.get("params"))
        if params:
            data["params"] = params
        metrics = _numbers(_merged_files(found.get("metrics")), f"{shown} ({name})", warnings)
        if metrics:
            data["metrics"] = metrics
        if baseline and baseline != rev:
            data["extra"] = {"dvc": {"baseline_rev": baseline}}
        data["source"] = {"tool": "dvc", "rev": rev}
        records.append(Imported(slugify(name) or rev[:12], data))
    return records


def _revisions(entries: list[Any]) -> Iterator[tuple[dict[str, Any], str]]:
    """(revision, the commit it was run from) for each commit and each of its experiments."""
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        yield entry, ""
        for experiment in entry.get("experiments") or []:
            for revision in (experiment or {}).get("revs") or []:
                if isinstance(revision, dict):
                    yield revision, str(entry.get("rev") or "")


def _merged_files(by_file: Any) -> dict[str, Any]:
    """`{params.yaml: {data: {…}}, …}` as one mapping, files in name order."""
    merged: dict[str, Any] = {}
    for _, content in sorted((by_file or {}).items()):
        if isinstance(content, dict) and isinstance(content.get("data"), dict):
            merged.update(content["data"])
    return merged


def _numbers(metrics: Any, shown: str, warnings: list[str], prefix: str = "") -> dict[str, Any]:
    """The metrics' numbers, nested as written; everything else left out with a warning."""
    if not isinstance(metrics, dict):
        return {}
    kept: dict[str, Any] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if not prefix and key in _NOT_METRICS:
            continue
        if isinstance(value, dict):
            nested = _numbers(value, shown, warnings, f"{name}.")
            if nested:
                kept[str(key)] = nested
        elif is_number(value):
            kept[str(key)] = value
        else:
            warnings.append(f"{shown}: metric {name!r} is {describe(value)}, not a number; left out")
    return kept


def _read_json(path: Path, root: Path) -> Any:
    shown = relative(path, root)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RecordError([Problem(shown, exc.lineno, exc.colno, "error", f"invalid JSON: {exc.msg}",
                                   "DVC writes this file; run it again, or fix the file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFailed(f"cannot read {shown}: {exc}") from None


def _read_yaml(path: Path, root: Path) -> Any:
    shown = relative(path, root)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        raise RecordError([yaml_problem(exc, shown)]) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ImportFailed(f"cannot read {shown}: {exc}") from None


def _day(timestamp: Any) -> dt.date:
    try:
        return dt.datetime.fromisoformat(str(timestamp)).date()
    except ValueError:
        return dt.date.today()
