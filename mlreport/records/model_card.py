"""Model cards: Hugging Face-compatible Markdown, `<id>.md` or `<id>/README.md`."""

from __future__ import annotations

import datetime as dt
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from mlreport.config import Invalid, Kpi, kpis
from mlreport.problems import Problem
from mlreport.records.common import (REFERENCE_KEYS, Record, as_date, as_strings, check_schema, heading_title, holds,
                                     inside_record_folder, placeholder_problems, raw_references)
from mlreport.records.marked_yaml import split_front_matter
from mlreport.records.source import Document, Reader

DIRECTORY_FORM_FILE = "README.md"
# Keys that mlreport reads itself; every other front matter key is Hugging Face metadata.
_OWN_KEYS = ("name", "version", "owners", "status", "status_date", "date", "decisions", "evaluations", "kpis")


@dataclass(frozen=True)
class Evaluation:
    """Which metrics of which experiment a card reports; numbers are read from the experiment."""

    experiment: str
    metrics: tuple[str, ...] = ()
    split: str = ""


@dataclass(frozen=True)
class HubResult:
    """One number of a card's own `model-index`, as a card from the Hub carries its results."""

    task: str
    dataset: str
    split: str
    metric: str
    value: float


@dataclass(frozen=True, kw_only=True)
class ModelCard(Record):
    """One model card."""

    version: str = ""
    owners: tuple[str, ...] = ()
    status: str = "development"
    status_date: dt.date | None = None
    """When the card says its status became what it is (`status_date:`); the commit that wrote it may be
    later (a status updated after the fact), so a status change is dated by the record."""
    decisions: tuple[str, ...] = ()
    evaluations: tuple[Evaluation, ...] = ()
    kpis: tuple[Kpi, ...] = ()
    """The card's own KPIs: they override the options' KPIs of the same metric for this card."""
    results: tuple[HubResult, ...] = ()
    """The card's own `model-index` results (legacy `model_index` too), for cards not linked to experiments."""
    metadata: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1

    kind: str = field(default="model", init=False)

    @property
    def license(self) -> str:
        """The Hugging Face `license` key."""
        return str(self.metadata.get("license") or "")


def is_model_file(path: Path, folder: Path, exists: Callable[[Path], bool] = Path.is_file) -> bool:
    """Markdown cards: `<id>.md` or `<id>/README.md`; the folder's own README/index are not cards."""
    if path.suffix.lower() != ".md":
        return False
    if path.parent == folder:
        return path.name not in ("README.md", "index.md")
    if inside_record_folder(path, folder, (DIRECTORY_FORM_FILE,), exists):
        return False
    # In the directory form, files beside the README are the card's attachments.
    return path.name == DIRECTORY_FORM_FILE or not holds(os.path.dirname(os.fspath(path)), DIRECTORY_FORM_FILE, exists)


def model_id(path: Path) -> str:
    """A card's id: its stem, or its folder's name in the directory form."""
    return path.parent.name if path.name == DIRECTORY_FORM_FILE else path.stem


def load_model_card(path: Path, reader: Reader) -> tuple[ModelCard | None, list[Problem]]:
    """Read and check one model card."""
    shown = reader.paths.relative(path)
    document, body, body_line = split_front_matter(reader.text(path), shown)
    if document is None:
        return None, [Problem(shown, 1, 1, "error", "model card has no front matter",
                              "start the card with a YAML block between two `---` lines, holding at least `name:`")]
    problems = check_schema(document, "model") + placeholder_problems(body, body_line, shown)
    card_kpis, kpi_problems = _kpis(document, problems)
    problems += kpi_problems
    data = document.data
    record_id = model_id(path)
    title = str(data.get("name") or heading_title(body) or record_id)
    card = ModelCard(
        id=record_id,
        title=title,
        path=shown,
        marks=document.marks_under(*REFERENCE_KEYS),
        date=as_date(data.get("date")),
        tags=as_strings(data.get("tags")),
        version=str(data.get("version") or ""),
        owners=as_strings(data.get("owners")),
        status=str(data.get("status") or "development"),
        status_date=as_date(data.get("status_date")),
        decisions=raw_references(document, "decisions"),
        evaluations=_evaluations(document),
        kpis=card_kpis,
        results=hub_results(data.get("model-index", data.get("model_index"))),
        metadata={k: v for k, v in data.items() if k not in _OWN_KEYS},
        body=body,
        body_line=body_line,
    )
    return card, problems


def hub_results(model_index: Any) -> tuple[HubResult, ...]:
    """The numbers of a Hugging Face `model-index`; entries that are not `{type, value: number}` are skipped."""
    found = []
    for model in model_index if isinstance(model_index, list) else []:
        for result in (model.get("results") if isinstance(model, dict) else None) or []:
            if not isinstance(result, dict):
                continue
            task, dataset = _mapping(result.get("task")), _mapping(result.get("dataset"))
            for metric in result.get("metrics") or []:
                value = _mapping(metric).get("value")
                if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                    found.append(HubResult(str(task.get("type") or task.get("name") or ""),
                                           str(dataset.get("name") or dataset.get("type") or ""),
                                           str(dataset.get("split") or ""),
                                           str(metric.get("type") or metric.get("name")), float(value)))
    return tuple(found)


def hub_readme(card: ModelCard, model_index: list[dict[str, Any]]) -> str:
    """The card as a Hugging Face README: its Hub metadata, `model_index` (when any, else the card's own), its body."""
    metadata = {key: value for key, value in card.metadata.items()
                if not (model_index and key in ("model-index", "model_index"))}
    if model_index:
        metadata["model-index"] = model_index
    if not metadata:
        return card.body.lstrip()
    front = yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)
    return f"---\n{front}---\n{card.body.lstrip()}"


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _evaluations(document: Document) -> tuple[Evaluation, ...]:
    items = document.data.get("evaluations")
    if not isinstance(items, list):
        return ()
    return tuple(
        Evaluation(str(item.get("experiment")), as_strings(item.get("metrics")), str(item.get("split") or ""))
        for item in items if isinstance(item, dict) and item.get("experiment"))


def _kpis(document: Document, problems: list[Problem]) -> tuple[tuple[Kpi, ...], list[Problem]]:
    """The card's KPIs, read as the options' are; the schema's own complaints about them are not repeated."""
    value = document.data.get("kpis")
    if value is None or any(p.key.split(".")[0] == "kpis" for p in problems):
        return (), []
    try:
        return kpis(value), []
    except Invalid as exc:
        return (), [document.problem(*_key_path(f"kpis.{fault.at}" if fault.at else "kpis"), value=True,
                                     message=f"`kpis{'.' + fault.at if fault.at else ''}` {fault.says}",
                                     hint=fault.hint)
                    for fault in exc.faults]


def _key_path(dotted: str) -> tuple[str | int, ...]:
    """`kpis.0.target` as the key path a document marks: list positions are numbers."""
    return tuple(int(part) if part.isdigit() else part for part in dotted.split("."))
