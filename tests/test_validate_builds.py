"""What `validate` accepts builds: odd records give a located message or a site, never a traceback."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from repos import GitRepo, new_repo
from sitekit import read_page

from mlreport.cli import main
from mlreport.config import load_options
from mlreport.pipeline import generate_site

CLEAN_LINE = re.compile(r"^experiments/[^:\n]+\.(yaml|csv|tsv):\d+:\d+: (error|warning): \S.*$")
"""One problem as `validate` prints it: file:line:col, severity, message; nothing else, on one line."""


def run(*args: str | Path) -> Result:
    """The real CLI; an exception inside it fails the test instead of becoming an exit code."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def project(path: Path) -> GitRepo:
    """A repo with the plainest mkdocs.yml that uses the plugin."""
    repo = new_repo(path)
    repo.write("mkdocs.yml", "site_name: Odd records\ntheme: material\nplugins:\n  - mlreport\n")
    return repo


def test_a_lone_surrogate_stops_validate_and_generate_with_the_same_line(repo, tmp_path) -> None:
    repo.write("experiments/a.yaml", 'title: "A\\ud800B"\ndate: 2026-01-02\n')
    expected = ("experiments/a.yaml:1:8: error: invalid YAML: text holds `\\ud800`, half of a UTF-16 surrogate "
                "pair, which is no character (write the character itself, or escape all of it: `\\U0001F600`)")
    validated = run("validate", "--root", repo.path)
    generated = run("generate", "--root", repo.path, "--out", tmp_path / "out")
    assert (validated.exit_code, validated.stdout.splitlines()) == (1, [expected])
    assert generated.exit_code == 1 and generated.stderr.splitlines()[0] == expected


def test_what_validate_accepts_today_builds_and_reads_as_written(tmp_path) -> None:
    repo = project(tmp_path / "repo")
    repo.write("experiments/a.yaml", """
        title: "Diverged \\ud83d\\ude00"
        date: 2026-01-02T23:30:00-05:00
        extra:
          defaults: &d {lr: 1, wd: 0.1}
        params:
          <<: *d
          lr: 1e-05
          clip: .nan
        metrics: {loss: .inf, acc: 0.5}
        """)
    repo.commit("Add a run that diverged")
    validated = run("validate", "--root", repo.path)
    assert validated.exit_code == 0, validated.output
    assert validated.stdout.splitlines() == [
        "experiments/a.yaml:9:17: warning: metric `loss` is infinite: it is left out of tables, leaderboards and "
        "charts (record the number the run reached, or leave the metric out)"]
    built = run("build", "--root", repo.path, "--site-dir", tmp_path / "site")
    assert built.exit_code == 0, built.output
    page = read_page(tmp_path / "site", "experiments/a")
    assert "Diverged \U0001F600" in page.text
    # The day written in the author's own offset, not the UTC day (2026-01-03).
    assert "Date 2026-01-02" in page.text
    assert "lr 1e-05" in page.text and "clip nan" in page.text and "wd 0.1" in page.text


# -- the property: for any record, a clean message or a site ---------------------------------------------

ODD_WORDS = st.sampled_from(["", " ", "null", "~", "yes", "1e-05", ".nan", "2026-13-01", "a: b", "- x", "#", "&a",
                             "*a", "!!int x", "<script>", "{{ x }}", "[x](javascript:y)", "\x00", "\x1b[31m", "\r\n",
                             "\u202e", "\u2028", "\ufeff", "\U0001F600", "x" * 300])
TEXT = st.text(st.characters(codec="utf-8"), min_size=1, max_size=12) | ODD_WORDS
"""Any character a UTF-8 file can hold (controls, marks, bidi overrides), and words YAML or HTML treat specially."""
ODD_TEXT = TEXT | st.text(st.characters(codec=None, exclude_categories=()), max_size=12) | st.sampled_from(
    ["\ud800", "x\udfff", "\ud83d\ude00"])
"""Also lone surrogates, which no UTF-8 file can hold: as escapes they must be refused with a message."""
NUMBERS = (st.floats(allow_nan=True, allow_infinity=True) | st.integers(min_value=-(10 ** 30), max_value=10 ** 30)
           | st.sampled_from([0, -0.0, 1e-308, 5e-324, 1.7976931348623157e308, 2 ** 63, -(2 ** 64)]))
SCALARS = TEXT | NUMBERS | st.booleans() | st.none() | st.dates() | st.datetimes()
KEYS = TEXT | st.integers(-3, 3) | st.booleans() | st.sampled_from(["a.b", "<<", "title", "0012", "-"])
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
                      max_leaves=12)
DEEP = st.recursive(SCALARS, lambda inner: st.dictionaries(KEYS, inner, min_size=1, max_size=1), max_leaves=60)
NAMES = st.text("abcdefghij._-", min_size=1, max_size=8) | TEXT
METRICS = st.dictionaries(NAMES, NUMBERS | st.dictionaries(NAMES, NUMBERS, max_size=2), max_size=4)
PLAUSIBLE = st.fixed_dictionaries(
    {"title": st.text(st.characters(codec="utf-8"), min_size=1, max_size=12),
     "date": st.dates() | st.datetimes(timezones=st.timezones() | st.none())},
    optional={
        "id": st.from_regex(r"[a-z0-9][a-z0-9._-]{0,8}", fullmatch=True),
        "status": st.sampled_from(["planned", "running", "completed", "failed", "abandoned"]),
        "authors": st.lists(TEXT, max_size=3), "tags": st.lists(TEXT, max_size=3),
        "task": TEXT, "model": TEXT,
        "dataset": TEXT | st.fixed_dictionaries({"name": TEXT}, optional={"version": TEXT, "split": TEXT}),
        "params": st.dictionaries(KEYS, VALUES | DEEP, max_size=5),
        "metrics": METRICS,
        "history": st.dictionaries(NAMES, st.lists(st.tuples(NUMBERS, NUMBERS).map(list), max_size=6), max_size=2),
        "environment": st.dictionaries(TEXT, VALUES, max_size=3), "extra": st.dictionaries(KEYS, VALUES, max_size=3),
        "code": st.fixed_dictionaries({}, optional={"repo": TEXT, "commit": TEXT, "command": TEXT}),
        "links": st.lists(st.fixed_dictionaries({"title": TEXT, "url": TEXT}), max_size=2),
        "notes": TEXT,
    })
"""Records that mostly validate, so that the build runs on odd values."""
ODD = st.fixed_dictionaries({"title": ODD_TEXT | NUMBERS, "date": SCALARS | ODD_TEXT},
                            optional={"params": VALUES, "metrics": VALUES, "history": VALUES, "tags": VALUES}) \
    | st.dictionaries(KEYS | ODD_TEXT, VALUES, max_size=4)
"""Records that mostly do not: what validate says about them must still be a located line."""
REPOS = st.one_of(*[st.lists(PLAUSIBLE, min_size=1, max_size=2)] * 4, st.lists(PLAUSIBLE | ODD, min_size=1, max_size=2))
"""A few records per repo: most of them valid, so that most examples reach the build."""


def as_yaml(record: dict[str, Any], readable: bool) -> bytes:
    """The record as a person might save it: escaped, or as raw UTF-8 (where a lone surrogate is no UTF-8)."""
    text = yaml.safe_dump(record, allow_unicode=readable, sort_keys=False, width=60)
    return text.encode("utf-8", "surrogatepass")


# A longer hunt, when changing the loader: MLREPORT_EXAMPLES=500 python -m pytest tests/test_validate_builds.py
@settings(max_examples=int(os.environ.get("MLREPORT_EXAMPLES", 50)), deadline=None, database=None,
          phases=[Phase.explicit, Phase.generate, Phase.shrink],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(records=REPOS, readable=st.booleans())
def test_validate_errors_are_located_lines_and_no_errors_means_the_site_generates(
        records: list[dict[str, Any]], readable: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        repo = project(Path(folder) / "repo")
        (repo.path / "experiments").mkdir()
        for number, record in enumerate(records):
            (repo.path / "experiments" / f"run-{number}.yaml").write_bytes(as_yaml(record, readable))
        assert_located_lines_or_a_site(repo)


CELLS = st.sampled_from(["", "nan", "NaN", "inf", "-inf", "1e309", "-0", "1e-05", "0x10", "1_000", " 2 ", "abc", '"',
                         "\ufeff1", "٣"]) | NUMBERS.map(str) | TEXT
ROWS = st.lists(st.lists(CELLS, min_size=0, max_size=4), max_size=8)


@settings(max_examples=int(os.environ.get("MLREPORT_EXAMPLES", 50)) // 2, deadline=None, database=None,
          phases=[Phase.explicit, Phase.generate, Phase.shrink],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(header=st.lists(st.sampled_from(["step", "loss", "val.acc", "timestamp", "", "step "]) | TEXT, max_size=4),
       rows=ROWS, delimiter=st.sampled_from([",", "\t"]))
def test_any_history_file_gives_located_lines_or_a_site(header: list[str], rows: list[list[str]],
                                                        delimiter: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        repo = project(Path(folder) / "repo")
        suffix = "csv" if delimiter == "," else "tsv"
        repo.write("experiments/run/experiment.yaml", f"title: Run\ndate: 2026-01-05\nhistory: curves.{suffix}\n")
        text = "\n".join(delimiter.join(cells) for cells in [header, *rows]) + "\n"
        (repo.path / "experiments" / "run" / f"curves.{suffix}").write_text(text, encoding="utf-8")
        assert_located_lines_or_a_site(repo)


def assert_located_lines_or_a_site(repo: GitRepo) -> None:
    """`validate` prints only located lines; when it finds no error, the whole site generates."""
    validated = run("validate", "--root", repo.path)
    lines = validated.stdout.splitlines()
    assert validated.exit_code in (0, 1)
    assert all(CLEAN_LINE.match(line) for line in lines), lines
    if validated.exit_code == 0:
        result = generate_site(load_options(repo.path))
        assert not result.failed and result.site.pages
        # What writing the site does with every page: a page Python cannot encode would fail there.
        assert all(page.encode("utf-8") for page in result.site.pages.values())
