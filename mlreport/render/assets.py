"""Static files every site gets, once: mlreport's script and style, Tabulator, plotly.js.

plotly.js comes in three bundles, never inlined, never from a CDN, so a site works air-gapped and
each page stays small: two partial ones vendored with their licence (`assets/vendor/plotly/`:
scatter and bar; scatter and parallel coordinates) and the full one copied from the installed
plotly package. Pages do not list them: charts.js loads the smallest that draws a page's charts,
from beside itself, once a reader scrolls near the first chart.
"""

from __future__ import annotations

import json
from pathlib import Path

import plotly

from mlreport.metrics import NUMBER_FORMAT
from mlreport.render.site import ASSETS, Generated

PACKAGED = Path(__file__).resolve().parent.parent / "assets"
"""mlreport's own static files, vendored libraries included."""
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"

_STYLES = ("vendor/tabulator/tabulator_simple.min.css", "mlreport.css", "records.css")
NUMBER_FORMAT_JS = f"{ASSETS}/number-format.js"
"""How numbers are written (mlreport/metrics.py), as data for the scripts: one set of rules, not two."""
# Order matters: the libraries and the rules before the script that uses them.
_SCRIPTS = ("vendor/tabulator/tabulator.min.js", "query.js", "mlreport.js", "charts.js")


def add_assets(out: Generated, places: dict[str, int]) -> None:
    """Add the static files to a site and have every page load the styles and scripts; `places` are each
    metric's decimal places, for the scripts to write a metric as the pages do."""
    for source in sorted(PACKAGED.rglob("*")):
        if source.is_file():
            out.assets[f"{ASSETS}/{source.relative_to(PACKAGED).as_posix()}"] = source
    out.assets[f"{ASSETS}/vendor/plotly/plotly.min.js"] = PLOTLY_JS
    rules = json.dumps({**NUMBER_FORMAT, "places": places}, sort_keys=True, separators=(",", ":"))
    out.files[NUMBER_FORMAT_JS] = f"window.MLREPORT_NUMBER_FORMAT = {rules};\n".encode("ascii")
    out.css.extend(f"{ASSETS}/{path}" for path in _STYLES)
    out.javascript.append(NUMBER_FORMAT_JS)
    out.javascript.extend(f"{ASSETS}/{path}" for path in _SCRIPTS)
