"""The text of a generated model, written directly in ``fmt``'s canonical layout.

A generated model is plain data of a few shapes (mappings, lists of scalars, lists of
id groups, one-line and multi-line strings, numbers), so its YAML can be written in
one pass instead of going through ruamel.yaml's representer, serializer and emitter,
which dominated the time of ``threatgate generate``. The layout is exactly the one
``fmt`` writes (mapping indent 2, sequence indent 4 with offset 2, short lists in flow
style); scalar styles follow ruamel.yaml's own analysis (plain when the loader reads it
back as the same string, else single-quoted). Anything outside these shapes (a string
ruamel.yaml would double-quote, a block scalar it would not write as ``|``) makes
:func:`emit` return None, and the caller writes the model with ruamel.yaml instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache, lru_cache
from typing import Any

#: Lists of scalars up to this many characters (with separators) are written inline.
INLINE = 80
#: ruamel.yaml folds lines longer than its width (4096); a model with such a line is
#: written by ruamel.yaml.
LONGEST_LINE = 4000
#: Text that is plain in block context whatever ruamel.yaml's analysis: it starts with
#: a letter or digit, ends with one or with "." or ")", and holds no indicator that
#: matters there (no ":", "#", tab, line break or character outside printable ASCII).
PROSE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .,;()/'\"+_=!?&*%$<>\[\]{}|~^`@-]*[A-Za-z0-9.)]|"
                   r"[A-Za-z0-9]")
#: Plain scalars that ruamel.yaml writes unquoted inside ``[...]`` or ``{...}`` but that
#: libyaml (which reads model files) parses differently, e.g. ``asvs-5.0:V1.2.4``.
FLOW_RISKY = re.compile(r"[:#\[\]{},]|\A[-?!&*|>'\"%@`\s]|\s\Z")


class Unsupported(Exception):
    """A value this writer does not handle; ruamel.yaml writes the model instead."""


@cache
def _analyser() -> Any:
    import io

    from ruamel.yaml.emitter import Emitter

    emitter = Emitter(io.StringIO())
    # Without a dumper the emitter is its own serializer; its analysis asks for the
    # YAML version written, which is none (as for fmt's round-trip instance).
    emitter.use_version = None  # type: ignore[attr-defined]
    return emitter


@cache
def _scalar(text: str, flow: bool, quoted: bool) -> str:
    """One single-line string as fmt writes it (``quoted``: single-quoted if it can be).

    The choice is ruamel.yaml's (``Emitter.choose_scalar_style``) for the styles
    ``ModelRepresenter`` asks for: plain when the loader and YAML 1.2 read it back as
    that string, double-quoted when it holds an apostrophe, else single-quoted.
    """
    from threatgate.document.roundtrip import plain_scalar_kind, yaml_1_2_reads_as_text

    if not flow and not quoted and PROSE.fullmatch(text) and ": " not in text and (
            plain_scalar_kind(text) == "str" and yaml_1_2_reads_as_text(text)):
        return text  # ordinary words: plain, as ruamel.yaml's analysis would say
    analysis = _analyser().analyze_scalar(text)
    if analysis.multiline or analysis.empty:
        raise Unsupported(text)
    style = "'" if quoted or not yaml_1_2_reads_as_text(text) else None
    if style is None:
        if plain_scalar_kind(text) != "str":
            raise Unsupported(text)
        if analysis.allow_flow_plain if flow else analysis.allow_block_plain:
            return text
        if analysis.allow_double_quoted and "'" in text:
            if not all(" " <= c <= "~" for c in text):
                raise Unsupported(text)
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if analysis.allow_single_quoted:
        return "'" + text.replace("'", "''") + "'"
    raise Unsupported(text)


def _value(value: Any, *, flow: bool = False, risky: bool = False) -> str:
    if type(value) is str:  # by far the most common: tried first
        return _scalar(value, flow, risky and bool(FLOW_RISKY.search(value)))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _scalar(value, flow, risky and bool(FLOW_RISKY.search(value)))
    raise Unsupported(repr(value))


def _inline(value: Any) -> str:
    """A value in flow style (inside ``[...]`` or ``{...}``)."""
    if type(value) is list and all(type(v) is str for v in value):
        return _inline_texts(tuple(value))  # ids, STRIDE categories: the same lists recur
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    return _value(value, flow=True, risky=True)


@lru_cache(maxsize=4096)
def _inline_texts(values: tuple[str, ...]) -> str:
    """A list of strings in flow style (kept for lists that recur; bounded, as the MCP
    server is a long-running process)."""
    return "[" + ", ".join(_value(v, flow=True, risky=True) for v in values) + "]"


def _flow_list(value: list[Any]) -> bool:
    """Whether a list is written inline (the rule of ``assemble.dump_model``)."""
    if all(type(v) is str for v in value):  # the common case, decided in one pass
        return sum(len(v) + 2 for v in value) <= INLINE
    scalars = all(not isinstance(v, (Mapping, list)) for v in value)
    groups = all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in value)
    return (scalars and sum(len(str(v)) + 2 for v in value) <= INLINE) or (
        groups and bool(value) and sum(len(str(v)) for v in value) <= INLINE)


def _block_text(text: str, indent: int) -> str:
    """A multi-line string as a literal block scalar (``|``)."""
    lines = text.rstrip("\n").split("\n")
    if (lines[0][:1] in (" ", "\t") or any(line != line.rstrip(" \t") for line in lines)
            or not _analyser().analyze_scalar(text).allow_block):
        raise Unsupported(text)
    pad = " " * indent
    return "|\n" + "".join(f"{pad}{line}\n" if line else "\n" for line in lines)


def _mapping(mapping: Mapping[str, Any], indent: int, out: list[str], *,
             first_prefix: str | None = None) -> None:
    """Write a block mapping; ``first_prefix`` replaces the indentation of its first key
    (a mapping that opens a sequence item)."""
    pad = " " * indent
    for position, (key, value) in enumerate(mapping.items()):
        lead = first_prefix if position == 0 and first_prefix is not None else pad
        head = f"{lead}{key}:"
        if isinstance(value, str) and "\n" in value:
            out.append(f"{head} {_block_text(value, indent + 2)}")
        elif isinstance(value, list):
            if _flow_list(value):
                out.append(f"{head} {_inline(value)}\n")
            else:
                out.append(head + "\n")
                _sequence(value, indent + 2, out)
        elif isinstance(value, Mapping):
            out.append(head + "\n")
            _mapping(value, indent + 2, out)
        else:
            out.append(f"{head} {_value(value)}\n")


def _sequence(items: list[Any], indent: int, out: list[str]) -> None:
    pad = " " * indent
    for item in items:
        if isinstance(item, Mapping):
            if not item:
                raise Unsupported("empty mapping")
            _mapping(item, indent + 2, out, first_prefix=f"{pad}- ")
        elif isinstance(item, list):
            out.append(f"{pad}- {_inline(item)}\n")
        elif isinstance(item, str) and "\n" in item:
            out.append(f"{pad}- {_block_text(item, indent + 2)}")
        else:
            out.append(f"{pad}- {_value(item)}\n")


def emit(document: Mapping[str, Any], inline_keys: frozenset[str] = frozenset()) -> str | None:
    """The YAML text of ``document`` in fmt's layout, or None when a value is outside what
    this writer handles. Top-level keys in ``inline_keys`` hold a mapping whose values
    are all written inline (the generation record)."""
    out: list[str] = []
    try:
        for key, value in document.items():
            if key in inline_keys and isinstance(value, Mapping):
                out.append(f"{key}:\n")
                out.extend(f"  {k}: {_inline(v)}\n" for k, v in value.items())
            else:
                _mapping({key: value}, 0, out)
    except Unsupported:
        return None
    text = "".join(out)
    if any(len(line) > LONGEST_LINE for line in text.split("\n")):
        return None
    return text

