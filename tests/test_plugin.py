"""The MkDocs plugin under `mkdocs build` itself: pages, navigation, errors, overrides, serve."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result
from mkdocs.__main__ import cli as mkdocs_cli
from mkdocs.config import load_config
from mkdocs.structure.files import InclusionLevel, get_files
from sitekit import read_page, team_repo

from repos import GitRepo
from mlreport.plugin import MlreportPlugin


def mkdocs_build(root: Path, site: Path) -> Result:
    """Run `mkdocs build` (MkDocs' own command) on a repo."""
    return CliRunner().invoke(mkdocs_cli, ["build", "-q", "-f", str(root / "mkdocs.yml"), "-d", str(site)],
                              catch_exceptions=False)


def test_mkdocs_build_with_the_plugin(repo: GitRepo, tmp_path: Path) -> None:
    team_repo(repo)
    (repo.path / "docs").mkdir()
    repo.write("docs/guide.md", "# Team guide\n")
    result = mkdocs_build(repo.path, tmp_path / "site")
    assert result.exit_code == 0, result.output
    page = read_page(tmp_path / "site", "experiments/wide")
    assert "Wider CNN" in page.text
    tabs = list(dict.fromkeys(h for h in page.nav if h and not h.startswith("#")))
    assert tabs[:3] == ["../..", "../../leaderboards/", "../"] and tabs[-1] == "../../guide/"


def test_mkdocs_build_writes_the_record_pages_data_and_search_index_mlreport_build_writes(repo: GitRepo, cli,
                                                                                        tmp_path: Path) -> None:
    team_repo(repo)
    (repo.path / "docs").mkdir()
    assert mkdocs_build(repo.path, tmp_path / "mkdocs").exit_code == 0
    assert cli("build", "--root", repo.path, "--site-dir", tmp_path / "mlreport").exit_code == 0
    written = {}
    for site in ("mkdocs", "mlreport"):
        folder = tmp_path / site
        written[site] = {path.relative_to(folder).as_posix(): path.read_bytes()
                         for kind in ("experiments", "decisions", "models", "search", "assets")
                         for path in (folder / kind).rglob("*")
                         if path.is_file()}
    assert "experiments/wide/index.html" in written["mkdocs"] and "search/search_index.json" in written["mkdocs"]
    assert "assets/mlreport/data/experiments.json" in written["mlreport"]
    assert written["mkdocs"] == written["mlreport"]


def test_record_pages_are_not_in_nav_files(repo: GitRepo) -> None:
    team_repo(repo)
    (repo.path / "docs").mkdir()
    config = load_config(str(repo.path / "mkdocs.yml"))
    config.plugins.on_startup(command="build", dirty=False)
    config = config.plugins.on_config(config)
    files = config.plugins.on_files(get_files(config), config=config)
    levels = {f.src_uri: f.inclusion for f in files if f.src_uri.endswith(".md")}
    assert levels["experiments/wide.md"] == InclusionLevel.NOT_IN_NAV
    assert levels["leaderboards/digits-accuracy.md"] == InclusionLevel.NOT_IN_NAV
    assert levels["experiments/index.md"] == InclusionLevel.INCLUDED
    assert config.nav[:3] == [{"Home": "index.md"}, {"Leaderboards": "leaderboards/index.md"},
                              {"Experiments": "experiments/index.md"}]
    assert all(page.endswith("index.md") for entry in config.nav for page in entry.values())
    assert "assets/mlreport/mlreport.js" in config.extra_javascript
    assert "md_in_html" in config.markdown_extensions  # the pages need it; the site did not list it


def test_record_errors_stop_mkdocs_build(repo: GitRepo, tmp_path: Path) -> None:
    team_repo(repo)
    (repo.path / "docs").mkdir()
    repo.write("experiments/digits/base.yaml", "title: Baseline CNN\nstatus: done\n")
    result = mkdocs_build(repo.path, tmp_path / "site")
    assert result.exit_code == 1
    assert "experiments/digits/base.yaml:1:1: error: missing required key `date` in the record" in result.output
    assert "experiments/digits/base.yaml:2:9: error: `status` must be one of" in result.output
    assert not (tmp_path / "site").exists()


def test_repo_templates_override_packaged_ones(repo: GitRepo, cli, tmp_path: Path) -> None:
    team_repo(repo)
    repo.write("templates/pages/experiment.md.j2", """\
        # {{ e.title }}

        Our own layout: {{ e.metrics.get("test.accuracy") | number }} accuracy, by {{ e.authors | join(" & ") }}.
        """)
    assert cli("build", "--root", repo.path, "--site-dir", tmp_path / "site").exit_code == 0
    page = read_page(tmp_path / "site", "experiments/wide")
    assert "Our own layout: 0.86 accuracy, by ana & bo." in page.text
    assert "Training curves" not in page.text
    # Other pages keep mlreport's templates.
    assert "Ranking" in read_page(tmp_path / "site", "leaderboards/digits-accuracy").text


def test_hand_written_nav_gets_the_missing_sections(repo: GitRepo, tmp_path: Path) -> None:
    team_repo(repo)
    repo.write("docs/guide.md", "# Team guide\n")
    config_text = (repo.path / "mkdocs.yml").read_text(encoding="utf-8")
    repo.write("mkdocs.yml", config_text + "nav:\n  - Guide: guide.md\n  - Runs: experiments/index.md\n")
    result = mkdocs_build(repo.path, tmp_path / "site")
    assert result.exit_code == 0, result.output
    page = read_page(tmp_path / "site", "guide")
    tabs = list(dict.fromkeys(h for h in page.nav if h and not h.startswith("#")))
    assert tabs[:4] == ["./", "../experiments/", "..", "../leaderboards/"]


def test_serve_watches_record_folders_and_templates(repo: GitRepo) -> None:
    team_repo(repo)
    (repo.path / "docs").mkdir()
    (repo.path / "templates").mkdir()
    config = load_config(str(repo.path / "mkdocs.yml"))
    config.plugins.on_config(config)
    watched: list[str] = []

    class Server:
        def watch(self, path: str) -> None:
            watched.append(path)

    plugin = config.plugins["mlreport"]
    assert isinstance(plugin, MlreportPlugin)
    plugin.on_serve(Server(), config=config, builder=None)
    assert [Path(p).relative_to(repo.path).as_posix() for p in watched] == ["experiments", "decisions", "models",
                                                                           "templates"]


def test_broken_template_override_is_a_located_error(repo: GitRepo, cli, tmp_path: Path) -> None:
    team_repo(repo)
    repo.write("templates/pages/experiment.md.j2", "# {{ e.title }}\n\n{{ e.no_such_field.deeper }}\n")
    result = cli("build", "--root", repo.path, "--site-dir", tmp_path / "site")
    assert result.exit_code == 1
    assert ("templates/pages/experiment.md.j2:3:1: error: template failed while rendering experiments/base.md: "
            "'mlreport.records.experiment.Experiment object' has no attribute 'no_such_field'") in result.output
    assert "Traceback" not in result.output


def test_serve_without_mkdocs_yml_does_not_watch_a_missing_file(repo: GitRepo) -> None:
    from mlreport.build import site_config
    from mlreport.config import load_options

    repo.write("experiments/a.yaml", "title: A\ndate: 2026-01-01\n")
    config = site_config(load_options(repo.path))
    config.plugins.on_config(config)
    calls: list[tuple[str, str]] = []

    class Server:
        def watch(self, path: str) -> None:
            calls.append(("watch", path))

        def unwatch(self, path: str) -> None:
            calls.append(("unwatch", path))

    config.plugins["mlreport"].on_serve(Server(), config=config, builder=None)
    assert calls == [("watch", str(repo.path / "experiments")), ("unwatch", str(repo.path / "mkdocs.yml"))]
