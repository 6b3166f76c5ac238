"""The records cache: served only for the very bytes on disk, never when git tracks it, never when damaged."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

import mlreport.records as records
import mlreport.records.cache as cache_module
from mlreport.cache_dir import code_stamp, read_cache, write_cache
from mlreport.config import Options
from mlreport.records import Loaded, load_records
from mlreport.records.cache import CACHE_FILE
from mlreport.records.codec import decode_record, encode_record
from mlreport.records.source import SETTLED_NS, fingerprint

CACHE = Path(".mlreport/cache") / CACHE_FILE
RUN = "title: {title}\ndate: 2026-01-0{day}\nmetrics: {{accuracy: 0.{day}}}\n"



def cached(repo, **options: object) -> Loaded:
    """Load the repo's records through the cache."""
    return load_records(Options(root=repo.path, **options), cached=True)  # type: ignore[arg-type]


def fresh(repo) -> Loaded:
    """Load the repo's records without the cache."""
    return load_records(Options(root=repo.path))


def entries(repo) -> list[list]:
    """The cache's entries, read as the cache reads them (header checked)."""
    body, _ = read_cache(repo.path / CACHE, code_stamp())
    assert body is not None
    return json.loads(body)


def rewrite(repo, new_entries: list[list]) -> None:
    """Write entries back with a valid header, as someone who knows the format would."""
    write_cache(repo.path / CACHE, code_stamp(), json.dumps(new_entries).encode("ascii"))


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
    assert second == fresh(repo)
    assert [e.title for e in second.experiments] == ["Run 1", "Run 2, rerun"]
    assert second.decisions == first.decisions
    assert [entry[:2] for entry in entries(repo)] == [
        ["decision", "decisions/0001-use-it.md"], ["experiment", "experiments/run-1.yaml"],
        ["experiment", "experiments/run-2.yaml"]]


def test_a_few_records_edited_leave_the_cache_file_as_it_is_and_are_parsed_again(repo, loads: list[str]) -> None:
    for day in (1, 2):
        repo.write(f"experiments/run-{day}.yaml", RUN.format(title=f"Run {day}", day=day))
    cached(repo)
    written = (repo.path / CACHE).read_bytes()

    repo.write("experiments/run-2.yaml", RUN.format(title="Run 2, rerun", day=2))
    edited = cached(repo)
    assert (repo.path / CACHE).read_bytes() == written  # one record parsed afresh is not worth the rewrite
    again = cached(repo)

    assert loads[2:] == ["experiments/run-2.yaml", "experiments/run-2.yaml"]
    assert edited == again == fresh(repo)
    repo.write("experiments/run-3.yaml", RUN.format(title="Run 3", day=3))
    cached(repo)
    assert [entry[1] for entry in entries(repo)] == [f"experiments/run-{day}.yaml" for day in (1, 2, 3)]


def test_the_cache_is_json_data_not_code(repo) -> None:
    repo.write("experiments/run-1.yaml", RUN.format(title="Run 1", day=1))
    cached(repo)
    header, body = (repo.path / CACHE).read_bytes().split(b"\n", 1)
    assert json.loads(header)["cache"] == CACHE_FILE
    [[kind, path, files, record, problems]] = json.loads(body)
    assert (kind, path, problems) == ("experiment", "experiments/run-1.yaml", [])
    written = repo.path / "experiments/run-1.yaml"
    blob = subprocess.run(["git", "hash-object", str(written)], capture_output=True, text=True, check=True).stdout
    # Just written, so its stat cannot vouch for its bytes yet: none is kept.
    assert files == [["experiments/run-1.yaml", fingerprint(written, repo.path), blob.strip(), None]]
    assert record["type"] == "Experiment" and record["fields"]["title"] == "Run 1"


def test_an_entry_made_from_other_bytes_of_the_same_size_and_time_is_not_used(repo, loads: list[str]) -> None:
    path = repo.write("experiments/run-1.yaml", RUN.format(title="Run A", day=1))
    before = os.stat(path)
    cached(repo)
    path.write_text(RUN.format(title="Run B", day=1), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(path).st_size == before.st_size and os.stat(path).st_mtime_ns == before.st_mtime_ns

    assert [e.title for e in cached(repo).experiments] == ["Run B"]
    assert loads == ["experiments/run-1.yaml"] * 2


def test_records_reading_other_files_are_kept_until_one_of_those_changes(repo, loads: list[str]) -> None:
    repo.write("experiments/untitled.yaml", "date: 2026-01-01\n")
    repo.write("experiments/curves.yaml", "title: Curves\ndate: 2026-01-01\nhistory: plots\n")
    repo.write("experiments/plots/train.csv", "step,loss\n1,0.9\n")
    repo.write("experiments/folder/experiment.yaml", RUN.format(title="Folder run", day=1))
    repo.write("experiments/later.yaml", "title: Later\ndate: 2026-01-01\nhistory: logs\n")
    repo.write("experiments/single.yaml", "title: Single\ndate: 2026-01-01\nhistory: single.csv\n")
    repo.write("experiments/single.csv", "step,acc\n1,0.5\n")
    (repo.path / "experiments/logs").mkdir()
    first = cached(repo)
    assert cached(repo) == first and len(loads) == 5  # all five kept, problems included

    repo.write("experiments/plots/val.csv", "step,loss\n1,0.95\n")
    repo.write("experiments/logs/loss.tsv", "step\tloss\n1\t0.5\n")
    repo.write("experiments/folder/notes.md", "Written after the first build.\n")
    repo.write("experiments/single.csv", "step,acc\n1,0.6\n")  # same size, other bytes
    del loads[:]
    second = cached(repo)

    assert sorted(loads) == ["experiments/curves.yaml", "experiments/folder/experiment.yaml",
                             "experiments/later.yaml", "experiments/single.yaml"]
    assert second == fresh(repo)
    by_id = {e.id: e for e in second.experiments}
    assert set(by_id["curves"].history) == {"train", "val"} and set(by_id["later"].history) == {"loss"}
    assert by_id["folder"].notes == "Written after the first build.\n"
    assert by_id["single"].history["acc"] == ((1.0, 0.6),)
    assert any("title" in p.message for p in second.problems)


def test_what_a_load_must_not_read_keeps_its_record_out_of_the_cache(repo, loads: list[str]) -> None:
    repo.write("experiments/outside.yaml", "title: Outside\ndate: 2026-01-01\nhistory: ../../elsewhere\n")
    repo.write("experiments/piped/experiment.yaml", RUN.format(title="Piped", day=1))
    os.mkfifo(repo.path / "experiments/piped/notes.md")  # reading it would wait forever
    for _ in range(2):
        loaded = cached(repo)
    assert sorted(loads) == sorted(["experiments/outside.yaml", "experiments/piped/experiment.yaml"] * 2)
    assert [p.message for p in loaded.problems] == ["`history` points outside the project: "
                                                    "'../../elsewhere'"]


def test_yaml_values_json_lacks_come_back_as_they_were(repo, loads: list[str]) -> None:
    repo.write("experiments/odd.yaml", """\
        title: "Odd \\U0001F600\\u2028 values"
        date: 2026-01-02
        params: {when: 2026-01-02T23:30:00-05:00, day: 2026-01-03, blob: !!binary aGk=, lr: .nan, big: 1e400,
                 tags: !!set {a, b}, pairs: !!omap [{x: 1}], "$": dollar, empty: {}}
        extra: {1: one, false: off, 2026-01-04: date key, nested: {"$": [1, 2.5, null]}}
        metrics: {f1: 1, loss: 0.25}
        """)
    first = cached(repo)
    second = cached(repo)

    assert loads == ["experiments/odd.yaml"]
    assert second.problems == first.problems
    [kept], [loaded] = second.experiments, fresh(repo).experiments
    assert repr(kept.params.pop("lr")) == repr(loaded.params.pop("lr"))  # NaN, if kept as one, equals nothing
    assert kept == loaded and kept.params["tags"] == {"a", "b"}
    assert kept.extra[1] == "one" and kept.extra[False] is False


def test_a_committed_cache_is_never_served_and_validate_and_build_agree(repo, cli, tmp_path: Path) -> None:
    # The attack from issue 11: a pull request commits a cache whose entry matches the real file's
    # bytes but holds another record. It was made with mlreport itself, so only where it lies gives it away.
    real = RUN.format(title="Real run", day=1).replace("date: 2026-01-01\n", "")
    repo.write("experiments/run-1.yaml", RUN.format(title="Planted run", day=1))
    cached(repo)
    planted = entries(repo)
    repo.write("experiments/run-1.yaml", real)
    planted[0][2] = [["experiments/run-1.yaml", fingerprint(repo.path / "experiments/run-1.yaml", repo.path)]]
    rewrite(repo, planted)
    repo.git("add", "-f", str(CACHE))
    repo.commit("Add a run")
    committed = (repo.path / CACHE).read_bytes()

    checked = cli("validate", "--root", repo.path)
    built = cli("build", "--strict", "--root", repo.path, "--site-dir", tmp_path / "site")

    for result in (checked, built):
        assert result.exit_code == 1, result.output
        assert "missing required key `date`" in result.output
        assert f"git tracks the record cache {CACHE.parent.as_posix()}/{CACHE_FILE}" in result.output
        assert result.output.count("git tracks the record cache") == 1
    assert not (tmp_path / "site").exists()
    assert (repo.path / CACHE).read_bytes() == committed  # a tracked cache is not rewritten either


def test_a_force_added_cache_is_ignored_and_the_build_shows_the_files(repo, cli, tmp_path: Path) -> None:
    repo.write("experiments/run-1.yaml", RUN.format(title="Planted run", day=1))
    repo.commit("A run")
    cached(repo)
    planted = entries(repo)
    repo.write("experiments/run-1.yaml", RUN.format(title="Real run!!!", day=1))
    planted[0][2] = [["experiments/run-1.yaml", fingerprint(repo.path / "experiments/run-1.yaml", repo.path)]]
    rewrite(repo, planted)
    repo.git("add", "-f", str(CACHE))  # staged, not even committed

    result = cli("build", "--strict", "--root", repo.path, "--site-dir", tmp_path / "site")

    assert result.exit_code == 0, result.output
    assert "git tracks the record cache" in result.output
    pages = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "site").rglob("*.html"))
    assert "Real run!!!" in pages and "Planted run" not in pages


@pytest.mark.parametrize("damage", ["garbage", "truncated", "hand-edited", "foreign", "wrong shape",
                                    "wrong type", "outside the root"])
def test_a_damaged_cache_is_rebuilt_without_a_word(repo, loads: list[str], damage: str, caplog) -> None:
    repo.write("experiments/run-1.yaml", RUN.format(title="Run 1", day=1))
    repo.write("experiments/run-2.yaml", RUN.format(title="Run 2", day=2))
    expected = cached(repo)
    data = (repo.path / CACHE).read_bytes()
    good = entries(repo)
    if damage == "garbage":
        (repo.path / CACHE).write_bytes(b"\x00\xff not json\n\x80")
    elif damage == "truncated":
        (repo.path / CACHE).write_bytes(data[: len(data) * 2 // 3])
    elif damage == "hand-edited":
        (repo.path / CACHE).write_bytes(data.replace(b"Run 1", b"Run X"))
    elif damage == "foreign":
        write_cache(repo.path / CACHE, "2.7:an-older-mlreport", data.split(b"\n", 1)[1])
    elif damage == "wrong shape":
        rewrite(repo, [good[0][:3], {"a": 1}])  # type: ignore[list-item]
    elif damage == "wrong type":
        good[0][3]["fields"]["title"] = 7
        good[1][3]["fields"]["surprise"] = "field"
        rewrite(repo, good)
    else:
        good[0][2].append(["../outside.yaml", "nothing"])
        good[1][2] = [["/etc/hostname", "nothing"]]
        rewrite(repo, good)
    del loads[:]

    loaded = cached(repo)

    assert loaded == expected and not loaded.notes
    assert len(loads) >= 1 and "Traceback" not in caplog.text
    assert cached(repo) == expected and entries(repo)  # rewritten whole: the next load uses it again


def test_a_warm_build_loads_nothing_again(repo, cli, tmp_path: Path, loads: list[str]) -> None:
    repo.write("experiments/run-1.yaml", RUN.format(title="Run 1", day=1))
    repo.write("experiments/run-2.yaml", RUN.format(title="Run 2", day=2) + "baseline: run-1\n")
    repo.commit("Two runs")
    sites = []
    for name in ("cold", "warm", "validate"):
        result = cli("validate", "--root", repo.path) if name == "validate" else \
            cli("build", "--root", repo.path, "--site-dir", tmp_path / name)
        assert result.exit_code == 0, result.output
        if name != "validate":
            sites.append({p.relative_to(tmp_path / name): p.read_bytes() for p in (tmp_path / name).rglob("*")
                          if p.is_file()})
    assert loads == ["experiments/run-1.yaml", "experiments/run-2.yaml"]  # the cold build alone read them
    assert sites[0] == sites[1]


def test_a_cache_folder_that_cannot_be_written_is_no_error(repo) -> None:
    repo.write("experiments/run-1.yaml", RUN.format(title="Run 1", day=1))
    (repo.path / "blocked").write_text("a file where the cache folder would go")
    loaded = cached(repo, cache_dir="blocked/cache")
    assert [e.title for e in loaded.experiments] == ["Run 1"] and not loaded.problems


def test_a_settled_file_is_checked_by_its_stat_and_a_rewritten_one_by_its_bytes(repo, loads: list[str],
                                                                               monkeypatch) -> None:
    path = repo.write("experiments/run-1.yaml", RUN.format(title="Run A", day=1))
    repo.write("experiments/run-2.yaml", RUN.format(title="Run 2", day=2))
    time.sleep(SETTLED_NS / 1e9 + 0.1)  # older than the margin when read: their stats can vouch for them
    cached(repo)
    assert all(files[0][3] is not None for _, _, files, _, _ in entries(repo))
    digested: list[str] = []
    real = cache_module.fingerprint
    monkeypatch.setattr(cache_module, "fingerprint", lambda p, root: digested.append(p.name) or real(p, root))

    assert cached(repo) == fresh(repo) and digested == []  # one stat each, no byte read

    before = os.stat(path)
    path.write_text(RUN.format(title="Run B", day=1), encoding="utf-8")  # same size, and the old date put back
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert [e.title for e in cached(repo).experiments] == ["Run B", "Run 2"]
    assert digested == ["run-1.yaml"] and loads[-1] == "experiments/run-1.yaml"


def test_curves_tags_and_metrics_read_back_only_in_the_shape_they_were_written(repo) -> None:
    repo.write("experiments/curves.yaml", "title: Curves\ndate: 2026-01-01\ntags: [a, b]\n"
               "metrics: {auc: 0.9}\nhistory: {loss: [[1, 0.9], [2, 0.7]]}\n")
    [record] = fresh(repo).experiments
    data = encode_record(record)
    assert decode_record(json.loads(json.dumps(data))) == record
    for damage in (lambda f: f["history"]["loss"].append([3, "0.5"]), lambda f: f["history"]["loss"].append([3]),
                   lambda f: f["tags"].append(7), lambda f: f["metrics"].update(auc="0.9"),
                   lambda f: f["marks"].update(title=[1])):
        broken = json.loads(json.dumps(data))
        damage(broken["fields"])
        with pytest.raises(ValueError):
            decode_record(broken)


def test_entries_written_from_their_prepared_text_are_the_entries_kept(repo) -> None:
    for day in (1, 2):
        repo.write(f"experiments/run-{day}.yaml", RUN.format(title=f"Run {day}", day=day))
    repo.write("decisions/0001-use-it.md", "---\nstatus: accepted\nevidence: [run-1]\n---\n# Use it\n")
    options = Options(root=repo.path)
    kept = records.RecordCache.open(options)
    load_records(options, cache=kept)
    assert entries(repo) == json.loads(json.dumps([[kind, shown, *entry]
                                                   for (kind, shown), entry in sorted(kept.kept.items())]))


def test_an_entry_restamped_after_it_was_prepared_is_written_with_its_new_stat(repo) -> None:
    repo.write("experiments/run-1.yaml", RUN.format(title="Run 1", day=1))
    options = Options(root=repo.path)
    cache = records.RecordCache.open(options, rewrite_after=1)
    load_records(options, cache=cache)
    assert entries(repo)[0][2][0][3] is None  # too new for its stat to vouch for it
    time.sleep(SETTLED_NS / 1e9 + 0.1)
    # As the live preview does: the entries kept become the next load's, which finds the file settled.
    cache.entries = cache.kept
    assert cache.get("experiment", "experiments/run-1.yaml") is not None and cache.restamped == 1
    cache.save()
    assert entries(repo)[0][2][0][3] == cache.kept[("experiment", "experiments/run-1.yaml")][0][0][3] is not None
