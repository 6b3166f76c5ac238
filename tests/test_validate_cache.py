"""`mlreport validate` keeps its verdict with the fingerprints of every file it read: served again, it says exactly
what a check from nothing says, and any change to what the records are read from is a check again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mlreport.cache_dir import code_stamp, read_cache, write_cache
from mlreport.cli import main
from mlreport.validate import RESULT_FILE

BROKEN = Path(__file__).parent / "fixtures" / "broken"
CACHE = Path(".mlreport/cache")



@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """The broken fixture, less what no verdict can be kept for (see the tests at the end)."""
    root = tmp_path / "broken"
    shutil.copytree(BROKEN, root)
    (root / "experiments" / "history-escape.yaml").unlink()
    (root / "decisions" / "0012-duplicate-b.md").unlink()
    (root / "mkdocs.yml").write_text("site_name: Broken\nplugins:\n  - mlreport\n")
    return root


def validate(root: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["validate", "--root", str(root), *args], catch_exceptions=False)


def said(result: Result) -> tuple[int, str, str]:
    return result.exit_code, result.stdout, result.stderr


def from_nothing(root: Path, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    """What validate says of a copy of the repository without any cache."""
    copy = tmp_path / "from-nothing" / root.name
    shutil.rmtree(copy.parent, ignore_errors=True)
    shutil.copytree(root, copy, symlinks=True, ignore=shutil.ignore_patterns(".mlreport"))
    return said(validate(copy, *args))


def test_an_unchanged_repository_is_judged_again_without_loading_a_record(broken: Path, tmp_path: Path,
                                                                         loads: list[str]) -> None:
    first = said(validate(broken))
    assert first[0] == 1 and "29 errors, 8 warnings" in first[2]
    assert (broken / CACHE / RESULT_FILE).is_file()
    (broken / CACHE / "records.json").unlink()

    for fmt in ("text", "text", "json", "github"):
        loads.clear()
        again = said(validate(broken, "--format", fmt))
        assert loads == []  # the verdict alone answered: not even the record cache was opened
        assert again == from_nothing(broken, tmp_path, "--format", fmt)
    assert not (broken / CACHE / "records.json").exists()


EDITS = {
    "a record's bytes": lambda root: (root / "experiments" / "good-baseline.yaml").write_text(
        (root / "experiments" / "good-baseline.yaml").read_text() + "metric: {}\n"),
    "a new record": lambda root: (root / "experiments" / "new.yaml").write_text(
        "title: New\ndate: 2026-01-02\nbaseline: nowhere\n"),
    "a record referred to, deleted": lambda root: (root / "experiments" / "good-baseline.yaml").unlink(),
    "a record fixed": lambda root: (root / "experiments" / "missing-date.yaml").write_text(
        "title: Now dated\ndate: 2026-01-02\n"),
    "a notes file beside a record": lambda root: _directory_record(root, "see [the chart](chart.png)\n"),
    "a file a link names, added": lambda root: (root / "experiments" / "folder-run" / "plot.png").write_bytes(b"png"),
    "the options": lambda root: (root / "mkdocs.yml").write_text(
        (root / "mkdocs.yml").read_text().replace("- mlreport", "- mlreport:\n      strict: true")),
}


def _directory_record(root: Path, notes: str) -> None:
    folder = root / "experiments" / "folder-run"
    folder.mkdir(exist_ok=True)
    (folder / "experiment.yaml").write_text("title: In a folder\ndate: 2026-01-03\n")
    (folder / "notes.md").write_text(notes)


@pytest.mark.parametrize("edit", EDITS)
def test_a_change_to_what_the_records_are_read_from_is_checked_again(broken: Path, tmp_path: Path,
                                                                     edit: str) -> None:
    _directory_record(broken, "see [the plot](plot.png)\n")
    validate(broken)
    before = said(validate(broken))
    EDITS[edit](broken)
    after = said(validate(broken))
    assert after == from_nothing(broken, tmp_path)
    assert after != before
    assert said(validate(broken)) == after  # and that verdict is kept in turn


def test_a_damaged_or_foreign_verdict_is_checked_again_without_a_word(broken: Path, tmp_path: Path) -> None:
    validate(broken)
    path = broken / CACHE / RESULT_FILE
    body, _ = read_cache(path, code_stamp())
    data = json.loads(body)
    damages = {
        "files not a list": {**data, "files": "experiments"},
        "a file outside": {**data, "files": [[["../elsewhere.yaml", "file:0", None]]] * len(data["files"])},
        "problems not problems": {**data, "problems": [["x"]]},
        "counts of another kind": {**data, "counts": {"experiment": "many"}},
        "not a mapping": [],
    }
    for damage in damages.values():
        write_cache(path, code_stamp(), json.dumps(damage).encode("ascii"))
        assert said(validate(broken)) == from_nothing(broken, tmp_path)
    path.write_bytes(b"not a cache at all")
    result = validate(broken)
    assert said(result) == from_nothing(broken, tmp_path) and "Traceback" not in result.output


@pytest.mark.parametrize("unkept", ["experiments/history-escape.yaml", "decisions/0012-duplicate-b.md"])
def test_what_no_record_file_vouches_for_is_checked_every_time(broken: Path, tmp_path: Path, unkept: str) -> None:
    """A record that reads out of bounds is never cached; which decision number is free is the whole folder's to
    say: with either, no verdict is kept, and each check says what a check from nothing says."""
    shutil.copy(BROKEN / unkept, broken / unkept)
    first = said(validate(broken))
    assert not (broken / CACHE / RESULT_FILE).exists()
    assert said(validate(broken)) == first == from_nothing(broken, tmp_path)
