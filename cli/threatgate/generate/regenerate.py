"""``generate --model``: the rule packs run again over a model's architecture, in one edit.

The one sequence the command and the MCP tool share: the packs applied to the model's
current architecture, the generated entries whose rule no longer fires retired
(:mod:`threatgate.generate.retire`), then what the packs now imply merged in
(:mod:`threatgate.generate.merge`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from threatgate.generate.engine import apply_packs
from threatgate.generate.merge import MergeResult, architecture_of, merge_generated
from threatgate.generate.retire import Retirement, retire

if TYPE_CHECKING:
    from threatgate.document.editor import ModelEditor
    from threatgate.generate.rulepacks import RulePack


@dataclass
class Regenerated:
    merged: MergeResult
    retired: Retirement
    #: The rules that fired (for ``--explain``).
    fired: list[Any]


def regenerate(editor: ModelEditor, packs: Sequence[RulePack]) -> Regenerated:
    """Retire what no rule implies any more, then merge what the packs imply now."""
    names = [pack.name for pack in packs]
    generated = apply_packs(architecture_of(editor.data), packs)
    with editor.checked_once():
        retired = retire(editor, generated, names)
        merged = merge_generated(editor, generated, names)
    return Regenerated(merged, retired, list(generated.fired))
