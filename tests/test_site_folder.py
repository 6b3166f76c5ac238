"""Where a site may be written: `build`, `generate`, `serve` and `mkdocs build` never delete what mlreport
did not create, clean up after killed builds, and say so in one line when a folder cannot be written."""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner
from mkdocs.__main__ import cli as mkdocs_cli
from sitekit import read_page

from repos import GitRepo
from mlreport import site_folder
from mlreport.site_folder import MARKER, make_folders, remove_aside, remove_leftovers, swap_in
from mlreport.site_remover import IGNORED

MKDOCS_YML = """\
site_name: Team
theme: {name: material, font: false}
plugins: [search, mlreport]
"""


@pytest.fixture
def project(repo: GitRepo) -> GitRepo:
    """A project with every kind of source, some of it committed and some not."""
    repo.write("mkdocs.yml", MKDOCS_YML)
    repo.write("experiments/a.yaml", "title: A\ndate: 2026-01-01\nmetrics: {acc: 0.5}\n")
    repo.write("decisions/0001-start.md", "---\nstatus: accepted\ndate: 2026-01-01\n---\n# Start\n")
    repo.write("models/m.md", "---\nname: M\nstatus: development\n---\n# M\n")
    repo.write("docs/guide.md", "# Guide\n")
    repo.write("templates/README.md", "Our template overrides.\n")
    repo.write("README.md", "# The team's records\n")
    repo.commit("Records")
    # Work nobody has committed yet: a build that deletes it loses it for good.
    repo.write("experiments/wip.yaml", "title: WIP\ndate: 2026-01-02\n")
    repo.write("scratch.txt", "notes\n")
    return repo


def snapshot(folder: Path) -> dict[str, str]:
    """Every file, folder and link under `folder` (`.git` included), with each file's content hash."""
    state = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            state[name] = f"link to {os.readlink(path)}"
        elif path.is_dir():
            state[name] = "folder"
        else:
            state[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def assert_refused(result, *expected: str) -> None:
    """One line on the output, exit code 1, no traceback, and the line says what was expected."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    for text in expected:
        assert text in lines[0], lines[0]


@pytest.mark.parametrize("site_dir, reason", [
    (".", "it is the project folder"),
    ("..", "it holds the project folder"),
    ("experiments", "it is the experiments folder"),
    ("decisions", "it is the decisions folder"),
    ("models", "it is the model cards folder"),
    ("docs", "it is the docs folder"),
    ("templates", "it is the templates folder"),
    (".git", "it is the git repository's .git folder"),
    (".git/site", "it lies inside the git repository's .git folder"),
    ("README.md", "it is a file"),
    ("mkdocs.yml", "it is a file"),
])
def test_build_refuses_a_site_folder_that_would_delete_the_project(project: GitRepo, cli, tmp_path: Path,
                                                                   site_dir: str, reason: str) -> None:
    before, around = snapshot(project.path), sorted(tmp_path.iterdir())
    result = cli("build", "--root", project.path, "--site-dir", project.path / site_dir)
    assert_refused(result, "error: refusing to build the site in ", reason, "--site-dir")
    assert snapshot(project.path) == before
    assert sorted(tmp_path.iterdir()) == around


def test_build_refuses_a_link_to_the_project(project: GitRepo, cli, tmp_path: Path) -> None:
    (tmp_path / "published").symlink_to(project.path)
    before = snapshot(project.path)
    result = cli("build", "--root", project.path, "--site-dir", tmp_path / "published")
    assert_refused(result, f"refusing to build the site in {project.path}: it is the project folder")
    assert snapshot(project.path) == before
    assert (tmp_path / "published").is_symlink()


@pytest.mark.parametrize("site_dir, reason", [
    ("experiments", "it is the experiments folder"),
    (".git", "it is the git repository's .git folder"),
    ("README.md", "it is a file"),
    ("templates", "it is the templates folder"),
])
def test_build_refuses_such_a_site_dir_in_mkdocs_yml_and_points_at_it(project: GitRepo, cli, site_dir: str,
                                                                       reason: str) -> None:
    project.write("mkdocs.yml", MKDOCS_YML + f"site_dir: {site_dir}\n")
    before = snapshot(project.path)
    result = cli("build", "--root", project.path)
    assert_refused(result, "mkdocs.yml:4:11: error: refusing to build the site in ", reason,
                   "site_dir in mkdocs.yml")
    assert snapshot(project.path) == before


def test_validate_reports_a_site_dir_that_build_would_refuse(project: GitRepo, cli) -> None:
    project.write("mkdocs.yml", MKDOCS_YML + "site_dir: experiments\n")
    result = cli("validate", "--root", project.path)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "mkdocs.yml:4:11: error: refusing to build the site in experiments: it is the experiments folder, and a "
        "build replaces its site folder whole (set site_dir in mkdocs.yml to a folder of its own, such as site)"]


def test_build_refuses_a_folder_of_someone_elses_files(project: GitRepo, cli, tmp_path: Path) -> None:
    www = tmp_path / "www"
    www.mkdir()
    (www / "index.html").write_text("<h1>Our old homepage</h1>\n", encoding="utf-8")
    (www / "photos").mkdir()
    (www / "photos" / "team.jpg").write_bytes(b"\xff\xd8 a photo")
    before = snapshot(tmp_path)
    result = cli("build", "--root", project.path, "--site-dir", www)
    assert_refused(result, f"refusing to build the site in {www}: it holds files that mlreport did not build",
                   f"no {MARKER} file", "empty it or remove it yourself")
    assert snapshot(tmp_path) == before


def test_a_folder_mlreport_built_is_replaced_and_an_empty_one_used(project: GitRepo, cli, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()  # empty: nothing to lose
    assert cli("build", "--root", project.path, "--site-dir", site).exit_code == 0
    assert (site / MARKER).is_file()
    (site / "stale.html").write_text("from an older build", encoding="utf-8")
    rebuilt = cli("build", "--root", project.path, "--site-dir", site)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert not (site / "stale.html").exists()  # the old site was replaced whole
    assert "A" in read_page(site, "experiments/a").text


def test_a_site_mkdocs_built_before_the_marker_is_replaced(project: GitRepo, cli, tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert cli("build", "--root", project.path, "--site-dir", site).exit_code == 0
    (site / MARKER).unlink()  # as an older mlreport, or plain MkDocs, left it
    assert (site / "sitemap.xml.gz").is_file() and (site / "404.html").is_file()
    result = cli("build", "--root", project.path, "--site-dir", site)
    assert result.exit_code == 0, result.output
    assert (site / MARKER).is_file()


def test_the_marker_is_the_same_bytes_every_build(project: GitRepo, cli, tmp_path: Path) -> None:
    for name in ("one", "two"):
        assert cli("build", "--root", project.path, "--site-dir", tmp_path / name).exit_code == 0
    assert (tmp_path / "one" / MARKER).read_bytes() == (tmp_path / "two" / MARKER).read_bytes()


@contextmanager
def held(folder: Path) -> Iterator[None]:
    """Hold the lock a running build holds on its staging folder."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


SPARE = "(the old site's folders, kept)"
"""What `settled` names an old site set aside once its files are removed and its folders kept for the next build."""


def settled(folder: Path, expected: list[str], timeout: float = 60) -> list[str]:
    """The names in `folder` (`SPARE` for an old site's folders kept) once they are `expected`, or after `timeout`
    seconds: an old site is removed by a process of its own, after the build has ended."""
    deadline = time.monotonic() + timeout
    while True:
        names = sorted(SPARE if is_spare(path) else path.name for path in folder.iterdir())
        if names == sorted(expected) or time.monotonic() > deadline:
            return names
        time.sleep(0.05)


def is_spare(folder: Path) -> bool:
    """Whether a folder is an old site set aside that holds nothing but folders, its marker and the `.gitignore`
    that keeps it out of `git status` (False while its remover is still at work, or once it is gone)."""
    if re.fullmatch(r"\.site\.old-[a-z0-9_]{8}", folder.name) is None:
        return False
    try:
        files = sorted(path for path in folder.rglob("*") if not path.is_dir() or path.is_symlink())
    except FileNotFoundError:  # removed while it was listed
        return False
    return files == [folder / IGNORED, folder / MARKER]


def test_leftovers_of_a_killed_build_are_removed_by_the_next(project: GitRepo, cli, tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert cli("build", "--root", project.path, "--site-dir", site).exit_code == 0
    (site / "stray.txt").write_text("planted", encoding="utf-8")  # so that the next build runs (it is no no-op)
    # What a build killed while building, or while swapping the new site in, leaves beside the site: mlreport
    # marks those folders the moment it makes them.
    building = tmp_path / ".site.building-k1ll3d_a"
    (building / "experiments").mkdir(parents=True)
    (building / "experiments" / "index.html").write_text("half a site", encoding="utf-8")
    (building / MARKER).write_text("built by mlreport", encoding="utf-8")
    retired = tmp_path / ".site.old-k1ll3d_b"
    (retired / "site").mkdir(parents=True)
    (retired / "site" / "index.html").write_text("the site before", encoding="utf-8")
    (retired / MARKER).write_text("built by mlreport", encoding="utf-8")
    (tmp_path / ".site.old-k1ll3d_c").mkdir()  # killed before its marker was written
    # Not leftovers: another site's, a file of the same shape, a folder of that name mlreport never marked, and
    # the folder of a build still running.
    other = tmp_path / ".public.building-abcdefgh"
    other.mkdir()
    (tmp_path / ".site.old-notes.txt").write_text("mine", encoding="utf-8")
    unmarked = tmp_path / ".site.old-unmarked"
    unmarked.mkdir()
    (unmarked / "keep.txt").write_text("someone's", encoding="utf-8")
    running = tmp_path / ".site.building-running1"
    running.mkdir()
    (running / "index.html").write_text("being built", encoding="utf-8")
    (running / MARKER).write_text("built by mlreport", encoding="utf-8")
    with held(running):
        result = cli("build", "--root", project.path, "--site-dir", site)
    assert result.exit_code == 0, result.output
    # The old site's folders are kept for the next build (one of those left over was taken for this one).
    expected = [".public.building-abcdefgh", ".site.building-running1", ".site.old-notes.txt", ".site.old-unmarked",
                SPARE, "repo", "site"]
    assert settled(tmp_path, expected) == sorted(expected)
    assert (running / "index.html").read_text(encoding="utf-8") == "being built"
    assert (unmarked / "keep.txt").read_text(encoding="utf-8") == "someone's"


def test_the_old_site_is_set_aside_at_once_and_removed_after(tmp_path: Path) -> None:
    target, staging = tmp_path / "site", tmp_path / "new"
    (target / "experiments").mkdir(parents=True)
    for number in range(2000):
        (target / "experiments" / f"{number}.html").write_text("old", encoding="utf-8")
    staging.mkdir()
    (staging / "index.html").write_text("new", encoding="utf-8")

    swap_in(staging, target)

    assert sorted(p.name for p in target.iterdir()) == ["index.html"]  # the new site, whole, at once
    aside = [p.name for p in tmp_path.iterdir() if p.name not in ("site", "new")]
    assert all(re.fullmatch(r"\.site\.old-[a-z0-9_]{8}", name) for name in aside), aside
    assert settled(tmp_path, ["site"]) == ["site"]


def test_a_site_being_removed_is_no_leftover_for_another_build(tmp_path: Path) -> None:
    target = tmp_path / "site"
    target.mkdir()
    aside = tmp_path / ".site.old-removing"
    (aside / "site").mkdir(parents=True)
    (aside / MARKER).write_text("built by mlreport", encoding="utf-8")
    with held(aside):
        remove_aside(aside)
        remove_leftovers(target)
        time.sleep(0.5)
        assert (aside / "site").is_dir()  # the remover waits for the lock, and the next build leaves it alone
    assert settled(tmp_path, ["site"]) == ["site"]


@contextmanager
def immutable(folder: Path) -> Iterator[None]:
    """Make a folder unwritable even for root (tests run as root, whom chmod does not stop): `chattr +i`.

    The tool is required (CI installs e2fsprogs); only a filesystem without the immutable flag (tmpfs,
    overlayfs) skips, as no other way makes a folder unwritable for root there.
    """
    if shutil.which("chattr") is None:
        pytest.fail("chattr is missing: install e2fsprogs (apt-get install e2fsprogs)")
    done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True, check=False)
    if done.returncode:
        pytest.skip(f"this filesystem has no immutable flag: {done.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_an_unwritable_parent_folder_is_one_line(project: GitRepo, cli, tmp_path: Path) -> None:
    public = tmp_path / "public"
    public.mkdir()
    with immutable(public):
        result = cli("build", "--root", project.path, "--site-dir", public / "site")
    assert_refused(result, f"error: cannot write the site to {public / 'site'}: permission denied")
    assert list(public.iterdir()) == []


def test_an_unwritable_site_folder_keeps_the_old_site(project: GitRepo, cli, tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert cli("build", "--root", project.path, "--site-dir", site).exit_code == 0
    project.write("experiments/b.yaml", "title: B\ndate: 2026-01-03\n")
    before = snapshot(site)
    with immutable(site):
        result = cli("build", "--root", project.path, "--site-dir", site)
    assert_refused(result, f"error: cannot write the site to {site}: permission denied")
    assert snapshot(site) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo", "site"]


def test_the_old_site_kept_beside_a_site_in_the_repository_is_not_listed_by_git(project: GitRepo, cli) -> None:
    """The last site's folders stay beside the site for the next build to take: git must not offer them to the
    team as work to commit (a site folder inside the repository, as mkdocs.yml's default `site/` is)."""
    untracked = set(project.git("status", "--porcelain", "--untracked-files=all").splitlines())
    assert cli("build", "--root", project.path).exit_code == 0
    project.write("experiments/b.yaml", "title: B\ndate: 2026-01-03\n")
    assert cli("build", "--root", project.path).exit_code == 0
    assert [p.name for p in project.path.iterdir() if p.name.startswith(".site.old-")], "no old site kept"
    listed = set(project.git("status", "--porcelain", "--untracked-files=all").splitlines()) - untracked
    assert [line for line in listed if ".site." in line] == [], listed


def test_a_write_that_fails_midway_keeps_the_old_site(project: GitRepo, cli, tmp_path: Path) -> None:
    """A disk that fills up while the site is written (here a file size limit: writes past it fail as on a full
    disk) stops the build in one line that names the file; the last site stays, and nothing is left beside it."""
    site = tmp_path / "site"
    assert cli("build", "--root", project.path, "--site-dir", site).exit_code == 0
    project.write("experiments/b.yaml", "title: B\ndate: 2026-01-03\n")
    before = snapshot(site)

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    done = subprocess.run([sys.executable, "-m", "mlreport", "build", "--root", str(project.path), "--site-dir", str(site)],
                          cwd=tmp_path, preexec_fn=limited, capture_output=True, text=True, check=False)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"error: cannot write the site to {site}: assets/"), lines[0]
    assert "file too large" in lines[0] and "ulimit -f" in lines[0], lines[0]
    assert snapshot(site) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo", "site"]


def test_the_folders_of_a_site_are_made_in_another_with_no_file_and_no_link_followed(tmp_path: Path) -> None:
    site, into, outside = tmp_path / "site", tmp_path / "into", tmp_path / "outside"
    (site / "experiments/wide").mkdir(parents=True)
    (site / "experiments/wide/index.html").write_text("page", encoding="utf-8")
    (site / "assets/js").mkdir(parents=True)
    (site / "search").mkdir()
    (site / "search/deep").mkdir()
    outside.mkdir()
    (site / "experiments/linked").symlink_to(outside)  # never followed: no folder of its is made
    (into / "assets").mkdir(parents=True)
    (into / "assets/kept.txt").write_text("kept", encoding="utf-8")  # a folder there already is left as it is
    (into / "search").symlink_to(outside)  # nor is one made through a link planted in the new site

    process = make_folders(site, into)

    assert process is not None and process.wait() == 0
    assert snapshot(into) == {
        "assets": "folder", "assets/js": "folder", "assets/kept.txt": hashlib.sha256(b"kept").hexdigest(),
        "experiments": "folder", "experiments/wide": "folder", "search": f"link to {outside}"}
    assert list(outside.iterdir()) == []


def test_no_process_to_make_folders_leaves_them_to_the_build(project: GitRepo, cli, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """When no process can be started (here no interpreter at the path it runs), the build makes its folders itself."""
    site = tmp_path / "site"
    assert cli("build", "--root", project.path, "--site-dir", site).exit_code == 0
    into = tmp_path / "into"
    into.mkdir()
    with monkeypatch.context() as patched:
        patched.setattr(sys, "executable", str(tmp_path / "no-python"))
        assert make_folders(site, into) is None
    assert list(into.iterdir()) == []
    into.rmdir()
    monkeypatch.setattr(site_folder, "make_folders", lambda last, into: None)
    project.write("experiments/b.yaml", "title: B\ndate: 2026-01-03\n")
    assert cli("build", "--root", project.path, "--site-dir", site).exit_code == 0
    assert (site / "experiments/b/index.html").is_file() and (site / "experiments/a/index.html").is_file()


def test_a_build_that_fails_while_its_folders_are_made_ends_that_process_and_keeps_the_old_site(
        project: GitRepo, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    assert cli("build", "--root", project.path, "--site-dir", site).exit_code == 0
    before = snapshot(site)
    started: list[subprocess.Popen[bytes]] = []

    def slow(last: Path, into: Path) -> subprocess.Popen[bytes]:
        """A folder maker still at work when the build fails."""
        started.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"]))
        return started[-1]

    monkeypatch.setattr(site_folder, "make_folders", slow)
    project.write("experiments/b.yaml", "title: B\ndate: not a date\n")

    result = cli("build", "--root", project.path, "--site-dir", site)

    assert result.exit_code == 1 and "experiments/b.yaml:2:7: error:" in result.output, result.output
    [process] = started
    assert process.returncode is not None  # ended and waited for before its folder went
    assert snapshot(site) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo", "site"]


@pytest.mark.parametrize("out, reason", [
    (".", "it is the project folder"),
    ("experiments", "it is the experiments folder"),
    ("models", "it is the model cards folder"),
    (".git", "it is the git repository's .git folder"),
    ("README.md", "it is a file"),
])
def test_generate_refuses_the_same_folders(project: GitRepo, cli, out: str, reason: str) -> None:
    before = snapshot(project.path)
    result = cli("generate", "--root", project.path, "--out", project.path / out)
    assert_refused(result, "error: refusing to write the generated pages to ", reason, "--out")
    assert snapshot(project.path) == before


def test_generate_refuses_someone_elses_folder_and_rewrites_its_own(project: GitRepo, cli, tmp_path: Path) -> None:
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "index.md").write_text("# My own notes\n", encoding="utf-8")
    result = cli("generate", "--root", project.path, "--out", foreign)
    assert_refused(result, "it holds files that mlreport did not build")
    assert (foreign / "index.md").read_text(encoding="utf-8") == "# My own notes\n"

    out = tmp_path / "out"
    assert cli("generate", "--root", project.path, "--out", out).exit_code == 0
    assert (out / MARKER).is_file()
    again = cli("generate", "--root", project.path, "--out", out)
    assert again.exit_code == 0, again.output


def test_generate_into_an_unwritable_folder_is_one_line(project: GitRepo, cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with immutable(out):
        result = cli("generate", "--root", project.path, "--out", out)
    assert_refused(result, f"error: cannot write the generated pages to {out}: permission denied")
    assert list(out.iterdir()) == []


def test_serve_refuses_a_site_dir_that_a_build_would_refuse(project: GitRepo) -> None:
    project.write("mkdocs.yml", MKDOCS_YML + "site_dir: experiments\n")
    before = snapshot(project.path)
    # A real process: were serve to start, it would serve until the timeout ends it, and the test fails.
    done = subprocess.run([sys.executable, "-m", "mlreport", "serve", "--dev-addr", "127.0.0.1:0"],
                          cwd=project.path, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().splitlines() == [
        "mkdocs.yml:4:11: error: refusing to build the site in experiments: it is the experiments folder, and a "
        "build replaces its site folder whole (set site_dir in mkdocs.yml to a folder of its own, such as site)"]
    assert snapshot(project.path) == before


def mkdocs_build(*args: str) -> str:
    """Run `mkdocs build` (MkDocs' own command); returns its output, raising when it did not exit with 1 or 0."""
    result = CliRunner().invoke(mkdocs_cli, ["build", "-q", *args], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return f"exit {result.exit_code}\n{result.output}"


@pytest.mark.parametrize("site_dir, reason", [
    (".", "it is the project folder"),
    ("experiments", "it is the experiments folder"),
    ("decisions", "it is the decisions folder"),
])
def test_mkdocs_build_with_the_plugin_refuses_before_mkdocs_cleans_the_folder(project: GitRepo, tmp_path: Path,
                                                                              site_dir: str, reason: str) -> None:
    # MkDocs empties site_dir right after the plugins' on_config. Its own check (docs_dir not inside
    # site_dir) does not stop `.` when the pages live outside the project, nor any record folder.
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "guide.md").write_text("# Guide\n", encoding="utf-8")
    project.write("mkdocs.yml", MKDOCS_YML + f"site_dir: {site_dir}\ndocs_dir: {pages}\n")
    before = snapshot(project.path)
    output = mkdocs_build("-f", str(project.path / "mkdocs.yml"))
    assert output.startswith("exit 1\n"), output
    assert "refusing to build the site in " in output and reason in output
    assert "Traceback" not in output
    assert snapshot(project.path) == before


def test_mkdocs_build_marks_its_site_and_refuses_a_foreign_folder(project: GitRepo, tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert mkdocs_build("-f", str(project.path / "mkdocs.yml"), "-d", str(site)).startswith("exit 0")
    assert (site / MARKER).is_file()
    assert mkdocs_build("-f", str(project.path / "mkdocs.yml"), "-d", str(site)).startswith("exit 0")

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine\n", encoding="utf-8")
    output = mkdocs_build("-f", str(project.path / "mkdocs.yml"), "-d", str(foreign))
    assert output.startswith("exit 1\n") and "it holds files that mlreport did not build" in output
    assert (foreign / "keep.txt").read_text(encoding="utf-8") == "mine\n"
