"""Requirements ranked for a hand-written control by a deterministic text match.

A control's words (title, description, notes) are compared with each requirement's words
(its text and the titles of the groups above it) by TF-IDF: a word shared with few
requirements weighs more than one most requirements use. Words are lower-cased, stop
words dropped and common English endings cut, so that "encrypts", "encrypted" and
"encryption" meet. Equal scores keep the catalogue's order: the same inputs always give
the same ranking, with no model or network involved.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from threatgate.analysis.assessment import ControlView
from threatgate.catalogues.model import Catalogue, Requirement

WORD = re.compile(r"[a-z][a-z0-9]+")
_STOP_TEXT = """
a about above after all also an and any are as at be been before being both but by can
could do does each either for from has have how if in into is it its may more most must
no not of on only or other over same should so such than that the their them then there
these they this those through to under until up use used uses using verify was were what
when where whether which while who will with within without would application system
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
SUFFIXES = ("ations", "ation", "ings", "ing", "ions", "ion", "ed", "es", "ly", "s")
#: Candidates below this score are noise.
MIN_SCORE = 0.05


def stem(word: str) -> str:
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def terms(text: str) -> list[str]:
    return [stem(w) for w in WORD.findall(text.lower()) if w not in STOP_WORDS]


@dataclass(frozen=True)
class Candidate:
    requirement: Requirement
    score: float


@dataclass(frozen=True)
class ControlCandidates:
    control: str
    title: str
    candidates: tuple[Candidate, ...]


class RequirementIndex:
    """The requirements of one catalogue, weighted once for every control ranked."""

    def __init__(self, catalogue: Catalogue, requirements: Iterable[Requirement]) -> None:
        titles = catalogue.group_titles
        self.requirements = list(requirements)
        documents = [Counter(terms(" ".join([r.text, titles.get(r.parent or "", "")])))
                     for r in self.requirements]
        frequency: Counter[str] = Counter()
        for counts in documents:
            frequency.update(counts.keys())
        total = len(documents) or 1
        self.idf = {t: math.log((1 + total) / (1 + n)) + 1 for t, n in frequency.items()}
        self.vectors = [self._weights(counts) for counts in documents]

    def _weights(self, counts: Mapping[str, int]) -> dict[str, float]:
        weights = {t: (1 + math.log(n)) * self.idf.get(t, 0.0) for t, n in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {t: w / norm for t, w in weights.items()}

    def rank(self, text: str, top: int) -> tuple[Candidate, ...]:
        query = self._weights(Counter(terms(text)))
        scored = []
        for position, (requirement, vector) in enumerate(zip(self.requirements, self.vectors,
                                                             strict=True)):
            score = sum(w * vector.get(t, 0.0) for t, w in query.items())
            if score >= MIN_SCORE:
                scored.append((-round(score, 6), position, requirement))
        scored.sort(key=lambda item: (item[0], item[1]))
        return tuple(Candidate(r, -s) for s, _, r in scored[:top])


@cache
def _index(catalogue: Catalogue, level: str | None) -> RequirementIndex:
    return RequirementIndex(catalogue, catalogue.scope(level))


def control_text(control: ControlView, description: str = "", notes: str = "") -> str:
    return " ".join([control.title, description, notes])


def automap(controls: Iterable[tuple[ControlView, str]], catalogue: Catalogue,
            level: str | None = None, top: int = 3) -> list[ControlCandidates]:
    """For each control (with its longer text) that maps nothing of ``catalogue`` yet, its
    ``top`` requirements by score. Controls already mapped to the framework are left
    alone: their mapping was chosen (by hand, or by the rule pack that generated them)."""
    index = _index(catalogue, level)
    prefix = catalogue.id + ":"
    out = []
    for control, text in controls:
        if any(ref.startswith(prefix) for ref in control.compliance):
            continue
        out.append(ControlCandidates(control.id, control.title, index.rank(text, top)))
    return out
