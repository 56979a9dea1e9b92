"""Driving the MCP server in tests with the SDK's own client.

In-process: ``mcp.Client`` connected to the server object (the SDK's in-memory
client/server session). Over stdio: ``python -m threatgate mcp`` spawned by
``mcp.client.stdio.stdio_client`` and driven through ``ClientSession``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

# The SDK itself (a folder named mcp on the path is not enough).
pytest.importorskip("mcp.client.stdio")

from mcp import Client
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.types import CallToolResult

from threatgate.integrations.mcp.repository import Repository
from threatgate.integrations.mcp.server import build_server

Call = tuple[str, dict[str, Any]]


def call_all(project: Path, *calls: Call) -> list[CallToolResult]:
    """Run the calls in order in one in-process session on the repository at ``project``
    (the current folder must be ``project``: results name files relative to it)."""
    server = build_server(Repository.at(project))

    async def run() -> list[CallToolResult]:
        async with Client(server) as client:
            return [await client.call_tool(name, args) for name, args in calls]

    return asyncio.run(run())


def call(project: Path, name: str, args: dict[str, Any] | None = None) -> CallToolResult:
    return call_all(project, (name, args or {}))[0]


def with_client(project: Path, body: Callable[[Client], Awaitable[Any]]) -> Any:
    """Run ``body(client)`` in one in-process session."""
    server = build_server(Repository.at(project))

    async def run() -> Any:
        async with Client(server) as client:
            return await body(client)

    return asyncio.run(run())


def ok(result: CallToolResult) -> dict[str, Any]:
    """The structured result of a call that must succeed."""
    text = " ".join(getattr(c, "text", "") for c in result.content)
    assert not result.is_error, text
    assert result.structured_content is not None
    # The text content mirrors the structured result (for clients that read only text).
    assert json.loads(result.content[0].text) == result.structured_content
    return result.structured_content


def refused(result: CallToolResult) -> str:
    """The message of a call that must be a tool error."""
    assert result.is_error, result.structured_content
    return " ".join(getattr(c, "text", "") for c in result.content)


def server_parameters(project: Path, *extra: str) -> StdioServerParameters:
    """``python -m threatgate mcp [EXTRA...]`` in ``project``, with this test's
    environment."""
    keep = ("PYTHONPATH", "THREATGATE_TODAY", "THREATGATE_CACHE_DIR")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    return StdioServerParameters(command=sys.executable, args=["-m", "threatgate", "mcp", *extra],
                                 cwd=project, env=env)


def over_stdio(project: Path, body: Callable[[ClientSession], Awaitable[Any]],
               *extra: str) -> Any:
    """Run ``body(session)`` against a server spawned over stdio in ``project``."""

    async def run() -> Any:
        params = server_parameters(project, *extra)
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            return await body(session)

    return asyncio.run(run())
