"""What an issue says: its summary and description, from the model's report data.

The description lists the objectives and threats the control serves, the evidence its
assertions expect and a link to the control on the published site; it is written in the
Atlassian Document Format for Cloud (REST v3) and in wiki markup for Data Center (REST v2),
with every text from the model escaped for the target. Its last line carries a fingerprint
of the content, so that a push updates an issue only when the content changed, however
Jira normalises what it stores.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote

from threatgate.views.report import ControlRow, Ref, Report, anchor

#: Jira refuses a summary longer than this.
MAX_SUMMARY = 255
NO_EVIDENCE = ("No assertions yet: add them to the control so that `threatgate verify` can "
               "check it.")


@dataclass(frozen=True)
class IssueContent:
    """Everything an issue of one control says (the control's status is Jira's business)."""

    model_id: str
    model_title: str
    model_path: str
    control_id: str
    title: str
    description: str
    objectives: tuple[str, ...]
    threats: tuple[str, ...]
    evidence: tuple[str, ...]
    link: str | None

    @property
    def summary(self) -> str:
        text = one_line(f"[{self.model_id}] {self.control_id}: {self.title}")
        return text if len(text) <= MAX_SUMMARY else text[: MAX_SUMMARY - 1] + "…"

    @property
    def fingerprint(self) -> str:
        encoded = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:16]

    @property
    def intro(self) -> str:
        return (f"Control {self.control_id} of the threat model {self.model_title} "
                f"({self.model_id}), kept in {self.model_path}.")

    @property
    def footer(self) -> str:
        return (f"Kept by threatgate: edits to this description are replaced on the next "
                f"push. (fingerprint {self.fingerprint})")

    def sections(self) -> Iterator[tuple[str, tuple[str, ...], str]]:
        """(heading, items, text when there are none)."""
        yield "Objectives served", self.objectives, "None."
        yield "Threats mitigated", self.threats, "None."
        yield "Evidence expected", self.evidence, NO_EVIDENCE


def one_line(text: str) -> str:
    return " ".join(text.split())


def issue_content(report: Report, control: ControlRow, site_url: str | None) -> IssueContent:
    severity = {threat.id: threat.severity for threat in report.threats}

    def threat_line(ref: Ref) -> str:
        text = f"{ref.id}: {ref.label}" if ref.label else ref.id
        return one_line(f"{text} ({severity[ref.id]})" if ref.id in severity else text)

    link = None
    if site_url:
        link = f"{site_url}/models/{quote(report.model_id)}.html#{anchor('control', control.id)}"
    return IssueContent(
        model_id=report.model_id, model_title=one_line(report.title), model_path=report.path,
        control_id=control.id, title=one_line(control.title),
        description=control.description.strip(),
        objectives=tuple(one_line(f"{ref.id}: {ref.label}" if ref.label else ref.id)
                         for ref in control.objectives),
        threats=tuple(threat_line(ref) for ref in control.threats),
        evidence=tuple(one_line(f"{row.type}: {row.summary}" if row.summary else row.type)
                       for row in control.assertions),
        link=link,
    )


# --- Atlassian Document Format (Cloud, REST v3) -----------------------------------------------


def adf_text(text: str, href: str | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": text}
    if href:
        node["marks"] = [{"type": "link", "attrs": {"href": href}}]
    return node


def adf_paragraph(text: str, href: str | None = None) -> dict[str, Any]:
    """A paragraph (an empty one has no content: ADF refuses empty text nodes)."""
    return {"type": "paragraph", "content": [adf_text(text, href)] if text else []}


def adf_document(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": blocks}


def adf_description(content: IssueContent) -> dict[str, Any]:
    blocks = [adf_paragraph(content.intro)]
    blocks += [adf_paragraph(one_line(part)) for part in paragraphs(content.description)]
    for heading, entries, empty in content.sections():
        blocks.append({"type": "heading", "attrs": {"level": 3},
                       "content": [adf_text(heading)]})
        if entries:
            blocks.append({"type": "bulletList", "content": [
                {"type": "listItem", "content": [adf_paragraph(entry)]} for entry in entries]})
        else:
            blocks.append(adf_paragraph(empty))
    if content.link:
        blocks.append(adf_paragraph("The control on the threat model's page", content.link))
    blocks.append(adf_paragraph(content.footer))
    return adf_document(blocks)


def plain_text(description: Any) -> str:
    """The text of a description or comment: ADF's text nodes joined, or the markup."""
    if isinstance(description, str):
        return description
    parts: list[str] = []
    pending = [description]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                parts.append(node["text"])
            pending.extend(reversed(node.get("content") or []))
        elif isinstance(node, list):
            pending.extend(reversed(node))
    return " ".join(parts)


def paragraphs(text: str) -> list[str]:
    return [part for part in re.split(r"\n\s*\n", text) if part.strip()]


# --- wiki markup (Data Center, REST v2) -------------------------------------------------------

#: Characters that start markup somewhere in a line (bold, italics, links, macros, tables...).
_WIKI_SPECIAL = re.compile(r"([*_+^~?!#{}\[\]|-])")


def wiki_text(text: str) -> str:
    """``text`` on one line, shown literally by Jira's wiki renderer."""
    # A backslash would escape what follows (two make a line break): write it as an entity.
    return "&#92;".join(_WIKI_SPECIAL.sub(r"\\\1", part)
                        for part in one_line(text).split("\\"))


def wiki_link(text: str, url: str) -> str:
    safe = quote(url, safe=":/?#=&%@+,;~.!$'()*")
    return f"[{wiki_text(text)}|{safe}]"


def wiki_description(content: IssueContent) -> str:
    lines = [wiki_text(content.intro), ""]
    for part in paragraphs(content.description):
        lines += [wiki_text(part), ""]
    for heading, entries, empty in content.sections():
        lines.append(f"h3. {wiki_text(heading)}")
        lines += [f"* {wiki_text(entry)}" for entry in entries] or [wiki_text(empty)]
        lines.append("")
    if content.link:
        lines += [wiki_link("The control on the threat model's page", content.link), ""]
    lines.append(wiki_text(content.footer))
    return "\n".join(lines)


def description_for(content: IssueContent, cloud: bool) -> Any:
    return adf_description(content) if cloud else wiki_description(content)


def has_fingerprint(description: Any, content: IssueContent) -> bool:
    """Whether an issue's description is the one ``content`` writes."""
    return f"fingerprint {content.fingerprint}" in plain_text(description)
