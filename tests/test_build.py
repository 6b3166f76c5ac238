"""`mlreport build`, `generate` and what the built pages show, read back from the HTML."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from repos import new_repo
from sitekit import read_page, team_repo

from repos import GitRepo


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The golden fixture repo, committed and built once for the tests that only read it."""
    from click.testing import CliRunner

    from mlreport.cli import main

    root = tmp_path_factory.mktemp("team")
    repo = team_repo(new_repo(root / "repo"))
    result = CliRunner().invoke(main, ["build", "--root", str(repo.path), "--site-dir", str(root / "site")])
    assert result.exit_code == 0, result.output
    return root / "site"


def test_home_shows_counts_top_runs_and_latest(site: Path) -> None:
    home = read_page(site, "")
    assert "6 experiments" in home.text and "2 leaderboards" in home.text
    assert "1 decisions" in home.text and "1 model cards" in home.text and "1 in production" in home.text
    # The top of the configured board, best first, with links to the runs.
    board = home.text[home.text.index("Digits accuracy"):]
    assert board.index("Wider CNN") < board.index("Deeper CNN") < board.index("Baseline CNN")
    assert home.link_to("Wider CNN") == "experiments/wide/"
    assert home.link_to("Digits accuracy") == "leaderboards/digits-accuracy/"
    # Latest experiments: the newest first.
    latest = home.text[home.text.index("Latest experiments"):]
    assert latest.index("Huge CNN") < latest.index("Deeper CNN") < latest.index("Gradient boosting")


def test_leaderboard_ranks_with_deltas_coloured_by_goal(site: Path) -> None:
    page = read_page(site, "leaderboards/digits-accuracy")
    assert "test.accuracy — higher is better" in page.text
    assert page.link_to("Wider CNN") == "../../experiments/wide/"
    rows = _table(site, "leaderboards/digits-accuracy.json")["rows"]
    assert [(r["rank"], r["id"], r["value"]) for r in rows] == [(1, "wide", 0.86), (2, "deep", 0.84),
                                                                (3, "base", 0.8)]
    deltas = {r["id"]: (r["delta_baseline"], r["delta_previous_best"]) for r in rows}
    assert deltas["wide"] == pytest.approx((0.06, 0.06))
    assert deltas["deep"] == pytest.approx((-0.02, -0.02))
    assert deltas["base"] == (None, None)
    assert [r["url"] for r in rows] == ["experiments/wide/", "experiments/deep/", "experiments/base/"]
    # The failed run is not ranked; the Markdown fallback marks deltas better or worse.
    assert "Huge CNN" not in page.text
    assert '<span class="mlr-delta mlr-better" title="better">+0.06</span>' in page.source
    assert '<span class="mlr-delta mlr-worse" title="worse">-0.02</span>' in page.source
    steps = next(c for c in page.charts if c["data"][0]["type"] == "scatter")["data"][1]
    assert steps["x"] == ["2026-01-10", "2026-02-01"] and steps["y"] == [0.8, 0.86]
    parcoords = next(c for c in page.charts if c["data"][0]["type"] == "parcoords")["data"][0]
    assert [d["label"] for d in parcoords["dimensions"]] == ["depth", "lr", "test.accuracy"]


def test_automatic_board_for_uncovered_task(site: Path) -> None:
    index = read_page(site, "leaderboards")
    href = index.link_to("regression · houses — test.rmse")
    page = read_page(site, "leaderboards/" + href)
    assert "lower is better" in page.text and "Automatic leaderboard" in page.text
    rows = _table(site, f"leaderboards/{href.strip('/')}.json")["rows"]
    assert [(r["id"], r["value"]) for r in rows] == [("gbm", 2.9), ("ridge", 3.2)]
    assert rows[0]["delta_baseline"] == pytest.approx(-0.3)


def test_experiment_page(site: Path) -> None:
    page = read_page(site, "experiments/wide")
    text = page.text
    assert "Wider CNN" in text and "completed" in text and "digits@1 (test split)" in text
    assert "Ranked #1 of 3 on Digits accuracy" in text
    assert page.link_to("Digits accuracy") == "../../leaderboards/digits-accuracy/"
    assert page.link_to("Baseline CNN") == "../base/"
    # Metrics against the baseline: loss went down, which is better for a loss.
    assert "test.accuracy 0.86 0.8 +0.06" in text and "test.loss 0.4 0.5 -0.1" in text
    assert '<span class="mlr-delta mlr-better" title="better">-0.1</span>' in page.source
    assert '<span class="mlr-changed">0.05</span>' in page.source  # lr differs from the baseline
    assert "Decision Use the wider CNN" in text and "Model card Digits CNN" in text
    assert "Experiment Deeper CNN uses this run as its baseline" in text
    assert page.link_to("Run dashboard") == "https://dash.example.com/runs/7"
    assert "s3://bucket/wide.pt" in text
    edit = "https://git.example.com/team/digits/edit/main/experiments/digits/wide.yaml"
    assert page.link_to("Edit this record") == edit
    assert ("a", "href", edit) in page.attributes  # the theme's edit button too


def test_experiment_notes_and_curves(site: Path) -> None:
    page = read_page(site, "experiments/deep")
    assert "Going deeper did not help" in page.text
    assert "<strong>did not help</strong>" in page.source
    curves = {c["layout"]["title"]["text"]: [t["name"] for t in c["data"]] for c in page.charts}
    assert curves == {"accuracy": ["val"], "loss": ["train", "val"]}


def test_experiments_index_table(site: Path) -> None:
    page = read_page(site, "experiments")
    assert ("div", "data-mlr-table", "assets/mlreport/data/experiments.json") in page.attributes
    data = _table(site, "experiments.json")
    assert data["selectable"] is True and data["compare"] == "experiments/compare/"
    rows = {r["id"]: r for r in data["rows"]}
    assert sorted(rows) == ["base", "crashed", "deep", "gbm", "ridge", "wide"]
    assert rows["wide"]["url"] == "experiments/wide/" and rows["wide"]["authors"] == ["ana", "bo"]
    assert rows["crashed"]["status"] == "failed"
    assert rows["wide"]["metric:test.accuracy"] == 0.86 and rows["ridge"]["metric:test.accuracy"] is None
    # Without JavaScript the newest runs are listed, and searchable.
    assert page.link_to("Huge CNN") == "crashed/"


def test_record_pages_stay_out_of_the_nav(site: Path) -> None:
    nav = _sections(read_page(site, "experiments/wide"))
    assert nav[:3] == ["../..", "../../leaderboards/", "../"]
    # Only section pages: none of the six experiment pages (nor any other record's page).
    assert all(href.count("/") <= 3 and href.endswith(("/", "..")) for href in nav), nav
    assert not {"../wide/", "../base/", "../deep/"} & set(nav)


def test_plotly_is_shipped_once_never_inlined_and_left_to_pages_that_draw(site: Path) -> None:
    assert [p.relative_to(site).as_posix() for p in site.rglob("plotly*.js")] == [
        "assets/mlreport/vendor/plotly/plotly.min.js"]
    # No page lists it: mlreport.js fetches it from beside itself when a page has a chart.
    page = read_page(site, "experiments/deep")
    sources = [attrs.get("src", "") for attrs, _ in page.scripts]
    assert "../../assets/mlreport/mlreport.js" in sources
    assert not [source for source in sources if "plotly" in source]
    script = (site / "assets/mlreport/mlreport.js").read_text(encoding="utf-8")
    assert '"vendor/plotly/plotly.min.js"' in script
    for html_file in site.rglob("*.html"):
        assert "Plotly, Inc." not in html_file.read_text(encoding="utf-8"), html_file


def test_site_requests_nothing_from_outside(site: Path) -> None:
    for html_file in site.rglob("*.html"):
        page = read_page(html_file.parent, html_file.name)
        loaded = [value for tag, name, value in page.attributes
                  if (tag, name) in {("script", "src"), ("link", "href"), ("img", "src")}]
        external = [url for url in loaded if url.startswith(("http:", "https:", "//"))]
        assert not external, (html_file, external)


def test_same_commit_builds_identical_bytes(repo: GitRepo, cli, tmp_path: Path) -> None:
    team_repo(repo)
    for name in ("one", "two"):
        assert cli("build", "--root", repo.path, "--site-dir", tmp_path / name).exit_code == 0
    assert _digest(tmp_path / "one") == _digest(tmp_path / "two")


def test_failed_build_leaves_the_previous_site(repo: GitRepo, cli, tmp_path: Path) -> None:
    team_repo(repo)
    site = tmp_path / "site"
    assert cli("build", "--root", repo.path, "--site-dir", site).exit_code == 0
    before = _digest(site)
    repo.write("experiments/digits/wide.yaml", "title: Wider CNN\ndate: 2026-02-01\nbaseline: nowhere\n")
    result = cli("build", "--root", repo.path, "--site-dir", site)
    assert result.exit_code == 1
    validate = cli("validate", "--root", repo.path)
    assert "experiments/digits/wide.yaml:3:11: error: `baseline` refers to unknown experiment `nowhere`" in result.output
    assert validate.output.splitlines()[0] in result.output
    assert "previous site, if any, is unchanged" in result.output
    assert _digest(site) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo", "site"]  # no half-built folder left


def test_build_without_mkdocs_yml_or_docs(repo: GitRepo, cli, tmp_path: Path) -> None:
    repo.write("experiments/first.yaml", "title: First try\ndate: 2026-01-02\nmetrics: {acc: 0.5}\n")
    repo.commit("First record")
    result = cli("build", "--root", repo.path, "--site-dir", tmp_path / "site")
    assert result.exit_code == 0, result.output
    assert "First try" in read_page(tmp_path / "site", "experiments/first").text
    home = read_page(tmp_path / "site", "")
    assert "1 experiments" in home.text
    assert "fonts.googleapis" not in home.source and "fonts.gstatic" not in home.source


def test_own_index_page_moves_the_dashboard(repo: GitRepo, cli, tmp_path: Path) -> None:
    team_repo(repo)
    repo.write("docs/index.md", "# Our team\n\nWelcome.\n")
    repo.commit("Own home page")
    assert cli("build", "--root", repo.path, "--site-dir", tmp_path / "site").exit_code == 0
    assert "Welcome." in read_page(tmp_path / "site", "").text
    dashboard = read_page(tmp_path / "site", "dashboard")
    assert "6 experiments" in dashboard.text
    assert _sections(dashboard)[:4] == ["..", "./", "../leaderboards/", "../experiments/"]


def test_generate_writes_pages_data_and_assets(repo: GitRepo, cli, tmp_path: Path) -> None:
    team_repo(repo)
    out = tmp_path / "out"
    result = cli("generate", "--root", repo.path, "--out", out)
    assert result.exit_code == 0, result.output
    assert "# Wider CNN" in (out / "experiments/wide.md").read_text(encoding="utf-8")
    assert json.loads((out / "assets/mlreport/data/experiments.json").read_text(encoding="utf-8"))["rows"]
    assert (out / "assets/mlreport/vendor/plotly/plotly.min.js").stat().st_size > 1_000_000
    assert (out / "assets/mlreport/vendor/tabulator/LICENSE").is_file()


def _sections(page) -> list[str]:
    """The navigation's page links, in order, once each (without in-page anchors)."""
    return list(dict.fromkeys(href for href in page.nav if href and not href.startswith("#")))


def _table(site: Path, name: str) -> dict:
    return json.loads((site / "assets/mlreport/data" / name).read_text(encoding="utf-8"))


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_site_url_from_the_command_line_lists_every_page_for_instant_navigation(repo: GitRepo, cli,
                                                                                 tmp_path: Path) -> None:
    repo.write("experiments/first.yaml", "title: First try\ndate: 2026-01-02\nmetrics: {acc: 0.5}\n")
    repo.commit("First record")
    without = cli("build", "--root", repo.path, "--site-dir", tmp_path / "local")
    assert without.exit_code == 0, without.output
    assert "navigation.instant needs site_url" in without.output

    published = cli("build", "--root", repo.path, "--site-dir", tmp_path / "site",
                    "--site-url", "https://ml.example.org/records/")
    assert published.exit_code == 0, published.output
    assert "navigation.instant needs site_url" not in published.output
    # Material's instant navigation follows the links sitemap.xml lists.
    sitemap = (tmp_path / "site" / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://ml.example.org/records/experiments/first/</loc>" in sitemap


def test_the_caches_a_build_leaves_in_the_repo_stay_out_of_git(repo: GitRepo, cli, tmp_path: Path) -> None:
    repo.write("experiments/first.yaml", "title: First try\ndate: 2026-01-02\nmetrics: {acc: 0.5}\n")
    repo.commit("First record")  # the repo has no .gitignore of its own
    assert cli("build", "--root", repo.path, "--site-dir", tmp_path / "site").exit_code == 0
    assert sorted(p.name for p in (repo.path / ".mlreport/cache").iterdir()) == [
        ".gitignore", "history.json", "pages", "records.json"]
    assert repo.git("status", "--porcelain", "--untracked-files=all") == ""
