"""What a metric's numbers mean: which direction is better, differences, verdicts, and how they read.

One definition for every part that compares or shows metric values: leaderboards rank with it,
pages and the pull-request report format with it, and the browser tables get `NUMBER_FORMAT` as
data instead of a copy of the rules.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Literal, Mapping

Goal = Literal["max", "min"]
Verdict = Literal["better", "worse", "same", ""]
GOALS: tuple[Goal, ...] = ("max", "min")

# Metric names whose tokens say lower is better.
_LOWER_IS_BETTER = {
    "loss", "logloss", "error", "err", "rmse", "mae", "mse", "mape", "smape", "rmsle", "perplexity", "ppl",
    "wer", "cer", "ter", "latency", "p50", "p90", "p95", "p99", "time", "duration", "seconds", "ms",
    "cost", "fpr", "fnr", "brier", "ece", "bpc", "bpb", "nll", "memory", "size", "params_count",
    "false", "decline", "declines", "eer", "fid", "distance", "regret", "churn", "chargebacks",
}
# A name that starts with one of these is higher-is-better whatever qualifies it
# (`recall_at_1pct_fpr`, `precision_at_k`, `accuracy_top5`).
_HIGHER_IS_BETTER = {
    "accuracy", "acc", "auc", "roc", "pr", "ap", "map", "ndcg", "mrr", "recall", "precision", "f1", "f2",
    "fbeta", "iou", "miou", "dice", "bleu", "rouge", "meteor", "r2", "top1", "top5", "hit", "hits", "tpr",
    "specificity", "sensitivity", "uplift", "revenue", "throughput",
}

SIGNIFICANT = 4
"""Significant digits of a value below 1,000 (`0.7421`); larger values keep one decimal, whole numbers none."""
DELTA_SIGNIFICANT = 3
"""Significant digits of a difference (`+0.012`)."""
GROUPED_FROM = 1000
"""Values from here up are written with thousands separators (`1,843,211`)."""
MAX_PLACES = 6
"""The most decimal places a metric is written with, however its values were recorded."""
NUMBER_FORMAT = {"significant": SIGNIFICANT, "delta_significant": DELTA_SIGNIFICANT, "grouped_from": GROUPED_FROM}
"""The same rules as data, for the scripts that format numbers in the browser."""


def goal_of(metric: str, overrides: Mapping[str, str] | None = None) -> Goal:
    """`max` or `min` for a metric: configured, else inferred from its name, else max."""
    if overrides and metric in overrides:
        return "min" if overrides[metric] == "min" else "max"
    last = metric.rsplit(".", 1)[-1].lower()
    words = [w for w in re.split(r"[^a-z0-9]+", last) if w]
    if words and words[0] in _HIGHER_IS_BETTER:
        return "max"
    return "min" if (set(words) | {last}) & _LOWER_IS_BETTER else "max"


def is_number(value: Any) -> bool:
    """A finite int or float (booleans are not numbers here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def is_better(value: float, than: float, goal: str) -> bool:
    """Whether `value` beats `than` in the metric's direction."""
    return value < than if goal == "min" else value > than


def best(values: Iterable[float], goal: str) -> float | None:
    """The best of some values in a direction; None without any."""
    values = list(values)
    if not values:
        return None
    return min(values) if goal == "min" else max(values)


def delta(value: Any, than: Any) -> float | None:
    """`value - than` for two numbers, without float noise; None when either is missing."""
    if not is_number(value) or not is_number(than):
        return None
    # 12 significant digits drop float noise (0.9235 - 0.9123 = 0.011200000000000099).
    return float(f"{value - than:.12g}")


def verdict(value: Any, than: Any, goal: str) -> Verdict:
    """`better`, `worse` or `same` for two numbers in a direction; empty when not comparable."""
    if not goal or not is_number(value) or not is_number(than):
        return ""
    if value == than:
        return "same"
    return "better" if is_better(value, than, goal) else "worse"


def delta_verdict(difference: float | None, goal: str) -> Verdict:
    """What a difference (value − reference) means in a direction: better, worse or the same."""
    if difference is None or not math.isfinite(difference):
        return ""
    if difference == 0:
        return "same"
    return "better" if is_better(difference, 0.0, goal) else "worse"


MARKS = {"better": "✓", "worse": "✗"}
"""What a difference means, beside its sign: an arrow up would say "higher", not "better"."""


def shown_verdict(difference: float | None, goal: str, places: int | None = None) -> Verdict:
    """`delta_verdict`, with a difference too small to show at the metric's decimal `places` as the same."""
    word = delta_verdict(difference, goal)
    if word and word != "same" and places is not None and round(difference, places) == 0:  # type: ignore[arg-type]
        return "same"
    return word


def marked_delta(difference: float, goal: str, places: int | None = None) -> str:
    """A signed difference at the metric's places, after ✓ (better) or ✗ (worse): `✓ +0.012`, `±0`."""
    mark = MARKS.get(shown_verdict(difference, goal, places), "")
    shown = format_delta(difference, places)
    return f"{mark} {shown}" if mark else shown


def places_of(values: Iterable[float]) -> int:
    """The decimal places a metric is written with: as many as its values were recorded with, each read to
    SIGNIFICANT digits (`0.84`, `0.8123` → 4), at most MAX_PLACES; one per metric, so a column lines up."""
    most = 0
    for value in values:
        if is_number(value) and value != int(value):
            written = f"{value:.{SIGNIFICANT}g}"
            if abs(value) >= GROUPED_FROM:  # as format_value writes them: one decimal
                most = max(most, 1)
            elif "e" not in written:
                most = max(most, len(written.partition(".")[2]))
            else:  # tiny values: as many places as reach their significant digits
                most = max(most, SIGNIFICANT - 1 - math.floor(math.log10(abs(value))))
    return min(most, MAX_PLACES)


def format_value(value: float, places: int | None = None) -> str:
    """A metric value as people read it: `0.671`, `1,843,211`, `1,204.5`, `0.0009`; `—` when not finite.

    With `places` (the metric's own, `places_of`), every value of the metric has that many decimals.
    """
    if not math.isfinite(value):
        return "—"
    if places is not None:
        return f"{value:,.{places}f}"
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= GROUPED_FROM:
        return f"{value:,.1f}"
    return f"{value:.{SIGNIFICANT}g}"


def format_delta(difference: float, places: int | None = None) -> str:
    """A signed difference: `+0.012`, `-3.1`; `±0` for none (or none at the metric's own `places`)."""
    if places is not None:
        return "±0" if round(difference, places) == 0 else f"{difference:+,.{places}f}"
    if difference == 0:
        return "±0"
    return f"{difference:+.{DELTA_SIGNIFICANT}g}"


# -- targets --------------------------------------------------------------------------------------

_COMPARISONS: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "<=": (operator.le, ">"), ">=": (operator.ge, "<"), "<": (operator.lt, ">="), ">": (operator.gt, "<="),
}
"""Each comparison a target may use, how it tests a value, and the comparison a miss reads as."""
COMPARISONS = tuple(_COMPARISONS)
_TARGET = re.compile(r"^\s*(<=|>=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


@dataclass(frozen=True)
class Target:
    """A threshold a metric value must meet: `<= 4.0`."""

    comparison: str
    threshold: float

    def met_by(self, value: float) -> bool:
        """Whether a value meets the target."""
        return _COMPARISONS[self.comparison][0](value, self.threshold)

    def missed_by(self, value: float) -> str:
        """How a value that misses the target reads: `12.1 > 10`."""
        return f"{format_value(value)} {_COMPARISONS[self.comparison][1]} {format_value(self.threshold)}"

    @property
    def goal(self) -> Goal:
        """The direction the target asks for: `<=` wants lower values."""
        return "min" if self.comparison.startswith("<") else "max"

    def __str__(self) -> str:
        return f"{self.comparison} {format_value(self.threshold)}"


def parse_target(value: Any) -> Target:
    """A target as written in the options (`"<= 4.0"`, `">= 0.95"`); ValueError says what is wrong."""
    found = _TARGET.match(value) if isinstance(value, str) else None
    if found is None:
        raise ValueError('must be a comparison and a number, like "<= 4.0"')
    return Target(found.group(1), float(found.group(2)))
