"""The quick schema test never says yes where jsonschema finds an error, and says yes to ordinary records."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jsonschema.validators
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from mlreport.records.common import _jsonable
from mlreport.records.conforms import conforms
from mlreport.records.marked_yaml import parse_yaml, split_front_matter
from mlreport.schema import SCHEMAS

FIXTURES = Path(__file__).parent.parent / "fixtures"


@lru_cache(maxsize=None)
def validator(kind: str):
    cls = jsonschema.validators.validator_for(SCHEMAS[kind])
    return cls(SCHEMAS[kind], format_checker=cls.FORMAT_CHECKER)


def jsonschema_valid(kind: str, data) -> bool:
    return validator(kind).is_valid(data)


TEXT = st.one_of(st.text(max_size=6), st.sampled_from(
    ["2026-01-02", "2026-13-01", "2026-1-2", "2026-01-02\n", "０１２３-01-02", "", "a", "XGBoost Run", "run-1",
     "completed", "production", "shap", "proposed", "test.accuracy", "extra_gated_x"]))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=True), st.just(1.0), TEXT)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.one_of(TEXT, st.sampled_from(["name", "experiment", "metrics",
                                                                                  "title", "url", "metric",
                                                                                  "target"])),
                                                 inner, max_size=3)), max_leaves=8)


def records(kind: str):
    keys = st.one_of(st.sampled_from(sorted(SCHEMAS[kind]["properties"])), TEXT)
    return st.dictionaries(keys, VALUES, max_size=6)


@pytest.mark.parametrize("kind", sorted(SCHEMAS))
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_yes_is_always_jsonschema_s_yes(kind: str, data) -> None:
    record = data.draw(records(kind))
    if conforms(kind, record):
        assert jsonschema_valid(kind, record), record


def _documents() -> list[tuple[str, str, dict]]:
    found = []
    for path in sorted(FIXTURES.rglob("*")):
        if not path.is_file() or path.is_symlink() or path.suffix not in (".yaml", ".md"):
            continue
        try:
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".yaml":
                document = parse_yaml(text, path.name)
            else:
                document = split_front_matter(text, path.name)[0]
        except Exception:  # the broken fixtures: not records at all
            continue
        if document is None or not document.data:
            continue
        kind = "experiment" if path.suffix == ".yaml" else "decision" if "decisions" in path.parts else "model"
        found.append((kind, path.relative_to(FIXTURES).as_posix(), _jsonable(document.data)))
    return found


def test_the_fixture_records_get_jsonschema_s_verdict_and_valid_ones_a_quick_yes() -> None:
    documents = _documents()
    assert len(documents) > 30
    said_yes = 0
    for kind, name, data in documents:
        valid = jsonschema_valid(kind, data)
        quick = conforms(kind, data)
        assert not quick or valid, name
        said_yes += quick
        # The records people write conform to the quick test whenever they conform to the schema.
        assert quick == valid, name
    assert said_yes > 20


def test_the_quick_test_judges_each_keyword_as_jsonschema() -> None:
    good = {"title": "Run", "date": "2026-01-02", "metrics": {"test": {"accuracy": 0.9}, "loss": 1},
            "history": {"loss": [[1, 0.5], [2, 0.25]]}, "dataset": {"name": "d", "version": 3},
            "links": [{"title": "t", "url": "u"}], "explanations": {"method": "shap"}}
    assert conforms("experiment", good) and jsonschema_valid("experiment", good)
    for change in ({"date": "2026-13-01"}, {"title": ""}, {"id": "Not An Id"}, {"status": "done"},
                   {"metrics": {"a": "0.9"}}, {"metrics": {"a": True}}, {"history": {"loss": [[1, 2, 3]]}},
                   {"dataset": {"name": "d", "extra": 1}}, {"dataset": {"version": "1"}}, {"tags": "a"},
                   {"links": [{"title": "t"}]}, {"explanations": {"method": "guess"}}):
        broken = {**good, **change}
        assert not conforms("experiment", broken) and not jsonschema_valid("experiment", broken), change
    del good["date"]
    assert not conforms("experiment", good)
    assert conforms("model", {"name": "m", "extra_gated_prompt": [1]})
    assert not conforms("model", {"name": "m", "evaluations": [{"experiment": "e", "other": 1}]})
