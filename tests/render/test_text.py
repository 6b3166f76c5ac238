"""A record's summary: the first sentence of its prose, as search results and pages show it."""

from __future__ import annotations

import pytest

from mlreport.render.text import SUMMARY_LENGTH, summary


@pytest.mark.parametrize(("markdown", "expected"), [
    ("Widening the first layer helped. Then we tried more.", "Widening the first layer helped."),
    ("# Use focal loss\n\n## Context and Problem Statement\n\nRare classes are missed (see [the run](x.md)). "
     "More text.", "Rare classes are missed (see the run)."),
    ("- a list item first\n\n| a | table |\n\n```\ncode.\n```\n\n<!-- note. -->\n\nThe **real** `prose`. Rest.",
     "The real prose."),
    ("{Describe the context and the problem.}\n\nOur own words", "Our own words"),
    ("v2.1 beat 0.86 by far! Next.", "v2.1 beat 0.86 by far!"),
    ("", ""),
    ("## Only headings\n\n### Nothing else", ""),
])
def test_summary_is_the_first_sentence_of_prose(markdown: str, expected: str) -> None:
    assert summary(markdown) == expected


def test_a_long_first_sentence_is_cut_at_a_word() -> None:
    shown = summary("word " * 100)
    assert shown.endswith("…") and len(shown) <= SUMMARY_LENGTH + 1 and not shown[:-1].endswith(" ")
