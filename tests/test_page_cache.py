"""Generated pages are converted once: a rebuild reuses their HTML and builds the same site, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mkdocs.structure.pages import Page
from repos import GitRepo
from sitekit import team_repo

CACHE = Path(".mlreport/cache/pages")


@pytest.fixture
def conversions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pages MkDocs converts from Markdown to HTML, in order (pages with nothing to convert left out)."""
    seen: list[str] = []
    real = Page.render

    def counting(self: Page, config, files) -> None:
        if self.markdown and self.markdown.strip():
            seen.append(self.file.src_uri)
        real(self, config, files)

    monkeypatch.setattr(Page, "render", counting)
    return seen


def build(cli, repo: GitRepo, site: Path, *options: str):
    result = cli("build", "--root", repo.path, "--site-dir", site, *options)
    return result


def files_of(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file() and p.name != ".mlreport-site"}


def test_a_rebuild_converts_no_generated_page_and_writes_the_same_site(cli, repo, tmp_path, conversions) -> None:
    team_repo(repo)
    assert build(cli, repo, tmp_path / "cold").exit_code == 0
    converted_cold = len(conversions)
    conversions.clear()

    assert build(cli, repo, tmp_path / "warm").exit_code == 0

    assert converted_cold > 5 and conversions == []
    assert files_of(tmp_path / "warm") == files_of(tmp_path / "cold")


def test_editing_one_record_converts_only_the_pages_it_shows_on(cli, repo, tmp_path, conversions) -> None:
    team_repo(repo)
    assert build(cli, repo, tmp_path / "first").exit_code == 0
    converted_cold = len(conversions)
    record = repo.path / "experiments/houses/ridge.yaml"
    record.write_text(record.read_text().replace("title: ", "title: Renamed ", 1))
    conversions.clear()

    assert build(cli, repo, tmp_path / "edited").exit_code == 0
    converted_after_edit = list(conversions)
    edited = files_of(tmp_path / "edited")
    (repo.path / CACHE.parent).rename(tmp_path / "old-cache")
    assert build(cli, repo, tmp_path / "fresh").exit_code == 0

    # The record's own page is rendered straight to HTML: what is converted again are the pages that list it.
    assert "experiments/index.md" in converted_after_edit and len(converted_after_edit) < converted_cold / 2
    assert not any(page.startswith("experiments/ridge") for page in converted_after_edit)
    assert edited == files_of(tmp_path / "fresh")
    assert any(b"Renamed " in content for content in edited.values())


def test_a_page_whose_conversion_warned_is_converted_again_so_strict_fails_every_time(cli, repo, tmp_path) -> None:
    team_repo(repo)
    # A team's own experiment template with a link MkDocs cannot resolve: MkDocs warns while converting.
    packaged = Path(__file__).resolve().parents[1] / "templates/pages/experiment.md.j2"
    override = repo.path / "templates/pages/experiment.md.j2"
    override.parent.mkdir(parents=True)
    override.write_text(packaged.read_text() + "\nSee [the plan](no-such-page.md).\n")

    for attempt in ("first", "second"):
        result = build(cli, repo, tmp_path / attempt, "--strict")
        assert result.exit_code == 1, (attempt, result.output)
        assert "no-such-page.md" in result.output


def test_a_page_cache_git_tracks_is_never_read(cli, repo, tmp_path) -> None:
    team_repo(repo)
    assert build(cli, repo, tmp_path / "first").exit_code == 0
    for entry in (repo.path / CACHE).glob("*/*.json"):
        data = json.loads(entry.read_text())
        data["html"] = "<p>planted by a pull request</p>"
        entry.write_text(json.dumps(data))
    repo.git("add", "-f", str(CACHE))
    repo.commit("Commit the page cache")

    assert build(cli, repo, tmp_path / "second").exit_code == 0

    assert not any(b"planted" in content for content in files_of(tmp_path / "second").values())


def test_a_damaged_entry_is_converted_again(cli, repo, tmp_path) -> None:
    team_repo(repo)
    assert build(cli, repo, tmp_path / "first").exit_code == 0
    for entry in (repo.path / CACHE).glob("*/*.json"):
        entry.write_text(entry.read_text()[:40])

    assert build(cli, repo, tmp_path / "second").exit_code == 0

    assert files_of(tmp_path / "second") == files_of(tmp_path / "first")


def test_entries_no_build_uses_are_removed(cli, repo, tmp_path) -> None:
    team_repo(repo)
    assert build(cli, repo, tmp_path / "first").exit_code == 0
    stale = repo.path / CACHE / "00" / f"{'0' * 64}.json"
    stale.parent.mkdir(exist_ok=True)
    stale.write_text("{}")
    assert build(cli, repo, tmp_path / "second").exit_code == 0
    assert not stale.exists() and any((repo.path / CACHE).glob("*/*.json"))
