"""mlreport's options: plain typed dataclasses, read from mkdocs.yml's plugin entry with every problem located.

They live under the plugin entry in mkdocs.yml:

    plugins:
      - search
      - mlreport:
          leaderboards:
            - {title: Fraud PR-AUC, task: fraud-detection, dataset: transactions, metric: test.pr_auc}

Nothing here knows MkDocs: the CLI reads the options with `load_options`, the MkDocs plugin
(`mlreport.plugin`) hands its entry over the same way. Each option is a field of `Options`
declared with `option()`: its reader checks and converts the value, its docstring is what
`mlreport`'s README documents (a test holds them together).
"""

from __future__ import annotations

import dataclasses
import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import yaml

from mlreport.metrics import GOALS, Target, parse_target
from mlreport.schema import MODEL_STATUSES
from mlreport.problems import Problem, RecordError, describe, did_you_mean, errors, yaml_problem
from mlreport.query import QueryError, parse

CONFIG_FILE = "mkdocs.yml"
PLUGIN = "mlreport"
"""The plugin's name under `plugins:` (and the prefix of every option in messages)."""

Marks = dict[str, tuple[int, int]]
"""Line and column of each option, by dotted path under the plugin entry (`leaderboards.0.goal`); "" is the entry."""


class Invalid(Exception):
    """An option value that cannot be used: for each fault, where, what was expected, and a hint."""

    def __init__(self, says: str = "", hint: str = "", at: str = "", *, faults: list[Fault] | None = None):
        self.faults = faults if faults is not None else [Fault(at, says, hint)]
        super().__init__("; ".join(fault.says for fault in self.faults))


@dataclass(frozen=True)
class Fault:
    """One thing wrong inside an option's value."""

    at: str
    """The part of the value at fault, below the option (`0.goal`); "" for the whole value."""
    says: str
    """What is wrong, as the message goes on after the option's name: `must be text; found number 5`."""
    hint: str = ""


# -- readers: a YAML value in, the option's value out (or Invalid) --------------------------------


def text(value: Any) -> str:
    """A string."""
    if not isinstance(value, str):
        raise Invalid(f"must be text; found {describe(value)}", "quote the value")
    return value


def flag(value: Any) -> bool:
    """true or false."""
    if not isinstance(value, bool):
        raise Invalid(f"must be true or false; found {describe(value)}")
    return value


def texts(value: Any) -> tuple[str, ...]:
    """A list of strings."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise Invalid(f"must be a list of text; found {describe(value)}", 'write a YAML list: `["draft-*.md"]`')
    return tuple(value)


def goals(value: Any) -> dict[str, str]:
    """A mapping of metric names to max or min."""
    if not isinstance(value, dict):
        raise Invalid(f"must be a mapping of metric names to max or min; found {describe(value)}",
                      "write `{business.cost: min}`")
    faults = [Fault(str(metric), f"must be max or min; found {describe(goal)}",
                    did_you_mean(goal, GOALS) or "max: higher is better, min: lower is better")
              for metric, goal in value.items() if goal not in GOALS]
    if faults:
        raise Invalid(faults=faults)
    return {str(metric): str(goal) for metric, goal in value.items()}


def board_filter(value: Any) -> dict[str, Any] | str:
    """A query expression, checked here so a bad one is reported at its line; or a mapping."""
    if not isinstance(value, str):
        return _mapping(value, "filter")
    try:
        parse(value)
    except QueryError as exc:
        raise Invalid(f"is not a valid query: column {exc.column} of {value!r}: {exc.message}",
                      exc.hint or "see README's Querying section") from None
    return value


@dataclass(frozen=True)
class Leaderboard:
    """A leaderboard definition, configured or automatic."""

    title: str
    metric: str
    goal: str = ""
    task: str = ""
    dataset: str = ""
    split: str = ""
    filter: dict[str, Any] | str = field(default_factory=dict)
    """A query expression (`"metrics.ops.p99_ms < 10"`), or the older mapping (`{tags: [gbm]}`)."""
    automatic: bool = False


_BOARD_KEYS: dict[str, Callable[[Any], Any]] = {
    "title": text, "metric": text, "task": text, "dataset": text, "split": text,
    "goal": lambda value: _choice(value, GOALS), "filter": board_filter,
}


def leaderboards(value: Any) -> tuple[Leaderboard, ...]:
    """A list of leaderboard definitions: `{title, metric, task?, dataset?, goal?, split?, filter?}`."""
    return _definitions(value, "leaderboard", ("title", "metric"), _BOARD_KEYS,
                        lambda read: Leaderboard(**{**read, "title": read.get("title") or read["metric"]}),
                        metric=("to rank on", "add `metric: test.accuracy`, a flattened metric name"))


@dataclass(frozen=True)
class Scope:
    """Which records a KPI speaks of: experiments of a task and dataset, the cards evaluated on them."""

    task: str = ""
    dataset: str = ""
    model: str = ""
    """A model card id: the KPI reads that card only."""


@dataclass(frozen=True)
class Kpi:
    """A KPI: a metric, the target it must meet, and the looser mark below which it is missed."""

    metric: str
    title: str
    target: Target
    warn: Target | None = None
    """Missing the target but meeting this is `at risk`; without it a miss is a miss."""
    scope: Scope = Scope()
    unit: str = ""
    owner: str = ""


def target(value: Any) -> Target:
    """A comparison and a number: `"<= 4.0"`."""
    try:
        return parse_target(value)
    except ValueError as exc:
        raise Invalid(f"{exc}; found {describe(value)}", 'write it quoted: `target: ">= 0.95"`') from None


def scope(value: Any) -> Scope:
    """`{task?, dataset?, model?}`: the records a KPI covers."""
    if not isinstance(value, dict):
        raise Invalid(f"must be a mapping of task, dataset and model; found {describe(value)}",
                      "write `scope: {task: fraud-detection}`")
    allowed = [f.name for f in dataclasses.fields(Scope)]
    faults = [Fault(str(key), "is not a scope setting", did_you_mean(key, allowed) or f"they are: {', '.join(allowed)}")
              for key in value if key not in allowed]
    faults += [Fault(str(key), f"must be text; found {describe(entry)}", "quote the value")
               for key, entry in value.items() if key in allowed and not isinstance(entry, str)]
    if faults:
        raise Invalid(faults=faults)
    return Scope(**value)


_KPI_KEYS: dict[str, Callable[[Any], Any]] = {
    "metric": text, "title": text, "target": target, "warn": target, "scope": scope, "unit": text, "owner": text,
}


def kpis(value: Any) -> tuple[Kpi, ...]:
    """A list of KPI definitions: `{metric, target, title?, warn?, scope?: {task, dataset, model}, unit?, owner?}`."""
    return _definitions(value, "KPI", ("metric", "target"), _KPI_KEYS,
                        lambda read: Kpi(**{**read, "title": read.get("title") or read["metric"]}),
                        metric=("to measure", "add `metric: business.fraud_loss_bps`, a flattened metric name"),
                        target=("to meet", 'add `target: "<= 4.0"`: the comparison the metric must meet'))


def _definitions(value: Any, what: str, shown: tuple[str, ...], keys: dict[str, Callable[[Any], Any]],
                 build: Callable[[dict], Any], **required: tuple[str, str]) -> tuple[Any, ...]:
    """A list of mappings, each key read by its reader, each entry built when it has the keys it requires.

    `shown` are the keys examples name; `required` gives each required key what it is for and a hint.
    """
    example = ", ".join(f"{key}: …" for key in shown)
    if not isinstance(value, list):
        raise Invalid(f"must be a list of {what}s; found {describe(value)}",
                      f"write one `- {{{example}}}` line per {what}")
    built, faults = [], []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            faults.append(Fault(str(index), f"must be a {what} `{{{', '.join(shown)}, …}}`; found {describe(item)}"))
            continue
        read: dict[str, Any] = {}
        for key, entry in item.items():
            reader = keys.get(key)
            if reader is None:
                faults.append(Fault(f"{index}.{key}", f"is not a {what} setting",
                                    did_you_mean(key, keys) or f"they are: {', '.join(keys)}"))
                continue
            try:
                read[key] = reader(entry)
            except Invalid as exc:
                faults += [Fault(f"{index}.{key}" + (f".{fault.at}" if fault.at else ""), fault.says, fault.hint)
                           for fault in exc.faults]
        absent = [key for key in required if key not in item]
        faults += [Fault(str(index), f"needs a `{key}` {required[key][0]}", required[key][1]) for key in absent]
        if not absent and not faults:
            built.append(build(read))
    if faults:
        raise Invalid(faults=faults)
    return tuple(built)


def _choice(value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise Invalid(f"must be one of {', '.join(allowed)}; found {describe(value)}",
                      did_you_mean(value, allowed) or f"write {' or '.join(allowed)}")
    return value


def _mapping(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(f"must be a query or a mapping; found {describe(value)}",
                      f"write `{name}: \"tags contains 'gbm'\"`")
    return dict(value)


@dataclass(frozen=True)
class CardRequirements:
    """What a model card in one status must have: body sections (by heading) and front-matter fields."""

    sections: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()


DEFAULT_CARD_REQUIREMENTS = {
    # After the Hugging Face model card template: a model that ships says what it is for, what it
    # must not be used for, its risks, how it was trained and evaluated, who owns it, its licence.
    "production": CardRequirements(
        sections=("Uses", "Direct Use", "Out-of-Scope Use", "Bias, Risks, and Limitations", "Training Details",
                  "Evaluation"),
        fields=("owners", "license", "evaluations")),
    "candidate": CardRequirements(sections=("Uses", "Bias, Risks, and Limitations", "Evaluation"),
                                  fields=("owners", "evaluations")),
}


def card_requirements(value: Any) -> dict[str, CardRequirements]:
    """Per card status, `{sections: [headings], fields: [keys]}`; statuses named replace their defaults."""
    if not isinstance(value, dict):
        raise Invalid(f"must be a mapping of card statuses to requirements; found {describe(value)}",
                      "write `{production: {sections: [Uses], fields: [owners]}}`")
    faults, read = [], {}
    for status, entry in value.items():
        if status not in MODEL_STATUSES:
            faults.append(Fault(str(status), "is not a model card status",
                                did_you_mean(status, MODEL_STATUSES) or f"they are: {', '.join(MODEL_STATUSES)}"))
        elif not isinstance(entry, dict) and entry is not None:
            faults.append(Fault(str(status), f"must be `{{sections: […], fields: […]}}`; found {describe(entry)}"))
        else:
            faults += [Fault(f"{status}.{key}", "is not a requirement", "they are: sections, fields")
                       for key in entry or {} if key not in ("sections", "fields")]
            try:
                read[str(status)] = CardRequirements(**{key: texts(items) for key, items in (entry or {}).items()
                                                        if key in ("sections", "fields")})
            except Invalid as exc:
                faults += [Fault(str(status), fault.says, fault.hint) for fault in exc.faults]
    if faults:
        raise Invalid(faults=faults)
    return {**DEFAULT_CARD_REQUIREMENTS, **read}


@dataclass(frozen=True)
class Headings:
    """How the site's Markdown `toc` extension writes a heading, for pages rendered straight to HTML."""

    permalink: str = ""
    """The permalink anchor's text as HTML (`&para;` for `permalink: true`); empty when the site has none."""
    permalink_class: str = "headerlink"
    permalink_title: str = "Permanent link"
    separator: str = "-"


DIRECT_HTML_EXTENSIONS = frozenset({"tables", "attr_list", "md_in_html", "admonition", "toc", "fenced_code",
                                    "codehilite", "def_list", "footnotes", "meta", "sane_lists",
                                    "pymdownx.highlight", "pymdownx.inlinehilite", "pymdownx.superfences",
                                    "pymdownx.details", "pymdownx.tabbed", "pymdownx.tasklist"})
"""Markdown extensions that leave record pages as the `.html.j2` templates write them; any other one (it may
rewrite text: `smarty`, `nl2br`, `abbr`…) sends record pages through Markdown."""
_TOC_KEYS = {"permalink", "permalink_class", "permalink_title", "separator", "toc_depth", "title", "marker",
             "title_class", "toc_class"}


def headings(extensions: list[tuple[str, dict[str, Any]]]) -> Headings | None:
    """The headings of a site with these Markdown extensions (name, settings); None when record pages must go
    through Markdown: an extension that may change their text, or `toc` settings HTML pages do not follow."""
    names = {name.removeprefix("markdown.extensions.") for name, _ in extensions}
    if not names <= DIRECT_HTML_EXTENSIONS:
        return None
    settings = next((dict(cfg or {}) for name, cfg in extensions
                     if name.removeprefix("markdown.extensions.") == "toc"), {})
    if not set(settings) <= _TOC_KEYS or str(settings.get("toc_depth", 6)) != "6":
        return None
    link = settings.get("permalink", False)
    # Escaped for HTML here, as Markdown's serializer escapes them; `True` is Markdown's own `&para;`.
    return Headings(permalink="&para;" if link is True else html.escape(str(link or ""), quote=False),
                    permalink_class=html.escape(str(settings.get("permalink_class", "headerlink"))),
                    permalink_title=html.escape(str(settings.get("permalink_title", "Permanent link"))),
                    separator=str(settings.get("separator", "-")))


def _site_extensions(value: Any) -> list[tuple[str, dict[str, Any]]]:
    """mkdocs.yml's `markdown_extensions` as (name, settings) pairs, as MkDocs reads the list or mapping."""
    items = value.items() if isinstance(value, dict) else (
        next(iter(item.items())) if isinstance(item, dict) and len(item) == 1 else (item, {})
        for item in (value if isinstance(value, list) else []))
    return [(str(name), cfg if isinstance(cfg, dict) else {}) for name, cfg in items]


def option(default: Any, reader: Callable[[Any], Any], doc: str) -> Any:
    """An option settable under the plugin entry: its default, how its value is read, and what it does."""
    metadata = {"reader": reader, "doc": doc}
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata=metadata)
    return field(default=default, metadata=metadata)


# -- the options ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """Everything the core reads: the plugin entry's options and a few site-wide settings."""

    root: Path
    experiments_dir: str = option("experiments", text, "Folder of experiment records, relative to mkdocs.yml.")
    decisions_dir: str = option("decisions", text, "Folder of decision records.")
    models_dir: str = option("models", text, "Folder of model cards.")
    decisions_exclude: tuple[str, ...] = option((), texts, "Extra file-name globs in the decisions folder that "
                                                           "are not decisions.")
    decisions_include: tuple[str, ...] = option((), texts, "File-name globs in the decisions folder that are "
                                                           "decisions even when named or written like an index.")
    leaderboards: tuple[Leaderboard, ...] = option((), leaderboards, "Leaderboard definitions; uncovered "
                                                                     "(task, dataset) pairs get one automatically.")
    index_columns: tuple[str, ...] = option((), texts, "The experiments index's metric and parameter columns, in "
                                                       "order: `[test.pr_auc, params.num_leaves]`; default: the "
                                                       "ranked and most common metrics.")
    metric_goals: dict[str, str] = option({}, goals, "Metric direction overrides: "
                                                                       "`{business.cost: min}`.")
    kpis: tuple[Kpi, ...] = option((), kpis, "KPI definitions: a metric, its target and warning mark, the records "
                                             "it covers; the KPI page and the pull-request report read them.")
    card_requirements: dict[str, CardRequirements] = option(
        DEFAULT_CARD_REQUIREMENTS, card_requirements, "Sections and fields a model card must have in each status; "
                                                      "statuses named replace their defaults.")
    templates_dir: str = option("templates", text, "Folder whose Jinja2 templates override mlreport's own, "
                                                   "file by file.")
    cache_dir: str = option(".mlreport/cache", text, "Where the history, record and page caches live (keep it between "
                                                     "CI runs); git ignores what is inside.")
    history: bool = option(True, flag, "Read provenance from git.")
    theme_shell: bool = option(True, flag, "Render the theme once per folder of record pages and fill in each "
                                           "page, proved against full renders; false renders every page in full.")
    strict: bool = option(False, flag, "Treat warnings as errors.")

    # Site-wide settings of mkdocs.yml that the core needs.
    repo_url: str = ""
    edit_uri: str = ""
    site_name: str = ""
    site_url: str = ""
    """The published site's address, for absolute links (the Atom feed); empty when unknown."""
    docs_dir: str = "docs"
    """The docs folder as mkdocs.yml names it, relative to the root."""
    site_dir: str = "site"
    """Where the site is built, as mkdocs.yml names it."""
    use_directory_urls: bool = True
    headings: Headings | None = Headings(permalink="&para;")
    """How the site's `toc` writes headings; None sends record pages through Markdown (see `headings`)."""

    config_problems: tuple[Problem, ...] = ()
    """Warnings about the options themselves (an unknown option name), reported with the records'."""
    setting_marks: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False, repr=False)
    """Line and column of each top-level setting's value in mkdocs.yml (`site_dir`), for messages."""

    def setting_position(self, key: str) -> tuple[int, int] | None:
        """Where a top-level setting of mkdocs.yml is written; None when it is not set there."""
        return self.setting_marks.get(key)

    @property
    def docs_name(self) -> str:
        """The docs folder's own name (edit links swap it for a record's path)."""
        return Path(self.docs_dir).name


def plugin_options() -> list[dataclasses.Field]:
    """The options settable under the plugin entry, in declaration order."""
    return [f for f in dataclasses.fields(Options) if "reader" in f.metadata]


def load_options(root: Path, config_file: Path | None = None) -> Options:
    """Options from mkdocs.yml's plugin entry; defaults when there is no mkdocs.yml. Raises RecordError."""
    path = config_file or root / CONFIG_FILE
    if not path.is_file():
        return Options(root=root)
    site, marks, setting_marks = read_site_config(path)
    options, problems = options_from_entry(plugin_entry(site.get("plugins")), root, site, marks, path.name,
                                           setting_marks)
    if errors(problems):
        raise RecordError(problems)
    return options


def options_from_entry(entry: dict[str, Any], root: Path, site: dict[str, Any], marks: Marks,
                       shown: str = CONFIG_FILE, setting_marks: Marks | None = None) -> tuple[Options, list[Problem]]:
    """Options from the plugin entry (and a few site-wide keys), with every problem of every option."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    known = {f.name: f for f in plugin_options()}
    for key, value in entry.items():
        setting = known.get(str(key))
        if setting is None:
            problems.append(Problem(shown, *_mark(marks, str(key)), "warning",
                                    f"unknown option `{PLUGIN}.{key}`; mlreport does not read it",
                                    did_you_mean(key, known) or f"the options are: {', '.join(known)}", str(key)))
            continue
        try:
            values[setting.name] = setting.metadata["reader"](value)
        except Invalid as exc:
            for fault in exc.faults:
                where = f"{key}.{fault.at}" if fault.at else str(key)
                problems.append(Problem(shown, *_mark(marks, where), "error",
                                        f"option `{PLUGIN}.{where}` {fault.says}", fault.hint, str(key)))
    options = Options(
        root=root, **values,
        repo_url=str(site.get("repo_url") or ""),
        edit_uri=str(site.get("edit_uri") or ""),
        site_name=str(site.get("site_name") or ""),
        site_url=str(site.get("site_url") or ""),
        docs_dir=str(site.get("docs_dir") or "docs"),
        site_dir=str(site.get("site_dir") or "site"),
        use_directory_urls=bool(site.get("use_directory_urls", True)),
        headings=headings(_site_extensions(site.get("markdown_extensions")) + [("toc", {})]),
        config_problems=tuple(p for p in problems if p.severity != "error"),
        setting_marks=dict(setting_marks or {}),
    )
    return options, problems


def read_site_config(path: Path) -> tuple[dict[str, Any], Marks, Marks]:
    """mkdocs.yml's content, where each mlreport option sits in it, and where each top-level setting's value does."""
    shown = path.name
    try:
        loader = TolerantLoader(path.read_bytes().decode("utf-8-sig"))
        try:
            node = loader.get_single_node()
            site = loader.construct_document(node) if node is not None else {}
        finally:
            loader.dispose()
    except UnicodeDecodeError:
        raise RecordError([Problem(shown, 1, 1, "error", f"{shown} is not valid UTF-8",
                                   "re-save it with UTF-8 encoding")]) from None
    except yaml.MarkedYAMLError as exc:
        raise RecordError([yaml_problem(exc, shown)]) from None
    if not isinstance(site, dict):
        raise RecordError([Problem(shown, 1, 1, "error", f"{shown} must be a mapping of settings",
                                   "start with `site_name: …`")])
    return site, entry_marks(node), setting_marks(node)


def entry_marks(node: yaml.Node | None) -> Marks:
    """Line and column of everything under the mlreport entry, by dotted path; "" is the entry itself."""
    marks: Marks = {"": (1, 1)}
    plugins = _value_node(node, "plugins")
    items = plugins.value if isinstance(plugins, yaml.SequenceNode) else [plugins]
    for item in items:
        entry = _value_node(item, PLUGIN)
        if entry is not None:
            marks[""] = (entry.start_mark.line + 1, entry.start_mark.column + 1)
            marks.update(_marks_below(entry, ""))
    return marks


def setting_marks(node: yaml.Node | None) -> Marks:
    """Line and column of each top-level setting's value (`site_dir: site` → the position of `site`)."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(key.value): (value.start_mark.line + 1, value.start_mark.column + 1)
            for key, value in node.value if isinstance(key, yaml.ScalarNode)}


def plugin_entry(plugins: Any) -> dict[str, Any]:
    """The options under the mlreport entry of `plugins:` (a list or a mapping); empty when it has none."""
    if isinstance(plugins, dict):
        return dict(plugins.get(PLUGIN) or {})
    for item in plugins or []:
        if isinstance(item, dict) and PLUGIN in item:
            return dict(item[PLUGIN] or {})
    return {}


def _marks_below(node: yaml.Node, prefix: str) -> Iterator[tuple[str, tuple[int, int]]]:
    if isinstance(node, yaml.MappingNode):
        children = [(str(key.value), key, value) for key, value in node.value if isinstance(key, yaml.ScalarNode)]
    elif isinstance(node, yaml.SequenceNode):
        children = [(str(index), item, item) for index, item in enumerate(node.value)]
    else:
        return
    for name, key, value in children:
        path = f"{prefix}{name}"
        yield path, (key.start_mark.line + 1, key.start_mark.column + 1)
        yield from _marks_below(value, f"{path}.")


def _mark(marks: Marks, path: str) -> tuple[int, int]:
    """The position of a dotted path, or of its nearest parent that has one."""
    while path not in marks and path:
        path = path.rpartition(".")[0]
    return marks.get(path, marks[""])


def _value_node(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return value_node
    return None


class TolerantLoader(yaml.SafeLoader):
    """Safe YAML that reads MkDocs' `!!python/name:` and `!ENV` tags as plain values."""


TolerantLoader.add_multi_constructor("", lambda loader, suffix, node: None)
