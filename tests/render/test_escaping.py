"""Hostile record content reaches the built site as text: no markup, no script, no `javascript:`."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from sitekit import Page, read_page

from repos import GitRepo

HOSTILE_TITLE = "<script>alert(1)</script> & \"quotes\" 'too'"
BREAKOUT_TITLE = "</script><script>alert(2)</script><!--"
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href"}


@pytest.fixture
def hostile_site(repo: GitRepo, cli, tmp_path: Path) -> Path:
    repo.write("mkdocs.yml", """\
        site_name: Hostile
        theme: {name: material, font: false}
        plugins:
          - search
          - mlreport:
              leaderboards:
                - {title: "<img src=x onerror=alert(10)>", task: "t<b>", dataset: d, metric: "m.<i>acc</i>"}
        """)
    repo.write("experiments/evil.yaml", f"""\
        title: {json.dumps(HOSTILE_TITLE)}
        date: 2026-01-01
        task: "t<b>"
        dataset: d
        model: "<svg onload=alert(3)>"
        authors: ["\\"><img src=x onerror=alert(4)>"]
        tags: ["</script><script>alert(5)</script>", "[x](javascript:alert(6))"]
        params:
          "<img src=x onerror=alert(7)>": 1
          depth: 2
          note: "*bold* | pipe [link](javascript:alert(8))"
        metrics: {{m: {{"<i>acc</i>": 0.5}}}}
        history:
          "val.</script><script>alert(9)</script>": [[1, 0.1], [2, 0.2]]
        links:
          - {{title: "click me", url: "javascript:alert(11)"}}
          - {{title: "tabbed", url: "java\\tscript:alert(12)"}}
        artifacts:
          - {{name: "<b>weights</b>", uri: "javascript:alert(13)"}}
        notes: |
          <script>alert(14)</script>
          [a link](javascript:alert(15)) and <a href="javascript:alert(16)">raw</a>
          <img src=x onerror=alert(17)>
          [entity](&#106;avascript:alert(18))
        """)
    repo.write("experiments/breakout.yaml", f"""\
        title: {json.dumps(BREAKOUT_TITLE)}
        date: 2026-01-02
        task: "t<b>"
        dataset: d
        baseline: evil
        params: {{depth: 3}}
        metrics: {{m: {{"<i>acc</i>": 0.6}}}}
        """)
    repo.commit("Hostile records")
    result = cli("build", "--root", repo.path, "--site-dir", tmp_path / "site")
    assert result.exit_code == 0, result.output
    return tmp_path / "site"


def test_no_record_content_becomes_markup_or_script(hostile_site: Path) -> None:
    pages = [read_page(f.parent, f.name) for f in sorted(hostile_site.rglob("*.html"))]
    assert len(pages) > 5
    for page in pages:
        _assert_inert(page)


def test_hostile_values_show_as_text(hostile_site: Path) -> None:
    evil = read_page(hostile_site, "experiments/evil")
    assert HOSTILE_TITLE in evil.text
    for shown in ("<svg onload=alert(3)>", "</script><script>alert(5)</script>", "[x](javascript:alert(6))",
                  "<img src=x onerror=alert(7)>", "*bold* | pipe [link](javascript:alert(8))",
                  "<script>alert(14)</script>", "<img src=x onerror=alert(17)>"):
        assert shown in evil.text, shown
    # Themes print page titles unescaped; the generated front matter gives them escaped ones.
    assert f"<title>{html.escape(HOSTILE_TITLE)} - Hostile</title>" in evil.source
    breakout = read_page(hostile_site, "experiments/breakout")
    assert BREAKOUT_TITLE in breakout.text
    assert f"<title>{html.escape(BREAKOUT_TITLE)} - Hostile</title>" in breakout.source
    # The chart labels carry the hostile series name as data, escaped for Plotly's label markup.
    names = [trace["name"] for chart in evil.charts for trace in chart["data"]]
    assert names == ["val"]
    titles = [chart["layout"]["title"]["text"] for chart in evil.charts]
    assert titles == ["&lt;/script&gt;&lt;script&gt;alert(9)&lt;/script&gt;"]


def test_unsafe_links_lose_their_target(hostile_site: Path) -> None:
    evil = read_page(hostile_site, "experiments/evil")
    hrefs = [value for tag, name, value in evil.attributes if name == "href"]
    assert not [h for h in hrefs if "script:" in h.lower()]
    # Link text stays, so readers see what was written.
    assert "click me" in evil.text and "a link" in evil.text


def test_table_data_keeps_values_as_data(hostile_site: Path) -> None:
    data = json.loads((hostile_site / "assets/mlreport/data/experiments.json").read_text(encoding="utf-8"))
    titles = {row["id"]: row["title"] for row in data["rows"]}
    assert titles == {"breakout": BREAKOUT_TITLE, "evil": HOSTILE_TITLE}
    assert [c["title"] for c in data["columns"]][-1] == "m.<i>acc</i>"  # the script shows titles as text


def _assert_inert(page: Page) -> None:
    for tag, name, value in page.attributes:
        assert not name.startswith("on"), (page.source[:80], tag, name, value)
        if name in _URL_ATTRIBUTES:
            scheme = re.sub(r"[\x00-\x20]", "", html.unescape(value)).lower()
            assert not scheme.startswith(("javascript:", "vbscript:", "data:text")), (tag, name, value)
    for attrs, body in page.scripts:
        if attrs.get("type") == "application/json":
            json.loads(body)  # a break-out would have cut the JSON short
        else:
            assert "alert(" not in body, body[:200]
        assert "src" in attrs or attrs.get("type") == "application/json" or "alert" not in body
    assert not [tag for tag, name, _ in page.attributes if tag in ("img", "svg", "iframe", "object", "embed")
                and name in ("onerror", "onload")]


def test_search_index_holds_escaped_text(hostile_site: Path) -> None:
    # Material shows search results as HTML, so record text must arrive escaped there too.
    index = json.loads((hostile_site / "search/search_index.json").read_text(encoding="utf-8"))
    entries = [doc for doc in index["docs"] if doc["location"] == "experiments/evil/"]
    assert entries and entries[0]["title"] == html.escape(HOSTILE_TITLE, quote=False)
    for doc in index["docs"]:
        assert "<script" not in doc["title"] + doc["text"] and "<img" not in doc["title"] + doc["text"]
