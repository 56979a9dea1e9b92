"""Severity is computed from likelihood x impact; it may be written only while unscored."""

from __future__ import annotations

from threatgate.diagnostics import Severity
from threatgate.model.vocabulary import is_score, items, severity_from_score
from threatgate.validate.rules.base import RuleContext, rule


@rule(
    "severity-with-score",
    Severity.ERROR,
    "A scored threat (likelihood and impact) also sets an explicit severity.",
)
def severity_with_score(context: RuleContext) -> None:
    for index, threat in items(context.data, "threats"):
        likelihood, impact = threat.get("likelihood"), threat.get("impact")
        if "severity" in threat and is_score(likelihood) and is_score(impact):
            score = int(likelihood) * int(impact)  # type: ignore[arg-type]
            computed = severity_from_score(score, 1)
            context.report(
                ("threats", index, "severity"),
                f"threat {threat.get('id', index)} has likelihood {likelihood} and impact "
                f"{impact} (score {score}, {computed}); remove 'severity', "
                "which is only for unscored threats",
            )
