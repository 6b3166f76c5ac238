"""The query language (mlreport/query.py) against the shared table of cases, on records read by the real loader."""

from __future__ import annotations

from typing import Any

import pytest

from mlreport.config import Options
from mlreport.query import QueryError, number_text, parse, parse_columns, parse_order, record_fields
from mlreport.records import load_records
from query_table import TABLE, write_case_records


@pytest.fixture(scope="module")
def case_fields(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    root = tmp_path_factory.mktemp("query-records")
    write_case_records(root)
    loaded = load_records(Options(root=root))
    assert not loaded.problems, loaded.problems
    assert len(loaded.experiments) == len(TABLE["records"])
    return [record_fields(experiment) for experiment in loaded.experiments]


def test_the_table_holds_over_a_hundred_cases_of_each_kind() -> None:
    cases = TABLE["cases"]
    assert len(cases) >= 100
    assert sum("error" in case for case in cases) >= 30
    assert len({case["q"] for case in cases}) == len(cases)


@pytest.mark.parametrize("case", TABLE["cases"], ids=lambda case: case["q"][:60])
def test_case(case: dict[str, Any], case_fields: list[dict[str, Any]]) -> None:
    if "error" in case:
        with pytest.raises(QueryError) as raised:
            parse(case["q"])
        assert [raised.value.column, raised.value.message] == case["error"]
        assert str(raised.value) == f"query:1:{case['error'][0]}: {case['error'][1]}"
    else:
        query = parse(case["q"])
        assert sorted(f["id"] for f in case_fields if query.matches(f)) == case["ids"]


def test_numbers_read_as_javascript_writes_them() -> None:
    # Both evaluators compare a number with text (LIKE, 'x' literals) through this text.
    assert [number_text(n) for n in (4.0, 0.001, 1e-7, 1.5e-7, 1e21, 1.5e21, 123456789012345680000.0, -0.0,
                                     0.1 + 0.2, 2.0 ** 60)] == [
        "4", "0.001", "1e-7", "1.5e-7", "1e+21", "1.5e+21", "123456789012345680000", "0",
        "0.30000000000000004", "1152921504606847000"]


def test_order_and_columns_name_fields_as_queries_do() -> None:
    order = parse_order("metrics.`test.pr_auc` DESC, date")
    assert [(field.kind, field.name, descending) for field, descending in order] == [
        ("metrics", "test.pr_auc", True), ("field", "date", False)]
    assert [f.text for f in parse_columns("id, params.`batch size`, tags.team")] == [
        "id", "params.`batch size`", "tags.team"]
    with pytest.raises(QueryError, match="expected ','"):
        parse_order("date desc asc")


def test_a_query_knows_the_fields_it_reads() -> None:
    query = parse("metrics.test.pr_auc > 0.7 and (status = 'completed' or metrics.test.pr_auc < 0.1)")
    assert [(f.kind, f.name) for f in query.fields] == [("metrics", "test.pr_auc"), ("field", "status")]


def test_a_parameter_mapping_with_number_and_text_keys_reads_as_json(repo) -> None:
    repo.write("experiments/a.yaml", "title: A\ndate: 2026-01-05\nparams:\n  layers: [{3: wide, a: relu}]\n")
    (experiment,) = load_records(Options(root=repo.path)).experiments
    assert record_fields(experiment)["params"] == {"layers": '[{"3":"wide","a":"relu"}]'}
