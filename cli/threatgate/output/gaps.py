"""Gaps as a Markdown checklist (for a person or a coding agent) and as JSON."""

from __future__ import annotations

import json

from threatgate.analysis.gaps import ControlGap, GapsPage, ObjectiveLink
from threatgate.output.escape.markdown import md_code_span, md_inline
from threatgate.output.escape.text import location

EFFECTS = {
    "closes": "implementing {control} closes it",
    "advances": "implementing {control} brings it closer (other controls of its group "
                "are missing too)",
    "defense_in_depth": "already mitigated; {control} adds defense in depth",
    "blocked": "every group holding {control} also holds a wont_do control, so "
               "{control} alone cannot close it",
}


def _objective_line(gap: ControlGap, link: ObjectiveLink) -> str:
    state = link.status.replace("_", " ")
    if link.reason:
        state += f": {link.reason}"
    effect = EFFECTS[link.effect].format(control=gap.id)
    return f"- {md_inline(link.id)} (tier {link.tier}, {state}): {effect}"


def _section(gap: ControlGap) -> list[str]:
    out = [f"## {md_inline(gap.id)}: {md_inline(gap.title)}", ""]
    facts = [f"Model: {md_inline(gap.model_title)} ({md_code_span(gap.model)}), "
             f"{md_code_span(location(gap.path, gap.line))}",
             f"Status: {gap.status.replace('_', ' ')}"]
    if gap.owner:
        facts.append(f"Owner: {md_inline(gap.owner)}")
    if gap.compliance:
        facts.append("Compliance: " + ", ".join(md_code_span(c) for c in gap.compliance))
    out += [f"- {fact}" for fact in facts]
    if gap.description:
        out.append("")
        out += [f"> {md_inline(line)}".rstrip() for line in gap.description.splitlines()]

    out += ["", "**Objectives it serves**", ""]
    if gap.objectives:
        out += [_objective_line(gap, link) for link in gap.objectives]
    else:
        out.append("- none: no objective lists it in a mitigation group")

    out += ["", "**Threats it mitigates**", ""]
    if gap.threats:
        out += [f"- {md_inline(t.id)} ({t.severity}, {t.state}): {md_inline(t.title)}"
                for t in gap.threats]
    else:
        out.append("- none: no threat lists it in its mitigations")

    if gap.findings:
        out += ["", "**Findings recorded for it**", ""]
        for finding in gap.findings:
            out.append(f"- {md_inline(finding.id)} ({finding.severity}, {finding.status}): "
                       f"{md_inline(finding.title)}")
            if finding.locations:
                checked = ", ".join(md_code_span(x) for x in finding.locations)
                out.append(f"  - checked: {checked}")
            if finding.expected_evidence:
                out.append(f"  - expected: {md_inline(finding.expected_evidence)}")

    out += ["", "**Checklist**", ""]
    for hint in gap.evidence:
        origin = "" if hint.source == gap.id else f" (from {md_inline(hint.source)})"
        why = f": {md_inline(hint.description)}" if hint.description else ""
        out.append(f"- [ ] {hint.text(md_code_span)}{origin}{why}")
    for source, words in gap.expected:
        out.append(f"- [ ] {md_inline(source)} expects: {md_inline(words)}")
    if not gap.has_assertions:
        out.append(f"- [ ] Record the evidence as assertions on {md_inline(gap.id)}, so that "
                   "`threatgate verify` can check it")
    out.append(f"- [ ] Set {md_code_span('status: implemented')} on {md_inline(gap.id)} in "
               f"{md_code_span(gap.path)}")

    out.append("")
    if gap.look_at:
        out.append("**Where to look**: " + ", ".join(md_code_span(p) for p in gap.look_at))
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
