"""The labels that tie an issue to its model and control, and the JQL that finds them.

Every issue carries two labels: ``PREFIX:MODEL`` (what a search for a model's issues asks
for) and ``PREFIX:MODEL:CONTROL`` (stable: which control it tracks). Neither a model id
nor a control id holds a colon, so a label reads back unambiguously. Jira compares labels
without regard to case in searches, so they are read back that way too.
"""

from __future__ import annotations

from collections.abc import Iterable


def model_label(prefix: str, model_id: str) -> str:
    return f"{prefix}:{model_id}"


def control_label(prefix: str, model_id: str, control_id: str) -> str:
    return f"{prefix}:{model_id}:{control_id}"


def label_key(label: str) -> str:
    """How labels are compared: without regard to case."""
    return label.casefold()


def parse_control_label(prefix: str, label: str) -> tuple[str, str] | None:
    """(model id, control id) of a control label of ``prefix``, else ``None``."""
    parts = label.split(":")
    if len(parts) != 3 or parts[0].casefold() != prefix.casefold() or not all(parts[1:]):
        return None
    return parts[1], parts[2]


def jql_string(value: str) -> str:
    """``value`` as a quoted JQL string."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def labels_jql(project: str, labels: Iterable[str]) -> str:
    """The issues of ``project`` carrying any of ``labels``."""
    listed = ", ".join(jql_string(label) for label in labels)
    return f"project = {jql_string(project)} AND labels in ({listed})"
