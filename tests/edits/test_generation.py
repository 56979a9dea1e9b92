"""The ``generation`` record has one writer: :mod:`threatgate.edits.generation`."""

from __future__ import annotations

import ast

from conftest import REPO_ROOT, VALID_MODEL
from threatgate.document.editor import ModelEditor
from threatgate.edits.generation import (
    GENERATION,
    generation_record,
    new_record,
    reconcile,
    record_generation,
    record_removed,
)
from threatgate.model.loader import load_text

PACKAGE = REPO_ROOT / "cli" / "threatgate"
WRITER = PACKAGE / "edits" / "generation.py"
RECORD_FIELDS = {"packs", "emitted", "removed"}


def _writes_record(tree: ast.AST) -> list[int]:
    """Lines that store into a ``generation`` key, build a record literal or set_top it."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            key = node.slice
            if isinstance(key, ast.Constant) and key.value == GENERATION:
                found.append(node.lineno)
        elif isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            if len(keys & RECORD_FIELDS) >= 2:
                found.append(node.lineno)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "set_top":
            first = node.args[0] if node.args else None
            if not (isinstance(first, ast.Name) and first.id == "GENERATION"):
                found.append(node.lineno)
    return found


def test_only_edits_generation_writes_the_record() -> None:
    offenders = {}
    for module in PACKAGE.rglob("*.py"):
        if module == WRITER:
            continue
        lines = _writes_record(ast.parse(module.read_text(encoding="utf-8")))
        if lines:
            offenders[str(module.relative_to(PACKAGE))] = lines
    assert offenders == {}


def test_the_writer_itself_is_seen_by_the_check() -> None:
    assert _writes_record(ast.parse(WRITER.read_text(encoding="utf-8")))


def test_a_new_model_records_its_packs_and_ids() -> None:
    assert new_record(["web"], ["C1", "T1"]) == {"packs": ["web"], "emitted": ["C1", "T1"]}


def test_merge_and_removal_write_the_record_of_an_existing_file() -> None:
    editor = ModelEditor(VALID_MODEL.encode())
    assert generation_record(editor.data) == {"packs": [], "emitted": [], "removed": []}
    record_generation(editor, packs=["web"], emitted=["T1", "C1", "T9"])
    assert reconcile(editor.data) == (["T1", "C1"], ["T9"])
    record_removed(editor, ["C1"])
    written = load_text(editor.text).data[GENERATION]
    assert written == {"packs": ["web"], "emitted": ["T1", "C1", "T9"], "removed": ["C1"]}
    head, _, tail = editor.text.partition("generation:")
    assert head == VALID_MODEL and "\n" not in tail.split("removed:")[1].strip()


def test_removing_nothing_leaves_the_text_alone() -> None:
    editor = ModelEditor(VALID_MODEL.encode())
    record_removed(editor, [])
    assert editor.text == VALID_MODEL


def test_a_record_left_at_the_top_moves_to_the_end_when_rewritten() -> None:
    top = VALID_MODEL.replace("components:", "generation:\n  packs: [web]\ncomponents:", 1)
    editor = ModelEditor(top.encode())
    record_generation(editor, emitted=["T1"], digests={"T1": "0123abcd"})
    assert editor.text.startswith(VALID_MODEL)
    assert load_text(editor.text).data[GENERATION] == {
        "packs": ["web"], "emitted": ["T1"], "digests": {"T1": "0123abcd"}}


def test_large_records_are_written_exactly_as_ruamel_writes_them(monkeypatch) -> None:
    """The record is written directly; long lists wrap where ruamel.yaml wraps them."""
    import random

    from threatgate.edits import generation

    rng = random.Random(7)
    for size in (3, 130, 600, 1500):
        ids = [f"T-web.r{rng.randint(0, 10 ** rng.randint(1, 12))}-c_{i}" for i in range(size)]
        value = {"packs": ["web", "api"], "emitted": ids, "removed": [*ids[:size // 3], "12"],
                 "digests": {i: rng.choice(["abcdef12", "91593072", "1e100000"]) for i in ids}}
        direct = generation._render(value, "\n")
        monkeypatch.setattr(generation, "_render_simple", lambda *args: None)
        assert generation._render(value, "\n") == direct
        monkeypatch.undo()


def test_top_level_lines_by_scan_and_by_loader() -> None:
    from threatgate.edits.generation import top_level_lines

    text = "a: 1\nb:\n  - x\n# c: no\nc: |\n  d: no\n"
    assert top_level_lines(text, ["a", "b", "c"]) == top_level_lines(text) == {
        "a": 0, "b": 1, "c": 4}
    assert top_level_lines("a: [1,\n2]\nb: 2\n", ["a", "b"]) == {"a": 0, "b": 2}
