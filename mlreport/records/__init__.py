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
from mlreport.records.cache import RecordCache
from mlreport.records.source import SourceError, recording_dependencies

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
    experiments = options.root / options.experiments_dir
    decisions = options.root / options.decisions_dir
    models = options.root / options.models_dir
    return {
        "experiment": [p for p in _walk(experiments) if is_experiment_file(p, experiments)],
        "decision": [p for p in _walk(decisions) if is_decision_file(p, options.decisions_exclude)],
        "model": [p for p in _walk(models) if is_model_file(p, models)],
    }


def load_records(options: Options, *, cached: bool = False) -> Loaded:
    """Read all records under the configured folders; `cached` reuses those whose file did not change."""
    loaded = Loaded()
    loaders: dict[str, tuple[Loader, list[Record]]] = {
        "experiment": (load_experiment, loaded.experiments),  # type: ignore[dict-item]
        "decision": (load_decision, loaded.decisions),  # type: ignore[dict-item]
        "model": (load_model_card, loaded.models),  # type: ignore[dict-item]
    }
    cache = RecordCache.open(options) if cached else None
    for kind, files in record_files(options).items():
        load, into = loaders[kind]
        for path in files:
            record, problems = _load_cached(kind, load, path, options.root, cache) if cache else \
                _load(load, path, options.root)
            loaded.problems.extend(problems)
            if record is not None:
                into.append(record)
            else:
                loaded.unreadable[kind].add(_ID_OF[kind](path))
    if cache:
        cache.save()
    return loaded


def _load(load: Loader, path: Path, root: Path) -> tuple[Record | None, list[Problem]]:
    try:
        return load(path, root)
    except SourceError as exc:
        return None, [exc.problem]
    except OSError as exc:
        return None, [Problem(relative(path, root), 1, 1, "error", f"cannot read file: {exc.strerror}")]


def _load_cached(kind: str, load: Loader, path: Path, root: Path,
                 cache: RecordCache) -> tuple[Record | None, list[Problem]]:
    """A record from the cache when its file is unchanged; else loaded, and kept if it depends on that file alone."""
    try:
        content = path.read_bytes()
    except OSError:
        return _load(load, path, root)
    shown = relative(path, root)
    record = cache.get(kind, shown, content)
    if record is not None:
        return record, []
    with recording_dependencies() as dependencies:
        record, problems = _load(load, path, root)
    if record is not None and not problems and dependencies == [path]:
        cache.put(kind, shown, content, record)
    return record, problems


def _walk(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not _hidden(p, folder))


def _hidden(path: Path, folder: Path) -> bool:
    return any(part.startswith((".", "_")) for part in path.relative_to(folder).parts)

