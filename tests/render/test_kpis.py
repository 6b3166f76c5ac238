"""The KPI page and the home page's KPI tiles: statuses in words, values, candidates, trend charts."""

from __future__ import annotations

from pathlib import Path

import pytest
from sitekit import read_page

from render.kpiskit import kpi_repo
from render.recordkit import built_site, generated, records_repo, table_after


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_site(kpi_repo(tmp_path_factory.mktemp("kpis") / "repo").path)


def test_one_row_per_kpi_with_status_in_words(site: Path) -> None:
    page = read_page(site, "kpis")
    table = table_after(page.source, "Each value is the production")
    assert table[0] == ["KPI", "Status", "Production", "Target", "Best candidate"]
    assert table[1:] == [
        ["Fraud loss", "! at risk", "4.3 bps", "<= 4 (at risk <= 4.5)", "Fraud v2 3.8 (✓ -0.5) → ✓ met"],
        ["p99 latency", "✗ missed", "12.1 ms", "<= 10", "Fraud v2 9.0 (✓ -3.1) → ✓ met"],
        ["PR-AUC", "✓ met", "0.84", ">= 0.8", "Fraud v2 0.82 (✗ -0.02) → ✓ met"],
        ["Receipt accuracy", "no production model", "—", ">= 0.95", "Receipts r1 0.97 → ✓ met"],
    ]
    assert "1 met · 1 at risk · 1 missed · 1 no production model" in page.text
    assert ("span", "class", "mlr-badge mlr-kpi-at-risk") in page.attributes


def test_each_kpi_says_where_its_value_comes_from(site: Path) -> None:
    text = read_page(site, "kpis").text
    assert "In production Fraud v1 , measured by Fraud v1 : 4.3" in text
    assert "In production no model card in this scope is in production" in text
    assert "Owner risk-team" in text


def test_trend_chart_has_runs_production_and_target_band(site: Path) -> None:
    charts = read_page(site, "kpis").charts
    assert len(charts) == 4
    fraud = charts[0]
    names = [trace["name"] for trace in fraud["data"]]
    assert names == ["target &lt;= 4", "at risk &lt;= 4.5", "runs", "production: Fraud v1"]
    band, _, runs, production = fraud["data"]
    assert band["fill"] == "toself" and min(band["y"]) < 3.8 and max(band["y"]) == 4.0
    assert (runs["x"], runs["y"]) == (["2026-01-10", "2026-02-10"], [4.3, 3.8])
    assert production["y"] == [4.3, 4.3] and production["x"] == ["2026-01-10", "2026-02-10"]
    # A KPI with nothing in production has no production line.
    assert [trace["name"] for trace in charts[3]["data"]] == ["target &gt;= 0.95", "runs"]


def test_the_kpi_page_is_in_the_nav_and_home_shows_tiles(site: Path) -> None:
    home = read_page(site, "")
    assert "kpis/" in home.nav
    assert home.link_to("All KPIs") == "kpis/"
    assert home.link_to("Fraud loss") == "kpis/#kpi-fraud-loss"
    assert "Fraud loss 4.3 bps ! at risk target <= 4" in home.text
    assert ("div", "data-status", "missed") in home.attributes
    assert 'id="kpi-fraud-loss"' in read_page(site, "kpis").source


def test_without_kpis_there_is_no_kpi_page(tmp_path: Path) -> None:
    out = generated(records_repo(tmp_path / "repo").path, with_history=False)
    assert "kpis/index.md" not in out.pages
    assert "KPIs" not in [title for title, _ in out.nav]
    assert "mlr-kpi-tiles" not in out.pages["index.md"]
