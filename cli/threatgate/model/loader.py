"""Safe, fast loading of model files.

The loader drives libyaml's C parser (through ``ruamel.yaml``'s C extension) event by
event and builds plain Python values itself. Doing the construction here, instead of in
a general YAML constructor, is what makes it both fast and strict:

* anchors, aliases and tags outside the core schema are refused, so "billion laughs"
  and object-construction attacks cannot happen;
* duplicate keys, complex keys, excessive nesting and multiple documents are refused
  with the line and column of the offending token;
* scalars follow the YAML 1.2 core schema, so dates stay strings and ``no`` stays a
  string;
* the same pass can record where every key and item sits (``locate=True``), so errors
  found later by the schema or the semantic rules point at the right line, or only
  where the top-level keys sit (``locate="top"``), which costs next to nothing.

The builder is iterative: no input, however deeply nested, can exhaust the stack.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, NamedTuple


class YamlParser(NamedTuple):
    """libyaml's parser through ruamel.yaml's C extension, and what its events and errors
    are. Imported at the first parse: a run that finds every file in the cache has none."""

    parser: Any
    events: ModuleType
    error: type[Exception]
    marked_error: type[Any]


@cache
def yaml_parser() -> YamlParser:
    from ruamel.yaml import events
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:  # The C extension is a hard requirement: the pure-Python parser is far slower.
        from _ruamel_yaml import CParser
    except ImportError:  # pragma: no cover - depends on the installation
        from ruamel.yaml.clib._ruamel_yaml import CParser
    return YamlParser(CParser, events, YAMLError, MarkedYAMLError)


#: Which positions a load records: none, the top-level keys, or every key and item.
Locate = bool | Literal["top"]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_DEPTH = 32
#: The densest a model is read: a file at the size cap written as a flow list (``[1,1,...]``,
#: two bytes an item) would hold millions of items, each costing time and about 250 bytes
#: of memory; a hand-written model spends well over 8 bytes a node.
BYTES_PER_NODE = 8


def node_limit(max_bytes: int) -> int:
    """The most nodes (scalars, keys, mappings, sequences) a file of the size cap may hold."""
    return max(1, max_bytes // BYTES_PER_NODE)


DEFAULT_MAX_NODES = node_limit(DEFAULT_MAX_BYTES)

JsonPath = tuple[str | int, ...]


class LoadError(Exception):
    """A model file cannot be read as a model. Line and column are 1-based."""

    def __init__(self, rule: str, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.line = line
        self.column = column


@dataclass
class LoadedDocument:
    """A parsed model: its data and, when asked for, where each key and item sits."""

    data: dict[str, Any]
    locations: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: JsonPath) -> tuple[int, int]:
        """Return the 1-based (line, column) of ``path``, or of its nearest located parent."""
        for end in range(len(path), -1, -1):
            found = self.locations.get(path[:end])
            if found is not None:
                return found
        return (1, 1)


# --- decoding -------------------------------------------------------------------------


def _line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of character ``index`` of ``text`` (clamped to its end)."""
    index = min(index, len(text))
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def decode(raw: bytes) -> str:
    """Decode a model file: UTF-8, with an optional byte-order mark, and no NUL bytes."""
    for bom, name in _OTHER_BOMS:
        if raw.startswith(bom):
            raise LoadError("file-encoding", f"file is {name}, not UTF-8; save it as UTF-8")
    nul = raw.find(b"\x00")
    if nul != -1:
        prefix = _prefix_text(raw, nul)
        line, column = _line_col(prefix, len(prefix))
        raise LoadError(
            "file-binary", "file holds a NUL byte: it is binary, not YAML text", line, column
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        prefix = _prefix_text(raw, exc.start)
        line, column = _line_col(prefix, len(prefix))
        raise LoadError(
            "file-encoding",
            f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start});"
            " save it as UTF-8",
            line,
            column,
        ) from None
    return text


_OTHER_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\xfe\xff", "UTF-16"),
    (b"\xff\xfe", "UTF-16"),
)


def _prefix_text(raw: bytes, end: int) -> str:
    """The text before byte ``end``, without a byte-order mark, for locating a problem."""
    return raw[:end].decode("utf-8-sig", "replace")


# --- scalars (YAML 1.2 core schema) ----------------------------------------------------

_INT = re.compile(r"[-+]?[0-9]+\Z")
_OCT = re.compile(r"0o[0-7]+\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)\Z")
_NAN = re.compile(r"\.(nan|NaN|NAN)\Z")
_WORDS: dict[str, Any] = {
    "": None,
    "~": None,
    "null": None,
    "Null": None,
    "NULL": None,
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
}
_NUMERIC_START = frozenset("0123456789+-.")
#: Longer integers are refused: converting them costs quadratic time (Python refuses
#: over 4,300 digits), and no field of a model needs such a number.
_MAX_NUMBER_LENGTH = 1000


def resolve_plain(text: str) -> Any:
    """Resolve an untagged plain scalar the way the YAML 1.2 core schema does."""
    if text in _WORDS:
        return _WORDS[text]
    if text[0] not in _NUMERIC_START:
        return text
    integer = _INT.match(text) or _OCT.match(text) or _HEX.match(text)
    if integer and len(text) > _MAX_NUMBER_LENGTH:
        raise ValueError(f"integer of {len(text)} characters is too long to be a value of a model")
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    if _OCT.match(text):
        return int(text[2:], 8)
    if _HEX.match(text):
        return int(text[2:], 16)
    if _INF.match(text):
        return float("-inf") if text[0] == "-" else float("inf")
    if _NAN.match(text):
        return float("nan")
    return text


_CORE = "tag:yaml.org,2002:"


def _tagged_scalar(tag: str, text: str) -> Any:
    if tag in ("!", _CORE + "str"):
        return text
    kind = tag[len(_CORE) :] if tag.startswith(_CORE) else None
    resolved = resolve_plain(text) if text else None
    expected: dict[str, Callable[[Any], bool]] = {
        "null": lambda v: v is None,
        "bool": lambda v: isinstance(v, bool),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    }
    if kind in expected:
        if not expected[kind](resolved):
            raise ValueError(f"{text!r:.60} is not a valid !!{kind}")
        return float(resolved) if kind == "float" and resolved is not None else resolved
    raise ValueError(f"tag {tag!r} is not allowed; model files use plain YAML values only")


# --- the builder -------------------------------------------------------------------------

_MAP_TAGS = (None, "!", _CORE + "map")
_SEQ_TAGS = (None, "!", _CORE + "seq")
_KEY_TAGS = (None, "!", _CORE + "str")
_NO_KEY = object()


class _Frame:
    __slots__ = ("container", "is_map", "key", "path")

    def __init__(self, container: Any, is_map: bool, path: JsonPath) -> None:
        self.container = container
        self.is_map = is_map
        self.path = path
        self.key: Any = _NO_KEY


def _mark(event: Any) -> tuple[int, int]:
    mark = event.start_mark
    return mark.line + 1, mark.column + 1


def _yaml_error(exc: Any, text: str) -> LoadError:
    if isinstance(exc, yaml_parser().marked_error) and exc.problem_mark is not None:
        line, column = exc.problem_mark.line + 1, exc.problem_mark.column + 1
        problem = exc.problem or "invalid YAML"
        if "\t" in text and "cannot start any token" in problem:
            source_line = text.splitlines()[line - 1] if line <= text.count("\n") + 1 else ""
            if source_line[column - 1 : column] == "\t":
                return LoadError(
                    "yaml-tab",
                    "tab character used for indentation; YAML indents with spaces only",
                    line,
                    column,
                )
        context = f" ({exc.context})" if exc.context else ""
        return LoadError("yaml-syntax", f"{problem}{context}", line, column)
    position = getattr(exc, "position", None)
    line, column = (1, 1)
    if isinstance(position, int):  # libyaml counts bytes of the UTF-8 encoding
        prefix = text.encode("utf-8")[:position].decode("utf-8", "replace")
        line, column = _line_col(prefix, len(prefix))
    reason = getattr(exc, "reason", None) or str(exc).splitlines()[0]
    return LoadError("yaml-syntax", f"invalid character: {reason}", line, column)


def load_text(
    text: str, *, max_depth: int = DEFAULT_MAX_DEPTH, locate: Locate = False,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> LoadedDocument:
    """Parse one YAML document holding a mapping; raise :class:`LoadError` otherwise
    (also past ``max_nodes`` nodes, located at the first node over)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    yaml = yaml_parser()
    parser = yaml.parser(text)
    try:
        return _build(parser, max_depth, locate, max_nodes)
    except yaml.error as exc:
        raise _yaml_error(exc, text) from None
    finally:
        parser.dispose()


def _build(parser: Any, max_depth: int, locate: Locate, max_nodes: int) -> LoadedDocument:
    """Build the document from the parser's events (the hot loop; refusals leave it)."""
    get_event, yaml_events = parser.get_event, yaml_parser().events
    scalar_event = yaml_events.ScalarEvent
    mapping_start = yaml_events.MappingStartEvent
    sequence_start = yaml_events.SequenceStartEvent
    collection_end = (yaml_events.MappingEndEvent, yaml_events.SequenceEndEvent)
    locations: dict[JsonPath, tuple[int, int]] = {}

    root_mark = _start_document(get_event)
    stack: list[_Frame] = []
    root: Any = _NO_KEY
    nodes_left = max_nodes

    while True:
        event = get_event()
        kind = type(event)
        if kind is yaml_events.DocumentEndEvent:
            break
        if kind in collection_end:
            stack.pop()
            continue
        nodes_left -= 1
        if event.anchor is not None or nodes_left < 0:
            raise _anchor_error(event) if nodes_left >= 0 else _too_many_nodes(event, max_nodes)

        top = stack[-1] if stack else None
        awaiting_key = top is not None and top.is_map and top.key is _NO_KEY
        if kind is scalar_event:
            tag = event.tag
            if awaiting_key:
                if tag not in _KEY_TAGS:
                    raise _key_tag_error(event)
                value: Any = event.value
            elif tag is None:
                try:
                    value = resolve_plain(event.value) if event.implicit[0] else event.value
                except ValueError as exc:
                    raise LoadError("yaml-number", str(exc), *_mark(event)) from None
            else:
                value = _tagged_value(event)
            new_frame = None
        elif kind is mapping_start or kind is sequence_start:
            is_map = kind is mapping_start
            if awaiting_key or event.tag not in (_MAP_TAGS if is_map else _SEQ_TAGS) or (
                len(stack) >= max_depth
            ):
                raise _collection_error(event, awaiting_key, max_depth)
            value = {} if is_map else []
            new_frame = _Frame(value, is_map, ())
        else:  # an AliasEvent always carries an anchor name, so this is unreachable
            raise LoadError("yaml-syntax", f"unexpected YAML event {kind.__name__}", *_mark(event))

        if top is None:
            root = value
            path: JsonPath = ()
        elif top.is_map:
            if awaiting_key:
                if value in top.container:
                    raise _duplicate_key_error(event, value)
                top.key = value
                if locate is True or (locate == "top" and len(stack) == 1):  # path (key,)
                    locations[(*top.path, value)] = _mark(event)
                continue
            path = (*top.path, top.key)
            top.container[top.key] = value
            top.key = _NO_KEY
        else:
            path = (*top.path, len(top.container))
            top.container.append(value)
            if locate is True:
                locations[path] = _mark(event)
        if new_frame is not None:
            new_frame.path = path
            stack.append(new_frame)

    _end_document(get_event, root, root_mark)
    if locate:  # True or "top"
        locations[()] = root_mark
    return LoadedDocument(root, locations)


def _too_many_nodes(event: Any, max_nodes: int) -> LoadError:
    return LoadError(
        "yaml-node-count",
        f"the file holds more than {max_nodes} values (keys, items, mappings and lists); "
        f"that is more than {BYTES_PER_NODE} bytes each at the file size cap allows, so "
        "it is refused rather than read on",
        *_mark(event),
    )


def _start_document(get_event: Callable[[], Any]) -> tuple[int, int]:
    """Read up to the document's first node; return where that node starts."""
    get_event()  # StreamStartEvent
    event = get_event()
    if isinstance(event, yaml_parser().events.StreamEndEvent):
        raise LoadError(
            "file-empty",
            "file is empty (or holds only comments); "
            "a model is a YAML mapping starting with 'threatgate: 1'",
        )
    return _mark(event)


def _end_document(get_event: Callable[[], Any], root: Any, root_mark: tuple[int, int]) -> None:
    """Refuse a second document, an empty document and one that is not a mapping."""
    following = get_event()
    if not isinstance(following, yaml_parser().events.StreamEndEvent):
        raise LoadError(
            "yaml-multiple-documents",
            "file holds more than one YAML document; keep one model per file",
            *_mark(following),
        )
    if root is None or (isinstance(root, str) and root == ""):
        raise LoadError(
            "file-empty",
            "file holds an empty document; a model is a YAML mapping starting with 'threatgate: 1'",
            *root_mark,
        )
    if not isinstance(root, dict):
        found = "list" if isinstance(root, list) else f"single value ({root!r:.40})"
        raise LoadError(
            "not-a-mapping",
            f"the top level is a {found}, but a model must be "
            "a mapping of keys such as 'threatgate', 'id' and 'title'",
            *root_mark,
        )


def _tagged_value(event: Any) -> Any:
    """The value of a scalar with an explicit tag (rare in a model, so off the hot path)."""
    try:
        return _tagged_scalar(event.tag, event.value)
    except ValueError as exc:
        raise LoadError("yaml-tag", str(exc), *_mark(event)) from None


def _duplicate_key_error(event: Any, key: Any) -> LoadError:
    return LoadError(
        "yaml-duplicate-key", f"duplicate key '{key}' in the same mapping", *_mark(event)
    )


def _anchor_error(event: Any) -> LoadError:
    what = "alias" if type(event) is yaml_parser().events.AliasEvent else "anchor"
    return LoadError(
        "yaml-anchor",
        f"YAML {what} '{event.anchor}' is not allowed in model files; "
        "write the value out in full",
        *_mark(event),
    )


def _key_tag_error(event: Any) -> LoadError:
    return LoadError(
        "yaml-tag",
        f"tag {event.tag!r} is not allowed on a key; model files use plain keys",
        *_mark(event),
    )


def _collection_error(event: Any, awaiting_key: bool, max_depth: int) -> LoadError:
    """Why a list or mapping cannot start here, checked in the order the loader refuses."""
    if awaiting_key:
        return LoadError(
            "yaml-complex-key",
            "a mapping key must be a plain value, not a list or mapping",
            *_mark(event),
        )
    is_map = type(event) is yaml_parser().events.MappingStartEvent
    if event.tag not in (_MAP_TAGS if is_map else _SEQ_TAGS):
        return LoadError(
            "yaml-tag",
            f"tag {event.tag!r} is not allowed; model files use plain YAML values only",
            *_mark(event),
        )
    return LoadError("yaml-depth", f"nesting deeper than {max_depth} levels", *_mark(event))


def read_bytes(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Read a file, refusing it before reading when it exceeds ``max_bytes``.

    Raises :class:`LoadError` for a file over the cap and ``OSError`` when the file
    cannot be read at all.
    """
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            raise LoadError(
                "file-too-large",
                f"file is {size} bytes, over the limit of "
                f"{max_bytes} bytes (setting max_file_size)",
            )
        raw = handle.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise LoadError(
            "file-too-large", f"file is over the limit of {max_bytes} bytes (setting max_file_size)"
        )
    return raw


def load_bytes(
    raw: bytes, *, max_depth: int = DEFAULT_MAX_DEPTH, locate: Locate = False,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> LoadedDocument:
    """Decode and parse the bytes of a model file."""
    return load_text(decode(raw), max_depth=max_depth, locate=locate, max_nodes=max_nodes)
