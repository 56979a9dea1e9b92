"""One model as an OSCAL 1.1 component definition (``export --format oscal``).

The system the model describes is the one component. For each framework its controls
are mapped to, a control implementation names the framework's catalog (``source``) and
holds one implemented requirement per mapped requirement: its ``control-id`` in the
catalog, the threatgate controls that implement it (a ``control`` property each, the
control's status as the property's class, and a remark per control), and its
implementation status (implemented, partial or planned; not-applicable for a requirement
the model excludes, with its reason, whatever maps it). docs/oscal.md describes the
document. Pure: a model document in, JSON bytes out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from threatgate.output.oscal.document import (
    back_matter,
    control_line,
    dump,
    line,
    metadata,
    model_title,
    paragraphs,
    prop,
    props,
    source_uuid,
)
from threatgate.output.oscal.ids import catalog_href, entity_uuid
from threatgate.output.oscal.requirements import (
    MappedRequirement,
    requirements_in_scope,
    status_words,
)
from threatgate.output.registry import register_format

if TYPE_CHECKING:
    from threatgate.analysis.assessment import ControlView
    from threatgate.output.model_export import ModelDocument

#: The OSCAL component type of the system a model describes.
COMPONENT_TYPE = "software"
#: How a control's evidence stands, when the export verified it.
VERIFICATION_WORDS = {"verified": "evidence verified", "failing": "evidence failing",
                      "pending": "evidence not checked", "none": "no assertions"}


@register_format("export", "oscal", 50, suffix=".oscal.json")
def export_oscal(document: ModelDocument) -> bytes:
    return dump("component-definition", component_definition(document))


def component_definition(document: ModelDocument) -> dict[str, Any]:
    """The component definition of a model (plain data, before empty fields are dropped)."""
    a = document.assessment
    return {
        "uuid": entity_uuid(a.model_id, "component-definition", document.sha256),
        "metadata": metadata(document, f"Control implementations of {model_title(document)}"),
        "components": [system_component(document)],
        "back-matter": back_matter(document),
    }


def system_component(document: ModelDocument) -> dict[str, Any]:
    a = document.assessment
    description = document.data.get("description")
    return {
        "uuid": entity_uuid(a.model_id, "component"),
        "type": COMPONENT_TYPE,
        "title": model_title(document),
        "description": (paragraphs(description) if isinstance(description, str)
                        and description.strip() else
                        f"The system threatgate model {line(a.model_id)} describes."),
        "props": props(prop("model", a.model_id), *(prop("framework", f) for f in a.frameworks)),
        "links": [{"href": f"#{source_uuid(document)}", "rel": "reference",
                   "text": "the threat model"}],
        "control-implementations": [
            control_implementation(document, framework, requirements)
            for framework, requirements in requirements_in_scope(a).items()],
    }


def control_implementation(document: ModelDocument, framework: str,
                           requirements: list[MappedRequirement]) -> dict[str, Any]:
    model_id = document.assessment.model_id
    return {
        "uuid": entity_uuid(model_id, "control-implementation", framework),
        "source": catalog_href(framework),
        "description": (f"The requirements of {line(framework)} that the controls of "
                        f"threatgate model {line(model_id)} implement."),
        "props": props(prop("framework", framework)),
        "implemented-requirements": [implemented_requirement(document, r)
                                     for r in requirements],
    }


def implemented_requirement(document: ModelDocument,
                            requirement: MappedRequirement) -> dict[str, Any]:
    a = document.assessment
    controls = requirement.controls
    listed = "\n".join(f"- {control_line(c)}" for c in controls)
    if requirement.excluded is not None:
        description = "Not applicable to this system: " + line(requirement.excluded)
        if controls:
            description += "\n\nMapped all the same by the threatgate controls:\n\n" + listed
    else:
        description = "Implemented by the threatgate controls:\n\n" + listed
    remarks = [f"- {control_remark(c, a.verification_run)}" for c in controls]
    if requirement.excluded is not None:
        remarks.insert(0, "Excluded by the threat model: " + line(requirement.excluded))
    return {
        "uuid": entity_uuid(a.model_id, "implemented-requirement", requirement.framework,
                            requirement.control_id),
        "control-id": requirement.control_id,
        "description": description,
        "props": props(*(prop("requirement", r) for r in requirement.references),
                       prop("implementation-status", requirement.implementation_status),
                       *(prop("control", c.id, css_class=c.status) for c in controls)),
        "remarks": "\n".join(remarks),
    }


def control_remark(control: ControlView, verified: bool) -> str:
    """``**C1**: implemented, evidence verified``: a control's status in words."""
    words = status_words(control.status)
    if verified:
        words += ", " + VERIFICATION_WORDS.get(control.verification, control.verification)
    elif control.assertions:
        words += f", {control.assertions} assertion{'s' if control.assertions > 1 else ''}"
    return f"**{line(control.id)}**: {line(words)}"
