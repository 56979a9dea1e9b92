"""The precision corpus of ``threatgate generate`` (tests/cases/generate/corpus.yaml).

Shared by the test that holds every case (tests/generate/test_corpus.py) and the
benchmark that reports recall and noise over the corpus (tests/benchmarks/bench_generate.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent / "cases" / "generate" / "corpus.yaml"


@dataclass(frozen=True)
class Case:
    description: str
    present: tuple[str, ...]
    absent: tuple[str, ...]


@dataclass(frozen=True)
class Corpus:
    concepts: Mapping[str, tuple[str, ...]]
    cases: tuple[Case, ...]


@dataclass
class Outcome:
    """What generation did on one case: the concepts found, missed and wrongly present."""

    case: Case
    found: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    noise: list[str] = field(default_factory=list)
    threats: int = 0


def load_corpus(path: Path = CORPUS) -> Corpus:
    from threatgate.model.loader import load_text

    data = load_text(path.read_text(encoding="utf-8")).data
    concepts = {name: tuple(items) for name, items in data["concepts"].items()}
    cases = tuple(Case(c["description"], tuple(c.get("present") or ()),
                       tuple(c.get("absent") or ())) for c in data["cases"])
    for case in cases:
        unknown = [c for c in (*case.present, *case.absent) if c not in concepts]
        if unknown:
            raise ValueError(f"{path}: unknown concepts {unknown} in {case.description!r}")
    return Corpus(concepts, cases)


def matches(item: str, rule: str, entry: Mapping[str, Any]) -> bool:
    """Whether one generated threat (its rule and model entry) matches a concept item."""
    kind, _, value = item.partition(":")
    if kind == "rule":
        return rule == value
    if kind == "cwe":
        return value in (entry.get("cwe") or [])
    if kind == "title":
        return value.lower() in str(entry.get("title", "")).lower()
    raise ValueError(f"unknown concept item {item!r}")


def concept_present(items: Iterable[str], threats: Sequence[tuple[str, Mapping[str, Any]]]) -> bool:
    wanted = list(items)
    return any(matches(item, rule, entry) for rule, entry in threats for item in wanted)


def judge(corpus: Corpus, case: Case, threats: Sequence[tuple[str, Mapping[str, Any]]]) -> Outcome:
    """The outcome of one case given its generated threats as (rule, entry) pairs."""
    outcome = Outcome(case, threats=len(threats))
    for concept in case.present:
        (outcome.found if concept_present(corpus.concepts[concept], threats)
         else outcome.missed).append(concept)
    outcome.noise = [c for c in case.absent if concept_present(corpus.concepts[c], threats)]
    return outcome


def summary(outcomes: Sequence[Outcome]) -> dict[str, float]:
    """Recall (wanted concepts found) and noise (unwanted concepts present) over a corpus."""
    wanted = sum(len(o.case.present) for o in outcomes)
    unwanted = sum(len(o.case.absent) for o in outcomes)
    return {
        "cases": len(outcomes),
        "recall": sum(len(o.found) for o in outcomes) / wanted if wanted else 1.0,
        "noise": sum(len(o.noise) for o in outcomes) / unwanted if unwanted else 0.0,
        "threats_per_case": sum(o.threats for o in outcomes) / len(outcomes) if outcomes else 0,
    }
