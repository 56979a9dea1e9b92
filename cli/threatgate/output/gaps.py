"""Gaps as a Markdown checklist (for a person or a coding agent) and as JSON."""

from __future__ import annotations

import json
import re

from threatgate.analysis.gaps import ControlGap, GapsPage, ObjectiveLink
from threatgate.output.escape import one_line

#: Characters that could start Markup or HTML; '_' only where it could start emphasis
#: (CommonMark never reads an underscore inside a word as emphasis), '#' only first.
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>&|~])|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])|^#")

EFFECTS = {
    "closes": "implementing {control} closes it",
    "advances": "implementing {control} brings it closer (other controls of its group "
                "are missing too)",
    "defense_in_depth": "already mitigated; {control} adds defense in depth",
    "blocked": "every group holding {control} also holds a wont_do or not_applicable "
               "control, so {control} alone cannot close it",
}


def md_text(text: str) -> str:
    """Text from a model file, shown literally in Markdown: one line, no markup, no HTML."""
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), one_line(text))


def code(text: str) -> str:
    """A Markdown code span holding ``text`` literally, whatever backticks it contains."""
    value = one_line(text)
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _objective_line(gap: ControlGap, link: ObjectiveLink) -> str:
    state = link.status.replace("_", " ")
    if link.reason:
        state += f": {link.reason}"
    effect = EFFECTS[link.effect].format(control=gap.id)
    return f"- {md_text(link.id)} (tier {link.tier}, {state}): {effect}"


def _section(gap: ControlGap) -> list[str]:
    out = [f"## {md_text(gap.id)}: {md_text(gap.title)}", ""]
    facts = [f"Model: {md_text(gap.model_title)} ({code(gap.model)}), "
             f"{code(f'{gap.path}:{gap.line}')}",
             f"Status: {gap.status.replace('_', ' ')}"]
    if gap.owner:
        facts.append(f"Owner: {md_text(gap.owner)}")
    if gap.compliance:
        facts.append("Compliance: " + ", ".join(code(c) for c in gap.compliance))
    out += [f"- {fact}" for fact in facts]
    if gap.description:
        out.append("")
        out += [f"> {md_text(line)}".rstrip() for line in gap.description.splitlines()]

    out += ["", "**Objectives it serves**", ""]
    if gap.objectives:
        out += [_objective_line(gap, link) for link in gap.objectives]
    else:
        out.append("- none: no objective lists it in a mitigation group")

    out += ["", "**Threats it mitigates**", ""]
    if gap.threats:
        out += [f"- {md_text(t.id)} ({t.severity}, {t.state}): {md_text(t.title)}"
                for t in gap.threats]
    else:
        out.append("- none: no threat lists it in its mitigations")

    if gap.findings:
        out += ["", "**Findings recorded for it**", ""]
        for finding in gap.findings:
            out.append(f"- {md_text(finding.id)} ({finding.severity}, {finding.status}): "
                       f"{md_text(finding.title)}")
            if finding.locations:
                out.append("  - checked: " + ", ".join(code(x) for x in finding.locations))
            if finding.expected_evidence:
                out.append(f"  - expected: {md_text(finding.expected_evidence)}")

    out += ["", "**Checklist**", ""]
    for hint in gap.evidence:
        origin = "" if hint.source == gap.id else f" (from {md_text(hint.source)})"
        why = f": {md_text(hint.description)}" if hint.description else ""
        out.append(f"- [ ] {hint.text(code)}{origin}{why}")
    for source, words in gap.expected:
        out.append(f"- [ ] {md_text(source)} expects: {md_text(words)}")
    if not gap.has_assertions:
        out.append(f"- [ ] Record the evidence as assertions on {md_text(gap.id)}, so that "
                   "`threatgate verify` can check it")
    out.append(f"- [ ] Set {code('status: implemented')} on {md_text(gap.id)} in "
               f"{code(gap.path)}")

    out.append("")
    if gap.look_at:
        out.append("**Where to look**: " + ", ".join(code(p) for p in gap.look_at))
    else:
        out.append("**Where to look**: no path named yet; its assertions and findings "
                   "name none")
    out.append("")
    return out


def gaps_markdown(page: GapsPage) -> str:
    out = ["# Gaps: controls not implemented yet", ""]
    if not page.total:
        out.append(f"No gaps in {page.models} model{'s' * (page.models != 1)}: every control "
                   "is implemented, not applicable or won't be done.")
        return "\n".join(out) + "\n"
    noun = "control is" if page.total == 1 else "controls are"
    out += [f"{page.total} {noun} planned or in progress across {page.models} "
            f"model{'s' * (page.models != 1)}. Each section says why the control matters, "
            "what evidence `threatgate verify` will look for, and where to look.", ""]
    for gap in page.rows:
        out += _section(gap)
    shown = (f"{page.offset + 1}-{page.offset + len(page.rows)}" if page.rows else "none")
    out.append(f"Showing {shown} of {page.total}.")
    return "\n".join(out) + "\n"


def gaps_json(page: GapsPage) -> str:
    return json.dumps(page.as_json(), indent=2, ensure_ascii=False) + "\n"
