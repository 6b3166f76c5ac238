"""Plotly chart specs as plain data, written as JSON data files (one a page) that `charts.js` fetches and draws.

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

from mlreport.config import Kpi
from mlreport.kpis import Reading
from mlreport.leaderboards import RankedEntry, RankedBoard
from mlreport.metrics import is_number
from mlreport.records import Experiment
from mlreport.records.experiment import Explanations
from mlreport.render import safe
from mlreport.render.site import DATA, Site

TOP_FEATURES = 20
"""Features drawn in an importance chart; the rest are listed, folded, below it."""
SPLIT_PREFIXES = ("train", "training", "val", "valid", "validation", "eval", "dev", "test")
"""History series named `<split>.<metric>` are drawn together on one chart per metric."""
PARCOORDS_DRAWN_RUNS = 300
"""Parallel coordinates of more runs are drawn on request only: plotly.js draws them in one task of
seconds, in which the page answers nothing (their runs are listed meanwhile)."""
PARCOORDS_LINES = 1_000
"""Runs parallel coordinates draw as lines at most, the best ones: more are unreadable, slow to draw, and
would make the chart's data file megabytes."""
MAX_PARCOORDS_PARAMS = 8
"""Parameter axes a parallel coordinates chart draws at most, besides the rank and the metric."""
MAX_PROGRESS_POINTS = 1_000
"""Runs a leaderboard's progress chart (and a KPI's trend) draws as points at most: SVG markers cost the browser seconds
to paint by the ten thousand (3–4 s for 10,000 in headless Chromium); more runs are thinned to the
best and worst of each stretch of time, and the best-so-far line keeps every step."""
MAX_CURVE_POINTS = 2_000
"""Points a training curve's chart draws: longer series are downsampled for it (LTTB); the experiment's
data file keeps every point."""


def label(value: Any) -> str:
    """Record text as a Plotly label: tags Plotly would interpret are shown as text."""
    return html.escape(str(value), quote=False)


def chart_file(page: str) -> str:
    """The data file holding a page's chart specs, by chart name."""
    return f"{DATA}/charts/{page.removesuffix('.md')}.json"


def add_chart(site: Site, page: str, name: str, spec: dict[str, Any], css_class: str = "",
              on_request: bool = False) -> Markup:
    """Add a chart's spec to the page's chart file (`chart_file`), under its name; the HTML the page holds for it.

    A chart `on_request` is drawn only when a reader asks for it (a button); parallel coordinates
    only, whose runs are listed meanwhile.
    """
    data_file = chart_file(page)
    site.add_json_part(data_file, name, spec)
    extra = f" {css_class}" if css_class else ""
    # The trace types tell the script which of plotly.js's bundles the page needs, before any spec is fetched.
    traces = " ".join(sorted({trace["type"] for trace in spec["data"]}))
    draw = ' data-mlr-draw="request"' if on_request else ""
    return Markup(f'<div class="mlr-chart{extra}" data-mlr-chart="{safe.text(data_file)}" '
                  f'data-mlr-chart-part="{safe.text(name)}" data-mlr-traces="{safe.text(traces)}"{draw}></div>')


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


def envelope(values: Sequence[float], limit: int) -> list[int]:
    """The positions of at most `limit` values that keep the spread of a series: of each of `limit // 2`
    equal stretches, its lowest and its highest (in their order). A short series is kept whole."""
    if len(values) <= limit:
        return list(range(len(values)))
    stretches = max(1, limit // 2)
    width = len(values) / stretches
    kept: list[int] = []
    for stretch in range(stretches):
        span = range(int(stretch * width), int((stretch + 1) * width))
        if not span:
            continue
        low = min(span, key=lambda at: values[at])
        high = max(span, key=lambda at: values[at])
        kept.extend(sorted({low, high}))
    return kept


def points_name(drawn: int, total: int) -> str:
    """The legend of a chart's run points: how many of how many, when they were thinned (`envelope`)."""
    return "runs" if drawn == total else f"runs ({drawn:,} of {total:,}: each stretch's best and worst)"


def best_so_far(board: RankedBoard, urls: dict[str, str]) -> dict[str, Any]:
    """Ranked runs as points over time (at most MAX_PROGRESS_POINTS: the best and worst of each stretch
    of time), and the best value so far as a step line."""
    dated = [entry for entry in board.entries if entry.experiment.date]
    runs = sorted(dated, key=lambda e: (e.experiment.date, e.experiment.id))
    runs = [runs[at] for at in envelope([e.value for e in runs], MAX_PROGRESS_POINTS)] if runs else []
    metric = label(board.definition.metric)
    points = {
        "type": "scatter", "mode": "markers", "name": points_name(len(runs), len(dated)),
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


TARGET_FILL = "rgba(46, 160, 67, 0.16)"
WARN_FILL = "rgba(215, 162, 41, 0.16)"
"""The target band and the warning band: translucent, so they read on a light and a dark page alike."""


def kpi_trend(reading: Reading, urls: dict[str, str]) -> dict[str, Any] | None:
    """A KPI over time: each run in scope by date, the production value as a step line, the target as a band.

    None when no dated run reports the metric.
    """
    runs = [run for run in reading.runs if run.date]
    if not runs:
        return None
    kpi = reading.kpi
    days = [run.date.isoformat() for run in runs]
    values = [run.metrics[kpi.metric] for run in runs]
    first, last = days[0], days[-1]
    data: list[dict[str, Any]] = [
        _band(kpi.target.threshold, _outer(kpi.target.goal, values, kpi), first, last, TARGET_FILL,
              f"target {kpi.target}"),
    ]
    if kpi.warn is not None:
        data.append(_band(kpi.warn.threshold, kpi.target.threshold, first, last, WARN_FILL, f"at risk {kpi.warn}"))
    kept = envelope(values, MAX_PROGRESS_POINTS)  # SVG markers by the thousand take seconds to paint
    data.append({
        "type": "scatter", "mode": "markers", "name": points_name(len(kept), len(runs)),
        "x": [days[at] for at in kept], "y": [values[at] for at in kept],
        "text": [label(runs[at].title) for at in kept], "customdata": [urls[runs[at].id] for at in kept],
        "hovertemplate": "%{text}<br>%{x}: %{y}<extra></extra>", "marker": {"size": 8, "role": "muted"},
    })
    if reading.value is not None:
        since = reading.source.date if reading.source and reading.source.date else None
        start = min(since.isoformat(), last) if since else first
        data.append({
            "type": "scatter", "mode": "lines", "name": label(f"production: {reading.card.title}"),
            "x": [start, last], "y": [reading.value, reading.value],
            "line": {"shape": "hv", "width": 3, "role": "accent"},
            "hovertemplate": "production: %{y}<extra></extra>",
        })
    unit = f" ({kpi.unit})" if kpi.unit else ""
    return {"data": data, "link": True,
            "layout": {"xaxis": {"type": "date", "title": {"text": "date"}},
                       "yaxis": {"title": {"text": label(kpi.metric + unit)}}}}


def _outer(goal: str, values: list[float], kpi: Kpi) -> float:
    """Where the target band ends: beyond every value on the side that meets the target."""
    marks = [*values, kpi.target.threshold] + ([kpi.warn.threshold] if kpi.warn else [])
    span = (max(marks) - min(marks)) or abs(kpi.target.threshold) or 1.0
    return min(marks) - span * 0.1 if goal == "min" else max(marks) + span * 0.1


def _band(edge: float, other: float, first: str, last: str, fill: str, name: str) -> dict[str, Any]:
    return {"type": "scatter", "mode": "lines", "name": label(name), "x": [first, last, last, first, first],
            "y": [edge, edge, other, other, edge], "fill": "toself", "fillcolor": fill, "line": {"width": 0},
            "hoverinfo": "skip"}


def parallel_coordinates(board: RankedBoard, urls: dict[str, str]) -> dict[str, Any] | None:
    """Ranked runs as lines across their rank, the parameters that vary and the metric; None without any.

    Every run up to PARCOORDS_LINES; of more, the best PARCOORDS_LINES (`total` says how many there are).

    Numeric parameters are numeric axes; text, true/false and list values are category axes (their
    values as ticks). A run that does not record a parameter crosses that axis at "not recorded",
    so every run is drawn. Lines are coloured by the metric, better runs stronger (a dark page swaps
    in its own scale), and the best run is drawn last (on top) in its own colour. `runs` names each line for the script's list of
    runs (and the phone's table), values as shown, never HTML.
    """
    entries = list(board.entries)
    names = parcoords_params(entries)
    if not names:
        return None
    total = len(entries)
    entries = entries[:PARCOORDS_LINES]
    count = len(entries)
    order = entries[::-1]  # the best drawn last, on top of the others
    dimensions = [_rank_axis(order, count)]
    dimensions += [_param_axis(name, [e.experiment.params.get(name) for e in order]) for name in names]
    values = [e.value for e in order]
    dimensions.append({"label": label(board.definition.metric), "values": values})
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    # Runs from the worst to the second best share the scale's first 90 %; the best alone is at 1.
    shade = [0.9 * ((v - low) / span if board.goal != "min" else (high - v) / span) for v in values]
    shade[-1] = 1.0
    line = {"color": shade, "cmin": 0, "cmax": 1, "showscale": False, "colorscale": PARCOORDS_SCALE}
    runs = [{"rank": e.rank, "id": e.experiment.id, "title": e.experiment.title or e.experiment.id,
             "url": urls[e.experiment.id], "value": e.value,
             "params": [_shown(e.experiment.params.get(name)) for name in names]} for e in entries]
    return {"data": [{"type": "parcoords", "line": line, "dimensions": dimensions,
                      "unselected": {"line": {"opacity": 0.08}}}],
            "layout": {}, "parcoords": {"metric": board.definition.metric, "goal": board.goal,
                                        "params": names, "runs": runs, "shown": RUNS_SHOWN, "total": total,
                                        "dark_colorscale": PARCOORDS_SCALE_DARK}}


PARCOORDS_SCALE = [[0.0, "#c6dbef"], [0.45, "#4292c6"], [0.9, "#08306b"], [0.9001, "#e15759"], [1.0, "#e15759"]]
"""On a light page: pale to deep blue for the runs by their metric, the better the stronger, and a red of
its own for the best run."""
PARCOORDS_SCALE_DARK = [[0.0, "#3b528b"], [0.45, "#21918c"], [0.9, "#fde725"], [0.9001, "#e15759"],
                        [1.0, "#e15759"]]
"""On a dark page: Viridis' blues to yellows, the better the brighter, and the same red for the best run."""
NOT_RECORDED = "not recorded"
MAX_CATEGORIES = 12
MAX_TICK = 16
RUNS_SHOWN = 25
"""Runs the list under parallel coordinates shows at most, the best first (of those the axis filters keep)."""
"""A text parameter with more distinct values than this (paths, free text) makes no readable axis."""


def parcoords_params(entries: list[RankedEntry]) -> list[str]:
    """Up to MAX_PARCOORDS_PARAMS parameters that vary between the runs, the most recorded first.

    A parameter counts when at least a third of the runs (and two) record it and it takes more
    than one value; a text parameter only with at most MAX_CATEGORIES values.
    """
    enough = max(2, math.ceil(len(entries) / 3))
    seen: dict[str, list[Any]] = {}
    for entry in entries:
        for name, value in entry.experiment.params.items():
            seen.setdefault(name, []).append(value)
    chosen = []
    for name in sorted(seen, key=lambda n: (-len(seen[n]), n)):
        shown = {_shown(value) for value in seen[name]}
        numeric = all(is_number(value) for value in seen[name])
        if len(seen[name]) >= enough and len(shown) > 1 and (numeric or len(shown) <= MAX_CATEGORIES):
            chosen.append(name)
    return chosen[:MAX_PARCOORDS_PARAMS]


def _shown(value: Any) -> str | None:
    """A parameter's value as text (lists joined), None when the run does not record it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return str(value)


def _rank_axis(order: list[RankedEntry], count: int) -> dict[str, Any]:
    """The first axis: each run at its rank, the best at the top, so a line can be traced to its run."""
    ticks = sorted({1, count, *range(1, count + 1, max(1, math.ceil(count / 8)))})
    return {"label": "rank", "values": [count + 1 - e.rank for e in order],
            "tickvals": [count + 1 - rank for rank in ticks], "ticktext": [f"#{rank}" for rank in ticks],
            "range": [0.5, count + 0.5]}


def _param_axis(name: str, values: list[Any]) -> dict[str, Any]:
    """A parameter's axis: numeric, or one tick per category; a missing value at "not recorded"."""
    missing = any(value is None for value in values)
    if all(value is None or is_number(value) for value in values):
        numbers = [float(value) for value in values if value is not None]
        low, high = min(numbers), max(numbers)
        if not missing:
            return {"label": label(name), "values": numbers}
        # Below the recorded range, a tick of its own; the recorded range keeps five ticks.
        gap = low - (high - low) * 0.2
        ticks = [low + (high - low) * step / 4 for step in range(5)]
        return {"label": label(name), "values": [gap if value is None else float(value) for value in values],
                "tickvals": [gap, *ticks], "ticktext": [NOT_RECORDED, *(f"{tick:.4g}" for tick in ticks)]}
    shown = [_shown(value) for value in values]
    categories = sorted({text for text in shown if text is not None}, key=_category_key)
    if missing:
        categories.append(NOT_RECORDED)
    where = {text: index for index, text in enumerate(categories)}
    return {"label": label(name), "values": [where[NOT_RECORDED if text is None else text] for text in shown],
            "tickvals": list(range(len(categories))), "ticktext": [label(_tick(text)) for text in categories],
            "range": [-0.5, len(categories) - 0.5] if len(categories) > 1 else [-1, 1]}


def _tick(text: str) -> str:
    """A category as an axis tick: long values are cut (the list of runs shows them whole), so ticks never
    run over the next axis."""
    return text if len(text) <= MAX_TICK else text[:MAX_TICK - 1] + "…"


def _category_key(text: str) -> tuple[int, float, str]:
    """Categories in order: numbers by value (a parameter may mix `8` and `auto`), then text."""
    try:
        return 0, float(text), text
    except ValueError:
        return 1, 0.0, text


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



def importance_block(site: Site, page: str, experiment: Experiment) -> Markup | None:
    """An experiment's importance chart on a page (its own, or a card's); None when it records no importances."""
    spec = feature_importance(experiment.explanations) if experiment.explanations else None
    return add_chart(site, page, f"importance-{experiment.id}", spec, "mlr-importance") if spec else None


def feature_importance(explanations: Explanations) -> dict[str, Any] | None:
    """The top features as a horizontal bar chart, the largest on top; None without importances."""
    top = explanations.feature_importance[:TOP_FEATURES]
    if not top:
        return None
    measured = f"importance ({explanations.method})" if explanations.method else "importance"
    return {"data": [{"type": "bar", "orientation": "h", "x": [value for _, value in top],
                      "y": [label(name) for name, _ in top], "marker": {"role": "accent"},
                      "hovertemplate": "%{y}: %{x}<extra></extra>"}],
            # Features read top-down from the largest; the height grows with them, so labels never overlap.
            "layout": {"yaxis": {"autorange": "reversed", "automargin": True, "type": "category"},
                       "xaxis": {"title": {"text": label(measured)}},
                       "height": 80 + 22 * len(top), "showlegend": False}}
