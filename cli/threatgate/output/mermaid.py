"""A data-flow diagram as Mermaid ``flowchart`` text.

Everything that comes from the model is hostile until escaped
(:mod:`threatgate.output.escape.mermaid` says how): identifiers in the output are
generated (``n0``, ``b0``), never the model's ids, and every label is escaped.
"""

from __future__ import annotations

from threatgate.output.escape.mermaid import mermaid_label, mermaid_line
from threatgate.views.diagram import Diagram, DiagramNode

#: Longest label drawn, in characters, before it is cut with an ellipsis.
MAX_NODE_LABEL = 60
MAX_EDGE_LABEL = 80

_SHAPES = {
    "process": ('["', '"]'),
    "datastore": ('[("', '")]'),
    "external": ('[/"', '"/]'),
}

_CLASS_DEFS = (
    "classDef process fill:#eef4fb,stroke:#2f5d8a,color:#102a43",
    "classDef datastore fill:#fdf6e3,stroke:#8a6d1f,color:#3d2f00",
    "classDef external fill:#f3f3f3,stroke:#555555,color:#222222",
)


def accessible_title(title: str) -> str:
    """The diagram's accessible title (``accTitle``, read up to the end of the line)."""
    kept = mermaid_line(title, MAX_NODE_LABEL)
    return f"Data-flow diagram: {kept}" if kept else "Data-flow diagram"


def _summary(diagram: Diagram) -> str:
    """A generated description (counts only: no model text)."""
    boxes = sum(1 for boundary in diagram.boundaries if diagram.members(boundary.id))
    crossing = sum(edge.crosses_boundary for edge in diagram.edges)
    unencrypted = sum(edge.encrypted is False for edge in diagram.edges)
    return (f"{len(diagram.nodes)} components in {boxes} trust boundaries, "
            f"{len(diagram.edges)} data flows, {crossing} crossing a trust boundary, "
            f"{unencrypted} unencrypted")


def _node(mermaid_id: str, node: DiagramNode) -> str:
    opening, closing = _SHAPES[node.kind]
    return f"{mermaid_id}{opening}{mermaid_label(node.name, MAX_NODE_LABEL)}{closing}"


def render_mermaid(diagram: Diagram) -> str:
    """A Mermaid ``flowchart LR``: one subgraph per trust boundary, DFD shapes by component
    type, flows that cross a trust boundary thick, unencrypted flows dotted (and saying
    so in their label). ``""`` for a diagram without components."""
    if diagram.empty:
        return ""
    ids = {node.id: f"n{index}" for index, node in enumerate(diagram.nodes)}
    lines = ["flowchart LR", f"    accTitle: {accessible_title(diagram.title)}",
             f"    accDescr: {_summary(diagram)}"]
    undeclared: list[str] = []
    for index, boundary in enumerate(diagram.boundaries):
        members = diagram.members(boundary.id)
        if not members:
            continue
        name = boundary.name if boundary.declared else f"{boundary.name} (undeclared)"
        lines.append(f'    subgraph b{index}["{mermaid_label(name, MAX_NODE_LABEL)}"]')
        lines.extend(f"        {_node(ids[node.id], node)}" for node in members)
        lines.append("    end")
        if not boundary.declared:
            undeclared.append(f"b{index}")
    lines.extend(f"    {_node(ids[node.id], node)}" for node in diagram.nodes
                 if node.boundary is None)
    for edge in diagram.edges:
        arrow = "-.->" if edge.encrypted is False else "==>" if edge.crosses_boundary \
            else "-->"
        label = edge.label
        if edge.encrypted is False:
            label = f"{label} (unencrypted)" if label else "unencrypted"
        text = f'|"{mermaid_label(label, MAX_EDGE_LABEL)}"|' if label else ""
        lines.append(f"    {ids[edge.source]} {arrow}{text} {ids[edge.target]}")
    lines.extend(f"    {definition}" for definition in _CLASS_DEFS)
    for kind in ("process", "datastore", "external"):
        members_of_kind = [ids[node.id] for node in diagram.nodes if node.kind == kind]
        if members_of_kind:
            lines.append(f"    class {','.join(members_of_kind)} {kind}")
    lines.extend(f"    style {boundary_id} stroke-dasharray: 6 4" for boundary_id in undeclared)
    return "\n".join(lines) + "\n"
