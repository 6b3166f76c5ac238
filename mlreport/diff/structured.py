"""The report as JSON for tools: the same content as the Markdown, with deltas and verdicts spelled out."""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from typing import Any

from mlreport.diff.changes import EvaluationChange, FieldChange, Placement, RecordChange, Report
from mlreport.kpis import Check
from mlreport.records.kinds import KINDS

# Derived values a reader of the JSON should not have to recompute.
_DERIVED: dict[type, tuple[str, ...]] = {
    FieldChange: ("delta", "verdict"),
    EvaluationChange: ("delta", "verdict"),
    Placement: ("delta_best", "vs_best", "delta_baseline", "vs_baseline", "new_best", "new_board"),
    RecordChange: ("moved",),
    Check: ("meets",),
}


def render_json(report: Report) -> str:
    """The whole report as indented JSON, keys in a fixed order."""
    data = {
        "base": {"ref": report.base, "commit": report.base_commit},
        "query": report.query,
        "touched": report.touched,
        "summary": {kind: {change: report.count(kind, change) for change in ("added", "changed", "affected",
                                                                              "removed")}
                    for kind in (k.plural for k in KINDS)},
        "new_best": [{"experiment": e.id, "board": p.board, "value": p.value}
                     for e in report.experiments for p in e.placements if p.new_best],
        "kpi_flips": _plain(report.kpi_flips),
        "errors": _plain(report.errors),
        "warnings": report.warnings,
        "experiments": _plain(report.experiments),
        "decisions": _plain(report.decisions),
        "models": _plain(report.models),
        "leaderboards": _plain(report.boards),
    }
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        data = {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
        data.update({name: _plain(getattr(value, name)) for name in _DERIVED.get(type(value), ())})
        return data
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value
