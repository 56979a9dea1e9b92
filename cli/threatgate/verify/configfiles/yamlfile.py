"""YAML configuration files, read by the model loader.

Anchors, aliases, tags and duplicate keys are refused (an ``error``, never expanded);
values follow YAML 1.2 (``yes``/``on`` are text); the top level must be a mapping and the
file must hold one document. A key's line comes from the loader's locations.
"""

from __future__ import annotations

from threatgate.model.loader import LoadError, load_text
from threatgate.verify.configfiles.base import (
    ConfigFileError,
    ConfigFormat,
    KeyPath,
    Parsed,
    config_format,
)

YAML_MAX_DEPTH = 64


def _parse_yaml(text: str, path: str) -> Parsed:
    try:
        document = load_text(text, max_depth=YAML_MAX_DEPTH, locate=True)
    except LoadError as exc:
        if exc.rule in ("not-a-mapping", "file-empty"):
            message = "its top level is not a mapping of keys"
        else:
            message = (exc.message.replace("in model files", "in evidence files")
                       .replace("model files use", "evidence files use")
                       .replace("to be a value of a model", "to be a value")
                       .replace("keep one model per file", "only single-document files "
                                "are read"))
        raise ConfigFileError(f"{path} cannot be read as YAML: {message} (line {exc.line}, "
                          f"column {exc.column})") from None
    return Parsed(document.data, True, yaml_locations=document.locations)


def _yaml_line(_text: str, parsed: Parsed, path: KeyPath) -> int | None:
    found = (parsed.yaml_locations or {}).get(path)
    return found[0] if found else None


FORMAT = config_format(ConfigFormat("yaml", _parse_yaml, _yaml_line,
                                    extensions=(".yaml", ".yml")))
