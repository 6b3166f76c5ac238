"""Reading record files: every way a file can be unreadable is one located, one-line error."""

from __future__ import annotations

import dataclasses
import os

import pytest
import yaml

from mlreport.config import Options
from mlreport.records import Loaded, experiment, load_records, marked_yaml, source
from mlreport.records.marked_yaml import parse_yaml, split_front_matter
from mlreport.records.source import SourceError

TAB_HINT = "(YAML indents with spaces only; replace the tab with spaces)"

# File content → what validation says about it (after `experiments/broken.yaml:`).
UNREADABLE_EXPERIMENTS = {
    "YAML syntax": (b'title: "An unclosed quote\ndate: 2026-01-05\n',
                    "1:8: error: invalid YAML: the file ends inside a quoted string that starts here "
                    "(add the closing quote)"),
    "unclosed list": (b"title: A\ntags: [vision, baseline\n",
                      "2:7: error: invalid YAML: the file ends inside a `[` list that starts here "
                      "(add the closing `]`)"),
    "list left open": (b"title: A\ntags: [vision, baseline\ndate: 2026-01-05\n",
                       "2:7: error: invalid YAML: a `[` list starts here but is not closed before line 3 "
                       "(add the closing `]`)"),
    "bad indentation": (b"title: A\nparams:\n  lr: 0.1\n batch: 32\n",
                        "4:2: error: invalid YAML: this line is indented differently from the lines around it "
                        "(indent the keys of one mapping by the same number of spaces)"),
    "unquoted colon": (b"title: Stage 2: fine-tuning\n",
                       '1:15: error: invalid YAML: a value contains `: ` '
                       '(quote the value: `title: "Stage 2: fine-tuning"`)'),
    "not UTF-8": (b"title: Caf\xe9 au lait\n",
                  "1:11: error: file is not valid UTF-8 (byte 0xe9) (re-save the file with UTF-8 encoding)"),
    "not UTF-8 on a later line": (b"title: A\nnotes: na\xefve\n",
                                  "2:10: error: file is not valid UTF-8 (byte 0xef) (re-save the file with UTF-8 "
                                  "encoding)"),
    "lone surrogate": (b'title: "A\\ud800B"\ndate: 2026-01-05\n',
                       "1:8: error: invalid YAML: text holds `\\ud800`, half of a UTF-16 surrogate pair, which is "
                       "no character (write the character itself, or escape all of it: `\\U0001F600`)"),
    "lone surrogate in a key": (b'title: A\ndate: 2026-01-05\nextra: {"\\ud83d\\ude00 \\udfff": 1}\n',
                                "3:9: error: invalid YAML: text holds `\\udfff`, half of a UTF-16 surrogate pair, "
                                "which is no character (write the character itself, or escape all of it: "
                                "`\\U0001F600`)"),
    "tab indentation": (b"title: A\nparams:\n\tlr: 0.1\n",
                        f"3:1: error: invalid YAML: a tab character is used for indentation {TAB_HINT}"),
    "empty file": (b"", "1:1: error: file is empty (a record is a YAML mapping with at least `title` and `date`)"),
    "blank lines only": (b"\n   \n\n",
                         "1:1: error: file is empty (a record is a YAML mapping with at least `title` and `date`)"),
    "comment only": (b"# to be filled in\n",
                     "1:1: error: expected a mapping of keys to values, found nothing "
                     "(write `key: value` lines, starting with `title: …`)"),
    "a list": (b"- title: A\n  date: 2026-01-05\n",
               "1:1: error: expected a mapping of keys to values, found a list "
               "(write `key: value` lines, starting with `title: …`)"),
    "a string": (b"just some words\n",
                 "1:1: error: expected a mapping of keys to values, found a string "
                 "(write `key: value` lines, starting with `title: …`)"),
    "python tag": (b"title: !!python/object/apply:os.system ['echo owned']\n",
                   "1:8: error: invalid YAML: the tag `!!python/object/apply:os.system` is not allowed "
                   "(records hold plain data; remove the tag)"),
    "unreadable tagged value": (b"title: A\nseed: !!int forty-two\n",
                                "2:7: error: invalid YAML: cannot read this value: invalid literal for int() with "
                                "base 10: 'forty-two' (fix the value, or remove its `!!` tag)"),
    "alias loop": (b"title: A\nparams: &p {again: *p}\n",
                   "2:9: error: invalid YAML: an alias refers to the value that contains it "
                   "(a value cannot include itself; copy what it needs instead)"),
    "alias bomb": (("title: A\na: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n" for p, n in zip("abcde", "bcdef"))).encode(),
                   "1:1: error: invalid YAML: aliases expand the file to more than 100,000 values "
                   "(records are small; write the values out instead of nesting aliases)"),
    "nesting too deep": (("title: A\nparams: " + "{a: " * 60 + "1" + "}" * 60 + "\n").encode(),
                         "1:1: error: invalid YAML: values are nested more than 50 levels deep "
                         "(records are a few levels deep; flatten the structure)"),
    "nesting deep enough to crash a parser": (("title: A\nparams: " + "[" * 100_000 + "]" * 100_000).encode(),
                                              "1:1: error: invalid YAML: values are nested more than 50 levels "
                                              "deep (records are a few levels deep; flatten the structure)"),
}


def load(repo) -> Loaded:
    return load_records(Options(root=repo.path))


@pytest.mark.parametrize("case", UNREADABLE_EXPERIMENTS)
def test_unreadable_file_is_one_located_error(repo, case: str) -> None:
    content, expected = UNREADABLE_EXPERIMENTS[case]
    (repo.path / "experiments").mkdir()
    (repo.path / "experiments" / "broken.yaml").write_bytes(content)
    repo.write("experiments/fine.yaml", "title: Fine\ndate: 2026-01-05\n")
    loaded = load(repo)
    assert [p.format_text() for p in loaded.problems] == [f"experiments/broken.yaml:{expected}"]
    assert "\n" not in loaded.problems[0].format_text()
    # One unreadable file never stops the others from loading.
    assert [e.id for e in loaded.experiments] == ["fine"]


@pytest.mark.skipif(not yaml.__with_libyaml__ and not os.environ.get("CI"),
                    reason="PyYAML's own parser refuses tabs inside values (PyYAML's wheels, which CI installs, "
                           "bundle libyaml: there the test never skips)")
def test_tab_inside_a_value_is_yaml(repo) -> None:
    repo.write("experiments/a.yaml", "title: A\tB\ndate: 2026-01-05\n")
    loaded = load(repo)
    assert (loaded.problems, loaded.experiments[0].title) == ([], "A\tB")


def test_without_libyaml_a_tab_inside_a_value_is_named(repo, monkeypatch) -> None:
    monkeypatch.setattr(marked_yaml, "_FastLoader", None)
    repo.write("experiments/a.yaml", "title: A\tB\ndate: 2026-01-05\n")
    assert [p.format_text() for p in load(repo).problems] == [
        "experiments/a.yaml:1:9: error: invalid YAML: a tab character inside a value "
        "(replace the tab with spaces, or quote the value)"]


@pytest.mark.parametrize("case", ["YAML syntax", "list left open", "tab indentation", "unquoted colon"])
def test_errors_read_the_same_without_libyaml(repo, monkeypatch, case: str) -> None:
    content, expected = UNREADABLE_EXPERIMENTS[case]
    (repo.path / "experiments").mkdir()
    (repo.path / "experiments" / "broken.yaml").write_bytes(content)
    monkeypatch.setattr(marked_yaml, "_FastLoader", None)
    assert [p.format_text() for p in load(repo).problems] == [f"experiments/broken.yaml:{expected}"]


def test_duplicate_key_is_an_error_at_the_second_one(repo) -> None:
    repo.write("experiments/merged.yaml", """
        title: Merged from two branches
        date: 2026-01-05
        metrics:
          test: {accuracy: 0.81}
        metrics:
          test: {auc: 0.88}
        """)
    loaded = load(repo)
    assert [p.format_text() for p in loaded.problems] == [
        "experiments/merged.yaml:5:1: error: duplicate key `metrics`: line 3 has it too "
        "(YAML keeps only the last one; merge the two)"]
    assert loaded.experiments[0].metrics == {"test.auc": 0.88}


@pytest.mark.parametrize("libyaml", [True, False], ids=["libyaml", "pyyaml"])
def test_keys_are_duplicates_only_when_yaml_makes_them_one_key(monkeypatch, libyaml: bool) -> None:
    if not libyaml:
        monkeypatch.setattr(marked_yaml, "_FastLoader", None)
    # YAML 1.1: `0` is an int and `'0'` a string, two keys the loader keeps; `yes` and `true` are both
    # true, and `1` and `1.0` the same number: one key each, the last one kept.
    document = parse_yaml("classes:\n  0: cat\n  '0': dog\nflags:\n  yes: 1\n  true: 2\n"
                          "sizes: {1: a, 1.0: b}\n", "e.yaml")
    assert document.data == {"classes": {0: "cat", "0": "dog"}, "flags": {True: 2}, "sizes": {1: "b"}}
    assert [p.format_text() for p in document.problems] == [
        "e.yaml:6:3: error: duplicate key `flags.true`: line 5 has it too (YAML keeps only the last one; merge the two)",
        "e.yaml:7:15: error: duplicate key `sizes.1.0`: line 7 has it too (YAML keeps only the last one; merge the two)"]


def test_a_byte_order_mark_is_read_past_in_yaml_markdown_and_csv(repo) -> None:
    bom = b"\xef\xbb\xbf"
    (repo.path / "experiments" / "a").mkdir(parents=True)
    (repo.path / "experiments" / "a" / "experiment.yaml").write_bytes(
        bom + b"title: Saved on Windows\ndate: 2026-01-05\nhistory: curves.csv\n")
    (repo.path / "experiments" / "a" / "curves.csv").write_bytes(bom + b"step,loss\n1,0.5\n")
    (repo.path / "decisions").mkdir()
    (repo.path / "decisions" / "0001-use-bom.md").write_bytes(
        bom + b"---\nstatus: accepted\ndate: 2026-01-05\n---\n# Use what Windows saves\n")
    loaded = load(repo)
    assert loaded.problems == []
    assert (loaded.experiments[0].title, loaded.experiments[0].history) == ("Saved on Windows", {"loss": ((1.0, 0.5),)})
    assert [d.title for d in loaded.decisions] == ["Use what Windows saves"]


@pytest.mark.parametrize("libyaml", [True, False], ids=["libyaml", "pyyaml"])
def test_exponents_without_a_dot_are_numbers_as_in_yaml_1_2(monkeypatch, libyaml: bool) -> None:
    if not libyaml:
        monkeypatch.setattr(marked_yaml, "_FastLoader", None)
    document = parse_yaml("lr: 1e-05\nsteps: 3e4\nwd: -2.5E+3\nquoted: '1e-05'\nword: 1e5x\n", "e.yaml")
    assert document.data == {"lr": 1e-05, "steps": 30000.0, "wd": -2500.0, "quoted": "1e-05", "word": "1e5x"}


def test_an_unquoted_exponent_is_a_valid_metric(repo) -> None:
    repo.write("experiments/a.yaml", "title: A\ndate: 2026-01-05\nparams: {lr: 1e-05}\nmetrics: {loss: 3e-4}\n")
    loaded = load(repo)
    assert loaded.problems == []
    assert (loaded.experiments[0].params, loaded.experiments[0].metrics) == ({"lr": 1e-05}, {"loss": 3e-4})


@pytest.mark.parametrize("libyaml", [True, False], ids=["libyaml", "pyyaml"])
def test_a_key_after_a_merge_key_overrides_what_was_merged(repo, monkeypatch, libyaml: bool) -> None:
    if not libyaml:
        monkeypatch.setattr(marked_yaml, "_FastLoader", None)
    repo.write("experiments/a.yaml", """
        title: Tuned from the defaults
        date: 2026-01-05
        extra:
          defaults: &b {lr: 1, wd: 0.1}
          more: &m {lr: 2, seed: 7}
        params:
          <<: [*b, *m]
          lr: 3
        """)
    loaded = load(repo)
    assert loaded.problems == []
    # The key written last wins, and the first of several merged mappings wins over the next ones.
    assert loaded.experiments[0].params == {"lr": 3, "wd": 0.1, "seed": 7}


def test_a_key_written_twice_beside_a_merge_key_is_still_a_duplicate(repo) -> None:
    repo.write("experiments/a.yaml", "title: A\ndate: 2026-01-05\nextra: {b: &b {lr: 1}}\n"
                                     "params:\n  <<: *b\n  wd: 1\n  wd: 2\n")
    assert [p.format_text() for p in load(repo).problems] == [
        "experiments/a.yaml:7:3: error: duplicate key `params.wd`: line 6 has it too "
        "(YAML keeps only the last one; merge the two)"]


def test_an_escaped_surrogate_pair_is_the_character_it_encodes(repo) -> None:
    repo.write("experiments/a.yaml", 'title: "Smile \\ud83d\\ude00"\ndate: 2026-01-05\n')
    loaded = load(repo)
    assert (loaded.problems, loaded.experiments[0].title) == ([], "Smile \U0001F600")


def test_a_timestamp_whose_offset_has_seconds_is_reported_not_raised(repo) -> None:
    repo.write("experiments/lmt.yaml", "title: Local mean time\ndate: 1912-01-01 00:00:00-00:16:08\n")
    assert [p.format_text() for p in load(repo).problems] == [
        "experiments/lmt.yaml:2:7: error: `date` must be a date; found string '1912-01-01 00:00:00-00:16:08' "
        "(write dates as YYYY-MM-DD)"]


def test_a_record_file_over_the_size_limit_is_refused_before_it_is_read(repo) -> None:
    padding = "".join(f"  k{n}: {'x' * 60}\n" for n in range(50_000))
    repo.write("experiments/huge.yaml", f"title: Huge\ndate: 2026-01-05\nextra:\n{padding}")
    assert [p.format_text() for p in load(repo).problems] == [
        "experiments/huge.yaml:1:1: error: record file is 3.5 MB, more than the 2 MB mlreport reads (keep curves in "
        "a history CSV beside the record (`history: curves.csv`) and large files as artifacts, linked by URI)"]


def test_a_history_file_over_its_size_limit_is_refused(repo, monkeypatch) -> None:
    monkeypatch.setattr(experiment, "HISTORY_LIMIT", dataclasses.replace(source.HISTORY_LIMIT, bytes=1_000))
    repo.write("experiments/a.yaml", "title: A\ndate: 2026-01-05\nhistory: a.csv\n")
    repo.write("experiments/a.csv", "step,loss\n" + "".join(f"{n},0.5\n" for n in range(1_000)))
    assert [p.format_text() for p in load(repo).problems] == [
        "experiments/a.csv:1:1: error: history file is 8 kB, more than the 1 kB mlreport reads (log fewer steps "
        "(every 10th is plenty for a chart), or split the file)"]


def test_dates_that_do_not_exist_are_reported_not_raised(repo) -> None:
    repo.write("experiments/leap.yaml", "title: Leap day\ndate: 2025-02-29\n")
    loaded = load(repo)
    assert [p.format_text() for p in loaded.problems] == [
        "experiments/leap.yaml:2:7: error: `date` must be a date; found string '2025-02-29' "
        "(write dates as YYYY-MM-DD)"]


@pytest.mark.parametrize("text, body, body_line", [
    ("---\ntitle: A\n---\n# Body\n", "# Body\n", 4),
    ("---\r\ntitle: A\r\n---\r\n# Body\r\n", "# Body\r\n", 4),
    ("---\ntitle: A\n...\n# Body\n", "# Body\n", 4),
    ("--- \ntitle: A\n---", "", 3),
])
def test_front_matter_split(text: str, body: str, body_line: int) -> None:
    document, rest, line = split_front_matter(text, "d.md")
    assert document is not None and document.data == {"title": "A"}
    assert (rest, line) == (body, body_line)
    # Positions are of the file, not of the front matter: `title` sits on line 2.
    assert document.mark("title") == (2, 1)


def test_markdown_without_front_matter() -> None:
    assert split_front_matter("# Title\n\n---\n\ntext\n", "d.md") == (None, "# Title\n\n---\n\ntext\n", 1)


def test_empty_front_matter_is_an_empty_mapping() -> None:
    document, body, line = split_front_matter("---\n---\n# Title\n", "d.md")
    assert document is not None and document.data == {}
    assert (body, line) == ("# Title\n", 3)


def test_front_matter_that_never_ends() -> None:
    with pytest.raises(SourceError) as caught:
        split_front_matter("---\nstatus: accepted\n\n# Title\n", "d.md")
    assert caught.value.problem.format_text() == (
        "d.md:1:1: error: front matter starts here but never ends (close it with a `---` line before the Markdown)")


def test_front_matter_errors_use_file_line_numbers() -> None:
    with pytest.raises(SourceError) as caught:
        split_front_matter("---\nstatus: accepted\nparams:\n\tlr: 1\n---\n# T\n", "d.md")
    assert caught.value.problem.format_text() == (
        f"d.md:4:1: error: invalid YAML: a tab character is used for indentation {TAB_HINT}")


def test_front_matter_that_is_not_a_mapping() -> None:
    with pytest.raises(SourceError) as caught:
        split_front_matter("---\n- accepted\n---\n# T\n", "d.md")
    assert caught.value.problem.format_text() == (
        "d.md:2:1: error: expected a mapping of keys to values, found a list "
        "(write `key: value` lines, starting with `title: …`)")


def test_marks_and_raw_scalars() -> None:
    document = parse_yaml("title: A\nsupersedes: [0012, 7]\nparams:\n  optimizer:\n    lr: 0.1\n", "e.yaml")
    # YAML 1.1 reads 0012 as octal 10; the text as written is kept for references.
    assert document.data["supersedes"] == [10, 7]
    assert document.raw("supersedes", 0) == "0012"
    assert document.mark("params", "optimizer", "lr") == (5, 5)
    assert document.mark("params", "optimizer", "lr", value=True) == (5, 9)
    # A key that is absent is located at its nearest parent.
    assert document.mark("params", "optimizer", "momentum") == (4, 3)
    assert document.mark("nothing") == (1, 1)


CONSTRUCTED = [
    "a: 1\nb: [1, 2.5, .inf, -.nan, 0o17, 0x1f, 1_000, 1:30]\nc: {d: yes, e: off, f: ~, g: ''}\n",
    "date: 2026-01-02\nwhen: 2026-01-02 10:00:00+02:00\nbad: 2026-13-01\nodd: 2026-01-02T10:00:00-00:16:08\n",
    "lr: 1e-05\nx: 3e4\ny: '1e-05'\nz: !!str 12\nw: !!float 3\n",
    "s: \"\\ud83d\\ude00\"\nhalf: \"\\ud83d\"\n",
    "base: &b {x: 1}\nother: *b\n",
    "<<: {x: 1}\ny: 2\n",
    "? [a, b]\n: 1\n",
    "t: !custom 1\n",
    "i: !!int abc\n",
    "s: !!set {a, b}\no: !!omap [a: 1]\n",
    "1: one\n1.0: float\ntrue: bool\nnull: none\n",
    "deep: {a: {b: [{c: [1, {d: e}]}]}}\n",
    "bin: !!binary aGVsbG8=\n",
    "notes: |\n  line one\n  line two\ncode: {cmd: python x.py\n    --flag}\n",
]


@pytest.mark.parametrize("text", CONSTRUCTED)
def test_the_direct_construction_gives_pyyaml_s_data_or_leaves_it_to_pyyaml(text: str) -> None:
    """Values, their types, key order and errors exactly as PyYAML's constructor gives them, on both parsers."""

    for loader_class in (marked_yaml._FastLoader, marked_yaml._RecordLoader):
        if loader_class is None:
            continue
        said = []
        for construct in ("pyyaml", "direct"):
            loader = loader_class(text)
            try:
                node = loader.get_single_node()
                data = loader.construct_document(node) if construct == "pyyaml" else \
                    marked_yaml._constructed(loader, node, text)
                said.append(repr(data))
            except yaml.YAMLError as exc:
                said.append(f"{type(exc).__name__}: {exc}")
            finally:
                loader.dispose()
        assert said[0] == said[1], loader_class
