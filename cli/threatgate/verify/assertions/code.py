"""Code-structure evidence: functions, classes, decorators, calls, imports, middleware.

Nothing from the repository is run or imported. Python files are read through their
syntax tree (:func:`ast.parse` compiles to a tree and stops there), so a name that only
appears in a comment, a docstring or a string never counts. JavaScript, TypeScript, Go,
Java, Rust and C# are read through definition-shaped regular expressions, run on a copy
of the file in which :func:`blank_comments_and_strings` has replaced every comment and
string, character, template and regular-expression literal with spaces (newlines are
kept, so positions and line numbers are those of the real file). Bodies are found by
brace matching on that blanked copy.

The ``language`` parameter names the language; without it the file extension decides
(``.py``, ``.js``/``.mjs``/``.cjs``/``.jsx``, ``.ts``/``.tsx``, ``.go``, ``.java``,
``.rs``, ``.cs``), and an unknown extension is an ``error`` verdict asking for
``language``.

Names: ``name`` (and ``function``) may be qualified, ``Class.method`` or
``Outer.Inner.method`` (``::`` is accepted too). A plain name matches a definition of
that name anywhere in the file, methods and nested functions included; a qualified name
matches when its parts are the innermost enclosing definitions (``Inner.method`` matches
``Outer.Inner.method``). Outside Python a qualifier is a class, struct, interface, enum,
record, trait, ``impl`` block, namespace/module or object literal whose body directly
holds the member; in Go it is the receiver type of a method (``Type.method`` only).

What each type shows (the comment above each check says more):

* ``function_exists``: a function or method of that name is defined. It does not show
  that it is called, nor that it does what its name says.
* ``class_exists``: a class (struct, interface, enum, record, trait) is defined. It does
  not show that it is used.
* ``decorator_present``: a decorator/annotation/attribute is written on a definition (on
  ``function`` when given). It does not show what the decorator does at run time.
* ``function_calls``: a call of ``calls`` appears in the body of ``function``. It does
  not show that the call is reached on every path.
* ``import_present``: an import statement names the module. It does not show that the
  imported code is used.
* ``middleware_registered``: a recognised registration of the middleware is written. It
  does not show its order relative to the routes, nor that the registering code runs.

A Python file that does not parse is an ``error`` verdict naming the syntax error and its
line, never a guess: the pattern approach would silently weaken the check for the one
language where the syntax tree is available, and a file that does not parse is not
shipped code anyway.

Known limits. Only the named file is read: nothing is resolved across files (a name
imported from elsewhere, a re-export, a settings module built from another). Python
resolves import aliases (``from bcrypt import hashpw as h``), nothing more. Of the
pattern approach (other languages): macros, preprocessors and code generation are not
expanded; a definition spelt in an unusual layout (a TypeScript return type holding an
object type before a method body, a quoted object key) is missed (a false ``fail``, never
a false ``pass`` from a comment or a string); a TypeScript function *type*
``name: (x) => void`` in an interface is taken for a definition; JavaScript regular
expression literals are told from divisions by the previous token, and JSX text is
code (an apostrophe in it may blank the rest of its line); C# attribute sections are
told from indexers by the character before ``[``. Every search is time-limited: a file
too large or too unbalanced to search in time is an ``error`` verdict.
"""

from __future__ import annotations

import ast
import bisect
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property, wraps
from typing import Any

import regex

from threatgate.verify.base import EvidenceError, Tree, Verdict, assertion_type
from threatgate.verify.regexes import TIMEOUT_SECONDS, compile_pattern, finditer, line_of, search

LANGUAGES = ("python", "javascript", "typescript", "go", "java", "rust", "csharp")

EXTENSIONS: dict[str, str] = {
    ".py": "python", ".pyi": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".tsx": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".go": "go",
    ".java": "java",
    ".rs": "rust",
    ".cs": "csharp",
}


class _CodeError(Exception):
    """The assertion cannot be checked on this file: an ``error`` verdict with this reason."""


# ---------------------------------------------------------------------------------------
# Blanking comments and literals
# ---------------------------------------------------------------------------------------

Span = tuple[int, int, str]  # start, end, "comment" or "string"

#: What can open a comment or a literal in code (and braces, for interpolation holes).
_TOKENS: dict[str, str] = {
    "javascript": r"//|/\*|[\"'`/{}]",
    "typescript": r"//|/\*|[\"'`/{}]",
    "go": r"//|/\*|[\"'`]",
    "java": r"//|/\*|\"\"\"|[\"']",
    "csharp": r"//|/\*|\$+\"{3,}|\"{3,}|\$@\"|@\$\"|@\"|\$\"|[\"'{}]",
    "rust": r"//|/\*|(?<![\w$])(?:br|cr|r)#*\"|(?<![\w$])b'|[\"']",
    "python": r"#|(?<![\w$])[rRbBuUfF]{0,2}(?:'''|\"\"\"|'|\")",
}

#: Where each kind of interpolating string part ends or opens a hole.
_PART_TOKENS: dict[str, str] = {
    "template": r"(?s)\\.|\$\{|`",           # JavaScript / TypeScript `...${x}...`
    "interpolated": r"(?s)\\.|\{\{|\{|\"|\n",  # C# $"...{x}..."
    "verbatim-interpolated": r"\"\"|\{\{|\{|\"",  # C# $@"...{x}..."
}

#: After these words a '/' starts a regular expression literal, not a division.
_REGEX_KEYWORDS = frozenset({"return", "typeof", "instanceof", "in", "of", "new", "delete",
                             "void", "throw", "case", "do", "else", "yield", "await"})


def blank_comments_and_strings(text: str, language: str) -> str:
    """``text`` with every comment and literal replaced by spaces, newlines kept.

    The result has the same length and the same line breaks as ``text``, so an index or
    a line number found in it is one of the original. Code inside interpolation holes
    (JavaScript ``${...}``, C# ``{...}`` in ``$"..."``) stays, since it is code.
    """
    if language not in _TOKENS:
        raise ValueError(f"unknown language {language!r}; one of {', '.join(LANGUAGES)}")
    return _blank(text, _literal_spans(text, language), ("comment", "string"))


def _blank(text: str, spans: Iterable[Span], kinds: tuple[str, ...]) -> str:
    pieces: list[str] = []
    last = 0
    for start, end, kind in spans:
        if kind not in kinds:
            continue
        pieces.append(text[last:start])
        pieces.append("\n".join(" " * len(part) for part in text[start:end].split("\n")))
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def _literal_spans(text: str, language: str) -> list[Span]:
    """The comments and literals of ``text``, in order, never overlapping."""
    spans: list[Span] = []
    holes: list[list[Any]] = []  # open interpolation holes: [string kind, brace depth]
    tokens = _TOKENS[language]
    pos, size = 0, len(text)
    while pos < size:
        found = search(tokens, text, 0, pos)
        if found is None:
            break
        token, start = found.group(0), found.start()
        pos = found.end()
        if token == "{":
            if holes:
                holes[-1][1] += 1
        elif token == "}":
            if holes and holes[-1][1] == 0:
                pos = _string_part(text, start, pos, holes.pop()[0], spans, holes)
            elif holes:
                holes[-1][1] -= 1
        elif token in ("//", "#"):
            end = text.find("\n", start)
            pos = size if end < 0 else end
            spans.append((start, pos, "comment"))
        elif token == "/*":
            pos = _block_comment_end(text, start, nested=language == "rust")
            spans.append((start, pos, "comment"))
        elif token == "/":
            literal_end = _regex_literal_end(text, start)
            if literal_end is not None:
                spans.append((start, literal_end, "string"))
                pos = literal_end
        else:
            pos = _literal(text, start, token, language, spans, holes)
    return spans


def _block_comment_end(text: str, start: int, nested: bool) -> int:
    if not nested:
        end = text.find("*/", start + 2)
        return len(text) if end < 0 else end + 2
    depth, pos = 0, start
    while True:
        found = search(r"/\*|\*/", text, 0, pos)
        if found is None:
            return len(text)
        depth += 1 if found.group(0) == "/*" else -1
        pos = found.end()
        if depth == 0:
            return int(pos)


def _regex_literal_end(text: str, start: int) -> int | None:
    """The end of a JavaScript regular expression literal at ``start``, or None (division)."""
    before = start - 1
    while before >= 0 and text[before] in " \t\r\n":
        before -= 1
    if before >= 0:
        previous = text[before]
        if previous in ")]}\"'`":
            return None
        if previous.isalnum() or previous in "_$":
            word_start = before
            while word_start > 0 and (text[word_start - 1].isalnum()
                                      or text[word_start - 1] in "_$"):
                word_start -= 1
            if text[word_start:before + 1] not in _REGEX_KEYWORDS:
                return None
    found = _match(r"(?:[^\\/\[\n]|\\[^\n]|\[(?:[^\]\\\n]|\\[^\n])*+\])*+/[\w$]*",
                   text, start + 1)
    return found.end() if found is not None else None


def _match(pattern: str, text: str, pos: int) -> Any:
    """The match of ``pattern`` starting exactly at ``pos`` (or None), time-limited like
    :func:`~threatgate.verify.regexes.search` (an anchored search would scan on)."""
    try:
        return compile_pattern(pattern).match(text, pos, timeout=TIMEOUT_SECONDS)
    except TimeoutError:
        raise EvidenceError(f"a search ran out of time ({TIMEOUT_SECONDS:g} s)") from None


def _end_of(pattern: str, text: str, pos: int) -> int:
    """The end of the anchored match of ``pattern`` at ``pos`` (it always matches)."""
    found = _match(pattern, text, pos)
    return found.end() if found is not None else len(text)


def _literal(text: str, start: int, token: str, language: str, spans: list[Span],
             holes: list[list[Any]]) -> int:
    """Record the literal opened by ``token`` at ``start``; return where code resumes."""
    after = start + len(token)
    if language in ("javascript", "typescript") and token == "`":
        return _string_part(text, start, after, "template", spans, holes)
    if language == "csharp" and token in ('$"', '$@"', '@$"'):
        kind = "interpolated" if token == '$"' else "verbatim-interpolated"
        return _string_part(text, start, after, kind, spans, holes)
    if language == "rust" and token.endswith("'"):
        found = _match(r"'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F_]{1,6}\}|[^\n])|[^\\'\n\r])'",
                       text, after - 1)
        if found is None:
            return after  # a lifetime or a label, not a character
        end = found.end()
    elif language == "rust" and token != '"':  # raw string r#"..."#
        hashes = token.count("#")
        close = text.find('"' + "#" * hashes, after)
        end = len(text) if close < 0 else close + 1 + hashes
    elif language == "rust":
        end = _closing(text, after, '"', multiline=True)
    elif language == "go" and token == "`":
        close = text.find("`", after)
        end = len(text) if close < 0 else close + 1
    elif language == "java" and token == '"""':
        end = _end_of(r'(?s)(?:[^"\\]|\\.|"(?!""))*+(?:"""|\Z)', text, after)
    elif language == "csharp" and token.endswith('"""'):
        quotes = token.lstrip("$")
        close = text.find(quotes, after)
        end = len(text) if close < 0 else close + len(quotes)
    elif language == "csharp" and token == '@"':
        end = _end_of(r'(?:[^"]|"")*+(?:"|\Z)', text, after)
    elif language == "python":
        quote = token.lstrip("rRbBuUfF")
        if len(quote) == 3:
            q = quote[0]
            end = _end_of(rf"(?s)(?:[^{q}\\]|\\.|{q}(?!{q}{q}))*+(?:{q}{q}{q}|\Z)", text, after)
        else:
            end = _closing(text, after, quote, multiline=False)
    else:
        end = _closing(text, after, token, multiline=False)
    spans.append((start, end, "string"))
    return int(end)


def _closing(text: str, pos: int, quote: str, multiline: bool) -> int:
    """After the closing ``quote`` (backslash escapes), or at the line end if unclosed."""
    other = "" if multiline else r"\n"
    end = _end_of(rf"(?s)(?:[^{quote}\\{other}]|\\.)*+", text, pos)
    return end + 1 if end < len(text) and text[end] == quote else end


def _string_part(text: str, start: int, pos: int, kind: str, spans: list[Span],
                 holes: list[list[Any]]) -> int:
    """Record an interpolating string part from ``start`` (its opening delimiter or the
    ``}`` closing a hole; its content starts at ``pos``) to its end or to the next hole;
    return where scanning resumes."""
    while True:
        found = search(_PART_TOKENS[kind], text, 0, pos)
        if found is None:
            spans.append((start, len(text), "string"))
            return len(text)
        token, pos = found.group(0), found.end()
        if token in ("${", "{"):
            spans.append((start, pos, "string"))
            holes.append([kind, 0])
            return int(pos)
        if token in ("`", '"'):
            spans.append((start, pos, "string"))
            return int(pos)
        if token == "\n":  # an unclosed single-line string ends with its line
            spans.append((start, found.start(), "string"))
            return int(found.start())


class _Source:
    """One file to check: its text, language and (lazily) its parsed or blanked forms."""

    def __init__(self, path: str, language: str, text: str) -> None:
        self.path, self.language, self.text = path, language, text

    @cached_property
    def spans(self) -> list[Span]:
        return _literal_spans(self.text, self.language)

    @cached_property
    def code(self) -> str:
        """Comments and literals blanked: where definitions and calls are looked for."""
        return _blank(self.text, self.spans, ("comment", "string"))

    @cached_property
    def uncommented(self) -> str:
        """Comments blanked, literals kept: for module names, which are strings."""
        return _blank(self.text, self.spans, ("comment",))

    @cached_property
    def _starts(self) -> list[int]:
        return [start for start, _end, _kind in self.spans]

    def in_literal(self, index: int) -> bool:
        k = bisect.bisect_right(self._starts, index) - 1
        return k >= 0 and self.spans[k][0] <= index < self.spans[k][1]

    def line(self, index: int) -> int:
        return line_of(self.text, index)

    @cached_property
    def module(self) -> ast.Module:
        text = self.text[1:] if self.text.startswith("\ufeff") else self.text
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escapes etc. must not become errors
                return ast.parse(text, filename=self.path)
        except SyntaxError as exc:
            raise _CodeError(
                f"{self.path} is not valid Python ({exc.msg}, line {exc.lineno}); code "
                "assertions read a Python file's syntax tree, so fix the file (or use "
                "pattern_matches)") from None
        except (ValueError, RecursionError, MemoryError) as exc:
            raise _CodeError(f"{self.path} cannot be parsed as Python: {exc}") from None

    @cached_property
    def definitions(self) -> list[tuple[tuple[str, ...], _PyDef]]:
        return _py_definitions(self.module)


# ---------------------------------------------------------------------------------------
# Shared plumbing
# ---------------------------------------------------------------------------------------

def _language_of(assertion: dict[str, Any]) -> str:
    path = str(assertion["file"])
    language = assertion.get("language")
    if language is not None:
        if language not in LANGUAGES:
            raise _CodeError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
        return str(language)
    name = path.rsplit("/", 1)[-1]
    extension = name[name.rfind("."):].lower() if "." in name else ""
    if extension not in EXTENSIONS:
        raise _CodeError(f"cannot tell the language of {path} from its extension "
                         f"{extension or '(none)'!r}; set `language` to one of "
                         f"{', '.join(LANGUAGES)}")
    return EXTENSIONS[extension]


CheckBody = Callable[[dict[str, Any], _Source], Verdict]


def _code_check(body: CheckBody) -> Callable[[dict[str, Any], Tree], Verdict]:
    """Resolve the language, read the file, and turn a :class:`_CodeError` (and a search
    out of time) into an ``error`` verdict.

    :class:`~threatgate.verify.base.EvidenceError` from reading the file (missing,
    binary, too large) is left to the caller, like every other check.
    """

    @wraps(body)
    def check(assertion: dict[str, Any], tree: Tree) -> Verdict:
        path = str(assertion["file"])
        try:
            language = _language_of(assertion)
            source = _Source(path, language, tree.read_text(path))
            try:
                return body(assertion, source)
            except EvidenceError:  # only the time limit of a search, once the file is read
                return Verdict.error(
                    f"{path} could not be checked within the time limit of "
                    f"{TIMEOUT_SECONDS:g} s per search (a very large or unbalanced file); "
                    "check it with pattern_matches instead", path)
        except _CodeError as exc:
            return Verdict.error(str(exc), path)

    return check


def _parts(name: Any, language: str) -> tuple[str, ...]:
    """``A.b`` / ``A::b`` as ("A", "b"); Python names NFKC-normalised like the parser."""
    text = str(name).strip()
    if language == "python":
        text = unicodedata.normalize("NFKC", text)
    parts = tuple(p.strip() for p in regex.split(r"\.|::", text))
    if not all(parts):
        raise _CodeError(f"{name!r} is not a name or a dotted name")
    return parts


def _ends_with(qualified: tuple[str, ...], parts: tuple[str, ...]) -> bool:
    return len(parts) <= len(qualified) and qualified[len(qualified) - len(parts):] == parts


def _word(part: str) -> str:
    return str(regex.escape(part))


_B = r"(?<![\w$])"  # no identifier character before
_E = r"(?![\w$])"  # no identifier character after
_PARAMS = r"(\((?:[^()]++|(?-1))*+\))"  # a balanced parameter list
_GENERIC = r"(?:<[^(){};]*>\s*)?"
_MODIFIERS = ("static", "async", "get", "set", "public", "private", "protected",
              "readonly", "override", "abstract", "declare", "export", "default")


# ---------------------------------------------------------------------------------------
# Python: the syntax tree
# ---------------------------------------------------------------------------------------

_PyDef = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def _py_definitions(module: ast.Module) -> list[tuple[tuple[str, ...], _PyDef]]:
    """Every function, method and class with its qualified name, in source order."""
    found: list[tuple[tuple[str, ...], _PyDef]] = []
    stack: list[tuple[tuple[str, ...], ast.AST]] = [((), module)]
    while stack:
        prefix, node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                qualified = (*prefix, child.name)
                found.append((qualified, child))
                stack.append((qualified, child))
            else:
                stack.append((prefix, child))
    found.sort(key=lambda item: (item[1].lineno, item[1].col_offset))
    return found


def _py_functions(source: _Source, parts: tuple[str, ...]) -> list[
        ast.FunctionDef | ast.AsyncFunctionDef]:
    return [node for qualified, node in source.definitions
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and _ends_with(qualified, parts)]


def _py_dotted(node: ast.AST) -> tuple[str, bool] | None:
    """``a.b.c`` for a name or attribute chain, and whether it starts at a plain name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    rooted = isinstance(node, ast.Name)
    if isinstance(node, ast.Name):
        parts.append(node.id)
    if not parts:
        return None
    return ".".join(reversed(parts)), rooted


def _py_aliases(module: ast.Module) -> dict[str, set[str]]:
    """Local names bound by absolute imports -> the dotted names they stand for."""
    aliases: dict[str, set[str]] = {}
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases.setdefault(alias.asname, set()).add(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                if alias.name != "*":
                    aliases.setdefault(alias.asname or alias.name, set()).add(
                        f"{node.module}.{alias.name}")
    return aliases


def _py_names(node: ast.AST, aliases: dict[str, set[str]]) -> list[str]:
    """The dotted name of ``node`` as written and with its import alias expanded."""
    dotted = _py_dotted(node)
    if dotted is None:
        return []
    name, rooted = dotted
    names = [name]
    if rooted:
        head, _, rest = name.partition(".")
        for full in sorted(aliases.get(head, ())):
            names.append(f"{full}.{rest}" if rest else full)
    return names


def _py_matches(names: Iterable[str], wanted: str) -> bool:
    return any(n == wanted or n.endswith("." + wanted) for n in names)


def _position(node: ast.AST) -> tuple[int, int]:
    return getattr(node, "lineno", 0), getattr(node, "col_offset", 0)


# ---------------------------------------------------------------------------------------
# Other languages: definition-shaped patterns on blanked code
# ---------------------------------------------------------------------------------------

#: A function value: ``function``, ``(params) =>`` or ``x =>``, maybe ``async``.
_ARROW = (rf"(?:async\s+)?(?:function{_E}|{_GENERIC}{_PARAMS}\s*(?::[^=;{{}}]*?)?=>"
          rf"|[\w$]+\s*=>)")


def _function_patterns(language: str, n: str) -> list[str]:
    """Patterns whose group ``n`` is the name of a function definition called ``n``."""
    if language in ("javascript", "typescript"):
        modifiers = "|".join(_MODIFIERS)
        return [
            rf"{_B}function\s*\*?\s*(?P<n>{n}){_E}\s*{_GENERIC}\(",
            rf"{_B}(?P<n>{n}){_E}\s*(?::[^=;{{}}()]*)?=\s*{_ARROW}",
            rf"(?m)(?:^|[{{,;])\s*(?P<n>{n}){_E}\s*:\s*{_ARROW}",
            rf"(?m)(?:^|[{{}};,])\s*(?:(?:{modifiers})\s+)*\*?\s*#?(?P<n>{n}){_E}\s*\??\s*"
            rf"{_GENERIC}{_PARAMS}\s*(?::[^{{}};=]*?)?\s*\{{",
        ]
    if language == "go":
        return [rf"{_B}func\s+(?P<n>{n}){_E}\s*(?:\[[^\]]*\]\s*)?\(",
                rf"{_B}func\s*\((?P<recv>[^()]*)\)\s*(?P<n>{n}){_E}\s*(?:\[[^\]]*\]\s*)?\("]
    if language == "rust":
        return [rf"{_B}fn\s+(?P<n>{n}){_E}\s*(?:<[^{{;]*?>\s*)?\("]
    throws = r"(?:throws\s+[\w$.,\s<>]+?)?\s*"
    if language == "java":
        return [rf"(?P<prev>(?<![\w$])[\w$]++|[\]>?])\s+(?P<n>{n}){_E}\s*{_PARAMS}\s*"
                rf"(?:\[\s*\]\s*)*{throws}\{{",
                rf"(?m)(?:^|[{{}};])\s*(?P<n>{n}){_E}\s*{_PARAMS}\s*{throws}\{{"]
    # csharp
    base = rf"(?::\s*(?:base|this)\s*{_PARAMS}\s*)?"
    where = r"(?:where\s+[^{;=]+?)?"
    return [rf"(?P<prev>(?<![\w$])[\w$]++|[\]>?)])\s+(?P<n>{n}){_E}\s*{_GENERIC}{_PARAMS}\s*{base}"
            rf"{where}\s*(?:\{{|=>)",
            rf"(?m)(?:^|[{{}};])\s*(?P<n>{n}){_E}\s*{_PARAMS}\s*{base}\s*\{{"]


#: Words that can stand before ``name(...) {`` without it being a definition.
_NOT_A_RETURN_TYPE = frozenset({"new", "return", "throw", "else", "case", "record", "yield",
                                "await", "in", "is", "as", "goto", "assert", "do", "using",
                                "lock", "fixed", "when", "and", "or", "not", "with"})


def _class_patterns(language: str, n: str) -> list[str]:
    """Patterns whose group ``n`` names a class-like definition called ``n``."""
    keywords = {
        "javascript": "class",
        "typescript": "class|interface|enum",
        "java": "class|interface|enum|record",
        "csharp": "class|struct|interface|record|enum",
        "rust": "struct|enum|trait|union",
    }
    if language == "go":
        return [rf"{_B}type\s+(?P<n>{n})\s*(?:\[[^\]]*\]\s*)?(?:struct|interface){_E}"]
    patterns = [rf"(?<![\w$.@])(?:{keywords[language]})\s+(?P<n>{n}){_E}"]
    if language == "java":
        patterns.append(rf"@\s*interface\s+(?P<n>{n}){_E}")
    if language in ("javascript", "typescript"):
        patterns.append(rf"{_B}(?P<n>{n})\s*=\s*class{_E}")
    return patterns


def _container_patterns(language: str, n: str) -> list[str]:
    """Patterns for definitions whose body can hold methods, followed by that body."""
    patterns = _class_patterns(language, n)
    if language in ("javascript", "typescript"):
        patterns.append(rf"{_B}(?:const|let|var)\s+(?P<n>{n}){_E}\s*(?::[^=;]*)?=\s*(?=\{{)")
    if language == "typescript":
        patterns.append(rf"{_B}(?:namespace|module)\s+(?P<n>{n}){_E}")
    if language == "csharp":
        patterns.append(rf"{_B}namespace\s+(?:[\w$]+\s*\.\s*)*(?P<n>{n}){_E}")
    if language == "rust":
        patterns.append(rf"{_B}impl{_E}(?:\s*<[^{{;]*?>)?\s+(?:[^{{;]*?\s+for\s+)?"
                        rf"(?:[\w$]+\s*::\s*)*(?P<n>{n}){_E}")
        patterns.append(rf"{_B}mod\s+(?P<n>{n}){_E}")
    return patterns


def _go_type_literal(code: str, brace: int) -> bool:
    """Whether the ``{`` at ``brace`` opens a Go ``struct{...}``/``interface{...}`` type."""
    return search(r"(?<![\w$])(?:struct|interface)\s*\Z", code[max(0, brace - 40):brace]) \
        is not None


def _matching(code: str, opening: int) -> int:
    """The index after the bracket closing the one at ``opening`` (or the end of code)."""
    pairs = {"{": "}", "(": ")", "[": "]"}
    open_char = code[opening]
    close_char = pairs[open_char]
    pattern = regex.escape(open_char) + "|" + regex.escape(close_char)
    depth, pos = 0, opening
    while True:
        found = search(pattern, code, 0, pos)
        if found is None:
            return len(code)
        depth += 1 if found.group(0) == open_char else -1
        pos = found.end()
        if depth == 0:
            return int(pos)


def _find_body(code: str, pos: int, language: str, arrow: bool = True) -> tuple[int, int] | None:
    """The body after a definition's header starting at ``pos``: a braced block (from
    its ``{`` to after its ``}``) or, after ``=>``, an expression; None if the header
    ends (``;``, or the enclosing block closes) first."""
    depth = angle = 0
    while True:
        found = search(r"=>|->|[()\[\]{};<>]", code, 0, pos)
        if found is None:
            return None
        token, start, pos = found.group(0), found.start(), found.end()
        if token in ("(", "["):
            depth += 1
        elif token in (")", "]"):
            depth -= 1
            if depth < 0:
                return None
        elif token == "{":
            if depth == 0 and angle == 0:
                if language == "go" and _go_type_literal(code, start):
                    pos = _matching(code, start)
                    continue
                return start, _matching(code, start)
            depth += 1
        elif token == "}":
            if depth == 0:
                return None
            depth -= 1
        elif token == ";":
            if depth == 0:
                return None
        elif token == "=>":
            if arrow and depth == 0 and angle == 0:
                return _arrow_body(code, pos)
        elif language == "typescript" and depth == 0 and token in ("<", ">"):
            angle = angle + 1 if token == "<" else max(0, angle - 1)


def _arrow_body(code: str, pos: int) -> tuple[int, int]:
    """The body after ``=>``: a block, or an expression up to where it visibly ends."""
    found = search(r"\S", code, 0, pos)
    if found is None:
        return pos, len(code)
    if found.group(0) == "{":
        return found.start(), _matching(code, found.start())
    depth, scan = 0, found.start()
    while True:
        token = search(r"[()\[\]{}]|[;,]|\n", code, 0, scan)
        if token is None:
            return pos, len(code)
        char, scan = token.group(0), token.end()
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth < 0:
                return pos, token.start()
        elif depth == 0 and char in ";,":
            return pos, token.start()
        elif depth == 0 and char == "\n":
            following = search(r"\S", code, 0, scan)
            if following is None or following.group(0) not in ".?:+-*/%&|=<>,(":
                return pos, token.start()


def _depth(code: str, body_start: int, index: int) -> int:
    """How many braces are open at ``index``, counting from the one at ``body_start``."""
    return code.count("{", body_start, index) - code.count("}", body_start, index)


def _containers(source: _Source, parts: tuple[str, ...]) -> list[tuple[int, int]]:
    """Bodies of the nested definitions named ``parts`` (each directly in the previous)."""
    code = source.code
    ranges = [(0, len(code))]
    for index, part in enumerate(parts):
        bodies: list[tuple[int, int]] = []
        for low, high in ranges:
            for pattern in _container_patterns(source.language, _word(part)):
                for match in finditer(pattern, code[low:high]):
                    at = low + match.start("n")
                    if index and _depth(code, low, at) != 1:
                        continue
                    body = _find_body(code, low + match.end(), source.language, arrow=False)
                    if body is not None and body not in bodies:
                        bodies.append(body)
        ranges = sorted(bodies)
    return ranges


def _function_names(source: _Source, parts: tuple[str, ...]) -> list[tuple[int, int]]:
    """(start, end) of the name of every definition of the function ``parts``."""
    code, language = source.code, source.language
    name = _word(parts[-1])
    found: set[tuple[int, int]] = set()

    def collect(low: int, high: int, direct: bool, receiver: str | None = None) -> None:
        for pattern in _function_patterns(language, name):
            for match in finditer(pattern, code[low:high]):
                if "prev" in match.groupdict() and match.group("prev") in _NOT_A_RETURN_TYPE:
                    continue
                if receiver is not None:
                    recv = match.groupdict().get("recv")
                    if recv is None or not _receiver_is(recv, receiver):
                        continue
                at = low + match.start("n")
                if direct and _depth(code, low, at) != 1:
                    continue
                found.add((at, low + match.end("n")))

    if len(parts) == 1:
        collect(0, len(code), direct=False)
    elif language == "go":
        if len(parts) != 2:
            raise _CodeError("a Go method is named Type.method")
        collect(0, len(code), direct=False, receiver=parts[0])
    else:
        for low, high in _containers(source, parts[:-1]):
            collect(low, high, direct=True)
        if language in ("javascript", "typescript") and len(parts) == 2:
            owner = _word(parts[0])
            for match in finditer(rf"{_B}{owner}\s*\.\s*(?:prototype\s*\.\s*)?(?P<n>{name})"
                                  rf"{_E}\s*=\s*{_ARROW}", code):
                found.add((match.start("n"), match.end("n")))
    return sorted(found)


def _receiver_is(receiver: str, type_name: str) -> bool:
    found = search(r"([\w$]+)\s*(?:\[[^\]]*\])?\s*\Z", receiver)
    return found is not None and found.group(1) == type_name


def _class_names(source: _Source, parts: tuple[str, ...]) -> list[int]:
    """Start of the name of every class-like definition ``parts``."""
    code, language = source.code, source.language
    name = _word(parts[-1])
    starts: set[int] = set()
    if len(parts) == 1:
        ranges, direct = [(0, len(code))], False
    elif language == "go":
        return []  # Go types do not nest
    else:
        ranges, direct = _containers(source, parts[:-1]), True
    for low, high in ranges:
        for pattern in _class_patterns(language, name):
            for match in finditer(pattern, code[low:high]):
                at = low + match.start("n")
                if not direct or _depth(code, low, at) == 1:
                    starts.add(at)
    if language == "go":  # type ( A struct {...}; B interface {...} )
        for block in finditer(r"(?<![\w$])type\s*\(", code):
            low, high = block.end() - 1, _matching(code, block.end() - 1)
            for match in finditer(rf"(?:^|[(;\n])\s*(?P<n>{name})\s*(?:\[[^\]]*\]\s*)?"
                                  rf"(?:struct|interface){_E}", code[low:high]):
                starts.add(low + match.start("n"))
    return sorted(starts)


def _call_pattern(parts: tuple[str, ...]) -> str:
    """A call of ``parts`` (``a.b(``, ``x.a.b(``, ``a::b(``, ``a!(``, ``a<T>(``)."""
    separator = r"\s*(?:\?\.|\.|::|->)\s*"
    name = separator.join(_word(p) for p in parts)
    return rf"{_B}{name}{_E}\s*!?\s*(?:(?:::\s*)?<[^;{{}}()]*?>\s*)?\("


_DEFINING_WORDS = frozenset({"function", "fn", "func", "def"})


def _previous_word(code: str, index: int) -> str:
    found = search(r"([\w$]+)\s*\Z", code[max(0, index - 64):index])
    return found.group(1) if found is not None else ""


# ---------------------------------------------------------------------------------------
# function_exists
# ---------------------------------------------------------------------------------------
# A pass shows: a function or method with this (qualified) name is *defined* in the
# file: a `def`/`async def` in Python's syntax tree, or a definition-shaped declaration
# (with a body, except JavaScript/TypeScript `function` declarations) in the blanked code.
# It does not show: that the function is called, reachable, exported, or that it does
# what its name says; nor (outside Python) that a same-named definition is not shadowed.

@assertion_type("function_exists")
@_code_check
def function_exists(assertion: dict[str, Any], source: _Source) -> Verdict:
    """Passes when a function or method called ``name`` is defined in ``file``."""
    name, path = str(assertion["name"]), source.path
    parts = _parts(name, source.language)
    if source.language == "python":
        functions = _py_functions(source, parts)
        if functions:
            node = functions[0]
            kind = "async function" if isinstance(node, ast.AsyncFunctionDef) else "function"
            return Verdict.passed(f"{kind} {name} is defined in {path}", path, node.lineno)
        return Verdict.failed(f"no function named {name} is defined in {path}", path)
    names = _function_names(source, parts)
    if names:
        return Verdict.passed(f"function {name} is defined in {path}", path,
                              source.line(names[0][0]))
    return Verdict.failed(f"no definition of a function named {name} in {path} (comments "
                          "and string literals are ignored)", path)


# ---------------------------------------------------------------------------------------
# class_exists
# ---------------------------------------------------------------------------------------
# A pass shows: a class of this (qualified) name is defined in the file; outside Python
# also an interface, enum or record (Java, TypeScript, C#), struct (C#, Go, Rust), trait
# or union (Rust), Go interface. A Go type of another kind (`type X int`) does not count.
# It does not show: that the class is instantiated or used, nor what its members do.

@assertion_type("class_exists")
@_code_check
def class_exists(assertion: dict[str, Any], source: _Source) -> Verdict:
    """Passes when a class-like type called ``name`` is defined in ``file``."""
    name, path = str(assertion["name"]), source.path
    parts = _parts(name, source.language)
    if source.language == "python":
        for qualified, node in source.definitions:
            if isinstance(node, ast.ClassDef) and _ends_with(qualified, parts):
                return Verdict.passed(f"class {name} is defined in {path}", path, node.lineno)
        return Verdict.failed(f"no class named {name} is defined in {path}", path)
    starts = _class_names(source, parts)
    if starts:
        return Verdict.passed(f"class {name} is defined in {path}", path,
                              source.line(starts[0]))
    return Verdict.failed(f"no definition of a class (or struct, interface, enum, trait) "
                          f"named {name} in {path} (comments and string literals are "
                          "ignored)", path)


# ---------------------------------------------------------------------------------------
# decorator_present
# ---------------------------------------------------------------------------------------
# A pass shows: a decorator (Python), annotation (Java, TypeScript/JavaScript `@Name`),
# attribute (C# `[Name]`, `[NameAttribute]`; Rust `#[name]`) whose name is `name` or ends
# with `.name` is written on a definition (on the `function` one when given). With
# arguments (`@app.route("/x")`) it still counts, whatever the arguments are.
# It does not show: what the decorator does at run time, that it is the library's and
# not a same-named local one (Python resolves import aliases, nothing more), or that the
# arguments are right. Go has no decorators: a Go file is an `error` verdict.

def _decorator_paths(source: _Source) -> Iterator[tuple[int, int, tuple[str, ...]]]:
    """(start, end, dotted parts) of every decorator/annotation/attribute in the code."""
    code, language = source.code, source.language
    path = r"(?P<path>[\w$]+(?:\s*(?:\.|::)\s*[\w$]+)*)"
    if language == "csharp":
        for section in finditer(r"\[", code):
            if not _starts_attribute_section(code, section.start()):
                continue
            close = _matching(code, section.start())
            content_start = section.end()
            target = _match(r"\s*[\w$]+\s*:(?!:)", code, content_start)
            if target is not None:
                content_start = target.end()
            for start, end in _top_level_items(code, content_start, close - 1):
                found = _match(rf"\s*(?:global\s*::\s*)?{path}", code, start)
                if found is not None and found.end() <= end:
                    yield found.start("path"), close, _path_parts(found.group("path"))
        return
    opener = r"#!?\[\s*" if language == "rust" else r"@\s*"
    for found in finditer(rf"{opener}{path}", code):
        if language != "rust" and found.start() > 0 and (code[found.start() - 1].isalnum()
                                                        or code[found.start() - 1] in "_$"):
            continue
        end = found.end()
        after = _match(r"\s*\(", code, end)
        if language == "rust":
            end = _matching(code, code.index("[", found.start()))
        elif after is not None:
            end = _matching(code, after.end() - 1)
        yield found.start("path"), end, _path_parts(found.group("path"))


def _path_parts(path: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in regex.split(r"\.|::", path))


def _starts_attribute_section(code: str, index: int) -> bool:
    """Whether the C# ``[`` at ``index`` opens an attribute section, not an index."""
    before = index - 1
    while before >= 0 and code[before] in " \t\r\n":
        before -= 1
    if before < 0:
        return True
    previous = code[before]
    if previous == "]":
        return "\n" in code[before:index]
    return previous in ";{}(,"


def _top_level_items(code: str, low: int, high: int) -> list[tuple[int, int]]:
    """Comma-separated items of ``code[low:high]``, commas inside brackets not counted."""
    items: list[tuple[int, int]] = []
    depth, start = 0, low
    for found in finditer(r"[()\[\]{},]", code[low:high]):
        char = found.group(0)
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0:
            items.append((start, low + found.start()))
            start = low + found.end()
    items.append((start, high))
    return items


def _decorator_name_matches(found: tuple[str, ...], parts: tuple[str, ...],
                            language: str) -> bool:
    if _ends_with(found, parts):
        return True
    if language == "csharp":  # [Authorize] is AuthorizeAttribute
        last, wanted = found[-1], parts[-1]
        for a, b in ((last + "Attribute", wanted), (last, wanted + "Attribute")):
            if a == b and _ends_with(found[:-1], parts[:-1]):
                return True
    return False


def _decorated_name(source: _Source, pos: int) -> int | None:
    """Start of the name of the definition that the decorators ending at ``pos`` sit on."""
    code, language = source.code, source.language
    while True:  # skip further decorators / attributes
        if language == "csharp":
            nxt = _match(r"\s*\[", code, pos)
            if nxt is None:
                break
            pos = _matching(code, nxt.end() - 1)
        else:
            opener = r"#!?\[" if language == "rust" else r"@\s*[\w$]"
            nxt = _match(rf"\s*{opener}", code, pos)
            if nxt is None:
                break
            if language == "rust":
                pos = _matching(code, nxt.end() - 1)
                continue
            after = _match(r"[\w$]*(?:\s*(?:\.|::)\s*[\w$]+)*(\s*\()?", code, nxt.end())
            if after is None:  # cannot happen: the pattern matches the empty string
                return None
            pos = _matching(code, after.end() - 1) if after.group(1) else after.end()
    header_end = search(r"[{;]|=>", code, 0, pos)
    header = code[pos:header_end.start() if header_end is not None else len(code)]
    if language == "rust":
        found = search(r"(?<![\w$])fn\s+([\w$]+)", header)
        return pos + found.start(1) if found is not None else None
    paren, equals = header.find("("), search(r"(?<![=!<>])=(?![=>])", header)
    if equals is not None and (paren < 0 or equals.start() < paren):
        for word in finditer(r"#?([\w$]+)", header[:equals.start()]):
            if word.group(1) not in _MODIFIERS:
                return pos + int(word.start(1))
        return None
    if paren < 0:
        return None
    found = search(r"([\w$]+)\s*(?:<[^()]*>\s*)?\Z", header[:paren])
    return pos + found.start(1) if found is not None else None


@assertion_type("decorator_present")
@_code_check
def decorator_present(assertion: dict[str, Any], source: _Source) -> Verdict:
    """Passes when decorator ``name`` is applied (to ``function`` when given)."""
    name, path, language = str(assertion["name"]).lstrip("@"), source.path, source.language
    parts = _parts(name, language)
    function = assertion.get("function")
    where = f" to {function}" if function else ""
    shown = {"csharp": f"[{name}]", "rust": f"#[{name}]"}.get(language, f"@{name}")
    if language == "go":
        raise _CodeError("Go has no decorators or annotations; use pattern_matches or "
                         "function_calls for a Go wrapper")
    if language == "python":
        wanted = ".".join(parts)
        aliases = _py_aliases(source.module)
        targets = source.definitions
        if function:
            function_parts = _parts(function, language)
            targets = [t for t in targets if _ends_with(t[0], function_parts)]
            if not targets:
                return Verdict.failed(f"{function} is not defined in {path}", path)
        for _qualified, node in targets:
            for decorator in node.decorator_list:
                expression = decorator.func if isinstance(decorator, ast.Call) else decorator
                if _py_matches(_py_names(expression, aliases), wanted):
                    return Verdict.passed(f"{shown} is applied{where} in {path}", path,
                                          decorator.lineno)
        return Verdict.failed(f"{shown} is not applied{where} in {path}", path)
    allowed: set[int] | None = None
    if function:
        allowed = {start for start, _end in _function_names(source,
                                                            _parts(function, language))}
        if not allowed:
            return Verdict.failed(f"{function} is not defined in {path}", path)
    for start, end, found in _decorator_paths(source):
        if not _decorator_name_matches(found, parts, language):
            continue
        if allowed is None or _decorated_name(source, end) in allowed:
            return Verdict.passed(f"{shown} is applied{where} in {path}", path,
                                  source.line(start))
    return Verdict.failed(f"{shown} is not applied{where} in {path} (comments and string "
                          "literals are ignored)", path)


# ---------------------------------------------------------------------------------------
# function_calls
# ---------------------------------------------------------------------------------------
# A pass shows: inside the body of the function `function` (any definition of that
# name; nested functions and lambdas in it included) there is a call whose dotted name is
# `calls` or ends with `.calls` (`bcrypt.hashpw`, `self.bcrypt.hashpw`; in Python also
# through an import alias: `from bcrypt import hashpw as h; h()` is `bcrypt.hashpw`).
# It does not show: that the call is reached on every path (or at all), that it is not
# shadowed by a local of the same name, its arguments, or that its result is used.

@assertion_type("function_calls")
@_code_check
def function_calls(assertion: dict[str, Any], source: _Source) -> Verdict:
    """Passes when the body of ``function`` holds a call of ``calls``."""
    function, calls, path = str(assertion["function"]), str(assertion["calls"]), source.path
    function_parts = _parts(function, source.language)
    call_parts = _parts(calls, source.language)
    if source.language == "python":
        definitions = _py_functions(source, function_parts)
        if not definitions:
            return Verdict.failed(f"no function named {function} is defined in {path}", path)
        wanted, aliases = ".".join(call_parts), _py_aliases(source.module)
        hits = [node for definition in definitions for statement in definition.body
                for node in ast.walk(statement)
                if isinstance(node, ast.Call)
                and _py_matches(_py_names(node.func, aliases), wanted)]
        if hits:
            first = min(hits, key=_position)
            return Verdict.passed(f"{function} calls {calls} in {path}", path, first.lineno)
        return Verdict.failed(f"{function} does not call {calls} in {path}", path)
    names = _function_names(source, function_parts)
    if not names:
        return Verdict.failed(f"no definition of a function named {function} in {path}",
                              path)
    code, pattern = source.code, _call_pattern(call_parts)
    bodies = 0
    for _start, end in names:
        body = _find_body(code, end, source.language)
        if body is None:
            continue
        bodies += 1
        low, high = body
        for match in finditer(pattern, code[low:high]):
            if _previous_word(code, low + match.start()) in _DEFINING_WORDS:
                continue
            return Verdict.passed(f"{function} calls {calls} in {path}", path,
                                  source.line(low + match.start()))
    if not bodies:
        return Verdict.failed(f"{function} is declared in {path} but has no body", path)
    return Verdict.failed(f"{function} does not call {calls} in {path} (comments and "
                          "string literals are ignored)", path)


# ---------------------------------------------------------------------------------------
# import_present
# ---------------------------------------------------------------------------------------
# A pass shows: an import statement in the file names the module `module` or a
# submodule/member of it (`module: a` is met by `import a.b`, `from a.b import c`; JS/Go
# `m` by `'m/sub'`; Java/C# `a.b` by `a.b.C`; Rust `a::b` by `use a::b::{c, d}`).
# Python: `import`, `from ... import` (relative imports never meet an absolute name);
# JavaScript/TypeScript: `import ... from`, `import 'm'`, `import('m')`, `require('m')`,
# `export ... from`; Go: `import "m"` and import blocks; Java `import`; Rust `use`,
# `extern crate`; C# `using`. An import inside a comment or a string does not count.
# It does not show: that the import is executed (it may sit in a branch or a
# `TYPE_CHECKING` block), that the module is the expected package, or that it is used.

def _python_imports(source: _Source) -> Iterator[tuple[str, int]]:
    for node in ast.walk(source.module):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, node.lineno
            for alias in node.names:
                if alias.name != "*":
                    yield f"{node.module}.{alias.name}", node.lineno


def _code_imports(source: _Source) -> Iterator[tuple[str, int]]:
    """(module, index) of every import of a non-Python file."""
    language, text, code = source.language, source.uncommented, source.code
    if language in ("javascript", "typescript"):
        quoted = r"(?P<q>['\"`])(?P<m>[^'\"`\n]*)(?P=q)"
        for pattern in (rf"(?<![\w$.])(?:import|require)\s*\(\s*{quoted}",
                        rf"(?<![\w$.])(?:import|from)\s*{quoted}"):
            for found in finditer(pattern, text):
                if not source.in_literal(found.start()):
                    yield found.group("m"), found.start()
    elif language == "go":
        spec = r"(?:[\w$.]+\s+)?(?P<q>[\"`])(?P<m>[^\"`\n]*)(?P=q)"
        for found in finditer(rf"(?<![\w$.])import\s*{spec}", text):
            if not source.in_literal(found.start()):
                yield found.group("m"), found.start()
        for block in finditer(r"(?<![\w$.])import\s*\(", code):
            low, high = block.end(), _matching(code, block.end() - 1)
            for found in finditer(rf"(?:^|[(;\n])\s*{spec}", text[low:high]):
                yield found.group("m"), low + found.start("m")
    elif language in ("java", "csharp"):
        dotted = r"(?P<m>[\w$]+(?:\s*\.\s*[\w$]+)*)"
        pattern = (rf"(?<![\w$.])import\s+(?:static\s+)?{dotted}(?:\s*\.\s*\*)?\s*;"
                   if language == "java" else
                   rf"(?<![\w$.])(?:global\s+)?using\s+(?:static\s+)?(?:[\w$]+\s*=\s*)?"
                   rf"(?:global\s*::\s*)?{dotted}\s*;")
        for found in finditer(pattern, code):
            yield regex.sub(r"\s+", "", found.group("m")), found.start()
    elif language == "rust":
        for found in finditer(r"(?<![\w$.])use\s+(?P<tree>[^;{}]*(?:\{[^;]*\})?)\s*;", code):
            for path in _rust_use_paths(found.group("tree")):
                yield path, found.start()
        for found in finditer(r"(?<![\w$])extern\s+crate\s+(?P<m>[\w$]+)", code):
            yield found.group("m"), found.start()


def _rust_use_paths(tree: str, prefix: str = "", depth: int = 0) -> list[str]:
    """``a::{b, c::{d, e}}`` -> ["a::b", "a::c::d", "a::c::e"] (aliases and globs dropped)."""
    text = regex.sub(r"\s+as\s+[\w$]+", "", tree)
    text = regex.sub(r"\s+", "", text)
    paths: list[str] = []
    depth_now, start = 0, 0
    items: list[str] = []
    for index, char in enumerate(text):
        if char == "{":
            depth_now += 1
        elif char == "}":
            depth_now -= 1
        elif char == "," and depth_now == 0:
            items.append(text[start:index])
            start = index + 1
    items.append(text[start:])
    for item in items:
        if not item:
            continue
        brace = item.find("{")
        if brace >= 0 and item.endswith("}"):
            head = item[:brace].rstrip(":")
            if depth < 16:
                paths.extend(_rust_use_paths(item[brace + 1:-1], _join(prefix, head),
                                             depth + 1))
        else:
            paths.append(_join(prefix, item))
    cleaned = []
    for path in paths:
        path = regex.sub(r"(?:::(?:self|\*))+\Z", "", path).lstrip(":")
        if path:
            cleaned.append(path)
    return cleaned


def _join(prefix: str, path: str) -> str:
    return f"{prefix}::{path}" if prefix and path else prefix or path


@assertion_type("import_present")
@_code_check
def import_present(assertion: dict[str, Any], source: _Source) -> Verdict:
    """Passes when an import statement of ``file`` names ``module`` (or a part of it)."""
    module, path, language = str(assertion["module"]).strip(), source.path, source.language
    if language == "python":
        wanted = unicodedata.normalize("NFKC", module)
        for name, line in sorted(_python_imports(source), key=lambda item: item[1]):
            if name == wanted or name.startswith(wanted + "."):
                return Verdict.passed(f"{module} is imported in {path}", path, line)
        return Verdict.failed(f"{module} is not imported in {path}", path)
    separator = {"javascript": "/", "typescript": "/", "go": "/", "rust": "::"}.get(
        language, ".")
    wanted = module.replace(".", "::") if language == "rust" else module
    hits = [index for name, index in _code_imports(source)
            if name == wanted or name.startswith(wanted + separator)]
    if hits:
        return Verdict.passed(f"{module} is imported in {path}", path,
                              source.line(min(hits)))
    return Verdict.failed(f"{module} is not imported in {path} (comments and string "
                          "literals are ignored)", path)


# ---------------------------------------------------------------------------------------
# middleware_registered
# ---------------------------------------------------------------------------------------
# A pass shows: the file registers a middleware named `name` in one of the recognised
# forms, outside comments and strings:
#   Python (syntax tree): Django `MIDDLEWARE`/`MIDDLEWARE_CLASSES` lists (assigned,
#   extended, appended, inserted) holding 'dotted.path.Name'; FastAPI/Starlette
#   `add_middleware(Name, ...)` and `Middleware(Name, ...)`; `@app.middleware("http")` on a
#   function `name`; Flask `app.wsgi_app = Name(app.wsgi_app)`.
#   JavaScript/TypeScript (Express, Koa, Nest): `x.use(name)`, `x.use(name(...))`,
#   `x.use('/path', name.sub())`; Go (chi, gin, echo): `r.Use(name)`; C# (ASP.NET):
#   `app.UseName(...)`, `app.UseMiddleware<Name>()`, `app.Use(name)`; Java (Spring):
#   `addFilter*(new Name(...))`, `addInterceptor(new Name())`; Rust (actix, axum, tower):
#   `.wrap(Name::new())`, `.layer(Name::new())`.
# An argument counts when its leading dotted path holds `name` as whole parts in a row
# (`helmet` in `helmet()` and `helmet.hsts()`, `Logger` in `middleware::Logger::default()`).
# It does not show: the order relative to routes or other middleware, that the code
# registering it runs (a branch, a test-only app), the middleware's configuration, or in
# Django that this settings file is the one in use.

_REGISTRATION_METHODS: dict[str, str] = {
    "javascript": "use",
    "typescript": "use",
    "go": "Use",
    "csharp": "Use",
    "java": "addFilter|addFilterBefore|addFilterAfter|addFilterAt|addInterceptor",
    "rust": "wrap|wrap_fn|layer|route_layer",
}


def _argument_names(code: str, low: int, high: int) -> Iterator[tuple[int, tuple[str, ...]]]:
    """(index, leading dotted path) of each argument in ``code[low:high]``."""
    for start, end in _top_level_items(code, low, high):
        found = _match(r"\s*(?:(?:new|await)\s+|typeof\s*\(\s*)?"
                       r"(?P<path>[\w$]+(?:\s*(?:\.|::)\s*[\w$]+)*)", code, start)
        if found is not None and found.end() <= end:
            yield found.start("path"), _path_parts(found.group("path"))


def _path_names(found: tuple[str, ...], parts: tuple[str, ...]) -> bool:
    """Whether ``parts`` occur, whole and in a row, in the path ``found``."""
    size = len(parts)
    return any(found[i:i + size] == parts for i in range(len(found) - size + 1))


def _code_middleware(source: _Source, parts: tuple[str, ...]) -> int | None:
    code, language = source.code, source.language
    methods = _REGISTRATION_METHODS[language]
    if language == "csharp":
        suffix = parts[-1][3:] if parts[-1].startswith("Use") and len(parts) == 1 else None
        for found in finditer(r"\.\s*Use(?P<rest>[\w$]*)\s*(?:<(?P<generic>[^<>()]*"
                              r"(?:<[^<>()]*>[^<>()]*)*)>)?\s*\(", code):
            rest, generic = found.group("rest"), found.group("generic")
            if rest and len(parts) == 1 and rest in (parts[0], suffix):
                return int(found.start())
            if rest == "Middleware" and generic and _path_names(
                    _path_parts(regex.sub(r"<.*", "", generic, flags=regex.DOTALL)), parts):
                return int(found.start())
            if not rest:
                close = _matching(code, found.end() - 1)
                for index, names in _argument_names(code, found.end(), close - 1):
                    if _path_names(names, parts):
                        return index
        return None
    for found in finditer(rf"\.\s*(?:{methods})\s*\(", code):
        close = _matching(code, found.end() - 1)
        for position, (index, names) in enumerate(_argument_names(code, found.end(),
                                                                  close - 1)):
            if language == "java" and position:
                break  # addFilterBefore(new F(), Other.class): only the first is registered
            if _path_names(names, parts):
                return index
    return None


_DJANGO_SETTINGS = frozenset({"MIDDLEWARE", "MIDDLEWARE_CLASSES"})


def _list_strings(node: ast.AST) -> Iterator[ast.Constant]:
    """String elements of a list/tuple literal, through ``+`` and ``*unpacking``."""
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        for element in node.elts:
            if isinstance(element, ast.Constant) and isinstance(element.value, str):
                yield element
            elif isinstance(element, ast.Starred):
                yield from _list_strings(element.value)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        yield from _list_strings(node.left)
        yield from _list_strings(node.right)


def _is_settings_name(node: ast.AST) -> bool:
    return ((isinstance(node, ast.Name) and node.id in _DJANGO_SETTINGS)
            or (isinstance(node, ast.Attribute) and node.attr in _DJANGO_SETTINGS))


def _python_middleware(source: _Source, wanted: str) -> int | None:
    aliases = _py_aliases(source.module)
    hits: list[ast.AST] = []

    def string_names(strings: Iterable[ast.Constant]) -> None:
        hits.extend(s for s in strings if _py_matches([str(s.value)], wanted))

    for node in ast.walk(source.module):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign) and node.value:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(_is_settings_name(t) for t in targets):
                string_names(_list_strings(node.value))
            if (any(isinstance(t, ast.Attribute) and t.attr == "wsgi_app" for t in targets)
                    and isinstance(node.value, ast.Call)
                    and _py_matches(_py_names(node.value.func, aliases), wanted)):
                hits.append(node.value)
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and _is_settings_name(func.value):
                if func.attr in ("append", "insert") and node.args:
                    last = node.args[-1]
                    if isinstance(last, ast.Constant) and isinstance(last.value, str):
                        string_names([last])
                elif func.attr == "extend" and node.args:
                    string_names(_list_strings(node.args[0]))
            is_add = isinstance(func, ast.Attribute) and func.attr == "add_middleware"
            if is_add or _py_matches(_py_names(func, aliases), "Middleware"):
                first = node.args[0] if node.args else next(
                    (k.value for k in node.keywords if k.arg in ("middleware_class", "cls")),
                    None)
                if first is not None and _py_matches(_py_names(first, aliases), wanted):
                    hits.append(first)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (
                node.name == wanted.rsplit(".", 1)[-1]):
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and isinstance(
                        decorator.func, ast.Attribute) and decorator.func.attr == "middleware":
                    hits.append(decorator)
    if not hits:
        return None
    return min(_position(h)[0] for h in hits)


@assertion_type("middleware_registered")
@_code_check
def middleware_registered(assertion: dict[str, Any], source: _Source) -> Verdict:
    """Passes when ``file`` registers middleware ``name`` in a recognised form."""
    name, path = str(assertion["name"]).strip(), source.path
    parts = _parts(name, source.language)
    if source.language == "python":
        line = _python_middleware(source, ".".join(parts))
    else:
        index = _code_middleware(source, parts)
        line = None if index is None else source.line(index)
    if line is not None:
        return Verdict.passed(f"middleware {name} is registered in {path}", path, line)
    return Verdict.failed(f"middleware {name} is not registered in {path} (comments and "
                          "string literals are ignored)", path)
