"""Big tables drawn in the browser (Tabulator) from a JSON data file: sorting, filters, paging.

A page embeds `table_block(...)`; the data file holds `{"columns": [...], "rows": [...], ...}`.
Column kinds the script knows: text, link (text linked to the row's `url`), status (a badge),
number, delta (✓ or ✗ by the column's `goal`; a `metric` column at that metric's decimal places),
list (chips; its filter matches one item), date, pr (number linked to the row's `pr_url`).
Filters: text, select, list; and, for tables of experiments, a query box (mlreport/query.py's
language, evaluated by assets/query.js).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from mlreport.render import safe
from mlreport.render.site import relative_path

PAGE_SIZE = 50


@dataclass(frozen=True)
class Column:
    """One column of a browser table."""

    field: str
    title: str
    kind: str = "text"
    filter: str = ""
    goal: str = ""
    """For number and delta columns: which direction is better (`max`/`min`)."""
    metric: str = ""
    """For number and delta columns of a metric: its name, whose decimal places the numbers are written with."""

    def spec(self) -> dict[str, Any]:
        """The column as the script reads it."""
        spec = {"field": self.field, "title": self.title, "kind": self.kind}
        spec.update({k: v for k, v in (("filter", self.filter), ("goal", self.goal), ("metric", self.metric)) if v})
        return spec


def table_data(columns: list[Column], rows: list[dict[str, Any]], *, sort: tuple[str, str] | None = None,
               selectable: bool = False, compare: str = "", query: str = "") -> dict[str, Any]:
    """The JSON of a browser table; `compare` is the compare page URL when rows can be selected.

    `query` is the data file of the rows' query fields (site-relative): the table gets a filter box
    that takes a query expression, kept in the URL as `?q=` (by assets/query.js).
    """
    data: dict[str, Any] = {"columns": [c.spec() for c in columns], "rows": rows, "page_size": PAGE_SIZE}
    if query:
        data["query"] = {"fields": query}
    if sort:
        data["sort"] = {"field": sort[0], "dir": sort[1]}
    if selectable:
        data["selectable"] = True
        data["compare"] = compare
    return data


def table_block(data_file: str, fallback: str, label: str, page_url: str | None = None) -> Markup:
    """A table container that the script fills from `data_file` (site-relative).

    `fallback` is Markdown shown without JavaScript and indexed by search; the script replaces it.
    Given the page's own URL (site-relative, as `Site.url` writes it), the block also asks the browser
    to preload the data file while it is still parsing the page and running the theme's scripts, so
    the rows are there when the script starts on them (the script's `fetch` then reuses the preload).
    """
    preload = ""
    if page_url is not None:
        href = relative_path(data_file, page_url.rsplit("/", 1)[0])
        preload = f'<link rel="preload" href="{safe.text(href)}" as="fetch" crossorigin="anonymous">\n'
    return Markup(f'<div class="mlr-table" data-mlr-table="{safe.text(data_file)}" '
                  f'aria-label="{safe.text(label)}" markdown="1">\n{preload}\n{fallback}\n\n</div>')
