"""A person's YAML updated in place: the keys whose values changed are rewritten, and everything else, comments,
blank lines, key order, quoting and number spelling, stays as they wrote it (ruamel.yaml's round trip).

An import refreshes the tool's fields of records people have since annotated; rewriting the whole file
from the data would lose every comment they added (`# the run we shipped`, a commented-out metric).
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

WIDTH = 88
"""Where new values wrap: the width `record_yaml` writes records at."""


def updated_yaml(text: str, data: dict[str, Any]) -> str | None:
    """`text` (a YAML mapping) holding `data`: changed values rewritten, new keys placed where `data` has them,
    keys `data` lacks removed. None when `text` is no mapping ruamel.yaml can read (write the file anew then)."""
    yaml = _round_trip()
    try:
        document = yaml.load(text)
    except YAMLError:
        return None
    if not isinstance(document, CommentedMap):
        return None
    _update(document, data)
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def _round_trip() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = WIDTH
    yaml.allow_unicode = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _update(document: CommentedMap, data: dict[str, Any]) -> None:
    """Make `document` equal `data`, touching only what differs (nested mappings key by key)."""
    for key in [key for key in document if key not in data]:
        del document[key]
    for position, (key, value) in enumerate(data.items()):
        if key not in document:
            document.insert(position, key, _written(value))
        elif isinstance(value, dict) and isinstance(document[key], CommentedMap):
            _update(document[key], value)
        elif _differs(document[key], value):
            document[key] = _written(value)


def _differs(old: Any, new: Any) -> bool:
    """Whether a value changed, `true` and `1` being different values in a record."""
    return old != new or isinstance(old, bool) != isinstance(new, bool)


def _written(value: Any) -> Any:
    """A new value as `record_yaml` writes it: block mappings, a short list of plain values on one line."""
    if isinstance(value, dict):
        mapping = CommentedMap()
        for key, item in value.items():
            mapping[key] = _written(item)
        return mapping
    if isinstance(value, (list, tuple)):
        sequence = CommentedSeq(_written(item) for item in value)
        if value and all(isinstance(v, (str, int, float, bool)) for v in value) and len(repr(list(value))) <= 60:
            sequence.fa.set_flow_style()
        return sequence
    return value
