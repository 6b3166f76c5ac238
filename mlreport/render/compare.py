"""The compare view: experiments side by side, drawn in the browser from their data files.

The page is static; its selection lives in the URL (`experiments/compare/?ids=a,b,c&diff=1`, or
a query: `?q=tags contains 'sweep'`), so a comparison is a permalink. The script (`compare.js`) reads the experiments index for the
picker and each selected experiment's detail file (params, metrics with their goals, curves).
"""

from __future__ import annotations

from typing import Any

from mlreport.render import safe
from mlreport.render.charts import MAX_CURVE_POINTS, TOP_FEATURES
from mlreport.render.experiments import INDEX_DATA, detail_file
from mlreport.render.site import ASSETS, COMPARE_PAGE, COMPARE_QUERY, QUERY_DATA, PageKind, Site, page_slug

SCRIPT = f"{ASSETS}/compare.js"
DIFF_QUERY = "diff"
"""The query parameter that turns on "only differences" (`diff=1`)."""


def write(site: Site) -> None:
    """The compare page, and its script on every page (instant navigation loads scripts only once)."""
    site.add_page(COMPARE_PAGE, "compare.md.j2", config=safe.json_for_script(compare_config(site)),
                  examples=example_selection(site), query=COMPARE_QUERY)
    if SCRIPT not in site.out.javascript:
        site.out.javascript.append(SCRIPT)


def compare_config(site: Site) -> dict[str, Any]:
    """What the script needs to find its data: site-relative paths and the URL's parameter names."""
    folder = detail_file("x").rsplit("/", 1)[0] + "/"
    return {
        "index": INDEX_DATA,
        "details": folder,
        # Ids that are not plain file names have a file of another name; the rest are `<id>.json`.
        "renamed": {record_id: page_slug(record_id) for record_id in site.catalog.experiments
                    if page_slug(record_id) != record_id},
        "fields": QUERY_DATA,
        "query": {"ids": COMPARE_QUERY, "diff": DIFF_QUERY},
        "top_features": TOP_FEATURES,
        # Curves longer than this are downsampled for their chart, by the same rule as an experiment page's.
        "max_curve_points": MAX_CURVE_POINTS,
    }


def example_selection(site: Site) -> list[Any]:
    """A comparison worth offering on an empty page: the top runs of the first leaderboard."""
    for board in site.catalog.leaderboards:
        if len(board.entries) >= 2:
            return [entry.experiment for entry in board.entries[:3]]
    return []


KIND = PageKind("compare", write)
