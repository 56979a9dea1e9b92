"""The match language of rule packs: declarative YAML compiled to predicates, never eval'd.

An expression is a mapping whose keys all must hold::

    when:
      component: {type: [database], flags: {all: [internet_facing], none: [public_read]}}
      data: {kind: [personal_data], min_classification: confidential}
    unless:
      any:
        - inbound: {dataflow: {authenticated: true}}

A rule of scope ``component`` is evaluated on each component (keys ``component``,
``data``, ``inbound``, ``outbound``); a rule of scope ``dataflow`` on each data flow
(keys ``dataflow``, ``source``, ``target``, ``data``). ``all``, ``any`` and ``not``
combine expressions anywhere. Compilation checks every key against the scope and every
flag and type against the vocabulary, so a misspelt name is a load error instead of a
rule that silently never fires. Compiled predicates are plain closures over frozen sets:
evaluating one is a handful of set operations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

JsonPath = tuple[str | int, ...]

CLASSIFICATION_ORDER = {"public": 0, "internal": 1, "confidential": 2, "restricted": 3}

#: Protocols whose name says whether they encrypt; anything else is unknown unless the
#: model says ``encrypted``.
ENCRYPTED_PROTOCOLS = frozenset({
    "https", "tls", "ssl", "ssh", "sftp", "scp", "ftps", "wss", "grpcs", "amqps", "mqtts",
    "smtps", "imaps", "ldaps", "rediss", "postgresql+tls", "mtls", "ipsec", "wireguard",
    "http/2+tls", "h2", "quic", "http3", "kafka+tls", "sql+tls",
})
PLAINTEXT_PROTOCOLS = frozenset({
    "http", "ftp", "telnet", "ws", "amqp", "mqtt", "smtp", "imap", "pop3", "ldap", "redis",
    "memcached", "tftp", "snmp", "nfs", "smb", "rsh", "h2c",
})


class ExpressionError(Exception):
    """An expression that cannot be compiled; ``path`` points into the pack document."""

    def __init__(self, path: JsonPath, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


@dataclass(frozen=True, slots=True)
class AssetView:
    """What the match language sees of an asset."""

    id: str
    kind: str | None
    classification: str | None
    properties: frozenset[str]


@dataclass(slots=True, eq=False)
class ComponentView:
    """What the match language sees of a component (its flags already resolved)."""

    id: str
    name: str
    type: str | None
    category: str | None
    flags: frozenset[str]
    boundary: str | None
    inbound: list[FlowView] = field(default_factory=list)
    outbound: list[FlowView] = field(default_factory=list)
    _assets: tuple[AssetView, ...] | None = None

    @property
    def assets(self) -> tuple[AssetView, ...]:
        """Assets carried by every flow into or out of the component, each once."""
        if self._assets is None:
            seen: dict[str, AssetView] = {}
            for flow in (*self.inbound, *self.outbound):
                for asset in flow.assets:
                    seen.setdefault(asset.id, asset)
            self._assets = tuple(seen.values())
        return self._assets


@dataclass(slots=True, eq=False)
class FlowView:
    """What the match language sees of a data flow."""

    id: str
    name: str
    protocol: str | None
    encrypted: bool | None
    authenticated: bool | None
    source: ComponentView
    target: ComponentView
    assets: tuple[AssetView, ...]

    @property
    def crosses_boundary(self) -> bool:
        a, b = self.source.boundary, self.target.boundary
        return a != b if (a is not None or b is not None) else False


def infer_encrypted(protocol: str | None, explicit: bool | None) -> bool | None:
    """The model's ``encrypted`` when given, else what a well-known protocol implies."""
    if explicit is not None:
        return explicit
    if protocol is None:
        return None
    name = protocol.strip().lower()
    if name in ENCRYPTED_PROTOCOLS:
        return True
    if name in PLAINTEXT_PROTOCOLS:
        return False
    return None


Predicate = Callable[[Any], bool]


@dataclass(frozen=True)
class Vocabulary:
    """Names an expression may use: known flags and component types."""

    flags: frozenset[str]
    types: frozenset[str]


COMPONENT_KEYS = frozenset({"component", "data", "inbound", "outbound", "all", "any", "not"})
DATAFLOW_KEYS = frozenset({"dataflow", "source", "target", "data", "all", "any", "not"})


def every(checks: Sequence[Callable[[Any], bool]]) -> Callable[[Any], bool]:
    """True when all ``checks`` are, tried in order up to the first false one."""
    return _joined(checks, conjunction=True)


def some(checks: Sequence[Callable[[Any], bool]]) -> Callable[[Any], bool]:
    """True when one of ``checks`` is, tried in order up to the first true one."""
    return _joined(checks, conjunction=False)


def _joined(checks: Sequence[Callable[[Any], bool]], *,
            conjunction: bool) -> Callable[[Any], bool]:
    """The rules run over every component and flow of a model (tens of thousands of calls
    on a large one); one or two checks, the usual case, are joined without a generator
    per call."""
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        if conjunction:
            return lambda element: first(element) and second(element)
        return lambda element: first(element) or second(element)
    combine = all if conjunction else any
    return lambda element: combine(check(element) for check in checks)


def compile_expression(expr: Any, scope: str, path: JsonPath,
                       vocabulary: Vocabulary) -> Predicate:
    """Compile ``expr`` for ``scope`` ("component" or "dataflow") into a predicate."""
    if not isinstance(expr, Mapping) or not expr:
        raise ExpressionError(path, "an expression is a non-empty mapping")
    allowed = COMPONENT_KEYS if scope == "component" else DATAFLOW_KEYS
    parts: list[Predicate] = []
    for key, value in expr.items():
        here = (*path, key)
        if key not in allowed:
            raise ExpressionError(
                here, f"{key!r} cannot be used in a rule of scope {scope}; "
                f"use one of {', '.join(sorted(allowed))}")
        parts.append(_compile_key(key, value, scope, here, vocabulary))
    return every(parts)


def _compile_key(key: str, value: Any, scope: str, path: JsonPath,
                 vocabulary: Vocabulary) -> Predicate:
    if key in ("all", "any"):
        if not isinstance(value, Sequence) or isinstance(value, str) or not value:
            raise ExpressionError(path, f"{key!r} takes a non-empty list of expressions")
        subs = [compile_expression(item, scope, (*path, i), vocabulary)
                for i, item in enumerate(value)]
        if key == "all":
            return every(subs)
        return some(subs)
    if key == "not":
        sub = compile_expression(value, scope, path, vocabulary)
        return lambda element: not sub(element)
    if key == "component":
        match = _component_matcher(value, path, vocabulary)
        return match
    if key == "source":
        match = _component_matcher(value, path, vocabulary)
        return lambda flow: match(flow.source)
    if key == "target":
        match = _component_matcher(value, path, vocabulary)
        return lambda flow: match(flow.target)
    if key == "dataflow":
        return _flow_matcher(value, path)
    if key == "data":
        asset_match = _data_matcher(value, path)
        return lambda element: any(asset_match(asset) for asset in element.assets)
    # inbound / outbound: some flow into / out of the component matches
    sub = compile_expression(value, "dataflow", path, vocabulary)
    if key == "inbound":
        return lambda component: any(sub(flow) for flow in component.inbound)
    return lambda component: any(sub(flow) for flow in component.outbound)


def _mapping(value: Any, path: JsonPath, what: str, keys: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or not value:
        raise ExpressionError(path, f"{what} conditions are a non-empty mapping")
    for key in value:
        if key not in keys:
            raise ExpressionError((*path, key), f"unknown {what} condition {key!r}; "
                                  f"use one of {', '.join(sorted(keys))}")
    return value


def _names(value: Any, path: JsonPath) -> frozenset[str]:
    if (not isinstance(value, Sequence) or isinstance(value, str) or not value
            or not all(isinstance(item, str) and item for item in value)):
        raise ExpressionError(path, "expected a non-empty list of names")
    return frozenset(value)


def _known(names: frozenset[str], known: frozenset[str], path: JsonPath, what: str) -> None:
    unknown = sorted(names - known)
    if unknown:
        raise ExpressionError(path, f"unknown {what} {', '.join(unknown)} (not in the "
                              "catalogue or any loaded pack; `threatgate rules catalogue` "
                              "lists them)")


def _component_matcher(value: Any, path: JsonPath, vocabulary: Vocabulary) -> Predicate:
    spec = _mapping(value, path, "component",
                    frozenset({"type", "category", "flags", "boundary"}))
    checks: list[Predicate] = []
    if "type" in spec:
        types = _names(spec["type"], (*path, "type"))
        _known(types, vocabulary.types, (*path, "type"), "component type(s)")
        checks.append(lambda c: c.type in types)
    if "category" in spec:
        categories = _names(spec["category"], (*path, "category"))
        checks.append(lambda c: c.category in categories)
    if "boundary" in spec:
        boundaries = _names(spec["boundary"], (*path, "boundary"))
        checks.append(lambda c: c.boundary in boundaries)
    if "flags" in spec:
        checks.append(_flag_matcher(spec["flags"], (*path, "flags"), vocabulary))
    return every(checks)


def _flag_matcher(value: Any, path: JsonPath, vocabulary: Vocabulary) -> Predicate:
    spec: Mapping[str, Any] = (
        {"all": value} if isinstance(value, Sequence) and not isinstance(value, str)
        else _mapping(value, path, "flags", frozenset({"all", "any", "none"})))
    sets: dict[str, frozenset[str]] = {}
    for key, names in spec.items():
        here = path if key == "all" and spec is not value else (*path, key)
        sets[key] = _names(names, here)
        _known(sets[key], vocabulary.flags, here, "flag(s)")
    need_all = sets.get("all", frozenset())
    need_any = sets.get("any")
    forbidden = sets.get("none", frozenset())

    def match(component: ComponentView) -> bool:
        flags = component.flags
        return (need_all <= flags and not (forbidden & flags)
                and (need_any is None or bool(need_any & flags)))

    return match


def _tristate(value: Any, path: JsonPath) -> frozenset[bool | None]:
    items = value if isinstance(value, list) else [value]
    out: set[bool | None] = set()
    for item in items:
        if isinstance(item, bool):
            out.add(item)
        elif item == "unknown":
            out.add(None)
        else:
            raise ExpressionError(path, "expected true, false, unknown or a list of them")
    if not out:
        raise ExpressionError(path, "expected true, false, unknown or a list of them")
    return frozenset(out)


def _flow_matcher(value: Any, path: JsonPath) -> Predicate:
    spec = _mapping(value, path, "dataflow", frozenset(
        {"protocol", "encrypted", "authenticated", "crosses_boundary", "has_data"}))
    checks: list[Predicate] = []
    if "protocol" in spec:
        protocols = frozenset(p.lower() for p in _names(spec["protocol"], (*path, "protocol")))
        checks.append(lambda f: f.protocol is not None and f.protocol.lower() in protocols)
    if "encrypted" in spec:
        enc = _tristate(spec["encrypted"], (*path, "encrypted"))
        checks.append(lambda f: f.encrypted in enc)
    if "authenticated" in spec:
        auth = _tristate(spec["authenticated"], (*path, "authenticated"))
        checks.append(lambda f: f.authenticated in auth)
    if "crosses_boundary" in spec:
        crosses = _boolean(spec["crosses_boundary"], (*path, "crosses_boundary"))
        checks.append(lambda f: f.crosses_boundary is crosses)
    if "has_data" in spec:
        has_data = _boolean(spec["has_data"], (*path, "has_data"))
        checks.append(lambda f: bool(f.assets) is has_data)
    return every(checks)


def _boolean(value: Any, path: JsonPath) -> bool:
    if not isinstance(value, bool):
        raise ExpressionError(path, f"{path[-1]} is true or false")
    return value


def _data_matcher(value: Any, path: JsonPath) -> Callable[[AssetView], bool]:
    spec = _mapping(value, path, "data", frozenset(
        {"kind", "classification", "min_classification", "properties"}))
    checks: list[Callable[[AssetView], bool]] = []
    if "kind" in spec:
        kinds = _names(spec["kind"], (*path, "kind"))
        checks.append(lambda a: a.kind in kinds)
    if "classification" in spec:
        levels = _names(spec["classification"], (*path, "classification"))
        unknown = sorted(levels - set(CLASSIFICATION_ORDER))
        if unknown:
            raise ExpressionError((*path, "classification"),
                                  f"unknown classification {', '.join(unknown)}")
        checks.append(lambda a: a.classification in levels)
    if "min_classification" in spec:
        floor = CLASSIFICATION_ORDER.get(spec["min_classification"])
        if floor is None:
            raise ExpressionError((*path, "min_classification"),
                                  "min_classification is public, internal, confidential "
                                  "or restricted")
        checks.append(lambda a: a.classification is not None
                      and CLASSIFICATION_ORDER[a.classification] >= floor)
    if "properties" in spec:
        props = _names(spec["properties"], (*path, "properties"))
        checks.append(lambda a: bool(props & a.properties))
    return every(checks)


# --- explanations ------------------------------------------------------------------------


def describe(expr: Mapping[str, Any]) -> str:
    """A short English rendering of an expression, for ``--explain`` and ``rules show``."""
    parts = []
    for key, value in expr.items():
        if key in ("all", "any"):
            inner = f" {'and' if key == 'all' else 'or'} ".join(
                f"({describe(item)})" for item in value)
            parts.append(inner)
        elif key == "not":
            parts.append(f"not ({describe(value)})")
        elif key in ("inbound", "outbound"):
            parts.append(f"an {key} flow where {describe(value)}")
        else:
            conditions = ", ".join(
                f"{k} all of [{', '.join(v)}]" if k == "flags" and isinstance(v, list)
                else f"{k} {_render(v)}" for k, v in value.items())
            parts.append(f"{key} {conditions}")
    return "; ".join(parts)


def _render(value: Any) -> str:
    if isinstance(value, Mapping):
        return " ".join(f"{k} of [{', '.join(map(str, v))}]" for k, v in value.items())
    if isinstance(value, list):
        return f"in [{', '.join(_render(v) for v in value)}]"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
