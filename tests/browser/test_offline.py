"""The demo site offline: a crawl of every page finds no request leaving 127.0.0.1, no script
error and no broken link, moving from page to page as a reader does."""

from __future__ import annotations

import pytest

from .crawl import crawl
from .sites import BuiltSite

pytestmark = pytest.mark.browser


def test_the_demo_site_works_offline_with_no_broken_link(demo: BuiltSite, tabs) -> None:
    tab = tabs(demo)
    # Page to page as a reader goes: every page's tables and charts must draw after a swap too.
    seen = crawl(tab, instant=True)
    assert not seen.problems, "\n".join(seen.problems)
    missing = set(demo.record_titles()) - set(seen.pages)
    assert not missing, f"the crawl never reached {sorted(missing)}"
    tab.assert_clean()
