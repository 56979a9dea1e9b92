"""The index's compliance coverage bars: one per framework with a catalogue, the numbers
of ``threatgate compliance report`` summed over the models, the table beside them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from conftest import VALID_MODEL

Run = Callable[..., Result]


def test_the_index_shows_each_framework_s_coverage_as_the_report_counts_it(
        run_cli: Run, project: Path, write_model: Callable[..., Path]) -> None:
    write_model(VALID_MODEL, "shop.yaml")
    write_model(VALID_MODEL.replace("id: shop\n", "id: billing\n", 1)
                .replace('["asvs-5.0:V1.2.4"]', '["asvs-5.0:V1.2.4", "asvs-5.0:V2.1.1"]'),
                "billing.yaml")
    built = run_cli("site", str(project / "_site"), cwd=project)
    assert built.exit_code == 0, built.output
    report = run_cli("compliance", "report", "--framework", "asvs-5.0", "--format", "json",
                     "--limit", "1")
    totals = json.loads(report.stdout)["frameworks"][0]
    index = (project / "_site" / "index.html").read_text(encoding="utf-8")
    section = index[index.index('id="coverage-overview"'):]
    table = section[section.index('id="coverage-table"'):section.index("</table>")]
    assert totals["requirements"] == 2 * 345  # summed over the two models
    assert totals["covered"] == 3  # C1 (implemented) maps V1.2.4 in both, V2.1.1 in one
    assert f"<td>{totals['requirements']}</td>" in table
    covered = totals["covered"] - totals["verified"]
    assert f"{covered} covered, not verified" in table
    assert f"{totals['unmapped']} unmapped" in table
    svg = section[section.index("<svg"):section.index("</svg>")]
    assert 'role="img"' in svg
    assert re.search(r"Compliance coverage: asvs-5\.0: \d+ requirements", svg)


def test_no_bars_without_a_framework(run_cli: Run, project: Path,
                                     write_model: Callable[..., Path]) -> None:
    write_model(VALID_MODEL.replace("frameworks: [asvs-5.0]\n", "")
                .replace('    compliance: ["asvs-5.0:V1.2.4"]\n', ""), "shop.yaml")
    assert run_cli("site", str(project / "_site"), cwd=project).exit_code == 0
    assert "coverage-overview" not in (project / "_site" / "index.html").read_text("utf-8")
