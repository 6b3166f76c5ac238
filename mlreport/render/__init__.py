"""The site generator: the repo model in; Markdown pages, data files and assets out.

It knows nothing of MkDocs: `mlreport.plugin` hands its output to MkDocs, `mlreport generate`
writes it to a folder. Each page kind is one module with a `KIND`, listed in `PAGE_KINDS` in
navigation order.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any, Iterable

import jinja2

from mlreport.config import Options
from mlreport.history import History
from mlreport.catalog import Catalog
from mlreport.record_texts import RecordTexts
from mlreport.render import assets, compare, decisions, experiments, feed, home, kpis, leaderboards, models
from mlreport.render.site import Generated, PageKind, Site

PAGE_KINDS: tuple[PageKind, ...] = (
    home.KIND,
    kpis.KIND,
    leaderboards.KIND,
    experiments.KIND,
    compare.KIND,
    decisions.KIND,
    models.KIND,
    feed.KIND,
)

__all__ = ["DASHBOARD", "Generated", "PAGE_KINDS", "PageKind", "Site", "generate", "html_path", "write_generated"]

DASHBOARD = "dashboard.md"
"""Where the dashboard goes when the team's docs have their own `index.md`."""


def generate(catalog: Catalog, history: History, options: Options, *, home_page: str = "index.md",
             defer: bool = False, only: Iterable[str] | None = None, env: jinja2.Environment | None = None,
             memo: dict[Any, Any] | None = None, texts: RecordTexts | None = None) -> Generated:
    """Render every page kind; `home_page` moves the dashboard aside when the team has its own index. With
    `defer`, record pages rendered straight to HTML wait to be rendered (`Generated.render_deferred`), keyed by
    their inputs, so an engine can keep those the last build made from the same inputs. With `only`, of the
    record and leaderboard pages just those (and their own data files); index pages and shared data always.
    `env` is the templates' environment to reuse (`site.page_environment`), `memo` what was computed from single
    records before (`Site.per_record`), `texts` the texts made from single records by the last build
    (`Site.record_text`).

    The model outlives the render, so it is moved out of the cyclic collector's sight while pages are rendered
    (`gc.freeze`): at 10,000 experiments each full collection during the render rescanned every record. An engine
    that renders on (the MkDocs plugin) freezes again until its build ends.
    """
    gc.freeze()
    try:
        site = Site(catalog, history, options, PAGE_KINDS, home=home_page, defer=defer, only=only, env=env, memo=memo,
                    texts=texts)
        # The shared scripts first: page kinds may add their own after them.
        assets.add_assets(site.out, catalog.metric_places)
        for kind in PAGE_KINDS:
            kind.write(site)
            if kind.name == home.KIND.name:
                # Beside a team's own home page, the generated one is the dashboard.
                site.out.nav.append(("Home" if home_page == "index.md" else "Dashboard", home_page))
            elif kind.section and kind.index in site.out.pages:
                # A kind with nothing to show (no KPIs defined) writes no index, and takes no place in the nav.
                site.out.nav.append((kind.section, kind.index))
    finally:
        gc.unfreeze()
    return site.out


def html_path(page: str) -> str:
    """Where `generate` writes a page rendered straight to HTML: `experiments/foo.md` → `experiments/foo.html`."""
    return f"{page.removesuffix('.md')}.html"


def write_generated(generated: Generated, folder: Path) -> list[Path]:
    """Write pages, data files and assets under `folder`; returns what was written, sorted. A page rendered
    straight to HTML goes beside the Markdown ones as its HTML (`experiments/foo.html`)."""
    written = []
    contents: dict[str, bytes] = {path: text.encode("utf-8") for path, text in generated.pages.items()}
    contents.update({html_path(path): page.html.encode("utf-8") for path, page in generated.html_pages.items()})
    contents.update(generated.files)
    contents.update({path: source.read_bytes() for path, source in generated.assets.items()})
    for path, data in sorted(contents.items()):
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(target)
    return written
