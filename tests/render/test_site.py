"""Paths, links and numbers shared by every page kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlreport.config import Options
from mlreport.history import History
from mlreport.catalog import Catalog
from mlreport.metrics import places_of
from mlreport.render.site import (Site, delta, edit_url, json_text, json_text_with, number, page_url, record_page,
                                  page_slug)
from mlreport.render.tables import table_block


@pytest.mark.parametrize(("record_id", "page"), [
    ("resnet-50", "experiments/resnet-50.md"), ("v1.2_final", "experiments/v1.2_final.md"),
])
def test_slug_ids_keep_their_name(record_id: str, page: str) -> None:
    assert record_page("experiment", record_id) == page


@pytest.mark.parametrize("record_id", ["index", "compare", "../../etc/passwd", "Has Spaces", "a/b", "..", "",
                                       "распознавание", "Über-Lauf"])
def test_other_ids_get_a_safe_distinct_name(record_id: str) -> None:
    slug = page_slug(record_id)
    assert "/" not in slug and slug not in ("index", "compare", "..", "") and not slug.startswith((".", "-"))
    assert slug != page_slug(record_id + "x")


def test_page_urls() -> None:
    assert page_url("index.md") == "" and page_url("experiments/index.md") == "experiments/"
    assert page_url("experiments/a.md") == "experiments/a/"
    assert page_url("experiments/a.md", directory_urls=False) == "experiments/a.html"
    assert page_url("index.md", directory_urls=False) == "index.html"


@pytest.mark.parametrize(("directory_urls", "links"), [
    (True, {("experiments/a.md", "experiments/b.md"): "../b/", ("experiments/a.md", "index.md"): "../../",
            ("index.md", "experiments/b.md"): "experiments/b/", ("experiments/index.md", "models/m.md"): "../models/m/",
            ("experiments/a.md", "experiments/a.md"): "./"}),
    (False, {("experiments/a.md", "experiments/b.md"): "b.html", ("experiments/a.md", "index.md"): "../index.html",
             ("index.md", "experiments/b.md"): "experiments/b.html"}),
])
def test_html_links_are_urls_relative_to_the_page(directory_urls: bool, links: dict[tuple[str, str], str]) -> None:
    site = Site(Catalog(Options(root=Path(".")), {}, {}, {}), History(),
                Options(root=Path("."), use_directory_urls=directory_urls), ())
    assert {pair: str(site.href(*pair)) for pair in links} == links


def test_edit_url_swaps_the_docs_folder_for_the_record_path() -> None:
    options = Options(root=Path("."), repo_url="https://github.com/o/r", edit_uri="edit/main/docs/")
    assert edit_url("experiments/a b.yaml", options) == "https://github.com/o/r/edit/main/experiments/a%20b.yaml"
    absolute = Options(root=Path("."), repo_url="https://x", edit_uri="https://gitlab.com/o/r/-/edit/main/")
    assert edit_url("models/m.md", absolute) == "https://gitlab.com/o/r/-/edit/main/models/m.md"
    assert edit_url("a.yaml", Options(root=Path("."))) == ""


@pytest.mark.parametrize(("value", "shown"), [
    (0.671, "0.671"), (7.0, "7"), (1843211, "1,843,211"), (0.0009, "0.0009"), (12345.678, "12,345.7"),
    (0.123456, "0.1235"), (True, "true"), ("lgbm", "lgbm"), ([1, 2], "1, 2"), (float("nan"), "—"),
])
def test_number(value: object, shown: str) -> None:
    assert number(value) == shown


@pytest.mark.parametrize(("value", "goal", "word", "shown"), [
    (0.007, "max", "better", "✓ +0.007"), (-0.1, "min", "better", "✓ -0.1"), (0.4, "min", "worse", "✗ +0.4"),
    (-0.0003, "max", "worse", "✗ -0.0003"),
])
def test_delta_is_marked_by_the_metric_goal(value: float, goal: str, word: str, shown: str) -> None:
    assert delta(value, goal) == f'<span class="mlr-delta mlr-{word}" title="{word}">{shown}</span>'


@pytest.mark.parametrize(("values", "places", "shown"), [
    ((0.912, 0.9, 0.9123), 4, ["0.9120", "0.9000", "0.9123"]),
    ((45, 52.5, 61.25), 2, ["45.00", "52.50", "61.25"]),
    ((1843211, 12), 0, ["1,843,211", "12"]),
    ((0.91234567, 0.5), 4, ["0.9123", "0.5000"]),
])
def test_a_metric_has_one_number_format(values: tuple[float, ...], places: int, shown: list[str]) -> None:
    assert places_of(values) == places
    assert [number(v, places) for v in values] == shown


def test_differences_of_a_metric_share_its_places() -> None:
    # "-0.01" beside "+0.002" read as different precisions; at the metric's places they line up.
    assert [str(delta(d, "max", 3)).split(">")[1].split("<")[0] for d in (-0.01, 0.002)] == ["✗ -0.010", "✓ +0.002"]
    assert "±0" in delta(0.0004, "max", 3)  # too small to show at the metric's places: no change


def test_delta_of_nothing_and_of_zero() -> None:
    assert delta(None, "max") == "" and "±0" in delta(0.00001 - 0.00001, "max")


@pytest.mark.parametrize(("page", "directory_urls", "href"), [
    ("experiments/index.md", True, "../assets/mlreport/data/t.json"),
    ("leaderboards/b.md", True, "../../assets/mlreport/data/t.json"),
    ("leaderboards/b.md", False, "../assets/mlreport/data/t.json"),
    ("index.md", True, "assets/mlreport/data/t.json"),
])
def test_a_table_block_preloads_its_data_file_relative_to_its_page(page: str, directory_urls: bool, href: str) -> None:
    block = table_block("assets/mlreport/data/t.json", "| a |\n| - |\n| 1 |", "t", page_url(page, directory_urls))
    assert f'<link rel="preload" href="{href}" as="fetch" crossorigin="anonymous">' in block
    assert 'data-mlr-table="assets/mlreport/data/t.json"' in block
    assert "preload" not in table_block("assets/mlreport/data/t.json", "", "t")


def test_a_json_file_joined_from_kept_row_texts_is_the_whole_file_dumped():
    rows = [{"title": "Wide <CNN> \u00e9", "metric": 0.1 + 0.2, "tags": ["b", "a"]}, {"title": "Base", "z": None}, {}]
    data = {"sort": {"field": "date", "dir": "desc"}, "columns": [{"key": "title"}], "page_size": 50, "selectable": True}

    assert json_text_with(data, "rows", [json_text(row) for row in rows]) == json_text({**data, "rows": rows})
    assert json_text_with({}, "rows", []) == json_text({"rows": []})
