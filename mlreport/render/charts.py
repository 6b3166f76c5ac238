"""Plotly chart specs as plain data, written as JSON data files that `mlreport.js` fetches and draws.

Specs carry data and structure only; the script applies the palette (light or dark) and the
fonts when it draws, so charts follow Material's theme toggle. Every label from a record is
escaped here, because Plotly reads a few HTML tags in labels. Pages hold only a container naming
the spec's file: a page stays small however many points its charts draw.
"""

from __future__ import annotations

import html
import math
from typing import Any, Iterable, Sequence

from markupsafe import Markup

from mlreport.leaderboards import RankedEntry, RankedBoard
from mlreport.metrics import is_number
from mlreport.records import Experiment
from mlreport.render import safe
from mlreport.render.site import DATA, Site

SPLIT_PREFIXES = ("train", "training", "val", "valid", "validation", "eval", "dev", "test")
"""History series named `<split>.<metric>` are drawn together on one chart per metric."""
MAX_PARCOORDS_PARAMS = 8
MAX_CURVE_POINTS = 2_000
"""Points a training curve's chart draws: longer series are downsampled for it (LTTB); the experiment's
data file keeps every point."""


def label(value: Any) -> str:
    """Record text as a Plotly label: tags Plotly would interpret are shown as text."""
    return html.escape(str(value), quote=False)


def add_chart(site: Site, page: str, name: str, spec: dict[str, Any], css_class: str = "") -> Markup:
    """Write a chart's spec as a data file beside the page's others; the HTML the page holds for it."""
    data_file = f"{DATA}/charts/{page.removesuffix('.md')}/{name}.json"
    site.add_json(data_file, spec)
    extra = f" {css_class}" if css_class else ""
    return Markup(f'<div class="mlr-chart{extra}" data-mlr-chart="{safe.text(data_file)}"></div>')


def lttb(points: Sequence[tuple[float, float]], limit: int) -> Sequence[tuple[float, float]]:
    """At most `limit` points that keep a curve's shape (largest-triangle-three-buckets, Steinarsson 2013).

    The first and last points stay; between them, each of `limit - 2` equal buckets keeps the point
    that spans the largest triangle with the point kept before it and the mean of the next bucket,
    so peaks and dips survive where every n-th point would skip them.
    """
    if len(points) <= limit or limit < 3:
        return points
    kept = [points[0]]
    width = (len(points) - 2) / (limit - 2)
    previous = points[0]
    for bucket in range(limit - 2):
        start, end = int(bucket * width) + 1, int((bucket + 1) * width) + 1
        following = points[end:min(int((bucket + 2) * width) + 1, len(points))]
        mean_x = sum(x for x, _ in following) / len(following)
        mean_y = sum(y for _, y in following) / len(following)
        px, py = previous
        previous = max(points[start:end],
                       key=lambda p: abs((px - mean_x) * (p[1] - py) - (px - p[0]) * (mean_y - py)))
        kept.append(previous)
    kept.append(points[-1])
    return kept


def best_so_far(board: RankedBoard, urls: dict[str, str]) -> dict[str, Any]:
    """Every ranked run as a point over time, and the best value so far as a step line."""
    dated = [entry for entry in board.entries if entry.experiment.date]
    runs = sorted(dated, key=lambda e: (e.experiment.date, e.experiment.id))
    metric = label(board.definition.metric)
    points = {
        "type": "scatter", "mode": "markers", "name": "runs",
        "x": [e.experiment.date.isoformat() for e in runs],
        "y": [e.value for e in runs],
        "text": [label(e.experiment.title) for e in runs],
        "customdata": [urls[e.experiment.id] for e in runs],
        "hovertemplate": "%{text}<br>%{x}: %{y}<extra></extra>",
        "marker": {"size": 8, "role": "muted"},
    }
    steps = [(day, value, run) for day, value, run in board.best_so_far if day]
    best = {
        "type": "scatter", "mode": "lines+markers", "name": "best so far",
        "x": [day for day, _, _ in steps], "y": [value for _, value, _ in steps],
        "line": {"shape": "hv", "width": 3, "role": "accent"},
        "marker": {"size": 10, "role": "accent"},
        "text": [label(run) for _, _, run in steps],
        "customdata": [urls[run] for _, _, run in steps],
        "hovertemplate": "best so far: %{y}<br>%{text} (%{x})<extra></extra>",
    }
    return {"data": [points, best], "link": True,
            "layout": {"xaxis": {"type": "date", "title": {"text": "date"}},
                       "yaxis": {"title": {"text": metric}}}}


def parallel_coordinates(board: RankedBoard) -> tuple[dict[str, Any], int] | None:
    """Numeric parameters against the board's metric, and how many runs it shows; None without any.

    Runs record different parameters (a GBM and a logistic regression share few), so it keeps the
    parameters most runs record and shows the runs that record all of them.
    """
    names, entries = shared_numeric_params(list(board.entries))
    if not names:
        return None
    dimensions = [{"label": label(name), "values": [float(e.experiment.params[name]) for e in entries]}
                  for name in names]
    values = [entry.value for entry in entries]
    dimensions.append({"label": label(board.definition.metric), "values": values})
    # Better runs are always drawn in the bright end of the scale, whatever the goal.
    line = {"color": values, "colorscale": "Viridis", "reversescale": board.goal == "min", "showscale": True}
    return {"data": [{"type": "parcoords", "line": line, "dimensions": dimensions}], "layout": {}}, len(entries)


def shared_numeric_params(entries: list[RankedEntry]) -> tuple[list[str], list[RankedEntry]]:
    """Up to MAX_PARCOORDS_PARAMS numeric parameters that vary, and the runs that record all of them.

    Parameters are taken most-recorded first, each only if at least half the runs (and three)
    still record every parameter taken.
    """
    enough = max(3, math.ceil(len(entries) / 2))
    counts: dict[str, int] = {}
    for entry in entries:
        for name, value in entry.experiment.params.items():
            if is_number(value):
                counts[name] = counts.get(name, 0) + 1
    chosen: list[str] = []
    kept = entries
    for name in sorted(counts, key=lambda n: (-counts[n], n)):
        having = [e for e in kept if is_number(e.experiment.params.get(name))]
        if len(having) >= enough and len({e.experiment.params[name] for e in having}) > 1:
            chosen.append(name)
            kept = having
        if len(chosen) == MAX_PARCOORDS_PARAMS:
            break
    # A parameter taken early may no longer vary among the runs that remain.
    chosen = [name for name in chosen if len({e.experiment.params[name] for e in kept}) > 1]
    return chosen, kept if chosen else []


def training_curves(experiments: Iterable[Experiment]) -> list[dict[str, Any]]:
    """One chart per metric, its train/val/… series overlaid; several experiments overlay too."""
    experiments = list(experiments)
    groups: dict[str, list[dict[str, Any]]] = {}
    for experiment in experiments:
        for name, series in sorted(experiment.history.items()):
            group, split = curve_group(name)
            trace_name = split or name
            if len(experiments) > 1:
                trace_name = f"{experiment.id} · {trace_name}" if split else experiment.id
            drawn = lttb(series, MAX_CURVE_POINTS)
            groups.setdefault(group, []).append({
                "type": "scatter", "mode": "lines", "name": label(trace_name),
                "x": [step for step, _ in drawn], "y": [value for _, value in drawn],
                "hovertemplate": f"{label(trace_name)}<br>step %{{x}}: %{{y}}<extra></extra>",
            })
    return [{"data": traces, "layout": {"title": {"text": label(group)},
                                        "xaxis": {"title": {"text": "step"}},
                                        "yaxis": {"title": {"text": label(group)}},
                                        "showlegend": len(traces) > 1}}
            for group, traces in sorted(groups.items())]


def curve_group(name: str) -> tuple[str, str]:
    """`val.logloss` → (`logloss`, `val`); names without a split prefix are their own group."""
    head, _, rest = name.partition(".")
    if rest and head.lower() in SPLIT_PREFIXES:
        return rest, head
    return name, ""

