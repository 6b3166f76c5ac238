"""Experiment records: `<id>.yaml`, or `<id>/experiment.yaml` with `notes.md` and files."""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote

from mlreport.metrics import is_number
from mlreport.problems import Problem, excerpt
from mlreport.records.common import (REFERENCE_KEYS, Record, as_date, as_strings, check_schema, flatten, holds,
                                     inside_record_folder)
from mlreport.records.boundary import HINT as BOUNDARY_HINT
from mlreport.records.marked_yaml import parse_yaml
from mlreport.records.source import HISTORY_LIMIT, Document, Reader
from mlreport.schema import ID_PATTERN

DIRECTORY_FORM_FILES = ("experiment.yaml", "experiment.yml")
_ID = re.compile(ID_PATTERN)
_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?(?P<target>[^()\s<>]+)>?(?:\s+[\"'(][^)\n]*)?\)")
"""An inline Markdown link or image: `[text](target "title")`."""
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_CODE = re.compile(r"^(```|~~~).*?(?:^\1[^\n]*$|\Z)|(`+).+?\2", re.M | re.S)
"""Fenced code blocks and code spans, where a link is text."""

Series = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Dataset:
    """What an experiment trained or evaluated on."""

    name: str
    version: str = ""
    split: str = ""
    uri: str = ""

    @property
    def label(self) -> str:
        """`name`, or `name@version` when a version is given."""
        return f"{self.name}@{self.version}" if self.version else self.name


@dataclass(frozen=True)
class Link:
    """A titled URL (an MLflow run, a W&B report, a dashboard, an artifact)."""

    title: str
    url: str


@dataclass(frozen=True)
class Explanations:
    """What drives a model's predictions: feature importances, by how they were measured."""

    feature_importance: tuple[tuple[str, float], ...] = ()
    """(feature, importance), the largest (by size) first."""
    method: str = ""
    """`shap`, `gain`, `permutation`, …"""
    notes: str = ""


@dataclass(frozen=True, kw_only=True)
class Experiment(Record):
    """One experiment run, as recorded in YAML."""

    status: str = "completed"
    authors: tuple[str, ...] = ()
    task: str = ""
    dataset: Dataset | None = None
    model: str = ""
    baseline: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    history: dict[str, Series] = field(default_factory=dict)
    code: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)
    artifacts: tuple[Link, ...] = ()
    links: tuple[Link, ...] = ()
    explanations: Explanations | None = None
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict)
    """Where an imported record came from (`{tool: mlflow, run_id: …}`); empty for hand-written ones."""

    kind: str = field(default="experiment", init=False)


def is_experiment_file(path: Path, folder: Path, exists: Callable[[Path], bool] = Path.is_file) -> bool:
    """YAML files in the experiments folder; in the directory form only `experiment.yaml` is the record."""
    if path.suffix not in (".yaml", ".yml") or inside_record_folder(path, folder, DIRECTORY_FORM_FILES, exists):
        return False
    # YAML files beside `experiment.yaml` (a DVC params.yaml, DVCLive's dvclive/params.yaml) are attachments.
    if path.name in DIRECTORY_FORM_FILES:
        return True
    parent = os.path.dirname(os.fspath(path))
    return not any(holds(parent, n, exists) for n in DIRECTORY_FORM_FILES)


def experiment_id(path: Path) -> str:
    """The id a file gives when the record sets none: its stem, or its folder's name in the directory form."""
    return path.parent.name if path.name in DIRECTORY_FORM_FILES else path.stem


def load_experiment(path: Path, reader: Reader) -> tuple[Experiment | None, list[Problem]]:
    """Read and check one experiment file; the record is None when it cannot be built."""
    shown = reader.paths.relative(path)
    document = parse_yaml(reader.text(path), shown)
    problems = check_schema(document, "experiment")
    if any(p.severity == "error" and p.key in ("title", "date", "") for p in problems):
        return None, problems
    data = document.data
    record_id = str(data.get("id") or experiment_id(path))
    if "id" not in data and not _ID.match(record_id):
        problems.append(document.problem(message=f"file name gives the id {record_id!r}, which is not a valid id",
                                         hint="rename the file to a lowercase slug, or set `id:`"))
    history, history_problems = _history(document, path, reader)
    explanations, explanation_problems = _explanations(document, path, reader)
    notes, notes_problems = _notes(document, path, reader)
    problems += history_problems + explanation_problems + notes_problems + _non_finite_metrics(document)
    experiment = Experiment(
        id=record_id,
        title=str(data.get("title", "")),
        path=shown,
        marks=document.marks_under(*REFERENCE_KEYS),
        date=as_date(data.get("date")),
        tags=as_strings(data.get("tags")),
        status=str(data.get("status") or "completed"),
        authors=as_strings(data.get("authors")),
        task=str(data.get("task") or ""),
        dataset=_dataset(data.get("dataset")),
        model=str(data.get("model") or ""),
        baseline=str(data.get("baseline") or ""),
        params={name: _param(value) for name, value in flatten(_mapping(data.get("params"))).items()},
        metrics={k: float(v) for k, v in flatten(_mapping(data.get("metrics"))).items()
                 if is_number(v)},
        history=history,
        code=_filled(_mapping(data.get("code"))),
        data=_filled(_mapping(data.get("data"))),
        environment=_filled(_mapping(data.get("environment"))),
        artifacts=_links(data.get("artifacts"), "name", "uri"),
        links=_links(data.get("links"), "title", "url"),
        explanations=explanations,
        notes=notes,
        extra=_filled(_mapping(data.get("extra"))),
        source=_mapping(data.get("source")),
    )
    return experiment, problems


def _history(document: Document, path: Path, reader: Reader) -> tuple[dict[str, Series], list[Problem]]:
    value = document.data.get("history")
    if isinstance(value, dict):
        series = {str(k): tuple((float(p[0]), float(p[1])) for p in v
                                if isinstance(p, list) and len(p) == 2 and all(map(is_number, p)))
                  for k, v in value.items() if isinstance(v, list)}
        return series, []
    if not isinstance(value, str):
        return {}, []
    target, problem = _attached(document, path, reader, value, "history")
    if target is None:
        return {}, [problem] if problem else []
    return read_series(target, reader, lambda file: _outside(document, file, reader, "history"))


def read_series(target: Path, reader: Reader, refused: Callable[[Path], Problem | None] = lambda file: None
                ) -> tuple[dict[str, Series], list[Problem]]:
    """The curves of a CSV/TSV file, or of a folder of them (nested names kept: `train/loss.tsv` → `train.loss`);
    `refused` names the problem with a file that must not be read."""
    files = sorted(target.rglob("*")) if target.is_dir() else [target]
    series: dict[str, Series] = {}
    problems: list[Problem] = []
    for file in files:
        if file.suffix.lower() not in (".csv", ".tsv"):
            continue
        outside = refused(file)
        if outside:
            problems.append(outside)
            continue
        prefix = file.relative_to(target).with_suffix("").as_posix().replace("/", ".") if target.is_dir() else ""
        read, problem = _read_series(file, reader, prefix)
        series.update(read)
        if problem:
            problems.append(problem)
    return series, problems


def _attached(document: Document, path: Path, reader: Reader, value: str, *key: str) \
        -> tuple[Path | None, Problem | None]:
    """The file or folder a record names by a relative path at `key`, or the problem with it."""
    name = ".".join(key)
    # Beside the record first (as records always read it), else from the project's top, where DVCLive
    # writes its folder. Either way the path must stay inside the project as written (links inside it are
    # the boundary's to judge), and what is checked is what is read: `..` is taken away here, not by the OS.
    root = Path(os.path.abspath(reader.root))
    beside = Path(os.path.normpath(Path(os.path.abspath(path.parent)) / value))
    from_root = Path(os.path.normpath(root / value))
    target = beside if beside.exists() or not from_root.exists() else from_root
    if not target.is_relative_to(root):
        reader.refuse(path.parent / value)
        return None, document.problem(*key, value=True,
                                      message=f"`{name}` points outside the project: {excerpt(value)}",
                                      hint=f"keep {key[0]} files inside the project's folder")
    outside = _outside(document, target, reader, *key)
    if outside:
        return None, outside
    for candidate in (beside, from_root):
        reader.look(candidate)  # what lies at either decides the record, even before it exists
    if not target.exists():
        return None, document.problem(*key, value=True, message=f"`{name}` file not found: {excerpt(value)}",
                                      hint=f"paths are relative to {reader.paths.relative(path.parent)}/ "
                                           "or to the project's top folder")
    return target, None


def _explanations(document: Document, path: Path, reader: Reader) -> tuple[Explanations | None, list[Problem]]:
    """The record's explanations; feature importances inline, or from a CSV/TSV with `feature`, `importance`."""
    value = document.data.get("explanations")
    if not isinstance(value, dict):
        return None, []
    importance = value.get("feature_importance")
    problems: list[Problem] = []
    pairs: list[tuple[str, float]] = []
    if isinstance(importance, dict):
        pairs = [(str(k), float(v)) for k, v in importance.items() if is_number(v)]
    elif isinstance(importance, str):
        target, problem = _attached(document, path, reader, importance, "explanations", "feature_importance")
        if target is not None and target.is_file():
            pairs, problem = _read_importances(target, reader)
        problems += [problem] if problem else []
    ranked = tuple(sorted(pairs, key=lambda pair: (-abs(pair[1]), pair[0])))
    return Explanations(ranked, str(value.get("method") or ""), str(value.get("notes") or "")), problems


def _read_importances(file: Path, reader: Reader) -> tuple[list[tuple[str, float]], Problem | None]:
    """Rows of a CSV/TSV with a `feature` and an `importance` column (SHAP summaries, `feature_importances_`)."""
    shown = reader.paths.relative(file)
    lines = csv.reader(reader.text(file, HISTORY_LIMIT).splitlines(),
                       delimiter="\t" if file.suffix.lower() == ".tsv" else ",")
    try:
        rows = list(lines)
    except csv.Error as exc:  # a field longer than the csv module takes (128 KiB), a NUL byte
        return [], Problem(shown, lines.line_num, 1, "error", f"feature importance file cannot be read: {exc}",
                           "one line per feature: its name, then its importance")
    header = rows[0] if rows else []
    if "feature" not in header or "importance" not in header:
        return [], Problem(shown, 1, 1, "error", "feature importance file needs a `feature` and an `importance` "
                                                 f"column; its columns are: {excerpt(', '.join(header)) if header else 'nothing'}",
                           "the first line names the columns: feature, importance")
    name_at, value_at = header.index("feature"), header.index("importance")
    pairs = []
    for line_number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        cell = row[value_at] if value_at < len(row) else ""
        if not _is_number_text(cell) or name_at >= len(row):
            return [], Problem(shown, line_number, 1, "error", f"`importance` must be a number; found {excerpt(cell)}",
                               "each row is a feature and its importance")
        pairs.append((row[name_at], float(cell)))
    return pairs, None


def _notes(document: Document, path: Path, reader: Reader) -> tuple[str, list[Problem]]:
    """`notes:`, else in the directory form the `notes.md` beside the record; a relative link in them to a
    file that is not there is a warning."""
    notes = str(document.data.get("notes") or "")
    if notes or path.name not in DIRECTORY_FORM_FILES:
        at = document.mark("notes", value=True)
        return notes, [Problem(document.path, *at, "warning", message, hint, "notes")
                       for _, _, message, hint in dangling_links(notes, path.parent, reader)]
    notes_file = path.parent / "notes.md"
    outside = _outside(document, notes_file, reader) if notes_file.is_file() else None
    if outside:
        return "", [outside]
    text = reader.text_if_file(notes_file) or ""
    shown = reader.paths.relative(notes_file)
    return text, [Problem(shown, line, column, "warning", message, hint)
                  for line, column, message, hint in dangling_links(text, path.parent, reader)]


def dangling_links(text: str, folder: Path, reader: Reader) -> list[tuple[int, int, str, str]]:
    """(line, column, message, hint) of each Markdown link or image in `text` that names a file, relative to
    `folder`, that does not exist; links with a scheme, anchors, site-absolute paths and code are left alone."""
    found = []
    hidden = _CODE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    for match in _LINK.finditer(hidden):
        target = match.group("target")
        if _SCHEME.match(target) or target.startswith(("#", "/")):
            continue
        file = folder / unquote(target.split("#", 1)[0].split("?", 1)[0])
        if reader.paths.escape(file) is not None:
            continue  # never looked at: a link out of the repository is only a link
        reader.look(file)  # a file made later changes what this record says
        if not file.exists():
            line = text.count("\n", 0, match.start("target")) + 1
            column = match.start("target") - (text.rfind("\n", 0, match.start("target")) + 1) + 1
            found.append((line, column, f"the link to `{excerpt(target, quoted=False)}` leads nowhere: "
                          f"there is no {reader.paths.relative(file)}",
                          "fix the path (relative to the record's folder) or add the file"))
    return found


def _outside(document: Document, file: Path, reader: Reader, *key: str) -> Problem | None:
    """The error for a file the record names that leads out of the repository, at the key naming it (if any)."""
    escaped = reader.outside(file)
    if escaped is None:
        return None
    return document.problem(*key, value=bool(key), message=escaped.message(reader.root), hint=BOUNDARY_HINT)


def _read_series(file: Path, reader: Reader, prefix: str) -> tuple[dict[str, Series], Problem | None]:
    """Columns of a CSV/TSV with a `step` column; DVCLive's per-metric TSVs read as is."""
    shown = reader.paths.relative(file)
    text = reader.text(file, HISTORY_LIMIT)
    delimiter = "\t" if file.suffix.lower() == ".tsv" else ","
    lines = csv.reader(text.splitlines(), delimiter=delimiter)
    try:
        rows = list(lines)
    except csv.Error as exc:  # a field longer than the csv module takes (128 KiB), a NUL byte
        return {}, Problem(shown, lines.line_num, 1, "error", f"history file cannot be read: {exc}",
                           "one line per step, values separated by commas (tabs in a .tsv)")
    if not rows or "step" not in rows[0]:
        found = excerpt(", ".join(rows[0])) if rows else "nothing"
        return {}, Problem(shown, 1, 1, "error", f"history file has no `step` column; its columns are: {found}",
                           "the first line names the columns: step, then one column per metric")
    header = rows[0]
    step_index = header.index("step")
    columns = [(i, name) for i, name in enumerate(header) if name not in ("step", "timestamp")]
    series: dict[str, list[tuple[float, float]]] = {}
    for line_number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        step_text = row[step_index] if step_index < len(row) else ""
        if not _is_number_text(step_text):
            return {}, Problem(shown, line_number, 1, "error", f"`step` must be a number; found {excerpt(step_text)}",
                               "each row needs the step its values were logged at")
        step = float(step_text)
        for index, name in columns:
            if index < len(row) and _is_number_text(row[index]):
                series.setdefault(_series_name(prefix, name, len(columns)), []).append(
                    (step, float(row[index])))
    return {k: tuple(v) for k, v in series.items()}, None


def _series_name(prefix: str, column: str, column_count: int) -> str:
    """In a folder of files, a one-metric file is named by its path (`train/loss.tsv` → `train.loss`)."""
    if not prefix:
        return column
    return prefix if column_count == 1 else f"{prefix}.{column}"


def _param(value: Any) -> Any:
    """A parameter as recorded, but as text where JSON has no such value: `.nan`, `.inf`, dates.

    A parameter is shown and compared, never computed with, so `nan` and `2026-01-05` read the same.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value.isoformat() if isinstance(value, dt.date) else value


def _non_finite_metrics(document: Document) -> list[Problem]:
    """A warning for each metric that is NaN or infinite: no table or leaderboard can rank it."""
    metrics = document.data.get("metrics")
    if not isinstance(metrics, dict):
        return []
    return [document.problem("metrics", *name.split("."), value=True, severity="warning",
                             message=f"metric `{excerpt(name, quoted=False)}` is {_spelled(value)}: it is left out "
                                     "of tables, leaderboards and charts",
                             hint="record the number the run reached, or leave the metric out")
            for name, value in flatten(metrics).items() if isinstance(value, float) and not math.isfinite(value)]


def _spelled(value: float) -> str:
    return "NaN" if math.isnan(value) else "infinite" if value > 0 else "minus infinity"


def _dataset(value: Any) -> Dataset | None:
    if isinstance(value, str) and value:
        return Dataset(value)
    if isinstance(value, dict) and value.get("name"):
        return Dataset(*(str(value.get(k) or "") for k in ("name", "version", "split", "uri")))
    return None


def _links(value: Any, title_key: str, url_key: str) -> tuple[Link, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(Link(str(item.get(title_key) or ""), str(item.get(url_key) or ""))
                 for item in value if isinstance(item, dict))


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _filled(mapping: dict[str, Any]) -> dict[str, Any]:
    """The mapping without its empty values (`commit: ""`, `env: {}`): a field left blank is a field not given,
    so a page never shows a label with nothing beside it."""
    kept = {}
    for key, value in mapping.items():
        if isinstance(value, dict):
            value = _filled(value)
        if value is not None and value != "" and value != [] and value != {}:
            kept[key] = value
    return kept


def _is_number_text(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
