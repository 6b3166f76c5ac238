"""The report as Markdown for a pull-request comment: a summary and a table on top, details folded.

Every record value passes through `text` or `code` before it reaches the page, so a title
cannot break a table, start a link, or inject HTML into the comment.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from typing import Any, Iterable

from mlreport import kpis, metrics
from mlreport.diff.changes import BoardExcerpt, KpiFlip, Placement, RecordChange, Report
from mlreport.kpis import Check
from mlreport.records.kinds import BY_NAME, KINDS

MAX_ERRORS = 30
MAX_TABLE_ROWS = 20
# Markdown syntax characters; `_` inside a word (`val_loss`) is literal in GFM and stays readable.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
_CHANGE_WORDS = {"added": "new", "changed": "changed", "affected": "affected", "removed": "removed"}
LEGEND = ("✓ better · ✗ worse, in the metric's direction (↑ higher is better · ↓ lower is better); "
          "each metric keeps its own decimal places")
_ARROWS = {"max": "↑", "min": "↓"}


class Md(str):
    """Text that is already safe Markdown (escaped, or written by this module)."""


def text(value: Any) -> Md:
    """A record value as inline Markdown text: one line, no HTML, no Markdown syntax."""
    return Md(_escape(str(value)).strip())


def code(value: Any) -> Md:
    """A record value (an id, a metric name, a path) as a code span that nothing inside can end."""
    one_line = re.sub(r"\s+", " ", str(value)).strip()
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", one_line)), default=0) + 1)
    padded = f" {one_line} " if one_line.startswith("`") or one_line.endswith("`") else one_line
    # Inside a table a pipe ends the cell even in a code span, unless escaped.
    return Md(f"{ticks}{padded.replace('|', chr(92) + '|')}{ticks}")


def message(value: str) -> Md:
    """A problem message whose `quoted` parts stay code spans, everything else plain text."""
    parts = re.split(r"`([^`]*)`", value)
    return Md("".join(code(part) if index % 2 else _escape(part) for index, part in enumerate(parts)))


def number(value: float | None, places: int | None = None) -> Md:
    """A metric value, as the site writes it: at the metric's own decimal `places` when known."""
    return Md("—") if value is None else Md(metrics.format_value(value, places))


def render_markdown(report: Report) -> str:
    """The whole report as Markdown."""
    where = f"against {code(report.base)} ({code(report.base_commit[:8])})"
    if report.query:
        where += f", experiments matching {code(report.query)}"
    if not report.touched:
        lines = [f"**Records report**: this change touches no records {where}."]
        return "\n".join(lines + _errors(report)) + "\n"
    parts = [
        "### Records report",
        "",
        f"{_summary(report)} {where}",
        *_highlights(report),
        *_errors(report),
        *_overview(report),
        *_details(report),
    ]
    return "\n".join(parts).rstrip("\n") + "\n"


def _summary(report: Report) -> str:
    groups = []
    for kind in KINDS:
        counts = [f"{report.count(kind.plural, change)} {word}" for change, word in _CHANGE_WORDS.items()
                  if report.count(kind.plural, change)]
        if counts:
            groups.append(f"**{kind.labels}**: {', '.join(counts)}")
    return " · ".join(groups)


def _highlights(report: Report) -> list[str]:
    lines = [_flip(flip, report.places_of(flip.metric)) for flip in report.kpi_flips]
    lines += [f"- 🏆 {code(e.id)} is the new best on {text(p.board)} ({number(p.value, report.places_of(p.metric))})"
              for e in report.experiments for p in e.placements if p.new_best]
    return [""] + lines if lines else []


def _flip(flip: KpiFlip, places: int | None) -> str:
    """A KPI whose status the branch changes: it leads the report."""
    sign = "✅" if flip.new == kpis.MET else "🚨"
    return (f"- {sign} KPI **{text(flip.title)}** ({code(flip.metric)}, target {flip.target}): "
            f"{text(flip.old)} → **{text(flip.new)}** "
            f"({number(flip.old_value, places)} → {number(flip.new_value, places)})")


def targets_line(targets: Iterable[Check]) -> str:
    """`meets 3 of 4 targets; misses ops.latency_p99_ms: 12.1 > 10`; empty when no KPI covers the run."""
    targets = list(targets)
    if not targets:
        return ""
    met = sum(check.meets for check in targets)
    line = f"meets {met} of {len(targets)} target{'s' if len(targets) != 1 else ''}"
    # Comparisons and numbers are written by mlreport, never by a record: they need no escaping.
    misses = [f"{code(c.kpi.metric)}: {c.kpi.target.missed_by(c.value)}"
              + (" (at risk)" if c.status == kpis.AT_RISK else "") for c in targets if not c.meets]
    return line + (f"; misses {', '.join(misses)}" if misses else "")


def _errors(report: Report) -> list[str]:
    if not report.errors:
        return []
    lines = ["", f"❌ **{len(report.errors)} error(s)** in the records; `mlreport validate` explains each with a hint:",
             ""]
    lines += [f"- {code(f'{p.path}:{p.line}:{p.column}')} {message(p.message)}" for p in report.errors[:MAX_ERRORS]]
    if len(report.errors) > MAX_ERRORS:
        lines.append(f"- … and {len(report.errors) - MAX_ERRORS} more")
    return lines


def _overview(report: Report) -> list[str]:
    lines: list[str] = []
    rows = [row for e in report.experiments if e.change != "removed" for row in _overview_rows(e, report)]
    if rows:
        shown = rows[:MAX_TABLE_ROWS]
        if len(rows) > MAX_TABLE_ROWS:
            shown.append([Md(f"… {len(rows) - MAX_TABLE_ROWS} more rows in the details below")] + [Md("")] * 6)
        lines += ["", *_table(["Experiment", "Change", "Leaderboard", "Rank", "Value", "Δ vs best on base",
                              "Δ vs baseline"], shown)]
        lines += ["", f"{LEGEND} · Δ vs best compares with the leader at the base"]
    targets = [f"- {code(e.id)} {text(e.title)}: {targets_line(e.targets)}" for e in report.experiments
               if e.change != "removed" and e.targets]
    if targets:
        lines += ["", "**KPI targets**", "", *targets]
    for kind, name in (("decisions", "Decisions"), ("models", "Model cards")):
        items = [_one_line(r) for r in getattr(report, kind) if r.change != "removed"]
        if items:
            lines += ["", f"**{name}**", "", *(f"- {item}" for item in items)]
    removed = [f"{BY_NAME[r.kind].label} {code(r.id)}" for kind in KINDS for r in getattr(report, kind.plural)
               if r.change == "removed"]
    if removed:
        lines += ["", f"**Removed**: {', '.join(removed)}"]
    return lines


def _overview_rows(record: RecordChange, report: Report) -> list[list[Md]]:
    name = Md(f"{code(record.id)} {text(record.title)}")
    change = Md("new") if record.change == "added" else text(", ".join(record.changed_names()))
    if not record.placements:
        return [[name, change, Md("—"), Md(""), Md(""), Md(""), Md("")]]
    rows = []
    for p in record.placements:
        places = report.places_of(p.metric)
        rows.append([name, change, Md(f"{text(p.board)} {_ARROWS.get(p.goal, '')}"), _rank(p), _value(p, places),
                     _versus(p.delta_best, p.goal, places, p.best),
                     _versus(p.delta_baseline, p.goal, places, p.baseline)])
    return rows


def _rank(placement: Placement) -> Md:
    was = f" (was #{placement.previous_rank} of {placement.previous_of})" if placement.previous_rank else ""
    if placement.rank is None:
        return Md(f"off the board{was}")
    if placement.new_best:
        return Md(f"**#1 of {placement.of}** 🏆 new best{was}")
    if placement.new_board:
        return Md(f"#{placement.rank} of {placement.of} on a new leaderboard")
    return Md(f"#{placement.rank} of {placement.of}{was}")


def _value(placement: Placement, places: int | None) -> Md:
    if placement.previous_value is not None and placement.previous_value != placement.value:
        return Md(f"{number(placement.value, places)} (was {number(placement.previous_value, places)})")
    return number(placement.value, places)


def _versus(delta: float | None, goal: str, places: int | None, other: str) -> Md:
    if delta is None:
        return Md("—")
    return Md(f"{metrics.marked_delta(delta, goal, places)} vs {code(other)}")


def _one_line(record: RecordChange) -> str:
    head = f"{code(record.id)} {text(record.title)}"
    status = next((c for c in record.fields if c.field == "status"), None)
    if record.change == "added":
        status_word = text(status.new) if status else "no status"
        head += f" — new ({status_word})"
    elif status is not None:
        head += f" — {text(status.old)} → **{text(status.new)}**"
    elif record.change == "affected":
        head += " — evaluation numbers change (an experiment it quotes changed)"
    else:
        head += f" — changed: {text(', '.join(record.changed_names()))}"
    if record.supersedes:
        head += f"; supersedes {', '.join(code(s) for s in record.supersedes)}"
    if record.evaluations and record.change != "affected":
        head += "; evaluation numbers change"
    return head


def _details(report: Report) -> list[str]:
    sections = [
        ("Leaderboards this moves", [_board(b, report.places_of(b.metric)) for b in report.boards]),
        ("New experiments", [_added(e, report) for e in report.experiments if e.change == "added"]),
        ("Changed experiments", [_changed(e, report) for e in report.experiments if e.change == "changed"]),
        ("Decisions", [_added(d, report) if d.change == "added" else _changed(d, report)
                       for d in report.decisions if d.change != "removed"]),
        ("Model cards", [_added(m, report) if m.change == "added" else _changed(m, report)
                         for m in report.models if m.change != "removed"]),
        ("Removed records", [_removed(r) for kind in KINDS for r in getattr(report, kind.plural)
                             if r.change == "removed"]),
    ]
    lines: list[str] = []
    for title, blocks in sections:
        if blocks:
            lines += ["", f"<details><summary>{title} ({len(blocks)})</summary>", ""]
            lines += "\n\n".join(blocks).split("\n")
            lines += ["", "</details>"]
    return lines


def _board(board: BoardExcerpt, places: int | None) -> str:
    goal = "higher is better" if board.goal == "max" else "lower is better"
    rows: list[list[Md]] = []
    previous = 0
    for row in board.rows:
        if row.rank > previous + 1:
            rows.append([Md("…"), Md(""), Md(""), Md("")])
        mark = {"added": "🆕 new", "changed": "✏️ changed"}.get(row.mark, "")
        rows.append([Md(f"#{row.rank}"), Md(f"{code(row.experiment)} {text(row.title)}"), number(row.value, places),
                     Md(mark)])
        previous = row.rank
    heading = f"**{text(board.title)}** · {code(board.metric)}, {goal}, {board.size} ranked"
    return "\n".join([heading, "", *_table(["Rank", "Experiment", "Value", ""], rows)])


def _added(record: RecordChange, report: Report) -> str:
    facts = [f"{c.field.replace('_', ' ')} {_plain(c.new)}" for c in record.fields if c.field != "title"]
    lines = [_heading(record), "", " · ".join([code(record.path), "new", *facts]), *_supersedes(record)]
    if record.metrics:
        lines += ["", *_table(["Metric", "Value"], [[code(c.field), number(c.new, report.places_of(c.field))]
                                                        for c in record.metrics])]
    if record.params:
        lines += ["", *_table(["Param", "Value"], [[code(c.field), _plain(c.new)] for c in record.params])]
    return "\n".join(lines)


def _changed(record: RecordChange, report: Report) -> str:
    lines = [_heading(record), ""]
    lines.append(code(record.path) + (f" (moved from {code(record.previous_path)})" if record.moved else ""))
    lines += _supersedes(record)
    changes = [*record.fields, *(replace(c, field=f"params.{c.field}") for c in record.params)]
    if changes:
        lines += ["", *_table(["Field", "Before", "After"],
                              [[code(c.field), _plain(c.old), _plain(c.new)] for c in changes])]
    if record.metrics:
        lines += ["", *_table(["Metric", "Before", "After", "Δ"], [
            [code(c.field), *_before_after(c.old, c.new, c.goal, report.places_of(c.field))]
            for c in record.metrics]), "", LEGEND]
    if record.evaluations:
        lines += ["", *_table(["Experiment", "Metric", "Split", "Before", "After", "Δ"], [
            [code(e.experiment), code(e.metric), text(e.split or "—"),
             *_before_after(e.old, e.new, e.goal, report.places_of(e.metric))]
            for e in record.evaluations]), "", LEGEND]
    if record.other:
        lines += ["", f"Also changed: {text(', '.join(record.other))}"]
    return "\n".join(lines)


def _removed(record: RecordChange) -> str:
    return f"- {BY_NAME[record.kind].label} {code(record.id)} {text(record.title)} ({code(record.path)})"


def _heading(record: RecordChange) -> str:
    return f"#### {BY_NAME[record.kind].label} {code(record.id)} {text(record.title)}"


def _supersedes(record: RecordChange) -> list[str]:
    return ["", f"Supersedes {', '.join(code(s) for s in record.supersedes)}"] if record.supersedes else []


def _before_after(old: float | None, new: float | None, goal: str, places: int | None) -> list[Md]:
    """Before, after and the marked difference, all at the metric's places."""
    difference = metrics.delta(new, old)
    shown = Md("—") if difference is None else Md(metrics.marked_delta(difference, goal, places))
    return [number(old, places), number(new, places), shown]


def _plain(value: Any) -> Md:
    """Any field value, shown compactly: lists joined, mappings as JSON, absent as a dash."""
    if value is None or value == "" or value == []:
        return Md("—")
    if isinstance(value, bool):
        return Md(str(value).lower())
    if isinstance(value, (int, float)):
        return number(value)
    if isinstance(value, list):
        return text(", ".join(str(v) for v in value))
    if isinstance(value, dict):
        return text(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str))
    return text(value)


def _escape(value: str) -> str:
    one_line = re.sub(r"\s+", " ", value)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(one_line, quote=False))


def _table(headers: Iterable[str], rows: Iterable[list[Md]]) -> list[str]:
    headers = list(headers)
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in rows:
        cells = [cell if isinstance(cell, Md) else text(cell) for cell in row]
        lines.append("| " + " | ".join(cells) + " |")
    return lines
