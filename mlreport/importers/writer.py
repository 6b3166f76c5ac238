"""Imported records written as a person would write them: created, updated in place, or left alone.

An imported record is `experiments/<id>/experiment.yaml`, its curves beside it as
`history/<metric>.tsv`. A later import finds it again by its `source` ids, wherever a person
moved it, and refreshes what the tool owns (metrics, params, histories, …) while what a person
owns stays as they wrote it: `title`, `notes` and `baseline` are only ever written once, tags
are only ever added, and of `extra` only the tool's own block (`extra.mlflow`) is refreshed. A record whose data would not
change is not rewritten, and one that changes is edited in place (importers/yaml_edit.py): the comments a
person added survive either way.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import yaml

from mlreport.config import Options
from mlreport.importers.yaml_edit import updated_yaml
from mlreport.records import record_files
from mlreport.records.experiment import DIRECTORY_FORM_FILES, Series, experiment_id
from mlreport.problems import RecordError, relative
from mlreport.records.marked_yaml import split_front_matter
from mlreport.records.source import SourceError
from mlreport.scaffold import write_schemas
from mlreport.schema import schema_path

IDENTITY: dict[str, tuple[str, ...]] = {"mlflow": ("run_id",), "dvc": ("path", "rev"),
                                        "huggingface": ("model", "result")}
"""The `source` keys that name one imported record, by tool."""
WRITTEN_ONCE = ("title", "notes", "baseline")
"""Keys an import writes when it creates a record and never again: from then on they are a person's."""
_UNSAFE_FILE_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Imported:
    """One record read from a tool: its YAML mapping in the order a person writes it, and its curves."""

    id: str
    """The id it would like (a slug of the run's name); another is chosen when that one is taken."""
    data: dict[str, Any]
    """The record's keys; `source` says where it came from."""
    histories: dict[str, Series] = field(default_factory=dict)
    """Per-step series to write as TSV files beside the record."""


@dataclass(frozen=True)
class ImportedCard:
    """A model card read from a tool, linked to the experiments imported with it."""

    id: str
    metadata: dict[str, Any]
    """Its front matter, Hub keys as they were, without the results the experiments now hold."""
    body: str
    evaluations: tuple[tuple[int, tuple[str, ...], str], ...]
    """(index of the imported experiment, its metrics, split) for each evaluation."""


@dataclass
class Batch:
    """What one import read: experiment records, warnings about values left out, and maybe a card."""

    records: Iterable[Imported]
    """The records; an importer may yield them as they are read, so a progress bar shows the reading too."""
    warnings: list[str] = field(default_factory=list)
    """Filled as the records are read: complete once `records` is exhausted."""
    card: ImportedCard | None = None
    total: int | None = None
    """How many records a lazy `records` yields (a list says so itself)."""

    def __len__(self) -> int:
        return self.total if self.total is not None else len(self.records)  # type: ignore[arg-type]


@dataclass
class Written:
    """What an import did (or, with `--dry-run`, would do), by record file."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    """The id of each imported experiment, in the order given (a new one's, or the existing record's)."""

    def summary(self) -> str:
        """`2 created, 1 updated, 5 unchanged`."""
        return f"{len(self.created)} created, {len(self.updated)} updated, {len(self.unchanged)} unchanged"


@dataclass
class _Existing:
    """The experiments already in the repo: files of imported ones by source, and every id taken."""

    by_source: dict[tuple[str, ...], Path]
    ids: set[str]
    id_of: dict[Path, str]
    """Files that set their own `id:`."""


def source_key(source: Any) -> tuple[str, ...] | None:
    """The identity of an imported record (`('mlflow', '<run id>')`); None for hand-written ones."""
    if not isinstance(source, dict) or not source.get("tool"):
        return None
    tool = str(source["tool"])
    return (tool, *(str(source.get(key) or "") for key in IDENTITY.get(tool, ())))


def write_batch(batch: Batch, options: Options, *, dry_run: bool = False,
                on_each: Callable[[], None] | None = None) -> Written:
    """Write a batch's experiments, then its card linked to them."""
    written = write_imported(batch.records, options, dry_run=dry_run, on_each=on_each)
    if batch.card:
        state, path, text = _plan_card(batch.card, written.ids, options)
        getattr(written, state).append(Path(os.path.relpath(path, options.root)).as_posix())
        if state != "unchanged" and not dry_run:
            _write({path: text})
    return written


def write_imported(records: Iterable[Imported], options: Options, *, dry_run: bool = False,
                   on_each: Callable[[], None] | None = None) -> Written:
    """Create or update a file per record (nothing is written when `dry_run`); `on_each` ticks a progress bar."""
    existing = _existing(options)
    written = Written()
    for record in records:
        state, path, files = _plan(record, existing, options)
        getattr(written, state).append(Path(os.path.relpath(path, options.root)).as_posix())
        written.ids.append(existing.id_of.get(path) or experiment_id(path))
        if state != "unchanged" and not dry_run:
            _write(files)
        if on_each:
            on_each()
    if (written.created or written.updated) and not dry_run:
        write_schemas(options.root)  # the files name their schema, so editors check them as people edit
    return written


def record_yaml(data: dict[str, Any], path: Path, root: Path) -> str:
    """A record's YAML: its schema line, then each key as a block, blank lines around the long ones."""
    schema = Path(os.path.relpath(root / schema_path("experiment"), path.parent)).as_posix()
    parts = [f"# yaml-language-server: $schema={schema}\n"]
    for key, value in data.items():
        block = yaml.dump({key: value}, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=88)
        long = block.count("\n") > 1
        if long or (len(parts) > 1 and parts[-1].count("\n") > 1):
            parts.append("\n")
        parts.append(block)
    return "".join(parts)


def history_file_name(metric: str) -> str:
    """The TSV file a metric's series goes to: `train.loss.tsv` (the loader reads its name back)."""
    return _UNSAFE_FILE_CHARACTERS.sub("_", metric) + ".tsv"


def series_tsv(metric: str, points: Series) -> str:
    """A series as DVCLive writes one: a `step` column and the metric's values."""
    column = metric.rsplit(".", 1)[-1] or "value"
    lines = [f"step\t{column}"] + [f"{_number(step)}\t{_number(value)}" for step, value in points]
    return "\n".join(lines) + "\n"


class _Dumper(yaml.SafeDumper):
    """Block style, but a short list of plain values on one line: `authors: [ana, bo]`, as people write it."""

    def represent_list(self, data: Any) -> yaml.Node:  # noqa: D102 (PyYAML's API)
        node = super().represent_list(data)
        short = all(isinstance(v, (str, int, float, bool)) for v in data) and len(repr(data)) <= 60
        node.flow_style = short and bool(data)
        return node


_Dumper.add_representer(list, _Dumper.represent_list)


def _plan(record: Imported, existing: _Existing, options: Options) -> tuple[str, Path, dict[Path, str | None]]:
    """Whether a record is created, updated or unchanged, its file, and every file to write (None: delete)."""
    key = source_key(record.data.get("source"))
    path = existing.by_source.get(key) if key else None
    old: dict[str, Any] | None = None
    if path is None:
        record_id = _free_id(record.id, key, existing.ids)
        existing.ids.add(record_id)
        path = options.root / options.experiments_dir / record_id / DIRECTORY_FORM_FILES[0]
        data = dict(record.data)
    else:
        old = yaml.safe_load(path.read_text(encoding="utf-8"))
        data = _merged(old, record.data)
    files: dict[Path, str | None] = {}
    if record.histories:
        folder = _history_folder(path)
        data = _with_history(data, Path(os.path.relpath(folder, path.parent)).as_posix())
        files = {folder / history_file_name(name): series_tsv(name, points)
                 for name, points in sorted(record.histories.items())}
        stale = sorted(folder.glob("*.tsv")) if folder.is_dir() and old is not None else []
        files.update({file: None for file in stale if file not in files})
    if old is not None and data == old and all(_same_file(file, text) for file, text in files.items()):
        return "unchanged", path, {}
    if old is None:
        files[path] = record_yaml(data, path, options.root)
        return "created", path, files
    files[path] = updated_yaml(path.read_text(encoding="utf-8"), data) or record_yaml(data, path, options.root)
    return "updated", path, files


def _plan_card(card: ImportedCard, ids: list[str], options: Options) -> tuple[str, Path, str]:
    """A new card with its evaluations; an existing one keeps every word and gains the evaluations it lacks."""
    path = options.root / options.models_dir / f"{card.id}.md"
    evaluations = [{"experiment": ids[index], **({"metrics": list(metrics)} if metrics else {}),
                    **({"split": split} if split else {})} for index, metrics, split in card.evaluations]
    if not path.is_file():
        return "created", path, card_text({**card.metadata, **({"evaluations": evaluations} if evaluations else {})},
                                          card.body)
    text = path.read_text(encoding="utf-8")
    try:
        document, body, _ = split_front_matter(text, relative(path, options.root))
    except SourceError as exc:
        raise RecordError([exc.problem]) from None
    metadata = dict(document.data) if document else {}
    known = {str(e.get("experiment")) for e in metadata.get("evaluations") or [] if isinstance(e, dict)}
    missing = [e for e in evaluations if e["experiment"] not in known]
    if not missing:
        return "unchanged", path, text
    metadata["evaluations"] = [*(metadata.get("evaluations") or []), *missing]
    head = text[: len(text) - len(body)]  # `---`, the front matter, `---`
    opened, closing = head.index("\n") + 1, head.rstrip("\r\n").rfind("\n") + 1
    front = updated_yaml(head[opened:closing], metadata)
    return "updated", path, (head[:opened] + front + head[closing:] + body if front is not None
                             else card_text(metadata, body))


def card_text(metadata: dict[str, Any], body: str) -> str:
    """A model card file: its front matter as YAML a person writes, then the body exactly as it was."""
    front = "".join(yaml.dump({key: value}, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=88)
                    for key, value in metadata.items())
    return f"---\n{front}---\n{body}"


def _merged(old: Any, new: dict[str, Any]) -> dict[str, Any]:
    """The old record with the tool's keys refreshed; what a person owns kept as they left it."""
    merged = dict(old) if isinstance(old, dict) else {}
    tool = str(new.get("source", {}).get("tool", ""))
    for key, value in new.items():
        if key in WRITTEN_ONCE and key in merged:
            continue
        if key == "tags" and isinstance(merged.get("tags"), list):
            value = [*merged["tags"], *(tag for tag in value if tag not in merged["tags"])]  # a person's stay
        if key == "extra" and isinstance(merged.get("extra"), dict):
            # Only the tool's own block of `extra` is the import's; the rest is the team's.
            value = {**merged["extra"], **{k: v for k, v in value.items() if k == tool}}
        merged[key] = value
    return merged


def _with_history(data: dict[str, Any], history: str) -> dict[str, Any]:
    """The record with `history` where a person puts it: after the metrics it draws."""
    if "history" in data or "metrics" not in data:
        return {**data, "history": history}
    placed: dict[str, Any] = {}
    for key, value in data.items():
        placed[key] = value
        if key == "metrics":
            placed["history"] = history
    return placed


def _existing(options: Options) -> _Existing:
    by_source: dict[tuple[str, ...], Path] = {}
    ids: set[str] = set()
    id_of: dict[Path, str] = {}
    for path in record_files(options)["experiment"]:
        ids.add(experiment_id(path))
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "source:" not in text:  # only imported records have one; parsing every file would be slow
            continue
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            continue  # validate reports it; an import must not stop on a record it does not own
        if isinstance(data, dict):
            if data.get("id"):
                ids.add(str(data["id"]))
                id_of[path] = str(data["id"])
            key = source_key(data.get("source"))
            if key:
                by_source.setdefault(key, path)
    return _Existing(by_source, ids, id_of)


def _free_id(wanted: str, key: tuple[str, ...] | None, taken: set[str]) -> str:
    """The wanted id, else it with the source's id appended (`sweep-3-a1b2c3d4`), else numbered."""
    if wanted not in taken:
        return wanted
    suffix = key[-1][:8].lower() if key and key[-1] else ""
    candidate = f"{wanted}-{suffix}" if suffix else wanted
    number = 2
    while candidate in taken:
        candidate = f"{wanted}-{number}"
        number += 1
    return candidate


def _history_folder(path: Path) -> Path:
    """`history/` in the directory form; beside a single-file record, `<id>-history/`."""
    if path.name in DIRECTORY_FORM_FILES:
        return path.parent / "history"
    return path.parent / f"{path.stem}-history"


def _same_file(path: Path, text: str | None) -> bool:
    if text is None:
        return not path.exists()
    try:
        return path.read_text(encoding="utf-8") == text
    except OSError:
        return False


def _write(files: dict[Path, str | None]) -> None:
    for file, text in files.items():
        if text is None:
            file.unlink(missing_ok=True)
            continue
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))
