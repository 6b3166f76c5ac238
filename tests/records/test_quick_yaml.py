"""The quick pass over plain YAML mappings gives exactly what the general path gives: data, types, key order,
marks, raw scalars, problems; and whatever it leaves to the general path is read and worded as before."""

from __future__ import annotations

import datetime as dt
import string
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlreport.records import marked_yaml as source
from mlreport.records.marked_yaml import parse_yaml
from mlreport.records.source import SourceError

TEAM_RECORDS = Path(__file__).resolve().parents[2] / "benchmarks"


def said(read: Any, text: str, line_offset: int = 0) -> Any:
    """Everything a parse gives, with the type of every value, or the problem it raises."""
    try:
        document = read(text, "e.yaml", line_offset)
    except SourceError as exc:
        return ("problem", exc.problem)
    return (typed(document.data), list(document.key_marks.items()), list(document.value_marks.items()),
            list(document.raw_scalars.items()), document.problems, document.line_offset)


def typed(value: Any) -> Any:
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    return (type(value).__name__, repr(value))


def quick(text: str, shown: str, line_offset: int) -> source.Document:
    return parse_yaml(text, shown, line_offset)


def general(text: str, shown: str, line_offset: int) -> source.Document:
    return source._general_document(text, shown, line_offset, "file")


PLAIN = [
    "title: A\ndate: 2026-01-05\ntags: [a, b]\nmetrics: {test: {acc: 0.91, loss: 1e-05}}\n",
    "a: 1\nb: [1, 2.5, .inf, -.nan, 0o17, 0x1f, 1_000, 1:30]\nc: {d: yes, e: off, f: ~, g: ''}\n",
    "date: 2026-01-02\nwhen: 2026-01-02 10:00:00+02:00\nbad: 2026-13-01\nodd: 2026-01-02T10:00:00-00:16:08\n",
    "lr: 1e-05\nx: 3e4\ny: '1e-05'\nz: !!str 12\nw: !!float 3\n",
    "1: one\n1.5: float\nfalse: bool\nnull: none\n'2': two\n",
    "supersedes: [0012, 7]\nbaseline: 0012\n",
    "deep: {a: {b: [{c: [1, {d: e}]}]}}\n",
    "notes: |\n  line one\n  line two\ncode: {cmd: python x.py\n    --flag}\n",
    "history:\n  loss: [[1, 0.5], [2, 0.25], [3, 0.125]]\n",
    "list:\n- a: 1\n  b: [x, y]\n- - nested\n  - 2\n- ~\n",
    "k: v # a comment\n# another\nempty:\nq: \"quoted: yes\"\n",
    "title: A\tB\ndate: 2026-01-05\n",
    "text: 'line\n\n  folded'\nplain: one\n  two\n",
]
"""Plain mappings: the quick pass reads them itself."""

LEFT_TO_THE_GENERAL_PATH = [
    "s: \"\\ud83d\\ude00\"\n",  # libyaml refuses escaped surrogates: PyYAML's parser joins them
    "half: \"\\ud83d\"\n",
    "base: &b {x: 1}\nother: *b\n",
    "<<: {x: 1}\ny: 2\n",
    "? [a, b]\n: 1\n",
    "t: !custom 1\n",
    "i: !!int abc\n",
    "s: !!set {a, b}\no: !!omap [a: 1]\n",
    "bin: !!binary aGVsbG8=\n",
    "a: 1\nb: 2\na: 3\n",
    "0: int\n'0': text\n",
    "yes: 1\ntrue: 2\n",
    "1: one\ntrue: bool\n",
    "a: {x: 1, x: 2}\n",
    "- a\n- b\n",
    "just words\n",
    "# nothing\n",
    "title: \"unclosed\ndate: 2026-01-05\n",
    "title: Stage 2: fine-tuning\n",
    "params:\n\tlr: 0.1\n",
    "deep: " + "[" * 60 + "]" * 60 + "\n",
    "deep:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 60)) + "  " * 60 + "v: 1\n",
    "python: !!python/object/apply:os.system ['echo owned']\n",
]
"""What the quick pass leaves alone: aliases, merge keys, tags, duplicates, errors, documents too deep, non-mappings."""


@pytest.mark.parametrize("text", PLAIN + LEFT_TO_THE_GENERAL_PATH)
@pytest.mark.parametrize("line_offset", [0, 1])
def test_the_quick_pass_reads_as_the_general_path(text: str, line_offset: int) -> None:
    assert said(quick, text, line_offset) == said(general, text, line_offset)


@pytest.mark.parametrize("text", PLAIN)
def test_plain_mappings_take_the_quick_pass(text: str) -> None:
    if source._FastLoader is None:
        pytest.skip("without libyaml every document takes the general path")
    assert source._quick_document(text, "e.yaml", 0) is not None


@pytest.mark.parametrize("text", LEFT_TO_THE_GENERAL_PATH)
def test_what_is_not_plain_is_left_to_the_general_path(text: str) -> None:
    try:
        assert source._quick_document(text, "e.yaml", 0) is None
    except SourceError as exc:  # too deep: the one verdict the quick pass gives itself, as the general path does
        assert "nested more than" in exc.problem.message


def test_an_error_after_the_quick_pass_fails_is_located() -> None:
    with pytest.raises(SourceError) as raised:
        parse_yaml("title: A\ntags: [vision, baseline\ndate: 2026-01-05\n", "experiments/a.yaml")
    assert raised.value.problem.format_text() == (
        "experiments/a.yaml:2:7: error: invalid YAML: a `[` list starts here but is not closed before line 3 "
        "(add the closing `]`)")
    duplicate = parse_yaml("title: A\ndate: 2026-01-05\ntitle: B\n", "experiments/a.yaml")
    assert [p.format_text() for p in duplicate.problems] == [
        "experiments/a.yaml:3:1: error: duplicate key `title`: line 1 has it too (YAML keeps only the last one; "
        "merge the two)"]


def test_a_value_built_once_is_the_same_in_every_record() -> None:
    first = parse_yaml("a: 0.5\nb: 42\nc: yes\n", "a.yaml").data
    second = parse_yaml("x: [0.5, 42, yes]\n", "b.yaml").data
    assert second == {"x": [0.5, 42, True]} and first == {"a": 0.5, "b": 42, "c": True}


def test_the_benchmark_records_read_as_on_the_general_path(tmp_path: Path) -> None:
    """Every kind of record the benchmark repositories hold (experiments, decisions' and cards' front matter)."""
    import sys

    sys.path.insert(0, str(TEAM_RECORDS))
    try:
        from make_repo import make_repo
    finally:
        sys.path.remove(str(TEAM_RECORDS))
    make_repo(tmp_path / "repo", 60)
    texts = []
    for path in sorted((tmp_path / "repo").rglob("*")):
        if path.suffix in (".yaml", ".yml") and ".git" not in path.parts:
            texts.append(path.read_text("utf-8"))
        elif path.suffix == ".md" and path.read_text("utf-8").startswith("---\n"):
            texts.append(path.read_text("utf-8").split("---\n")[1])
    assert len(texts) > 60
    for text in texts:
        assert said(quick, text) == said(general, text)


_WORDS = st.sampled_from(["yes", "no", "on", "off", "~", "null", "0012", "1e-05", "3e4", "1_000", "0x1f", "1:30",
                          "2026-01-02", "2026-13-01", ".inf", "-.nan", "true", "a b", "key: value", "#x", "é",
                          "- item", "[a]", "", " padded ", "multi\nline", "tab\tin"])
_KEYS = st.one_of(st.text(string.ascii_lowercase + "_-. ", min_size=1, max_size=8), _WORDS,
                  st.integers(-5, 5), st.booleans())
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                     st.floats(allow_nan=False, width=64), st.text(max_size=12), _WORDS,
                     st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(_KEYS, inner, max_size=4)), max_leaves=20)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.dictionaries(_KEYS, _VALUES, min_size=1, max_size=6), flow=st.sampled_from([False, True, None]),
       width=st.sampled_from([20, 80]))
def test_any_mapping_pyyaml_writes_reads_as_on_the_general_path(data: dict[Any, Any], flow: bool | None,
                                                                 width: int) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, width=width, allow_unicode=True, sort_keys=False)
    assert said(quick, text) == said(general, text)


def test_only_short_scalars_are_remembered() -> None:
    long_number, long_text = "1" * 100, "word " * 40
    document = parse_yaml(f"n: {long_number}\nt: {long_text}\nshort: 12345\n", "a.yaml")
    assert document.data == {"n": int(long_number), "t": long_text.strip(), "short": 12345}
    remembered = {text for _, text in source._BUILT}
    if source._FastLoader is not None:
        remembered |= set(source._FastLoader._plain_tags)
    assert long_number not in remembered and long_text.strip() not in remembered
