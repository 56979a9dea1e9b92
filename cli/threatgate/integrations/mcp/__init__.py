"""An MCP server over the repository's model files (``threatgate mcp``).

Needs the optional ``mcp`` SDK (``pip install "threatgate[mcp]"``); nothing else in
threatgate imports this package, so every other command runs without it.
"""
