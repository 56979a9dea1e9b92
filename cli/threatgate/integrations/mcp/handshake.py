"""The handshake answered while the SDK loads: ``initialize`` and ``tools/list``.

Importing the MCP SDK and building every tool's argument model takes several times as
long as ``threatgate validate``, and a client waits for the answers to ``initialize`` and
``tools/list`` before anything else. What the SDK answers to both depends only on the
SDK, on pydantic and on the tools registered, never on the repository; so the answers are
recorded at build time in ``handshake.json``, with the versions of the SDK and of pydantic
that gave them, and sent from the record while the SDK loads in the background.

The SDK is then handed the session (:mod:`threatgate.integrations.mcp.server`): the
``initialize`` request and the client's ``initialized`` notification are replayed to it,
so that its session knows the client, and its own answer to the replayed request is
dropped. Whatever the record cannot answer exactly as the SDK would (another version of
the SDK or of pydantic installed, an ``initialize`` without the required fields, a paged
``tools/list``, any other request) waits for the SDK.

``python -m threatgate.integrations.mcp.record`` records the answers again; a test fails
while the record differs from what the SDK answers.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from threatgate import __version__

RECORD = Path(__file__).with_name("handshake.json")
#: The distributions whose versions the recorded answers depend on.
DEPENDS_ON = ("mcp", "pydantic")


def sources_digest() -> str:
    """A digest of this package's modules: the tools, their schemas and descriptions, and
    the server's instructions are all written there, so an edit of any of them makes the
    record stale until it is recorded again."""
    import hashlib

    digest = hashlib.sha256()
    for module in sorted(Path(__file__).parent.glob("*.py")):
        text = module.read_bytes().replace(b"\r\n", b"\n")  # a checkout's line endings
        digest.update(module.name.encode() + b"\0" + text + b"\0")
    return digest.hexdigest()


def dependencies() -> dict[str, str | None]:
    """What the recorded answers depend on: the SDK's and pydantic's versions, and the
    sources of the tools."""
    return {**{name: installed_version(name) for name in DEPENDS_ON},
            "sources": sources_digest()}


def installed_version(distribution: str) -> str | None:
    """The installed version of a distribution, read from its ``.dist-info`` folder next
    to the package (without importing it, or ``importlib.metadata``); None if unknown."""
    spec = importlib.util.find_spec(distribution)
    if spec is None or not spec.submodule_search_locations:
        return None
    found = set()
    for location in spec.submodule_search_locations:
        for info in Path(location).parent.glob(f"{distribution}-*.dist-info"):
            found.add(info.name[len(distribution) + 1: -len(".dist-info")])
    return found.pop() if len(found) == 1 else None


def _initialize_params_complete(params: Any) -> TypeGuard[dict[str, Any]]:
    """Whether ``initialize`` carries what the SDK requires of it (else the SDK answers)."""
    if not isinstance(params, dict) or not isinstance(params.get("protocolVersion"), str):
        return False
    client = params.get("clientInfo")
    return (isinstance(params.get("capabilities"), dict) and isinstance(client, dict)
            and isinstance(client.get("name"), str) and isinstance(client.get("version"), str))


@dataclass(frozen=True)
class Handshake:
    """The recorded answers, valid for the SDK and pydantic installed."""

    versions: tuple[str, ...]
    latest: str
    initialize: dict[str, Any]
    tools: dict[str, Any]

    def answer(self, message: Any, *, initialized: bool) -> dict[str, Any] | None:
        """The answer to one client message, or None when the SDK must answer it."""
        if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
            return None
        key, method, params = message.get("id"), message.get("method"), message.get("params")
        if not isinstance(key, (str, int)) or isinstance(key, bool):
            return None
        if method == "initialize" and not initialized and _initialize_params_complete(params):
            asked = str(params["protocolVersion"])
            result = {**self.initialize,
                      "protocolVersion": asked if asked in self.versions else self.latest}
            result["serverInfo"] = {**result.get("serverInfo", {}), "version": __version__}
            return {"jsonrpc": "2.0", "id": key, "result": result}
        if method == "tools/list" and initialized and not params:
            return {"jsonrpc": "2.0", "id": key, "result": self.tools}
        return None


def recorded(record: Path = RECORD) -> Handshake | None:
    """The recorded handshake when it applies to the installed SDK and pydantic and to
    the tools as they are now."""
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        wanted = dependencies()
        if data["depends_on"] != wanted or None in wanted.values():
            return None
        return Handshake(tuple(data["handshake_versions"]), data["latest_handshake_version"],
                         data["initialize"], data["tools_list"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
