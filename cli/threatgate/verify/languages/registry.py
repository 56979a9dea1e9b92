"""The source languages code assertions read, one entry each, found by file extension.

A language is one :class:`Language` entry here (its extensions and what opens a
comment or a literal in it), plus its definition patterns in
:mod:`threatgate.verify.languages.definitions` (Python is read through its syntax tree
instead, in :mod:`threatgate.verify.languages.python`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    """One source language: its name, file extensions and comment/literal syntax."""

    name: str
    extensions: tuple[str, ...]
    #: What can open a comment or a literal in code (and braces, for interpolation holes).
    literal_openers: str
    #: Whether ``/* /* */ */`` nests (Rust) instead of ending at the first ``*/``.
    nested_block_comments: bool = False


TABLE: tuple[Language, ...] = (
    Language("python", (".py", ".pyi"),
             r"#|(?<![\w$])[rRbBuUfF]{0,2}(?:'''|\"\"\"|'|\")"),
    Language("javascript", (".js", ".mjs", ".cjs", ".jsx"), r"//|/\*|[\"'`/{}]"),
    Language("typescript", (".ts", ".tsx", ".mts", ".cts"), r"//|/\*|[\"'`/{}]"),
    Language("go", (".go",), r"//|/\*|[\"'`]"),
    Language("java", (".java",), r"//|/\*|\"\"\"|[\"']"),
    Language("rust", (".rs",), r"//|/\*|(?<![\w$])(?:br|cr|r)#*\"|(?<![\w$])b'|[\"']",
             nested_block_comments=True),
    Language("csharp", (".cs",), r"//|/\*|\$+\"{3,}|\"{3,}|\$@\"|@\$\"|@\"|\$\"|[\"'{}]"),
)

BY_NAME: dict[str, Language] = {language.name: language for language in TABLE}
LANGUAGES: tuple[str, ...] = tuple(BY_NAME)
EXTENSIONS: dict[str, str] = {extension: language.name for language in TABLE
                              for extension in language.extensions}
