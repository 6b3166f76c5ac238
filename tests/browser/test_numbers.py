"""The browser writes numbers by the rules mlreport/metrics.py gives it, not by a copy of its own."""

from __future__ import annotations

import pytest

import re

from mlreport.metrics import format_value
from mlreport.render.site import delta

from .sites import BuiltSite

pytestmark = pytest.mark.browser

VALUES = [0.671, 7.0, 1843211, 0.0009, 12345.678, 0.123456, 0.74213, -3.25, 999.95]
DELTAS = [0.007, -0.1, 0.01234, -0.00041, 12.5]


def test_tables_format_numbers_and_deltas_as_the_pages_do(demo: BuiltSite, tabs) -> None:
    tab = tabs(demo)
    tab.goto("experiments/")
    metric = max(demo.catalog.metric_places, key=lambda name: (demo.catalog.metric_places[name], name))
    places = demo.catalog.places(metric)
    shown = tab.page.evaluate("""([values, deltas, metric]) => ({
      values: values.map(v => window.mlreport.formatNumber(v)),
      deltas: deltas.map(d => window.mlreport.deltaElement(d, "max").textContent),
      metric_values: values.map(v => window.mlreport.formatNumber(v, metric)),
      metric_deltas: deltas.map(d => window.mlreport.deltaElement(d, "max", metric).textContent),
    })""", [VALUES, DELTAS, metric])
    assert shown["values"] == [format_value(v) for v in VALUES]
    assert shown["deltas"] == [_text(delta(d, "max")) for d in DELTAS]
    # A metric's values and differences in its own decimal places, as the pages write them.
    assert shown["metric_values"] == [format_value(v, places) for v in VALUES]
    assert shown["metric_deltas"] == [_text(delta(d, "max", places)) for d in DELTAS]


def _text(markup: object) -> str:
    return re.sub(r"<[^>]+>", "", str(markup))
