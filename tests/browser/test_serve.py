"""`mlreport serve` in a browser: a saved record reloads the open page with the new value, by itself."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from repos import new_repo
from sitekit import team_repo
from test_serve import fetch

from .harness import TIMEOUT_MS, Tab, new_context

pytestmark = pytest.mark.browser


def test_an_open_page_shows_the_saved_record_without_a_manual_reload(browser, tmp_path: Path) -> None:
    repo = team_repo(new_repo(tmp_path / "repo"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen([sys.executable, "-m", "mlreport", "serve", "--dev-addr", f"127.0.0.1:{port}"],
                              cwd=repo.path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                              env={k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"})
    context = new_context(browser)
    try:
        assert server.stdout is not None and server.stdout.readline().startswith(f"serving the site at {base}")
        tab = Tab.open(context, base)
        # The server answers once its first build is done.
        fetch(base + "experiments/wide/", lambda text: "Wider CNN" in text)
        page = tab.goto("experiments/wide/")
        assert page.locator("article h1").inner_text().startswith("Wider CNN")
        wide = repo.path / "experiments/digits/wide.yaml"
        wide.write_text(re.sub(r"(?m)^title: Wider CNN$", "title: Wider CNN, live", wide.read_text("utf-8")),
                        encoding="utf-8")
        # Live reload: the page reloads itself once the server has written the new page.
        page.wait_for_function("() => document.querySelector('article h1')?.textContent.includes('Wider CNN, live')",
                               timeout=TIMEOUT_MS)
        tab.settle()
        assert tab.errors == []
    finally:
        context.close()
        server.terminate()
        server.wait(timeout=30)
