"""What the readers share: the located error, and text checks."""

from __future__ import annotations

from typing import Any

from threatgate.errors import InputError


class SourceError(InputError):
    """A catalogue source that cannot be read, with the line or JSON pointer at fault."""

    def __init__(self, message: str, *, line: int | None = None,
                 pointer: str | None = None) -> None:
        where = f"line {line}: " if line is not None else (
            f"{pointer or '/'}: " if pointer is not None else "")
        super().__init__(where + message)
        self.line = line
        self.pointer = pointer


def pointer_of(*parts: str | int) -> str:
    """A JSON pointer (RFC 6901) of the path ``parts``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def required_text(value: Any, pointer: str, what: str) -> str:
    """``value`` as non-empty text, or a SourceError at ``pointer``."""
    if not isinstance(value, str) or not value.strip():
        raise SourceError(f"{what} is missing or not text", pointer=pointer)
    return " ".join(value.split())


def requirement_id(value: Any, pointer: str) -> str:
    """A requirement id: text without spaces."""
    text = required_text(value, pointer, "the requirement id")
    if any(ch.isspace() for ch in text):
        raise SourceError(f"the requirement id {text!r} has spaces", pointer=pointer)
    return text
