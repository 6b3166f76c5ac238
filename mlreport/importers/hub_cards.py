"""Hugging Face model cards in and out, through `huggingface_hub`'s own card classes (the `hf` extra).

In: the card keeps its Hub metadata and its body as they are; each result set of its
`model-index` (one task, dataset and split) becomes an experiment record, and the card links
them in `evaluations`, so the numbers live once. Out: the card's metadata with a `model-index`
generated from those evaluations, the body unchanged.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urljoin

from mlreport.catalog import Catalog
from mlreport.config import Options
from mlreport.importers import ImportFailed, require
from mlreport.importers.values import is_number, metric_key, modified_day
from mlreport.importers.writer import Batch, Imported, ImportedCard
from mlreport.problems import RecordError, did_you_mean, relative
from mlreport.records import Experiment
from mlreport.records.model_card import DIRECTORY_FORM_FILE, hub_readme
from mlreport.records.marked_yaml import split_front_matter
from mlreport.records.source import SourceError
from mlreport.render.site import page_url, record_page
from mlreport.slugs import slugify

RESULTS_KEYS = ("model-index", "model_index")
"""Where a card carries its results (the second is the legacy spelling)."""


def import_card(path: Path, root: Path) -> Batch:
    """A Hub card (its README.md, or the folder holding it) as a card and one experiment per result set."""
    hub = require("huggingface_hub", "hf")
    file = path / DIRECTORY_FORM_FILE if path.is_dir() else path
    shown = relative(file, root)
    if not file.is_file():
        raise ImportFailed(f"no model card at {shown}", "name a card's README.md, or the folder holding it")
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFailed(f"cannot read {shown}: {exc}", "a card is a UTF-8 Markdown file") from None
    try:
        # mlreport's reader first: a broken card is one located line, in the words validate uses.
        document, body, _ = split_front_matter(text, shown)
    except SourceError as exc:
        raise RecordError([exc.problem]) from None
    metadata = dict(document.data) if document else {}
    try:
        card = hub.ModelCard(text)
        name, results = card.data.model_name, list(card.data.eval_results or [])
        if "model-index" not in metadata and metadata.get("model_index"):
            name, results = require("huggingface_hub.repocard_data", "hf").model_index_to_eval_results(
                metadata["model_index"])
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ImportFailed(f"{shown}: huggingface_hub cannot read the card's model-index: {exc}",
                           "each result needs task.type, dataset.type and dataset.name, metrics with type "
                           "and value") from None
    name = name or _folder_name(file)
    card_id = slugify(name) or "model"
    records, evaluations, warnings = _result_records(results, card_id, name, modified_day(file), shown)
    kept = {"name": name, **{key: value for key, value in metadata.items() if key not in RESULTS_KEYS}}
    return Batch(records, warnings, ImportedCard(card_id, kept, body, tuple(evaluations)))


def export_card(catalog: Catalog, card_id: str) -> str:
    """A card as a Hub-ready README: `model-index` from its evaluations (else its own), the body as written."""
    card = catalog.models.get(card_id)
    if card is None:
        raise ImportFailed(f"no model card with the id {card_id!r}",
                           did_you_mean(card_id, catalog.models) or f"cards: {', '.join(sorted(catalog.models))}")
    return hub_readme(card, catalog.model_index(card, _source_url(catalog.options)))


def _source_url(options: Options) -> Callable[[Experiment], str] | None:
    """Each result's link to its experiment's page, as the site's own export block has it."""
    if not options.site_url:
        return None
    base = options.site_url.rstrip("/") + "/"
    return lambda experiment: urljoin(base, page_url(record_page("experiment", experiment.id),
                                                     options.use_directory_urls))


def _result_records(results: list[Any], card_id: str, name: str, day: dt.date, shown: str
                    ) -> tuple[list[Imported], list[tuple[int, tuple[str, ...], str]], list[str]]:
    """An experiment per (task, dataset, config, split), its metrics, and the card's evaluation of it."""
    groups: dict[tuple[str, ...], list[Any]] = {}
    for result in results:
        key = tuple(str(getattr(result, attribute) or "") for attribute in
                    ("task_type", "dataset_type", "dataset_config", "dataset_split", "dataset_revision"))
        groups.setdefault(key, []).append(result)
    records: list[Imported] = []
    evaluations: list[tuple[int, tuple[str, ...], str]] = []
    warnings: list[str] = []
    for (task, dataset, config, split, revision), group in groups.items():
        metrics = {}
        for result in group:
            if is_number(result.metric_value):
                metrics[metric_key(result.metric_type)] = result.metric_value
            else:
                warnings.append(f"{shown}: result {result.metric_type!r} on {dataset} is "
                                f"{result.metric_value!r}, not a number; left out")
        first = group[0]
        label = " ".join(part for part in (first.dataset_name or dataset, config, split) if part)
        data: dict[str, Any] = {"title": f"{name} on {label}", "date": day, "status": "completed", "task": task}
        if dataset:
            data["dataset"] = {k: v for k, v in (("name", dataset), ("version", revision), ("split", split)) if v}
        data.update(model=card_id, metrics=metrics)
        if first.dataset_name and first.dataset_name != dataset:
            data["extra"] = {"huggingface": {"dataset_name": first.dataset_name}}
        data["source"] = {"tool": "huggingface", "model": card_id, "result": "/".join((task, dataset, config, split))}
        evaluations.append((len(records), tuple(metrics), split))
        records.append(Imported(slugify(f"{card_id} {dataset} {config} {split}") or card_id, data))
    return records, evaluations, warnings


def _folder_name(file: Path) -> str:
    return file.parent.name if file.name == DIRECTORY_FORM_FILE else file.stem

