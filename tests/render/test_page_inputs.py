"""A record page's key: the same for the same inputs, loaded apart; another for any input changed, however deep."""

from __future__ import annotations

import dataclasses
import shutil
from functools import partial
from pathlib import Path

import pytest
from sitekit import GOLDEN_REPO

from mlreport.config import headings, load_options
from mlreport.history.types import Provenance
from mlreport.pipeline import generate_site
from mlreport.render.page_inputs import PageInputs
from mlreport.validate import read_records


@pytest.fixture
def catalog(tmp_path: Path):
    """The golden fixture's records, loaded by the real loader from a copy (a load writes caches)."""
    root = tmp_path / "repo"
    shutil.copytree(GOLDEN_REPO, root, ignore=shutil.ignore_patterns(".mlreport", "site"))
    return read_records(load_options(root)).catalog


def key(catalog, *, run=None, baseline=None, board_length=None, provenance=Provenance(), page="experiments/deep.md"):
    """The key of the deep run's page, from its own inputs (`experiment_inputs`' shape), some of them replaced."""
    runs = catalog.experiments
    board = catalog.leaderboards[0]
    if board_length is not None:
        board = dataclasses.replace(board, entries=board.entries[:board_length])
    inputs = (run or runs["deep"], baseline or runs["wide"], [(board, "leaderboards/digits-accuracy.md", 2)], [], [],
              [], provenance)
    return PageInputs(["site"]).key("experiment", page, inputs[0], inputs[0].title, (), inputs)


def test_the_same_inputs_loaded_apart_give_the_same_key(catalog, tmp_path: Path) -> None:
    again = tmp_path / "again"
    shutil.copytree(GOLDEN_REPO, again, ignore=shutil.ignore_patterns(".mlreport", "site"))

    assert key(catalog) is not None
    assert key(catalog) == key(read_records(load_options(again)).catalog)


CHANGES = {
    "the run's title": lambda c: {"run": dataclasses.replace(c.experiments["deep"], title="Deeper CNN, again")},
    "a point of a curve of the run": lambda c: {"run": dataclasses.replace(c.experiments["deep"], history={
        **c.experiments["deep"].history, "val.loss": ((1, 0.5),)})},
    "a nested parameter of the run": lambda c: {"run": dataclasses.replace(c.experiments["deep"], params={
        **c.experiments["deep"].params, "optimizer": {"name": "sgd"}})},
    "the baseline's metric": lambda c: {"baseline": dataclasses.replace(c.experiments["wide"], metrics={
        **c.experiments["wide"].metrics, "test.accuracy": 0.5})},
    "the board's length": lambda c: {"board_length": 1},
    "the run's history": lambda c: {"provenance": Provenance(uncommitted="modified")},
    "the page": lambda c: {"page": "experiments/deeper.md"},
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_any_input_changed_changes_the_key(change: str, catalog) -> None:
    assert key(catalog, **CHANGES[change](catalog)) != key(catalog)


def test_every_record_page_of_every_kind_is_keyed(tmp_path: Path) -> None:
    """A value a key cannot write (a lambda handed to a template) would leave a page rendered on every build."""
    root = tmp_path / "repo"
    shutil.copytree(GOLDEN_REPO, root, ignore=shutil.ignore_patterns(".mlreport", "site"))
    options = dataclasses.replace(load_options(root), headings=headings([("toc", {"permalink": True})]))
    site = generate_site(options, defer=True).site
    kinds = {path.split("/")[0] for path in site.deferred}
    assert kinds == {"experiments", "decisions", "models"}
    assert set(site.page_keys) == set(site.deferred)


def test_a_function_stands_in_a_key_by_its_name_and_a_lambda_leaves_the_page_unkeyed() -> None:
    inputs = PageInputs(["site"])
    assert inputs.key(partial(dataclasses.replace, 1)) == inputs.key(partial(dataclasses.replace, 2))
    assert inputs.key(dataclasses.replace) != inputs.key(dataclasses.fields)
    assert inputs.key(lambda: None) is None


def test_a_record_read_through_the_record_cache_stands_in_a_key_by_its_files(tmp_path: Path) -> None:
    """Read fresh or served from the cache, the same files give the same key; other bytes another, even when they
    make the same value (a comment added)."""
    root = tmp_path / "repo"
    shutil.copytree(GOLDEN_REPO, root, ignore=shutil.ignore_patterns(".mlreport", "site"))
    options = dataclasses.replace(load_options(root), headings=headings([("toc", {"permalink": True})]))
    fresh = generate_site(options, defer=True)
    served = generate_site(options, defer=True)
    deep = fresh.catalog.experiments["deep"]
    assert fresh.catalog.sources[id(deep)][0] is deep
    assert served.catalog.experiments["deep"] is not deep
    assert served.site.page_keys == fresh.site.page_keys

    path = root / deep.path
    path.write_text("# Reviewed.\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    commented = generate_site(options, defer=True)
    assert commented.catalog.experiments["deep"] == deep
    changed = {page for page, key in commented.site.page_keys.items() if fresh.site.page_keys.get(page) != key}
    assert "experiments/deep.md" in changed
