"""The compare view: the page the script fills, and the data it reads (paths, goals, curves, params)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sitekit import read_page

from mlreport.render.site import page_slug
from render.recordkit import BREAKOUT, HOSTILE, built_site, records_repo

DATA = "assets/mlreport/data"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_site(records_repo(tmp_path_factory.mktemp("records") / "repo").path)


def _config(site: Path) -> dict:
    page = read_page(site, "experiments/compare")
    (source,) = [body for attrs, body in page.scripts if "data-mlr-compare-config" in attrs]
    return json.loads(source)


def _detail(site: Path, config: dict, record_id: str) -> dict:
    name = config["renamed"].get(record_id, record_id)
    return json.loads((site / config["details"] / f"{name}.json").read_text(encoding="utf-8"))


def test_the_experiments_index_leads_to_the_compare_page(site: Path) -> None:
    index = json.loads((site / DATA / "experiments.json").read_text(encoding="utf-8"))
    # The index's "Compare selected" button goes to `<compare>?ids=a,b`: that URL is this page.
    page = read_page(site, index["compare"])
    assert ("div", "data-mlr-compare", "") in page.attributes
    assert "Compare experiments" in page.text
    # A decision's "compare these runs" link lands on the same page, with the selection in the URL.
    decision = read_page(site, "decisions/0003")
    href = decision.link_to("Compare these runs")
    assert (Path("decisions/0003") / href.split("?")[0]).resolve() == (Path(index["compare"])).resolve()
    assert href.split("?")[1] == "ids=wide,deep"


def test_the_page_tells_the_script_where_its_data_is(site: Path) -> None:
    config = _config(site)
    assert config["query"] == {"ids": "ids", "diff": "diff"}
    assert (site / config["index"]).is_file()
    # The run whose id is the page's own name keeps its page and data under another name.
    assert config["renamed"] == {"compare": page_slug("compare")}
    assert _detail(site, config, "compare")["id"] == "compare"
    assert read_page(site, f"experiments/{page_slug('compare')}").text.startswith(
        "A run whose id is the compare page's name")
    index = json.loads((site / config["index"]).read_text(encoding="utf-8"))
    assert {row["id"] for row in index["rows"]} == {"base", "wide", "deep", "evil", "compare"}
    for row in index["rows"]:
        assert _detail(site, config, row["id"])["title"] == row["title"]


def test_details_hold_params_metrics_with_their_goals_and_curves(site: Path) -> None:
    config = _config(site)
    deep, wide = _detail(site, config, "deep"), _detail(site, config, "wide")
    assert deep["metrics"] == {"test.accuracy": 0.84375, "test.loss": 0.45, "ops.latency_ms": 7.25}
    # Which way is better is decided in Python (from the name, or the configured goal), not by the script.
    assert deep["goals"] == {"test.accuracy": "max", "test.loss": "min", "ops.latency_ms": "min"}
    assert deep["params"] == {"lr": 0.05, "depth": 6, "optimizer": "adam"}
    assert wide["params"] == {"lr": 0.1, "depth": 2, "width": 128, "optimizer": "sgd"}
    # Curves the two share, step by step.
    assert deep["history"]["val.loss"] == [[1, 0.85], [2, 0.65], [3, 0.55]]
    assert wide["history"]["val.loss"] == [[1, 0.8], [2, 0.6]]
    assert deep["url"] == "experiments/deep/"


def test_the_script_is_on_every_page_after_the_helpers_it_uses(site: Path) -> None:
    # Instant navigation loads scripts once, on the first page a reader opens.
    for url in ("", "experiments/deep", "decisions/0001"):
        sources = [attrs["src"].rsplit("/", 1)[-1] for attrs, _ in read_page(site, url).scripts if "src" in attrs]
        assert "compare.js" in sources and sources.index("mlreport.js") < sources.index("compare.js")
    helpers = (site / "assets/mlreport/mlreport.js").read_text(encoding="utf-8")
    assert "window.mlreport = {" in helpers


def test_hostile_records_stay_data(site: Path) -> None:
    config = _config(site)
    evil = _detail(site, config, "evil")
    assert evil["title"] == BREAKOUT and HOSTILE in evil["params"]
    assert list(evil["history"]) == ["val." + BREAKOUT]
    page = read_page(site, "experiments/compare")
    assert "<script>alert" not in page.source and "<img src=x" not in page.source
    script = (site / "assets/mlreport/compare.js").read_text(encoding="utf-8")
    # Record values reach the page as text only.
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
