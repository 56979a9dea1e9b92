"""The MCP server: the tools of every family on one repository, served over stdio.

Each family is one module of this package with a ``register(server, repo)`` function;
:data:`TOOL_FAMILIES` lists them, so adding a family is one module and one entry.
Standard output carries only protocol messages: the SDK's logging goes to standard error.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from threatgate import __version__
from threatgate.integrations.mcp.repository import Repository

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

#: The modules registering tools, one per family.
TOOL_FAMILIES = (
    "threatgate.integrations.mcp.retrieval",
    "threatgate.integrations.mcp.updates",
    "threatgate.integrations.mcp.evidence",
    "threatgate.integrations.mcp.findings",
    "threatgate.integrations.mcp.outputs",
)

INSTRUCTIONS = (
    "threatgate keeps this repository's threat models as YAML files under version control. "
    "Read them with list_threat_models, get_controls, get_control_objectives and "
    "assess_model; find work with get_review_queue and get_scan_prompt; record what you "
    "implemented with submit_assertions and update_control_status, and gaps you found "
    "with submit_findings. Every write edits the model file in place (comments kept) and "
    "is refused when it would make the model invalid. Listings are paged: offset, limit, "
    "total."
)


def build_server(repo: Repository) -> MCPServer:
    """The server with every tool of :data:`TOOL_FAMILIES` registered on ``repo``."""
    from mcp.server.mcpserver import MCPServer

    server: MCPServer = MCPServer("threatgate", instructions=INSTRUCTIONS, version=__version__,
                                  log_level="WARNING")
    for name in TOOL_FAMILIES:
        importlib.import_module(name).register(server, repo)
    return server


def serve_stdio(start: Path) -> None:
    """Serve the repository holding ``start`` over standard input and output.

    The server works from the repository root, so that results name files relative to
    it whatever folder the client started the server in.
    """
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    repo = Repository.at(start)
    os.chdir(repo.root)
    server = build_server(repo)
    threading.Thread(target=repo.warm_up, name="threatgate-warm-up", daemon=True).start()
    server.run("stdio")
