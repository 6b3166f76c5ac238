"""Problems: the one user-facing error type, and how it is written for people, CI and tools."""

from __future__ import annotations

import json

import pytest
import yaml

from mlreport.problems import Problem, describe, did_you_mean, excerpt, format_problems, yaml_problem


def test_text_is_the_shape_editors_and_ci_understand() -> None:
    problem = Problem("experiments/a.yaml", 3, 7, "error", "`status` must be one of …", "did you mean `completed`?")
    assert problem.format_text() == ("experiments/a.yaml:3:7: error: `status` must be one of … "
                                     "(did you mean `completed`?)")


def test_text_stays_one_line_without_terminal_escapes_whatever_a_record_holds(repo, cli) -> None:
    repo.write("experiments/a.yaml", 'title: A\ndate: 2026-01-05\n"x\\ry\\u2028\\e[31m": 1\n')
    assert cli("validate", "--root", repo.path).stdout.splitlines() == [
        "experiments/a.yaml:3:1: warning: unknown key `x\\ry\\u2028\\x1b[31m` "
        "(team-specific fields belong under `extra:`)"]


def test_github_annotations_escape_what_would_end_a_property_or_the_message() -> None:
    problem = Problem("a,b:c.yaml", 1, 2, "warning", "100% wrong\nsecond line")
    assert problem.format_github() == "::warning file=a%2Cb%3Ac.yaml,line=1,col=2,title=mlreport::100%25 wrong%0Asecond line"


def test_json_lists_every_field_sorted_by_place() -> None:
    problems = [Problem("b.yaml", 1), Problem("a.yaml", 9, message="x")]
    assert [p["path"] for p in json.loads(format_problems(problems, "json"))] == ["a.yaml", "b.yaml"]


@pytest.mark.parametrize(("found", "choices", "hint"), [
    ("histroy", ["history", "strict"], "did you mean `history`?"),
    ("Completed", ["completed", "failed"], "did you mean `completed`?"),
    ("zzz", ["history"], ""),
])
def test_did_you_mean(found: str, choices: list[str], hint: str) -> None:
    assert did_you_mean(found, choices) == hint


@pytest.mark.parametrize(("value", "shown"), [
    (None, "nothing"), (True, "boolean true"), ("x" * 50, f"string '{'x' * 37}…'"), (3, "number 3"),
    ([1, 2], "a list of 2"), ({}, "a mapping"),
])
def test_found_values_are_described_briefly(value: object, shown: str) -> None:
    assert describe(value) == shown


def test_a_bracket_left_open_is_reported_where_it_opens() -> None:
    with pytest.raises(yaml.MarkedYAMLError) as caught:
        yaml.safe_load("title: [a, b\ndate: 2026-01-01\n")
    problem = yaml_problem(caught.value, "x.yaml")
    assert (problem.line, problem.column) == (1, 8) and "`[` list starts here" in problem.message


def test_excerpt_escapes_and_cuts() -> None:
    assert excerpt("short") == "'short'"
    assert excerpt("a\nb\x00c\x1b") == "'a\\nb\\x00c\\x1b'"
    assert excerpt("x" * 500) == "'" + "x" * 60 + "…'"
    assert excerpt("`a`\n", quoted=False) == "`a`\\n"
