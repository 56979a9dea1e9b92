"""Documentation generated from the code stays in step with it."""

from __future__ import annotations

import re

from conftest import REPO_ROOT
from threatgate.model.schema import schema_documents
from threatgate.output.markdown.schema_reference import (
    render_rulepack_reference,
    render_schema_reference,
)
from threatgate.validate.rules import RULES


def test_schema_reference_is_current() -> None:
    expected = render_schema_reference(schema_documents())
    actual = (REPO_ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    assert actual == expected, "run: threatgate schema --format markdown > docs/schema.md"


def test_rulepack_reference_is_current() -> None:
    expected = render_rulepack_reference(schema_documents())
    actual = (REPO_ROOT / "docs" / "rulepacks.md").read_text(encoding="utf-8")
    assert actual == expected, (
        "run: threatgate schema --name rulepack --format markdown > docs/rulepacks.md")
    headings = {line[4:].strip().lower() for line in actual.splitlines()
                if line.startswith("### ")}
    for anchor in set(re.findall(r"\]\(#([a-zA-Z]+)\)", actual)):
        assert anchor in headings, f"link to #{anchor} has no section"


def test_every_rule_and_field_is_documented() -> None:
    text = (REPO_ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert f"`{rule}`" in text
    model = schema_documents()["threatmodel.schema.json"]
    for name, spec in model["$defs"].items():
        for field in spec.get("properties", {}):
            assert f"`{field}`" in text, f"{name}.{field} missing from docs/schema.md"


def test_readme_quickstart_has_two_commands_and_ci_runs_the_second() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```(?:sh|bash|console)\n(.*?)\n```", section, re.DOTALL)
    assert len(commands) == 2, commands
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1].strip() in ci


def test_every_loader_rule_id_is_documented() -> None:
    text = (REPO_ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    source = "".join(
        p.read_text(encoding="utf-8") for p in (REPO_ROOT / "cli" / "threatgate").rglob("*.py")
    )
    emitted = set(re.findall(r'"((?:yaml|file)-[a-z-]+|not-a-mapping|symlink-escape)"', source))
    assert emitted
    for rule in sorted(emitted):
        assert f"`{rule}`" in text, f"{rule} is not documented in docs/schema.md"
