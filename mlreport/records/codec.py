"""Records as JSON data and back, for the record cache: plain data in, every field's type checked out.

A record's fields are written as their types say (dates as ISO text, tuples as lists, nested
records as objects) and read back only in exactly that shape: a value of the wrong type, a
missing or unknown field stops the read with `ValueError`, so what comes back is a record the
loader could have built. Free-form YAML values (`params`, `extra`, a card's metadata) keep their
types through tags: `{"$": "date", "v": "2026-01-02"}`, and mappings whose keys are not text.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import types
import typing
from functools import lru_cache
from typing import Any, Callable

from mlreport.problems import Problem
from mlreport.records.common import Record
from mlreport.records.decision import Decision
from mlreport.records.experiment import Experiment
from mlreport.records.model_card import ModelCard

_RECORD_TYPES: dict[str, type[Record]] = {cls.__name__: cls for cls in (Experiment, Decision, ModelCard)}
_TAG = "$"
_SCALARS = (str, int, float, bool)
_SEVERITIES = ("error", "warning")

Codec = Callable[[Any], Any]


def encode_record(record: Record) -> dict[str, Any]:
    """A record as JSON data; TypeError when a value has no JSON form (the record is then not cached)."""
    return {"type": type(record).__name__, "fields": _encoder(type(record))(record)}


def decode_record(data: Any) -> Record:
    """The record `encode_record` wrote; ValueError when the data is not exactly such a record."""
    if type(data) is not dict or data.keys() != {"type", "fields"} or data["type"] not in _RECORD_TYPES:
        raise ValueError("not a record")
    return _decoder(_RECORD_TYPES[data["type"]])(data["fields"])


def encode_problem(problem: Problem) -> list[Any]:
    """A problem as a JSON list."""
    return [getattr(problem, field.name) for field in dataclasses.fields(Problem)]


def decode_problem(data: Any) -> Problem:
    """The problem `encode_problem` wrote; ValueError when the data is no problem."""
    if type(data) is not list or [type(v) for v in data] != [str, int, int, str, str, str, str] \
            or data[3] not in _SEVERITIES:
        raise ValueError("not a problem")
    return Problem(*data)


@lru_cache(maxsize=None)
def _encoder(hint: Any) -> Codec:
    """How to write a value of a type; built once per type, so a large record is written in one quick pass."""
    if hint is Any:
        return _encode_any
    if _optional(hint):
        inner = _encoder(_optional(hint))
        return lambda value: None if value is None else inner(value)
    if hint is dt.date:
        return _checked(dt.date, dt.date.isoformat)
    if dataclasses.is_dataclass(hint):
        fields = [(name, _encoder(field_hint)) for name, field_hint in _fields(hint)]
        return lambda value: {name: encode(getattr(value, name)) for name, encode in fields}
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is dict and args[1] is Any:
        return _checked(dict, _encode_any)  # raw YAML mappings: their keys may be numbers or dates
    if origin is tuple and args[-1] is Ellipsis:
        item = _encoder(args[0])
        return lambda value: [item(v) for v in value]
    if origin is tuple:
        items = [_encoder(arg) for arg in args]
        return lambda value: [encode(v) for encode, v in zip(items, value, strict=True)]
    if origin is dict and args[0] is str:
        item = _encoder(args[1])
        return lambda value: {_str_key(k): item(v) for k, v in value.items()}
    if hint in _SCALARS:
        return _checked(hint, lambda value: value)
    raise TypeError(f"no JSON form for {hint}")


@lru_cache(maxsize=None)
def _decoder(hint: Any) -> Codec:
    """How to read a value of a type back, checking its shape on the way."""
    if hint is Any:
        return _decode_any
    if _optional(hint):
        inner = _decoder(_optional(hint))
        return lambda value: None if value is None else inner(value)
    if hint is dt.date:
        return lambda value: dt.date.fromisoformat(_exactly(str, value))
    if dataclasses.is_dataclass(hint):
        fields = dict((name, _decoder(field_hint)) for name, field_hint in _fields(hint))

        names = fields.keys()

        def record(value: Any) -> Any:
            if type(value) is not dict or value.keys() != names:
                raise ValueError(f"not the fields of {hint.__name__}")
            return hint(**{name: decode(value[name]) for name, decode in fields.items()})
        return record
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is dict and args[1] is Any:
        return lambda value: _exactly(dict, _decode_any(value))
    if origin is tuple and args[-1] is Ellipsis and args[0] in _SCALARS:
        scalar = args[0]

        def scalar_items(value: Any) -> tuple[Any, ...]:
            if type(value) is not list or any(type(v) is not scalar for v in value):
                raise ValueError(f"expected {scalar.__name__} items")
            return tuple(value)
        return scalar_items
    if origin is tuple and args[-1] is Ellipsis and _scalar_pair(args[0]):
        first, second = typing.get_args(args[0])

        def pairs(value: Any) -> tuple[tuple[Any, Any], ...]:
            # A curve: thousands of points, checked in one pass.
            if type(value) is not list or not all(type(v) is list and len(v) == 2 and type(v[0]) is first
                                                  and type(v[1]) is second for v in value):
                raise ValueError("expected pairs of values")
            return tuple([(v[0], v[1]) for v in value])
        return pairs
    if origin is tuple and args[-1] is Ellipsis:
        item = _decoder(args[0])
        return lambda value: tuple([item(v) for v in _exactly(list, value)])
    if _scalar_pair(hint):
        first, second = args

        def pair(value: Any) -> tuple[Any, Any]:
            # Points of a curve and positions in a file: thousands per record, so checked without a loop.
            if type(value) is not list or len(value) != 2 or type(value[0]) is not first \
                    or type(value[1]) is not second:
                raise ValueError("expected 2 values")
            return value[0], value[1]
        return pair
    if origin is tuple and all(arg in _SCALARS for arg in args):
        def scalars(value: Any) -> tuple[Any, ...]:
            if type(value) is not list or len(value) != len(args) or any(
                    type(v) is not arg for v, arg in zip(value, args)):
                raise ValueError(f"expected {len(args)} values")
            return tuple(value)
        return scalars
    if origin is tuple:
        items = [_decoder(arg) for arg in args]

        def fixed(value: Any) -> tuple[Any, ...]:
            if type(value) is not list or len(value) != len(items):
                raise ValueError(f"expected {len(items)} values")
            return tuple(decode(v) for decode, v in zip(items, value))
        return fixed
    if origin is dict and args[0] is str and args[1] in _SCALARS:
        scalar = args[1]

        def scalars_by_name(value: Any) -> dict[str, Any]:
            if type(value) is not dict or any(type(v) is not scalar for v in value.values()):
                raise ValueError(f"expected {scalar.__name__} values")
            return dict(value)
        return scalars_by_name
    if origin is dict and args[0] is str:
        item = _decoder(args[1])
        return lambda value: {k: item(v) for k, v in _exactly(dict, value).items()}
    if hint in _SCALARS:
        return lambda value: _exactly(hint, value)
    raise TypeError(f"no JSON form for {hint}")


def _encode_any(value: Any) -> Any:
    """A YAML value as JSON: what JSON has stays as it is, anything else gets a tag."""
    if value is None or type(value) in _SCALARS:
        return value
    if type(value) is list:
        return [_encode_any(v) for v in value]
    if type(value) is dict:
        if all(type(k) is str for k in value) and _TAG not in value:
            return {k: _encode_any(v) for k, v in value.items()}
        return _tagged("map", [[_encode_any(k), _encode_any(v)] for k, v in value.items()])
    if type(value) is tuple:
        return _tagged("tuple", [_encode_any(v) for v in value])
    if type(value) is set:
        return _tagged("set", [_encode_any(v) for v in value])
    if type(value) is dt.datetime:
        return _tagged("datetime", value.isoformat())
    if type(value) is dt.date:
        return _tagged("date", value.isoformat())
    if type(value) is bytes:
        return _tagged("bytes", base64.b64encode(value).decode("ascii"))
    raise TypeError(f"no JSON form for {type(value).__name__}")


def _decode_any(value: Any) -> Any:
    # Most values are leaves: they are taken as they are without a call each.
    if value is None or type(value) in _SCALARS:
        return value
    if type(value) is list:
        return [v if v is None or type(v) in _SCALARS else _decode_any(v) for v in value]
    if type(value) is not dict:
        raise ValueError(f"unexpected {type(value).__name__}")
    if _TAG not in value:
        return {k: v if v is None or type(v) in _SCALARS else _decode_any(v) for k, v in value.items()}
    if value.keys() != {_TAG, "v"} or value[_TAG] not in _TAGGED:
        raise ValueError("unknown tag")
    return _TAGGED[value[_TAG]](value["v"])


def _pairs(value: Any) -> dict[Any, Any]:
    pairs = [_exactly(list, pair) for pair in _exactly(list, value)]
    if any(len(pair) != 2 for pair in pairs):
        raise ValueError("a mapping's items are pairs")
    return {_decode_any(k): _decode_any(v) for k, v in pairs}


_TAGGED: dict[str, Codec] = {
    "map": _pairs,
    "tuple": lambda value: tuple(_decode_any(v) for v in _exactly(list, value)),
    "set": lambda value: {_decode_any(v) for v in _exactly(list, value)},
    "datetime": lambda value: dt.datetime.fromisoformat(_exactly(str, value)),
    "date": lambda value: dt.date.fromisoformat(_exactly(str, value)),
    "bytes": lambda value: base64.b64decode(_exactly(str, value), validate=True),
}


def _tagged(tag: str, value: Any) -> dict[str, Any]:
    return {_TAG: tag, "v": value}


@lru_cache(maxsize=None)
def _fields(cls: type) -> tuple[tuple[str, Any], ...]:
    """A dataclass's constructor fields with their resolved types."""
    hints = typing.get_type_hints(cls)
    return tuple((field.name, hints[field.name]) for field in dataclasses.fields(cls) if field.init)


def _scalar_pair(hint: Any) -> bool:
    """Whether a hint is `tuple[A, B]` of two scalar types (a curve's point, a position in a file)."""
    args = typing.get_args(hint)
    return typing.get_origin(hint) is tuple and len(args) == 2 and all(arg in _SCALARS for arg in args)


def _optional(hint: Any) -> Any:
    """`X` for a hint `X | None`, else None."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(args) == 1 and len(typing.get_args(hint)) == 2:
            return args[0]
    return None


def _checked(cls: type, convert: Codec) -> Codec:
    """A writer that refuses values of another type (a subclass would not read back the same)."""
    def encode(value: Any) -> Any:
        if type(value) is not cls:
            raise TypeError(f"expected {cls.__name__}, found {type(value).__name__}")
        return convert(value)
    return encode


def _exactly(cls: type, value: Any) -> Any:
    if type(value) is not cls:
        raise ValueError(f"expected {cls.__name__}, found {type(value).__name__}")
    return value


def _str_key(key: Any) -> str:
    if type(key) is not str:
        raise TypeError("mapping keys must be text")
    return key
