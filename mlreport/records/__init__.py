"""Load every record of a repo, collecting every problem instead of stopping at the first."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from mlreport.config import Options
from mlreport.problems import Problem, relative
from mlreport.records.common import Record
from mlreport.records.decision import Decision, decision_id, decision_key, is_decision_file, load_decision
from mlreport.records.experiment import Experiment, experiment_id, is_experiment_file, load_experiment
from mlreport.records.model_card import Evaluation, ModelCard, is_model_file, load_model_card, model_id
from mlreport.records.source import SourceError

__all__ = ["Decision", "Evaluation", "Experiment", "Loaded", "ModelCard", "Record", "decision_key",
           "load_records", "record_files"]


# The id each kind's file gives before it is read.
_ID_OF: dict[str, Callable[[Path], str]] = {
    "experiment": experiment_id, "decision": lambda path: decision_id(path.name), "model": model_id}


@dataclass
class Loaded:
    """Every record that could be read, and every problem found while reading."""

    experiments: list[Experiment] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    models: list[ModelCard] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unreadable: dict[str, set[str]] = field(default_factory=lambda: {kind: set() for kind in _ID_OF})
    """Ids that files of each kind give, for the files that exist but could not be read."""


Loader = Callable[[Path, Path], "tuple[Record | None, list[Problem]]"]


def record_files(options: Options) -> dict[str, list[Path]]:
    """The record files of each kind, in a stable order."""
    experiments = options.folder("experiment")
    decisions = options.folder("decision")
    models = options.folder("model")
    return {
        "experiment": [p for p in _walk(experiments) if is_experiment_file(p, experiments)],
        "decision": [p for p in _walk(decisions) if is_decision_file(p, options.decisions_exclude)],
        "model": [p for p in _walk(models) if is_model_file(p, models)],
    }


def load_records(options: Options) -> Loaded:
    """Read all records under the configured folders."""
    loaded = Loaded()
    loaders: dict[str, tuple[Loader, list[Record]]] = {
        "experiment": (load_experiment, loaded.experiments),  # type: ignore[dict-item]
        "decision": (load_decision, loaded.decisions),  # type: ignore[dict-item]
        "model": (load_model_card, loaded.models),  # type: ignore[dict-item]
    }
    for kind, files in record_files(options).items():
        load, into = loaders[kind]
        for path in files:
            try:
                record, problems = load(path, options.root)
            except SourceError as exc:
                record, problems = None, [exc.problem]
            except OSError as exc:
                record, problems = None, [Problem(relative(path, options.root), 1, 1, "error",
                                                  f"cannot read file: {exc.strerror}")]
            loaded.problems.extend(problems)
            if record is not None:
                into.append(record)
            else:
                loaded.unreadable[kind].add(_ID_OF[kind](path))
    return loaded


def _walk(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not _hidden(p, folder))


def _hidden(path: Path, folder: Path) -> bool:
    return any(part.startswith((".", "_")) for part in path.relative_to(folder).parts)

