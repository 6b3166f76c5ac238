"""A built site's experiments index and one leaderboard grown to many rows, in seconds.

Building a 10,000-experiment repo takes minutes; the browser's share of a large table (loading,
filtering, sorting, painting) only needs the table's data files to be that large. `grow` rewrites
the experiments index, the query data and a leaderboard of a site mlreport built, repeating its
rows under new ids (`<id>~<n>`, `<id>~b<n>` on the leaderboard) with every metric made distinct
(a sort has one right answer), and keeps every row's link pointing at its original experiment's page.
The leaderboard's charts grow with it as mlreport would draw them: the progress chart thinned to
the best and worst of each stretch of time, parallel coordinates with a line for each of the best
runs and, for that many runs, marked as drawn on request.

    python -m tests.browser.large SITE_DIR [ROWS]       (default 10,000 rows; grows the site in place)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from mlreport.render.charts import MAX_PROGRESS_POINTS, PARCOORDS_DRAWN_RUNS, PARCOORDS_LINES, envelope
from mlreport.render.site import DATA, QUERY_DATA

INDEX_DATA = f"{DATA}/experiments.json"
BOARDS = f"{DATA}/leaderboards"
ROWS = 10_000


def grow(site_dir: Path, rows: int = ROWS) -> dict[str, Any]:
    """Grow the site's tables to `rows` rows; returns what was written: the leaderboard's file, the
    query fields, the index rows and the board rows (site-relative files; rows as in the JSON)."""
    index = _read(site_dir / INDEX_DATA)
    fields = {row["id"]: row for row in _read(site_dir / QUERY_DATA)["rows"]}
    board_file = max(sorted((site_dir / BOARDS).glob("*.json")), key=lambda p: len(_read(p)["rows"]))
    board = _read(board_file)
    index_copies = [(f"~{n}", n, index["rows"][n % len(index["rows"])]) for n in range(rows)]
    board_copies = [(f"~b{n}", n, board["rows"][n % len(board["rows"])]) for n in range(rows)]
    index["rows"] = [_copy(row, suffix, n, rows) for suffix, n, row in index_copies]
    board["rows"] = [dict(_copy(row, suffix, n, rows), rank=n + 1) for suffix, n, row in board_copies]
    query = {"rows": [_copy_fields(fields[row["id"]], suffix, n, rows)
                      for suffix, n, row in index_copies + board_copies]}
    _write(site_dir / INDEX_DATA, index)
    _write(site_dir / QUERY_DATA, query)
    _write(board_file, board)
    _grow_charts(site_dir, board_file.stem, rows)
    return {"board": board_file.relative_to(site_dir).as_posix(), "fields": query["rows"],
            "index": index["rows"], "board_rows": board["rows"]}


def _grow_charts(site_dir: Path, stem: str, rows: int) -> None:
    """The board's progress chart with a point per row, its parallel coordinates with a line per row."""
    chart_file = site_dir / DATA / "charts" / "leaderboards" / f"{stem}.json"
    charts = _read(chart_file)
    progress = charts["progress"]
    points = progress["data"][0]
    count = len(points["x"])
    grown = sorted((points["x"][n % count], _distinct(points["y"][n % count], n, rows), points["text"][n % count],
                    points["customdata"][n % count]) for n in range(rows))
    kept = [grown[at] for at in envelope([y for _, y, _, _ in grown], MAX_PROGRESS_POINTS)]  # as best_so_far does
    for index, key in enumerate(("x", "y", "text", "customdata")):
        points[key] = [point[index] for point in kept]
    if len(kept) < rows:
        points["name"] = f"runs ({len(kept):,} of {rows:,}: each stretch's best and worst)"
    _write(chart_file, charts)
    if "parameters" not in charts:
        return
    parameters = charts["parameters"]
    trace, info = parameters["data"][0], parameters["parcoords"]
    count, lines = len(info["runs"]), min(rows, PARCOORDS_LINES)  # the best runs are lines, as mlreport draws them
    info["runs"] = [dict(info["runs"][n % count], id=f"{info['runs'][n % count]['id']}~b{n}", rank=n + 1)
                    for n in range(lines)]
    info["total"] = rows
    for dim in trace["dimensions"]:
        dim["values"] = [dim["values"][n % count] for n in range(lines)]
        if dim["label"] == "rank":  # worst first: the best is drawn last, on top
            dim["values"] = list(range(1, lines + 1))
            dim["range"] = [0.5, lines + 0.5]
            dim["tickvals"], dim["ticktext"] = [1, lines], [f"#{lines}", "#1"]
    trace["line"]["color"] = [trace["line"]["color"][n % count] for n in range(lines)]
    _write(chart_file, charts)
    if rows > PARCOORDS_DRAWN_RUNS:
        page = site_dir / "leaderboards" / stem / "index.html"
        html = page.read_text(encoding="utf-8").replace('data-mlr-traces="parcoords">',
                                                        'data-mlr-traces="parcoords" data-mlr-draw="request">')
        page.write_text(html, encoding="utf-8")


def _copy(row: dict[str, Any], suffix: str, n: int, rows: int) -> dict[str, Any]:
    copy = dict(row, id=row["id"] + suffix)
    for key, value in row.items():
        if _is_number(value) and (key.startswith("metric:") or key == "value"):
            copy[key] = _distinct(value, n, rows)
    return copy


def _copy_fields(fields: dict[str, Any], suffix: str, n: int, rows: int) -> dict[str, Any]:
    metrics = {name: _distinct(value, n, rows) if _is_number(value) else value
               for name, value in fields.get("metrics", {}).items()}
    return dict(fields, id=fields["id"] + suffix, metrics=metrics)


def _distinct(value: float, n: int, rows: int) -> float:
    """A value a little off the original, different for every copy, and the same in every file."""
    return round(value + (n + 1) / (rows * 1000), 9)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    """Grow a built site in place and print which leaderboard grew."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site_dir", type=Path)
    parser.add_argument("rows", type=int, nargs="?", default=ROWS)
    args = parser.parse_args(argv)
    grown = grow(args.site_dir, args.rows)
    print(grown["board"])


if __name__ == "__main__":
    main()
