"""The MCP server: the tools of every family on one repository, served over stdio.

Each family is one module of this package with a ``register(server, repo)`` function;
:data:`TOOL_FAMILIES` lists them, so adding a family is one module and one entry.
Standard output carries only protocol messages: the SDK's logging goes to standard error.

Start-up: the SDK is imported and the server built in a background thread, while the
main thread answers the handshake (``initialize``, ``tools/list``) from the record of
:mod:`threatgate.integrations.mcp.handshake` and keeps every other message for the SDK;
once it is ready the SDK is handed the session (the handshake replayed to it) and serves
every message from then on. The models are then validated and assessed once (the
warm-up), so that the first call finds them ready.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import os
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from threatgate import __version__
from threatgate.errors import InputError
from threatgate.integrations.mcp.repository import Repository

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from threatgate.integrations.mcp.handshake import Handshake
    from threatgate.integrations.mcp.wire import SdkAnswers, SdkLines, Wire

INSTALL_HINT = 'pip install "threatgate[mcp]"'
SDK_MISSING = f"the MCP server needs the mcp package: {INSTALL_HINT}"

#: The modules registering tools, one per family.
TOOL_FAMILIES = (
    "threatgate.integrations.mcp.retrieval",
    "threatgate.integrations.mcp.updates",
    "threatgate.integrations.mcp.evidence",
    "threatgate.integrations.mcp.findings",
    "threatgate.integrations.mcp.outputs",
    "threatgate.integrations.mcp.compliance",
)

INSTRUCTIONS = (
    "threatgate keeps this repository's threat models as YAML files under version control. "
    "Read them with list_threat_models, get_controls, get_control_objectives and "
    "assess_model; find work with get_review_queue and get_scan_prompt; record what you "
    "implemented with submit_assertions and update_control_status, and gaps you found "
    "with submit_findings; check framework coverage with get_compliance_report and map "
    "controls to requirements with map_control_to_requirement. Every write edits the model "
    "file in place (comments kept) and is refused when it would make the model invalid. "
    "Listings are paged: offset, limit, total."
)


def build_server(repo: Repository) -> MCPServer:
    """The server with every tool of :data:`TOOL_FAMILIES` registered on ``repo``."""
    from mcp.server.mcpserver import MCPServer

    server: MCPServer = MCPServer("threatgate", instructions=INSTRUCTIONS, version=__version__,
                                  log_level="WARNING")
    for name in TOOL_FAMILIES:
        importlib.import_module(name).register(server, repo)
    return server


def sdk_available() -> bool:
    """Whether the MCP SDK (current major version, with ``mcp.server.mcpserver``) is
    installed, found without importing it."""
    for name in ("mcp", "mcp.server", "mcp.server.mcpserver"):
        if name in sys.modules and sys.modules[name] is None:
            return False
    spec = importlib.util.find_spec("mcp")
    return bool(spec and spec.submodule_search_locations and any(
        (Path(place) / "server" / "mcpserver").is_dir()
        for place in spec.submodule_search_locations))


async def serve_sdk(server: MCPServer, lines: SdkLines, answers: SdkAnswers) -> None:
    """Serve one session with the SDK, its stdio transport reading ``lines`` and writing
    ``answers`` (as ``MCPServer.run_stdio_async`` does with the process's own streams)."""
    from typing import cast

    from mcp.server.stdio import stdio_server

    # The low-level server behind MCPServer, as the SDK's in-process client reaches it.
    lowlevel = server._lowlevel_server
    async with stdio_server(stdin=cast(Any, lines), stdout=cast(Any, answers)) as (
            read, write):
        await lowlevel.run(read, write, lowlevel.create_initialization_options())


@dataclass
class Loader:
    """The background thread importing the SDK and building the server."""

    repo: Repository
    wire: Wire
    server: MCPServer | None = None
    failure: BaseException | None = field(default=None, repr=False)

    def start(self) -> None:
        threading.Thread(target=self._run, name="threatgate-mcp-load", daemon=True).start()

    def _run(self) -> None:
        from threatgate.integrations.mcp.wire import READY

        try:
            import anyio  # noqa: F401  (what serving needs, loaded here, not on the wire)
            import mcp.server.stdio  # noqa: F401

            self.server = build_server(self.repo)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            self.failure = exc
        self.wire.lines.put(READY)
        if self.server is not None:
            self.repo.warm_up()


@dataclass
class Front:
    """The session until the SDK is ready: the handshake answered from the record (when
    there is one that applies), the rest kept to be replayed to the SDK in order."""

    wire: Wire
    handshake: Handshake | None
    replay: list[str] = field(default_factory=list)
    answered: set[Any] = field(default_factory=set)
    initialized: bool = False
    closed: bool = False

    def run(self) -> None:
        from threatgate.integrations.mcp.wire import READY

        handshake = self.handshake
        while True:
            line = self.wire.lines.get()
            if line is READY:
                return
            if not isinstance(line, str):  # the client closed its side
                self.closed = True
                continue
            message = _parsed(line)
            answer = handshake.answer(message, initialized=self.initialized) if (
                handshake and not self.closed) else None
            if answer is None:
                self.replay.append(line)
                continue
            self.wire.send(answer)
            if message["method"] == "initialize":  # the SDK's session must see it too
                self.replay.append(line)
                self.answered.add(answer["id"])
                self.initialized = True


def _parsed(line: str) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return None


def serve_stdio(start: Path) -> None:
    """Serve the repository holding ``start`` over standard input and output.

    The server works from the repository root, so that results name files relative to
    it whatever folder the client started the server in.
    """
    import anyio

    from threatgate.integrations.mcp.handshake import recorded
    from threatgate.integrations.mcp.wire import END, SdkAnswers, SdkLines, Wire

    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    repo = Repository.at(start)
    os.chdir(repo.root)
    wire = Wire.take_over_stdio()
    wire.start_reading()
    loader = Loader(repo, wire)
    loader.start()
    front = Front(wire, recorded())
    front.run()
    if loader.server is None:
        if isinstance(loader.failure, ImportError):
            raise InputError(SDK_MISSING) from None
        raise InputError(f"the MCP server could not start: {loader.failure}")
    if front.closed:
        wire.lines.put(END)
    anyio.run(serve_sdk, loader.server, SdkLines(wire, front.replay),
              SdkAnswers(wire, front.answered))
