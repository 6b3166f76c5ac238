"""mlreport's options: typed MkDocs config, shared by the MkDocs plugin and the CLI.

They live under the plugin entry in mkdocs.yml:

    plugins:
      - search
      - mlreport:
          leaderboards:
            - {title: Fraud PR-AUC, task: fraud-detection, dataset: transactions, metric: test.pr_auc}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from mkdocs.config import base
from mkdocs.config import config_options as c

from mlreport.problems import Problem, RecordError

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
    """Where the git history cache lives (keep it between CI runs)."""
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
    docs_dir: str = "docs"
    use_directory_urls: bool = True

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
        docs_dir=Path(str(site.get("docs_dir") or "docs")).name,
        use_directory_urls=bool(site.get("use_directory_urls", True)),
    )


def load_options(root: Path, config_file: Path | None = None) -> Options:
    """Options from mkdocs.yml's plugin entry; defaults when there is no mkdocs.yml."""
    path = config_file or root / CONFIG_FILE
    if not path.is_file():
        return Options(root=root)
    shown = path.name
    try:
        site = yaml.load(path.read_text(encoding="utf-8"), Loader=TolerantLoader) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RecordError([Problem(shown, getattr(getattr(exc, "problem_mark", None), "line", 0) + 1, 1,
                                   "error", f"cannot read {shown}: {exc}")]) from None
    entry = _plugin_entry(site.get("plugins") if isinstance(site, dict) else None)
    config = PluginConfig(config_file_path=str(path))
    config.load_dict(entry)
    failed, warned = config.validate()
    problems = [Problem(shown, 1, 1, "error", f"Config value 'mlreport.{key}': {error}", key=key)
                for key, error in failed]
    problems += [Problem(shown, 1, 1, "warning", f"Config value 'mlreport.{key}': {warning}", key=key)
                 for key, warning in warned]
    if failed:
        raise RecordError(problems)
    return options_from_config(config, root, site if isinstance(site, dict) else {})


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
