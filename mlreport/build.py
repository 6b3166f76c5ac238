"""Running MkDocs for `mlreport build` and `serve`: the config, a safe swap, reproducible dates.

A build goes to a fresh folder beside the target and replaces the target only when it
succeeded, so a failed build leaves the published site as it was. A repo without mkdocs.yml
builds with a default Material config.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import MkDocsException

from mlreport import git
from mlreport.config import CONFIG_FILE, TolerantLoader

THEME: dict[str, Any] = {
    "name": "material",
    "font": False,  # no Google Fonts: the site works offline
    "features": ["navigation.instant", "navigation.tabs", "navigation.top", "search.highlight",
                 "content.code.copy", "content.action.edit"],
    "palette": [
        {"media": "(prefers-color-scheme: light)", "scheme": "default", "primary": "indigo", "accent": "indigo",
         "toggle": {"icon": "material/weather-night", "name": "Dark mode"}},
        {"media": "(prefers-color-scheme: dark)", "scheme": "slate", "primary": "indigo", "accent": "indigo",
         "toggle": {"icon": "material/weather-sunny", "name": "Light mode"}},
    ],
}
MARKDOWN_EXTENSIONS = ["tables", "admonition", "attr_list", "md_in_html", {"toc": {"permalink": True}}]


class BuildFailed(Exception):
    """The site could not be built; the message says why (the records' problems, or MkDocs' error)."""


def default_config(root: Path) -> dict[str, Any]:
    """The MkDocs config used when a repo has no mkdocs.yml."""
    return {"site_name": root.name or "mlreport", "theme": THEME, "plugins": ["search", "mlreport"],
            "markdown_extensions": MARKDOWN_EXTENSIONS}


def site_config(root: Path, **overrides: Any) -> MkDocsConfig:
    """The site's MkDocs config: its mkdocs.yml, or the default one; a missing docs folder is fine."""
    with config_source(root) as (source, path), docs_dir_override(root, path) as docs:
        try:
            return load_config(config_file=source, config_file_path=str(path), **overrides, **docs)
        except MkDocsException as exc:
            raise BuildFailed(f"{path.name}: {exc}") from None


def build_site(root: Path, site_dir: Path | None = None, strict: bool = False,
               site_url: str | None = None) -> Path:
    """Build the site into `site_dir` (mkdocs.yml's `site_dir` by default); returns where it went.

    `site_url` overrides mkdocs.yml's: CI knows where the site is published (GitHub Pages' URL).
    """
    root = root.resolve()
    with reproducible_dates(root):
        config = site_config(root, strict=strict or None, site_url=site_url or None)
        target = (site_dir or Path(config.site_dir)).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))
        config.site_dir = str(staging)
        try:
            build(config)
        except MkDocsException as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise BuildFailed(str(exc)) from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    _swap_in(staging, target)
    return target


def serve_site(root: Path, dev_addr: str | None = None) -> None:
    """Serve the site with live reload; edits to records rebuild it."""
    from mkdocs.commands.serve import serve

    root = root.resolve()
    with reproducible_dates(root), config_source(root) as (source, path), docs_dir_override(root, path) as docs:
        try:
            serve(config_file=source, config_file_path=str(path), dev_addr=dev_addr, **docs)
        except MkDocsException as exc:
            raise BuildFailed(str(exc)) from None


@contextmanager
def config_source(root: Path) -> Iterator[tuple[Any, Path]]:
    """mkdocs.yml, or the default config as a file MkDocs can read again on every rebuild."""
    path = root / CONFIG_FILE
    if path.is_file():
        yield str(path), path
        return
    yield _Rereadable(yaml.safe_dump(default_config(root), sort_keys=False).encode("utf-8"), str(path)), path


@contextmanager
def reproducible_dates(root: Path) -> Iterator[None]:
    """Pin SOURCE_DATE_EPOCH to the HEAD commit's time (unless set) so the same commit builds the same bytes."""
    before = os.environ.get("SOURCE_DATE_EPOCH")
    if before:
        yield
        return
    # Outside git (or before the first commit) a fixed epoch still keeps builds identical.
    os.environ["SOURCE_DATE_EPOCH"] = git.head_time(root) or "0"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


@contextmanager
def docs_dir_override(root: Path, config_path: Path) -> Iterator[dict[str, str]]:
    """An empty docs folder while the configured one does not exist: records alone make a site."""
    docs = "docs"
    if config_path.is_file():
        raw = yaml.load(config_path.read_text(encoding="utf-8"), Loader=TolerantLoader) or {}
        docs = str(raw.get("docs_dir") or "docs") if isinstance(raw, dict) else "docs"
    if (root / docs).is_dir():
        yield {}
        return
    with tempfile.TemporaryDirectory(prefix="mlreport-") as scratch:
        # Same folder name as configured: edit links strip it from `edit_uri`.
        empty = Path(scratch) / Path(docs).name
        empty.mkdir()
        yield {"docs_dir": str(empty)}


def _swap_in(staging: Path, target: Path) -> None:
    """Replace `target` with the freshly built `staging` folder, keeping the old one until the last step."""
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp makes private folders; a site is meant to be read
    retired = None
    if target.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        target.rename(retired / target.name)
    staging.rename(target)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


class _Rereadable(io.BytesIO):
    """A config "file" that MkDocs may close and read again (it does so on every serve rebuild)."""

    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name

    def close(self) -> None:
        self.seek(0)
