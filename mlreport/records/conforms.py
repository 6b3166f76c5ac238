"""A quick yes to "does this record conform to its schema?", so that jsonschema is asked only about records that
may not.

jsonschema walks a record's data through its general machinery (a validator object per level, a reference
resolver, an error generator): at 10,000 records that was a quarter of loading them, to find nothing wrong in
almost every one. The schemas in `mlreport/schema.py` use a handful of keywords; each is compiled here into a
plain Python test of the same meaning. A test says True only when jsonschema would find no error; where it is
unsure it says False, and jsonschema then finds and words the errors as always (so every message stays its).
A schema with a keyword not known here compiles to "unsure", never to a guess.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any, Callable

from mlreport.schema import SCHEMAS

Test = Callable[[Any], bool]

_ANNOTATIONS = {"$schema", "$id", "title", "description", "$defs", "default", "examples", "$comment"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


class Unknown(Exception):
    """A keyword or form this module does not compile: the schema is left to jsonschema whole."""


def conforms(kind: str, data: Any) -> bool:
    """Whether jsonschema surely finds no error in `data` (YAML data as `_jsonable` gives it) against the kind's
    schema; False when it may find one."""
    test = _compiled(kind)
    return test is not None and test(data)


@lru_cache(maxsize=None)
def _compiled(kind: str) -> Test | None:
    schema = SCHEMAS[kind]
    try:
        return _Compiler(schema).compile(schema)
    except Unknown:
        return None


class _Compiler:
    def __init__(self, root: dict[str, Any]):
        self.root = root
        self.refs: dict[str, Test] = {}

    def compile(self, schema: Any) -> Test:
        if schema is True or schema == {}:
            return _anything
        if type(schema) is not dict:
            raise Unknown(repr(schema))
        tests = []
        for keyword, value in schema.items():
            if keyword in _ANNOTATIONS:
                continue
            compile_keyword = getattr(self, "_" + keyword.replace("$", "dollar_"), None)
            if compile_keyword is None:
                raise Unknown(keyword)
            tests.append(compile_keyword(value, schema))
        if not tests:
            return _anything
        if len(tests) == 1:
            return tests[0]
        return lambda data: all(test(data) for test in tests)

    def _dollar_ref(self, ref: Any, schema: dict[str, Any]) -> Test:
        if type(ref) is not str or not ref.startswith("#/$defs/") or ref.count("/") != 2:
            raise Unknown(f"$ref {ref!r}")
        name = ref.rsplit("/", 1)[1]
        if name not in self.root.get("$defs", {}):
            raise Unknown(f"$ref {ref!r}")
        if ref not in self.refs:
            # Compiled once, called through a cell: a definition may refer to itself (metrics nest).
            cell: list[Test] = []
            self.refs[ref] = lambda data: cell[0](data)
            cell.append(self.compile(self.root["$defs"][name]))
        return self.refs[ref]

    def _type(self, value: Any, schema: dict[str, Any]) -> Test:
        names = value if type(value) is list else [value]
        checks = [_TYPES.get(name) for name in names]
        if any(check is None for check in checks):
            raise Unknown(f"type {value!r}")
        if len(checks) == 1:
            return checks[0]  # type: ignore[return-value]
        return lambda data: any(check(data) for check in checks)  # type: ignore[misc]

    def _enum(self, value: Any, schema: dict[str, Any]) -> Test:
        if type(value) is not list or not all(type(v) is str for v in value):
            raise Unknown("enum of other than text")
        allowed = frozenset(value)
        return lambda data: type(data) is str and data in allowed

    def _pattern(self, value: Any, schema: dict[str, Any]) -> Test:
        pattern = re.compile(value)
        return lambda data: type(data) is not str or pattern.search(data) is not None

    def _format(self, value: Any, schema: dict[str, Any]) -> Test:
        if value != "date":
            raise Unknown(f"format {value!r}")
        return lambda data: type(data) is not str or _is_date(data)

    def _minLength(self, value: Any, schema: dict[str, Any]) -> Test:
        return lambda data: type(data) is not str or len(data) >= value

    def _minItems(self, value: Any, schema: dict[str, Any]) -> Test:
        return lambda data: type(data) is not list or len(data) >= value

    def _maxItems(self, value: Any, schema: dict[str, Any]) -> Test:
        return lambda data: type(data) is not list or len(data) <= value

    def _required(self, value: Any, schema: dict[str, Any]) -> Test:
        names = tuple(value)
        return lambda data: type(data) is not dict or all(name in data for name in names)

    def _anyOf(self, value: Any, schema: dict[str, Any]) -> Test:
        branches = [self.compile(branch) for branch in value]
        return lambda data: any(branch(data) for branch in branches)

    def _properties(self, value: Any, schema: dict[str, Any]) -> Test:
        named = {name: self.compile(sub) for name, sub in value.items()}
        named = {name: test for name, test in named.items() if test is not _anything}

        def properties(data: Any) -> bool:
            if type(data) is not dict:
                return True
            for name, test in named.items():
                if name in data and not test(data[name]):
                    return False
            return True
        return properties

    def _patternProperties(self, value: Any, schema: dict[str, Any]) -> Test:
        tests = [(re.compile(pattern), self.compile(sub)) for pattern, sub in value.items()]
        if all(test is _anything for _, test in tests):
            return _anything
        return lambda data: type(data) is not dict or all(
            test(item) for key, item in data.items() for pattern, test in tests if pattern.search(key))

    def _additionalProperties(self, value: Any, schema: dict[str, Any]) -> Test:
        known = frozenset(schema.get("properties", {}))
        patterns = [re.compile(pattern) for pattern in schema.get("patternProperties", {})]
        test = _nothing if value is False else self.compile(value)

        def additional(data: Any) -> bool:
            if type(data) is not dict:
                return True
            for key, item in data.items():
                if key in known or any(pattern.search(key) for pattern in patterns):
                    continue
                if not test(item):
                    return False
            return True
        return additional

    def _items(self, value: Any, schema: dict[str, Any]) -> Test:
        test = self.compile(value)
        start = len(schema.get("prefixItems", ()))
        if test is _anything:
            return _anything
        return lambda data: type(data) is not list or all(test(item) for item in data[start:])

    def _prefixItems(self, value: Any, schema: dict[str, Any]) -> Test:
        tests = [self.compile(sub) for sub in value]
        return lambda data: type(data) is not list or all(test(item) for test, item in zip(tests, data))


def _anything(data: Any) -> bool:
    return True


def _nothing(data: Any) -> bool:
    return False


def _is_date(text: str) -> bool:
    if not _DATE.fullmatch(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_number(data: Any) -> bool:
    return type(data) is int or type(data) is float


_TYPES: dict[str, Test] = {
    "string": lambda data: type(data) is str,
    "number": _is_number,
    # jsonschema counts 1.0 as an integer too; saying no to it only sends it to jsonschema.
    "integer": lambda data: type(data) is int,
    "boolean": lambda data: type(data) is bool,
    "null": lambda data: data is None,
    "array": lambda data: type(data) is list,
    "object": lambda data: type(data) is dict,
}
