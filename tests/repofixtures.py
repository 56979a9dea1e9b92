"""Throwaway repositories for ``generate --from-repo`` and how to run the command on them."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from click.testing import Result

from threatgate.model.loader import load_text

RunCli = Callable[..., Result]


def write_repo(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write ``files`` (relative path -> text or bytes) under ``root``."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def generate_from(run_cli: RunCli, root: Path, *extra: str) -> tuple[dict[str, Any],
                                                                     dict[str, Any]]:
    """The model ``generate --from-repo ROOT`` writes, and its JSON explanation."""
    out = root.parent / f"{root.name}-model.yaml"
    result = run_cli("generate", *extra, "--from-repo", str(root), "--explain", "--format",
                     "json", "--out", str(out), "--force")
    assert result.exit_code == 0, result.output
    model = load_text(out.read_text(encoding="utf-8")).data
    return model, json.loads(result.stdout)


def components(model: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in model.get("components", [])}


def control(model: Mapping[str, Any], control_id: str) -> dict[str, Any]:
    found = [c for c in model.get("controls", []) if c["id"] == control_id]
    assert found, f"{control_id} not generated: {[c['id'] for c in model.get('controls', [])]}"
    return dict(found[0])


def scan_places(scan: Any) -> dict[str, list[str]]:
    """Signal id -> 'file:line' places, from a :class:`RepositoryScan`."""
    return {signal: [clue.where for clue in clues] for signal, clues in scan.found.items()}


def signal_places(explained: Mapping[str, Any]) -> dict[str, list[str]]:
    """Signal id -> 'file:line' places, from the repository section of the explanation."""
    return {item["signal"]: [f"{f['file']}:{f['line']}" for f in item["found"]]
            for item in explained["repository"]["signals"]}
