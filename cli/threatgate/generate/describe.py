"""The phrase matcher: a feature description in, technologies and data kinds out.

Deterministic and offline. The vocabulary lives in ``data/keywords.yaml`` (phrases and
synonyms per technology type and per data kind), so extending it is a data change.
Matching is case-insensitive and on word boundaries: ``api`` matches "the API" and
"APIs" but never "rapid". Within one section (technologies, or data kinds) the longest
phrase wins where two overlap, so "object storage" is object storage, not storage.
Every detection keeps the words that triggered it and their offsets in the original
text, which ``generate --explain`` shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from threatgate.errors import InputError

KEYWORDS_FILE = Path(__file__).resolve().parent / "data" / "keywords.yaml"
#: The longest description accepted; anything longer is not a feature description.
MAX_DESCRIPTION = 20_000
TIERS = ("client", "entry", "data", "platform", "third_party")


@dataclass(frozen=True)
class Trigger:
    """Words of the description that matched a phrase, with their offsets."""

    phrase: str      # the vocabulary phrase
    text: str        # the words as written in the description
    start: int
    end: int


@dataclass(frozen=True)
class TechnologySpec:
    key: str          # vocabulary key, e.g. email_service
    type: str         # catalogue type written on the component, e.g. saas
    name: str
    tier: str
    flags: tuple[str, ...]
    phrases: tuple[str, ...]
    #: As for :class:`DataSpec`: phrases that only hint at the technology.
    weak_phrases: tuple[str, ...] = ()
    weak_with: tuple[str, ...] = ()


@dataclass(frozen=True)
class DataSpec:
    kind: str
    name: str
    properties: tuple[str, ...]
    classification: str
    client: bool                      # carried between the users and the system
    stored_in: tuple[str, ...]        # technology keys that store it
    sent_to: tuple[str, ...]          # technology keys it is sent to
    phrases: tuple[str, ...]
    #: Phrases that only hint at the kind: with one of ``weak_with`` (technology or flag
    #: keys) detected and no other phrase of the kind, the kind is not detected.
    weak_phrases: tuple[str, ...] = ()
    weak_with: tuple[str, ...] = ()


@dataclass(frozen=True)
class FlagSpec:
    flag: str                         # catalogue flag, e.g. calls_urls
    on: tuple[str, ...]               # technology keys or tier names it applies to
    phrases: tuple[str, ...]
    also: tuple[str, ...] = ()        # flags set with it (no_<flag> drops a default)


@dataclass(frozen=True)
class Vocabulary:
    technologies: dict[str, TechnologySpec]
    data: dict[str, DataSpec]
    flags: dict[str, FlagSpec]
    #: Phrases whose words mean something else than the shorter phrases inside them.
    senses: tuple[str, ...] = ()

    def phrases(self, name: str) -> dict[str, list[str]]:
        """Each phrase of a section (lower case) with the keys it stands for."""
        specs: Mapping[str, TechnologySpec | DataSpec | FlagSpec]
        if name == "senses":
            return {phrase.lower(): [] for phrase in self.senses}
        if name == "technology":
            specs = self.technologies
        elif name == "data":
            specs = self.data
        else:
            specs = self.flags
        out: dict[str, list[str]] = {}
        for key, spec in specs.items():
            for phrase in spec.phrases:
                keys = out.setdefault(phrase.lower(), [])
                if key not in keys:
                    keys.append(key)
        return out

    def order(self, name: str) -> list[str]:
        if name == "technology":
            return list(self.technologies)
        return list(self.data) if name == "data" else list(self.flags)


@dataclass
class Detection:
    """One technology or data kind found in the description."""

    section: str                      # "technology", "data" or "flag"
    key: str
    triggers: list[Trigger] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        return list(dict.fromkeys(t.text for t in self.triggers))


@dataclass
class Description:
    """What the matcher found in one description."""

    text: str
    technologies: list[Detection]
    data: list[Detection]
    flags: list[Detection] = field(default_factory=list)
    #: Phrases found but negated ("no database", "without payments"), not used.
    negated: list[Trigger] = field(default_factory=list)
    #: Data kinds only hinted at by words that something detected explains otherwise
    #: ("login" with single sign-on: no password), with what explains them.
    displaced: list[tuple[Detection, str]] = field(default_factory=list)

    def technology_keys(self) -> list[str]:
        return [d.key for d in self.technologies]

    def data_kinds(self) -> list[str]:
        return [d.key for d in self.data]


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuntimeError(f"keywords.yaml: {where} must be a list of strings")
    return tuple(value)


@cache
def vocabulary(path: Path = KEYWORDS_FILE) -> Vocabulary:
    """Load the shipped vocabulary (a defect in it is a bug, not user input)."""
    from threatgate.model.loader import load_text

    data = load_text(path.read_text(encoding="utf-8")).data
    technologies = {}
    for key, spec in data["technologies"].items():
        tier = spec.get("tier", "entry")
        if tier not in TIERS:
            raise RuntimeError(f"keywords.yaml: technology {key}: unknown tier {tier!r}")
        technologies[key] = TechnologySpec(
            key, spec.get("type", key), spec["name"], tier,
            _strings(spec.get("flags", []), f"{key}.flags"),
            _strings(spec["phrases"], f"{key}.phrases"),
            _strings(spec.get("weak_phrases", []), f"{key}.weak_phrases"),
            _strings(spec.get("weak_with", []), f"{key}.weak_with"))
    kinds = {}
    for kind, spec in data["data"].items():
        kinds[kind] = DataSpec(
            kind, spec["name"], _strings(spec["properties"], f"{kind}.properties"),
            spec["classification"], bool(spec.get("client", True)),
            _strings(spec.get("stored_in", []), f"{kind}.stored_in"),
            _strings(spec.get("sent_to", []), f"{kind}.sent_to"),
            _strings(spec["phrases"], f"{kind}.phrases"),
            _strings(spec.get("weak_phrases", []), f"{kind}.weak_phrases"),
            _strings(spec.get("weak_with", []), f"{kind}.weak_with"))
    flags = {flag: FlagSpec(flag, _strings(spec["on"], f"{flag}.on"),
                            _strings(spec["phrases"], f"{flag}.phrases"),
                            _strings(spec.get("also", []), f"{flag}.also"))
             for flag, spec in (data.get("flags") or {}).items()}
    return Vocabulary(technologies, kinds, flags,
                      _strings(data.get("senses", []), "senses"))


def _phrase_pattern(phrase: str) -> str:
    words = [re.escape(w) for w in phrase.lower().split()]
    return r"[\s_-]+".join(words) + r"(?:e?s)?"


@cache
def phrase_alternatives(section: str, path: Path = KEYWORDS_FILE
                        ) -> tuple[list[tuple[str, list[str]]], list[str], list[str]]:
    """A section's phrases, longest first so that they win overlaps, each with the keys
    it stands for (a phrase may name several keys of a section); the pattern of each;
    and the text each pattern starts with (its first word)."""
    table = vocabulary(path).phrases(section)
    phrases = sorted(table.items(), key=lambda pk: (-len(pk[0]), pk[0]))
    patterns = [_phrase_pattern(phrase) for phrase, _ in phrases]
    firsts = [(phrase.lower().split() or [""])[0] for phrase, _ in phrases]
    return phrases, patterns, firsts


def phrase_matcher(section: str, lowered: str, path: Path = KEYWORDS_FILE
                   ) -> tuple[re.Pattern[str] | None, list[tuple[str, list[str]]]]:
    """One alternation of the section's phrases, as in :func:`phrase_alternatives`, for
    the text ``lowered``: the named group ``g<i>`` stands for phrase ``i``.

    Only the phrases whose first word occurs in the text are in it: any other phrase
    cannot match anywhere, so leaving it out changes no match, and the pattern of a
    description's few candidates compiles in a fraction of the time the whole
    vocabulary's takes. None when no phrase can match.
    """
    phrases, patterns, firsts = phrase_alternatives(section, path)
    groups = "|".join(f"(?P<g{i}>{patterns[i]})" for i, first in enumerate(firsts)
                      if first in lowered)
    if not groups:
        return None, phrases
    return re.compile(rf"(?<![\w])(?:{groups})(?![\w])"), phrases


#: A negation shortly before a phrase, in the same clause: "no", "without", "not", ...
_NEGATION = re.compile(r"(?:^|[^\w'])(?:no|without|not(?![\s-]+only)|never|nor|non|excluding"
                       r"|except|cannot|can't|don't|doesn't|won't|isn't|aren't|mustn't)"
                       r"(?:[\s-]+[\w/-]+){0,2}[\s-]+\Z")
_CLAUSE_END = re.compile(r"[.;:,!?()\n]")


def negated(text: str, start: int) -> bool:
    """Whether the phrase at ``start`` is negated ("no admin panel", "without a database")."""
    window = text[max(0, start - 40):start]
    cut = max((m.end() for m in _CLAUSE_END.finditer(window)), default=0)
    return bool(_NEGATION.search(window[cut:]))


def lowered_text(text: str) -> str:
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters change length when lowered
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return lowered


def sense_spans(text: str, path: Path = KEYWORDS_FILE) -> list[tuple[int, int]]:
    """Where the description uses words in another sense ("smart card", "media library")."""
    if not vocabulary(path).senses:
        return []
    lowered = lowered_text(text)
    pattern, _ = phrase_matcher("senses", lowered, path)
    return [] if pattern is None else [match.span() for match in pattern.finditer(lowered)]


def _inside(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    """Whether [start, end) lies in one of ``spans`` and is shorter than it."""
    return any(s <= start and end <= e and (end - start) < (e - s) for s, e in spans)


def _scan(text: str, section: str, path: Path, skipped: list[Trigger] | None = None,
          senses: Sequence[tuple[int, int]] = ()) -> list[Detection]:
    lowered = lowered_text(text)
    pattern, phrases = phrase_matcher(section, lowered, path)
    found: dict[str, Detection] = {}
    for match in pattern.finditer(lowered) if pattern is not None else ():
        name = match.lastgroup
        if name is None:  # pragma: no cover - every alternative is a named group
            continue
        phrase, keys = phrases[int(name[1:])]
        if _inside(match.start(), match.end(), senses):
            continue
        if negated(lowered, match.start()):
            if skipped is not None:
                skipped.append(Trigger(phrase, text[match.start():match.end()],
                                       match.start(), match.end()))
            continue
        for key in keys:
            detection = found.setdefault(key, Detection(section, key))
            detection.triggers.append(Trigger(phrase, text[match.start():match.end()],
                                              match.start(), match.end()))
    order = vocabulary(path).order(section)
    return sorted(found.values(), key=lambda d: (d.triggers[0].start, order.index(d.key)))


def describe(text: str, *, path: Path = KEYWORDS_FILE) -> Description:
    """Find the technologies and data kinds a feature description mentions."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("the feature description is empty; describe the feature in a "
                         "sentence, e.g. \"User login with OAuth and password reset by email\"")
    if len(text) > MAX_DESCRIPTION:
        raise InputError(f"the feature description is {len(text)} characters long; at most "
                         f"{MAX_DESCRIPTION} are accepted")
    skipped: list[Trigger] = []
    senses = sense_spans(text, path)
    found = Description(text, _scan(text, "technology", path, skipped, senses),
                        _scan(text, "data", path, skipped, senses),
                        _scan(text, "flag", path, skipped, senses))
    found.negated = sorted({(t.start, t.end): t for t in skipped}.values(),
                           key=lambda t: t.start)
    vocab = vocabulary(path)
    found.technologies = _without_weak(found, found.technologies, vocab.technologies)
    found.data = _without_weak(found, found.data, vocab.data)
    return found


def _without_weak(found: Description, detections: list[Detection],
                  specs: Mapping[str, TechnologySpec | DataSpec]) -> list[Detection]:
    """The detections not named only by words that something else detected explains.

    "Smart-card login" or "login through SSO" names signing in, not a password: the
    kind ``credentials`` then comes only from words such as "password". "Sends mail
    over SMTP" names a mail server, not a second, HTTP e-mail service.
    """
    present = {*found.technology_keys(), *(d.key for d in found.flags)}
    kept = []
    for detection in detections:
        spec = specs[detection.key]
        explained_by = [key for key in spec.weak_with if key in present]
        weak = set(spec.weak_phrases)
        if explained_by and weak and all(t.phrase in weak for t in detection.triggers):
            found.displaced.append((detection, explained_by[0]))
        else:
            kept.append(detection)
    return kept


def drop(description: Description, keys: Sequence[str]) -> Description:
    """The description without the given technologies (``--interactive`` answers)."""
    dropped = set(keys)
    return Description(description.text,
                       [d for d in description.technologies if d.key not in dropped],
                       description.data, description.flags, description.negated,
                       description.displaced)
