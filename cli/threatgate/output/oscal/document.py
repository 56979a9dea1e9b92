"""What the OSCAL documents of a model share: metadata, properties, the model file as a
back-matter resource, the timestamp, and the JSON text.

OSCAL's JSON format writes ``markup-line`` and ``markup-multiline`` fields as Markdown,
so text from the model goes through the Markdown escapers (shown as written, never
interpreted); property values are one trimmed line. Empty lists and absent values are
left out, as the OSCAL JSON schemas want (their arrays hold at least one item).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from threatgate.output.escape.markdown import md_inline, md_paragraphs
from threatgate.output.escape.text import one_line_collapsed, utf8_text
from threatgate.output.oscal.ids import NAMESPACE, OSCAL_VERSION, entity_uuid

if TYPE_CHECKING:
    from threatgate.analysis.assessment import ControlView
    from threatgate.output.model_export import ModelDocument

#: The media type of a model file (YAML), in the back-matter resource that points at it.
YAML_MEDIA_TYPE = "application/yaml"


def timestamp(document: ModelDocument) -> str:
    """When the document was made: the export's time, or midnight (UTC) of its day."""
    return document.generated_at or f"{document.today.isoformat()}T00:00:00Z"


def prop(name: str, value: str, *, css_class: str | None = None) -> dict[str, str] | None:
    """A threatgate property; ``None`` (left out) when the value is blank."""
    text = one_line_collapsed(utf8_text(value)).strip()
    if not text:
        return None
    found = {"name": name, "ns": NAMESPACE, "value": text}
    if css_class:
        found["class"] = css_class
    return found


def props(*found: dict[str, str] | None) -> list[dict[str, str]]:
    return [p for p in found if p is not None]


def compact(value: Any) -> Any:
    """``value`` without the keys whose value is ``None`` or an empty list."""
    if isinstance(value, Mapping):
        return {k: compact(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [compact(v) for v in value]
    return value


def line(text: str | None) -> str:
    """User text in a ``markup-line`` field."""
    return md_inline(utf8_text(text or ""))


def paragraphs(text: str | None) -> str:
    """User text in a ``markup-multiline`` field."""
    return md_paragraphs(utf8_text(text or ""))


def model_title(document: ModelDocument) -> str:
    a = document.assessment
    return line(a.title) if a.title.strip() else line(a.model_id)


def metadata(document: ModelDocument, title: str) -> dict[str, Any]:
    """The ``metadata`` of a document about the model: its version is the model file's
    SHA-256, so that it changes exactly when the model does."""
    a = document.assessment
    return {
        "title": title,
        "last-modified": timestamp(document),
        "version": document.sha256 or "unversioned",
        "oscal-version": OSCAL_VERSION,
        "props": props(prop("model", a.model_id), prop("system", a.system or ""),
                       prop("owner", a.owner or "")),
    }


def source_uuid(document: ModelDocument) -> str:
    return entity_uuid(document.assessment.model_id, "source")


def back_matter(document: ModelDocument) -> dict[str, Any]:
    """The model file as the one resource, with its SHA-256."""
    path = utf8_text(document.assessment.path)
    rlink: dict[str, Any] = {"href": path_href(path), "media-type": YAML_MEDIA_TYPE}
    if document.sha256:
        rlink["hashes"] = [{"algorithm": "SHA-256", "value": document.sha256}]
    return {"resources": [{
        "uuid": source_uuid(document),
        "title": f"threatgate model {line(document.assessment.model_id)}",
        "description": f"The threat model file {line(path)}.",
        "rlinks": [rlink],
    }]}


def path_href(path: str) -> str:
    """A file path as a relative URI reference (``src/a b.py`` -> ``src/a%20b.py``)."""
    return quote(utf8_text(path), safe="/")


def control_line(control: ControlView) -> str:
    """``**C1** Parameterised queries only``: a control in a Markdown list."""
    title = f" {line(control.title)}" if control.title.strip() else ""
    return f"**{line(control.id)}**{title}"


def dump(root: str, body: Mapping[str, Any]) -> bytes:
    """The document as indented UTF-8 JSON with a final newline (a lone surrogate, from a
    file name that is not UTF-8, as ``\\udcXX``)."""
    text = json.dumps({root: compact(body)}, indent=2, ensure_ascii=False) + "\n"
    return text.encode("utf-8", "backslashreplace")
