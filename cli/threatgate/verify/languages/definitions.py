"""Definition-shaped patterns per language (all but Python), run on blanked code.

Each language's functions, classes and containers (class, struct, interface, enum,
record, trait, ``impl`` block, namespace/module or object literal) are found by the
patterns below; their bodies by :mod:`threatgate.verify.languages.brackets`.
"""

from __future__ import annotations

import regex

from threatgate.verify.languages.brackets import find_body, matches_in_bodies, matching_bracket
from threatgate.verify.languages.source import CodeError, Source
from threatgate.verify.regexes import finditer, search


def _word(part: str) -> str:
    return str(regex.escape(part))


_B = r"(?<![\w$])"  # no identifier character before
_E = r"(?![\w$])"  # no identifier character after
#: How deep parentheses may nest inside a parameter list that is recognised as one.
MAX_PARAMETER_NESTING = 8


def _balanced(depth: int) -> str:
    """A parenthesised list whose parentheses nest at most ``depth`` levels inside it.

    Written out level by level rather than as a recursive pattern: recursion on
    ``f((((...`` nested a million deep costs the engine memory for every level.
    """
    inner = r"[^()]*+"
    for _ in range(depth):
        inner = rf"(?:[^()]++|\({inner}\))*+"
    return rf"\({inner}\)"


_PARAMS = _balanced(MAX_PARAMETER_NESTING)  # a balanced parameter list
_GENERIC = r"(?:<[^(){};]*>\s*)?"
MODIFIERS = ("static", "async", "get", "set", "public", "private", "protected",
             "readonly", "override", "abstract", "declare", "export", "default")


#: A function value: ``function``, ``(params) =>`` or ``x =>``, maybe ``async``.
_ARROW = (rf"(?:async\s+)?(?:function{_E}|{_GENERIC}{_PARAMS}\s*(?::[^=;{{}}]*?)?=>"
          rf"|[\w$]+\s*=>)")


def _function_patterns(language: str, n: str) -> list[str]:
    """Patterns whose group ``n`` is the name of a function definition called ``n``."""
    if language in ("javascript", "typescript"):
        modifiers = "|".join(MODIFIERS)
        return [
            rf"{_B}function\s*+\*?\s*+(?P<n>{n}){_E}\s*+{_GENERIC}\(",
            rf"{_B}(?P<n>{n}){_E}\s*(?::[^=;{{}}()]*)?=\s*{_ARROW}",
            rf"(?m)(?:^|[{{,;])\s*(?P<n>{n}){_E}\s*:\s*{_ARROW}",
            rf"(?m)(?:^|[{{}};,])\s*+(?:(?:{modifiers})\s++)*\*?\s*+#?(?P<n>{n}){_E}\s*+\??\s*+"
            rf"{_GENERIC}{_PARAMS}\s*(?::[^{{}};=]*?)?\s*\{{",
        ]
    if language == "go":
        return [rf"{_B}func\s+(?P<n>{n}){_E}\s*(?:\[[^\]]*\]\s*)?\(",
                rf"{_B}func\s*\((?P<recv>[^()]*)\)\s*(?P<n>{n}){_E}\s*(?:\[[^\]]*\]\s*)?\("]
    if language == "rust":
        return [rf"{_B}fn\s+(?P<n>{n}){_E}\s*(?:<[^{{;]*?>\s*)?\("]
    throws = r"(?:throws\s++[\w$.,\s<>]+?)?\s*+"
    if language == "java":
        return [rf"(?P<prev>(?<![\w$])[\w$]++|[\]>?])\s+(?P<n>{n}){_E}\s*+{_PARAMS}\s*+"
                rf"(?:\[\s*+\]\s*+)*+{throws}\{{",
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


def _containers(source: Source, parts: tuple[str, ...]) -> list[tuple[int, int]]:
    """Bodies of the nested definitions named ``parts`` (each directly in the previous)."""
    code = source.code
    ranges = [(0, len(code))]
    for index, part in enumerate(parts):
        bodies: set[tuple[int, int]] = set()
        for pattern in _container_patterns(source.language, _word(part)):
            matches = (matches_in_bodies(code, pattern, ranges) if index
                       else finditer(pattern, code))
            for match in matches:
                body = find_body(code, match.end(), source.language, arrow=False)
                if body is not None:
                    bodies.add(body)
        ranges = sorted(bodies)
    return ranges


def function_names(source: Source, parts: tuple[str, ...]) -> list[tuple[int, int]]:
    """(start, end) of the name of every definition of the function ``parts``."""
    code, language = source.code, source.language
    if parts[-1] not in code:
        return []  # every pattern holds the name as written: none can match
    name = _word(parts[-1])
    found: set[tuple[int, int]] = set()

    def collect(bodies: list[tuple[int, int]] | None, receiver: str | None = None) -> None:
        """Definitions anywhere (``bodies`` None) or directly in one of ``bodies``."""
        for pattern in _function_patterns(language, name):
            matches = (finditer(pattern, code) if bodies is None
                       else matches_in_bodies(code, pattern, bodies))
            for match in matches:
                if "prev" in match.groupdict() and match.group("prev") in _NOT_A_RETURN_TYPE:
                    continue
                if receiver is not None:
                    recv = match.groupdict().get("recv")
                    if recv is None or not _receiver_is(recv, receiver):
                        continue
                found.add((match.start("n"), match.end("n")))

    if len(parts) == 1:
        collect(None)
    elif language == "go":
        if len(parts) != 2:
            raise CodeError("a Go method is named Type.method")
        collect(None, receiver=parts[0])
    else:
        collect(_containers(source, parts[:-1]))
        if language in ("javascript", "typescript") and len(parts) == 2:
            owner = _word(parts[0])
            for match in finditer(rf"{_B}{owner}\s*\.\s*(?:prototype\s*\.\s*)?(?P<n>{name})"
                                  rf"{_E}\s*=\s*{_ARROW}", code):
                found.add((match.start("n"), match.end("n")))
    return sorted(found)


def _receiver_is(receiver: str, type_name: str) -> bool:
    found = search(r"([\w$]+)\s*(?:\[[^\]]*\])?\s*\Z", receiver)
    return found is not None and found.group(1) == type_name


def class_names(source: Source, parts: tuple[str, ...]) -> list[int]:
    """Start of the name of every class-like definition ``parts``."""
    code, language = source.code, source.language
    if parts[-1] not in code:
        return []  # every pattern holds the name as written: none can match
    name = _word(parts[-1])
    starts: set[int] = set()
    if language == "go" and len(parts) > 1:
        return []  # Go types do not nest
    bodies = _containers(source, parts[:-1]) if len(parts) > 1 else None
    for pattern in _class_patterns(language, name):
        matches = (finditer(pattern, code) if bodies is None
                   else matches_in_bodies(code, pattern, bodies))
        starts.update(match.start("n") for match in matches)
    if language == "go":  # type ( A struct {...}; B interface {...} )
        searched = 0  # a block inside one already searched is not searched again
        for block in finditer(r"(?<![\w$])type\s*\(", code):
            if block.end() <= searched:
                continue
            low, high = block.end() - 1, matching_bracket(code, block.end() - 1)
            searched = high
            for match in finditer(rf"(?:^|[(;\n])\s*(?P<n>{name})\s*(?:\[[^\]]*\]\s*)?"
                                  rf"(?:struct|interface){_E}", code[low:high]):
                starts.add(low + match.start("n"))
    return sorted(starts)


def call_pattern(parts: tuple[str, ...]) -> str:
    """A call of ``parts`` (``a.b(``, ``x.a.b(``, ``a::b(``, ``a!(``, ``a<T>(``)."""
    separator = r"\s*(?:\?\.|\.|::|->)\s*"
    name = separator.join(_word(p) for p in parts)
    return rf"{_B}{name}{_E}\s*!?\s*(?:(?:::\s*)?<[^;{{}}()]*?>\s*)?\("


DEFINING_WORDS = frozenset({"function", "fn", "func", "def"})


def previous_word(code: str, index: int) -> str:
    found = search(r"([\w$]+)\s*\Z", code[max(0, index - 64):index])
    return found.group(1) if found is not None else ""
