"""Metric semantics, defined once: direction, differences, verdicts and how numbers read."""

from __future__ import annotations

import math

import pytest

from mlreport.metrics import best, delta, delta_verdict, format_delta, format_value, goal_of, is_number, verdict


@pytest.mark.parametrize(("metric", "goal"), [
    ("test.accuracy", "max"), ("val.loss", "min"), ("test.rmse", "min"), ("ops.latency_p99_ms", "min"),
    ("business.fraud_loss_bps", "min"), ("business.false_decline_rate", "min"), ("test.wer", "min"),
    ("test.recall_at_1pct_fpr", "max"), ("test.precision_at_k", "max"), ("test.pr_auc", "max"),
    ("perplexity", "min"), ("business.revenue_uplift", "max"),
])
def test_metric_direction_is_inferred_from_the_name(metric: str, goal: str) -> None:
    assert goal_of(metric) == goal


def test_configured_direction_wins_over_the_name() -> None:
    assert goal_of("val.loss", {"val.loss": "max"}) == "max"
    assert goal_of("test.accuracy", {"test.accuracy": "min"}) == "min"


@pytest.mark.parametrize(("value", "expected"), [
    (1, True), (0.5, True), (True, False), (math.nan, False), (math.inf, False), ("1", False), (None, False),
])
def test_numbers_are_finite_ints_and_floats(value: object, expected: bool) -> None:
    assert is_number(value) is expected


def test_delta_drops_float_noise_and_needs_two_numbers() -> None:
    assert delta(0.9235, 0.9123) == 0.0112
    assert delta(0.5, None) is None and delta(math.nan, 0.1) is None


@pytest.mark.parametrize(("value", "than", "goal", "expected"), [
    (0.9, 0.8, "max", "better"), (0.9, 0.8, "min", "worse"), (0.8, 0.8, "min", "same"),
    (0.8, None, "max", ""), (0.8, 0.7, "", ""),
])
def test_verdict_follows_the_goal(value: float, than: float | None, goal: str, expected: str) -> None:
    assert verdict(value, than, goal) == expected


def test_a_difference_that_rounds_to_nothing_is_the_same() -> None:
    assert delta_verdict(0.00001 - 0.00001, "max") == "same" and format_delta(0.0) == "±0"
    assert delta_verdict(-0.1, "min") == "better" and delta_verdict(None, "max") == ""


def test_best_picks_by_direction() -> None:
    assert best([0.3, 0.1, 0.2], "min") == 0.1 and best([0.3, 0.1], "max") == 0.3 and best([], "max") is None


@pytest.mark.parametrize(("value", "shown"), [
    (0.671, "0.671"), (7.0, "7"), (1843211, "1,843,211"), (0.0009, "0.0009"), (12345.678, "12,345.7"),
    (0.123456, "0.1235"), (math.nan, "—"), (-math.inf, "—"),
])
def test_values_read_the_same_everywhere(value: float, shown: str) -> None:
    assert format_value(value) == shown


@pytest.mark.parametrize(("difference", "shown"), [(0.007, "+0.007"), (-0.1, "-0.1"), (0.01234, "+0.0123")])
def test_differences_are_signed(difference: float, shown: str) -> None:
    assert format_delta(difference) == shown
