"""Incremental builds: record pages whose inputs did not change come from the last site, and the site is the same,
byte for byte, as a full build of the same repo."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

import pytest
from sitekit import plugin_log, team_repo
from test_plugin import mkdocs_build
from test_site_folder import is_spare

from repos import GitRepo
from mlreport import build_inputs, site_folder, site_manifest
from mlreport.cache_dir import code_stamp, write_cache
from mlreport.site_manifest import MANIFEST, BuiltPage, SiteManifest, SiteWriter
from mlreport.records.source import SETTLED_NS
from mlreport.templates import packaged_templates

RECORD_PAGES = 8
"""The team repo's record pages: six experiments, a decision, a model card."""
TAKEN = re.compile(r"(\d+) of (\d+) record pages taken from the last build")


@pytest.fixture
def build(cli, repo: GitRepo) -> Callable[[Path], int]:
    """`mlreport build` of the repo into a folder; how many record pages came from the last build."""

    def run(site: Path) -> int:
        with plugin_log() as lines:
            result = cli("build", "--root", repo.path, "--site-dir", site)
        assert result.exit_code == 0, result.output
        taken = [TAKEN.search(line) for line in lines]
        return next((int(found.group(1)) for found in taken if found), 0)

    return run


def files_of(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def full_build(build: Callable[[Path], int], tmp_path: Path) -> dict[str, bytes]:
    """A build that renders every page: into a new folder, so there is no last site to take pages from."""
    folder = tmp_path / "full"
    shutil.rmtree(folder, ignore_errors=True)
    assert build(folder) == 0
    return files_of(folder)


def unsettle(site: Path) -> None:
    """Plant a stray file in the site: the next build then runs (a build with nothing changed is skipped once the
    site is checked intact), and drops it, while every page's inputs stay the same."""
    (site / "stray.txt").write_text("planted", encoding="utf-8")


def edit(repo: GitRepo, path: str, old: str, new: str) -> None:
    file = repo.path / path
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_warm_build_takes_every_record_page_from_the_last_site(repo: GitRepo, build, tmp_path: Path) -> None:
    team_repo(repo)
    site = tmp_path / "site"
    assert build(site) == 0
    cold = files_of(site)
    unsettle(site)

    assert build(site) == RECORD_PAGES
    assert files_of(site) == cold
    assert files_of(site) == full_build(build, tmp_path)


CHANGES: dict[str, Callable[[GitRepo], None]] = {
    "an experiment edited": lambda repo: edit(repo, "experiments/houses/gbm.yaml", "title: ", "title: Tuned "),
    "an experiment's metric edited": lambda repo: edit(repo, "experiments/digits/base.yaml", "accuracy: 0.8",
                                                       "accuracy: 0.85"),
    "a decision edited": lambda repo: edit(repo, "decisions/0001-use-the-wider-cnn.md", "# Use", "# Adopt"),
    "a model card edited": lambda repo: edit(repo, "models/digits-cnn.md", "status: production", "status: candidate"),
    "a record deleted": lambda repo: (repo.path / "experiments/houses/gbm.yaml").unlink(),
    "a record added": lambda repo: repo.write("experiments/houses/lasso.yaml", """
        title: Lasso on house prices
        date: 2026-02-22
        task: regression
        dataset: houses
        baseline: ridge
        metrics: {test: {rmse: 3.1}}
        """),
    "a commit that changes provenance": lambda repo: (
        edit(repo, "experiments/houses/ridge.yaml", "title: ", "title: Plain "),
        repo.commit("Rename the ridge run (#7)", author="Bo Chen <bo@example.com>", date="2026-03-08T09:00:00+00:00")),
    "a commit that changes a run's history alone": lambda repo: (
        edit(repo, "experiments/houses/ridge.yaml", "title: ", "# Reviewed.\ntitle: "),
        repo.commit("Review the ridge run (#8)", author="Bo Chen <bo@example.com>", date="2026-03-09T09:00:00+00:00")),
    "a decision citing another run (a backlink)": lambda repo: edit(
        repo, "decisions/0001-use-the-wider-cnn.md", "evidence: [wide]", "evidence: [wide, base]"),
    "a run's baseline set (a follower)": lambda repo: edit(repo, "experiments/digits/crashed.yaml", "model: cnn",
                                                           "model: cnn\nbaseline: base"),
    "a run ranked above the others on a board (their placements)": lambda repo: repo.write(
        "experiments/digits/tiny.yaml", """
        title: Tiny CNN
        date: 2026-03-02
        task: classification
        dataset: {name: digits, version: "1", split: test}
        model: cnn
        metrics: {test: {accuracy: 0.9}}
        """),
    "the run a card is evaluated on edited": lambda repo: edit(repo, "experiments/digits/wide.yaml",
                                                               "accuracy: 0.86", "accuracy: 0.87"),
    "an option changed": lambda repo: edit(repo, "mkdocs.yml", "  - mlreport:\n",
                                           "  - mlreport:\n      metric_goals: {test.rmse: max}\n"),
    "the site name changed": lambda repo: edit(repo, "mkdocs.yml", "site_name: Digits team", "site_name: Digits"),
    "a page of the team's own added": lambda repo: repo.write("docs/guide.md", "# Team guide\n"),
    "a page template of the repo's own": lambda repo: repo.write(
        "templates/pages/experiment.html.j2",
        (packaged_templates() / "pages/experiment.html.j2").read_text(encoding="utf-8") + "<p>Reviewed.</p>\n"),
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_an_incremental_build_is_the_full_build_byte_for_byte(change: str, repo: GitRepo, build,
                                                             tmp_path: Path) -> None:
    team_repo(repo)
    site = tmp_path / "site"
    build(site)
    CHANGES[change](repo)

    taken = build(site)

    assert files_of(site) == full_build(build, tmp_path)
    assert taken < RECORD_PAGES
    if change in ("an experiment edited", "a decision edited", "a record added", "a commit that changes provenance",
                  "a commit that changes a run's history alone", "a decision citing another run (a backlink)",
                  "a run's baseline set (a follower)", "a run ranked above the others on a board (their placements)",
                  "the run a card is evaluated on edited"):
        assert taken > 0  # the change reaches a few pages, not every one
    if change in ("an option changed", "the site name changed", "a page of the team's own added",
                  "a page template of the repo's own"):
        assert taken == 0


def test_a_page_edited_in_the_last_site_is_rendered_again(repo: GitRepo, build, tmp_path: Path) -> None:
    team_repo(repo)
    site = tmp_path / "site"
    build(site)
    page = site / "experiments/wide/index.html"
    page.write_bytes(page.read_bytes().replace(b"Wider CNN", b"Planted text"))
    (site / "experiments/gbm/index.html").unlink()

    assert build(site) == RECORD_PAGES - 2
    assert b"Planted text" not in page.read_bytes()
    assert files_of(site) == full_build(build, tmp_path)


def test_a_page_that_became_a_link_out_of_the_last_site_is_rendered_again(repo: GitRepo, build,
                                                                          tmp_path: Path) -> None:
    # The bytes behind the links are the page's own, so only where they lie tells them apart: a file outside the
    # site (or behind a linked folder) is never hard-linked into the new one, where a later write would reach it.
    team_repo(repo)
    site = tmp_path / "site"
    build(site)
    outside = tmp_path / "outside"
    outside.mkdir()
    page = site / "experiments/wide/index.html"
    (outside / "wide.html").write_bytes(page.read_bytes())
    page.unlink()
    page.symlink_to(outside / "wide.html")
    shutil.move(site / "experiments/gbm", outside / "gbm")
    (site / "experiments/gbm").symlink_to(outside / "gbm", target_is_directory=True)

    assert build(site) == RECORD_PAGES - 2
    for name in ("wide/index.html", "gbm/index.html"):
        built = site / "experiments" / name
        assert not built.is_symlink() and not built.parent.is_symlink()
        assert built.stat().st_nlink == 1
    assert files_of(site) == full_build(build, tmp_path)


def test_a_build_after_a_failed_one_is_the_full_build(repo: GitRepo, build, cli, tmp_path: Path) -> None:
    team_repo(repo)
    site = tmp_path / "site"
    build(site)
    before = files_of(site)
    edit(repo, "experiments/houses/gbm.yaml", "title: ", "title: Tuned ")
    edit(repo, "models/digits-cnn.md", "status: production", "status: shipped")
    assert cli("build", "--root", repo.path, "--site-dir", site).exit_code == 1
    assert files_of(site) == before
    edit(repo, "models/digits-cnn.md", "status: shipped", "status: production")

    assert 0 < build(site) < RECORD_PAGES
    assert files_of(site) == full_build(build, tmp_path)


def test_a_manifest_for_another_site_folder_reuses_nothing(repo: GitRepo, build, tmp_path: Path) -> None:
    team_repo(repo)
    build(tmp_path / "one")
    build(tmp_path / "two")
    assert build(tmp_path / "one") == 0  # the manifest speaks of "two" now
    unsettle(tmp_path / "one")
    assert build(tmp_path / "one") == RECORD_PAGES


def test_the_manifest_reads_back_as_written_and_one_of_another_shape_as_empty(tmp_path: Path) -> None:
    page = BuiltPage("k", "experiments/wide/index.html", "d", ["metrics", "notes"],
                     [{"location": "experiments/wide/", "title": "Wider", "text": "<p>é</p>"}], [10, 20, 30])
    manifest = SiteManifest("/site", {"experiments/wide.md": page}, {"assets/mlreport/data/x.json": ["d", 1, 2, 3]})
    manifest.write(tmp_path)
    assert SiteManifest.read(tmp_path) == manifest

    body = json.dumps({"site": "/site", "data": {}, "pages": {"experiments/wide.md": asdict(page)}}).encode()
    write_cache(tmp_path / MANIFEST, code_stamp(), body)  # as an older layout of the file held each page
    assert SiteManifest.read(tmp_path) == SiteManifest()


def test_a_manifest_written_from_the_last_one_keeps_its_lines_and_reads_back_as_built(tmp_path: Path) -> None:
    page = BuiltPage("k", "experiments/wide/index.html", "d", ["notes"],
                     [{"location": "experiments/wide/", "title": "Wider", "text": "a\nb \u2028 é"}], [10, 20, 30])
    SiteManifest("/site", {"experiments/wide.md": page, "experiments/deep.md": replace(page, key="k2")},
                 {"assets/mlreport/data/x.json": ["d", 1, 2, 3]}).write(tmp_path)
    last = SiteManifest.read(tmp_path)
    built = SiteManifest("/site", {"experiments/wide.md": last.pages["experiments/wide.md"],  # reused as it was
                                   "experiments/deep.md": replace(last.pages["experiments/deep.md"], digest="new")},
                         {"assets/mlreport/data/x.json": last.data["assets/mlreport/data/x.json"]})
    lines = dict(last.lines)
    lines[("p", "experiments/wide.md")] = (built.pages["experiments/wide.md"], lines[("p", "experiments/wide.md")][1]
                                           .replace('"Wider"', '"Kept"'))  # its line, as the next write takes it
    last.lines = lines

    built.write(tmp_path, last)

    again = SiteManifest.read(tmp_path)
    assert again.pages["experiments/deep.md"].digest == "new"  # a new entry is written anew
    assert again.pages["experiments/wide.md"].search[0]["title"] == "Kept"  # the very entry read: its line again
    assert again.data == built.data and again.site == "/site"


def test_the_last_sites_files_are_linked_by_a_process_of_their_own_folders_made_as_needed(tmp_path: Path) -> None:
    old = tmp_path / "old"
    (old / "experiments/wide").mkdir(parents=True)
    (old / "experiments/wide/index.html").write_text("wide", encoding="utf-8")
    (old / "data.json").write_text("{}", encoding="utf-8")
    new = tmp_path / "new"
    (new / "experiments").mkdir(parents=True)
    writer = SiteWriter(later=True)
    writer.link(str(old / "experiments/wide/index.html"), str(new / "experiments/wide/index.html"))
    writer.link(str(old / "data.json"), str(new / "data.json"))
    assert list((new / "experiments").iterdir()) == []  # gathered, not linked yet

    writer.start_linking()
    writer.finish()

    for path in ("experiments/wide/index.html", "data.json"):
        assert (new / path).stat().st_ino == (old / path).stat().st_ino
    writer.finish()  # nothing left to wait for
    writer.stop()


def test_a_file_the_linking_process_cannot_put_fails_the_build_in_one_line_and_writes_through_nothing(
        tmp_path: Path) -> None:
    old, new = tmp_path / "old.html", tmp_path / "new.html"
    old.write_text("old", encoding="utf-8")
    new.write_text("someone's file", encoding="utf-8")  # a file where the build puts one
    writer = SiteWriter(later=True)
    writer.link(str(old), str(new))
    writer.start_linking()
    with pytest.raises(FileExistsError) as raised:
        writer.finish()
    assert raised.value.filename == str(new)
    assert new.read_text(encoding="utf-8") == "someone's file" and new.stat().st_nlink == 1


def test_a_file_that_cannot_be_hard_linked_is_copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = tmp_path / "old.html", tmp_path / "site/new.html"
    old.write_text("old", encoding="utf-8")

    def other_file_system(source, target):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", other_file_system)
    site_folder.site_remover.put_linked(str(old), str(new))
    assert new.read_text(encoding="utf-8") == "old" and new.stat().st_ino != old.stat().st_ino


def test_a_build_whose_files_cannot_be_linked_fails_in_one_line_and_keeps_the_old_site(
        repo: GitRepo, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    team_repo(repo)
    site = tmp_path / "site"
    assert cli("build", "--root", repo.path, "--site-dir", site).exit_code == 0
    before = files_of(site)
    unsettle(site)
    full = tmp_path / "full-disk.py"
    full.write_text("import sys\nnew = sys.stdin.buffer.read().split(b'\\0')[1].decode()\n"
                    "sys.stdout.write('28\\0' + new + '\\0No space left on device')\nsys.exit(1)\n", encoding="utf-8")
    monkeypatch.setattr(site_manifest, "site_remover", SimpleNamespace(__file__=str(full)))

    result = cli("build", "--root", repo.path, "--site-dir", site)

    assert result.exit_code == 1
    assert "cannot write the site to" in result.output and "the disk is full" in result.output, result.output
    assert "Traceback" not in result.output
    (site / "stray.txt").unlink()
    assert files_of(site) == before


def emptied_old_site(folder: Path, timeout: float = 60) -> Path:
    """The old site set aside beside the site, once its remover has left only its folders (and marker)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [path for path in folder.iterdir() if is_spare(path)]
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no old site emptied of its files beside the site: {sorted(folder.iterdir())}")


def rebuilt_with_a_spare(repo: GitRepo, build: Callable[[Path], int], tmp_path: Path) -> tuple[Path, Path]:
    """The team's site built, then built again: the site, and the old one set aside beside it, emptied of its
    files, whose folders the next build takes."""
    team_repo(repo)
    site = tmp_path / "site"
    settle()
    build(site)
    unsettle(site)
    build(site)
    return site, emptied_old_site(tmp_path)


def test_a_build_into_the_last_sites_folders_is_the_full_build_and_changes_no_file_of_the_old_one(
        repo: GitRepo, build, tmp_path: Path) -> None:
    site, spare = rebuilt_with_a_spare(repo, build, tmp_path)
    # What a remover stopped midway would leave, a link planted in it, and the folder of a page gone since.
    (spare / "site/experiments/stray.html").write_text("stray", encoding="utf-8")
    outside = tmp_path / "outside.html"
    outside.write_text("outside", encoding="utf-8")
    (spare / "site/experiments/wide/index.html").symlink_to(outside)
    (spare / "site/experiments/gone").mkdir()
    old = {path: (site / path).read_bytes() for path in files_of(site)}
    (tmp_path / "old").mkdir()
    for number, path in enumerate(old):
        os.link(site / path, tmp_path / "old" / str(number))  # the old site's files, by inode
    folder = site.stat().st_ino
    build(site)
    assert skipped(site, folder) and spare.exists()  # a build with nothing changed leaves the folders to the next
    edit(repo, "experiments/houses/gbm.yaml", "title: G", "title: X")

    build(site)

    assert not spare.exists()  # its folders were taken
    assert files_of(site) == full_build(build, tmp_path)
    assert [path for path in site.rglob("*") if path.is_dir() and not any(path.iterdir())] == []
    assert outside.read_text(encoding="utf-8") == "outside"
    assert [(tmp_path / "old" / str(number)).read_bytes() for number in range(len(old))] == list(old.values())


def late_emptier(seconds: float, status: int | None = None) -> Callable[[Path], subprocess.Popen[bytes]]:
    """A process checking the folders taken empty that starts `seconds` late, then empties them (the real one) or
    ends with `status` having removed nothing."""
    remover = Path(site_folder.site_remover.__file__)

    def start(folder: Path) -> subprocess.Popen[bytes]:
        then = f"raise SystemExit({status})" if status is not None else (
            f"import subprocess, sys; sys.exit(subprocess.call([sys.executable, '-I', {str(remover)!r}, '--empty', "
            f"{str(folder)!r}]))")
        return subprocess.Popen([sys.executable, "-c", f"import time; time.sleep({seconds}); {then}"])

    return start


@pytest.mark.parametrize("emptier", ["late", "failing"])
def test_a_build_writes_into_the_folders_it_took_only_once_they_are_empty(
        emptier: str, repo: GitRepo, build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The folders taken from an old site are checked empty by a process of their own while the build reads its
    records; a file planted there as a hard link to someone's file is removed before the build writes a page at its
    place (writing it first would write into that file), by the build itself when that process fails."""
    site, spare = rebuilt_with_a_spare(repo, build, tmp_path)
    theirs = tmp_path / "theirs.html"
    theirs.write_text("someone's file", encoding="utf-8")
    os.link(theirs, spare / "site/experiments/gbm/index.html")
    monkeypatch.setattr(site_folder, "empty_folders", late_emptier(1.0) if emptier == "late" else late_emptier(0, 1))
    edit(repo, "experiments/houses/gbm.yaml", "title: G", "title: X")

    build(site)

    assert not spare.exists()  # its folders were taken
    assert theirs.read_text(encoding="utf-8") == "someone's file" and theirs.stat().st_nlink == 1
    assert files_of(site) == full_build(build, tmp_path)


def folders_of(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_dir())


def test_a_rebuild_with_no_old_folders_to_take_has_them_made_meanwhile_and_is_the_full_build(
        repo: GitRepo, build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first rebuild after a build into a new folder finds no old site's folders to take: a process makes the
    site's folders in the new one while the build reads its records. A record gone since leaves its folder empty,
    which goes before the swap: the site is the full build's, files and folders."""
    team_repo(repo)
    site = tmp_path / "site"
    build(site)
    assert not [p for p in tmp_path.iterdir() if ".site.old-" in p.name]  # nothing was set aside to take folders from
    makers: list[tuple[Path, Path, subprocess.Popen[bytes] | None]] = []
    make_folders = site_folder.make_folders

    def watched(last: Path, into: Path) -> subprocess.Popen[bytes] | None:
        makers.append((last, into, make_folders(last, into)))
        return makers[-1][2]

    monkeypatch.setattr(site_folder, "make_folders", watched)
    (repo.path / "experiments/digits/crashed.yaml").unlink()
    edit(repo, "experiments/houses/gbm.yaml", "title: G", "title: X")

    build(site)

    [(last, into, process)] = makers
    assert last == site and into.name.startswith(".site.building-")
    assert process is not None and process.returncode == 0  # waited for, and it made every folder it could
    assert "experiments/crashed" not in folders_of(site)
    assert files_of(site) == full_build(build, tmp_path)
    assert folders_of(site) == folders_of(tmp_path / "full")


def test_mkdocs_build_after_an_incremental_build_writes_the_same_site(repo: GitRepo, build, tmp_path: Path) -> None:
    team_repo(repo)
    (repo.path / "docs").mkdir()
    site = tmp_path / "site"
    build(site)
    unsettle(site)
    assert build(site) == RECORD_PAGES
    result = mkdocs_build(repo.path, tmp_path / "mkdocs")
    assert result.exit_code == 0, result.output
    mkdocs_site = files_of(tmp_path / "mkdocs")
    ours = files_of(site)
    record_pages = [path for path in ours if path.startswith(("experiments/", "decisions/", "models/", "search/"))]
    assert "experiments/wide/index.html" in record_pages
    assert {path: mkdocs_site[path] for path in record_pages} == {path: ours[path] for path in record_pages}


def settle() -> None:
    """Wait until the files just written are older than what a build trusts to their stats (build_inputs.py)."""
    time.sleep(SETTLED_NS / 1e9 + 0.1)


def skipped(site: Path, before: int) -> bool:
    """Whether a build left the site folder itself in place: a build that ran swaps a new folder in."""
    return site.stat().st_ino == before


def test_a_build_with_nothing_changed_checks_the_site_and_stops(repo: GitRepo, cli, tmp_path: Path) -> None:
    team_repo(repo)
    site = tmp_path / "site"
    settle()
    first = cli("build", "--root", repo.path, "--site-dir", site)
    folder = site.stat().st_ino
    built = files_of(site)

    again = cli("build", "--root", repo.path, "--site-dir", site)

    assert again.exit_code == 0 and skipped(site, folder)
    assert again.output == first.output  # what the build said (its notes) is said again
    assert files_of(site) == built


def git_commit(repo: GitRepo) -> None:
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "Nothing"], cwd=repo.path, check=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "Bo", "GIT_AUTHOR_EMAIL": "bo@example.com",
                        "GIT_COMMITTER_NAME": "Bo", "GIT_COMMITTER_EMAIL": "bo@example.com",
                        "GIT_AUTHOR_DATE": "2026-03-09T09:00:00+00:00", "GIT_COMMITTER_DATE": "2026-03-09T09:00:00+00:00"})


UNSKIPPED: dict[str, Callable[[GitRepo, Path], None]] = {
    # Each keeps the size of what it edits: only the stat's times and inodes tell the change.
    "a record edited": lambda repo, site: edit(repo, "experiments/houses/gbm.yaml", "title: G", "title: X"),
    "a page of the team's own added": lambda repo, site: repo.write("docs/guide.md", "# Team guide\n"),
    "mkdocs.yml edited": lambda repo, site: edit(repo, "mkdocs.yml", "site_name: Digits team", "site_name: Digits tame"),
    "a commit": lambda repo, site: git_commit(repo),
    "a page of the site edited": lambda repo, site: (site / "experiments/wide/index.html").write_bytes(
        (site / "experiments/wide/index.html").read_bytes().replace(b"Wider CNN", b"Wider NNC")),
    "a file of the site removed": lambda repo, site: (site / "sitemap.xml").unlink(),
    "a file added to the site": lambda repo, site: (site / "extra.txt").write_text("planted"),
    "an empty folder added to the site": lambda repo, site: (site / "experiments/extra").mkdir(),
    "a page's folder replaced by a copy of it": lambda repo, site: replace_by_copy(site / "experiments/wide"),
    "a page's folder replaced by a link to a copy": lambda repo, site: replace_by_link(site / "experiments/wide"),
}


def replace_by_copy(folder: Path) -> None:
    """Put a copy of a folder in its place, every file's size and modification time kept."""
    copy = folder.with_name(folder.name + "-copy")
    shutil.copytree(folder, copy)
    shutil.rmtree(folder)
    copy.rename(folder)


def replace_by_link(folder: Path) -> None:
    copy = folder.parent.parent.parent / "elsewhere"
    shutil.copytree(folder, copy)
    shutil.rmtree(folder)
    folder.symlink_to(copy, target_is_directory=True)


@pytest.mark.parametrize("change", UNSKIPPED, ids=list(UNSKIPPED))
def test_a_build_after_a_change_runs_and_is_the_full_build(change: str, repo: GitRepo, build, tmp_path: Path) -> None:
    team_repo(repo)
    site = tmp_path / "site"
    settle()
    build(site)
    folder = site.stat().st_ino
    UNSKIPPED[change](repo, site)

    build(site)

    assert not skipped(site, folder)
    assert files_of(site) == full_build(build, tmp_path)


def test_a_build_that_warned_is_never_skipped(repo: GitRepo, build, tmp_path: Path) -> None:
    team_repo(repo)
    (repo.path / "docs").mkdir(exist_ok=True)
    repo.write("docs/experiments/index.md", "# Our own index\n")  # replaces a generated page: a warning
    site = tmp_path / "site"
    settle()
    build(site)
    folder = site.stat().st_ino

    build(site)

    assert not skipped(site, folder)


def test_a_build_with_other_choices_or_a_link_in_the_project_is_not_skipped(repo: GitRepo, cli,
                                                                           tmp_path: Path) -> None:
    team_repo(repo)
    site = tmp_path / "site"
    settle()
    assert cli("build", "--root", repo.path, "--site-dir", site).exit_code == 0
    folder = site.stat().st_ino
    assert cli("build", "--root", repo.path, "--site-dir", site, "--site-url", "https://example.org/").exit_code == 0
    assert not skipped(site, folder)

    (repo.path / "docs").mkdir(exist_ok=True)
    (repo.path / "docs" / "linked.md").symlink_to(tmp_path / "elsewhere.md")  # what it leads to may change unseen
    (tmp_path / "elsewhere.md").write_text("# Elsewhere\n", encoding="utf-8")
    settle()
    assert cli("build", "--root", repo.path, "--site-dir", site).exit_code == 0
    folder = site.stat().st_ino
    assert cli("build", "--root", repo.path, "--site-dir", site).exit_code == 0
    assert not skipped(site, folder)


def test_a_link_outside_the_folders_a_build_reads_is_fingerprinted_by_its_text(repo: GitRepo, cli,
                                                                               tmp_path: Path) -> None:
    team_repo(repo)
    venv = repo.path / ".venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "python").symlink_to(sys.executable)  # as `uv` or `python -m venv` leave one in a project
    site = tmp_path / "site"
    settle()
    assert cli("build", "--root", repo.path, "--site-dir", site).exit_code == 0
    folder = site.stat().st_ino

    assert cli("build", "--root", repo.path, "--site-dir", site).exit_code == 0
    assert skipped(site, folder)

    (venv / "python").unlink()
    (venv / "python").symlink_to(tmp_path / "another-python")
    settle()
    assert cli("build", "--root", repo.path, "--site-dir", site).exit_code == 0
    assert not skipped(site, folder)


def test_a_project_of_more_files_than_are_fingerprinted_is_built_every_time(repo: GitRepo, cli, tmp_path: Path,
                                                                            monkeypatch) -> None:
    team_repo(repo)
    monkeypatch.setattr(build_inputs, "MOST_WALKED", 5)  # as a dataset of millions of files in the repo would
    site = tmp_path / "site"
    settle()
    assert cli("build", "--root", repo.path, "--site-dir", site).exit_code == 0
    folder = site.stat().st_ino

    assert cli("build", "--root", repo.path, "--site-dir", site).exit_code == 0
    assert not skipped(site, folder)


def test_unchanged_data_files_are_linked_from_the_last_site_and_an_edited_one_written_again(
        repo: GitRepo, build, tmp_path: Path) -> None:
    team_repo(repo)
    site = tmp_path / "site"
    build(site)
    data = sorted((site / "assets/mlreport/data/experiments").glob("*.json"))
    assert len(data) > 2
    kept, edited = data[0], data[1]
    inode = kept.stat().st_ino
    edited.write_bytes(edited.read_bytes().replace(b'"', b"'", 1))  # the same size: only its stat tells
    unsettle(site)

    build(site)

    assert kept.stat().st_ino == inode
    assert files_of(site) == full_build(build, tmp_path)
