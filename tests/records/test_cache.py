"""The records cache: unchanged files load from it, anything else loads afresh, and it can run no code."""

from __future__ import annotations

import dataclasses
import os
import pickle
from pathlib import Path

import pytest

import mlreport.records as records
from mlreport.config import Options
from mlreport.records import Loaded, load_records
from mlreport.records.cache import CACHE_FILE, loader_stamp
from mlreport.records.kinds import EXPERIMENT

CACHE = Path(".mlreport/cache") / CACHE_FILE
RUN = "title: {title}\ndate: 2026-01-0{day}\nmetrics: {{accuracy: 0.{day}}}\n"


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the experiment loader is asked to read, in order."""
    seen: list[str] = []
    real = EXPERIMENT.load

    def counting(path: Path, root: Path):
        seen.append(path.relative_to(root).as_posix())
        return real(path, root)

    counted = dataclasses.replace(EXPERIMENT, load=counting)
    monkeypatch.setattr(records, "KINDS", tuple(counted if kind is EXPERIMENT else kind for kind in records.KINDS))
    return seen


def cached(repo, **options: object) -> Loaded:
    """Load the repo's records through the cache."""
    return load_records(Options(root=repo.path, **options), cached=True)  # type: ignore[arg-type]


def test_unchanged_files_come_from_the_cache_and_equal_a_fresh_load(repo, loads: list[str]) -> None:
    for day in (1, 2, 3):
        repo.write(f"experiments/run-{day}.yaml", RUN.format(title=f"Run {day}", day=day))
    repo.write("decisions/0001-use-it.md", "---\nstatus: accepted\nevidence: [run-1]\n---\n# Use it\n")
    first = cached(repo)
    assert (repo.path / CACHE).is_file() and len(loads) == 3

    repo.write("experiments/run-2.yaml", RUN.format(title="Run 2, rerun", day=2))
    (repo.path / "experiments/run-3.yaml").unlink()
    second = cached(repo)

    assert loads[3:] == ["experiments/run-2.yaml"]
    assert second == load_records(Options(root=repo.path))
    assert [e.title for e in second.experiments] == ["Run 1", "Run 2, rerun"]
    assert second.decisions == first.decisions
    kept = pickle.loads((repo.path / CACHE).read_bytes())[1]
    assert sorted(kept) == [("decision", "decisions/0001-use-it.md"), ("experiment", "experiments/run-1.yaml"),
                            ("experiment", "experiments/run-2.yaml")]


def test_records_with_problems_or_other_files_always_load_afresh(repo, loads: list[str]) -> None:
    repo.write("experiments/untitled.yaml", "date: 2026-01-01\n")
    repo.write("experiments/curves.yaml", "title: Curves\ndate: 2026-01-01\nhistory: plots\n")
    repo.write("experiments/plots/train.csv", "step,loss\n1,0.9\n")
    repo.write("experiments/folder/experiment.yaml", RUN.format(title="Folder run", day=1))
    repo.write("experiments/later.yaml", "title: Later\ndate: 2026-01-01\nhistory: logs\n")
    (repo.path / "experiments/logs").mkdir()
    cached(repo)
    repo.write("experiments/plots/val.csv", "step,loss\n1,0.95\n")
    repo.write("experiments/logs/loss.tsv", "step\tloss\n1\t0.5\n")
    repo.write("experiments/folder/notes.md", "Written after the first build.\n")

    second = cached(repo)

    assert sorted(loads) == sorted(["experiments/curves.yaml", "experiments/folder/experiment.yaml",
                                    "experiments/later.yaml", "experiments/untitled.yaml"] * 2)
    by_id = {e.id: e for e in second.experiments}
    assert set(by_id["curves"].history) == {"train", "val"} and set(by_id["later"].history) == {"loss"}
    assert by_id["folder"].notes == "Written after the first build.\n"
    assert any("title" in p.message for p in second.problems)


def test_a_cache_from_other_loader_code_is_ignored(repo) -> None:
    repo.write("experiments/run-1.yaml", RUN.format(title="Run 1", day=1))
    cached(repo)
    stamp, entries = pickle.loads((repo.path / CACHE).read_bytes())
    key = ("experiment", "experiments/run-1.yaml")
    digest, record = entries[key]
    entries[key] = (digest, type(record)(**{**record.__dict__, "title": "Stale"}))
    for written_by, expected in ((stamp, "Stale"), ("3.0:older-loader", "Run 1")):
        (repo.path / CACHE).write_bytes(pickle.dumps((written_by, entries)))
        assert [e.title for e in cached(repo).experiments] == [expected]


class _Planted:
    def __reduce__(self):
        return (os.system, ("touch planted",))


def test_a_planted_cache_runs_no_code(repo, tmp_path: Path) -> None:
    repo.write("experiments/run-1.yaml", RUN.format(title="Run 1", day=1))
    (repo.path / CACHE).parent.mkdir(parents=True)
    (repo.path / CACHE).write_bytes(pickle.dumps((loader_stamp(), {("experiment", "x"): (b"", _Planted())})))
    (repo.path / "garbage").mkdir()
    (repo.path / "garbage" / CACHE_FILE).write_bytes(b"not a pickle")
    os.chdir(tmp_path)

    for cache_dir in (str(CACHE.parent), "garbage"):
        loaded = cached(repo, cache_dir=cache_dir)
        assert [e.title for e in loaded.experiments] == ["Run 1"]
    assert not any(p.name == "planted" for p in [*tmp_path.iterdir(), *repo.path.iterdir()])


def test_a_cache_folder_that_cannot_be_written_is_no_error(repo) -> None:
    repo.write("experiments/run-1.yaml", RUN.format(title="Run 1", day=1))
    (repo.path / "blocked").write_text("a file where the cache folder would go")
    loaded = cached(repo, cache_dir="blocked/cache")
    assert [e.title for e in loaded.experiments] == ["Run 1"] and not loaded.problems


def test_builds_with_and_without_the_cache_write_the_same_site(repo, cli, tmp_path: Path) -> None:
    repo.write("experiments/run-1.yaml", RUN.format(title="Run 1", day=1))
    repo.write("experiments/run-2.yaml", RUN.format(title="Run 2", day=2) + "baseline: run-1\n")
    repo.commit("Two runs")
    sites = []
    for name in ("cold", "warm"):
        assert cli("build", "--root", repo.path, "--site-dir", tmp_path / name).exit_code == 0
        sites.append({p.relative_to(tmp_path / name): p.read_bytes() for p in (tmp_path / name).rglob("*")
                      if p.is_file()})
    assert (repo.path / CACHE).is_file() and sites[0] == sites[1]
