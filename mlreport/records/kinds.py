"""The record kinds, defined once: every module that treats kinds alike iterates `KINDS`.

A kind says how its files are found and read (folder option, which files are records, the id a
file gives, the directory form's marker files, the loader), how references to it compare, and
how people read it (labels, the folder of its pages, who stands for a record, which fields the
pull-request report shows old → new). Adding a kind means adding one `RecordKind` here, its
loader module, its page template and their tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from mlreport.config import Options
from mlreport.problems import Problem
from mlreport.records import decision, experiment, model_card
from mlreport.records.common import Record
from mlreport.records.source import Reader

Loader = Callable[[Path, Reader], "tuple[Record | None, list[Problem]]"]
"""Reads one record file (and what it names) through the reader, which keeps every file the load read."""
Exists = Callable[[Path], bool]
"""Whether a file exists: on disk (`Path.is_file`), or in git for a file since deleted."""


def _same(reference: object) -> str:
    return str(reference)


@dataclass(frozen=True)
class RecordKind:
    """One kind of record: experiment, decision or model card."""

    name: str
    """The kind's key (`Record.kind`, feed categories, schema names): `experiment`."""
    plural: str
    """Where records of the kind are gathered (`Catalog.experiments`), and their pages' folder."""
    label: str
    """The kind in a sentence: `model card`."""
    folder_option: str
    """The option naming the kind's folder: `experiments_dir`."""
    suffix: str
    """The file suffix of a new record: `.yaml`."""
    load: Loader
    """Reads one file through a `Reader`: the record (None when it cannot be built) and every problem found."""
    is_record: Callable[[Path, Path, Options, Exists], bool]
    """Whether a file in the kind's folder (path, folder, options, which files exist) is a record."""
    id_of: Callable[[Path], str]
    """The id a record file gives before it is read."""
    markers: tuple[str, ...]
    """The record file's names in the directory form (`<id>/experiment.yaml`): its folder belongs to it."""
    people: str
    """The field naming who stands for a record when git cannot say: `authors`."""
    compared: tuple[str, ...]
    """The fields the pull-request report shows old → new; other differing fields are only named."""
    example: str
    """The title of the example record `mlreport init` writes."""
    key: Callable[[object], str] = _same
    """The form references are compared in (`7`, `"0007"` and `0007` all mean decision 0007)."""

    @property
    def labels(self) -> str:
        """The label for many: `model cards`."""
        return f"{self.label}s"

    @property
    def title(self) -> str:
        """The label with a capital: `Model card`."""
        return self.label[:1].upper() + self.label[1:]

    def folder(self, options: Options) -> Path:
        """The folder holding records of this kind."""
        return options.root / getattr(options, self.folder_option)

    def owns_folder(self, path: Path, options: Options) -> bool:
        """Whether the record file at `path` is in the directory form: the files beside it belong to it."""
        return path.name in self.markers and path.parent != self.folder(options)


EXPERIMENT = RecordKind(
    name="experiment", plural="experiments", label="experiment", folder_option="experiments_dir", suffix=".yaml",
    load=experiment.load_experiment, is_record=lambda path, folder, options, exists: experiment.is_experiment_file(path, folder, exists),
    id_of=experiment.experiment_id, markers=experiment.DIRECTORY_FORM_FILES, people="authors",
    compared=("title", "status", "date", "task", "dataset", "model", "baseline", "authors", "tags"),
    example="Baseline model",
)
DECISION = RecordKind(
    name="decision", plural="decisions", label="decision", folder_option="decisions_dir", suffix=".md",
    load=decision.load_decision,
    is_record=lambda path, folder, options, exists: decision.is_decision_page(
        path, options.decisions_exclude, options.decisions_include),
    id_of=lambda path: decision.decision_id(path.name), markers=(), people="decision_makers",
    compared=("title", "status", "date", "decision_makers", "supersedes", "evidence", "models", "tags"),
    example="Record ML decisions in the repository", key=decision.decision_key,
)
MODEL = RecordKind(
    name="model", plural="models", label="model card", folder_option="models_dir", suffix=".md",
    load=model_card.load_model_card,
    is_record=lambda path, folder, options, exists: model_card.is_model_file(path, folder, exists),
    id_of=model_card.model_id, markers=(model_card.DIRECTORY_FORM_FILE,), people="owners",
    compared=("title", "version", "status", "owners", "decisions", "tags"),
    example="First model",
)

KINDS: tuple[RecordKind, ...] = (EXPERIMENT, DECISION, MODEL)
"""Every kind, in the order pages, reports and counts list them."""
BY_NAME: dict[str, RecordKind] = {kind.name: kind for kind in KINDS}
NAMES: tuple[str, ...] = tuple(BY_NAME)


def is_hidden(path: Path, folder: Path) -> bool:
    """Files under a `.` or `_` folder (or named so) are never records: drafts, tool state, templates."""
    return any(part.startswith((".", "_")) for part in path.relative_to(folder).parts)


def kind_of(path: Path, options: Options, exists: Exists = Path.is_file) -> tuple[RecordKind, str] | None:
    """The kind and id of the record file at `path`, by the loaders' rules; None when it is no record.

    The deepest record folder holding the path decides, so nested folders (`records/decisions`
    inside `records`) read as their own kind.
    """
    for kind in sorted(KINDS, key=lambda kind: len(kind.folder(options).parts), reverse=True):
        folder = kind.folder(options)
        if path.is_relative_to(folder) and path != folder:
            if is_hidden(path, folder) or not kind.is_record(path, folder, options, exists):
                return None
            return kind, kind.id_of(path)
    return None
