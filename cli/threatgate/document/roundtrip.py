"""The one configuration of ruamel.yaml's round-trip mode that reads and writes model text.

Model files are read by the loader (libyaml, YAML 1.2 core schema, keys always text);
ruamel.yaml's round-trip mode, which keeps comments, must read the same text as the same
values, or ``fmt`` and the edit verbs would see another document than ``validate`` does.
Its default resolution differs: timestamps (``2026-13-01`` fails to construct), merge keys
(``<<``), ``1_000`` as a number, YAML 1.1 rules after a ``%YAML 1.1`` directive, and keys
resolved like values. :class:`ModelResolver` resolves every plain scalar with the
loader's own rule instead, and :class:`ModelConstructor` turns any value ruamel.yaml still
fails to construct into a located error.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.composer import Composer
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.resolver import Resolver, VersionedResolver
from ruamel.yaml.scalarstring import PlainScalarString
from ruamel.yaml.tag import Tag

from threatgate.model.loader import resolve_plain

_CORE = "tag:yaml.org,2002:"


def plain_scalar_kind(text: str) -> str:
    """The core-schema type (``null``, ``bool``, ``int``, ``float``, ``str``) the loader
    gives the plain scalar ``text``."""
    try:
        value = resolve_plain(text)
    except ValueError:  # an integer too long to convert is still an integer
        return "int"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    return "float" if isinstance(value, float) else "str"


class ModelResolver(VersionedResolver):
    """Resolve plain scalars as the model loader does, both reading and writing.

    Keys are text (the loader never resolves a key); values follow the YAML 1.2 core
    schema whatever ``%YAML`` directive the file holds. Writing, a string is left plain
    only when the loader would read it back as that string.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._key_context: list[bool] = []

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        self._key_context.append(isinstance(current_node, MappingNode) and current_index is None)

    def ascend_resolver(self) -> None:
        if self._key_context:
            self._key_context.pop()

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0]:
            if self._key_context and self._key_context[-1]:
                return Tag(suffix=_CORE + "str")
            return Tag(suffix=_CORE + plain_scalar_kind(value))
        return super().resolve(kind, value, implicit)

    @property
    def processing_version(self) -> Any:
        return (1, 2)


class ModelComposer(Composer):
    """Read a scalar under the non-specific tag ``!`` (``! 5``) as text, as the loader
    does (ruamel.yaml resolves it like a plain scalar: the number 5)."""

    def compose_scalar_node(self, anchor: Any) -> Any:
        event = self.parser.peek_event()
        if event.ctag is not None and str(event.ctag) == "!":
            event.ctag = Tag(suffix=_CORE + "str")
        return super().compose_scalar_node(anchor)


#: Line breaks of YAML 1.1 that YAML 1.2 reads as ordinary characters: libyaml (the
#: loader) breaks lines at them, ruamel.yaml's round-trip parser does not.
_EXOTIC_BREAK = re.compile("[\u0085\u2028\u2029]")
_BREAK_NAMES = {"\u0085": "U+0085 (NEL)", "\u2028": "U+2028 (LINE SEPARATOR)",
                "\u2029": "U+2029 (PARAGRAPH SEPARATOR)"}
_LINE_BREAK = re.compile("\r\n|[\r\n\u0085\u2028\u2029]")


def position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of character ``index``, counting line breaks as libyaml
    does (CR LF, CR, LF, NEL, LS, PS), so locations agree with the loader's."""
    line, start = 1, 0
    for found in _LINE_BREAK.finditer(text, 0, index):
        line, start = line + 1, found.end()
    return line, index - start + 1


def exotic_line_break(text: str) -> tuple[str, int, int] | None:
    """The first line break the two YAML parsers read differently, with its location."""
    found = _EXOTIC_BREAK.search(text)
    if found is None:
        return None
    return (
        f"line break {_BREAK_NAMES[found.group()]}: YAML parsers disagree on it, so this "
        "file cannot be rewritten safely; replace it with a newline (or, inside text, "
        "with an escape in double quotes)",
        *position(text, found.start()),
    )


def round_trip_problem(exc: YAMLError, text: str) -> tuple[str, int, int]:
    """What ruamel.yaml's round-trip parser could not read, as (message, line, column).

    The loader has already accepted ``text``: the problem is a corner of YAML the two
    parsers read differently, said in the terms of the file.
    """
    exotic = exotic_line_break(text)
    if exotic is not None:
        return exotic
    if not isinstance(exc, MarkedYAMLError) or exc.problem_mark is None:
        return f"{exc.__class__.__name__}: {exc}", 1, 1
    mark = exc.problem_mark
    line, column = mark.line + 1, mark.column + 1
    problem = str(exc.problem or exc.__class__.__name__)
    if "'\\t'" in problem and text[mark.index : mark.index + 1] == "\t":
        return (
            "a tab outside quotes, which fmt's YAML parser cannot read; "
            "use spaces, or quote the value",
            line,
            column,
        )
    context = f" ({exc.context})" if exc.context else ""
    return f"{problem}{context}", line, column


_YAML_1_2 = Resolver()


def yaml_1_2_reads_as_text(text: str) -> bool:
    """Whether a plain ``text`` is a string in YAML 1.2 as ruamel.yaml reads it by default
    (``2026-06-01`` and ``1_000`` are not), which other YAML tools also follow."""
    tag = _YAML_1_2.resolve(ScalarNode, text, (True, False))
    return str(tag) == _CORE + "str"


class ModelConstructor(RoundTripConstructor):
    """ruamel.yaml's round-trip constructor whose every failure points at its node.

    A plain scalar that YAML 1.2 would read as a date or a number but the loader reads
    as text stays plain when written back (a :class:`PlainScalarString`).
    """

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, ArithmeticError, IndexError) as exc:
            raise ConstructorError(
                None, None, f"cannot read this value: {exc}", node.start_mark
            ) from None

    def construct_model_str(self, node: Any) -> Any:
        value = self.construct_yaml_str(node)
        if (type(value) is str and node.style is None and str(node.tag) == _CORE + "str"
                and plain_scalar_kind(value) == "str" and not yaml_1_2_reads_as_text(value)):
            return PlainScalarString(value)
        return value


ModelConstructor.add_constructor(_CORE + "str", ModelConstructor.construct_model_str)


class ModelRepresenter(RoundTripRepresenter):
    """Write a new string quoted whenever YAML 1.2 or the loader would read it as
    anything but that string."""

    def represent_model_str(self, data: str) -> Any:
        style = None if yaml_1_2_reads_as_text(data) else "'"
        return self.represent_scalar(_CORE + "str", data, style=style)


    def represent_key(self, data: Any) -> Any:
        # The loader reads every key as text: a key stays plain whatever it looks like.
        if type(data) is str:
            return self.represent_scalar(_CORE + "str", data)
        return super().represent_key(data)


ModelRepresenter.add_representer(str, ModelRepresenter.represent_model_str)


def round_trip_yaml() -> Any:
    """A round-trip YAML instance in fmt's layout that keeps quotes and refuses duplicates.

    A new instance each time: callers change its indentation for the text they render.
    """
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.Resolver = ModelResolver
    yaml.Composer = ModelComposer
    yaml.Constructor = ModelConstructor
    yaml.Representer = ModelRepresenter
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.allow_duplicate_keys = False
    return yaml
