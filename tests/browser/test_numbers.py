"""The browser writes numbers by the rules mlreport/metrics.py gives it, not by a copy of its own."""

from __future__ import annotations

import pytest

from mlreport.metrics import format_delta, format_value

from .sites import BuiltSite

pytestmark = pytest.mark.browser

VALUES = [0.671, 7.0, 1843211, 0.0009, 12345.678, 0.123456, 0.74213, -3.25, 999.95]
DELTAS = [0.007, -0.1, 0.01234, -0.00041, 12.5]


def test_tables_format_numbers_and_deltas_as_the_pages_do(demo: BuiltSite, tabs) -> None:
    tab = tabs(demo)
    tab.goto("experiments/")
    shown = tab.page.evaluate("""([values, deltas]) => ({
      values: values.map(v => window.mlreport.formatNumber(v)),
      deltas: deltas.map(d => window.mlreport.deltaElement(d, "max").textContent),
    })""", [VALUES, DELTAS])
    assert shown["values"] == [format_value(v) for v in VALUES]
    assert shown["deltas"] == [format_delta(d) for d in DELTAS]
