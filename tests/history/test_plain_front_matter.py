"""Old decision versions read without YAML: the same title, status and superseded-by as the loader's, or no answer."""

from __future__ import annotations

import random

import pytest

from mlreport.history.blobs import BlobInfo, _plain_decision, describe
from mlreport.history.plain_front_matter import plain_front_matter
from mlreport.records.decision import parse_decision
from mlreport.records.marked_yaml import split_front_matter
from mlreport.records.source import SourceError

BODY = "# Heading title\n\n## Status\n\nAccepted\n\n## Context\n\nText.\n"


def loader_facts(text: str) -> BlobInfo:
    """What the records' loader reads from a decision version."""
    try:
        decision, _ = parse_decision(text, "decisions/0001-x.md", "0001-x.md", checked=False)
    except SourceError:
        return BlobInfo()
    return BlobInfo(decision.title, decision.status, decision.superseded_by) if decision else BlobInfo()


def loader_values(text: str) -> tuple[dict, dict]:
    document = split_front_matter(text, "decisions/0001-x.md")[0]
    assert document is not None
    return document.data, document.raw_scalars


@pytest.mark.parametrize("front_matter", [
    "title: Use X\nstatus: accepted\n",
    "title: 'Use X: the story'\nstatus: \"superseded by 0003\"\n",
    "title: 'It''s X'\nstatus: accepted\ndate: 2024-02-30\ntags: [a, b c, 'd, e']\n",
    "# a comment\ntitle: Use X # not a comment\nstatus: proposed\n",
    "title: Use X\nstatus: superseded\nsuperseded_by: [0007, '0009', ADR-12]\n",
    "title: Use X\nstatus: superseded\nsuperseded_by:\n  - 0007\n  - \"0009\"\n\nsupersedes:\n- 0002\n",
    "title: Use X\nstatus: Superceded by [3. Y](0003-y.md)\nsuperseded_by: 0004\n",
    "title: 3.5 releases\nstatus: accepted\n",
    "title: Use X\nstatus: yes\n",
    "title: Use X\nstatus:\n",
    "title: Use X\nstatus: ''\n",
    "title: Use X\nstatus: accepted\nsuperseded_by: no\n",
    "title: Use X\nstatus: accepted\nsuperseded_by: null\n",
    "title: Use X\nstatus: accepted\nsuperseded_by: []\n",
    "title: Use X\nstatus: accepted\nextra: 0b_\n",
    "title: Use X\nstatus: accepted\nextra: ._\n",
    "title: Use X\nstatus: accepted\nstatus: rejected\n",
    "title: Use X\nstatus: accepted\n  continued\n",
    "title: &name Use X\nstatus: accepted\nagain: *name\n",
    "title: !!str 12\nstatus: accepted\n",
    "title: |\n  Use X\nstatus: accepted\n",
    "title: Use X\nstatus: accepted\nnested:\n  key: value\n",
    "title: Use X\nstatus: accepted\nlist:\n  - a\n    - b\n",
    "title: Use X\nstatus: accepted\nlist:\n  - a\n - b\n",
    "title: Use X\n\tstatus: accepted\n",
    "title: Use X\u2028\nstatus: accepted\n",
    "title: Use X\nstatus: accepted\n...\n",
    "title: Use X\nstatus: [accepted\n",
    "title: Use X\nstatus: \"a \\\" b\"\n",
    "title: Use X\nstatus: accepted\non: 1\n",
    "title: Use X\nstatus: accepted: yes\n",
    "title: Use X\nstatus: accepted\nlist: [a, ]\n",
    "title: Use X\nstatus: accepted\nlist: [a?b]\n",
    "title: Use X\nstatus: accepted\n- stray\n",
    "title:    \nstatus: accepted\n",
    "title: ' '\nstatus: accepted\n",
    "status: accepted\n",
])
def test_plain_front_matter_reads_as_the_loader_or_gives_up(front_matter: str) -> None:
    text = f"---\n{front_matter}---\n{BODY}"
    assert describe("decision", "decisions/0001-x.md", text) == loader_facts(text)
    read = plain_front_matter(text)
    if read is None:
        return
    data, raw = loader_values(text)
    values, body = read
    assert list(values) == list(data) and body == BODY
    for key, value in values.items():
        scalars = value if isinstance(value, list) else [] if value is None else [value]
        if isinstance(value, list):
            assert len(data[key]) == len(value)
            assert [raw[(key, index)] for index in range(len(value))] == [text for _, text in value]
        elif value is None:
            assert data[key] is None
        else:
            assert raw[(key,)] == value[1]
        for (kind, written), loaded in zip(scalars, data[key] if isinstance(value, list) else [data[key]]):
            if kind == "text":
                assert loaded == written
            else:
                assert not isinstance(loaded, str) or kind == "other" or loaded == written


def test_plain_front_matter_reads_a_madr_template_and_gives_up_on_yaml_it_does_not_know() -> None:
    madr = ("---\ntitle: Use X\nstatus: accepted\ndate: 2022-01-01\ndecision-makers: [amara.okafor, søren.holm]\n"
            "supersedes:\n  - \"0185\"\n---\n# Use X\n")
    assert _plain_decision(madr) == BlobInfo("Use X", "accepted", ())
    assert plain_front_matter(madr.replace("date: 2022-01-01", "date: &d 2022-01-01")) is None


def test_random_front_matters_read_as_the_loader_reads_them() -> None:
    """Lines made from the pieces where YAML surprises (words it reads as booleans, numbers, dates, quotes,
    colons, comments, lists), many of them plain enough to be read without YAML: every answer equals the loader's."""
    rng = random.Random(12)
    keys = ["title", "status", "superseded_by", "date", "tags", "on", "status date", "x"]
    words = ["Use X", "accepted", "superseded by 0003", "superseded", "yes", "No", "null", "~", "0007", "0o7",
             "1.5", "1e5", "2024-01-01", "2024-13-01", "a: b", "a:b", "a #b", "a#b", "'q''d'", "'open", '"dq"',
             '"es\\"c"', "[0007, x]", "[]", "[a, [b]]", "{a: b}", "&a x", "*a", "!x y", "|", "- x", "?x", "@x",
             "`x`", "%x", "deprecated", "Draft", "on hold", "ADR-0009", "[9. Y](0009-y.md)", ""]
    plain_enough = 0
    for _ in range(3000):
        # Half of them start as a plain decision does, and most of their lines are read without YAML.
        lines = ["title: Use X", f"status: {rng.choice(words[:4])}"] if rng.random() < 0.5 else []
        pool, names = (words[:24], keys[2:5] + ["a", "b", "c", "d"]) if lines else (words, keys)
        for _ in range(rng.randint(1, 3 if lines else 5)):
            roll = rng.random()
            if roll < 0.08:
                lines.append(rng.choice(["# comment", "", "  ", "  # indented", "..."]))
            elif roll < 0.2:
                lines.append(f"{rng.choice(['', '  ', ' '])}- {rng.choice(pool)}")
            else:
                lines.append(f"{rng.choice(names)}:{rng.choice([' ', '  ', ''])}{rng.choice(pool)}")
        text = "---\n" + "\n".join(lines) + "\n---\n" + rng.choice([BODY, "# T\n\nStatus: proposed\n", ""])
        plain_enough += _plain_decision(text) is not None
        assert describe("decision", "decisions/0001-x.md", text) == loader_facts(text), text
    assert plain_enough > 200  # the fast path was taken often enough for the comparison to mean something
