"""Driving a built site in headless Chromium: finding the browser, serving the site, watching a tab.

Kept free of pytest so the benchmark can reuse it (see `timing.py`).
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator
from urllib.parse import urljoin

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Locator, Page

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright
except ImportError:  # the suite skips (or fails, in CI) with a clear line; see conftest
    sync_playwright = None
    PlaywrightTimeout = TimeoutError

LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
"""Flags for a quiet, offline headless Chromium: nothing of its own phones home."""
INSTALL_HINT = "install Chromium with `apt-get install chromium`"
VIEWPORT = {"width": 1280, "height": 900}
"""Wide enough for Material's header search box and the tables' columns."""
TIMEOUT_MS = 120_000
"""How long a wait may take before the test fails. Waits end as soon as what they wait for is there,
so the limit costs nothing when pages work; it is long because a busy machine (CI's two cores
running other jobs) can take many seconds to parse and draw a chart page."""

SETTLED = """() => {
  const tables = [...document.querySelectorAll('[data-mlr-table]')];
  const charts = [...document.querySelectorAll('[data-mlr-chart]')];
  const compare = [...document.querySelectorAll('[data-mlr-compare]')];
  const queries = [...document.querySelectorAll('.mlr-query')];
  return tables.every(t => ['ready', 'failed'].includes(t.dataset.mlrState))
    && charts.every(c => ['drawn', 'waiting'].includes(c.dataset.mlrChartState))
    && compare.every(c => c.dataset.state !== 'loading')
    && queries.every(q => ['ready', 'failed'].includes(q.dataset.mlrQueryState));
}"""
"""True once every browser table is built (or gave up), its query applied, and every chart is drawn
or waits to be scrolled near (charts are drawn only then)."""
PENDING = """() => ({
  tables: [...document.querySelectorAll('[data-mlr-table]')].map(t => t.dataset.mlrState || 'not started'),
  charts: [...document.querySelectorAll('[data-mlr-chart]')].map(c => c.dataset.mlrChartState || 'not started'),
  compare: [...document.querySelectorAll('[data-mlr-compare]')].map(c => c.dataset.state),
  queries: [...document.querySelectorAll('.mlr-query')].map(q => q.dataset.mlrQueryState || 'not started'),
})"""

CHART_DONE = "c => ['drawn', 'failed'].includes(c.dataset.mlrChartState)"
"""A chart has been drawn, or has given up (its container says why)."""

HARDWARE_GL = """
(() => {
  const renderer = 'ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)';
  for (const type of [WebGLRenderingContext, window.WebGL2RenderingContext].filter(Boolean)) {
    const real = type.prototype.getParameter;
    type.prototype.getParameter = function (name) {
      return name === 0x9246 ? renderer : real.call(this, name);  // UNMASKED_RENDERER_WEBGL
    };
  }
})();
"""
"""An init script that makes a tab's WebGL name a graphics card: headless Chromium draws WebGL with
SwiftShader (on the CPU), where charts.js lists the runs of parallel coordinates instead of drawing
them; with this the tab takes the path of a reader's machine with a GPU (drawn, still by SwiftShader)."""
NO_WEBGL = """
(() => {
  const real = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (type, options) {
    return /webgl/i.test(type) ? null : real.call(this, type, options);
  };
})();
"""
"""An init script that takes WebGL away from a tab, as a browser with WebGL turned off (or blocked) has it."""

CONTENT = "article.md-content__inner"
"""The page's own content (search results are articles too)."""
MARK_LEFT = f"document.querySelector('{CONTENT}').dataset.mlrLeft = '1'"
"""Marks the content being left, so its replacement can be told apart from it."""
ARRIVED = f"""url => {{
  const here = new URL(location.href), wanted = new URL(url);
  return here.origin + here.pathname === wanted.origin + wanted.pathname
    && (!wanted.search || here.search === wanted.search)
    && !document.querySelector('{CONTENT}[data-mlr-left]');
}}"""
"""The page is `url` (any query when `url` has none, as search results add one) and its content is new."""
CLICK_LINK = f"""url => {{
  const link = Object.assign(document.createElement('a'), {{href: url, textContent: url}});
  document.querySelector('{CONTENT}').appendChild(link);
  link.click();
}}"""
"""A click on a link to `url` placed in the current content, as if the page had linked it."""

PROBE = "__mlr_probe"
WATCH_PROBE = f"""
window.__mlr_probe_hits = [];
Object.defineProperty(window, {PROBE!r}, {{
  configurable: false,
  get() {{ return window.__mlr_probe_hits.length ? 1 : undefined; }},
  set(value) {{ window.__mlr_probe_hits.push(String(new Error().stack)); }},
}});
"""
"""Installed before any page script: every write to the probe global is recorded with where it ran."""


def chromium_executable() -> str | None:
    """The system Chromium (Debian names it `chromium`), or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def missing_requirement() -> str:
    """What the browser tests lack on this machine ("" when Chromium and playwright are both there)."""
    if sync_playwright is None:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if chromium_executable() is None:
        return "no Chromium on PATH"
    return ""


def new_context(browser: Browser, **options: Any) -> BrowserContext:
    """A browser context (own cache and storage) with the tests' viewport."""
    return browser.new_context(**{"viewport": VIEWPORT, **options})  # a test may ask for another viewport


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless system Chromium driven by Playwright (never Playwright's own download)."""
    with sync_playwright() as playwright:  # type: ignore[misc]
        browser = playwright.chromium.launch(executable_path=chromium_executable(), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# -- serving ---------------------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log in test output."""


@dataclass
class Server:
    """A built site served over HTTP on 127.0.0.1 from a background thread."""

    folder: Path
    httpd: http.server.ThreadingHTTPServer

    @property
    def base(self) -> str:
        """The site's root URL, ending in a slash."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def close(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()


def serve(folder: Path) -> Server:
    """Serve `folder` on a free port (the folder may be filled after the port is known)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return Server(folder, httpd)


def build_site(root: Path, site_dir: Path, site_url: str) -> None:
    """Build a repo's site with its mkdocs.yml (mlreport's plugin included), published at `site_url`.

    Material's instant navigation only takes over links that its sitemap lists at the address
    being browsed, so the site is built for the address it is served from.
    """
    from mkdocs.commands.build import build

    from mlreport.build import reproducible_dates, site_config
    from mlreport.config import load_options

    with reproducible_dates(root):
        config = site_config(load_options(root), site_url=site_url, strict=False)
        config.site_dir = str(site_dir)
        build(config)


# -- a watched tab ---------------------------------------------------------------------------


@dataclass
class Tab:
    """A browser page that records every request, console error, page error and dialog."""

    page: Page
    base: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, context: BrowserContext, base: str) -> Tab:
        """A new page in `context`, watched from its first request."""
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.add_init_script(WATCH_PROBE)
        tab = cls(page, base)
        page.on("request", lambda request: tab.requests.append(request.url))
        page.on("console", lambda message: tab._console(message.type, message.text, message.location))
        page.on("pageerror", lambda error: tab.errors.append(f"page error on {page.url}: {error}"))
        page.on("dialog", lambda dialog: (tab.errors.append(f"dialog on {page.url}: {dialog.message}"),
                                          dialog.dismiss()))
        return tab

    def _console(self, kind: str, text: str, location: dict[str, Any]) -> None:
        if kind == "error":
            self.errors.append(f"console error on {self.page.url}: {text} ({location.get('url', '')})")

    def close(self) -> None:
        """Close the page."""
        self.page.close()

    def goto(self, url: str) -> Page:
        """Load a URL (relative to the site root) and wait until its tables and charts are drawn.

        Waiting for the document, not for every asset's `load`: what a test needs is the content
        `settle` waits for, and plotly.js (4.6 MB) loads on demand after the page.
        """
        self.page.goto(urljoin(self.base, url), wait_until="domcontentloaded")
        self.settle()
        return self.page

    def settle(self) -> None:
        """Wait until the page's browser tables are built and its charts drawn (scrolling to each)."""
        try:
            self.page.wait_for_function(SETTLED)
        except PlaywrightTimeout:
            pending = self.page.evaluate(PENDING)
            raise AssertionError(f"{self.page.url} never finished drawing: {pending}") from None
        self.draw_charts()

    def draw_charts(self) -> None:
        """Scroll to each chart not drawn yet, as a reader would, until it is drawn; then back to where the page was."""
        charts = self.page.locator("[data-mlr-chart]")
        top = self.page.evaluate("window.scrollY")
        moved = False
        for index in range(charts.count()):
            chart = charts.nth(index)
            if chart.get_attribute("data-mlr-chart-state") == "drawn":
                continue
            chart.scroll_into_view_if_needed()
            moved = True
            try:
                self.page.wait_for_function(CHART_DONE, arg=chart.element_handle())
            except PlaywrightTimeout:
                raise AssertionError(f"chart {index} of {self.page.url} was never drawn: "
                                     f"{self.page.evaluate(PENDING)}") from None
            state = chart.get_attribute("data-mlr-chart-state")
            assert state == "drawn", f"chart {index} of {self.page.url}: {state}"
        if moved:
            self.page.evaluate("top => window.scrollTo(0, top)", top)

    def click_through(self, link: Locator, url: str) -> Page:
        """Click a link (a real click), wait for `url`'s content to replace this page's, and its drawing."""
        self.page.evaluate(MARK_LEFT)
        left = self.page.url
        link.click()
        self.arrive(url, left)
        return self.page

    def follow(self, url: str) -> Page:
        """Reach `url` by a click on a link to it from the current page's content (a reader's move)."""
        self.page.evaluate(MARK_LEFT)
        left = self.page.url
        self.page.evaluate(CLICK_LINK, url)
        self.arrive(url, left)
        return self.page

    def back(self, url: str) -> Page:
        """The browser's Back button, to `url`; waits until that page's content has replaced this one's.

        Under instant navigation the address changes before the content does: waiting for the
        address alone lets the next click land on the page being left.
        """
        self.page.evaluate(MARK_LEFT)
        left = self.page.url
        self.page.go_back()
        self.arrive(url, left)
        return self.page

    def arrive(self, url: str, left: str) -> None:
        """Wait until the address is `url` and the content is new, then until it is drawn."""
        try:
            self.page.wait_for_function(ARRIVED, arg=url)
        except PlaywrightTimeout:
            raise AssertionError(f"going from {left} to {url} ended at {self.page.url}") from None
        self.settle()

    def marker_survives(self) -> bool:
        """Whether the window is the same since `set_marker` (no full page load in between)."""
        return self.page.evaluate("window.__mlr_same_window === true")

    def set_marker(self) -> None:
        """Mark the window; a full page load loses the mark, Material's instant navigation keeps it."""
        self.page.evaluate("window.__mlr_same_window = true")

    def heading(self) -> str:
        """The page's title as shown: its content's first heading."""
        return self.page.locator(f"{CONTENT} h1").first.evaluate(
            "h => { const copy = h.cloneNode(true); copy.querySelectorAll('.headerlink').forEach(a => a.remove());"
            " return copy.textContent.trim(); }")

    def probe_hits(self) -> list[str]:
        """Where a record's payload ran on the current page (empty when none did)."""
        return self.page.evaluate("window.__mlr_probe_hits || []")

    def offsite_requests(self) -> list[str]:
        """Requests that went anywhere but the site's own server."""
        return [url for url in self.requests if not url.startswith(self.base) and not url.startswith("data:")
                and not url.startswith("blob:")]

    def assert_clean(self) -> None:
        """Nothing left 127.0.0.1, and no script failed, since the tab opened."""
        offsite = self.offsite_requests()
        assert not offsite, "requests left the site:\n" + "\n".join(offsite)
        assert not self.errors, "the browser reported errors:\n" + "\n".join(self.errors)


# -- reading Tabulator tables ----------------------------------------------------------------


def column_texts(page: Page, field_name: str, table: str = "[data-mlr-table]") -> list[str]:
    """The shown text of one column, row by row, as the table currently displays it."""
    return page.locator(f"{table} .tabulator-row .tabulator-cell[tabulator-field='{field_name}']").all_inner_texts()


def row_ids(page: Page, table: str = "[data-mlr-table]") -> list[str]:
    """The record id of each shown row (the title link carries it as its tooltip)."""
    links = page.locator(f"{table} .tabulator-row .tabulator-cell[tabulator-field='title'] a")
    return [links.nth(i).get_attribute("title") or "" for i in range(links.count())]


def wait_for_rows(page: Page, count: int, table: str = "[data-mlr-table]") -> None:
    """Wait until the table shows `count` rows (a filter has been applied, say)."""
    try:
        page.wait_for_function("([table, n]) => document.querySelectorAll(table + ' .tabulator-row').length === n",
                               arg=[table, count])
    except PlaywrightTimeout:
        raise AssertionError(f"the table shows {row_ids(page, table)}, not {count} rows") from None


def link_to(page: Page, url: str, within: str = CONTENT) -> Locator:
    """The first link under `within` whose resolved address is `url` (relative hrefs vary by page)."""
    index = page.evaluate("([scope, url]) => [...document.querySelectorAll(scope + ' a[href]')]"
                          ".findIndex(a => a.href === url)", [within, url])
    assert index >= 0, f"no link to {url} in {within} of {page.url}"
    return page.locator(f"{within} a[href]").nth(index)


def table_after(page: Page, heading_id: str) -> list[list[str]]:
    """The body rows (cell texts) of the first table after the heading with this id."""
    rows = page.locator(f"xpath=//h2[@id='{heading_id}']/following::table[1]/tbody/tr")
    return [row.locator("td, th").all_inner_texts() for row in rows.all()]


def header(page: Page, field_name: str, table: str = "[data-mlr-table]") -> Locator:
    """A column's header cell."""
    return page.locator(f"{table} .tabulator-col[tabulator-field='{field_name}']")


def pick_from_list_filter(page: Page, field_name: str, value: str, table: str = "[data-mlr-table]") -> None:
    """Open a column's list filter in the header and click one of its values, as a person would."""
    header(page, field_name, table).locator(".tabulator-header-filter input").click()
    page.locator(".tabulator-edit-list").get_by_text(value, exact=True).click()
