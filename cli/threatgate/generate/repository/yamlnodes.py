"""YAML read for what it states, with the line of every key and value.

The repository's YAML (Compose files, Kubernetes manifests, workflows, SAM templates) is
not a model file: several documents per file, anchors and tags (``!Ref``) are normal in
it, so the strict model loader would refuse most of it. This reader walks the parser's
events instead and builds plain data in which every key and scalar is a
:class:`Located` string that knows its line. Nothing is expanded: an alias is read as
``None`` (so a "billion laughs" file costs what it weighs), tags are ignored (a value
tagged ``!Ref`` is its text), and the number of nodes and the nesting depth are bounded.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml import events as yaml_events
from ruamel.yaml.error import YAMLError

from threatgate.generate.repository.base import UnreadableFile

try:  # the model loader requires the C parser as well
    from _ruamel_yaml import CParser
except ImportError:  # pragma: no cover - depends on the installation
    from ruamel.yaml.clib._ruamel_yaml import CParser

MAX_NODES = 200_000
MAX_DEPTH = 64


class Located(str):
    """A key or scalar of a YAML file and the line it is on."""

    line: int

    def __new__(cls, value: str, line: int) -> Located:
        made = super().__new__(cls, value)
        made.line = line
        return made


def line_of(value: Any, default: int = 1) -> int:
    """The line of a :class:`Located` value, else ``default``."""
    return value.line if isinstance(value, Located) else default


class _Builder:
    """Containers being built, innermost last, and the pending key of each mapping."""

    def __init__(self) -> None:
        self.stack: list[tuple[Any, list[Any]]] = []   # (container, [pending key])
        self.documents: list[Any] = []
        self.nodes = 0

    def add(self, value: Any, line: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise UnreadableFile(f"over {MAX_NODES} YAML nodes")
        if not self.stack:
            self.documents.append(value)
            return
        container, pending = self.stack[-1]
        if isinstance(container, list):
            container.append(value)
        elif not pending:
            key = value if isinstance(value, str) else Located(str(value), line)
            pending.append(key)
        else:
            container[pending.pop()] = value

    def open(self, container: Any, line: int) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise UnreadableFile(f"YAML nested over {MAX_DEPTH} levels")
        self.add(container, line)
        self.stack.append((container, []))


def load_documents(text: str, path: str) -> list[Any]:
    """Every document of a YAML file as plain data of :class:`Located` strings.

    :class:`UnreadableFile` when the text is not YAML or is over the bounds.
    """
    parser = CParser(text)
    built = _Builder()
    try:
        while True:
            event = parser.get_event()
            kind = type(event)
            line = event.start_mark.line + 1 if event.start_mark is not None else 1
            if kind is yaml_events.StreamEndEvent:
                break
            if kind is yaml_events.ScalarEvent:
                built.add(Located(str(event.value), line), line)
            elif kind is yaml_events.AliasEvent:
                built.add(None, line)
            elif kind is yaml_events.MappingStartEvent:
                built.open({}, line)
            elif kind is yaml_events.SequenceStartEvent:
                built.open([], line)
            elif kind in (yaml_events.MappingEndEvent, yaml_events.SequenceEndEvent):
                built.stack.pop()
    except YAMLError as exc:
        raise UnreadableFile(f"{path} is not valid YAML: {str(exc).splitlines()[0]}") from None
    except (UnicodeError, ValueError, RecursionError) as exc:
        raise UnreadableFile(f"{path} cannot be read as YAML: {exc}") from None
    finally:
        parser.dispose()
    return built.documents


def mapping(value: Any) -> dict[Any, Any]:
    """``value`` when it is a mapping, else an empty one (hostile files have any shape)."""
    return value if isinstance(value, dict) else {}


def sequence(value: Any) -> list[Any]:
    """``value`` when it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def text_of(value: Any) -> Located | None:
    """``value`` when it is a scalar, else ``None``."""
    return value if isinstance(value, Located) else None
