"""Chart data: long curves downsampled for drawing, keeping their shape."""

from __future__ import annotations

import math

from mlreport.render.charts import MAX_CURVE_POINTS, lttb, training_curves
from mlreport.records import Experiment


def test_lttb_keeps_the_ends_and_the_peaks_in_as_many_points_as_asked() -> None:
    points = [(float(n), math.sin(n / 500)) for n in range(100_000)]
    points[61_234] = (61_234.0, 9.0)  # one spike that every-n-th-point sampling would skip
    drawn = lttb(points, 1_000)
    assert len(drawn) == 1_000
    assert (drawn[0], drawn[-1]) == (points[0], points[-1])
    assert (61_234.0, 9.0) in drawn
    assert [x for x, _ in drawn] == sorted(x for x, _ in drawn)
    # The shape: the lowest and highest of the sine stay within a hair of the full curve's.
    assert min(y for _, y in drawn) < -0.999 and max(y for x, y in drawn if x != 61_234.0) > 0.999


def test_lttb_leaves_short_curves_whole() -> None:
    points = [(0.0, 1.0), (1.0, 0.5), (2.0, 0.25)]
    assert lttb(points, 2_000) == points


def test_training_curves_draw_at_most_the_limit_while_the_record_keeps_every_point() -> None:
    series = tuple((float(n), 1 / (n + 1)) for n in range(50_000))
    run = Experiment(id="long", title="Long", path="experiments/long.yaml", history={"val.loss": series})
    (chart,) = training_curves([run])
    assert len(chart["data"][0]["x"]) == MAX_CURVE_POINTS and len(run.history["val.loss"]) == 50_000
