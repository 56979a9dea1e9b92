"""Web-server configuration: nginx, Caddy (``Caddyfile``) and Apache httpd.

Every directive is a clue (``proxy_pass``, ``limit_req``, ``ssl_certificate``, ...), and
every response header the configuration sets (nginx ``add_header``, Apache ``Header
set``, Caddy ``header``) is a ``header`` clue, proved by ``http_header_set`` (nginx,
Apache) or ``pattern_matches`` (Caddy). Comments are skipped; nothing is included or
expanded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from threatgate.generate.repository.base import Clue, file_name, repository_reader

_DIRECTIVE = re.compile(r"[ \t]*([A-Za-z_][A-Za-z0-9_]*)")
_NGINX_HEADER = re.compile(r"[ \t]*add_header[ \t]+[\"']?([A-Za-z0-9-]+)")
_APACHE_HEADER = re.compile(r"[ \t]*Header[ \t]+(?:always[ \t]+)?(?:set|append|add|merge)[ \t]+"
                            r"[\"']?([A-Za-z0-9-]+)", re.IGNORECASE)
_CADDY_HEADER = re.compile(r"[ \t]*header[ \t]+[+]?([A-Za-z][A-Za-z0-9-]*)(?:[ \t]|$)")
_CADDY_BLOCK_ENTRY = re.compile(r"[ \t]*[+]?([A-Za-z][A-Za-z0-9-]*-[A-Za-z0-9-]+)[ \t]+\S")
#: Folders whose *.conf files are nginx or Apache configuration.
SERVER_FOLDERS = ("nginx", "apache", "apache2", "httpd", "conf.d", "sites-available",
                  "sites-enabled")


def server_kind(path: str) -> str | None:
    """``nginx``, ``apache`` or ``caddy`` for a web-server configuration file."""
    name = file_name(path).lower()
    folders = [part.lower() for part in path.split("/")[:-1]]
    if name == "caddyfile" or name.endswith(".caddyfile"):
        return "caddy"
    if name in ("httpd.conf", "apache2.conf", ".htaccess") or (
            name.endswith(".conf") and any(f.startswith(("apache", "httpd")) for f in folders)):
        return "apache"
    if name == "nginx.conf" or name.endswith(".nginx") or (
            name.endswith(".conf") and any(f in SERVER_FOLDERS for f in folders)):
        return "nginx"
    return None


def _header_proof(kind: str, path: str, header: str) -> dict[str, str]:
    if kind != "caddy" and not any(c in path for c in "*?[]{}"):
        return {"type": "http_header_set", "glob": path, "header": header}
    return {"type": "pattern_matches", "file": path,
            "pattern": rf"(?im)^[ \t]*(?:header[ \t]+)?[+]?{re.escape(header)}[ \t]"}


def _directive_proof(path: str, directive: str) -> dict[str, str]:
    return {"type": "pattern_matches", "file": path,
            "pattern": rf"(?m)^[ \t]*{re.escape(directive)}\b"}


@repository_reader("webservers", "web-server configuration (nginx, Caddyfile, Apache)",
                   claims=lambda path: server_kind(path) is not None)
def read_webserver(text: str, path: str) -> Iterator[Clue]:
    kind = server_kind(path)
    assert kind is not None
    in_header_block = False
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0]
        if not line.strip():
            continue
        header = (_NGINX_HEADER if kind == "nginx" else _APACHE_HEADER if kind == "apache"
                  else _CADDY_HEADER).match(line)
        if kind == "caddy" and in_header_block:
            header = _CADDY_BLOCK_ENTRY.match(line)
            in_header_block = "}" not in line
        elif kind == "caddy" and re.match(r"[ \t]*header\b[^{]*\{", line):
            in_header_block, header = "}" not in line, None
        if header is not None:
            yield Clue("header", header[1], path, number, _header_proof(kind, path, header[1]))
        directive = _DIRECTIVE.match(line)
        if directive is not None:
            yield Clue("webserver", directive[1], path, number,
                       _directive_proof(path, directive[1]))
