"""Chart data: long curves downsampled for drawing, keeping their shape; parallel coordinates of every run."""

from __future__ import annotations

import datetime as dt
import math

from typing import Any

from mlreport.config import Kpi, Leaderboard
from mlreport.kpis import Reading
from mlreport.leaderboards import RankedBoard, RankedEntry
from mlreport.metrics import parse_target
from mlreport.render.charts import (MAX_CATEGORIES, MAX_CURVE_POINTS, MAX_PROGRESS_POINTS, NOT_RECORDED, best_so_far,
                                    PARCOORDS_LINES, envelope, kpi_trend, lttb, parallel_coordinates,
                                    training_curves)
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


def _board(params: list[dict[str, Any]], goal: str = "max") -> RankedBoard:
    """A board of runs ranked in the given order (the first is the best), one per params mapping."""
    runs = [Experiment(id=f"run{n}", title=f"Run <{n}>", path=f"experiments/run{n}.yaml", params=p)
            for n, p in enumerate(params, start=1)]
    values = [0.9 - n / 100 if goal == "max" else 0.1 + n / 100 for n in range(len(runs))]
    entries = tuple(RankedEntry(n + 1, run, value, None, None) for n, (run, value) in enumerate(zip(runs, values)))
    return RankedBoard(Leaderboard(title="Board", metric="test.auc", goal=goal), goal, entries, ())


def _spec(board: RankedBoard) -> dict[str, Any]:
    spec = parallel_coordinates(board, {e.experiment.id: f"experiments/{e.experiment.id}/" for e in board.entries})
    assert spec is not None
    return spec


def test_parallel_coordinates_draw_every_run_the_best_last_in_its_own_colour() -> None:
    board = _board([{"lr": 0.1, "depth": 8}, {"lr": 0.05}, {"lr": 0.01, "depth": 4}, {"depth": 6}])
    spec = _spec(board)
    (trace,) = spec["data"]
    dims = {dim["label"]: dim for dim in trace["dimensions"]}
    assert list(dims) == ["rank", "depth", "lr", "test.auc"]
    # Every run, worst first, so the best is drawn on top; it alone has the top of the colour scale.
    assert dims["rank"]["values"] == [1, 2, 3, 4] and dims["test.auc"]["values"][-1] == 0.9
    assert trace["line"]["color"][-1] == 1 and max(trace["line"]["color"][:-1]) <= 0.9
    # A run that does not record a parameter crosses its axis at "not recorded", below the recorded range.
    lr = dims["lr"]
    assert lr["ticktext"][0] == NOT_RECORDED and lr["values"][0] == lr["tickvals"][0] < min(lr["values"][1:])
    assert [run["id"] for run in spec["parcoords"]["runs"]] == ["run1", "run2", "run3", "run4"]
    assert spec["parcoords"]["runs"][1]["params"] == [None, "0.05"]


def test_text_params_are_category_axes_escaped_for_plotly_and_free_text_is_left_out() -> None:
    params = [{"features": "v1+<b>velocity</b>", "note": f"free text {n}", "lr": 0.1 * n} for n in range(1, 15)]
    params[3]["features"] = "v1"
    spec = _spec(_board(params))
    dims = {dim["label"]: dim for dim in spec["data"][0]["dimensions"]}
    assert "note" not in dims, f"more than {MAX_CATEGORIES} distinct values make no readable axis"
    features = dims["features"]
    assert features["tickvals"] == [0, 1] and features["ticktext"] == ["v1", "v1+&lt;b&gt;velocity&lt;…"]
    assert features["values"][-4] == 0 and set(features["values"]) == {0, 1}
    # The list of runs carries values as shown, never HTML: the script writes them as text.
    assert spec["parcoords"]["runs"][0]["params"][spec["parcoords"]["params"].index("features")] == "v1+<b>velocity</b>"


def test_lower_is_better_still_gives_the_best_run_the_brightest_line() -> None:
    spec = _spec(_board([{"lr": 0.1}, {"lr": 0.2}, {"lr": 0.3}], goal="min"))
    colours = spec["data"][0]["line"]["color"]
    assert colours == sorted(colours) and colours[-1] == 1


def test_no_parallel_coordinates_without_a_parameter_that_varies() -> None:
    board = _board([{"lr": 0.1}, {"lr": 0.1}, {"other": 1}])
    assert parallel_coordinates(board, {e.experiment.id: "x/" for e in board.entries}) is None


def test_the_envelope_keeps_each_stretchs_lowest_and_highest_in_order() -> None:
    values = [math.sin(n / 50) for n in range(10_000)]
    values[7_777] = 5.0  # one run far better than the rest must stay visible
    kept = envelope(values, MAX_PROGRESS_POINTS)
    assert len(kept) <= MAX_PROGRESS_POINTS and kept == sorted(kept) and 7_777 in kept
    assert min(values[at] for at in kept) == min(values)
    assert envelope([0.3, 0.1, 0.2], MAX_PROGRESS_POINTS) == [0, 1, 2]


def test_the_progress_chart_thins_its_points_and_says_so_but_keeps_every_best_so_far_step() -> None:
    count = 3 * MAX_PROGRESS_POINTS
    runs = [Experiment(id=f"run{n}", title=f"Run {n}", path=f"experiments/run{n}.yaml",
                       date=dt.date(2026, 1, 1) + dt.timedelta(days=n // 10)) for n in range(count)]
    values = [(n * 7919 % count) / count for n in range(count)]
    ranked = sorted(zip(runs, values), key=lambda pair: -pair[1])
    entries = tuple(RankedEntry(n + 1, run, value, None, None) for n, (run, value) in enumerate(ranked))
    steps = ((runs[0].date.isoformat(), values[0], "run0"),)
    board = RankedBoard(Leaderboard(title="Board", metric="test.auc", goal="max"), "max", entries, steps)
    points, best = best_so_far(board, {run.id: f"experiments/{run.id}/" for run in runs})["data"]
    assert len(points["x"]) <= MAX_PROGRESS_POINTS and points["x"] == sorted(points["x"])
    assert points["name"] == f"runs ({len(points['x']):,} of {count:,}: each stretch's best and worst)"
    assert max(points["y"]) == max(values) and min(points["y"]) == min(values)
    assert best["x"] == [runs[0].date.isoformat()]


def test_parallel_coordinates_of_more_runs_than_they_draw_keep_the_best_and_say_how_many_there_are() -> None:
    count = PARCOORDS_LINES + 500
    spec = _spec(_board([{"lr": n / count, "depth": n % 7} for n in range(count)]))
    rank = spec["data"][0]["dimensions"][0]
    assert len(rank["values"]) == PARCOORDS_LINES and rank["range"] == [0.5, PARCOORDS_LINES + 0.5]
    info = spec["parcoords"]
    assert info["total"] == count and [run["rank"] for run in info["runs"]] == list(range(1, PARCOORDS_LINES + 1))
    assert len(spec["data"][0]["line"]["color"]) == PARCOORDS_LINES


def test_a_kpi_trend_of_thousands_of_runs_thins_its_points_but_keeps_its_span() -> None:
    count = 2 * MAX_PROGRESS_POINTS + 1
    runs = tuple(Experiment(id=f"run{n}", title=f"Run {n}", path=f"experiments/run{n}.yaml", status="completed",
                            date=dt.date(2026, 1, 1) + dt.timedelta(days=n // 20),
                            metrics={"ops.p99_ms": (n * 37) % 101}) for n in range(count))
    kpi = Kpi(metric="ops.p99_ms", title="p99", target=parse_target("<= 10"))
    spec = kpi_trend(Reading(kpi, "missed", runs=runs), {run.id: f"experiments/{run.id}/" for run in runs})
    assert spec is not None
    points = next(trace for trace in spec["data"] if trace["name"].startswith("runs"))
    assert len(points["x"]) <= MAX_PROGRESS_POINTS and points["x"] == sorted(points["x"])
    assert points["name"] == f"runs ({len(points['x']):,} of {count:,}: each stretch's best and worst)"
    assert (min(points["y"]), max(points["y"])) == (0, 100)
    assert spec["data"][0]["x"][0] == "2026-01-01"  # the target band still spans every run
