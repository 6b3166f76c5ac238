"""The Jinja2 environment: the repo's own `templates/` first, then mlreport's packaged ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2

from mlreport.config import Options

_HERE = Path(__file__).parent


def packaged_templates() -> Path:
    """mlreport's own templates: inside the wheel, or beside the package in a source checkout."""
    installed = _HERE / "templates"
    return installed if installed.is_dir() else _HERE.parent / "templates"


def user_templates(options: Options) -> Path | None:
    """The repo's own templates folder, when it has one (mlreport's own, in a source checkout, is not one)."""
    user = options.root / options.templates_dir
    return user if user.is_dir() and user.resolve() != packaged_templates().resolve() else None


def environment(options: Options, **settings: Any) -> jinja2.Environment:
    """A new Jinja2 environment where a repo template of the same name overrides mlreport's.

    Each caller gets its own (a build, a scaffold, a pipeline file), so settings and filters
    added to one never reach another.
    """
    user = user_templates(options)
    folders = [str(user)] if user else []
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([*folders, str(packaged_templates())]),
        # Site pages escape every record value; scaffolded source files are written as typed.
        autoescape=lambda name: name is not None and not name.startswith("scaffold/"),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        **settings,
    )
    env.filters["yaml"] = _yaml_scalar
    return env


def _yaml_scalar(value: object) -> str:
    """A value as a YAML flow scalar (JSON is YAML), without HTML-escaping it."""
    return json.dumps(value, ensure_ascii=False)
