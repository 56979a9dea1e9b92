"""What every importer shares: reading the source with located errors, the draft model
with stable ids, the fidelity report, and the mapping of common vocabularies.

The rule that keeps imports honest lives here: an importer reads a source object through
:class:`Fields`, marking each field it maps; :meth:`Draft.keep` then stores every field it
did not map in the entry's ``x-<format>`` extension field and lists it in the report. So a
field an importer does not know (a newer version of the tool, a custom attribute) is
kept, never dropped silently.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from threatgate.importers.base import ImportRefused, SourcePath, pointer
from threatgate.model.loader import LoadedDocument, LoadError, load_text
from threatgate.model.vocabulary import COLLECTIONS

MAX_ID = 64
MAX_NAME = 200
#: Keys longer than this are written by YAML in a form fmt does not keep.
MAX_KEY = 100
#: Nesting the source may have; deeper input is refused with its location.
MAX_SOURCE_DEPTH = 48


# --- the source --------------------------------------------------------------------------


@dataclass
class Source:
    """The parsed source document, with where its values sit when known."""

    data: dict[str, Any]
    display: str
    document: LoadedDocument | None = None
    #: The source text, read again with positions only when a refusal needs them.
    text: str | None = None

    def fail(self, path: SourcePath, message: str) -> NoReturn:
        """Refuse the import at ``path``: its line and column, and its JSON pointer."""
        line, column = self.locate(path)
        raise ImportRefused(f"{message} (at {pointer(path)})", path=self.display,
                            line=line, column=column)

    def locate(self, path: SourcePath) -> tuple[int, int]:
        if self.document is None and self.text is not None:
            try:
                self.document = load_text(self.text, max_depth=MAX_SOURCE_DEPTH, locate=True)
            except LoadError:
                self.text = None
        return self.document.locate(path) if self.document else (1, 1)

    def root(self) -> Fields:
        return Fields(self, (), self.data)


def kind_of(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def empty(value: Any) -> bool:
    """A value that says nothing: null, an empty string, list or object."""
    return value is None or (isinstance(value, (str, list, dict)) and not value)


class Fields:
    """The fields of one source object; each read marks the field as mapped."""

    def __init__(self, source: Source, path: SourcePath, value: Any) -> None:
        if not isinstance(value, dict):
            source.fail(path, f"expected an object, found {kind_of(value)}")
        self.source = source
        self.path = path
        self.data: dict[str, Any] = value
        self.used: set[str] = set()

    def at(self, key: str) -> SourcePath:
        return (*self.path, key)

    def fail(self, key: str, message: str) -> NoReturn:
        self.source.fail(self.at(key), message)

    def raw(self, key: str, *, mark: bool = True) -> Any:
        """The value as it is (``None`` when absent)."""
        if mark:
            self.used.add(key)
        return self.data.get(key)

    def text(self, key: str, *, mark: bool = True) -> str | None:
        """A text field: a string (numbers are read as text); ``None`` when absent or empty."""
        value = self.raw(key, mark=mark)
        if value is None:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.fail(key, f"expected text, found {kind_of(value)}")
        return clean_text(value) or None

    def flag(self, key: str, *, mark: bool = True) -> bool | None:
        value = self.raw(key, mark=mark)
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        self.fail(key, f"expected true or false, found {kind_of(value)}")

    def number(self, key: str, *, mark: bool = True) -> float | None:
        value = self.raw(key, mark=mark)
        if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
            return value
        self.fail(key, f"expected a number, found {kind_of(value)}")

    def whole(self, key: str, *, mark: bool = True) -> int | None:
        """A whole number (``3`` or ``3.0``); ``None`` when absent or not whole."""
        value = self.number(key, mark=mark)
        if value is None or not math.isfinite(value) or not float(value).is_integer():
            return None
        return int(value)

    def seq(self, key: str, *, mark: bool = True) -> list[Any]:
        """A list field (``[]`` when absent or null)."""
        value = self.raw(key, mark=mark)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(key, f"expected a list, found {kind_of(value)}")
        return value

    def texts(self, key: str) -> list[str]:
        """A list of texts (a single text is read as a list of one)."""
        value = self.raw(key, mark=False)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            single = self.text(key)
            return [single] if single else []
        out = []
        for index, item in enumerate(self.seq(key)):
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                item = str(item)
            if not isinstance(item, str):
                self.source.fail((*self.at(key), index), f"expected text, found {kind_of(item)}")
            if clean_text(item):
                out.append(clean_text(item))
        return out

    def obj(self, key: str) -> Fields | None:
        """A nested object field (``None`` when absent or null)."""
        value = self.raw(key)
        return None if value is None else Fields(self.source, self.at(key), value)

    def objects(self, key: str) -> Iterator[Fields]:
        """The objects of a list field."""
        for index, item in enumerate(self.seq(key)):
            yield Fields(self.source, (*self.at(key), index), item)

    def named(self, key: str) -> Iterator[tuple[str, Fields]]:
        """The entries of a map of name -> object (Threagile's layout)."""
        value = self.raw(key)
        if value is None:
            return
        if not isinstance(value, dict):
            self.fail(key, f"expected a map of names to objects, found {kind_of(value)}")
        for name, item in value.items():
            yield str(name), Fields(self.source, (*self.at(key), str(name)), item)

    def rest(self) -> dict[str, Any]:
        """The fields not mapped, empty ones left out."""
        return {k: v for k, v in self.data.items() if k not in self.used and not empty(v)}

    def empties(self) -> int:
        """How many fields not mapped are empty (null, "", [] or {}): they say nothing."""
        return sum(1 for k, v in self.data.items() if k not in self.used and empty(v))


# --- text and ids ------------------------------------------------------------------------

_NOT_PLAIN_ASCII = re.compile(r"[^\x20-\x7e]")
#: Characters that make YAML write a key in its explicit form.
_LINE_OR_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """Text as a model carries it: newlines for every line break, no control characters
    or lone surrogates, no surrounding blanks."""
    if not _NOT_PLAIN_ASCII.search(text):
        return text.strip()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n").replace("\x85", "\n")
    return _CONTROL.sub("", text).strip()


def model_id(title: str) -> str:
    """A model id from a title: ASCII lower case, digits and hyphens, at most 64."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    made = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:MAX_ID].rstrip("-")
    return made or "imported-model"

_INVISIBLE = ("Cf", "Cs", "Co", "Cn")


def one_line(text: str | None, fallback: str) -> str:
    """A name: one line of at most 200 characters, never empty."""
    cleaned = " ".join(clean_text(text or "").split())
    if not cleaned.isascii():
        cleaned = "".join(c for c in cleaned if unicodedata.category(c) not in _INVISIBLE)
    if len(cleaned) > MAX_NAME:
        cut = cleaned[: MAX_NAME - 3]
        cleaned = (cut.rsplit(" ", 1)[0] if " " in cut[100:] else cut).rstrip(" ,;:") + "..."
    return cleaned or (one_line(fallback, "Unnamed") if fallback.strip() else "Unnamed")


def plain(value: Any) -> Any:
    """A source value as the model can carry it in an extension field (text cleaned)."""
    if isinstance(value, str):
        return clean_text(value) if ("\n" in value or _needs_cleaning(value)) else value
    if isinstance(value, float) and "e" in repr(value):
        return repr(value)  # exponent notation does not survive every YAML reader alike
    if isinstance(value, list):
        # A list of objects directly inside a list has no layout fmt keeps: it is kept
        # as {"items": [...]}.
        items = [plain(v) for v in value]
        return [{"items": v} if isinstance(v, list) and _holds_object(v) else v for v in items]
    if isinstance(value, dict):
        if any(len(str(k)) > MAX_KEY or _LINE_OR_CONTROL.search(str(k)) for k in value):
            # YAML writes a long or multi-line key in its explicit "? key" form, which
            # fmt and many readers treat differently: keep the pairs as a list instead.
            return [{"key": plain(str(k)), "value": plain(v)} for k, v in value.items()]
        return {plain(str(k)): plain(v) for k, v in value.items()}
    return value


def _holds_object(value: Any) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            return True
        if isinstance(item, list):
            pending.extend(item)
    return False


def extension_key(key: str) -> str:
    """A key of an extension field: at most 100 characters (a digest keeps it unique)."""
    key = " ".join(clean_text(key).split())
    if len(key) > MAX_KEY:
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        key = key[: MAX_KEY - 9] + "-" + digest
    return str(plain(key))


def _needs_cleaning(text: str) -> bool:
    return any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF
               or c in "\ufffe\uffff" for c in text)


def slug(text: str, prefix: str) -> str:
    """An entity id from a source id or name: stable, and the same for the same input."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    candidate = re.sub(r"[^A-Za-z0-9_.-]+", "-", ascii_text).strip("-._")
    candidate = re.sub(r"-{2,}", "-", candidate)
    if not candidate or not candidate[0].isalpha():
        candidate = f"{prefix}-{candidate}" if candidate else prefix
    if len(candidate) > MAX_ID:
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        candidate = candidate[: MAX_ID - 9].rstrip("-._") + "-" + digest
    return candidate


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def short_id(source_id: str, prefix: str) -> str:
    """A readable id for a source id: ``PREFIX-`` and the first 8 digits of a UUID."""
    if _UUID.fullmatch(source_id):
        return f"{prefix}-{source_id[:8].lower()}"
    return slug(source_id, prefix)


def describe(entry: dict[str, Any], fields: Fields, key: str = "description") -> None:
    """Copy a text field of the source into the entry's ``description``, if it says something."""
    text = fields.text(key)
    if text:
        entry["description"] = text


def copy_tags(entry: dict[str, Any], fields: Fields) -> None:
    """Copy the source's ``tags`` into the entry's tags (made valid)."""
    tags = tags_of(fields.texts("tags"))
    if tags:
        entry["tags"] = tags


# --- the fidelity report ---------------------------------------------------------------


@dataclass
class Fidelity:
    """What mapped to what, what was kept where, and what was decided along the way."""

    mapped: list[dict[str, str]] = field(default_factory=list)
    kept: list[dict[str, str]] = field(default_factory=list)
    notes: list[dict[str, str]] = field(default_factory=list)
    #: Fields without a value (null, "", [] or {}) left out of extension fields.
    empty: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"mapped": self.mapped, "kept": self.kept, "notes": self.notes,
                "empty_fields_left_out": self.empty}


# --- the draft model -----------------------------------------------------------------------


class Draft:
    """The model being built: ids handed out once, entries in source order, the report."""

    def __init__(self, format_name: str) -> None:
        self.extension = f"x-{format_name}"
        self.model: dict[str, Any] = {"threatgate": 1}
        self.entries: dict[str, list[dict[str, Any]]] = {c: [] for c in COLLECTIONS}
        self.by_id: dict[tuple[str, str], dict[str, Any]] = {}
        self.ids: set[str] = set()
        self.report = Fidelity()

    def new_id(self, source_id: str, prefix: str) -> str:
        """A fresh id made from ``source_id`` (a suffix makes clashes unique)."""
        base = slug(source_id, prefix)
        candidate, number = base, 1
        while candidate in self.ids:
            number += 1
            suffix = f"-{number}"
            candidate = base[: MAX_ID - len(suffix)] + suffix
        self.ids.add(candidate)
        return candidate

    def add(self, collection: str, entry: dict[str, Any], source: SourcePath) -> dict[str, Any]:
        """Add an entry, recording what it was made from."""
        self.entries[collection].append(entry)
        if isinstance(entry.get("id"), str):
            self.by_id.setdefault((collection, entry["id"]), entry)
        self.report.mapped.append({"from": pointer(source), "to": target(collection, entry)})
        return entry

    def keep(self, fields: Fields, entry: dict[str, Any] | None = None,
             collection: str | None = None, *, under: str | None = None) -> None:
        """Store the fields the importer did not map in the extension field of ``entry``
        (of the model when ``None``), below the key ``under`` if given, and report them."""
        self.report.empty += fields.empties()
        rest = fields.rest()
        if not rest:
            return
        holder = self.model if entry is None else entry
        kept = holder.setdefault(self.extension, {})
        prefix = f"{self.extension}."
        if under is not None:
            under = extension_key(under)
            kept = kept.setdefault(under, {})
            prefix += f"{under}."
        where = target(collection, entry) if collection and entry is not None else "model"
        for key, value in rest.items():
            name = extension_key(str(key))
            kept[name] = plain(value)
            self.report.kept.append({"from": pointer(fields.at(key)),
                                     "to": f"{where}: {prefix}{name}"})

    def keep_value(self, source: SourcePath, key: str, value: Any,
                   entry: dict[str, Any] | None, collection: str | None, why: str) -> None:
        """Keep one value that has no equivalent on ``entry`` (the model when ``None``)."""
        holder = self.model if entry is None else entry
        key = extension_key(key)
        holder.setdefault(self.extension, {})[key] = plain(value)
        self.report.kept.append({"from": pointer(source),
                                 "to": f"{target(collection, entry)}: {self.extension}.{key}",
                                 "why": why})

    def find(self, collection: str, entity_id: str) -> dict[str, Any]:
        """The entry of ``collection`` with ``entity_id`` (added earlier by the importer)."""
        return self.by_id[(collection, entity_id)]

    def link_mitigation(self, threat_id: str, control_id: str) -> None:
        """List ``control_id`` among the mitigations of the threat ``threat_id``."""
        mitigations = self.find("threats", threat_id).setdefault("mitigations", [])
        if control_id not in mitigations:
            mitigations.append(control_id)

    def note(self, source: SourcePath, text: str) -> None:
        """A decision the reader should know about (a default chosen, a value derived)."""
        self.report.notes.append({"from": pointer(source), "note": text})

    def finish(self) -> dict[str, Any]:
        """The model: top-level fields, then the non-empty collections in schema order."""
        model = {key: value for key, value in self.model.items() if value is not None}
        extension = model.pop(self.extension, None)
        for collection, entries in self.entries.items():
            if entries:
                model[collection] = entries
        if extension:
            model[self.extension] = extension
        return model


def target(collection: str | None, entry: Mapping[str, Any] | None) -> str:
    """How the report names an entry: ``components/web``."""
    if collection is None or entry is None:
        return "model"
    return f"{collection}/{entry.get('id', '?')}"


# --- shared vocabularies ------------------------------------------------------------------

STRIDE_NAMES = {
    "spoofing": "spoofing", "s": "spoofing",
    "tampering": "tampering", "t": "tampering",
    "repudiation": "repudiation", "r": "repudiation",
    "informationdisclosure": "information_disclosure", "i": "information_disclosure",
    "denialofservice": "denial_of_service", "d": "denial_of_service",
    "elevationofprivilege": "elevation_of_privilege", "e": "elevation_of_privilege",
}


def stride_of(text: str) -> str | None:
    """The STRIDE category of a name or letter ("Information disclosure", "I"), if any."""
    return STRIDE_NAMES.get(re.sub(r"[^a-z]", "", text.lower()))


SEVERITY_NAMES = {
    "critical": "critical", "veryhigh": "critical", "missioncritical": "critical",
    "high": "high", "elevated": "high",
    "medium": "medium", "moderate": "medium",
    "low": "low", "verylow": "low",
}


def severity_of(text: str) -> str | None:
    """The severity band of a source's severity or priority word, if it has one."""
    return SEVERITY_NAMES.get(re.sub(r"[^a-z]", "", text.lower()))


LIKELIHOOD_SCORES = {"verylow": 1, "low": 2, "medium": 3, "high": 4, "veryhigh": 5}


def likelihood_of(text: str) -> int | None:
    """A 1-5 likelihood from a five-level word scale, if it is one."""
    return LIKELIHOOD_SCORES.get(re.sub(r"[^a-z]", "", text.lower()))


def component_flags(type_id: str, wanted: Mapping[str, bool | None]) -> list[str]:
    """The ``flags`` that give a component of ``type_id`` the flags the source says it has
    (``True``) or has not (``False``): the type's defaults are neither repeated nor left
    standing when the source says otherwise."""
    from threatgate.generate.catalogue import builtin_catalogue

    tech = builtin_catalogue().types.get(type_id)
    defaults = tech.flags if tech else frozenset()
    flags = []
    for flag, value in wanted.items():
        if value is True and flag not in defaults:
            flags.append(flag)
        elif value is False and flag in defaults:
            flags.append(f"no_{flag}")
    return flags


_TAG_CHARS = re.compile(r"[^A-Za-z0-9_.:/-]+")


def tags_of(values: list[str]) -> list[str]:
    """Source tags as model tags (letters, digits, ``_.:/-``; at most 64 characters)."""
    out: list[str] = []
    for value in values:
        tag = _TAG_CHARS.sub("-", value).strip("-_.:/")[:64]
        if tag and tag not in out:
            out.append(tag)
    return out
