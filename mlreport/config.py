"""mlreport's options: typed MkDocs config, shared by the MkDocs plugin and the CLI.

They live under the plugin entry in mkdocs.yml:

    plugins:
      - search
      - mlreport:
          leaderboards:
            - {title: Fraud PR-AUC, task: fraud-detection, dataset: transactions, metric: test.pr_auc}
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from mkdocs.config import base
from mkdocs.config import config_options as c

from mlreport.problems import Problem, RecordError, did_you_mean, errors, yaml_problem

CONFIG_FILE = "mkdocs.yml"


class LeaderboardConfig(base.Config):
    """One configured leaderboard."""

    title = c.Type(str)
    """Heading shown on the site."""
    metric = c.Type(str)
    """The flattened metric name ranked on, e.g. `test.accuracy`."""
    task = c.Optional(c.Type(str))
    """Only experiments of this task."""
    dataset = c.Optional(c.Type(str))
    """Only experiments on this dataset (its name)."""
    goal = c.Optional(c.Choice(("max", "min")))
    """Whether higher or lower is better; inferred from the metric name when absent."""
    split = c.Optional(c.Type(str))
    """Only experiments whose dataset split is this."""
    filter = c.Type(dict, default={})
    """Further conditions: `{tags: [x], status: completed, params.model: resnet}`."""


class PluginConfig(base.Config):
    """Options under `plugins: - mlreport:` in mkdocs.yml."""

    experiments_dir = c.Type(str, default="experiments")
    """Folder of experiment records, relative to mkdocs.yml."""
    decisions_dir = c.Type(str, default="decisions")
    """Folder of decision records."""
    models_dir = c.Type(str, default="models")
    """Folder of model cards."""
    decisions_exclude = c.ListOfItems(c.Type(str), default=[])
    """Extra file-name globs in the decisions folder that are not decisions."""
    leaderboards = c.ListOfItems(c.SubConfig(LeaderboardConfig), default=[])
    """Leaderboard definitions; uncovered (task, dataset) pairs get one automatically."""
    metric_goals = c.Type(dict, default={})
    """Metric direction overrides: `{business.cost: min}`."""
    templates_dir = c.Type(str, default="templates")
    """Folder whose Jinja2 templates override mlreport's own, file by file."""
    cache_dir = c.Type(str, default=".mlreport/cache")
    """Where the history and record caches live (keep it between CI runs); git ignores what is inside."""
    history = c.Type(bool, default=True)
    """Read provenance from git."""
    strict = c.Type(bool, default=False)
    """Treat warnings as errors."""


@dataclass(frozen=True)
class Leaderboard:
    """A leaderboard definition, configured or automatic."""

    title: str
    metric: str
    goal: str = ""
    task: str = ""
    dataset: str = ""
    split: str = ""
    filter: dict[str, Any] = field(default_factory=dict)
    automatic: bool = False


@dataclass(frozen=True)
class Options:
    """The plain, engine-free form of the options that the core reads."""

    root: Path
    experiments_dir: str = "experiments"
    decisions_dir: str = "decisions"
    models_dir: str = "models"
    decisions_exclude: tuple[str, ...] = ()
    leaderboards: tuple[Leaderboard, ...] = ()
    metric_goals: dict[str, str] = field(default_factory=dict)
    templates_dir: str = "templates"
    cache_dir: str = ".mlreport/cache"
    history: bool = True
    strict: bool = False
    repo_url: str = ""
    edit_uri: str = ""
    site_name: str = ""
    site_url: str = ""
    """The published site's address, for absolute links (the Atom feed); empty when unknown."""
    docs_dir: str = "docs"
    use_directory_urls: bool = True

    config_problems: tuple[Problem, ...] = ()
    """Warnings about the options themselves (an unknown option name), reported with the records'."""

    def folder(self, kind: str) -> Path:
        """The folder holding records of a kind."""
        name = {"experiment": self.experiments_dir, "decision": self.decisions_dir,
                "model": self.models_dir}[kind]
        return self.root / name


def options_from_config(config: PluginConfig, root: Path, site: dict[str, Any] | None = None) -> Options:
    """Plain options from the validated plugin config (and a few site-wide mkdocs.yml keys)."""
    site = site or {}
    return Options(
        root=root,
        experiments_dir=config.experiments_dir,
        decisions_dir=config.decisions_dir,
        models_dir=config.models_dir,
        decisions_exclude=tuple(config.decisions_exclude),
        leaderboards=tuple(Leaderboard(
            title=board.title or board.metric, metric=board.metric, goal=board.goal or "",
            task=board.task or "", dataset=board.dataset or "", split=board.split or "",
            filter=dict(board.filter or {})) for board in config.leaderboards),
        metric_goals={str(k): str(v) for k, v in (config.metric_goals or {}).items()},
        templates_dir=config.templates_dir,
        cache_dir=config.cache_dir,
        history=config.history,
        strict=config.strict,
        repo_url=str(site.get("repo_url") or ""),
        edit_uri=str(site.get("edit_uri") or ""),
        site_name=str(site.get("site_name") or ""),
        site_url=str(site.get("site_url") or ""),
        docs_dir=Path(str(site.get("docs_dir") or "docs")).name,
        use_directory_urls=bool(site.get("use_directory_urls", True)),
    )


def load_options(root: Path, config_file: Path | None = None) -> Options:
    """Options from mkdocs.yml's plugin entry; defaults when there is no mkdocs.yml."""
    path = config_file or root / CONFIG_FILE
    if not path.is_file():
        return Options(root=root)
    shown = path.name
    site, marks = _read_site_config(path, shown)
    config, problems = _validate_entry(_plugin_entry(site.get("plugins")), path, marks)
    if errors(problems):
        raise RecordError(problems)
    return replace(options_from_config(config, root, site), config_problems=tuple(problems))


def _read_site_config(path: Path, shown: str) -> tuple[dict[str, Any], dict[str, tuple[int, int]]]:
    """mkdocs.yml's content, and where each mlreport option sits in it."""
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
    return site, _entry_marks(node)


def _validate_entry(entry: dict[str, Any], path: Path,
                    marks: dict[str, tuple[int, int]]) -> tuple[PluginConfig, list[Problem]]:
    """Validate the plugin options, reporting every bad one (MkDocs stops at the first)."""
    entry, failed = dict(entry), []
    while True:
        config = PluginConfig(config_file_path=str(path))
        config.load_dict(entry)
        found, warned = config.validate()
        failed += found
        if not any(key in entry for key, _ in found):
            break
        for key, _ in found:
            entry.pop(key, None)
    known = [name for name, _ in PluginConfig._schema]
    problems = [Problem(path.name, *marks.get(key, marks[""]), "error", f"Config value 'mlreport.{key}': {error}",
                        key=key) for key, error in failed]
    problems += [Problem(path.name, *marks.get(key, marks[""]), "warning",
                         f"Config value 'mlreport.{key}': {warning}", did_you_mean(key, known), key)
                 for key, warning in warned]
    return config, problems


def _entry_marks(node: yaml.Node | None) -> dict[str, tuple[int, int]]:
    """Line and column of each option under the mlreport entry; "" is the entry itself."""
    marks = {"": (1, 1)}
    plugins = _value_node(node, "plugins")
    items = plugins.value if isinstance(plugins, yaml.SequenceNode) else [plugins]
    for item in items:
        entry = _value_node(item, "mlreport")
        if entry is None:
            continue
        marks[""] = (entry.start_mark.line + 1, entry.start_mark.column + 1)
        for key, _ in entry.value if isinstance(entry, yaml.MappingNode) else []:
            marks[str(key.value)] = (key.start_mark.line + 1, key.start_mark.column + 1)
    return marks


def _value_node(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return value_node
    return None


def _plugin_entry(plugins: Any) -> dict[str, Any]:
    if isinstance(plugins, dict):
        return dict(plugins.get("mlreport") or {})
    for item in plugins or []:
        if isinstance(item, dict) and "mlreport" in item:
            return dict(item["mlreport"] or {})
    return {}


class TolerantLoader(yaml.SafeLoader):
    """Safe YAML that reads MkDocs' `!!python/name:` and `!ENV` tags as plain values."""


TolerantLoader.add_multi_constructor("", lambda loader, suffix, node: None)
