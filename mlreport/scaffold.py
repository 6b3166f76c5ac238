"""`mlreport new` and `mlreport init`: new records from templates, never over an existing file."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

from mlreport import git
from mlreport.config import CONFIG_FILE, Options
from mlreport.problems import Problem, RecordError
from mlreport.records.decision import next_decision_number
from mlreport.records.kinds import BY_NAME, DECISION, KINDS
from mlreport.schema import SCHEMAS, schema_path
from mlreport.slugs import slugify
from mlreport.templates import environment

_SLUG_LENGTH = 60


def new_record(kind: str, title: str, options: Options, today: dt.date | None = None, example: bool = False) -> Path:
    """Write a new record of `kind` and return its path; refuses to overwrite anything.

    A new record carries `{…}` placeholders for its author to fill (validate warns until they are);
    an `example` (what `init` writes) is filled in.
    """
    title = " ".join(title.split())  # one line: the title also becomes a Markdown heading
    slug = title_slug(title)
    if not slug:
        raise ValueError(f"title {title!r} has no letter or digit to name the file after")
    record_kind = BY_NAME[kind]
    folder = record_kind.folder(options)
    if record_kind is DECISION:
        name = f"{next_decision_number(folder, options.decisions_exclude)}-{slug}.md"
    else:
        name = slug + record_kind.suffix
    path = folder / name
    _refuse_existing(path, options.root)
    schema = ""
    if record_kind.suffix == ".yaml":  # YAML records name their schema, for editors
        schema = Path(os.path.relpath(write_schemas(options.root)[kind], folder)).as_posix()
    text = environment(options).get_template(f"scaffold/{kind}{record_kind.suffix}.j2").render(
        title=title, date=(today or dt.date.today()).isoformat(), author=git_user(options.root), schema=schema,
        example=example)
    _write(path, text)
    return path


def title_slug(title: str) -> str:
    """The file name a title gives: `Über ResNet-50!` → `uber-resnet-50`; empty when nothing is usable."""
    return slugify(title, _SLUG_LENGTH)


def has_plugin_entry(config: Path) -> bool:
    """Whether a mkdocs.yml lists the mlreport plugin (init never edits an existing one)."""
    text = config.read_text(encoding="utf-8", errors="replace")
    return re.search(r"^[ \t]*(?:-[ \t]*)?mlreport[ \t]*(?::|$)", text, re.M) is not None


def init_repo(options: Options, site_name: str) -> list[Path]:
    """Make a repo ready for mlreport: folders, mkdocs.yml and one example of each kind."""
    written: list[Path] = []
    config = options.root / CONFIG_FILE
    if not config.exists():
        _write(config, environment(options).get_template("scaffold/mkdocs.yml.j2").render(site_name=site_name))
        written.append(config)
    docs = options.root / options.docs_dir
    if not docs.exists():
        docs.mkdir(parents=True)
        index = docs / "about.md"
        index.write_text(f"# About {site_name}\n\nThe team's own pages live in `docs/`.\n", encoding="utf-8")
        written.append(index)
    for kind in KINDS:
        folder = kind.folder(options)
        if folder.is_dir() and any(folder.iterdir()):
            continue
        written.append(new_record(kind.name, kind.example, options, example=True))
    return written


def ignore_generated(options: Options) -> list[str]:
    """Add the site and cache folders to the repo's `.gitignore` (made if missing, only ever appended to);
    returns the lines added."""
    ignore = options.root / ".gitignore"
    text = ignore.read_text(encoding="utf-8", errors="replace") if ignore.is_file() else ""
    present = {_ignored_folder(line) for line in text.splitlines()}
    wanted = [f"/{folder}/" for folder in _generated_folders(options)]
    added = [line for line in wanted if _ignored_folder(line) not in present]
    if added:
        separator = "\n" if text and not text.endswith("\n") else ""
        header = "# Built by mlreport from the records: not to commit\n"
        with ignore.open("a", encoding="utf-8") as stream:
            stream.write(separator + ("\n" if text.strip() else "") + header + "".join(f"{line}\n" for line in added))
    return added


def _generated_folders(options: Options) -> list[str]:
    """The site and cache folders as paths relative to the root; one outside the repo needs no ignore rule."""
    root = options.root.resolve()
    folders = []
    for folder in (options.site_dir, options.cache_dir):
        path = (root / folder).resolve()
        if path != root and path.is_relative_to(root):
            folders.append(path.relative_to(root).as_posix())
    return folders


def _ignored_folder(line: str) -> str:
    """The folder an ignore line names, however it is spelt (`site`, `site/`, `/site/`)."""
    return line.strip().strip("/")


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
    """The git user's name, as records name their authors; the login name outside git."""
    try:
        git.probe(root)
    except git.GitError:
        return os.environ.get("USER", "")
    return git.config_value(root, "user.name")


def _refuse_existing(path: Path, root: Path) -> None:
    if path.exists():
        shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        raise RecordError([Problem(shown, 1, 1, "error", "file already exists; mlreport never overwrites a record",
                                   "choose another title, or edit the existing file")])


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
