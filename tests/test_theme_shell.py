"""Record pages filled from a shared theme shell are the theme's own pages, byte for byte, or the shell is not used.

Every test builds the same repo twice, the shell on and `theme_shell: false`, and compares every file of the two
sites: with MkDocs itself, which renders every page through the theme, and with `mlreport build`, which writes the
pages of a proved shell itself and leaves MkDocs' page loop only the pages that prove it.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from sitekit import plugin_log, team_repo

from repos import GitRepo
from mlreport.plugin import MlreportPlugin
from mlreport.theme_shell import SAMPLES

RECORD_FOLDERS = ("experiments", "decisions", "models")
ODD_TITLE = """Tom's "wide" <CNN> & co"""
"""A title holding every character that escaping, stripping tags and URL-quoting treat differently."""


def build_site(root: Path, site: Path) -> MlreportPlugin:
    """Build the repo with MkDocs' own build, returning the plugin that ran."""
    config = load_config(str(root / "mkdocs.yml"), site_dir=str(site))
    build(config)
    return config.plugins["mlreport"]


def build_both_ways(repo: GitRepo, tmp_path: Path) -> tuple[MlreportPlugin, Path, Path]:
    """Build with the shell and with every page rendered in full: the plugin of the first, and both sites."""
    on, off = tmp_path / "on", tmp_path / "off"
    plugin = build_site(repo.path, on)
    shell_off(repo)
    plain = build_site(repo.path, off)
    assert plain.shells is None
    return plugin, on, off


def shell_off(repo: GitRepo) -> None:
    config = (repo.path / "mkdocs.yml").read_text(encoding="utf-8")
    repo.write("mkdocs.yml", config.replace("  - mlreport:\n", "  - mlreport:\n      theme_shell: false\n", 1))


@contextmanager
def pages_mkdocs_built() -> Iterator[list[str]]:
    """The source paths of the pages MkDocs' page loop builds while the block runs (from its debug log)."""
    built: list[str] = []
    with plugin_log("mkdocs.commands.build") as lines:
        yield built
    built.extend(line.removeprefix("Building page ") for line in lines if line.startswith("Building page "))


def mlreport_build_both_ways(repo: GitRepo, cli: Callable, tmp_path: Path) -> tuple[list[str], list[str], Path, Path]:
    """`mlreport build` with the shell and without: the pages MkDocs built itself each time, and both sites."""
    on, off = tmp_path / "on", tmp_path / "off"
    runs = []
    for site in (on, off):
        with pages_mkdocs_built() as built:
            result = cli("build", "--root", repo.path, "--site-dir", site)
        assert result.exit_code == 0, result.output
        runs.append(built)
        shell_off(repo)
    return runs[0], runs[1], on, off


def assert_same_sites(one: Path, other: Path) -> None:
    files = sorted(str(path.relative_to(one)) for path in one.rglob("*") if path.is_file())
    assert files == sorted(str(path.relative_to(other)) for path in other.rglob("*") if path.is_file())
    different = [name for name in files if (one / name).read_bytes() != (other / name).read_bytes()]
    assert not different, f"{len(different)} files differ, first {different[:5]}"


def record_pages(plugin: MlreportPlugin, folder: str) -> int:
    return sum(1 for page in plugin.generated.sources if page.startswith(f"{folder}/"))


def team(repo: GitRepo, edit=lambda config: config) -> GitRepo:
    """The golden team repo with a docs folder, an experiment of awkward title, and its mkdocs.yml edited."""
    team_repo(repo)
    (repo.path / "docs").mkdir(exist_ok=True)
    repo.write("experiments/digits/odd.yaml", f"title: '{ODD_TITLE.replace(chr(39), chr(39) * 2)}'\n"
                                              "date: 2026-03-01\ntask: classification\n"
                                              "dataset: {name: digits}\nmetrics: {test: {accuracy: 0.5}}\n")
    config = (repo.path / "mkdocs.yml").read_text(encoding="utf-8")
    repo.write("mkdocs.yml", edit(config))
    return repo


TWO_PALETTES = """\
  palette:
    - {scheme: default, toggle: {icon: material/weather-night, name: Dark mode}}
    - {scheme: slate, toggle: {icon: material/weather-sunny, name: Light mode}}
"""


@pytest.mark.parametrize("edit", [
    pytest.param(lambda config: config, id="light-and-dark-palette-no-site-url"),
    pytest.param(lambda config: config.replace(TWO_PALETTES, "  palette: {scheme: slate}\n")
                 + "site_url: https://team.example.com/digits/\n", id="dark-palette-site-url"),
    pytest.param(lambda config: config + "site_url: https://team.example.com/digits/\nuse_directory_urls: false\n",
                 id="no-directory-urls"),
])
def test_material_record_pages_come_from_shells_and_match_full_renders(repo: GitRepo, tmp_path: Path, edit) -> None:
    team(repo, edit)
    with plugin_log() as lines:
        plugin, on, off = build_both_ways(repo, tmp_path)
    assert plugin.shells is not None
    for folder in RECORD_FOLDERS:
        state = plugin.shells.folders[folder]
        assert not state.full and state.used == record_pages(plugin, folder) > 0, folder
    assert not [line for line in lines if "rendered in full" in line]
    assert_same_sites(on, off)


OVERRIDES = {
    "value-written-its-own-way": ("{% extends 'base.html' %}{% block htmltitle %}<title>{{ page.title | upper }}"
                                  "</title>{% endblock %}", "a shared shell did not give the theme's own page"),
    "toc-drawn-outside-its-partial": ("{% extends 'base.html' %}{% block hero %}{% for item in page.toc %}"
                                      "<b>{{ item.title }}</b>{% endfor %}{% endblock %}",
                                      "the theme writes a page value in a way a shared shell cannot fill in"),
}


CONTENT_OVERRIDES = {
    "content-measured": ("<article>{{ page.content | wordcount }} words{{ page.content }}</article>",
                         "a shared shell did not give the theme's own page"),
    "toc-drawn-in-the-article": ("{% for item in page.toc %}<b>{{ item.title }}</b>{% endfor %}{{ page.content }}",
                                 "the theme writes a page value in a way a shared shell cannot fill in"),
}
"""Overrides of the article (`partials/content.html`), which the shell fills in like the rest of the page: one
that writes more of the page than its values, as they are, sends the folder back to full renders."""
FALLBACKS = {**{name: ("main.html", *override) for name, override in OVERRIDES.items()},
             **{name: ("partials/content.html", *override) for name, override in CONTENT_OVERRIDES.items()}}


@pytest.mark.parametrize("override", sorted(FALLBACKS))
def test_a_theme_override_the_shell_cannot_reproduce_falls_back(repo: GitRepo, tmp_path: Path, override: str) -> None:
    template, text, says = FALLBACKS[override]
    team(repo, lambda config: config.replace("  name: material\n", "  name: material\n  custom_dir: overrides\n"))
    repo.write(f"overrides/{template}", text)
    with plugin_log() as lines:
        plugin, on, off = build_both_ways(repo, tmp_path)
    assert plugin.shells is not None
    assert all(plugin.shells.folders[folder].full for folder in RECORD_FOLDERS)
    assert f"mlreport: {says} for the pages in experiments/; each is rendered in full" in lines
    assert_same_sites(on, off)


def test_an_overridden_partial_is_rendered_per_page(repo: GitRepo, tmp_path: Path) -> None:
    team(repo, lambda config: config.replace("  name: material\n", "  name: material\n  custom_dir: overrides\n"))
    repo.write("overrides/partials/toc.html", "<nav class='ours'>{{ page.title }}: {{ page.toc | list | length }} "
                                              "{% for item in page.toc %}{{ item.title | e }}{% endfor %}</nav>")
    plugin, on, off = build_both_ways(repo, tmp_path)
    assert plugin.shells is not None and not plugin.shells.folders["experiments"].full
    assert_same_sites(on, off)
    assert "<nav class='ours'>" in (on / "experiments/wide/index.html").read_text(encoding="utf-8")


def test_mlreport_build_writes_the_pages_of_a_proved_shell_without_mkdocs(repo: GitRepo, cli, tmp_path: Path) -> None:
    team(repo)
    experiments = {f"experiments/{name}.md" for name in ("base", "crashed", "deep", "gbm", "ridge", "wide", "odd")}
    assert len(experiments) > SAMPLES
    with plugin_log() as lines:
        with_shell, without, on, off = mlreport_build_both_ways(repo, cli, tmp_path)
    assert not [line for line in lines if "rendered in full" in line]
    # MkDocs renders the pages that prove the experiments' shell; the plugin writes the others from it.
    assert len(experiments.intersection(with_shell)) == SAMPLES
    assert experiments <= set(without)
    assert set(with_shell) < set(without)
    assert_same_sites(on, off)


def test_mlreport_build_renders_every_page_of_a_shell_that_fell_back(repo: GitRepo, cli, tmp_path: Path) -> None:
    template, text, says = FALLBACKS["value-written-its-own-way"]
    team(repo, lambda config: config.replace("  name: material\n", "  name: material\n  custom_dir: overrides\n"))
    repo.write(f"overrides/{template}", text)
    with plugin_log() as lines:
        with_shell, without, on, off = mlreport_build_both_ways(repo, cli, tmp_path)
    assert f"mlreport: {says} for the pages in experiments/; each is rendered in full" in lines
    assert sorted(with_shell) == sorted(without)
    assert_same_sites(on, off)


@pytest.mark.parametrize("theme", ["mkdocs", "readthedocs"])
def test_other_themes_build_the_same_site(repo: GitRepo, tmp_path: Path, theme: str,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1772784000")  # the mkdocs theme writes the build time on the home page
    team(repo, lambda config: config.replace("  name: material\n", f"  name: {theme}\n"))
    plugin, on, off = build_both_ways(repo, tmp_path)
    assert_same_sites(on, off)
