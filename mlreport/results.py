"""The answer to `mlreport query`: the matching experiments as rows of columns, as a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from mlreport.metrics import format_value
from mlreport.query import Field, Query, parse_columns, record_fields, sort_fields
from mlreport.records import Experiment

DEFAULT_COLUMNS = "id, title, status, date"
"""Shown when no columns are asked for, followed by every field the query and the order read."""
FORMATS = ("table", "json", "csv")
WIDEST_CELL = 60
"""Longer text is cut in the table (JSON and CSV keep it whole)."""


@dataclass(frozen=True)
class Answer:
    """The experiments a query selects, ordered and cut to the limit, with the columns to show."""

    query: Query
    columns: tuple[Field, ...]
    rows: tuple[dict[str, Any], ...]
    matched: int
    """How many experiments match, before the limit."""
    total: int
    """How many experiments were asked."""

    def values(self, row: dict[str, Any]) -> list[Any]:
        """A row's value in each column; None where it has none."""
        return [column.value(row) for column in self.columns]


def answer(experiments: Iterable[Experiment], query: Query, order: Sequence[tuple[Field, bool]] = (),
           columns: Sequence[Field] = (), limit: int | None = None) -> Answer:
    """Select, order and cut; without columns, the defaults plus the fields the query and order name."""
    rows = [record_fields(experiment) for experiment in experiments]
    matching = sort_fields((row for row in rows if query.matches(row)), order)
    shown = list(columns) or [*parse_columns(DEFAULT_COLUMNS), *query.fields, *(field for field, _ in order)]
    unique: dict[str, Field] = {}
    for column in shown:
        unique.setdefault(column.key, column)
    return Answer(query, tuple(unique.values()), tuple(matching[:limit] if limit is not None else matching), len(matching),
                  len(rows))


def render(result: Answer, fmt: str) -> str:
    """The answer as `table` (for people), `json` (stable, for tools) or `csv`."""
    if fmt == "json":
        return as_json(result)
    if fmt == "csv":
        return as_csv(result)
    return as_table(result)


def as_json(result: Answer) -> str:
    """`{query, count, columns, experiments: [{column: value}]}`; keys are the columns' canonical names."""
    keys = [column.key for column in result.columns]
    document = {
        "query": result.query.text, "count": result.matched, "columns": keys,
        "experiments": [dict(zip(keys, result.values(row))) for row in result.rows],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def as_csv(result: Answer) -> str:
    """A header of canonical column names, then one line per experiment; lists joined with `; `."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(column.key for column in result.columns)
    for row in result.rows:
        writer.writerow("" if v is None else "; ".join(v) if isinstance(v, list) else v for v in result.values(row))
    return out.getvalue()


def as_table(result: Answer) -> str:
    """Aligned columns for a terminal, numbers as the site prints them, right-aligned."""
    header = [column.key for column in result.columns]
    cells = [[_cell(value) for value in result.values(row)] for row in result.rows]
    numeric = [all(isinstance(column.value(row), (int, float)) or column.value(row) is None for row in result.rows)
               for column in result.columns]
    widths = [max([len(h), *(len(line[i]) for line in cells)]) for i, h in enumerate(header)]
    lines = [[h.ljust(w) for h, w in zip(header, widths)], ["-" * w for w in widths]]
    lines += [[c.rjust(w) if right else c.ljust(w) for c, w, right in zip(line, widths, numeric)] for line in cells]
    return "".join("  ".join(line).rstrip() + "\n" for line in lines)


def summary(result: Answer) -> str:
    """`3 of 40 experiments match (showing 2)`."""
    shown = f" (showing {len(result.rows)})" if len(result.rows) < result.matched else ""
    return f"{result.matched} of {result.total} experiments match{shown}"


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, (int, float)):
        return format_value(value)
    return value if len(value) <= WIDEST_CELL else value[:WIDEST_CELL - 1] + "…"
