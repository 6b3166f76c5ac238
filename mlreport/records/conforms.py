"""A quick yes to "does this record conform to its schema?", so that jsonschema is asked only about records that
may not.

jsonschema walks a record's data through its general machinery (a validator object per level, a reference
resolver, an error generator): at 10,000 records that was a quarter of loading them, to find nothing wrong in
almost every one. fastjsonschema compiles a schema into plain Python code that answers the same question many
times faster, but speaks draft 7, and the schemas in `mlreport/schema.py` are draft 2020-12. They use a handful of
keywords; those that mean the same in both drafts are kept, `prefixItems` is written as draft 7 writes it, and a
schema with any other keyword gets no quick test at all (never a guess). A quick test says yes only when
jsonschema would find no error; on a no, jsonschema finds and words the errors as always.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any, Callable

from mlreport.schema import SCHEMAS

_SAME_IN_DRAFT_7 = frozenset({
    "type", "enum", "const", "pattern", "format", "minLength", "maxLength", "minItems", "maxItems", "minimum",
    "maximum", "properties", "patternProperties", "additionalProperties", "required", "items", "anyOf", "$ref",
    "title", "description", "default", "examples", "$comment"})
"""Keywords that mean the same in draft 7 and draft 2020-12 (where `items` holds one schema, not a list)."""
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs"})
"""Keywords whose value maps names to schemas."""
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


class _Unknown(Exception):
    """The schema uses what the translation to draft 7 does not know: it is left to jsonschema whole."""


def conforms(kind: str, data: Any) -> bool:
    """Whether jsonschema surely finds no error in `data` (YAML data as `_jsonable` gives it) against the kind's
    schema; False when it may find one."""
    check = _compiled(kind)
    if check is None:
        return False
    import fastjsonschema

    try:
        check(data)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True


@lru_cache(maxsize=None)
def _compiled(kind: str) -> Callable[[Any], Any] | None:
    # Imported at the first record read fresh, as jsonschema is: a load served from the record cache needs neither.
    import fastjsonschema

    try:
        schema = _draft_7(SCHEMAS[kind], top=True)
    except _Unknown:
        return None
    return fastjsonschema.compile(schema, formats={"date": _is_date}, use_default=False)


def _draft_7(schema: Any, top: bool = False) -> Any:
    """The draft 2020-12 schema as draft 7 says the same; _Unknown for anything else."""
    if type(schema) is bool:
        return schema
    if type(schema) is not dict:
        raise _Unknown(repr(schema))
    written: dict[str, Any] = {}
    for keyword, value in schema.items():
        if keyword == "$schema" and top:
            written[keyword] = "http://json-schema.org/draft-07/schema#"
        elif keyword == "$id" and top:
            continue  # refs are all within the schema (`#/$defs/…`): no base address to resolve them against
        elif keyword in _SCHEMA_MAPS:
            written[keyword] = {name: _draft_7(sub) for name, sub in value.items()}
        elif keyword == "additionalProperties" or keyword == "items":
            written[keyword] = _draft_7(value)
        elif keyword == "anyOf":
            written[keyword] = [_draft_7(sub) for sub in value]
        elif keyword == "prefixItems":
            written["items"] = [_draft_7(sub) for sub in value]
        elif keyword == "format" and value != "date":
            raise _Unknown(f"format {value!r}")
        elif keyword == "$ref" and not (type(value) is str and value.startswith("#/$defs/")):
            raise _Unknown(f"$ref {value!r}")
        elif keyword in _SAME_IN_DRAFT_7:
            written[keyword] = value
        else:
            raise _Unknown(keyword)
    if "prefixItems" in schema:
        # Draft 7 lists the leading items' schemas in `items` and the rest's in `additionalItems`.
        written.pop("additionalItems", None)
        if "items" in schema:
            written["additionalItems"] = _draft_7(schema["items"])
        written["items"] = [_draft_7(sub) for sub in schema["prefixItems"]]
    return written


def _is_date(text: str) -> bool:
    """The `date` format as jsonschema checks it: YYYY-MM-DD, a day of the calendar."""
    if not _DATE.fullmatch(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True
