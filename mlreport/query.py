"""The query language: MLflow's search syntax, extended, over experiments' fields.

    metrics.test.pr_auc > 0.7 and metrics.ops.`p99_ms` < 10 and params.model = 'lightgbm'
    tags contains 'gbm' or (author = 'amara.okafor' and date >= '2026-06-01')

One semantics for every place that filters: `mlreport query`, leaderboard `filter:` strings,
`mlreport diff --query`, and the site's filter boxes, whose evaluator (assets/query.js) is checked
against the same table of cases (tests/fixtures/query_cases.yaml). A comparison with a missing
value is false, never an error; a bad expression is a `QueryError` with the column at fault.

An experiment is queried through its fields (`record_fields`): a JSON-able mapping that the site
ships as data too, so both evaluators read the same values.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Protocol, Sequence

if TYPE_CHECKING:
    from lark import Lark, Token, Tree

GRAMMAR = r"""
?query: disjunction
order: ordering (COMMA ordering)*
ordering: field DIRECTION?
columns: field (COMMA field)*

?disjunction: conjunction (OR conjunction)*
?conjunction: negation (AND negation)*
?negation: NOT negation -> negate
         | LPAR disjunction RPAR -> group
         | comparison
comparison: field COMPARE value                             -> compare
          | field NOT? (LIKE | ILIKE) STRING                -> like
          | field NOT? IN LPAR value (COMMA value)* RPAR    -> within
          | field IS NOT? NULL                              -> null
          | field CONTAINS value                            -> contains
field: WORD (DOT (WORD | BACKTICK | STRING))*
value: STRING | NUMBER

OR.2: /or(?![\w-])/i
AND.2: /and(?![\w-])/i
NOT.2: /not(?![\w-])/i
LIKE.2: /like(?![\w-])/i
ILIKE.2: /ilike(?![\w-])/i
IN.2: /in(?![\w-])/i
IS.2: /is(?![\w-])/i
NULL.2: /null(?![\w-])/i
CONTAINS.2: /contains(?![\w-])/i
DIRECTION.2: /(asc|desc)(?![\w-])/i
WORD: /[A-Za-z_][A-Za-z0-9_\-]*/
DOT: "."
LPAR: "("
RPAR: ")"
COMMA: ","
COMPARE: "!=" | "<=" | ">=" | "=" | "<" | ">"
NUMBER: /[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?/
STRING: /'(?:[^'\\]|\\[\s\S])*'/ | /"(?:[^"\\]|\\[\s\S])*"/
BACKTICK: /`[^`]*`/
%ignore /\s+/
"""
# Keywords are always keywords (a basic lexer, as the browser's hand-written one): a field that
# is spelled like one is written in backticks. Digits are ASCII and strings may span lines, in
# both languages' regular expressions alike.

FIELDS = ("id", "title", "status", "task", "dataset", "dataset.version", "dataset.split", "model", "date",
          "author", "tags", "baseline")
"""The record fields a query may name, besides `metrics.X`, `params.X` and `tags.X`."""
_ALIASES = {"authors": "author", "run_name": "title", "run_id": "id", "dataset.name": "dataset"}
"""Other names for record fields (MLflow's among them)."""
_PREFIXES = {"metrics": "metrics", "metric": "metrics", "params": "params", "param": "params",
             "tags": "tag", "tag": "tag"}
_ATTRIBUTES = ("attributes", "attribute", "attr", "run")
"""MLflow's prefixes for record fields: `attributes.status = 'FAILED'` works unchanged."""
MLFLOW_STATUSES = {"finished": "completed", "killed": "abandoned", "scheduled": "planned"}
"""MLflow's run statuses, as the records spell them (matching ignores case)."""
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")

Fields = Mapping[str, Any]
Predicate = Callable[[Fields], bool]


class QueryError(Exception):
    """A bad expression: what was expected, and the column (1-based) of the problem."""

    def __init__(self, column: int, message: str, hint: str = "", source: str = "query"):
        self.column, self.message, self.hint, self.source = column, message, hint, source
        super().__init__(f"{source}:1:{column}: {message}")

    def line(self) -> str:
        """The one line a command prints: `query:1:18: expected a value after '>'`, and the hint."""
        return f"{self} ({self.hint})" if self.hint else str(self)

    def located(self, source: str) -> QueryError:
        """The same error, named after where the expression came from (`order-by`)."""
        return QueryError(self.column, self.message, self.hint, source)


class Queryable(Protocol):
    """What a record offers a query (an experiment)."""

    id: str
    title: str
    status: str
    task: str
    model: str
    baseline: str
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    params: dict[str, Any]
    metrics: dict[str, float]
    extra: dict[str, Any]

    @property
    def date(self) -> Any: ...

    @property
    def dataset(self) -> Any: ...


@dataclass(frozen=True)
class Field:
    """A name in a query, resolved: `("metrics", "test.pr_auc")`, `("field", "status")`."""

    kind: str
    name: str
    text: str
    """As written, for messages and column titles."""

    @property
    def key(self) -> str:
        """The field's one spelling, whatever alias or quoting was written: `metrics.test.pr_auc`."""
        return self.name if self.kind == "field" else f"{'tags' if self.kind == 'tag' else self.kind}.{self.name}"

    def value(self, fields: Fields) -> Any:
        """The field's value in a record's fields; None when the record has none."""
        holder = fields if self.kind == "field" else fields.get(self.kind) or {}
        value = holder.get(self.name)
        return None if value in ("", []) else value


@dataclass(frozen=True)
class Query:
    """A parsed expression: a test on a record's fields, and the fields it reads."""

    text: str
    test: Predicate
    fields: tuple[Field, ...]

    def matches(self, fields: Fields) -> bool:
        """Whether a record's fields satisfy the expression (an empty one matches all)."""
        return self.test(fields)

    def select(self, records: Iterable[Queryable]) -> list[Any]:
        """The records that match, in their order."""
        return [record for record in records if self.test(record_fields(record))]


# -- parsing ------------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def _parser() -> Lark:
    # Imported when the first expression is read: most commands read none, and lark takes a while to import.
    from lark import Lark

    return Lark(GRAMMAR, parser="lalr", lexer="basic", start=["query", "order", "columns"])


def _is_tree(node: Any) -> bool:
    from lark import Tree

    return isinstance(node, Tree)


def _is_token(node: Any) -> bool:
    from lark import Token

    return isinstance(node, Token)


def parse(text: str) -> Query:
    """Parse an expression; raises QueryError. Blank text is the query that matches every record."""
    if not text.strip():
        return Query(text, lambda fields: True, ())
    tree = _parse(text, "query")
    found: list[Field] = []
    return Query(text, _compile(tree, found), tuple(dict.fromkeys(found)))


def parse_order(text: str) -> list[tuple[Field, bool]]:
    """`metrics.test.pr_auc DESC, date` → [(field, descending)]; raises QueryError."""
    tree = _parse(text, "order")
    return [(_field(item.children[0]), len(item.children) > 1 and item.children[1].lower() == "desc")
            for item in tree.children if _is_tree(item)]


def parse_columns(text: str) -> list[Field]:
    """`id, title, metrics.test.pr_auc` → fields; raises QueryError."""
    return [_field(node) for node in _parse(text, "columns").children if _is_tree(node)]


def sort_fields(rows: Iterable[Fields], order: Sequence[tuple[Field, bool]]) -> list[Fields]:
    """Rows sorted by each (field, descending) in turn; rows without a value come last either way."""
    ordered = list(rows)
    for field, descending in reversed(order):  # stable sorts, the least significant key first
        present = [row for row in ordered if field.value(row) is not None]
        missing = [row for row in ordered if field.value(row) is None]
        present.sort(key=lambda row: _sort_value(field.value(row)), reverse=descending)
        ordered = present + missing
    return ordered


def _sort_value(value: Any) -> tuple[int, Any]:
    """Numbers before text; a list sorts by its items joined."""
    if isinstance(value, (int, float)):
        return (0, value)
    return (1, ", ".join(value) if isinstance(value, list) else value)


def _parse(text: str, start: str) -> Tree:
    from lark import UnexpectedCharacters, UnexpectedToken

    try:
        return _parser().parse(text, start=start)
    except UnexpectedCharacters as exc:
        raise QueryError(exc.column, _lexical_problem(text[exc.pos_in_stream])) from None
    except UnexpectedToken as exc:
        at_end = exc.token.type == "$END"
        column = len(text) + 1 if at_end else exc.token.column
        position = len(text) if at_end else exc.token.start_pos
        raise QueryError(column, _expected(text, list(_parser().lex(text[:position])), start)) from None


def _lexical_problem(char: str) -> str:
    if char in "'\"":
        return "unterminated string"
    if char == "`":
        return "unterminated name"
    return f"unexpected character {char!r}"


def _expected(text: str, before: list[Token], start: str) -> str:
    """What should have come next, from the tokens read so far (assets/query.js says the same)."""
    previous = before[-1] if before else None
    kind = previous.type if previous else ""
    earlier = before[-2].type if len(before) > 1 else ""
    lists = _open_lists(before)
    if start != "query":
        return _expected_in_list(kind, start)
    if kind in ("", "AND", "OR") or (kind == "LPAR" and not (lists and lists[-1])) or (
            kind == "NOT" and earlier in ("", "AND", "OR", "LPAR", "NOT")):
        return "expected a field name"
    said = previous.value if previous else ""
    if kind in ("COMPARE", "CONTAINS", "COMMA", "LPAR"):
        return f"expected a value after {said!r}"
    if kind in ("LIKE", "ILIKE"):
        return f"expected a quoted pattern after {said!r}"
    if kind == "IN":
        return f"expected '(' after {said!r}"
    if kind == "IS":
        return f"expected NULL or NOT NULL after {said!r}"
    if kind == "NOT":
        return f"expected NULL after {said!r}" if earlier == "IS" else f"expected LIKE, ILIKE or IN after {said!r}"
    if kind == "DOT":
        return "expected a name after '.'"
    if kind in ("WORD", "BACKTICK") or (kind == "STRING" and earlier == "DOT"):
        return f"expected an operator after {_field_text(text, before)!r}"
    if lists and lists[-1]:
        return "expected ',' or ')'"
    return "expected 'and', 'or' or ')'" if lists else "expected 'and', 'or' or the end"


def _expected_in_list(kind: str, start: str) -> str:
    if kind in ("", "COMMA"):
        return "expected a field name"
    if kind == "DOT":
        return "expected a name after '.'"
    return "expected ',', ASC or DESC" if start == "order" and kind != "DIRECTION" else "expected ','"


def _open_lists(tokens: list[Token]) -> list[bool]:
    """The parentheses still open, innermost last: True for an IN list, False for a group."""
    stack: list[bool] = []
    for index, token in enumerate(tokens):
        if token.type == "LPAR":
            stack.append(index > 0 and tokens[index - 1].type == "IN")
        elif token.type == "RPAR" and stack:
            stack.pop()
    return stack


def _field_text(text: str, tokens: list[Token]) -> str:
    """The field written just before the error: its tokens run back over dots."""
    first = len(tokens) - 1
    while first >= 2 and tokens[first - 1].type == "DOT":
        first -= 2
    return text[tokens[first].start_pos:tokens[-1].end_pos]


# -- names --------------------------------------------------------------------------------------


def _field(node: Tree) -> Field:
    tokens = [t for t in node.children if _is_token(t) and t.type != "DOT"]
    parts = [_unquote(t) for t in tokens]
    text = ".".join(t.value for t in tokens)
    head, rest = parts[0].lower(), ".".join(parts[1:])
    if head in _PREFIXES and rest:
        return Field(_PREFIXES[head], rest, text)
    name = rest.lower() if head in _ATTRIBUTES and rest else ".".join(parts).lower()
    name = _ALIASES.get(name, name)
    if name in FIELDS:
        return Field("field", name, text)
    raise QueryError(tokens[0].column, f"unknown field {text!r}", _field_hint(head))


def _field_hint(head: str) -> str:
    if head in _PREFIXES:
        return f"name one: {head}.NAME"
    return f"use metrics.NAME, params.NAME, tags.NAME or one of: {', '.join(FIELDS)}"


def _unquote(token: Token) -> str:
    if token.type == "BACKTICK":
        return token.value[1:-1]
    if token.type == "STRING":
        return re.sub(r"\\(.)", r"\1", token.value[1:-1], flags=re.S)
    return token.value


def _literal(node: Tree) -> str | float:
    token = node.children[0]
    return float(token.value) if token.type == "NUMBER" else _unquote(token)


# -- meaning ------------------------------------------------------------------------------------


def _compile(node: Tree, found: list[Field]) -> Predicate:
    """A tree to a test on fields; each field read is added to `found`."""
    if node.data == "group":
        return _compile(node.children[1], found)
    kids = [kid for kid in node.children if _is_tree(kid)]
    if node.data in ("disjunction", "conjunction"):
        tests = [_compile(kid, found) for kid in kids]
        combine = any if node.data == "disjunction" else all
        return lambda fields: combine(test(fields) for test in tests)
    if node.data == "negate":
        inner = _compile(kids[0], found)
        return lambda fields: not inner(fields)
    field = _field(kids[0])
    found.append(field)
    negated = any(_is_token(t) and t.type == "NOT" for t in node.children)
    literals = [_status_literal(field, _literal(kid)) for kid in kids[1:]]
    tokens = {t.type: t for t in node.children if _is_token(t)}
    if node.data == "null":
        return lambda fields: (field.value(fields) is None) != negated
    if node.data == "compare":
        operator = tokens["COMPARE"].value
        if operator == "!=":
            return _test(field, _comparison("=", literals[0]), negated=True)
        return _test(field, _comparison(operator, literals[0]))
    if node.data == "like":
        pattern = like_pattern(_unquote(tokens["STRING"]), "ILIKE" in tokens)
        return _test(field, lambda value: pattern.fullmatch(_fold(value, "ILIKE" in tokens)) is not None, negated)
    if node.data == "within":
        tests = [_comparison("=", literal) for literal in literals]
        return _test(field, lambda value: any(test(value) for test in tests), negated)
    return _contains(field, literals[0])


def _test(field: Field, match: Callable[[Any], bool], negated: bool = False) -> Predicate:
    """A comparison on one field: missing is false; a list matches if any item does (negated: if none)."""
    def test(fields: Fields) -> bool:
        value = field.value(fields)
        if value is None:
            return False
        hit = any(match(item) for item in value) if isinstance(value, list) else match(value)
        return hit != negated
    return test


def _contains(field: Field, literal: str | float) -> Predicate:
    wanted = text_of(literal)

    def test(fields: Fields) -> bool:
        value = field.value(fields)
        if value is None:
            return False
        return wanted in value if isinstance(value, list) else wanted in text_of(value)
    return test


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def _comparison(operator: str, literal: str | float) -> Callable[[Any], bool]:
    """`value OP literal`: with a number on either side, as numbers (text that reads as one counts;
    other text never matches); two texts as text."""
    compare = _ORDER[operator]
    literal_number = literal if isinstance(literal, float) else _as_number(literal)
    literal_text = text_of(literal)

    def match(value: Any) -> bool:
        is_number = isinstance(value, (int, float))
        if is_number or isinstance(literal, float):
            number = value if is_number else _as_number(value)
            return number is not None and literal_number is not None and compare(number, literal_number)
        return compare(value, literal_text)
    return match


def _status_literal(field: Field, literal: str | float) -> str | float:
    """Statuses match whatever their case, and MLflow's names mean the records' (`FINISHED`)."""
    if (field.kind, field.name) != ("field", "status") or not isinstance(literal, str):
        return literal
    lowered = literal.lower()
    return MLFLOW_STATUSES.get(lowered, lowered)


def like_pattern(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    """SQL LIKE as a regular expression: `%` any run of characters, `_` one character."""
    body = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in _fold(pattern, ignore_case))
    return re.compile(body, re.S)


def _fold(value: Any, ignore_case: bool) -> str:
    text = text_of(value)
    return text.lower() if ignore_case else text


def _as_number(value: Any) -> float | None:
    return float(value) if isinstance(value, str) and _NUMBER.fullmatch(value) else None


def text_of(value: Any) -> str:
    """A value as text compares it; numbers as JavaScript writes them (`4`, `0.001`, `1e-7`)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return number_text(value)


def number_text(number: float) -> str:
    """JavaScript's `String(number)`, so both evaluators read a number as the same text."""
    if number == 0:
        return "0"
    digits = Decimal(repr(float(number))).normalize()  # the shortest digits that read back, as JS picks
    exponent = digits.adjusted()
    if -7 < exponent < 21:
        return format(digits, "f")
    sign, figures, _ = digits.as_tuple()
    mantissa = "".join(map(str, figures))
    mantissa = mantissa[0] + ("." + mantissa[1:] if len(mantissa) > 1 else "")
    return f"{'-' if sign else ''}{mantissa}e{'+' if exponent > 0 else '-'}{abs(exponent)}"


# -- records ------------------------------------------------------------------------------------


def record_fields(record: Queryable) -> dict[str, Any]:
    """What a query reads of a record, as JSON-able data (the site's filter boxes read the same)."""
    dataset = record.dataset
    fields: dict[str, Any] = {
        "id": record.id, "title": record.title, "status": record.status, "task": record.task,
        "dataset": dataset.name if dataset else "", "dataset.version": dataset.version if dataset else "",
        "dataset.split": dataset.split if dataset else "", "model": record.model,
        "date": record.date.isoformat() if record.date else "", "author": list(record.authors),
        "tags": list(record.tags), "baseline": record.baseline,
        "metrics": dict(record.metrics),
        "params": {k: _param(v) for k, v in record.params.items() if _param(v) is not None},
        "tag": {**_imported_tags(record.extra), **_tag_values(record.tags)},
    }
    return {k: v for k, v in fields.items() if v not in ("", [], {})}


def _param(value: Any) -> Any:
    """Parameters as numbers or text: lists and mappings as compact JSON text (keys sorted), booleans
    as true/false. (The loader has made NaN and dates text.)"""
    if value is None or isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, bool):
        return text_of(value)
    return json.dumps(_text_keys(value), separators=(",", ":"), sort_keys=True, default=str)


def _text_keys(value: Any) -> Any:
    """Mapping keys as text, as JSON writes them: YAML keys `3` and `a` side by side cannot be sorted otherwise."""
    if isinstance(value, dict):
        return {str(k): _text_keys(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_text_keys(v) for v in value]
    return value


def _imported_tags(extra: Mapping[str, Any]) -> dict[str, str]:
    """The tags of a run imported from MLflow (`extra.mlflow.tags`), so its filters work unchanged."""
    imported = extra.get("mlflow")
    tags = imported.get("tags") if isinstance(imported, Mapping) else None
    if not isinstance(tags, Mapping):
        return {}
    return {str(k): text_of(v) for k, v in tags.items() if isinstance(v, (str, int, float)) and v != ""}


def _tag_values(tags: Sequence[str]) -> dict[str, str]:
    """`tags.X`: a tag written `X=v` or `X:v` has the value v; a plain tag `X` has the value 'true'."""
    values: dict[str, str] = {}
    for tag in tags:
        pair = re.fullmatch(r"([^=:]+)[=:](.*)", tag, re.S)
        values.setdefault(pair[1] if pair else tag, pair[2] if pair else "true")
    return values
