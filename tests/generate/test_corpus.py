"""The precision corpus: every description yields the threats it must and none it must not.

The corpus (tests/cases/generate/corpus.yaml) holds at least 30 descriptions, at least
half of them of systems that are no web application.
"""

from __future__ import annotations

from typing import Any

import pytest

from generation_corpus import Case, judge, load_corpus, summary
from threatgate.generate.assemble import assemble
from threatgate.generate.describe import describe
from threatgate.generate.engine import apply_packs
from threatgate.generate.rulepacks import load_packs

CORPUS = load_corpus()
WEB = ("web", "site", "shop", "portal", "dashboard", "browser", "intranet", "api")


@pytest.fixture(scope="module")
def packs() -> list[Any]:
    return load_packs()


def _threats(text: str, packs: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    generated = assemble(describe(text), packs=packs,
                         run=lambda m: apply_packs(m, packs)).generated
    return [(t.rule, t.entry) for t in generated.threats]


def test_corpus_is_large_and_mostly_not_web() -> None:
    assert len(CORPUS.cases) >= 30
    not_web = [c for c in CORPUS.cases
               if not any(word in c.description.lower() for word in WEB)]
    assert len(not_web) * 2 >= len(CORPUS.cases)
    assert all(c.present or c.absent for c in CORPUS.cases)


@pytest.mark.parametrize("case", CORPUS.cases, ids=lambda c: c.description[:48])
def test_corpus_case(case: Case, packs: list[Any]) -> None:
    outcome = judge(CORPUS, case, _threats(case.description, packs))
    assert not outcome.missed, f"missing concepts {outcome.missed}"
    assert not outcome.noise, f"noise concepts {outcome.noise}"


def test_summary_counts_recall_and_noise(packs: list[Any]) -> None:
    case = Case("Web shop where customers pay by card", ("payments",), ("uploads",))
    outcome = judge(CORPUS, case, _threats(case.description, packs))
    figures = summary([outcome])
    assert figures["recall"] == 1.0 and figures["noise"] == 0.0 and figures["cases"] == 1
