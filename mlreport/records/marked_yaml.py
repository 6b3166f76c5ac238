"""YAML with line marks: a record file's mapping read safely, with the position of every key and value, and the
front matter of Markdown records.

Records are plain mappings, read by libyaml in one quick pass (`_quick_document`); anything else (aliases,
merge keys, tags, duplicate keys, unreadable values) takes the general path, which reads it as PyYAML's
safe loader does or words what is wrong at its line and column. Both give the same `Document`.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from mlreport.problems import EXCERPT, Problem, excerpt, is_indentation, yaml_problem
from mlreport.records.source import Document, KeyPath, SourceError

_FRONT_MATTER_START = re.compile(r"\A---[ \t]*\r?\n")
_BRACKETS = re.compile(r"[\[\]{}]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)


def parse_yaml(text: str, shown: str, line_offset: int = 0, *, what: str = "file") -> Document:
    """Parse one YAML mapping safely, keeping the position of every key and value."""
    if not text.strip():
        raise SourceError(Problem(shown, 1 + line_offset, 1, "error", f"{what} is empty",
                                  "a record is a YAML mapping with at least `title` and `date`"))
    # Records are plain mappings: read in one quick pass, the general path kept for what that pass leaves.
    return _quick_document(text, shown, line_offset) or _general_document(text, shown, line_offset, what)


def _general_document(text: str, shown: str, line_offset: int, what: str) -> Document:
    """`parse_yaml` of any text: whatever it holds is read as PyYAML reads it, or becomes a located problem."""
    try:
        node, data, inherited = _load(text, shown, line_offset)
    except yaml.MarkedYAMLError as exc:
        raise SourceError(yaml_problem(exc, shown, line_offset, what)) from None
    except yaml.YAMLError as exc:
        raise SourceError(Problem(shown, 1 + line_offset, 1, "error",
                                  f"invalid YAML: {excerpt(str(exc), 2 * EXCERPT, quoted=False)}")) from None
    except RecursionError:
        raise _too_deep(shown, line_offset) from None
    if not isinstance(data, dict):
        found = "nothing" if data is None else f"a {_yaml_type(data)}"
        raise SourceError(Problem(shown, 1 + line_offset, 1, "error",
                                  f"expected a mapping of keys to values, found {found}",
                                  "write `key: value` lines, starting with `title: …`"))
    document = Document(shown, data, line_offset=line_offset)
    _index_marks(node, (), document, inherited)
    return document


def split_front_matter(text: str, shown: str) -> tuple[Document | None, str, int]:
    """Split Markdown into (front matter, body, the body's first line number)."""
    match = _FRONT_MATTER.match(text)
    if not match:
        if _FRONT_MATTER_START.match(text):
            raise SourceError(Problem(shown, 1, 1, "error", "front matter starts here but never ends",
                                      "close it with a `---` line before the Markdown"))
        return None, text, 1
    inner = match.group(1) or ""
    body = text[match.end():]
    body_line = text[: match.end()].count("\n") + 1
    if not inner.strip():
        return Document(shown, {}), body, body_line
    return parse_yaml(inner, shown, line_offset=1, what="front matter"), body, body_line


def _quick_document(text: str, shown: str, line_offset: int) -> Document | None:
    """The document of a plain mapping (no alias, merge key, tag, duplicate key or unreadable value: what records
    are), read by libyaml and built with its marks in one walk; None for anything else, which `_load` reads (and
    words what is wrong with), exactly as it reads every document."""
    if _FastLoader is None or "*" in text or _flow_depth(text) > _MAX_DEPTH:
        return None
    loader = _FastLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError:
            return None
        if type(node) is not yaml.MappingNode:
            return None
        document = Document(shown, {}, line_offset=line_offset)
        try:
            document.data = _QuickWalk(loader, document, shown, line_offset).value(node, (), 0)
        except _Unusual:
            return None
        return document
    finally:
        loader.dispose()


class _QuickWalk:
    """Data and marks of a node tree in one pass: what `_construct` and `_index_marks` give, and the depth check
    of `_deeper_than`, for the documents that need none of the general path's care (see `_quick_document`)."""

    def __init__(self, loader: Any, document: Document, shown: str, line_offset: int):
        self.loader = loader
        self.key_marks, self.value_marks, self.raw = document.key_marks, document.value_marks, document.raw_scalars
        self.shown, self.line_offset = shown, line_offset

    def value(self, node: yaml.Node, path: KeyPath, depth: int) -> Any:
        """The value of a node at `path`, its marks and those of everything below it noted."""
        if depth > _MAX_DEPTH:
            raise _too_deep(self.shown, self.line_offset)
        kind = type(node)
        if kind is yaml.ScalarNode:
            self.raw[path] = node.value
            return _scalar(self.loader, node)
        if kind is yaml.MappingNode and node.tag == _MAP:
            mapping: dict[Any, Any] = {}
            key_marks, value_marks = self.key_marks, self.value_marks
            for key_node, value_node in node.value:
                if type(key_node) is not yaml.ScalarNode or key_node.tag == _MERGE:
                    raise _Unusual("key")
                key = _scalar(self.loader, key_node)
                child = path + (key_node.value,)
                # A key written twice (or `1` beside `'1'`, one place in the marks): the general path reports it.
                if key in mapping or child in key_marks:
                    raise _Unusual("duplicate")
                mark = key_node.start_mark
                key_marks[child] = (mark.line + 1, mark.column + 1)
                mark = value_node.start_mark
                value_marks[child] = (mark.line + 1, mark.column + 1)
                mapping[key] = self.value(value_node, child, depth + 1)
            return mapping
        if kind is yaml.SequenceNode and node.tag == _SEQ:
            items = []
            key_marks, value_marks, raw, loader = self.key_marks, self.value_marks, self.raw, self.loader
            if depth == _MAX_DEPTH and node.value:
                raise _too_deep(self.shown, self.line_offset)
            for index, item in enumerate(node.value):
                child = path + (index,)
                mark = item.start_mark
                key_marks[child] = value_marks[child] = (mark.line + 1, mark.column + 1)
                # Curves are lists of thousands of numbers: their scalars are taken here, without a call each.
                if type(item) is yaml.ScalarNode:
                    raw[child] = item.value
                    items.append(_scalar(loader, item))
                else:
                    items.append(self.value(item, child, depth + 1))
            return items
        raise _Unusual(node.tag)


def _load(text: str, shown: str, line_offset: int) -> tuple[yaml.Node | None, Any, dict[int, int]]:
    """The node tree and the data: libyaml reads fast, PyYAML's own parser words what is wrong."""
    # libyaml has no recursion guard (deep `[[[…` crashes the process), so deep text goes to PyYAML.
    if _FastLoader is None or _flow_depth(text) > _MAX_DEPTH:
        return _load_with(_RecordLoader, text, shown, line_offset)
    try:
        return _load_with(_FastLoader, text, shown, line_offset)
    except yaml.YAMLError as terse:
        try:
            return _load_with(_RecordLoader, text, shown, line_offset)
        except yaml.MarkedYAMLError as worded:
            # PyYAML refuses a tab inside a value, which YAML allows: then libyaml's complaint is the real one.
            raise terse if "\\t" in (worded.problem or "") and not is_indentation(worded.problem_mark) \
                else worded


def _load_with(loader_class: type, text: str, shown: str,
               line_offset: int) -> tuple[yaml.Node | None, Any, dict[int, int]]:
    """The node tree, the data, and how many leading pairs of each mapping a merge key (`<<`) brought in."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        # Without an alias (`*name`) the nodes form a tree no bigger than the text: only its depth
        # needs checking, which is far cheaper than following every alias.
        if node is not None and "*" in text:
            _check_size(node, shown, line_offset)
        elif node is not None and _deeper_than(node, _MAX_DEPTH):
            raise _too_deep(shown, line_offset)
        data = None if node is None else _constructed(loader, node, text)
        return node, data, loader.inherited
    finally:
        loader.dispose()


class _Unusual(Exception):
    """A document the direct construction leaves to PyYAML: an alias, a merge key, a tag, a value it refuses."""


_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"


def _constructed(loader: Any, node: yaml.Node, text: str) -> Any:
    """The data of a node tree: built directly for plain mappings, lists and scalars (PyYAML's constructor
    goes through generators and bookkeeping for every value, the larger part of a record's parse), by PyYAML
    for anything else, which then also words what is wrong."""
    if "*" not in text:
        try:
            return _construct(loader, node)
        except _Unusual:
            pass
    return loader.construct_document(node)


def _construct(loader: Any, node: yaml.Node) -> Any:
    kind = type(node)
    if kind is yaml.ScalarNode:
        return _scalar(loader, node)
    if kind is yaml.MappingNode and node.tag == _MAP:
        mapping = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                raise _Unusual(_MERGE)
            key = _construct(loader, key_node)
            try:
                mapping[key] = _construct(loader, value_node)
            except TypeError:  # an unhashable key: PyYAML's error says where
                raise _Unusual("key") from None
        return mapping
    if kind is yaml.SequenceNode and node.tag == _SEQ:
        return [_construct(loader, item) for item in node.value]
    raise _Unusual(node.tag)


def _scalar(loader: Any, node: yaml.ScalarNode) -> Any:
    """A scalar's value, built by the very function PyYAML's constructor calls; _Unusual for one it refuses."""
    tag, text = node.tag, node.value
    if tag == _STR and not _SURROGATE.search(text):
        return text
    # Numbers, booleans and nulls repeat across records (`0.0`, `true`, `42`): each is built once. Their values
    # are immutable, so every record may hold the same one.
    known = _BUILT.get((tag, text), _BUILT)
    if known is not _BUILT:
        return known
    scalar = _SCALARS.get(tag)
    if scalar is None:
        raise _Unusual(tag)
    try:
        value = scalar(loader, node)
    except (ValueError, TypeError, OverflowError, AttributeError, yaml.YAMLError):
        raise _Unusual(tag) from None
    if tag in _IMMUTABLE and len(text) <= _REMEMBERED_LENGTH and len(_BUILT) < _BUILT_MOST:
        _BUILT[(tag, text)] = value
    return value


_BUILT: dict[tuple[str, str], Any] = {}
"""Scalars already built, by tag and text (see `_scalar`)."""
_BUILT_MOST = 200_000
_REMEMBERED_LENGTH = 40
"""Only short scalars are remembered (numbers, flags, names), so what is kept stays small whatever the records."""
_IMMUTABLE = frozenset({"tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
                        "tag:yaml.org,2002:float"})


def _flow_depth(text: str) -> int:
    """How deep `[` and `{` could nest, counting every one (quoted ones too: this only picks a parser)."""
    if text.count("[") + text.count("{") <= _MAX_DEPTH:
        return 0
    depth = deepest = 0
    # Only the brackets matter: a regex finds them far faster than a loop over every character.
    for char in _BRACKETS.findall(text):
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    """A date-shaped scalar that is no real date (`2026-13-01`) stays text, for the schema to report."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, AttributeError):
        # AttributeError: PyYAML's resolver takes offsets with seconds (`-00:16:08`) its constructor cannot read.
        return loader.construct_scalar(node)


def _text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    """A string; escaped surrogate pairs (`"\\ud83d\\ude00"`) join into their character, a lone half is refused."""
    value = loader.construct_scalar(node)
    if not _SURROGATE.search(value):
        return value
    units = value.encode("utf-16-le", "surrogatepass")
    try:
        return units.decode("utf-16-le")
    except UnicodeDecodeError as exc:
        # No page or data file can hold half a character: Python's UTF-8 encoder refuses it.
        lone = int.from_bytes(units[exc.start:exc.start + 2], "little")
        raise yaml.constructor.ConstructorError(
            None, None, f"text holds `\\u{lone:04x}`, half of a UTF-16 surrogate pair, which is no character",
            node.start_mark) from None


class _Constructing:
    """Safe YAML whose unreadable values become located problems instead of tracebacks."""

    yaml_constructors = {**yaml.SafeLoader.yaml_constructors, "tag:yaml.org,2002:timestamp": _timestamp_or_text,
                         "tag:yaml.org,2002:str": _text}

    def __init__(self, stream: str):
        super().__init__(stream)
        self.inherited: dict[int, int] = {}
        """Per mapping node (by id), how many of its leading pairs a merge key brought in."""

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        """Resolve `<<` as PyYAML does, noting which pairs were merged in: keys written after may override them."""
        own = sum(1 for key, _ in node.value if key.tag != "tag:yaml.org,2002:merge")
        super().flatten_mapping(node)  # type: ignore[misc]
        # A mapping merged in several places is flattened again each time, with nothing left to merge.
        if len(node.value) > own:
            self.inherited[id(node)] = len(node.value) - own

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """Construct a value; a ValueError (`!!int abc`) is re-raised with the node's position."""
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read this value: {excerpt(str(exc), quoted=False)}",
                node.start_mark) from None


class _RecordLoader(_Constructing, yaml.SafeLoader):
    """PyYAML's own parser: slower, and the one whose errors are worded for people."""


_FastLoader: type | None = None
if yaml.__with_libyaml__:
    class _CRecordLoader(_Constructing, yaml.CSafeLoader):  # type: ignore[misc]
        """libyaml's parser: several times faster, so thousands of records load quickly."""

        _plain_tags: dict[str, str] = {}
        """Plain scalars' tags by their text, as the implicit resolvers (which depend on the text alone) gave."""

        def resolve(self, kind: type, value: Any, implicit: Any) -> str:
            """PyYAML's resolution, remembered per plain scalar: libyaml asks it of every value it reads."""
            if self.yaml_path_resolvers:
                return super().resolve(kind, value, implicit)
            # Without path resolvers, what `BaseResolver.resolve` gives all but plain scalars, without its lookups.
            if kind is not yaml.ScalarNode:
                return _SEQ if kind is yaml.SequenceNode else _MAP
            if not implicit[0]:
                return _STR
            tag = self._plain_tags.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(value) <= _REMEMBERED_LENGTH and len(self._plain_tags) < _BUILT_MOST:
                    self._plain_tags[value] = tag
            return tag

    _FastLoader = _CRecordLoader

_SCALARS = {tag: construct for tag, construct in _Constructing.yaml_constructors.items()
            if tag in {"tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
                       "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp", _STR}}
"""What the direct construction builds scalars with: the very functions PyYAML's constructor calls."""

# YAML 1.1 (PyYAML's) floats need a dot and a signed exponent, so `1e-05` and `3e4` read as text;
# YAML 1.2, and everyone who writes a learning rate, reads them as numbers.
_YAML12_FLOAT = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+$")
for _loader in (_RecordLoader, _FastLoader):
    if _loader is not None:
        _loader.add_implicit_resolver("tag:yaml.org,2002:float", _YAML12_FLOAT, list("-+0123456789."))


def _check_size(root: yaml.Node, shown: str, line_offset: int) -> None:
    """Aliases may repeat a value, not loop back into it or multiply it into millions of copies."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if depth > _MAX_DEPTH:
            raise _too_deep(shown, line_offset)
        if id(node) in open_nodes:
            line, column = _position(node)
            raise SourceError(Problem(shown, line + line_offset, column, "error",
                                      "invalid YAML: an alias refers to the value that contains it",
                                      "a value cannot include itself; copy what it needs instead"))
        open_nodes.add(id(node))
        children = [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else \
            node.value if isinstance(node, yaml.SequenceNode) else []
        sizes[id(node)] = 1 + sum(size(child, depth + 1) for child in children)
        open_nodes.discard(id(node))
        return sizes[id(node)]

    if size(root, 0) > _MAX_VALUES:
        raise SourceError(Problem(shown, 1 + line_offset, 1, "error",
                                  f"invalid YAML: aliases expand the file to more than {_MAX_VALUES:,} values",
                                  "records are small; write the values out instead of nesting aliases"))


def _deeper_than(root: yaml.Node, limit: int) -> bool:
    """Whether a tree of nodes nests more than `limit` levels, walked level by level (no recursion)."""
    level: list[yaml.Node] = [root]
    for _ in range(limit + 1):
        below: list[yaml.Node] = []
        for node in level:
            if isinstance(node, yaml.MappingNode):
                for pair in node.value:
                    below.extend(pair)
            elif isinstance(node, yaml.SequenceNode):
                below.extend(node.value)
        if not below:
            return False
        level = below
    return True


def _too_deep(shown: str, line_offset: int) -> SourceError:
    return SourceError(Problem(shown, 1 + line_offset, 1, "error",
                               f"invalid YAML: values are nested more than {_MAX_DEPTH} levels deep",
                               "records are a few levels deep; flatten the structure"))


def _index_marks(node: yaml.Node, path: KeyPath, document: Document, inherited: dict[int, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        merged = inherited.get(id(node), 0)
        written: dict[Any, int] = {}
        """The keys written in this mapping itself, as the loader keeps them → the line of the first."""
        for index, (key_node, value_node) in enumerate(node.value):
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            child = path + (key,)
            identity = _key_identity(key_node)
            # Overriding what `<<: *defaults` brought in is what a merge key is for: only a key written twice
            # in this mapping itself is a duplicate, and only when the loader keeps one of the two: `0` and
            # `'0'` are two keys (an int and a string), `yes` and `true` one (YAML 1.1's true).
            if index >= merged and identity in written:
                first = written[identity] + document.line_offset
                document.problems.append(Problem(
                    document.path, key_node.start_mark.line + 1 + document.line_offset,
                    key_node.start_mark.column + 1, "error",
                    f"duplicate key `{excerpt('.'.join(map(str, child)), quoted=False)}`: line {first} has it too",
                    "YAML keeps only the last one; merge the two", ".".join(map(str, child))))
            if child in document.key_marks:
                _forget_marks(document, child)  # the last one wins: its own keys are no duplicates
            if index >= merged:
                written.setdefault(identity, key_node.start_mark.line + 1)
            document.key_marks[child] = _position(key_node)
            document.value_marks[child] = _position(value_node)
            _index_marks(value_node, child, document, inherited)
    elif isinstance(node, yaml.SequenceNode):
        key_marks, value_marks, raw = document.key_marks, document.value_marks, document.raw_scalars
        for index, item in enumerate(node.value):
            child = path + (index,)
            mark = item.start_mark
            key_marks[child] = value_marks[child] = (mark.line + 1, mark.column + 1)
            if type(item) is yaml.ScalarNode:
                raw[child] = item.value  # curves are lists of thousands of numbers: no call each
            else:
                _index_marks(item, child, document, inherited)
    elif isinstance(node, yaml.ScalarNode):
        document.raw_scalars[path] = node.value


def _key_identity(node: yaml.Node) -> Any:
    """A mapping key as the loaded mapping holds it: a string as written, other scalars (`0`, `yes`, `1.0`)
    as the value YAML 1.1 makes of them, so keys the mapping would merge compare equal."""
    if not isinstance(node, yaml.ScalarNode):
        return ("node", str(node))
    if node.tag == "tag:yaml.org,2002:str":
        return node.value
    try:
        value = yaml.constructor.SafeConstructor().construct_object(node)
        hash(value)
    except (yaml.YAMLError, TypeError, ValueError):
        return ("scalar", node.tag, node.value)
    return ("scalar", value)


def _forget_marks(document: Document, prefix: KeyPath) -> None:
    for marks in (document.key_marks, document.value_marks, document.raw_scalars):
        for path in [p for p in marks if p[:len(prefix)] == prefix]:
            del marks[path]


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


_MAX_VALUES = 100_000
_MAX_DEPTH = 50


def _yaml_type(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    return type(value).__name__
