"""`mlreport serve`: a saved record updates only the pages that can show it, and they are the full build's."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest
from repos import GitRepo
from sitekit import plugin_log, team_repo

from mlreport.config import load_options
from mlreport.serve import Preview

ADDRESS = "127.0.0.1:8000"


@pytest.fixture
def preview(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> Iterator[Preview]:
    """The golden team's repo, previewed: built once, as `mlreport serve` starts."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    team_repo(repo)
    shown = Preview(load_options(repo.path), ADDRESS)
    shown.build()
    yield shown
    shown.close()


def full_build(root: Path) -> Preview:
    """A fresh preview of the repo as it is now: the full build a save's fast path must equal."""
    fresh = Preview(load_options(root), ADDRESS)
    fresh.build()
    return fresh


def differences(served: Path, built: Path) -> list[str]:
    """Every file that is not byte for byte the same in both folders, or is in one only."""
    def tree(folder: Path) -> dict[str, bytes]:
        return {path.relative_to(folder).as_posix(): path.read_bytes()
                for path in folder.rglob("*") if path.is_file()}

    one, other = tree(served), tree(built)
    return sorted(path for path in one.keys() | other.keys() if one.get(path) != other.get(path))


def assert_same_as_full_build(preview: Preview) -> None:
    fresh = full_build(preview.options.root)
    try:
        assert differences(preview.folder, fresh.folder) == []
    finally:
        fresh.close()


def edit(path: Path, pattern: str, replacement: str) -> None:
    text = path.read_text(encoding="utf-8")
    edited = re.sub(pattern, replacement, text, count=1, flags=re.MULTILINE)
    assert edited != text
    path.write_text(edited, encoding="utf-8")


def test_saved_records_update_their_pages_as_a_full_build_writes_them(preview: Preview, repo: GitRepo) -> None:
    page = preview.folder / "experiments" / "wide" / "index.html"
    before = page.read_bytes()
    wide = repo.path / "experiments/digits/wide.yaml"
    edit(wide, r"^title: Wider CNN$", "title: Wider CNN, retrained")
    assert preview.update([wide]) == "fast"
    assert b"Wider CNN, retrained" in page.read_bytes() and page.read_bytes() != before
    # The decision citing it, the card evaluating it and the leaderboard show the new title too.
    assert b"Wider CNN, retrained" in (preview.folder / "decisions" / "0001" / "index.html").read_bytes()
    # The search index was written from its kept text, only the rendered pages' sections serialized again.
    assert preview.built is not None and preview.built.search_text is not None
    assert b"Wider CNN, retrained" in (preview.folder / "search" / "search_index.json").read_bytes()
    assert_same_as_full_build(preview)

    # A metric that moves a run up the leaderboard: ranks, deltas against it, the board and its charts.
    base = repo.path / "experiments/digits/base.yaml"
    edit(base, r"accuracy: 0\.8\b", "accuracy: 0.87")
    assert preview.update([base]) == "fast"
    assert_same_as_full_build(preview)


def test_decisions_cards_and_the_files_beside_a_record_update_it_too(preview: Preview, repo: GitRepo) -> None:
    decision = repo.path / "decisions/0001-use-the-wider-cnn.md"
    edit(decision, r"^status: accepted$", "status: deprecated")
    card = repo.path / "models/digits-cnn.md"
    edit(card, r"^name: Digits CNN$", "name: Digits CNN (wide)")
    assert preview.update([decision, card]) == "fast"
    assert_same_as_full_build(preview)
    # A directory-form record's notes are part of it: its page shows them.
    notes = repo.path / "experiments/digits/deep/notes.md"
    notes.write_text(notes.read_text(encoding="utf-8") + "\nAlso tried dropout 0.3.\n", encoding="utf-8")
    assert preview.update([notes]) == "fast"
    assert "Also tried dropout 0.3." in (preview.folder / "experiments" / "deep" / "index.html").read_text("utf-8")
    assert_same_as_full_build(preview)


def test_a_record_with_an_error_keeps_the_site_until_it_is_fixed(preview: Preview, repo: GitRepo) -> None:
    wide = repo.path / "experiments/digits/wide.yaml"
    good = wide.read_text(encoding="utf-8")
    page = preview.folder / "experiments" / "wide" / "index.html"
    before = page.read_bytes()
    wide.write_text(good.replace("baseline: base", "baseline: no-such-run"), encoding="utf-8")
    with plugin_log() as lines:
        assert preview.update([wide]) == "failed"
    said = "\n".join(lines)
    assert "experiments/digits/wide.yaml" in said and "no-such-run" in said
    assert page.read_bytes() == before
    wide.write_text(good.replace("title: Wider CNN", "title: Wider CNN v2"), encoding="utf-8")
    assert preview.update([wide]) == "fast"
    assert_same_as_full_build(preview)


def test_a_save_after_a_commit_builds_the_whole_site(preview: Preview, repo: GitRepo) -> None:
    # The save's one `git status` names HEAD: a commit since the build changes every page's history.
    wide = repo.path / "experiments/digits/wide.yaml"
    edit(wide, r"^title: Wider CNN$", "title: Wider CNN, committed")
    repo.commit("Retitle the wide run")
    assert preview.update([wide]) == "full"
    edit(wide, r"^title: Wider CNN, committed$", "title: Wider CNN, edited after")
    assert preview.update([wide]) == "fast"
    assert_same_as_full_build(preview)


def test_changes_outside_the_records_build_the_whole_site(preview: Preview, repo: GitRepo) -> None:
    first = preview.folder
    config = repo.path / "mkdocs.yml"
    edit(config, r"^site_name: .*$", "site_name: Digits team, renamed")
    assert preview.update([config]) == "full"
    assert preview.folder != first and not first.exists()
    assert "Digits team, renamed" in (preview.folder / "index.html").read_text("utf-8")
    assert_same_as_full_build(preview)


RUN = """title: {title}
date: 2026-03-04
authors: [cy]
task: {task}
dataset: {dataset}
model: cnn
metrics: {{test: {metrics}}}
"""


def test_an_added_experiment_gets_its_page_its_board_places_and_the_indexes(preview: Preview, repo: GitRepo) -> None:
    # One that goes to the top of the digits board: every run on it moves down, the board grows.
    top = repo.write("experiments/digits/top.yaml", RUN.format(
        title="Top CNN", task="classification", dataset='{name: digits, version: "1", split: test}',
        metrics="{accuracy: 0.95, loss: 0.3}"))
    assert preview.update([top]) == "fast"
    assert "Top CNN" in (preview.folder / "experiments" / "top" / "index.html").read_text("utf-8")
    assert b"Top CNN" in (preview.folder / "search" / "search_index.json").read_bytes()
    assert b"/experiments/top/" in (preview.folder / "sitemap.xml").read_bytes()
    assert_same_as_full_build(preview)
    # One that enters no board (it failed), in another folder, sorting before every experiment.
    plain = repo.write("experiments/houses/aaa-lasso.yaml", RUN.format(
        title="Lasso on house prices", task="regression", dataset="houses", metrics="{rmse: 3.0}") + "status: failed\n")
    assert preview.update([plain]) == "fast"
    assert "Lasso on house prices" not in (preview.folder / "leaderboards" / "regression-houses-test-rmse" / "index.html").read_text("utf-8")
    assert_same_as_full_build(preview)
    # One of a task and dataset no board covers yet: a board appears, so the site is built again.
    board = repo.write("experiments/houses/zzz-new-task.yaml", RUN.format(
        title="Prices per district", task="segmentation", dataset="districts", metrics="{rmse: 3.3}"))
    assert preview.update([board]) == "full"
    assert_same_as_full_build(preview)


def test_an_experiment_added_with_a_decision_citing_it(preview: Preview, repo: GitRepo) -> None:
    run = repo.write("experiments/digits/wider.yaml", RUN.format(
        title="Even wider CNN", task="classification", dataset='{name: digits, version: "1", split: test}',
        metrics="{accuracy: 0.85, loss: 0.41}").replace("model: cnn", "model: cnn\nbaseline: wide"))
    decision = repo.path / "decisions/0001-use-the-wider-cnn.md"
    edit(decision, r"^evidence: \[wide\]$", "evidence: [wide, wider]")
    assert preview.update([run, decision]) == "fast"
    assert "Even wider CNN" in (preview.folder / "decisions" / "0001" / "index.html").read_text("utf-8")
    assert_same_as_full_build(preview)


def test_a_removed_experiment_leaves_its_board_and_its_page_goes(preview: Preview, repo: GitRepo) -> None:
    # A committed run in the middle of the board (its numbers change no metric's decimal places).
    mid = repo.write("experiments/digits/mid.yaml", RUN.format(
        title="Middle CNN", task="classification", dataset='{name: digits, version: "1", split: test}',
        metrics="{accuracy: 0.83, loss: 0.45}"))
    repo.commit("Add the middle run")
    preview.build()
    assert (preview.folder / "experiments" / "mid" / "index.html").is_file()
    mid.unlink()
    assert preview.update([mid]) == "fast"
    assert not (preview.folder / "experiments" / "mid").exists()
    assert b"/experiments/mid/" not in (preview.folder / "sitemap.xml").read_bytes()
    assert_same_as_full_build(preview)


def test_a_run_added_then_removed_leaves_the_site_as_it_was(preview: Preview, repo: GitRepo) -> None:
    first = differences_from_full_build(preview)
    assert first == []
    tiny = repo.write("experiments/digits/tiny.yaml", "title: Tiny CNN\ndate: 2026-02-03\ntask: classification\n"
                      "dataset: {name: digits, version: \"1\", split: test}\nmetrics: {test: {accuracy: 0.7}}\n")
    assert preview.update([tiny]) == "fast"
    assert (preview.folder / "experiments" / "tiny" / "index.html").is_file()
    assert_same_as_full_build(preview)
    tiny.unlink()
    assert preview.update([tiny]) == "fast"
    assert not (preview.folder / "experiments" / "tiny").exists()
    assert_same_as_full_build(preview)


def test_removing_a_run_a_card_evaluates_is_an_error_until_it_is_back(preview: Preview, repo: GitRepo) -> None:
    # The card (and the decision citing it) would name a run that is gone: a build fails, so the site stays.
    wide = repo.path / "experiments/digits/wide.yaml"
    kept = wide.read_bytes()
    page = preview.folder / "experiments" / "wide" / "index.html"
    wide.unlink()
    with plugin_log() as lines:
        assert preview.update([wide]) == "failed"
    assert "models/digits-cnn.md" in "\n".join(lines)
    assert page.is_file()
    wide.write_bytes(kept)
    assert preview.update([wide]) in ("unchanged", "fast")
    assert_same_as_full_build(preview)


def test_what_the_fast_path_cannot_prove_builds_the_whole_site(preview: Preview, repo: GitRepo) -> None:
    # A run whose id another has already: an error, as in a build; the site stays as it was.
    clash = repo.write("experiments/houses/wide.yaml", RUN.format(
        title="Wide ridge", task="regression", dataset="houses", metrics="{rmse: 3.1}"))
    with plugin_log() as lines:
        assert preview.update([clash]) == "failed"
    assert "duplicate experiment id `wide`" in "\n".join(lines)
    clash.unlink()
    assert preview.update([clash]) == "unchanged"
    # A record renamed: one goes and another comes in the same save.
    old, new = repo.path / "experiments/houses/gbm.yaml", repo.path / "experiments/houses/boosting.yaml"
    old.rename(new)
    assert preview.update([old, new]) == "full"
    assert_same_as_full_build(preview)


def test_decisions_and_cards_added_and_removed(preview: Preview, repo: GitRepo) -> None:
    decision = repo.write("decisions/0002-try-the-deeper-cnn.md", "---\nstatus: proposed\ndate: 2026-03-02\n"
                          "decision-makers: [bo]\nevidence: [deep]\n---\n# Try the deeper CNN\n\nIt may beat the wide one.\n")
    assert preview.update([decision]) == "fast"
    assert "Try the deeper CNN" in (preview.folder / "experiments" / "deep" / "index.html").read_text("utf-8")
    assert_same_as_full_build(preview)
    card = repo.write("models/houses-gbm.md", "---\nname: Houses GBM\nversion: \"0.1\"\nstatus: candidate\n"
                      "owners: [cy]\nevaluations:\n  - {experiment: gbm, metrics: [test.rmse]}\n---\n# Houses GBM\n\n"
                      "Gradient boosting for house prices.\n")
    assert preview.update([card]) == "fast"
    assert_same_as_full_build(preview)
    decision.unlink()
    card.unlink()
    assert preview.update([decision, card]) == "fast"
    assert not (preview.folder / "decisions" / "0002").exists()
    assert_same_as_full_build(preview)


def differences_from_full_build(preview: Preview) -> list[str]:
    fresh = full_build(preview.options.root)
    try:
        return differences(preview.folder, fresh.folder)
    finally:
        fresh.close()


def test_serve_shows_a_saved_record_without_building_the_site_again(repo: GitRepo, tmp_path: Path) -> None:
    team_repo(repo)
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as errors:
        server = subprocess.Popen([sys.executable, "-m", "mlreport", "serve", "--dev-addr", f"127.0.0.1:{port}"],
                                  cwd=repo.path, stdout=subprocess.DEVNULL, stderr=errors,
                                  env={k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"})
        try:
            url = f"http://127.0.0.1:{port}/experiments/wide/"
            assert "Wider CNN" in fetch(url, lambda page: "Wider CNN" in page)
            edit(repo.path / "experiments/digits/wide.yaml", r"^title: Wider CNN$", "title: Wider CNN, served fresh")
            assert "Wider CNN, served fresh" in fetch(url, lambda page: "Wider CNN, served fresh" in page)
            board = fetch(f"http://127.0.0.1:{port}/assets/mlreport/data/leaderboards/digits-accuracy.json",
                          lambda page: "served fresh" in page)
            assert "Wider CNN, served fresh" in board
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert re.search(r"experiments/digits/wide\.yaml: \d+ pages and \d+ data files updated in", log.read_text())
    assert "building the whole site again" not in log.read_text()


def fetch(url: str, ready, deadline: float = 180) -> str:
    """The page at `url` once `ready(text)` holds: the first build and each update take a while on a busy
    machine, so this polls until a generous deadline."""
    end = time.monotonic() + deadline
    text = ""
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                text = response.read().decode("utf-8")
            if ready(text):
                return text
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not show what was expected within {deadline} s; last seen:\n{text[:2000]}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
