"""Serverless configurations: the Serverless Framework (``serverless.yml``) and AWS SAM /
CloudFormation templates.

``serverless.yml`` gives its provider (``provider:aws``), one ``function`` per function
and the type of each event that triggers one (``event:http``, ``event:sqs``, ...). A
template (any YAML or JSON file with ``AWSTemplateFormatVersion``, a ``Transform`` or
``Resources`` whose ``Type`` is ``AWS::...``) gives the type of each resource.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from threatgate.generate.repository.base import Clue, file_name, repository_reader
from threatgate.generate.repository.yamlnodes import (
    line_of,
    load_documents,
    mapping,
    sequence,
    text_of,
)

SERVERLESS_NAMES = ("serverless.yml", "serverless.yaml")


def is_template(path: str) -> bool:
    name = file_name(path).lower()
    return name.endswith((".yaml", ".yml", ".json", ".template")) and (
        name not in SERVERLESS_NAMES) and not name.startswith(("package", "composer", "tsconfig"))


@repository_reader("serverless", "serverless.yml",
                   claims=lambda path: file_name(path) in SERVERLESS_NAMES)
def read_serverless(text: str, path: str) -> Iterator[Clue]:
    for document in load_documents(text, path):
        config = mapping(document)
        provider = config.get("provider")
        name = text_of(mapping(provider).get("name")) or text_of(provider)
        if name:
            yield Clue("serverless", f"provider:{name}", path, line_of(name))
        for function_name, function in mapping(config.get("functions")).items():
            yield Clue("serverless", "function", path, line_of(function_name))
            for event in sequence(mapping(function).get("events")):
                for event_type in mapping(event):
                    yield Clue("serverless", f"event:{event_type}", path, line_of(event_type))


def _is_template(document: Any) -> bool:
    template = mapping(document)
    transform = template.get("Transform")
    return ("AWSTemplateFormatVersion" in template or isinstance(transform, (str, list))
            or any(str(text_of(mapping(r).get("Type")) or "").startswith("AWS::")
                   for r in mapping(template.get("Resources")).values()))


@repository_reader("cloudformation", "AWS SAM and CloudFormation templates",
                   claims=is_template)
def read_template(text: str, path: str) -> Iterator[Clue]:
    if "Resources" not in text:
        return
    for document in load_documents(text, path):
        if not _is_template(document):
            continue
        for resource in mapping(mapping(document).get("Resources")).values():
            kind = text_of(mapping(resource).get("Type"))
            if kind:
                yield Clue("cloudformation", kind, path, line_of(kind))
