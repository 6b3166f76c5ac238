"""`mlreport build`, `generate` and what the built pages show, read back from the HTML."""

from __future__ import annotations

import hashlib
import html
import json
import socket
import subprocess
import sys
import time
import urllib.request
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
    assert '<span class="mlr-delta mlr-better" title="better">✓ +0.06</span>' in page.source
    assert '<span class="mlr-delta mlr-worse" title="worse">✗ -0.02</span>' in page.source
    assert "✓ better, ✗ worse than the run compared with" in page.text
    steps = next(c for c in page.charts if c["data"][0]["type"] == "scatter")["data"][1]
    assert steps["x"] == ["2026-01-10", "2026-02-01"] and steps["y"] == [0.8, 0.86]
    parcoords = next(c for c in page.charts if c["data"][0]["type"] == "parcoords")["data"][0]
    # Every run by its rank, the parameters that vary (a text one as an axis of its values), then the metric.
    dims = {d["label"]: d for d in parcoords["dimensions"]}
    assert list(dims) == ["rank", "depth", "lr", "optimizer.name", "test.accuracy"]
    assert dims["optimizer.name"]["ticktext"] == ["adam", "sgd"] and len(dims["rank"]["values"]) == len(rows)


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
    # Each metric in its own decimal places, values and differences alike; ✓ marks better, whichever way.
    assert "test.accuracy 0.86 0.80 ✓ +0.06" in text and "test.loss 0.40 0.50 ✓ -0.10" in text
    assert '<span class="mlr-delta mlr-better" title="better">✓ -0.10</span>' in page.source
    assert "✓ better, ✗ worse than the baseline" in text
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
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("plotly*.js")) == [
        "assets/mlreport/vendor/plotly/plotly-basic.min.js", "assets/mlreport/vendor/plotly/plotly-gl2d.min.js",
        "assets/mlreport/vendor/plotly/plotly.min.js"]
    assert "MIT License" in (site / "assets/mlreport/vendor/plotly/LICENSE").read_text(encoding="utf-8")
    # No page lists them: charts.js fetches the one a page needs from beside itself when a chart is near.
    page = read_page(site, "experiments/deep")
    sources = [attrs.get("src", "") for attrs, _ in page.scripts]
    assert "../../assets/mlreport/charts.js" in sources
    assert sources.index("../../assets/mlreport/mlreport.js") < sources.index("../../assets/mlreport/charts.js")
    assert not [source for source in sources if "plotly" in source]
    script = (site / "assets/mlreport/charts.js").read_text(encoding="utf-8")
    for bundle in ("plotly-basic.min.js", "plotly-gl2d.min.js", "plotly.min.js"):
        assert f'"vendor/plotly/{bundle}"' in script
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


def test_failed_build_prints_each_problem_once_then_one_summary(repo: GitRepo, cli, tmp_path: Path) -> None:
    repo.write("experiments/a.yaml", "title: A\ndate: nope\n")
    repo.write("experiments/b.yaml", "title: B\ndate: 2026-01-05\nbaseline: nowhere\ntask_name: x\n")
    result = cli("build", "--root", repo.path, "--site-dir", tmp_path / "site")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "experiments/a.yaml:2:7: error: `date` must be a date; found string 'nope' (write dates as YYYY-MM-DD)",
        "experiments/b.yaml:3:11: error: `baseline` refers to unknown experiment `nowhere` "
        "(no experiment has the id `nowhere`)",
        "experiments/b.yaml:4:1: warning: unknown key `task_name` (did you mean `task`?)",
        "build failed (2 errors, 1 warning): the previous site, if any, is unchanged",
    ]


def test_strict_build_stopped_by_mkdocs_says_why_once(repo: GitRepo, cli, tmp_path: Path) -> None:
    repo.write("experiments/a.yaml", "title: A\ndate: 2026-01-05\n")
    repo.write("docs/about.md", "# About\n\nSee [the plan](missing.md).\n")
    repo.commit("Records and a page")
    result = cli("build", "--strict", "--root", repo.path, "--site-dir", tmp_path / "site")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert [line for line in lines if "missing.md" in line] == [
        "WARNING: Doc file 'about.md' contains a link 'missing.md', but the target is not found among documentation "
        "files."]
    assert lines[-2:] == ["Aborted with 1 warnings in strict mode!",
                          "build failed: the previous site, if any, is unchanged"]
    assert "BuildError" not in result.output


def test_empty_values_never_show_as_bare_labels(repo: GitRepo, cli, tmp_path: Path) -> None:
    repo.write("experiments/blank.yaml", """
        title: Fields left blank
        date: 2026-01-02
        task: ""
        model: ""
        dataset: {name: "", version: ""}
        code: {repo: "", commit: "", command: ""}
        environment: {python: "", cuda: null, libs: {}}
        data: {version: ""}
        extra: {ticket: ""}
        """)
    repo.write("experiments/filled.yaml", """
        title: Fields filled
        date: 2026-01-02
        code: {repo: "", command: python train.py}
        """)
    repo.commit("Two records")
    assert cli("build", "--root", repo.path, "--site-dir", tmp_path / "site").exit_code == 0
    blank = read_page(tmp_path / "site", "experiments/blank")
    for label in ("Task", "Model", "Dataset"):
        assert f"<strong>{label}</strong>" not in blank.source
    for heading in ("Code, data and environment", "More"):
        assert heading not in blank.text
    filled = read_page(tmp_path / "site", "experiments/filled")
    assert "python train.py" in filled.text
    assert "<td>repo</td>" not in filled.source


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
    assert '<h1 id="wider-cnn">Wider CNN' in (out / "experiments/wide.html").read_text(encoding="utf-8")
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
    # Without an address the default config leaves instant navigation off, and says nothing about it.
    without = cli("build", "--root", repo.path, "--site-dir", tmp_path / "local")
    assert without.exit_code == 0, without.output
    assert "needs site_url" not in without.output
    assert "navigation.instant" not in (tmp_path / "local/index.html").read_text(encoding="utf-8")

    published = cli("build", "--root", repo.path, "--site-dir", tmp_path / "site",
                    "--site-url", "https://ml.example.org/records/")
    assert published.exit_code == 0, published.output
    assert "needs site_url" not in published.output
    assert "navigation.instant" in (tmp_path / "site/index.html").read_text(encoding="utf-8")
    # Material's instant navigation follows the links sitemap.xml lists.
    sitemap = (tmp_path / "site" / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://ml.example.org/records/experiments/first/</loc>" in sitemap


def test_instant_navigation_turned_on_without_site_url_gets_a_note(repo: GitRepo, cli, tmp_path: Path) -> None:
    repo.write("mkdocs.yml", "site_name: X\ntheme:\n  name: material\n  font: false\n"
                             "  features: [navigation.instant]\nplugins: [mlreport]\n")
    result = cli("build", "--root", repo.path, "--site-dir", tmp_path / "site")
    assert result.exit_code == 0, result.output
    assert "navigation.instant needs site_url" in result.output


def test_a_freshly_initialised_project_builds_without_notes(repo: GitRepo, cli) -> None:
    assert cli("init", "--root", repo.path).exit_code == 0
    repo.commit("Set up mlreport")
    result = cli("build", "--root", repo.path)
    assert result.exit_code == 0, result.output
    assert "needs site_url" not in result.output and "mlreport:" not in result.output


def test_the_caches_a_build_leaves_in_the_repo_stay_out_of_git(repo: GitRepo, cli, tmp_path: Path) -> None:
    repo.write("experiments/first.yaml", "title: First try\ndate: 2026-01-02\nmetrics: {acc: 0.5}\n")
    repo.commit("First record")  # the repo has no .gitignore of its own
    assert cli("build", "--root", repo.path, "--site-dir", tmp_path / "site").exit_code == 0
    assert sorted(p.name for p in (repo.path / ".mlreport/cache").iterdir()) == [
        ".gitignore", "history.json", "pages", "record-texts.txt", "records.json", "search-entries.json",
        "site-manifest.json", "templates"]
    assert repo.git("status", "--porcelain", "--untracked-files=all") == ""


def test_build_says_where_the_site_is_and_how_to_look_at_it(repo: GitRepo, cli, tmp_path: Path, monkeypatch) -> None:
    repo.write("experiments/first.yaml", "title: First try\ndate: 2026-01-02\n")
    repo.commit("First record")
    monkeypatch.chdir(repo.path)
    result = cli("build")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"site built in {(repo.path / 'site').resolve()}",
        "to look at it: mlreport serve (a live preview: a saved record shows within seconds), or python -m http.server -d site "
        "and open http://localhost:8000/",
    ]


def test_serve_prints_the_address_it_serves_under_site_url(repo: GitRepo, tmp_path: Path) -> None:
    repo.write("mkdocs.yml", "site_name: X\nsite_url: https://pages.example.org/risk-ml/records/\nplugins: [mlreport]\n")
    repo.write("experiments/first.yaml", "title: First try\ndate: 2026-01-02\n")
    repo.commit("First record")
    with socket.socket() as probe:  # a free port for the server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "mlreport", "serve", "--dev-addr", f"127.0.0.1:{port}"],
                              cwd=repo.path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{port}/risk-ml/records/"
        assert server.stdout.readline() == (f"serving the site at {url} once it is built; it rebuilds when a "
                                            "record changes (Ctrl+C stops)\n")
        assert "First try" in _fetch(url + "experiments/first/", deadline=time.monotonic() + 120)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _fetch(url: str, deadline: float) -> str:
    """The page at `url`, once the server answers (its first build may take a while on a busy machine)."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.read().decode("utf-8")
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_every_experiment_page_says_how_to_reproduce_it(repo: GitRepo, cli, tmp_path: Path) -> None:
    repo.write("experiments/base.yaml", "title: Base\ndate: 2026-01-02\nmetrics: {acc: 0.5}\n")
    repo.write("experiments/tuned.yaml", """
        title: Tuned
        date: 2026-01-03
        baseline: base
        dataset: {name: receipts, version: "3", split: test}
        code:
          repo: https://git.example.org/team/models.git
          commit: 0a1b2c3
          command: python train.py --lr 0.1 --tag "a*b"
        environment: {python: "3.11", torch: "2.3.1"}
        metrics: {acc: 0.6}
        """)
    repo.commit("Two runs")
    assert cli("build", "--root", repo.path, "--site-dir", tmp_path / "site").exit_code == 0
    tuned = read_page(tmp_path / "site", "experiments/tuned")
    script = tuned.source.split('<div class="mlr-reproduce" data-mlr-copy>\n<pre><code>')[1].split("</code>")[0]
    assert html.unescape(script).splitlines() == [
        "git clone https://git.example.org/team/models.git",
        "cd models",
        "git checkout 0a1b2c3",
        'python train.py --lr 0.1 --tag "a*b"',
        "# environment: python 3.11, torch 2.3.1",
        "# data: receipts@3 (test split)",
    ]
    assert tuned.link_to("0a1b2c3") == "https://git.example.org/team/models/commit/0a1b2c3"
    assert tuned.link_to("Compare with the baseline") == "../compare/?ids=base,tuned"
    base = read_page(tmp_path / "site", "experiments/base")
    assert "This record names no code to run again" in base.text
    assert "Compare with the baseline" not in base.text


def test_a_long_history_keeps_the_page_small_and_every_point_in_the_data(repo: GitRepo, cli, tmp_path: Path) -> None:
    rows = 200_000
    repo.write("mkdocs.yml", "site_name: Long runs\ntheme: material\nplugins:\n  - mlreport\n")
    repo.write("experiments/long/experiment.yaml", "title: Long run\ndate: 2026-01-05\nhistory: curves.csv\n")
    repo.write("experiments/long/curves.csv", "step,loss\n" + "".join(f"{n},{1 / (n + 1):.6f}\n" for n in range(rows)))
    repo.commit("Add a long run")
    result = cli("build", "--root", repo.path, "--site-dir", tmp_path / "site")
    assert result.exit_code == 0, result.output
    html = tmp_path / "site" / "experiments" / "long" / "index.html"
    assert html.stat().st_size < 200_000
    page = read_page(tmp_path / "site", "experiments/long")
    (chart,) = page.charts
    (trace,) = chart["data"]
    assert 1_000 <= len(trace["x"]) <= 2_000 and (trace["x"][0], trace["x"][-1]) == (0, rows - 1)
    detail = json.loads((tmp_path / "site" / "assets/mlreport/data/experiments/long.json").read_text())
    assert len(detail["history"]["loss"]) == rows


def test_a_candidate_card_shows_its_gain_over_production_and_its_sections_in_the_toc(repo: GitRepo, cli,
                                                                                     tmp_path: Path) -> None:
    repo.write("experiments/old.yaml", "title: Old\ndate: 2026-01-02\ntask: fraud\nmetrics: {auc: 0.80, loss: 0.50}\n")
    repo.write("experiments/base.yaml", "title: Base\ndate: 2026-01-02\ntask: fraud\nmetrics: {auc: 0.83}\n")
    repo.write("experiments/new.yaml",
               "title: New\ndate: 2026-01-03\ntask: fraud\nbaseline: base\nmetrics: {auc: 0.85, loss: 0.55}\n")
    repo.write("models/scorer-v1.md", """
        ---
        name: Scorer v1
        status: production
        evaluations: [{experiment: old, metrics: [auc, loss]}]
        ---
        # Scorer v1
        """)
    repo.write("models/scorer-v2.md", """
        ---
        name: Scorer v2
        status: candidate
        evaluations: [{experiment: new, metrics: [auc, loss]}]
        ---
        # Scorer v2

        ## Model Details

        A better scorer.

        ## Uses

        ### Direct Use

        Scoring.

        ```text
        ## not a section
        ```

        ## Bias, Risks, and Limitations

        Few.
        """)
    repo.commit("Two cards")
    assert cli("build", "--root", repo.path, "--site-dir", tmp_path / "site").exit_code == 0
    page = read_page(tmp_path / "site", "models/scorer-v2")
    # The Hugging Face sections are the page's own headings: its table of contents lists them.
    for anchor in ("#model-details", "#uses", "#bias-risks-and-limitations"):
        assert anchor in page.nav, anchor
    assert "#not-a-section" not in page.nav and "## not a section" in page.text
    # Against its own baseline and against the card in production for the same task.
    assert "Δ vs baseline Δ vs production" in page.text
    assert "auc ↑ 0.85 ✓ +0.02 ✓ +0.05" in page.text
    assert "loss ↓ 0.55 ✗ +0.05" in page.text
    assert page.link_to("Scorer v1") == "../scorer-v1/"
    production = read_page(tmp_path / "site", "models/scorer-v1")
    assert "Δ vs production" not in production.text  # the model in production is not its own rival


def test_home_says_what_is_in_production_and_what_awaits_sign_off(repo: GitRepo, cli, tmp_path: Path) -> None:
    repo.write("experiments/old.yaml", "title: Old run\ndate: 2026-01-02\ntask: fraud\ndataset: tx\nmetrics: {auc: 0.80}\n")
    repo.write("experiments/new.yaml", "title: New run\ndate: 2026-01-03\ntask: fraud\ndataset: tx\nmetrics: {auc: 0.85}\n")
    repo.write("models/scorer.md", "---\nname: Scorer v1\nstatus: production\nevaluations: [{experiment: old}]\n---\n")
    repo.write("decisions/0001-ship-it.md", "---\ntitle: Ship the new run\nstatus: proposed\ndate: 2026-01-04\n"
                                            "decision-makers: [Ana, Bo]\n---\n# Ship the new run\n")
    repo.write("decisions/0002-done.md", "---\ntitle: Done already\nstatus: accepted\ndate: 2026-01-14\n---\n")
    repo.commit("Records", date="2026-01-14T10:00:00+00:00")
    assert cli("build", "--root", repo.path, "--site-dir", tmp_path / "site").exit_code == 0
    home = read_page(tmp_path / "site", "")
    production = home.text[home.text.index("In production now"):home.text.index("Decisions awaiting sign-off")]
    assert "fraud Scorer v1 production Old run 0.80 #2 of 2 New run 0.85 ✓ +0.05 auc" in production
    waiting = home.text[home.text.index("Decisions awaiting sign-off"):home.text.index("Leaderboards")]
    assert "0001 — Ship the new run Ana, Bo 2026-01-04 (10 days)" in waiting and "Done already" not in waiting
    rows = _table(tmp_path / "site", "leaderboards/fraud-tx-auc.json")["rows"]
    assert {r["id"]: r["production"] for r in rows} == {"new": "", "old": "Scorer v1"}


def test_index_columns_choose_the_experiments_index_metrics_and_params(repo: GitRepo, cli, tmp_path: Path) -> None:
    repo.write("mkdocs.yml", "site_name: X\nplugins:\n  - mlreport:\n      index_columns: [loss, metrics.acc, "
                             "params.lr, params.optimizer]\n")
    repo.write("experiments/a.yaml", "title: A\ndate: 2026-01-02\nparams: {lr: 0.1, optimizer: adam}\n"
                                     "metrics: {acc: 0.5, loss: 0.9, f1: 0.4}\n")
    repo.write("experiments/b.yaml", "title: B\ndate: 2026-01-03\nparams: {lr: 0.01, optimizer: [sgd, nesterov]}\n"
                                     "metrics: {acc: 0.6}\n")
    repo.commit("Two runs")
    assert cli("build", "--root", repo.path, "--site-dir", tmp_path / "site").exit_code == 0
    table = _table(tmp_path / "site", "experiments.json")
    chosen = [c for c in table["columns"] if c["field"].startswith(("metric:", "param:"))]
    assert [(c["field"], c["kind"], c.get("filter", "")) for c in chosen] == [
        ("metric:loss", "number", ""), ("metric:acc", "number", ""), ("param:lr", "number", ""),
        ("param:optimizer", "text", "select")]
    rows = {r["id"]: r for r in table["rows"]}
    assert (rows["a"]["param:optimizer"], rows["b"]["param:optimizer"], rows["b"]["metric:loss"]) == (
        "adam", "sgd, nesterov", None)
    assert "metric:f1" not in rows["a"]
