"""Running MkDocs for `mlreport build` (and `serve`, mlreport/serve.py): the config, a safe site folder, reproducible dates.

A build goes to a fresh folder beside the target and replaces the target only when it
succeeded, so a failed build leaves the published site as it was (record pages whose inputs did
not change are linked from the old site into the new one: plugin.py, site_manifest.py); a target that is not a site
mlreport built is refused before anything is touched (mlreport/site_folder.py). A repo without
mkdocs.yml builds with a default Material config. The options the CLI read are handed to the
plugin, so mkdocs.yml is read once by mlreport and once by MkDocs.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import MkDocsException

from mlreport import build_inputs, git
from mlreport.build_inputs import BuildState, Fingerprint
from mlreport.collector import collector_paused
from mlreport.config import CONFIG_FILE, Options
from mlreport.problems import Problem
from mlreport.plugin import REUSING_PLUGINS, MlreportPlugin, RecordsFailed, reusable_build, site_sources
from mlreport.records.kinds import KINDS
from mlreport.site_folder import (Choice, SiteFolderError, check_site_folder, mark, remove_leftovers,
                                  staging_folder, swap_in)

THEME: dict[str, Any] = {
    "name": "material",
    "font": False,  # no Google Fonts: the site works offline
    "features": ["navigation.tabs", "navigation.top", "search.highlight",
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

    def __init__(self, message: str, problems: Sequence[Problem] = ()):
        super().__init__(message)
        self.problems = list(problems)
        """The records' problems, when they are what stopped the build."""


def default_config(root: Path, site_url: str = "") -> dict[str, Any]:
    """The MkDocs config used when a repo has no mkdocs.yml; instant navigation once the site has an address."""
    # Material's instant navigation follows only the links sitemap.xml lists, at site_url's address:
    # without one it would do nothing but earn a note on every build.
    features = ["navigation.instant", *THEME["features"]] if site_url else THEME["features"]
    return {"site_name": root.name or "mlreport", "theme": {**THEME, "features": features},
            "plugins": ["search", "mlreport"], "markdown_extensions": MARKDOWN_EXTENSIONS}


def site_config(options: Options, **overrides: Any) -> MkDocsConfig:
    """The site's MkDocs config (its mkdocs.yml, or the default one), with mlreport's plugin given `options`."""
    with config_source(options.root, overrides.get("site_url") or "") as (source, path), \
            docs_dir_override(options) as docs:
        try:
            config = load_config(config_file=source, config_file_path=str(path), **overrides, **docs)
        except MkDocsException as exc:
            raise BuildFailed(f"{path.name}: {exc}") from None
    plugin = config.plugins.get("mlreport")
    if isinstance(plugin, MlreportPlugin):
        plugin.preloaded = options
    return config


def build_site(options: Options, site_dir: Path | None = None, strict: bool = False,
               site_url: str | None = None) -> Path:
    """Build the site into `site_dir` (mkdocs.yml's `site_dir` by default); returns where it went.

    `site_url` overrides mkdocs.yml's: CI knows where the site is published (GitHub Pages' URL). A
    site folder that would destroy what mlreport did not create is refused before anything is
    touched (SiteFolderError).
    """
    with reproducible_dates(options.root):
        config = site_config(options, strict=strict or None, site_url=site_url or None)
        target = Path(os.path.realpath(site_dir or config.site_dir))
        check_site_folder(target, site_sources(config, options), _choice(options, site_dir))
        plugin = config.plugins.get("mlreport")
        if isinstance(plugin, MlreportPlugin):
            plugin.last_site = target
        cache = options.root / options.cache_dir
        inputs = _fingerprint(options, config, target, strict, site_url)
        state = BuildState.read(cache)
        # The last site's folders are taken for the new one only where no plugin but mlreport's and search may
        # have wanted a folder of its own left empty.
        reuse_folders = set(config.plugins) <= REUSING_PLUGINS and not config.hooks
        if inputs is not None and inputs.digest == state.inputs and build_inputs.is_intact(target, state):
            state.replay()  # nothing changed since the last build, whose site is as it left it
            remove_leftovers(target, "building" if reuse_folders else "building|old")  # old sites: the next build's
            return target
        with staging_folder(target, reuse_folders) as staging, _messages() as messages:
            config.site_dir = str(staging.path)
            if isinstance(plugin, MlreportPlugin):
                plugin.before_writing = staging.ready  # the folder is being checked meanwhile
            else:
                staging.ready()
            with _build_errors() as logged:
                try:
                    # `dirty`: the staging folder holds no file, so MkDocs writes every file but those the plugin
                    # marks unmodified, the record pages it took from the last site.
                    build(config, dirty=True)
                except MkDocsException as exc:
                    raise _failure(exc, logged) from None
                except OSError as exc:
                    raise unwritten(exc, staging.path, target) from None
            # The build's objects are all still there, no longer frozen (`mlreport serve` builds again in its
            # process): a collection set off while the site's tens of thousands of entries are walked would scan them.
            with collector_paused():
                staging.tidy()
                mark(staging.path)
                swap_in(staging.path, target, keep_folders=reuse_folders)
                _keep_state(options, config, target, strict, site_url, inputs, messages)
    return target


def _fingerprint(options: Options, config: MkDocsConfig, target: Path, strict: bool,
                 site_url: str | None) -> Fingerprint | None:
    """The fingerprint of this build's inputs (build_inputs.py); None when they cannot be told by their stats (an
    inherited config may lie anywhere, and snippets may include any file)."""
    config_file = Path(config.config_file_path or options.root / CONFIG_FILE)
    try:
        if config_file.is_file() and b"INHERIT" in config_file.read_bytes():
            return None
    except OSError:
        return None
    if any(str(name).startswith("pymdownx.snippets") for name in config.markdown_extensions):
        return None  # pages may include any file, through any link
    theme = config.theme
    read = [options.root / options.docs_dir, options.root / options.templates_dir, *(kind.folder(options) for kind in KINDS),
            *([Path(theme.custom_dir)] if theme.custom_dir else [])]
    return build_inputs.fingerprint(options.root, target, options.root / options.cache_dir, [*read, config_file.parent],
                                    [str(target), bool(strict), site_url or ""], read)


def _keep_state(options: Options, config: MkDocsConfig, target: Path, strict: bool, site_url: str | None,
                inputs: Fingerprint | None, messages: _Logged) -> None:
    """Write down what this build started from, logged and left, for the next build to skip when nothing changed;
    inputs that changed too recently to be told by their stats are taken again, now that the build is done. Not
    after a build with plugins that may read anything (`reusable_build`), nor one that warned."""
    cache = options.root / options.cache_dir
    if not reusable_build(config):
        inputs = None
    if inputs is not None and not inputs.settled:
        again = _fingerprint(options, config, target, strict, site_url)
        inputs = again if again is not None and again.digest == inputs.digest else None
    listing = build_inputs.site_listing(target) if inputs is not None and inputs.settled else None
    if inputs is None or listing is None or messages.warned:
        build_inputs.forget(cache)
        return
    BuildState(inputs.digest, listing, messages.kept).write(cache)


class _Logged(logging.Handler):
    """What a build logs: mlreport's own messages, for a build skipped later to log again, and whether anything
    warned (then every build must run, to warn again)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.kept: list[list[Any]] = []
        self.warned = False

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            self.warned = True
        elif record.levelno >= logging.INFO and record.name.startswith("mkdocs.plugins.mlreport"):
            self.kept.append([record.name, record.levelno, record.getMessage()])


@contextmanager
def _messages() -> Iterator[_Logged]:
    handler = _Logged()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def _failure(exc: MkDocsException, logged: list[str]) -> BuildFailed:
    """Why a build stopped, said once: the records' problems, or what MkDocs logged before it gave up."""
    # MkDocs logs a plugin's error, then raises its own "Aborted with a BuildError!" from within the
    # handler: the plugin's error is that Abort's context.
    cause = exc.__context__
    if isinstance(cause, RecordsFailed):
        return BuildFailed(str(cause), cause.problems)
    return BuildFailed("\n".join(logged) or str(exc))


_SPACE_HINTS = {
    errno.ENOSPC: "the disk is full: free some space, then build again",
    errno.EDQUOT: "the disk quota is used up: free some space, then build again",
    errno.EFBIG: "a file is larger than this process may write: see ulimit -f",
}


def unwritten(exc: OSError, staging: Path, target: Path) -> SiteFolderError | BuildFailed:
    """A file the build could not write (or read), in one line; a site file is named as it stands in the site
    folder, not in the staging folder the build was writing to, which is removed."""
    reason = "permission denied" if exc.errno in (errno.EACCES, errno.EPERM) else (exc.strerror or str(exc)).lower()
    for name in (exc.filename2, exc.filename):
        path = Path(os.fsdecode(name)) if name else None
        if path is not None and path.is_relative_to(staging):
            return SiteFolderError(f"cannot write the site to {target}: {path.relative_to(staging).as_posix()}: {reason}",
                                   _SPACE_HINTS.get(exc.errno or 0, ""))
    return BuildFailed(f"cannot read {os.fsdecode(exc.filename)}: {reason}" if exc.filename else f"the build stopped: {reason}")


_DIRTY_NOTES = ("A 'dirty' build is being performed", "The directory contains stale files")


@contextmanager
def _build_errors() -> Iterator[list[str]]:
    """Keep the errors MkDocs' build logs from being printed; they are collected for BuildFailed."""
    logged: list[str] = []

    def collect(record: logging.LogRecord) -> bool:
        if record.getMessage().startswith(_DIRTY_NOTES):
            return False  # about the old files a dirty build may leave: a staging folder has none
        if record.levelno < logging.ERROR:
            return True
        logged.append(record.getMessage())
        return False

    logger = logging.getLogger(build.__module__)
    logger.addFilter(collect)
    try:
        yield logged
    finally:
        logger.removeFilter(collect)


def _choice(options: Options, site_dir: Path | None) -> Choice:
    if site_dir is not None:
        return Choice("--site-dir")
    position = options.setting_position("site_dir")
    return Choice("site_dir in mkdocs.yml", location=f"{CONFIG_FILE}:{position[0]}:{position[1]}" if position else "")


@contextmanager
def config_source(root: Path, site_url: str = "") -> Iterator[tuple[Any, Path]]:
    """mkdocs.yml, or the default config as a file MkDocs can read again on every rebuild."""
    path = root / CONFIG_FILE
    if path.is_file():
        yield str(path), path
        return
    yield _Rereadable(yaml.safe_dump(default_config(root, site_url), sort_keys=False).encode("utf-8"), str(path)), path


@contextmanager
def reproducible_dates(root: Path) -> Iterator[None]:
    """Pin SOURCE_DATE_EPOCH to the HEAD commit's time (unless set) so the same commit builds the same bytes."""
    before = os.environ.get("SOURCE_DATE_EPOCH")
    if before:
        yield
        return
    # Outside git (or before the first commit) a fixed epoch still keeps builds identical.
    with environment("SOURCE_DATE_EPOCH", git.head_time(root) or "0"):
        yield


@contextmanager
def environment(name: str, value: str) -> Iterator[None]:
    """The environment variable `name` set to `value` for a while, then as it was (unset, if it was)."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


@contextmanager
def docs_dir_override(options: Options) -> Iterator[dict[str, str]]:
    """An empty docs folder while the configured one does not exist: records alone make a site."""
    if (options.root / options.docs_dir).is_dir():
        yield {}
        return
    with tempfile.TemporaryDirectory(prefix="mlreport-") as scratch:
        # Same folder name as configured: edit links strip it from `edit_uri`.
        empty = Path(scratch) / options.docs_name
        empty.mkdir()
        yield {"docs_dir": str(empty)}


class _Rereadable(io.BytesIO):
    """A config "file" that MkDocs may close and read again (it does so on every serve rebuild)."""

    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name

    def close(self) -> None:
        self.seek(0)
