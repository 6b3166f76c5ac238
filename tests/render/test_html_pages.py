"""Record pages rendered straight to HTML: the same page as through Markdown, without converting any.

Each test builds a real site with the real CLI. Copying a kind's packaged `.md.j2` template into
the repo's `templates/` sends that kind through Markdown (a repo's own template wins), which
gives the page as it was before to compare with.
"""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
from click.testing import CliRunner
from repos import GitRepo, new_repo
from sitekit import team_repo

from mlreport.cli import main
from mlreport.config import Headings, headings, load_options
from mlreport.pipeline import generate_site
from mlreport.render.html_page import Outline, search_text
from mlreport.templates import packaged_templates

KINDS = {"experiment": "experiments", "decision": "decisions", "model": "models"}
DEMO = Path(__file__).resolve().parents[2]
"""The demo team's records at the top of the project."""


class _Dom(HTMLParser):
    """A page as a list of tags (attributes sorted) and texts (whitespace collapsed, empty ones dropped)."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.nodes: list[tuple] = []
        self.feed(source)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.nodes.append(("<", tag, tuple(sorted((name, value or "") for name, value in attrs))))

    def handle_endtag(self, tag: str) -> None:
        self.nodes.append((">", tag))

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if not text:
            return
        if self.nodes and self.nodes[-1][0] == "text":
            self.nodes[-1] = ("text", f"{self.nodes[-1][1]} {text}")
        else:
            self.nodes.append(("text", text))


def _build(repo: GitRepo, site: Path, through_markdown: tuple[str, ...] = ()) -> Path:
    own = repo.path / "templates" / "pages"
    shutil.rmtree(repo.path / "templates", ignore_errors=True)
    for kind in through_markdown:
        own.mkdir(parents=True, exist_ok=True)
        shutil.copy(packaged_templates() / "pages" / f"{kind}.md.j2", own / f"{kind}.md.j2")
    result = CliRunner().invoke(main, ["build", "--root", str(repo.path), "--site-dir", str(site)])
    assert result.exit_code == 0, result.output
    return site


def _record_pages(site: Path) -> list[Path]:
    """Every record page of a built site, with directory URLs (`foo/index.html`) or without (`foo.html`)."""
    pages = [page for folder in KINDS.values() for page in (site / folder).glob("**/*.html")]
    return sorted(page for page in pages if page.name != "index.html" and page.stem != "compare"
                  or page.name == "index.html" and page.parent.name not in (*KINDS.values(), "compare"))


def _search(site: Path) -> dict[str, dict]:
    return {doc["location"]: doc for doc in json.loads((site / "search/search_index.json").read_text())["docs"]}


def _demo_repo(path: Path) -> GitRepo:
    repo = new_repo(path)
    for folder in ("experiments", "decisions", "models"):
        shutil.copytree(DEMO / folder, path / folder)
    shutil.copy(DEMO / "mkdocs.yml", path / "mkdocs.yml")
    repo.commit("The demo team's records")
    return repo


@pytest.mark.parametrize("which", ["golden", "demo", "golden-file-urls"])
def test_html_record_pages_are_the_pages_markdown_made(tmp_path: Path, which: str) -> None:
    repo = _demo_repo(tmp_path / "repo") if which == "demo" else team_repo(new_repo(tmp_path / "repo"))
    if which == "golden-file-urls":
        config = repo.path / "mkdocs.yml"
        config.write_text(config.read_text() + "\nuse_directory_urls: false\n")
        repo.commit("File URLs")
    direct = _build(repo, tmp_path / "direct")
    converted = _build(repo, tmp_path / "converted", through_markdown=tuple(KINDS))
    pages = _record_pages(direct)
    assert len(pages) == len(_record_pages(converted)) > 5
    for page in pages:
        before = (converted / page.relative_to(direct)).read_text(encoding="utf-8")
        assert _Dom(page.read_text(encoding="utf-8")).nodes == _Dom(before).nodes, page.relative_to(direct)
    assert _search(direct) == _search(converted)


def test_a_kind_whose_markdown_template_the_repo_overrides_keeps_the_markdown_path(repo: GitRepo) -> None:
    team_repo(repo)
    own = repo.write("templates/pages/experiment.md.j2",
                     (packaged_templates() / "pages/experiment.md.j2").read_text(encoding="utf-8")
                     .replace("## Reproduce", "Our own experiment page.\n\n## Reproduce"))
    generated = generate_site(load_options(repo.path)).site
    experiments = [path for path in generated.pages
                   if path.startswith("experiments/") and path not in ("experiments/index.md", "experiments/compare.md")]
    assert experiments and all("Our own experiment page." in generated.pages[path] for path in experiments)
    assert not any(path.startswith("experiments/") for path in generated.html_pages)
    assert any(path.startswith("decisions/") for path in generated.html_pages)
    assert any(path.startswith("models/") for path in generated.html_pages)
    own.unlink()
    generated = generate_site(load_options(repo.path)).site
    assert all(path in generated.html_pages for path in experiments)


def test_no_markdown_converter_is_made_for_a_record_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = team_repo(new_repo(tmp_path / "repo"))
    converted: list[str] = []
    convert = markdown.Markdown.convert

    def noting(self: markdown.Markdown, source: str) -> str:
        # MkDocs' page converters carry `toc`; the converter of records' notes and bodies does not.
        if "toc" in self.treeprocessors:
            converted.append(source)
        return convert(self, source)

    monkeypatch.setattr(markdown.Markdown, "convert", noting)
    site = _build(repo, tmp_path / "site")
    generated = generate_site(load_options(repo.path)).site
    assert generated.html_pages and len(converted) == len(generated.pages)
    assert len(_record_pages(site)) == len(generated.html_pages)


def test_headings_take_the_ids_permalinks_and_table_of_contents_markdown_gives_them() -> None:
    outline = Outline(Headings(permalink="&para;"))
    assert outline.heading(1, "Wide &#95;CNN &#40;v2&#41;") == (
        '<h1 id="wide-_cnn-v2">Wide &#95;CNN &#40;v2&#41;<a class="headerlink" href="#wide-_cnn-v2" '
        'title="Permanent link">&para;</a></h1>')
    outline.heading(2, "Notes", exclude=True)
    assert 'id="notes_1"' in outline.heading(2, "Notes")
    page = outline.page("", {"title": "Wide"})
    assert [(t["id"], [c["id"] for c in t["children"]]) for t in page.toc] == [("wide-_cnn-v2", ["notes", "notes_1"])]
    assert Outline(Headings()).heading(2, "Notes") == '<h2 id="notes">Notes</h2>'


def test_markdown_settings_that_could_change_a_page_send_it_through_markdown() -> None:
    assert headings([("toc", {"permalink": True}), ("tables", {})]) == Headings(permalink="&para;")
    assert headings([("toc", {"permalink": "#", "separator": "_"})]) == Headings(permalink="#", separator="_")
    assert headings([("toc", {})]) == Headings()
    assert headings([("toc", {}), ("smarty", {})]) is None
    assert headings([("toc", {"slugify": str.lower})]) is None
    assert headings([("toc", {"toc_depth": 3})]) is None


@pytest.mark.parametrize("fragment", [
    "<p>Plain &#95;text&#95; <code>x &lt; y</code></p>\n<ul>\n<li>one</li>\n<li>\n</li>\n</ul>",
    "<p data-search-exclude>Ranked <strong>#1</strong></p>\n<p>kept</p><p>  </p>",
    "<pre><code>line one\n\n  indented &amp; more</code></pre>\n<script>var x = '<p>';</script><p>after</p>",
    "<table>\n<tr>\n<td>a</td>\n<td>b</td>\n</tr>\n</table>\n<ol><li><p>deep</p><ul><li></li></ul></li></ol>",
    "<p>a</p><script>x='<p>'</script  ><p>b &amp; c\n d</p> < x <!-- c --> <pre>\n  x\n</pre>",
    "<pre>a</pre>  <p> </p>\n\n<p>t</p><style>p{}</STYLE>tail &lt;\n<div data-search-exclude><p>a</p></div><p>b</p>",
    "<p>x<br>y<img src='a>b'> z</p>\n\n\n<p>\n</p><ul>\n<li><strong>Id</strong> x &#95;y</li>\n</ul>",
])
def test_search_text_is_what_materials_search_parser_reads(fragment: str) -> None:
    from material.plugins.search.plugin import Parser

    parser = Parser()
    parser.feed(f"<h1 id=\"title\">Title</h1>{fragment}")
    parser.close()
    assert search_text(fragment) == "".join(parser.data[0].text).strip()
