"""The `mlreport` command line: thin commands over the library."""

from __future__ import annotations

import datetime as dt
import json
import logging
import multiprocessing
import os
import sys
import threading
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, NoReturn, TypeVar

import click

from mlreport import __version__
from mlreport.ci import PROVIDERS
from mlreport.config import CONFIG_FILE, Options, load_options
from mlreport.problems import RecordError, count_problems, errors, format_problems, warnings
from mlreport.project import NoProject, find_root
from mlreport.query import QueryError, parse, parse_columns, parse_order
from mlreport.results import FORMATS, answer, render as render_answer, summary
from mlreport.records.kinds import KINDS, NAMES
from mlreport.schema import SCHEMAS
from mlreport.site_folder import Choice, SiteFolderError, Sources, cannot_write, check_site_folder, mark
from mlreport.validate import read_records

if TYPE_CHECKING:
    from mlreport.importers.writer import Batch

# What only some commands need (MkDocs, the renderer, the importers, git diffing) is imported by those
# commands: `mlreport validate` on an unchanged repository is mostly the time Python takes to import.

T = TypeVar("T")
_ROOT = click.option("--root", type=click.Path(file_okay=False, path_type=Path),
                     help="The project folder (the one holding mkdocs.yml). Default: the nearest folder "
                          "holding mkdocs.yml, from the current one up to the repository's top.")


def docs_file() -> Path:
    """The guide (the README): shipped inside the package, or beside it in a source checkout."""
    here = Path(__file__).parent
    installed = here / "README.md"
    return installed if installed.is_file() else here.parent / "README.md"


_DOCS = f"Docs: {docs_file()} (the README); each command's own: mlreport COMMAND --help."


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=_DOCS)
@click.version_option(__version__, prog_name="mlreport", message=f"%(prog)s %(version)s\n{_DOCS}")
def main() -> None:
    """Keep an ML team's experiments, decisions and model cards in git, and publish them as a site."""


def run() -> None:
    """The `mlreport` program: a command, then an exit that leaves the heap to the system. Freeing the model of
    10,000 records object by object, as the interpreter does on its way out, took 1.3 s after a 7.7 s rebuild.
    The output is flushed first; a process with another thread or a child still running ends the ordinary way."""
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    if threading.active_count() > 1 or multiprocessing.active_children():
        sys.exit(code)
    if not isinstance(code, int):
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


@main.command()
@_ROOT
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--format", "fmt", type=click.Choice(["text", "github", "json"]), default="text",
              show_default=True, help="text for people, github for workflow annotations, json for tools.")
def validate(root: Path, strict: bool, fmt: str) -> None:
    """Check every record: schema, references, duplicates, cycles, stale statuses."""
    from mlreport.validate import validate as check

    options = _options(root, strict=strict, fmt=fmt)
    checked = check(options)
    problems = checked.problems
    _notes(checked.notes)
    if problems:
        click.echo(format_problems(problems, fmt))
    elif fmt == "json":
        click.echo("[]")
    if fmt == "text":
        counts = ", ".join(_count(checked.counts[kind.name], kind.label) for kind in KINDS)
        summary = (f"{counts}: {count_problems(problems)}" if errors(problems) or warnings(problems)
                   else f"{counts}: all valid")
        click.echo(summary, err=True)
    if errors(problems):
        sys.exit(1)


@main.command()
@click.argument("kind", type=click.Choice(NAMES), required=False)
def schema(kind: str | None) -> None:
    """Print the JSON Schema of a record kind (all three, keyed by kind, without KIND)."""
    click.echo(json.dumps(SCHEMAS[kind] if kind else SCHEMAS, indent=2))


@main.command()
@click.argument("kind", type=click.Choice(NAMES))
@click.argument("title")
@_ROOT
def new(kind: str, title: str, root: Path) -> None:
    """Write a new record from a template and print its path; never overwrites a file."""
    from mlreport.scaffold import new_record, title_slug

    if not title_slug(title):
        raise click.BadParameter("needs a letter or digit to name the file after", param_hint="TITLE")
    options = _options(root)
    try:
        path = new_record(kind, title, options)
    except RecordError as exc:
        _fail(exc)
    click.echo(path.relative_to(options.root.resolve()).as_posix() if path.is_relative_to(
        options.root.resolve()) else path)


@main.command()
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
              help="The folder to set up.")
@click.option("--name", "site_name", default="", help="Site name (default: the folder's name).")
@click.option("--ci", type=click.Choice(PROVIDERS), help="Also write the CI pipelines: validate, PR report, publish.")
def init(root: Path, site_name: str, ci: str | None) -> None:
    """Make a repository ready for mlreport: folders, mkdocs.yml, one example record of each kind."""
    from mlreport.ci import write_pipelines
    from mlreport.scaffold import has_plugin_entry, ignore_generated, init_repo

    root.mkdir(parents=True, exist_ok=True)
    options = _options(root)
    config = options.root / CONFIG_FILE
    if config.is_file() and not has_plugin_entry(config):
        click.echo(f"note: {CONFIG_FILE} was kept as it is; add `- mlreport` under its `plugins:` "
                   "to publish the records", err=True)
    try:
        written = init_repo(options, site_name or options.root.resolve().name)
    except RecordError as exc:
        _fail(exc)
    for path in written:
        click.echo(f"wrote {path.relative_to(options.root).as_posix()}")
    ignore_existed = (options.root / ".gitignore").exists()
    ignored = ignore_generated(options)
    if ignored:
        click.echo(f"added {', '.join(ignored)} to .gitignore" if ignore_existed else "wrote .gitignore")
    skipped: list[Path] = []
    if ci:
        pipelines, skipped = write_pipelines(options, ci)
        written += pipelines
        for path in pipelines:
            click.echo(f"wrote {_shown(path, options.root)}")
        for path in skipped:
            click.echo(f"skipped {_shown(path, options.root)}: it exists, and mlreport never overwrites it")
    if not written and not skipped and not ignored:
        click.echo("nothing to do: the repository is already set up")
        return
    click.echo("\n" + _next_steps(options.root), nl=False)


def _next_steps(root: Path) -> str:
    """What to run after `init`, as `git init` and `cargo new` say it: from the folder set up."""
    folder, here = root.resolve(), Path.cwd().resolve()
    steps = [] if folder == here else [f"cd {_shown(folder, here) if folder.is_relative_to(here) else folder}"]
    steps += ['mlreport new experiment "My first run"   # a record from the template, you as author',
              "mlreport validate                        # every problem at once, at its file:line:col",
              "mlreport serve                           # a live preview; `mlreport build` writes the site"]
    return "next:\n" + "".join(f"  {step}\n" for step in steps)


@main.command()
@click.argument("base", required=False)
@_ROOT
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True,
              help="markdown for a pull-request comment, json for tools.")
@click.option("--query", "expression", metavar="EXPR", default="",
              help="Report only the experiments matching EXPR (see `mlreport query`); decisions and "
                   "model cards stay.")
def diff(base: str | None, root: Path, fmt: str, expression: str) -> None:
    """Report what the working tree changes in the records against BASE (a branch, tag or commit).

    Without BASE, compares with the merge base of HEAD and the default branch (origin/HEAD, main or
    master). BASE is read from git directly: nothing is checked out, the work tree stays as it is.
    """
    from mlreport.diff import DiffError, diff_repo, render_json, render_markdown

    selection = _query(parse, expression, "query") if expression.strip() else None
    options = _options(root)
    try:
        report = diff_repo(options, base, selection)
    except DiffError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(render_markdown(report) if fmt == "markdown" else render_json(report), nl=False)


@main.command()
@click.argument("expression")
@_ROOT
@click.option("--order-by", "order_by", metavar="FIELDS", default="",
              help='Sort by fields, each ASC (default) or DESC: "metrics.test.pr_auc DESC, date".')
@click.option("--columns", metavar="FIELDS", default="",
              help="Fields to show, comma-separated (default: id, title, status, date and the fields the "
                   "expression and the order name).")
@click.option("--limit", type=click.IntRange(min=0), help="Show at most N experiments.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for people, json (stable) for tools, csv for spreadsheets.")
def query(expression: str, root: Path, order_by: str, columns: str, limit: int | None, fmt: str) -> None:
    """Print the experiments matching EXPRESSION (MLflow's search syntax: metrics.auc > 0.9 and ...)."""
    selection = _query(parse, expression, "query")
    order = _query(parse_order, order_by, "order-by") if order_by.strip() else []
    shown = _query(parse_columns, columns, "columns") if columns.strip() else []
    options = _options(root)
    checked = read_records(options, cached=True)  # as validate: unchanged records from the cache
    if errors(checked.problems):
        click.echo(f"warning: the records have {_count(len(errors(checked.problems)), 'error')} "
                   "(see `mlreport validate`); querying the ones that load", err=True)
    result = answer(checked.catalog.experiments.values(), selection, order, shown, limit)
    click.echo(render_answer(result, fmt), nl=False)
    if fmt == "table":
        click.echo(summary(result), err=True)


def _query(read: Callable[[str], T], text: str, source: str) -> T:
    """An expression read, or its one-line error (`query:1:18: expected …`) and exit 2."""
    try:
        return read(text)
    except QueryError as exc:
        click.echo(exc.located(source).line(), err=True)
        sys.exit(2)


@main.command()
@_ROOT
@click.option("--strict", is_flag=True, help="Treat warnings as errors: the records' and MkDocs' own.")
@click.option("--site-dir", type=click.Path(path_type=Path),
              help="Where the site goes (default: mkdocs.yml's site_dir, which defaults to site/).")
@click.option("--site-url", metavar="URL",
              help="Where the site is published, overriding mkdocs.yml's site_url: instant navigation "
                   "and the feed's absolute links need it.")
def build(root: Path, strict: bool, site_dir: Path | None, site_url: str | None) -> None:
    """Validate the records and build the site; a failed build leaves the previous site untouched."""
    from mlreport.build import BuildFailed, build_site

    options = _options(root, strict=strict)
    with _mkdocs_messages():
        try:
            target = build_site(options, site_dir, strict=strict, site_url=site_url)
        except SiteFolderError as exc:
            _refuse(exc)
        except BuildFailed as exc:
            click.echo(str(exc), err=True)
            found = f" ({count_problems(exc.problems)})" if exc.problems else ""
            click.echo(f"build failed{found}: the previous site, if any, is unchanged", err=True)
            sys.exit(1)
    click.echo(f"site built in {target}")
    here = Path.cwd().resolve()
    folder = _shown(target, here) if target.is_relative_to(here) else target
    click.echo(f"to look at it: mlreport serve (a live preview: a saved record shows within seconds), or python -m http.server -d "
               f"{folder} and open http://localhost:8000/")


@main.command()
@_ROOT
@click.option("--dev-addr", metavar="HOST:PORT", help="Where to serve (default: localhost:8000).")
def serve(root: Path, dev_addr: str | None) -> None:
    """Serve the site locally: a saved record updates its pages at once; other changes rebuild the site."""
    from mlreport.build import BuildFailed
    from mlreport.preview_server import serve_site

    options = _options(root)
    with _mkdocs_messages(info=True):
        try:
            serve_site(options, dev_addr, announce=lambda url: click.echo(
                f"serving the site at {url} once it is built; it rebuilds when a record changes (Ctrl+C stops)"))
        except SiteFolderError as exc:
            _refuse(exc)
        except BuildFailed as exc:
            raise click.ClickException(str(exc)) from None


@main.command()
@_ROOT
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Folder to write the generated Markdown, data files and assets into.")
def generate(root: Path, out: Path) -> None:
    """Write the generated pages, data and assets to a folder, without building a site."""
    from mlreport import render
    from mlreport.pipeline import generate_site

    options = _options(root)
    pages = "the generated pages"
    try:
        check_site_folder(out, Sources.of(options), Choice("--out", example="generated"), what=pages)
    except SiteFolderError as exc:
        _refuse(exc)
    try:
        result = generate_site(options)
    except RecordError as exc:
        _fail(exc)
    _notes(result.notes)
    if result.problems:
        click.echo(format_problems(result.problems, "text"), err=True)
    if result.failed:
        sys.exit(1)
    if result.history.warning:
        click.echo(f"warning: {result.history.warning}", err=True)
    try:
        written = render.write_generated(result.site, out)
        mark(out)
    except OSError as exc:
        _refuse(cannot_write(pages, out, exc))
    click.echo(f"wrote {len(written)} files to {_shown(out, Path.cwd())}")


@main.group("import")
def import_records() -> None:
    """Bring records in from MLflow, DVC/DVCLive or a Hugging Face model card; again later to refresh them."""


_PROGRESS_FROM = 50
"""How many records make an import long enough for a progress bar."""


_DRY_RUN = click.option("--dry-run", is_flag=True, help="Say what would be created and updated; write nothing.")


@import_records.command("mlflow")
@_ROOT
@click.option("--tracking-uri", metavar="URI",
              help="The MLflow store: a folder, sqlite:///mlflow.db, or a server (default: MLFLOW_TRACKING_URI).")
@click.option("--experiment", "experiments", multiple=True, metavar="NAME",
              help="Only runs of this MLflow experiment (repeat for more).")
@click.option("--filter", "filter_string", metavar="EXPR", default="",
              help="An MLflow search filter: \"metrics.auc > 0.9 and params.model = 'lgbm'\".")
@click.option("--run-id", "run_ids", multiple=True, metavar="ID", help="Only this run (repeat for more).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only runs started on or after this day.")
@_DRY_RUN
def import_mlflow(root: Path, tracking_uri: str | None, experiments: tuple[str, ...], filter_string: str,
                  run_ids: tuple[str, ...], since: dt.datetime | None, dry_run: bool) -> None:
    """One experiment record per MLflow run: params, final metrics, histories, tags, code, a link back."""
    from mlreport.importers.mlflow_runs import RunQuery, import_runs

    query = RunQuery(tracking_uri or "", experiments, filter_string, run_ids, since.date() if since else None)
    _import(_options(root), lambda: import_runs(query), dry_run)


@import_records.command("dvc")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@_ROOT
@_DRY_RUN
def import_dvc_runs(paths: tuple[Path, ...], root: Path, dry_run: bool) -> None:
    """Records from DVCLive folders (default: dvclive/) and `dvc exp show --json` files."""
    from mlreport.importers.dvc_runs import import_dvc

    options = _options(root)
    _import(options, lambda: import_dvc(list(paths), options.root), dry_run)


@import_records.command("hf-card")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@_ROOT
@_DRY_RUN
def import_hf_card(path: Path, root: Path, dry_run: bool) -> None:
    """A Hugging Face model card (README.md or its folder): the card, and an experiment per model-index result."""
    from mlreport.importers.hub_cards import import_card

    options = _options(root)
    _import(options, lambda: import_card(path, options.root), dry_run)


@main.group("export")
def export_records() -> None:
    """Write records out for other tools."""


@export_records.command("hf-card")
@click.argument("card_id", metavar="ID")
@_ROOT
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the README here (default: print it).")
def export_hf_card(card_id: str, root: Path, out: Path | None) -> None:
    """A model card as a Hugging Face README, its model-index generated from the linked experiments."""
    from mlreport.importers import ImportFailed
    from mlreport.importers.hub_cards import export_card

    options = _options(root)
    checked = read_records(options)
    if errors(checked.problems):
        _fail(RecordError(errors(checked.problems)))
    try:
        text = export_card(checked.catalog, card_id)
    except ImportFailed as exc:
        click.echo(exc.line(), err=True)
        sys.exit(1)
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        click.echo(f"error: cannot write {out}: {exc.strerror}", err=True)
        sys.exit(1)
    click.echo(f"wrote {_shown(out, Path.cwd())}", err=True)


def _import(options: Options, read: Callable[[], Batch], dry_run: bool) -> None:
    """Read the records, write them (a progress bar on a terminal when there are many), say what changed."""
    from mlreport.importers import ImportFailed
    from mlreport.importers.writer import write_batch

    try:
        batch = read()
        shown = len(batch) >= _PROGRESS_FROM and sys.stderr.isatty()
        with click.progressbar(length=len(batch), label="importing", file=sys.stderr, hidden=not shown) as bar:
            written = write_batch(batch, options, dry_run=dry_run, on_each=lambda: bar.update(1))
    except ImportFailed as exc:
        click.echo(exc.line(), err=True)
        sys.exit(1)
    except RecordError as exc:
        _fail(exc)
    for warning in batch.warnings:
        click.echo(f"warning: {warning}", err=True)
    for verb, paths in (("created", written.created), ("updated", written.updated)):
        for path in paths:
            click.echo(f"{'would be ' if dry_run else ''}{verb} {path}")
    click.echo(f"{'dry run, nothing written: ' if dry_run else ''}{written.summary()}")


@contextmanager
def _mkdocs_messages(info: bool = False) -> Iterator[None]:
    """Show MkDocs' log while it runs: warnings, mlreport's own notes, and MkDocs' progress when `info`."""
    handler = _EchoHandler(progress=info)
    logger = logging.getLogger("mkdocs")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(min(logger.getEffectiveLevel(), handler.level))
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


class _EchoHandler(logging.Handler):
    def __init__(self, progress: bool):
        super().__init__(logging.INFO)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        own = record.name.startswith("mkdocs.plugins.mlreport")
        if record.levelno < logging.WARNING and not (own or self.progress):
            return
        message = record.getMessage()
        # mlreport's own problems already read `path:line:col: warning: …`.
        click.echo(message if own else f"{record.levelname}: {message}", err=True)


def _notes(notes: list[str]) -> None:
    for note in notes:
        click.echo(f"note: {note}", err=True)


def _shown(path: Path, root: Path) -> str:
    """A path relative to the repo when it is inside it (pipelines may sit above a site's folder)."""
    return Path(os.path.relpath(path, root.resolve())).as_posix()


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _options(root: Path | None, strict: bool = False, fmt: str = "text") -> Options:
    """The project's options: at --root as given, else at the project found from the current folder."""
    if root is None:
        try:
            root = find_root(Path.cwd())
        except NoProject as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
    elif not root.is_dir():
        # A mistyped --root must not validate an empty repository and pass.
        raise click.BadParameter(f"no such folder: {root}", param_hint="'--root'")
    try:
        options = load_options(root.resolve())
    except RecordError as exc:
        _fail(exc, fmt)
    if strict:
        options = replace(options, strict=True)
    return options


def _refuse(exc: SiteFolderError) -> NoReturn:
    click.echo(exc.line(), err=True)
    sys.exit(1)


def _fail(exc: RecordError, fmt: str = "text") -> None:
    # Annotations and JSON are read from stdout by tools; text is for people, on stderr.
    click.echo(format_problems(exc.problems, fmt), err=fmt == "text")
    sys.exit(1)
