"""Containers: Dockerfiles (``FROM`` images) and Compose files (service images, and the
names of services built from the repository's own code).

A Dockerfile says the project ships as a container (``project: dockerfile``); a Compose
file that defines services says it runs as several (``project: compose``). Build stages
named in an earlier ``FROM ... AS name`` are not images.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from threatgate.generate.repository.base import Clue, LineIndex, file_name, repository_reader
from threatgate.generate.repository.yamlnodes import line_of, load_documents, mapping, text_of

_FROM = re.compile(r"^[ \t]*FROM[ \t]+(?:--\S+[ \t]+)*(\S+)(?:[ \t]+AS[ \t]+(\S+))?",
                   re.IGNORECASE | re.MULTILINE)
COMPOSE_NAMES = ("docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml")


def plain_image(value: str) -> str | None:
    """An image reference without a variable tag; ``None`` when a variable names it."""
    name, colon, tag = value.partition(":") if "/" not in value.rpartition(":")[2] else (
        value, "", "")
    if "$" in name or "{{" in name or not name:
        return None
    return name if "$" in tag or "{{" in tag else name + colon + tag


def is_dockerfile(path: str) -> bool:
    name = file_name(path).lower()
    return (name == "dockerfile" or name.startswith("dockerfile.")
            or name.endswith(".dockerfile") or name == "containerfile")


def is_compose(path: str) -> bool:
    name = file_name(path).lower()
    return name in COMPOSE_NAMES or (
        name.startswith(("docker-compose.", "compose.")) and name.endswith((".yml", ".yaml")))


@repository_reader("dockerfile", "Dockerfile", claims=is_dockerfile)
def read_dockerfile(text: str, path: str) -> Iterator[Clue]:
    stages: set[str] = set()
    lines = LineIndex(text)
    first = None
    for match in _FROM.finditer(text):
        line = lines.line(match.start())
        first = line if first is None else first
        image = plain_image(match[1])
        if image and image.lower() not in stages and image.lower() != "scratch":
            yield Clue("image", image, path, line)
        if match[2]:
            stages.add(match[2].lower())
    if first is not None:
        yield Clue("project", "dockerfile", path, first)


@repository_reader("compose", "docker-compose.yml, compose.yaml", claims=is_compose)
def read_compose(text: str, path: str) -> Iterator[Clue]:
    for document in load_documents(text, path):
        services = mapping(mapping(document).get("services"))
        for service in services.values():
            image = text_of(mapping(service).get("image"))
            plain = plain_image(image) if image is not None else None
            if plain:
                yield Clue("image", plain, path, line_of(image))
        if services:
            yield Clue("project", "compose", path, min(line_of(k) for k in services))
