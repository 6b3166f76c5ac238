"""Browser test fixtures: Chromium, the demo and hostile sites built and served once, watched tabs.

Without Chromium (or playwright) the tests are left out, with one line saying how to install it;
in CI (`CI=true`) they fail instead, so a missing browser never passes unnoticed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import pytest

from .harness import INSTALL_HINT, Tab, build_site, chromium, missing_requirement, new_context, serve
from .sites import REPO_ROOT, BuiltSite, hostile_repo, read_repo

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

HERE = Path(__file__).resolve().parent
MISSING = missing_requirement()
IN_CI = os.environ.get("CI", "").lower() in ("true", "1")
_skipped: list[pytest.Item] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without Chromium, away from CI: leave the browser tests out, to be named in one line."""
    if not MISSING or IN_CI:
        return
    _skipped.extend(item for item in items if HERE in item.path.parents)
    items[:] = [item for item in items if HERE not in item.path.parents]
    config.hook.pytest_deselected(items=_skipped)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The one line that says why the browser tests did not run, and how to make them run."""
    if _skipped:
        terminalreporter.write_line(f"browser tests skipped: {INSTALL_HINT}", yellow=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless system Chromium for the whole session; in CI a missing browser fails every test."""
    if MISSING:
        pytest.fail(f"browser tests cannot run in CI: {MISSING}; "
                    "apt-get install -y chromium && pip install -e '.[test]'", pytrace=False)
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def demo(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltSite]:
    """The demo team's site, built from this repo's own records and served on 127.0.0.1."""
    yield from _served(REPO_ROOT, tmp_path_factory.mktemp("demo-site"))


@pytest.fixture(scope="session")
def hostile(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltSite]:
    """The hostile records' site: every text a record can carry tries to run a script."""
    root = hostile_repo(tmp_path_factory.mktemp("hostile") / "repo")
    yield from _served(root, tmp_path_factory.mktemp("hostile-site"))


def _served(root: Path, folder: Path) -> Iterator[BuiltSite]:
    server = serve(folder)
    try:
        build_site(root, folder, server.base)
        yield BuiltSite(root, server.base, *read_repo(root))
    finally:
        server.close()


@pytest.fixture(scope="session")
def shared_context(browser: Browser) -> Iterator[BrowserContext]:
    """One context for tabs that need no storage of their own: its warm cache saves seconds a page."""
    context = new_context(browser)
    yield context
    context.close()


@pytest.fixture
def tabs(browser: Browser, shared_context: BrowserContext) -> Iterator[Callable[..., Tab]]:
    """Opens watched tabs on a site: `tabs(demo)`; `tabs(demo, fresh=True, color_scheme="dark")` gets
    its own context (empty storage, no cache), with any Playwright context options."""
    pages: list[Tab] = []
    contexts: list[BrowserContext] = []

    def open_tab(site: BuiltSite, fresh: bool = False, **options: Any) -> Tab:
        context = shared_context
        if fresh or options:
            contexts.append(new_context(browser, **options))
            context = contexts[-1]
        pages.append(Tab.open(context, site.base))
        return pages[-1]

    yield open_tab
    for tab in pages:
        tab.close()
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go: `$MLREPORT_ARTIFACTS/screenshots`, else `test-artifacts/screenshots`."""
    root = Path(os.environ.get("MLREPORT_ARTIFACTS") or REPO_ROOT / "test-artifacts")
    folder = root / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
