"""JSON text exactly as ``json.dumps(value, indent=2, ensure_ascii=False)`` writes it.

The standard library encodes indented JSON with its pure-Python encoder, one generator
per container; the site writes thousands of such documents (the API), so this module
writes the same text with plain recursion and the C string encoder. The values are
those ``json`` accepts without a ``default``: dicts (keys str, int, float, bool or
None), lists, tuples, str, int, float, bool and None; anything else is a TypeError.
"""

from __future__ import annotations

from collections.abc import Iterator
from json.encoder import encode_basestring
from typing import Any

INDENT = "  "
_INFINITY = float("inf")


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _scalar(value: Any) -> str | None:
    """The JSON of a value that is not a container (in ``json``'s order of checks), None
    for a container."""
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, (list, tuple, dict)):
        return None
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def _key(key: Any) -> str:
    """A dict key as JSON text (a string), as ``json`` converts it."""
    if isinstance(key, str):
        return encode_basestring(key)
    if isinstance(key, float):
        text = _float(key)
    elif key is True or key is False or key is None:
        text = "true" if key is True else "false" if key is False else "null"
    elif isinstance(key, int):
        text = int.__repr__(key)
    else:
        raise TypeError(f"keys must be str, int, float, bool or None, "
                        f"not {key.__class__.__name__}")
    return encode_basestring(text)


def _write(value: Any, out: list[str], newline: str) -> None:
    """Append the JSON of ``value`` to ``out``; ``newline`` starts a line at its depth."""
    text = _scalar(value)
    if text is not None:
        out.append(text)
        return
    if not value:
        out.append("{}" if isinstance(value, dict) else "[]")
        return
    inner = newline + INDENT
    separator = "," + inner
    if isinstance(value, dict):
        out.append("{" + inner)
        first = True
        for key, item in value.items():
            if not first:
                out.append(separator)
            first = False
            out.append(_key(key) + ": ")
            _write(item, out, inner)
        out.append(newline + "}")
    else:
        out.append("[" + inner)
        first = True
        for item in value:
            if not first:
                out.append(separator)
            first = False
            _write(item, out, inner)
        out.append(newline + "]")


def indented_json(value: Any) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``."""
    out: list[str] = []
    _write(value, out, "\n")
    return "".join(out)


def indented_json_pieces(value: Any, depth: int = 2) -> Iterator[str]:
    """``indented_json(value) + "\\n"`` in pieces: one per item of the containers down to
    ``depth``, so that a long listing is never held whole."""
    yield from _pieces(value, "\n", depth)
    yield "\n"


def _pieces(value: Any, newline: str, depth: int) -> Iterator[str]:
    if depth == 0 or _scalar(value) is not None or not value:
        out: list[str] = []
        _write(value, out, newline)
        yield "".join(out)
        return
    inner = newline + INDENT
    separator = "," + inner
    if isinstance(value, dict):
        opening = "{" + inner
        for key, item in value.items():
            yield opening + _key(key) + ": "
            opening = separator
            yield from _pieces(item, inner, depth - 1)
        yield newline + "}"
    else:
        opening = "[" + inner
        for item in value:
            yield opening
            opening = separator
            yield from _pieces(item, inner, depth - 1)
        yield newline + "]"
