"""Kubernetes manifests and Helm charts.

A YAML document with ``apiVersion`` and ``kind`` is a Kubernetes object: its kind is a
clue, and so is every container ``image`` in it. A Helm chart's ``Chart.yaml`` says the
project deploys on Kubernetes (``helm: chart``) and names its chart dependencies
(``postgresql``, ``redis``, ...); ``values.yaml`` names images (``image:`` or
``image.repository``); templates, which are not YAML until rendered, are read line by
line for their ``kind:`` and ``image:``. This reader is offered the YAML files no other
family claimed: it gives nothing for a YAML file that is not a Kubernetes object.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from threatgate.generate.repository.base import Clue, LineIndex, file_name, repository_reader
from threatgate.generate.repository.containers import plain_image
from threatgate.generate.repository.yamlnodes import (
    Located,
    line_of,
    load_documents,
    mapping,
    sequence,
    text_of,
)

_TEMPLATE_KIND = re.compile(r"^kind:[ \t]*([A-Za-z]+)[ \t]*$", re.MULTILINE)
_TEMPLATE_IMAGE = re.compile(r"^[ \t-]*image:[ \t]*[\"']?([^\s\"'{}]+)[\"']?[ \t]*$",
                             re.MULTILINE)


def is_yaml(path: str) -> bool:
    return path.lower().endswith((".yaml", ".yml"))


def in_templates(path: str) -> bool:
    return "templates" in path.split("/")[:-1]


def _images(value: Any, path: str, depth: int = 0) -> Iterator[Clue]:
    """Every ``image`` scalar (or ``image.repository``) under ``value``."""
    if depth > 40:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "image":
                image = text_of(item) or text_of(mapping(item).get("repository"))
                plain = plain_image(image) if image else None
                if plain:
                    yield Clue("image", plain, path, line_of(image))
            yield from _images(item, path, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _images(item, path, depth + 1)


def _chart(documents: list[Any], path: str) -> Iterator[Clue]:
    for document in documents:
        chart = mapping(document)
        name = text_of(chart.get("name"))
        yield Clue("helm", "chart", path, line_of(name))
        for dependency in sequence(chart.get("dependencies")):
            dependency_name = text_of(mapping(dependency).get("name"))
            if dependency_name:
                yield Clue("helm", dependency_name, path, line_of(dependency_name))


def _template(text: str, path: str) -> Iterator[Clue]:
    lines = LineIndex(text)
    for match in _TEMPLATE_KIND.finditer(text):
        yield Clue("kubernetes", match[1], path, lines.line(match.start()))
    for match in _TEMPLATE_IMAGE.finditer(text):
        plain = plain_image(match[1])
        if plain:
            yield Clue("image", plain, path, lines.line(match.start(1)))


@repository_reader("kubernetes", "Kubernetes manifests and Helm charts (Chart.yaml, "
                   "values.yaml, templates)", claims=is_yaml)
def read_kubernetes(text: str, path: str) -> Iterator[Clue]:
    name = file_name(path)
    if in_templates(path) and "{{" in text:
        yield from _template(text, path)
        return
    documents = load_documents(text, path)
    if name in ("Chart.yaml", "Chart.yml"):
        yield from _chart(documents, path)
        return
    if name.startswith("values") and not in_templates(path):
        for document in documents:
            yield from _images(document, path)
        return
    for document in documents:
        kind = text_of(mapping(document).get("kind"))
        if kind and isinstance(mapping(document).get("apiVersion"), Located):
            yield Clue("kubernetes", kind, path, line_of(kind))
            yield from _images(document, path)
