"""Escaping and sanitising: the functions every record value passes through on its way to a page."""

from __future__ import annotations

import html
import json

import markdown
import pytest

from mlreport.render.safe import RecordMarkdown, href, json_for_script, page_title, safe_url, text


def rendered(markdown_text: str) -> str:
    """Markdown as MkDocs would render a generated page (tables on)."""
    return markdown.markdown(markdown_text, extensions=["tables", "attr_list", "md_in_html"])


@pytest.mark.parametrize("value", [
    "<script>alert(1)</script>", "*bold* _it_ `code`", "[x](javascript:alert(1))", "a | b", "{: .class }",
    ":smile: ~~gone~~ ==mark==", "&amp; &lt;", "# not a heading", "![img](x.png)", "\\*escaped\\*",
])
def test_text_renders_as_itself_in_markdown_and_html(value: str) -> None:
    cell = rendered(f"| h |\n| --- |\n| {text(value)} |")
    assert html.unescape(cell.split("<td>")[1].split("</td>")[0]) == value
    paragraph = rendered(f"Before {text(value)} after")
    assert html.unescape(paragraph) == f"<p>Before {value} after</p>"


def test_text_of_none_and_numbers() -> None:
    assert text(None) == "" and text(0.5) == "0.5" and text("a\n  b") == "a b"


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "java\nscript:alert(1)", "&#106;avascript:alert(1)", "&amp;#106;avascript:alert(1)", "vbscript:x",
    "data:text/html,<script>alert(1)</script>", "file:///etc/passwd",
])
def test_unsafe_urls_are_refused(url: str) -> None:
    assert safe_url(url) == ""
    assert href(url) == "#"


@pytest.mark.parametrize("url", ["https://example.com/a?b=1&c=2", "http://x.y", "mailto:a@b.c", "../page/",
                                 "notes.md#part", "#anchor"])
def test_safe_urls_pass(url: str) -> None:
    assert safe_url(url) == url


def test_href_survives_markdown_link_targets_and_attributes() -> None:
    target = href('https://example.com/a b(c)?q="1"&r=2')
    assert "(" not in target and ")" not in target and " " not in target and '"' not in target
    link = rendered(f"[x]({target})")
    assert 'href="https://example.com/a%20b%28c%29?q=%221%22&amp;r=2"' in link


def test_json_for_script_cannot_close_the_tag() -> None:
    data = {"title": "</script><script>alert(1)</script><!-- \u2028 \u2029 & done"}
    encoded = json_for_script(data)
    for forbidden in ("<", ">", "&", "\u2028", "\u2029"):
        assert forbidden not in encoded
    assert json.loads(encoded) == data


def test_page_title_is_escaped_yaml() -> None:
    title = page_title('</title><script>alert("x")</script> & more')
    assert title == '"&lt;/title&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more"'


def test_record_markdown_keeps_markdown_and_shows_html_as_text() -> None:
    out = RecordMarkdown()("# Result\n\n**bold** and `<code>`\n\n<script>alert(1)</script>\n\n"
                          "| a |\n| - |\n| 1 |\n\n<div onclick=\"x()\">raw</div>")
    assert "<h3>Result</h3>" in out and "<strong>bold</strong>" in out and "<code>&lt;code&gt;</code>" in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "<script" not in out
    assert "<table>" in out
    assert "<div onclick" not in out and "&lt;div onclick" in out


def test_record_markdown_neutralises_unsafe_links_and_resolves_relative_ones() -> None:
    out = RecordMarkdown()("[a](javascript:alert(1)) [b](https://ok.example) [c](0003-use-x.md) "
                          "![i](javascript:alert(2)) <javascript:alert(3)>",
                          resolve=lambda url: "../0003/" if url == "0003-use-x.md" else None)
    assert "javascript" not in out.replace("&lt;javascript:alert(3)&gt;", "")
    assert '<span class="mlr-unsafe-link" title="link removed: only http, https and mailto links are allowed">a</span>' in out
    assert ">i</span>" in out  # an image with an unsafe source shows its alt text
    assert 'href="https://ok.example"' in out and 'href="../0003/"' in out


def test_html_comments_are_hidden_but_code_showing_one_is_kept() -> None:
    source = ("<!-- Provide a quick summary -->\n\nText `<!-- shown -->` and <!-- hidden\nover lines --> end.\n\n"
              "```html\n<!-- in a fence -->\n```\n")
    out = RecordMarkdown()(source)
    assert "summary" not in out and "hidden" not in out and "over lines" not in out
    assert "<code>&lt;!-- shown --&gt;</code>" in out and "&lt;!-- in a fence --&gt;" in out
    assert "<p>Text <code>&lt;!-- shown --&gt;</code> and  end.</p>" in out
