"""`mlreport new` and `mlreport init`: new records from templates, never over an existing file."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import git

from mlreport.config import CONFIG_FILE, Options
from mlreport.leaderboards import slugify
from mlreport.problems import Problem, RecordError
from mlreport.records import decision_key
from mlreport.records.decision import decision_id, is_decision_file
from mlreport.schema import SCHEMAS, schema_path
from mlreport.templates import environment

KINDS = ("experiment", "decision", "model")
_SUFFIX = {"experiment": ".yaml", "decision": ".md", "model": ".md"}


def new_record(kind: str, title: str, options: Options, today: dt.date | None = None) -> Path:
    """Write a new record of `kind` and return its path; refuses to overwrite anything."""
    folder = options.folder(kind)
    slug = slugify(title)
    if kind == "decision":
        name = f"{next_decision_number(folder, options.decisions_exclude)}-{slug}.md"
    else:
        name = slug + _SUFFIX[kind]
    path = folder / name
    schema = ""
    if kind == "experiment":
        schema = os.path.relpath(write_schemas(options.root)["experiment"], folder)
    text = environment(options).get_template(f"scaffold/{kind}{_SUFFIX[kind]}.j2").render(
        title=title, date=(today or dt.date.today()).isoformat(), author=git_user(options.root),
        schema=Path(schema).as_posix())
    _write_new(path, text, options.root)
    return path


def next_decision_number(folder: Path, exclude: tuple[str, ...] = ()) -> str:
    """One more than the highest decision number, zero-padded to four digits."""
    numbers = [int(decision_key(decision_id(p.name))) for p in folder.rglob("*.md")
               if is_decision_file(p, exclude) and decision_key(decision_id(p.name)).isdigit()] \
        if folder.is_dir() else []
    return f"{max(numbers, default=0) + 1:04d}"


def init_repo(options: Options, site_name: str) -> list[Path]:
    """Make a repo ready for mlreport: folders, mkdocs.yml and one example of each kind."""
    written: list[Path] = []
    config = options.root / CONFIG_FILE
    if not config.exists():
        text = environment(options).get_template("scaffold/mkdocs.yml.j2").render(site_name=site_name)
        _write_new(config, text, options.root)
        written.append(config)
    docs = options.root / "docs"
    if not docs.exists():
        docs.mkdir(parents=True)
        index = docs / "about.md"
        index.write_text(f"# About {site_name}\n\nThe team's own pages live in `docs/`.\n", encoding="utf-8")
        written.append(index)
    examples = {"experiment": "Baseline model", "decision": "Record ML decisions in the repository",
                "model": "First model"}
    for kind, title in examples.items():
        folder = options.folder(kind)
        if folder.is_dir() and any(folder.iterdir()):
            continue
        written.append(new_record(kind, title, options))
    return written


def write_schemas(root: Path) -> dict[str, Path]:
    """Keep the JSON Schemas under `.mlreport/schemas/` in step with this version of mlreport."""
    paths = {}
    for kind, schema in SCHEMAS.items():
        path = root / schema_path(kind)
        text = json.dumps(schema, indent=2) + "\n"
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        paths[kind] = path
    return paths


def git_user(root: Path) -> str:
    """The git user's name, as records name their authors; empty outside git."""
    try:
        reader = git.Repo(root, search_parent_directories=True).config_reader()
        return str(reader.get_value("user", "name", ""))
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandError):
        return os.environ.get("USER", "")


def _write_new(path: Path, text: str, root: Path) -> None:
    if path.exists():
        shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        raise RecordError([Problem(shown, 1, 1, "error", "file already exists; mlreport never overwrites a record",
                                   "choose another title, or edit the existing file")])
    path.parent.mkdir(parents=True, exist_ok=True)
    # Decision titles flow into a Markdown heading; keep them on one line.
    path.write_text(re.sub(r"\r\n?", "\n", text), encoding="utf-8")
