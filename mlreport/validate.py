"""Reading the records for a build or a check: load, join into the catalog, and every rule across records
(references, duplicate ids, supersede cycles, stale statuses) and card governance."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from mlreport.cache_dir import code_stamp, digest, read_cache, write_cache

from mlreport.catalog import Catalog, build_catalog
from mlreport.config import CONFIG_FILE, Options
from mlreport.governance import governance_problems
from mlreport.problems import Problem, did_you_mean, errors, excerpt
from mlreport.records import Decision, Experiment, Loaded, ModelCard, Record, RecordCache, decision_key, \
    listed_records, load_listed
from mlreport.records.codec import decode_problem, encode_problem
from mlreport.records.decision import next_decision_number
from mlreport.records.kinds import DECISION, KINDS
from mlreport.site_folder import Choice, SiteFolderError, Sources, check_site_folder


log = logging.getLogger("mlreport.records")

Unreadable = dict[str, set[str]]
"""Ids of the record files of each kind that exist but could not be read."""


@dataclass
class CheckedRecords:
    """Every record joined into the catalog, and every problem found on the way."""

    catalog: Catalog
    problems: list[Problem]
    notes: list[str] = field(default_factory=list)
    """What the user should know about the reading itself (see `Loaded.notes`); never a reason to fail."""

    @property
    def failed(self) -> bool:
        """Whether the records have errors (warnings alone do not stop a build)."""
        return bool(errors(self.problems))


@dataclass
class Validation:
    """What `mlreport validate` reports: every problem, the notes on the reading, and how many records of each
    kind the catalog holds."""

    problems: list[Problem]
    notes: list[str]
    counts: dict[str, int]

    @property
    def failed(self) -> bool:
        """Whether the records have errors (warnings alone do not stop a build)."""
        return bool(errors(self.problems))


RESULT_FILE = "validated.json"
"""The last check's verdict on the records, kept with the fingerprints of every file it read (see `validate`)."""


def validate(options: Options) -> Validation:
    """Every problem of the repository, as `read_records(options, cached=True)` finds them.

    The verdict on the records (their own problems, those across records, the cards' governance) is kept in the
    cache folder with the fingerprints of every file each record was read from, as the record cache has them, and
    with the options and the list of record files it was reached with: while all of those are what they were it
    is the verdict again, and nothing is loaded. The settings' own problems are checked every time.
    """
    files = list(listed_records(options))
    listed = [[kind, shown] for kind, shown, _ in files]
    path = options.root / options.cache_dir / RESULT_FILE
    key = _result_key(options, listed)
    kept = _kept_verdict(path, key, listed, options)
    if kept is not None:
        return kept
    cache = RecordCache.open(options)
    loaded = load_listed(options, files, cache=cache)
    catalog = build_catalog(loaded, options)
    found = record_problems(loaded, catalog, options)
    counts = {kind.name: len(getattr(catalog, kind.plural)) for kind in KINDS}
    if not cache.note:
        _keep_verdict(path, key, listed, cache, found, counts)
    return Validation(sorted({*setting_problems(options), *found}), loaded.notes, counts)


def _result_key(options: Options, listed: list[list[str]]) -> str:
    """What else the verdict depends on: the options, as their values say (however mkdocs.yml spelled them), and
    the record files, `[kind, path as records show it]` in load order (a record folder that leads out of the
    repository as `[kind, ""]`, whose verdict is never kept)."""
    return digest(json.dumps([repr(options), listed], ensure_ascii=True).encode("ascii"))


def _kept_verdict(path: Path, key: str, listed: list[list[str]], options: Options) -> Validation | None:
    body, _ = read_cache(path, code_stamp())
    if body is None:
        return None
    try:
        data = json.loads(body)
        if type(data) is not dict or data.get("key") != key or type(data.get("files")) is not list \
                or len(data["files"]) != len(listed):
            return None
        checker = RecordCache(path, options.root)
        for (kind, shown), files in zip(listed, data["files"]):
            if not checker.unchanged(shown, files):
                return None
        found = [decode_problem(problem) for problem in data["problems"]]
        counts = data["counts"]
        if type(counts) is not dict or counts.keys() != {kind.name for kind in KINDS} \
                or any(type(n) is not int for n in counts.values()):
            return None
    except (ValueError, TypeError, KeyError, RecursionError) as exc:
        log.debug("validate verdict %s ignored: %s", path, exc)
        return None
    if checker.restamped:
        _write_verdict(path, key, data["files"], data["problems"], counts)
    return Validation(sorted({*setting_problems(options), *found}), [], counts)


def _keep_verdict(path: Path, key: str, listed: list[list[str]], cache: RecordCache, found: list[Problem],
                  counts: dict[str, int]) -> None:
    """Keep the verdict when the record cache holds the files of every record it was reached from."""
    files = []
    for kind, shown in listed:
        entry = cache.kept.get((kind, shown))
        if entry is None:
            return  # a record no cache can vouch for (a file out of bounds, a folder outside): checked every time
        files.append(entry[0])
    # Which decision number is free is read from the whole folder, which no record's files vouch for.
    if any(p.key == "id" and p.message.startswith("duplicate decision id") for p in found):
        return
    _write_verdict(path, key, files, [encode_problem(p) for p in found], counts)


def _write_verdict(path: Path, key: str, files: list, problems: list, counts: dict[str, int]) -> None:
    body = json.dumps({"key": key, "files": files, "problems": problems, "counts": counts}, separators=(",", ":"))
    write_cache(path, code_stamp(), body.encode("ascii"))


def read_records(options: Options, *, cached: bool = False, cache: RecordCache | None = None,
                 listed: list[tuple[str, str, Path | None]] | None = None,
                 while_waiting: Callable[[], None] | None = None) -> CheckedRecords:
    """Load every record (`cached`: unchanged files from the record cache, `cache` when given; the files `listed`
    gives, when given: `listed_records`), join and check them; `while_waiting` runs while worker processes read
    the files (see `load_listed`)."""
    loaded = load_listed(options, list(listed_records(options)) if listed is None else listed, cached=cached,
                         cache=cache, while_waiting=while_waiting)
    catalog = build_catalog(loaded, options)
    return CheckedRecords(catalog, check_records(loaded, catalog, options), loaded.notes)


def check_records(loaded: Loaded, catalog: Catalog, options: Options) -> list[Problem]:
    """Every problem: the options', each record's own, and those across records; warnings are errors when strict."""
    return sorted({*setting_problems(options), *record_problems(loaded, catalog, options)})


def setting_problems(options: Options) -> list[Problem]:
    """The problems of the settings themselves (mkdocs.yml's options, the site folder), as `check_records` says
    them: what the records alone decide is `record_problems`."""
    problems = [*options.config_problems, *site_folder_problems(options)]
    return [_as_error(p) for p in problems] if options.strict else problems


def record_problems(loaded: Loaded, catalog: Catalog, options: Options) -> list[Problem]:
    """Each record's own problems, those across records and the cards' governance, as `check_records` says them."""
    problems = [*_optional_statuses(loaded.problems, loaded.decisions, options),
                *cross_record_problems(loaded, catalog),
                *governance_problems(catalog.models.values(), options.card_requirements)]
    return [_as_error(p) for p in problems] if options.strict else problems


def _optional_statuses(problems: list[Problem], decisions: list[Decision], options: Options) -> list[Problem]:
    """MADR makes the status optional: when most of the log has none, one note says so instead of a warning
    per decision; when most decisions have one, those without it still warn."""
    without = {d.path for d in decisions if not d.status_text}
    if len(without) * 2 <= len(decisions):
        return problems
    note = Problem(DECISION.folder(options).relative_to(options.root).as_posix(), 1, 1, "note",
                   f"{len(without)} of {len(decisions)} decisions have no status, so they show as unknown",
                   "the status is optional in MADR; add `status:` (or a `Status:` line) to show where each stands",
                   "status")
    return [p for p in problems if not (p.key == "status" and p.path in without)] + [note]


def site_folder_problems(options: Options) -> Iterator[Problem]:
    """A site_dir that a build would refuse (the project, .git, a record folder…) is an error in mkdocs.yml:
    whatever validate accepts, build builds. Whether a folder there holds foreign files is the build's to say."""
    try:
        check_site_folder(options.root / options.site_dir, Sources.of(options), Choice("site_dir in mkdocs.yml"),
                          written=False)
    except SiteFolderError as exc:
        line, column = options.setting_position("site_dir") or (1, 1)
        yield Problem(CONFIG_FILE, line, column, "error", exc.message, exc.hint, "site_dir")


def cross_record_problems(loaded: Loaded, model: Catalog) -> Iterator[Problem]:
    """Every rule that needs more than one record."""
    yield from _duplicate_ids(loaded.experiments, lambda r: r.id, "experiment")
    yield from _duplicate_ids(loaded.decisions, lambda r: decision_key(r.id), "decision",
                              lambda: _renumber_hint(model.options))
    yield from _duplicate_ids(loaded.models, lambda r: r.id, "model card")
    # Records that exist but could not be read have their own errors; naming them is no second one.
    unreadable = {kind: {decision_key(i) if kind == "decision" else i for i in ids}
                  for kind, ids in loaded.unreadable.items()}
    for experiment in model.experiments.values():
        yield from _experiment_references(experiment, model, unreadable)
    for decision in model.decisions.values():
        yield from _decision_references(decision, model, unreadable)
    for card in model.models.values():
        yield from _model_references(card, model, unreadable)
    yield from _supersede_cycles(model)
    yield from _stale_statuses(model)


def _duplicate_ids(records: list, key, kind: str,
                   hint: str | Callable[[], str] = "ids must be unique across all subfolders; rename one"
                   ) -> Iterator[Problem]:
    """A duplicate id's problem; a callable hint is asked only when there is one (it may scan a folder)."""
    seen: dict[str, Record] = {}
    for record in sorted(records, key=lambda r: r.path):
        first = seen.setdefault(key(record), record)
        if first is not record:
            yield Problem(record.path, *record.mark("id"), "error",
                          f"duplicate {kind} id `{record.id}`: {first.path} has it too",
                          hint() if callable(hint) else hint, "id")


def _renumber_hint(options: Options) -> str:
    """Two branches that both took the next number: say which number is free now."""
    free = next_decision_number(DECISION.folder(options), options.decisions_exclude)
    return f"renumber one of them to {free}, the next free number"


def _experiment_references(experiment: Experiment, model: Catalog, unreadable: Unreadable) -> Iterator[Problem]:
    if not experiment.baseline:
        return
    if experiment.baseline == experiment.id:
        yield _problem(experiment, "baseline", "`baseline` names the experiment itself",
                       "point it at the earlier experiment this one improves on")
    elif experiment.baseline not in model.experiments and experiment.baseline not in unreadable["experiment"]:
        yield _missing(experiment, "baseline", "experiment", experiment.baseline, model.experiments)


def _decision_references(decision: Decision, model: Catalog, unreadable: Unreadable) -> Iterator[Problem]:
    for index, ref in enumerate(decision.evidence):
        if ref not in model.experiments and ref not in unreadable["experiment"]:
            yield _missing(decision, f"evidence.{index}", "experiment", ref, model.experiments)
    for index, ref in enumerate(decision.models):
        if ref not in model.models and ref not in unreadable["model"]:
            yield _missing(decision, f"models.{index}", "model card", ref, model.models)
    for key in ("supersedes", "superseded_by"):
        for index, ref in enumerate(getattr(decision, key)):
            if decision_key(ref) in unreadable["decision"]:
                continue
            if model.decision(ref) is None:
                yield _missing_decision(decision, f"{key}.{index}", ref, model)
            elif decision_key(ref) == decision_key(decision.id):
                yield _problem(decision, f"{key}.{index}", f"`{key}` names the decision itself",
                               "name the other decision of the pair")


def _model_references(card: ModelCard, model: Catalog, unreadable: Unreadable) -> Iterator[Problem]:
    for index, evaluation in enumerate(card.evaluations):
        experiment = model.experiments.get(evaluation.experiment)
        if experiment is None and evaluation.experiment in unreadable["experiment"]:
            continue
        if experiment is None:
            yield _missing(card, f"evaluations.{index}.experiment", "experiment", evaluation.experiment,
                           model.experiments)
            continue
        for position, metric in enumerate(evaluation.metrics):
            if metric not in experiment.metrics:
                yield _problem(card, f"evaluations.{index}.metrics.{position}",
                               f"experiment `{experiment.id}` has no metric `{metric}`",
                               did_you_mean(metric, experiment.metrics) or
                               f"its metrics are: {', '.join(sorted(experiment.metrics)) or 'none'}")
    for index, ref in enumerate(card.decisions):
        if model.decision(ref) is None and decision_key(ref) not in unreadable["decision"]:
            yield _missing_decision(card, f"decisions.{index}", ref, model)


def _supersede_cycles(model: Catalog) -> Iterator[Problem]:
    """Each cycle once, reported on its smallest member."""
    reported: set[frozenset[str]] = set()
    for start in sorted(model.successors):
        path = _cycle_from(start, model.successors)
        if path and frozenset(path) not in reported:
            reported.add(frozenset(path))
            decision = model.decisions[min(path)]
            chain = ", which is superseded by ".join(path + [path[0]]).replace(
                ", which is", " is", 1)
            yield _problem(decision, "supersedes", f"supersede cycle: {chain}",
                           "a decision can only be superseded by a newer one; remove one link")


def _cycle_from(start: str, successors: dict[str, tuple[str, ...]]) -> list[str]:
    stack = [(start, [start])]
    while stack:
        node, path = stack.pop()
        for nxt in successors.get(node, ()):
            if nxt == start:
                return path
            if nxt not in path:
                stack.append((nxt, path + [nxt]))
    return []


def _stale_statuses(model: Catalog) -> Iterator[Problem]:
    for decision in model.decisions.values():
        successors = model.successors.get(decision.id, ())
        # Older formats keep the status in the body; the fix is worded for where it is written.
        in_front_matter = "status" in decision.marks
        where = decision.mark("status") if in_front_matter else (decision.status_line, 1)
        if successors and decision.status in ("accepted", "proposed"):
            names = ", ".join(successors)
            yield Problem(decision.path, *where, "warning",
                          f"decision is superseded by {names} but its status still says {decision.status}",
                          "set `status: superseded`" if in_front_matter
                          else f"change its status to `Superseded by {names}`", "status")
        elif decision.status == "superseded" and not successors and not decision.superseded_by:
            yield Problem(decision.path, *where, "warning", "decision says superseded but nothing supersedes it",
                          f'add `supersedes: ["{decision.id}"]` to the newer decision, or `superseded_by:` here'
                          if in_front_matter else
                          "name the newer decision: `Superseded by [its title](its-file.md)`", "status")


def _missing(record: Record, key: str, kind: str, ref: str, known: Iterable[str]) -> Problem:
    shown = excerpt(ref, quoted=False)
    hint = did_you_mean(ref, known) or f"no {kind} has the id `{shown}`"
    field = key.split(".")[0]
    return _problem(record, key, f"`{field}` refers to unknown {kind} `{shown}`", hint)


def _problem(record: Record, key: str, message: str, hint: str = "") -> Problem:
    line, column = record.mark(key) if key in record.marks else record.mark(key.split(".")[0])
    if (line, column) == (1, 1) and isinstance(record, Decision):
        line = record.status_line if key.startswith("supersede") else line
    return Problem(record.path, line, column, "error", message, hint, key)


def _missing_decision(record: Record, key: str, ref: str, model: Catalog) -> Problem:
    """Numbers that look alike are not typos of each other: name the range instead of a near miss."""
    if not decision_key(ref).isdigit():
        return _missing(record, key, "decision", ref, [d for d in model.decisions if d != record.id])
    numbered = sorted(d for d in model.decisions if d.isdigit())
    span = f"decisions run from {numbered[0]} to {numbered[-1]}" if numbered else "no decision is numbered"
    field = key.split(".")[0]
    return _problem(record, key, f"`{field}` refers to unknown decision `{ref}`",
                    f"no decision is numbered {ref}; {span}" if numbered else span)


def _as_error(problem: Problem) -> Problem:
    if problem.severity != "warning":
        return problem
    return Problem(problem.path, problem.line, problem.column, "error", problem.message, problem.hint,
                   problem.key)

