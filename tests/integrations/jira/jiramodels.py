"""The models of the Jira tests: the suite's valid model with more controls."""

from __future__ import annotations

from collections.abc import Sequence

from conftest import VALID_MODEL


def model_text(extra: Sequence[tuple[str, str]] = (), model_id: str = "shop",
               c2_status: str = "planned") -> str:
    """The valid model of the suite with more controls (id, status) and C2's status."""
    lines = "".join(f"  - id: {cid}\n    title: Control {cid}\n    status: {status}\n"
                    for cid, status in extra)
    text = VALID_MODEL.replace("id: shop\n", f"id: {model_id}\n", 1)
    text = text.replace("    title: Web application firewall\n    status: planned\n",
                        f"    title: Web application firewall\n    status: {c2_status}\n", 1)
    return text.replace("assumptions:\n  - {id: AS1", lines + "assumptions:\n  - {id: AS1", 1)
