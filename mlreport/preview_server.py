"""The live-reload server of `mlreport serve`: MkDocs' server, told which files changed, over a `Preview`
(mlreport/serve.py), which brings the served folder up to date on each save."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import watchdog.events
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.livereload import LiveReloadServer

from mlreport.build import BuildFailed, _choice, site_config
from mlreport.config import Options
from mlreport.plugin import site_sources
from mlreport.serve import Preview
from mlreport.site_folder import check_site_folder

log = logging.getLogger("mkdocs.plugins.mlreport")


class PreviewServer(LiveReloadServer):
    """MkDocs' live-reload server, told which files changed since the last build."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.changed: set[str] = set()

    def watch(self, path: str, func: None = None, *, recursive: bool = True) -> None:
        """Watch a file or folder, remembering every path an event names (MkDocs' own watch forgets them)."""
        path = os.path.abspath(path)
        if path in self._watched_paths:
            self._watched_paths[path] += 1
            return
        self._watched_paths[path] = 1

        def callback(event: watchdog.events.FileSystemEvent) -> None:
            if event.is_directory:
                return
            with self._rebuild_cond:
                self.changed.update(os.fsdecode(p) for p in (event.src_path, getattr(event, "dest_path", "")) if p)
                self._want_rebuild = True
                self._rebuild_cond.notify_all()

        handler = watchdog.events.FileSystemEventHandler()
        handler.on_any_event = callback  # type: ignore[method-assign]
        self._watch_refs[path] = self.observer.schedule(handler, path, recursive=recursive)

    def take_changed(self) -> set[str]:
        """The paths changed since the last call."""
        with self._rebuild_cond:
            changed, self.changed = self.changed, set()
        return changed


def serve_site(options: Options, dev_addr: str | None = None, announce: Callable[[str], None] = print) -> None:
    """Serve the site with live reload: a saved record updates its pages; other changes rebuild the site.
    `announce` is told the address first."""
    # The preview serves a folder of its own, but a site_dir that a build would refuse is refused here too.
    config = site_config(options, dev_addr=dev_addr)
    check_site_folder(Path(config.site_dir), site_sources(config, options), _choice(options, None), written=False)
    announce(serve_address(config))
    preview = Preview(options, dev_addr)
    try:
        preview.build()
        built = preview.built
        assert built is not None
        host, port = built.config.dev_addr
        server = PreviewServer(builder=lambda: None, host=host, port=port, root=str(preview.folder),
                               mount_path=urlsplit(preview.serve_url).path)

        def builder() -> None:
            try:
                preview.update(server.take_changed())
            except BuildFailed as exc:
                log.error(str(exc))
                log.error("mlreport: the site could not be built; the preview shows it as it was")
            server.root = str(preview.folder)

        def error_page(code: int) -> bytes | None:
            page = preview.folder / f"{code}.html"
            return page.read_bytes() if code in (404, 500) and page.is_file() else None

        server.builder = builder
        server.error_handler = error_page
        _watch(server, built.config, builder)
        try:
            server.serve()
        except KeyboardInterrupt:
            log.info("Shutting down...")
        finally:
            server.shutdown()
            built.config.plugins.on_shutdown()
    finally:
        preview.close()


def serve_address(config: MkDocsConfig) -> str:
    """Where `serve` shows the site: the dev address under site_url's path, as MkDocs mounts it."""
    host, port = config.dev_addr
    path = urlsplit(config.site_url or "/").path or "/"
    return f"http://{f'[{host}]' if ':' in host else host}:{port}{path}"


def _watch(server: PreviewServer, config: MkDocsConfig, builder: Callable[[], None]) -> None:
    """What `mkdocs serve` watches: the docs folder, mkdocs.yml, what plugins ask for (records, templates)."""
    if Path(config.docs_dir).is_dir():
        server.watch(config.docs_dir)
    if config.config_file_path:
        server.watch(config.config_file_path)
    config.plugins.on_serve(server, config=config, builder=builder)
    for item in config.watch:
        server.watch(item)


