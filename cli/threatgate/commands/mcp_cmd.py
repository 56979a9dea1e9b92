"""``threatgate mcp``: serve the repository's models to coding agents over MCP (stdio)."""

from __future__ import annotations

from pathlib import Path

import click

from threatgate.errors import EXIT_OK, InputError


@click.command()
@click.option("--repository", "-C", "repository", default=None, metavar="DIR",
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Serve the repository holding DIR instead of the current folder's (for "
                   "clients that start servers elsewhere, e.g. Cursor's ${workspaceFolder}).")
def mcp(repository: Path | None) -> int:
    """Serve this repository's threat models to a coding agent over MCP (stdio).

    Starts a Model Context Protocol server on standard input and output for the
    repository found from the current folder (as every command finds it), or from
    --repository DIR. An agent (Claude Code, Cursor, Claude Desktop, ...) launches it
    and calls its tools to read the models, assess them, record assertions and
    findings, and export. Every write
    goes through the same edits as `threatgate add|edit|set-status|findings`: comments
    kept, atomic, locked, refused when the model would become invalid. Commands
    (command_succeeds assertions) are never run. Standard output carries only protocol
    messages; logs go to standard error.

    Needs the MCP SDK: pip install "threatgate[mcp]". docs/mcp.md has client
    configurations and the list of tools.

    Exit status: 0 when the client closes the connection, 2 when the SDK is missing or
    no repository settings can be read.
    """
    from threatgate.integrations.mcp.server import SDK_MISSING, sdk_available, serve_stdio

    if not sdk_available():  # found without importing it: the server imports it meanwhile
        raise InputError(SDK_MISSING)
    serve_stdio(repository or Path.cwd())
    return EXIT_OK
