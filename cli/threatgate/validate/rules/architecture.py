"""Warnings about the architecture a threat or a data flow is about.

After the architecture changes (a component removed with ``remove --force``, flows
rewired), threats can be left about a component that no longer exists: the reference
lists are cleaned, but a threat keeps its title and its generated id, and a flow its
name. Generated threats are ``T-<pack>.<rule>-<component or flow>``; components the
generator wrote and that were removed are listed in ``generation.removed``.
"""

from __future__ import annotations

import re
from typing import Any

from threatgate.diagnostics import Severity
from threatgate.model.vocabulary import id_list, items, text
from threatgate.validate.rules.base import RuleContext, rule

#: The id of a generated threat: its rule, then the component or flow it is about.
GENERATED_THREAT = re.compile(r"T-[a-z][a-z0-9_]*\.[A-Za-z0-9_.]+-(?P<subject>[^\s]+)\Z")
#: Generated ids of other kinds than components (flows, assets, attackers, objectives,
#: threats, controls): never taken for a removed component.
OTHER_KINDS = re.compile(r"(?:DF|A|ATK)\d+\Z|(?:T|C|CO)-")
#: Generated ids longer than this end with a digest instead of their subject.
MAX_PLAIN_ID = 63


def _removed_components(data: dict[str, Any]) -> set[str]:
    """Components the generator wrote that were removed since."""
    record = data.get("generation")
    removed = set(id_list(record.get("removed"))) if isinstance(record, dict) else set()
    present = {text(c, "id") for _, c in items(data, "components")}
    emitted = set(id_list(record.get("emitted"))) if isinstance(record, dict) else set()
    # a removed id that is neither a component nor anything else present now
    others = {text(e, "id") for key in ("dataflows", "threats", "controls", "assets",
                                        "attackers", "objectives", "trust_boundaries")
              for _, e in items(data, key)}
    return {i for i in removed - present - others - emitted if not OTHER_KINDS.match(i)}


def _names(value: Any, ids: set[str]) -> list[str]:
    if not isinstance(value, str) or not ids:
        return []
    return [i for i in sorted(ids) if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", value)]


@rule(
    "missing-component",
    Severity.WARNING,
    "A threat or a data flow is about a component that no longer exists.",
)
def missing_components(context: RuleContext) -> None:
    data = context.data
    components = {text(c, "id") for _, c in items(data, "components")}
    flows = {text(f, "id") for _, f in items(data, "dataflows")}
    removed = _removed_components(data)
    for index, threat in items(data, "threats"):
        threat_id = text(threat, "id") or f"#{index + 1}"
        match = GENERATED_THREAT.match(threat_id)
        subject = match.group("subject") if match and len(threat_id) <= MAX_PLAIN_ID else None
        if subject and subject not in components | flows:
            context.report(("threats", index, "id"),
                           f"threat {threat_id} is about {subject}, which is no longer a "
                           "component or data flow; remove it, or re-run "
                           "'threatgate generate --model'")
            continue
        if (threat.get("origin") == "generated" and not id_list(threat.get("components"))
                and not id_list(threat.get("dataflows"))):
            context.report(("threats", index, "id"),
                           f"threat {threat_id} names no component or data flow any more")
            continue
        named = [*_names(threat.get("title"), removed), *_names(threat.get("description"),
                                                                removed)]
        if named:
            context.report(("threats", index, "title"),
                           f"threat {threat_id} names removed component "
                           f"{', '.join(dict.fromkeys(named))}")
    for index, flow in items(data, "dataflows"):
        named = [*_names(flow.get("name"), removed), *_names(flow.get("description"), removed)]
        if named:
            context.report(("dataflows", index, "name" if flow.get("name") else "id"),
                           f"data flow {text(flow, 'id')} names removed component "
                           f"{', '.join(dict.fromkeys(named))}")
