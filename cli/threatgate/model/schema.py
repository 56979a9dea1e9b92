"""Check model data against the JSON Schema in ``schemas/``.

Two engines share one schema. ``jsonschema-rs`` (compiled) answers "is this valid?"
in a fraction of a millisecond, which is all a valid model needs. Only when it says no
does the reference implementation, ``jsonschema``, walk the document again to list every
problem with its path; that keeps messages detailed without paying for them on the
common path. Without ``jsonschema-rs`` the reference implementation does both jobs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from threatgate import __version__
from threatgate.support.fsutil import GIT_REFUSAL, in_git_folder
from threatgate.support.resources import schema_dir

MODEL_SCHEMA = "threatmodel.schema.json"
CONFIG_SCHEMA = "config.schema.json"

#: Where the schema files of this release are published: every file's ``$id`` is this
#: folder plus its name, so references between the files resolve to the same release.
SCHEMA_BASE_URL = (
    f"https://raw.githubusercontent.com/threatgate/threatgate/v{__version__}/schemas/"
)


def schema_url(name: str = MODEL_SCHEMA) -> str:
    """The published URL (and ``$id``) of a shipped schema file of this release."""
    return SCHEMA_BASE_URL + name


def modeline(name: str = MODEL_SCHEMA) -> str:
    """The first line of a model file that points the YAML language server at the schema
    of the release that wrote it (never a moving branch)."""
    return f"# yaml-language-server: $schema={schema_url(name)}"

JsonPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class SchemaProblem:
    """One schema violation: where it is in the data, what is wrong, which keyword failed."""

    path: JsonPath
    message: str
    keyword: str


def format_path(path: JsonPath) -> str:
    """Render a data path the way a reader finds it in the file: ``controls[3].status``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def schema_files_in(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.schema.json"))


@cache
def _documents(directory: Path) -> dict[str, Any]:
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in schema_files_in(directory)
    }


def schema_files() -> list[Path]:
    """The shipped schema files, by name."""
    return schema_files_in(schema_dir())


def schema_documents() -> dict[str, Any]:
    """All shipped schema documents by file name."""
    return _documents(schema_dir())


def document_uri(name: str, document: Mapping[str, Any]) -> str:
    """The URI a schema document is known by: its ``$id``, else its file name."""
    uri = document.get("$id")
    return uri if isinstance(uri, str) else name


def resolve_refs(spec: Mapping[str, Any], documents: Mapping[str, Any],
                 current: str) -> tuple[dict[str, Any], str]:
    """A schema node with its ``$ref`` chain merged in (the node's own keys win), and the
    schema file the last reference led to (relative references start from there)."""
    merged: dict[str, Any] = {}
    for _ in range(16):
        for key, value in spec.items():
            merged.setdefault(key, value)
        ref = spec.get("$ref")
        if not isinstance(ref, str):
            break
        document, _, pointer = ref.partition("#")
        current = document or current
        target: Any = documents[current]
        for part in [p for p in pointer.split("/") if p]:
            target = target[part]
        spec = target
    merged.pop("$ref", None)
    return merged, current


def never_fetch(uri: str) -> Any:
    """The retriever of every validator: the shipped schemas are all there is; a reference
    outside them is an error in the schema files, never a download."""
    raise LookupError(f"schema {uri} is not shipped with threatgate (nothing is fetched)")


@cache
def _reference_validator(name: str) -> Any:
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    documents = schema_documents()
    # Every reference resolves inside this registry; a reference it does not hold is an
    # error, never a download.
    registry: Registry[Any] = Registry().with_resources(
        (document_uri(name, doc), Resource.from_contents(doc, default_specification=DRAFT202012))
        for name, doc in documents.items()
    )
    return jsonschema.Draft202012Validator(documents[name], registry=registry)


@cache
def _fast_validator(name: str) -> Any:
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - jsonschema-rs has wheels for common platforms
        return _reference_validator(name)
    documents = schema_documents()
    registry = jsonschema_rs.Registry(
        [(document_uri(uri, doc), doc) for uri, doc in documents.items()], retriever=never_fetch)
    return jsonschema_rs.Draft202012Validator(documents[name], registry=registry,
                                              retriever=never_fetch)


def is_valid(data: Any, name: str = MODEL_SCHEMA) -> bool:
    return bool(_fast_validator(name).is_valid(data))


def check(data: Any, name: str = MODEL_SCHEMA) -> list[SchemaProblem]:
    """Return every schema problem of ``data``; an empty list when it is valid."""
    if is_valid(data, name):
        return []
    validator = _reference_validator(name)
    problems = {
        (p.path, p.message): p for error in validator.iter_errors(data) for p in _explain(error)
    }
    if not problems:
        # The engines disagree only where Python's regular expressions are more lenient
        # than ECMA 262 (``$`` also matches before a final newline): trust the strict one.
        problems = {(p.path, p.message): p for p in _fast_problems(data, name)}
    return sorted(problems.values(), key=lambda p: (tuple(map(str, p.path)), p.message))


def _fast_problems(data: Any, name: str) -> Iterator[SchemaProblem]:
    for error in _fast_validator(name).iter_errors(data):
        path: JsonPath = tuple(getattr(error, "instance_path", ()))
        where = format_path(path)
        keyword = type(getattr(error, "kind", error)).__name__.rsplit("_", 1)[-1].lower()
        message = str(getattr(error, "message", error))
        if isinstance(getattr(error, "instance", None), str) and "\n" in error.instance:
            message = f"{error.instance!r} must be a single line without a trailing newline"
        yield SchemaProblem(path, f"{where}: {message}" if where else message, keyword)


def _required_choices(options: Any) -> list[str]:
    """The keys of a oneOf/anyOf whose options each just require one key, else []."""
    if not isinstance(options, list):
        return []
    keys = []
    for option in options:
        required = option.get("required") if isinstance(option, dict) else None
        if not required or len(required) != 1:
            return []
        keys.append(required[0])
    return keys


def _explain(error: Any) -> Iterator[SchemaProblem]:
    """Turn a jsonschema error into located, self-explaining problems."""
    path: JsonPath = tuple(error.absolute_path)
    keyword = str(error.validator)
    if keyword in ("oneOf", "anyOf"):
        choices = _required_choices(error.validator_value)
        if choices:
            where = format_path(path) or "the top level"
            given = [c for c in choices if isinstance(error.instance, dict) and c in error.instance]
            how = "exactly one" if keyword == "oneOf" else "at least one"
            detail = f" (found {' and '.join(given)})" if given else ""
            yield SchemaProblem(
                path, f"{where}: give {how} of {', '.join(choices)}{detail}", keyword
            )
            return
    if keyword in ("oneOf", "anyOf") and error.context:
        from jsonschema.exceptions import best_match

        yield from _explain(best_match(error.context))
        return
    import difflib  # only to explain a problem: valid models never need it

    if keyword == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        for key in error.instance:
            if key in allowed or not isinstance(key, str) or key.startswith("x-"):
                continue
            hint = difflib.get_close_matches(key, allowed, n=1)
            suggestion = (
                f"; did you mean '{hint[0]}'?"
                if hint
                else (f"; allowed: {', '.join(allowed)}" if allowed else "")
            )
            where = format_path(path) or "the top level"
            yield SchemaProblem(
                (*path, key), f"unknown key '{key}' in {where}{suggestion}", keyword
            )
        return
    where = format_path(path)
    message = error.message
    if keyword == "enum" and isinstance(error.instance, str):
        options = [str(o) for o in error.validator_value]
        hint = difflib.get_close_matches(error.instance, options, n=1)
        message = f"'{error.instance}' is not one of {', '.join(options)}"
        if hint:
            message += f"; did you mean '{hint[0]}'?"
    elif keyword == "pattern" and ".git/" in str(error.schema.get("$comment", "")) \
            and isinstance(error.instance, str) and in_git_folder(error.instance):
        message = f"{error.instance!r} {GIT_REFUSAL}"  # a repository path into git's folder
    elif keyword == "pattern":
        message = f"{error.instance!r} does not have the expected form"
        form = error.schema.get("$comment")
        if form:
            message += f" ({form})"
    elif keyword == "const" and path == ("threatgate",):
        if str(error.instance) == str(error.validator_value):
            message = "write 'threatgate: 1' with a number, not a quoted string"
        else:
            message = f"format version {error.instance!r} is not supported; write 'threatgate: 1'"
    yield SchemaProblem(path, f"{where}: {message}" if where else message, keyword)
