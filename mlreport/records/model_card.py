"""Model cards: Hugging Face-compatible Markdown, `<id>.md` or `<id>/README.md`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlreport.config import Invalid, Kpi, kpis
from mlreport.problems import Problem, relative
from mlreport.records.common import (REFERENCE_KEYS, Record, as_date, as_strings, check_schema, heading_title,
                                     inside_record_folder, raw_references)
from mlreport.records.source import Document, Reader, split_front_matter

DIRECTORY_FORM_FILE = "README.md"
# Keys that mlreport reads itself; every other front matter key is Hugging Face metadata.
_OWN_KEYS = ("name", "version", "owners", "status", "date", "decisions", "evaluations", "kpis")


@dataclass(frozen=True)
class Evaluation:
    """Which metrics of which experiment a card reports; numbers are read from the experiment."""

    experiment: str
    metrics: tuple[str, ...] = ()
    split: str = ""


@dataclass(frozen=True, kw_only=True)
class ModelCard(Record):
    """One model card."""

    version: str = ""
    owners: tuple[str, ...] = ()
    status: str = "development"
    decisions: tuple[str, ...] = ()
    evaluations: tuple[Evaluation, ...] = ()
    kpis: tuple[Kpi, ...] = ()
    """The card's own KPIs: they override the options' KPIs of the same metric for this card."""
    metadata: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1

    kind: str = field(default="model", init=False)

    @property
    def license(self) -> str:
        """The Hugging Face `license` key."""
        return str(self.metadata.get("license") or "")


def is_model_file(path: Path, folder: Path) -> bool:
    """Markdown cards: `<id>.md` or `<id>/README.md`; the folder's own README/index are not cards."""
    if path.suffix.lower() != ".md":
        return False
    if path.parent == folder:
        return path.name not in ("README.md", "index.md")
    if inside_record_folder(path, folder, (DIRECTORY_FORM_FILE,)):
        return False
    # In the directory form, files beside the README are the card's attachments.
    return path.name == DIRECTORY_FORM_FILE or not (path.parent / DIRECTORY_FORM_FILE).is_file()


def model_id(path: Path) -> str:
    """A card's id: its stem, or its folder's name in the directory form."""
    return path.parent.name if path.name == DIRECTORY_FORM_FILE else path.stem


def load_model_card(path: Path, reader: Reader) -> tuple[ModelCard | None, list[Problem]]:
    """Read and check one model card."""
    shown = relative(path, reader.root)
    document, body, body_line = split_front_matter(reader.text(path), shown)
    if document is None:
        return None, [Problem(shown, 1, 1, "error", "model card has no front matter",
                              "start the card with a YAML block between two `---` lines, holding at least `name:`")]
    problems = check_schema(document, "model")
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
        decisions=raw_references(document, "decisions"),
        evaluations=_evaluations(document),
        kpis=card_kpis,
        metadata={k: v for k, v in data.items() if k not in _OWN_KEYS},
        body=body,
        body_line=body_line,
    )
    return card, problems


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
