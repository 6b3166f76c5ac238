"""Values as tools log them, read back as a person would have written them in YAML."""

from __future__ import annotations

import ast
import datetime as dt
import json
import math
import re
from pathlib import Path
from typing import Any

_WORDS = {"true": True, "false": False, "none": None, "null": None}
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def typed_param(text: str) -> Any:
    """A parameter logged as text, typed back: `"0.1"` → 0.1, `"true"`/`"True"` → true, `"[1, 2]"` → [1, 2]."""
    stripped = text.strip()
    if stripped.lower() in _WORDS:
        return _WORDS[stripped.lower()]
    for parse in (json.loads, ast.literal_eval):
        try:
            value = parse(stripped)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if isinstance(value, tuple):
            value = list(value)
        if _plain(value):
            return value
    return text


def metric_key(name: str) -> str:
    """A logged metric's name as a record's key: DVCLive's and MLflow's `train/loss` → `train.loss`."""
    return _UNSAFE_NAME.sub("_", name.strip().replace("/", ".")).strip(".") or "value"


def is_number(value: Any) -> bool:
    """Whether a value is a finite number (not a bool, not NaN)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def modified_day(path: Path) -> dt.date:
    """The day (UTC) a tool last wrote a file: the date of a run whose files say no other."""
    return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.timezone.utc).date()


def _plain(value: Any) -> bool:
    """Numbers (finite), bools, None, and lists and mappings of them: what YAML writes plainly."""
    if value is None or isinstance(value, (bool, str)):
        return True
    if isinstance(value, (int, float)):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False
