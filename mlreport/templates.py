"""The Jinja2 environment: the repo's own `templates/` first, then mlreport's packaged ones."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import jinja2
from jinja2.bccache import Bucket

from mlreport.cache_dir import code_stamp, make_cache_dir
from mlreport.config import Options
from mlreport.git import tracked

log = logging.getLogger("mlreport.templates")

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


class CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled by an earlier build, kept in the cache folder: a build loads them instead of compiling
    every page template again.

    A template's file is named by the digest of its name and path, mlreport's code (which sets the environment's
    options) and Jinja's version; Jinja itself serves it only when the source it was compiled from has the same
    checksum as the template's source now, and for the same Python bytecode. A file that cannot be read or
    written is simply compiled again, and so is every template while git tracks a file of the folder (compiled code
    that comes with the repository may come from anywhere)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._trusted: bool | None = None

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        """A template's file name: its name and path, mlreport's code and Jinja's version, digested."""
        stamp = f"{code_stamp()}\0{jinja2.__version__}\0{name}\0{filename or ''}"
        return hashlib.sha1(stamp.encode("utf-8")).hexdigest()

    def load_bytecode(self, bucket: Bucket) -> None:
        """The compiled template into `bucket`, when kept and trusted (Jinja checks its source's checksum)."""
        if self._trusted is None:
            self._trusted = not tracked(self.folder.parent)
        if not self._trusted:
            return
        try:
            with open(self.folder / f"{bucket.key}.cache", "rb") as file:
                bucket.load_bytecode(file)
        except OSError:
            return
        except (ValueError, EOFError, TypeError) as exc:  # a damaged file: compiled again, and written anew
            log.debug("compiled template %s ignored: %s", bucket.key, exc)
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Keep a template just compiled, written whole or not at all (a temporary file, then a rename)."""
        if self._trusted is False:
            return
        try:
            make_cache_dir(self.folder.parent)
            self.folder.mkdir(exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{bucket.key}.")
        except OSError as exc:
            log.debug("compiled template not kept: %s", exc)
            return
        try:
            with os.fdopen(handle, "wb") as file:
                bucket.write_bytecode(file)
            os.replace(temporary, self.folder / f"{bucket.key}.cache")
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            log.debug("compiled template not kept: %s", exc)
