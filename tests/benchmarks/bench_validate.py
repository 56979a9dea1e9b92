#!/usr/bin/env python3
"""Benchmark ``threatgate validate`` against check-jsonschema on a generated corpus.

Generates (deterministically) one model file and N distinct, valid models of about 20 KB
each, checks that threatgate accepts every one of them, then times each command as a
subprocess, wall-clock, best of K runs (every run must exit 0, so check-jsonschema's runs
also show that both tools accept every model):

* one file: ``threatgate validate`` (the default: a passing run over unchanged files is
  replayed), ``threatgate validate --no-cache`` and ``check-jsonschema``;
* N files: the same two commands, plus a warm re-run of ``threatgate validate`` (second
  run against a fresh cache folder), plus two floors: loading every file with PyYAML's
  C loader, and with ruamel.yaml's C-accelerated safe loader.

It prints a table with the ratios the project's performance targets are about. The exit
status is 0 even when a target is missed (this is a report); it is 1 when a tool fails,
the two tools disagree or a generated model is not valid, 2 for a usage error.

Run from the repository root, with the project's virtualenv active::

    python tests/benchmarks/bench_validate.py [--models N] [--out DIR] [--repeat K]
                                              [--quick] [--json FILE]

Not a pytest module: the file name does not match ``test_*.py`` and it defines no test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import re
import shutil
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from benchkit import (
    BenchError,
    Job,
    Measurement,
    Target,
    add_json_option,
    add_repeat_option,
    bench_env,
    failure,
    fill_defaults,
    interleave,
    machine_info,
    output,
    print_header,
    print_interleaved,
    print_ratios,
    ratio_rows,
    run_in_root,
    run_timed,
    source_info,
    tool,
    write_json,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = REPO_ROOT / "schemas" / "threatmodel.schema.json"

DEFAULT_MODELS = 1000
DEFAULT_REPEAT = 3
QUICK_MODELS = 100
QUICK_REPEAT = 1
SEED = 20260601
TARGET_BYTES = 20_000
#: Files changed less than this before a run keep it from being remembered (with a margin
#: over threatgate.commands.replay.COARSE_RACY_NS, whatever the file system).
RACY_SECONDS = 2.5
#: "Today" for threatgate's expiry checks, so that every run sees the same models.
FIXED_TODAY = "2026-06-01"

MODELS_DIR = "bench-models"
SINGLE_DIR = "bench-single"
MARKER = ".threatgate-bench"

#: The ratios the project's targets are about (limit None: information only).
TARGETS: tuple[Target, ...] = (
    Target("single_warm_bundled", "1 file, the default (cache warm): threatgate / "
           "check-jsonschema (bundled)", "tg_single_warm", "cj_single_bundled", 0.1),
    Target("single_bundled", "1 file, --no-cache: threatgate / check-jsonschema (bundled)",
           "tg_single", "cj_single_bundled", 0.5),
    Target("single", "1 file, --no-cache: threatgate / check-jsonschema (split schema)",
           "tg_single", "cj_single", 0.5),
    Target("single_stack_floor", "1 file: imports of the stack / check-jsonschema (bundled)",
           "stack_imports", "cj_single_bundled", None),
    Target("single_over_floor", "1 file: threatgate / imports of the stack", "tg_single",
           "stack_imports", None),
    Target("click_floor", "1 file: import click alone / check-jsonschema (bundled)",
           "click_import", "cj_single_bundled", None),
    Target("precommit", "pre-commit: 1 file among N models / the file alone",
           "tg_precommit", "tg_alone", 1.1),
    Target("precommit_cached", "pre-commit, cache on: 1 changed file among N models / alone",
           "tg_precommit_cached", "tg_alone_cached", 1.1),
    Target("corpus", "N files: threatgate cold / check-jsonschema (split schema)",
           "tg_cold", "cj_corpus", 0.25),
    Target("corpus_bundled", "N files: threatgate cold / check-jsonschema (bundled)",
           "tg_cold", "cj_corpus_bundled", None),
    Target("warm", "N files: threatgate warm / check-jsonschema (split schema)",
           "tg_warm", "cj_corpus", 0.05),
    Target("gate", "N files: assess+gate cold / validate cold", "tg_gate", "tg_cold", 1.5),
    Target("floor", "N files: threatgate cold / PyYAML C floor", "tg_cold", "floor_pyyaml",
           None),
    Target("floor_ruamel", "N files: threatgate cold / ruamel C floor", "tg_cold",
           "floor_ruamel", None),
)
#: What any run of ``threatgate validate`` imports whatever it does (the command line, the
#: YAML parser, the schema validator): the floor of a one-file run with this stack.
STACK_IMPORTS = "import click, _ruamel_yaml, jsonschema_rs"
PRECOMMIT_DIR = "bench-repo"  # a repository of the N models (hard links)
ALONE_DIR = "bench-alone"  # a repository holding only the changed model
#: The model the pre-commit case changes: its name in both repositories.
PRECOMMIT_MODEL = "threatmodels/model-0007.yaml"


# --- vocabulary -----------------------------------------------------------------------

DOMAINS = (
    ("payments", "Payments"),
    ("checkout", "Checkout"),
    ("identity", "Identity"),
    ("billing", "Billing"),
    ("search", "Search"),
    ("catalog", "Catalogue"),
    ("messaging", "Messaging"),
    ("reporting", "Reporting"),
    ("onboarding", "Onboarding"),
    ("support", "Support desk"),
    ("inventory", "Inventory"),
    ("shipping", "Shipping"),
    ("analytics", "Analytics"),
    ("notifications", "Notifications"),
    ("loyalty", "Loyalty programme"),
    ("pricing", "Pricing"),
    ("refunds", "Refunds"),
    ("accounts", "Customer accounts"),
    ("partners", "Partner portal"),
    ("media", "Media"),
)
SERVICES = (
    ("api", "API"),
    ("web", "web front end"),
    ("worker", "background worker"),
    ("gateway", "gateway"),
    ("admin", "admin console"),
    ("mobile", "mobile back end"),
    ("export", "export service"),
    ("sync", "synchronisation service"),
)
TEAMS = (
    "payments-team",
    "platform-team",
    "identity-team",
    "sre",
    "security-office",
    "data-platform",
    "web-team",
    "mobile-team",
    "checkout-squad",
    "infra",
)
PEOPLE = (
    "Amélie Laurent",
    "Jürgen Braun",
    "Zoë Okafor",
    "Inés Álvarez",
    "Tomasz Wójcik",
    "Priya Raman",
    "Kenji Sato",
    "Sara Lindqvist",
    "Mateo Rossi",
    "Aoife Byrne",
)
APPROVERS = ("cto", "ciso", "risk-committee", "head-of-engineering", "product-owner")

#: framework id -> a function producing one of its requirement ids.
def _catalogue_ids(framework: str) -> list[str]:
    """The requirement ids of a shipped catalogue: mappings to a framework with a
    catalogue are checked against it, so the corpus picks real ones."""
    from threatgate.catalogues.library import SHIPPED

    return [requirement.id for requirement in SHIPPED.require(framework).requirements]


ASVS_IDS = _catalogue_ids("asvs-5.0")
NIST_IDS = _catalogue_ids("nist-800-53-r5")
FRAMEWORKS: dict[str, Callable[[random.Random], str]] = {
    "asvs-5.0": lambda r: r.choice(ASVS_IDS),
    "pci-dss-4.0": lambda r: f"{r.randint(1, 12)}.{r.randint(1, 6)}.{r.randint(1, 5)}",
    "iso-27001-2022": lambda r: f"A.{r.randint(5, 8)}.{r.randint(1, 34)}",
    "soc2-2017": lambda r: f"CC{r.randint(1, 9)}.{r.randint(1, 8)}",
    "nist-800-53-r5": lambda r: r.choice(NIST_IDS),
}

TRUST_BOUNDARIES = (
    ("internet", "Internet"),
    ("dmz", "DMZ"),
    ("corp-net", "Internal network"),
    ("data-tier", "Data tier"),
    ("partner-net", "Partner network"),
    ("cicd", "CI/CD environment"),
    ("admin-net", "Administration network"),
    ("cloud-account", "Cloud provider account"),
)

COMPONENTS = (
    ("browser", "Customer browser", "client"),
    ("mobile", "Mobile app", "client"),
    ("cdn", "CDN edge", "cdn"),
    ("waf", "Web application firewall", "waf"),
    ("lb", "Load balancer", "load_balancer"),
    ("web", "Web front end", "web_app"),
    ("api", "Public API", "api"),
    ("gateway", "API gateway", "api_gateway"),
    ("auth", "Authentication service", "identity_provider"),
    ("sso", "Corporate SSO", "identity_provider"),
    ("orders", "Order service", "service"),
    ("payments", "Payment service", "service"),
    ("worker", "Background worker", "service"),
    ("queue", "Message queue", "queue"),
    ("cache", "Session cache", "cache"),
    ("db", "Primary database", "database"),
    ("replica", "Read replica", "database"),
    ("search", "Search cluster", "datastore"),
    ("blob", "Object storage", "object_storage"),
    ("vault", "Secrets store", "secrets_store"),
    ("psp", "Payment provider", "payment_provider"),
    ("mailer", "E-mail provider", "saas"),
    ("ci", "CI pipeline", "ci_cd"),
    ("k8s", "Container platform", "container_platform"),
    ("llm", "LLM service", "llm_service"),
    ("admin", "Admin console", "admin_console"),
    ("audit", "Audit log store", "datastore"),
    ("warehouse", "Analytics warehouse", "datastore"),
)
PROTOCOLS = ("https", "grpc", "amqp", "sql", "smtp", "redis", "s3", "oidc", "kafka", "mtls")
DATA_WORDS = ("orders", "tokens", "events", "invoices", "profiles", "payments", "logs", "jobs")

CONF, INTEG, AVAIL, USAGE = "confidentiality", "integrity", "availability", "usage"
ASSETS = (
    ("Customer personal data", [CONF, INTEG]),
    ("Payment card data", [CONF, INTEG]),
    ("Session tokens", [CONF, INTEG]),
    ("Order history", [CONF, INTEG, AVAIL]),
    ("Product catalogue", [INTEG, AVAIL]),
    ("Pricing rules", [INTEG]),
    ("Admin credentials", [CONF, INTEG]),
    ("Partner API keys", [CONF, USAGE]),
    ("Audit trail", [INTEG, AVAIL]),
    ("E-mail sending capability", [USAGE]),
    ("Refund capability", [USAGE, INTEG]),
    ("Service availability", [AVAIL]),
    ("Encryption keys", [CONF, INTEG]),
    ("Invoices", [CONF, INTEG]),
    ("Support tickets", [CONF]),
    ("Build artefacts", [INTEG]),
    ("Analytics events", [CONF, AVAIL]),
    ("Password hashes", [CONF]),
    ("Feature flags", [INTEG, AVAIL]),
    ("Shipping addresses", [CONF, INTEG]),
)

ATTACKERS = (
    (
        "External attacker",
        "external",
        "Sends arbitrary HTTP requests from the internet without credentials.",
    ),
    (
        "Authenticated customer",
        "insider",
        "Holds a valid customer account and calls every customer endpoint with it.",
    ),
    (
        "Malicious partner",
        "insider",
        "Holds partner API credentials and calls the partner API from its own network.",
    ),
    (
        "Compromised dependency",
        "supply_chain",
        "Controls one third-party package that is pulled into the build.",
    ),
    (
        "Rogue employee",
        "insider",
        "Holds staff credentials for the admin console and read access to the logs.",
    ),
    (
        "Network attacker",
        "internal",
        "Sits on the internal network without credentials; can sniff and inject traffic.",
    ),
    (
        "Laptop thief",
        "physical",
        "Has physical access to an engineer's unlocked laptop for an hour.",
    ),
    (
        "Botnet operator",
        "external",
        "Controls thousands of IP addresses and sends traffic at high volume.",
    ),
    (
        "Compromised CI runner",
        "supply_chain",
        "Runs arbitrary code in a CI job, holding the job's token.",
    ),
    (
        "Phishing crew",
        "external",
        "Sends convincing e-mails to staff and hosts look-alike login pages.",
    ),
)

THREATS = (
    (
        "{asset} read through SQL injection in the {component}",
        ["information_disclosure", "tampering"],
        ["CWE-89"],
    ),
    (
        "Session hijacking with a stolen cookie on the {component}",
        ["spoofing"],
        ["CWE-384", "CWE-614"],
    ),
    ("Credential stuffing against the {component}", ["spoofing"], ["CWE-307"]),
    (
        "{asset} exposed by verbose error messages of the {component}",
        ["information_disclosure"],
        ["CWE-209"],
    ),
    (
        "Server-side request forgery from the {component} to cloud metadata",
        ["information_disclosure", "elevation_of_privilege"],
        ["CWE-918"],
    ),
    (
        "Broken object-level authorisation exposes {asset}",
        ["information_disclosure", "elevation_of_privilege"],
        ["CWE-639"],
    ),
    (
        "Denial of service by flooding the {component}",
        ["denial_of_service"],
        ["CWE-400", "CWE-770"],
    ),
    ("{asset} tampered with in transit to the {component}", ["tampering"], ["CWE-319"]),
    (
        "Secrets of the {component} committed to the repository",
        ["information_disclosure"],
        ["CWE-798"],
    ),
    (
        "Malicious package runs in the build of the {component}",
        ["tampering", "elevation_of_privilege"],
        ["CWE-829"],
    ),
    ("Admin actions on the {component} cannot be traced to a person", ["repudiation"], ["CWE-778"]),
    (
        "Cross-site scripting in the {component} steals {asset}",
        ["information_disclosure", "spoofing"],
        ["CWE-79"],
    ),
    (
        "Mass assignment lets users change {asset}",
        ["tampering", "elevation_of_privilege"],
        ["CWE-915"],
    ),
    ("Backup of {asset} stored unencrypted", ["information_disclosure"], ["CWE-311"]),
    ("Replay of signed requests to the {component}", ["spoofing", "tampering"], ["CWE-294"]),
    ("Prompt injection makes the {component} leak {asset}", ["information_disclosure"], ["CWE-77"]),
    ("Insecure deserialisation in the {component}", ["elevation_of_privilege"], ["CWE-502"]),
    ("Path traversal in file downloads of the {component}", ["information_disclosure"], ["CWE-22"]),
    ("Forged partner webhook alters {asset}", ["spoofing", "tampering"], ["CWE-345"]),
    ("Log injection hides attacks on the {component}", ["repudiation", "tampering"], ["CWE-117"]),
)

CONTROLS = (
    "Parameterised queries only",
    "Rate limiting on login",
    "MFA for the admin console",
    "HSTS and secure, HttpOnly cookies",
    "Secrets in the vault, none in code",
    "Dependencies pinned with hashes",
    "Audit log of admin actions",
    "Output encoding in templates",
    "Object-level authorisation checks",
    "TLS 1.2+ between services",
    "Encrypted backups",
    "Request signing with a nonce",
    "Egress allow-list",
    "Request size limits",
    "Content Security Policy",
    "WAF managed rule set",
    "Allow-list of writable fields",
    "JSON-only deserialisation",
    "Path normalisation for downloads",
    "Webhook signature verification",
    "Structured logging with escaping",
    "Least-privilege database roles",
    "Key rotation every 90 days",
    "Security headers middleware",
    "SBOM and signed artefacts",
    "Account lockout after failed logins",
    "Prompt isolation and output filtering",
    "Short-lived access tokens",
    "CSRF tokens on state-changing forms",
    "Bot detection on sign-up",
)
#: Control statuses and how often each occurs (percent).
CONTROL_STATUSES: dict[str, int] = {
    "implemented": 50,
    "in_progress": 15,
    "planned": 20,
    "not_applicable": 7,
    "wont_do": 8,
}
NEVER_COMPLETE = frozenset({"not_applicable", "wont_do"})
FINDING_STATUSES = ("discovered", "acknowledged", "remediated", "verified", "dismissed")
FINDING_SEVERITIES = ("critical", "high", "medium", "low", "info")
LANGUAGES = ("python", "typescript", "go", "java")
EXTENSIONS = {"python": "py", "typescript": "ts", "go": "go", "java": "java"}

SENTENCES = (
    "The {component} accepts requests from the {boundary} and forwards them after "
    "validating the session.",
    "Every change to {asset} is written to the audit trail with the acting user and time.",
    "Traffic between the {component} and the database uses mutual TLS with short-lived "
    "certificates.",
    "Operators reach the {component} only through the bastion, never directly.",
    "The team reviewed this part of the design with the security office in {month}.",
    "Failures are retried three times with exponential back-off before an alert fires.",
    "Personal data is pseudonymised before it reaches the analytics warehouse.",
    "Rate limits apply per account and per IP address; the limits live in configuration.",
    "The {component} is deployed from the main branch only, through the signed pipeline.",
    "Secrets are fetched at start-up from the vault and never written to disk.",
    "See the runbook `docs/runbooks/{slug}.md` for incident handling.",
    "Input is validated against the OpenAPI contract; unknown fields are rejected.",
    "Customer support can see {asset} but not change it: their role is read-only.",
    "Backups are taken every night and restored monthly in a drill.",
    "The design assumes the {boundary} is hostile: nothing there is trusted by default.",
    "Keys are rotated automatically; the previous key stays valid for one day.",
)
MONTHS = ("January", "March", "May", "July", "September", "November")
JUSTIFICATIONS = (
    "Legacy endpoint, removed with the v3 API next quarter.",
    "Compensated by monitoring; the fix needs a vendor release.",
    "Exposure limited to staff on the VPN; revisit after the migration.",
)

# --- assertion builders -----------------------------------------------------------------


def _source(rng: random.Random, slug: str) -> tuple[str, str]:
    language = rng.choice(LANGUAGES)
    name = rng.choice(("handlers", "service", "views", "security", "db", "auth"))
    return language, f"src/{slug}/{name}.{EXTENSIONS[language]}"


def _assertion(rng: random.Random, slug: str) -> dict[str, Any]:
    language, path = _source(rng, slug)
    kind = rng.randrange(16)
    if kind == 0:
        return {"type": "pattern_absent", "file": path, "pattern": 'execute\\(f"'}
    if kind == 1:
        return {
            "type": "function_calls",
            "file": path,
            "function": "hash_password",
            "calls": "bcrypt.hashpw",
            "language": language,
        }
    if kind == 2:
        return {
            "type": "decorator_present",
            "file": path,
            "name": "login_required",
            "function": rng.choice(("refund", "export", "delete_account")),
        }
    if kind == 3:
        return {
            "type": "dependency_version",
            "file": "requirements.txt",
            "name": rng.choice(("cryptography", "django", "requests")),
            "constraint": f">={rng.randint(2, 44)}.0",
        }
    if kind == 4:
        return {
            "type": "http_header_set",
            "glob": "deploy/nginx/*.conf",
            "header": "Strict-Transport-Security",
            "value": "max-age=63072000",
        }
    if kind == 5:
        return {
            "type": "config_value_matches",
            "file": f"config/{slug}.yaml",
            "key": "session.cookie_secure",
            "value": True,
        }
    if kind == 6:
        return {
            "type": "no_plaintext_secret",
            "glob": f"src/{slug}/**",
            "allow": ["EXAMPLE_KEY_[A-Z]+", "test-token-[0-9]+"],
        }
    if kind == 7:
        return {
            "type": "env_var_referenced",
            "glob": f"src/{slug}/**",
            "name": rng.choice(("DATABASE_PASSWORD", "API_SIGNING_KEY", "VAULT_TOKEN")),
        }
    if kind == 8:
        digest = hashlib.sha256(f"{slug}-{rng.random()}".encode()).hexdigest()
        return {"type": "file_hash", "file": "deploy/policy.rego", "sha256": digest}
    if kind == 9:
        return {
            "type": "test_exists",
            "glob": "tests/**/test_*.py",
            "name": f"test_{slug}_rejects_unauthenticated",
        }
    if kind == 10:
        return {
            "type": "middleware_registered",
            "file": path,
            "name": "SecurityHeadersMiddleware",
            "language": language,
        }
    if kind == 11:
        return {
            "type": "import_present",
            "file": path,
            "module": rng.choice(("helmet", "cryptography.fernet", "bleach")),
        }
    if kind == 12:
        return {"type": "file_exists", "file": "SECURITY.md"}
    if kind == 13:
        return {"type": "command_succeeds", "command": ["pip-audit", "--strict"], "timeout": 300}
    if kind == 14:
        return {
            "type": "pattern_matches",
            "file": path,
            "pattern": "verify_signature\\(",
            "scope_start": "def handle_webhook",
            "min_count": 1,
        }
    return {
        "type": "config_key_exists",
        "file": f"config/{slug}.toml",
        "key": "security.rate_limit",
        "format": "toml",
    }


# --- the model generator -----------------------------------------------------------------


class Date(str):
    """An ISO date; the emitter writes it plain, single- or double-quoted per the model."""

    __slots__ = ()


def _pick(rng: random.Random, pool: Sequence[str], low: int, high: int) -> list[str]:
    """Between ``low`` and ``high`` distinct items of ``pool``, in random order."""
    return rng.sample(list(pool), min(len(pool), rng.randint(low, high)))


class ModelBuilder:
    """Builds one realistic, valid model (no errors, no warnings) from its index.

    The same index and scale always give the same model; ``scale`` grows or shrinks the
    entity counts to reach a file size.
    """

    def __init__(self, index: int, scale: float = 1.0) -> None:
        self.rng = random.Random(f"{SEED}-{index}")
        self.index = index
        self.scale = scale

    def count(self, low: int, high: int, least: int = 1) -> int:
        return max(least, round(self.rng.randint(low, high) * self.scale))

    def date(self, first: dt.date, last: dt.date) -> Date:
        offset = self.rng.randint(0, (last - first).days)
        return Date((first + dt.timedelta(days=offset)).isoformat())

    def paragraph(
        self, sentences: int, component: str = "", asset: str = "", bullet: bool = False
    ) -> str:
        """Distinct sentences wrapped at 88 columns, as people write Markdown in YAML."""
        words = {
            **self.words,
            "component": component or self.words["component"],
            "asset": asset or self.words["asset"],
        }
        text = " ".join(s.format(**words) for s in self.rng.sample(SENTENCES, sentences))
        lead, indent = ("- ", "  ") if bullet else ("", "")
        return textwrap.fill(
            text, width=88, initial_indent=lead, subsequent_indent=indent, break_on_hyphens=False
        )

    def text(self, paragraphs: int, component: str = "", asset: str = "") -> str:
        """Markdown: paragraphs, sometimes a bullet list; ends with a newline."""
        rng = self.rng
        parts = [self.paragraph(rng.randint(2, 4), component, asset) for _ in range(paragraphs)]
        if rng.random() < 0.4:
            bullets = [self.paragraph(1, component, asset, bullet=True) for _ in range(3)]
            parts.insert(rng.randrange(len(parts) + 1), "\n".join(bullets))
        return "\n\n".join(parts) + "\n"

    def build(self) -> dict[str, Any]:
        rng = self.rng
        domain, domain_name = rng.choice(DOMAINS)
        service, service_name = rng.choice(SERVICES)
        model_id = f"{domain}-{service}-{self.index:04d}"
        self.frameworks = sorted(rng.sample(list(FRAMEWORKS), rng.randint(1, 3)))
        self.boundaries = rng.sample(TRUST_BOUNDARIES, rng.randint(3, 5))
        self.components = rng.sample(COMPONENTS, min(len(COMPONENTS), self.count(5, 9, 3)))
        self.assets = rng.sample(ASSETS, min(len(ASSETS), self.count(3, 6)))
        self.attackers = rng.sample(ATTACKERS, rng.randint(3, 5))
        self.words = {
            "component": self.components[0][1].lower(),
            "boundary": self.boundaries[0][1].lower(),
            "asset": self.assets[0][0].lower(),
            "month": rng.choice(MONTHS),
            "slug": model_id,
        }
        team = rng.choice(TEAMS)
        model: dict[str, Any] = {
            "threatgate": 1,
            "id": model_id,
            "title": f"{domain_name} {service_name}",
            "description": self.text(rng.randint(2, 3)),
            "system": domain_name,
            "owner": team,
            "frameworks": self.frameworks,
        }
        if rng.random() < 0.5:
            model["badge"] = rng.choice(("public", "private"))
        model["tags"] = sorted({domain, f"tier:{rng.randint(1, 3)}", f"team/{team}"})
        model.update(self.architecture())
        model["attackers"] = self.attacker_entries()
        controls = self.controls()
        model["objectives"] = self.objectives(controls)
        model["threats"] = self.threats(model["dataflows"], model["objectives"], controls)
        model["controls"] = controls
        model["assumptions"] = self.assumptions()
        model["acceptances"] = self.acceptances(model["threats"], model["objectives"])
        model["findings"] = self.findings(controls)
        return model

    def architecture(self) -> dict[str, Any]:
        """Trust boundaries, components, data flows and assets, in the schema's order."""
        rng = self.rng
        components = []
        for slug, name, kind in self.components:
            entry: dict[str, Any] = {"id": slug, "name": name, "type": kind}
            entry["boundary"] = rng.choice(self.boundaries)[0]
            if rng.random() < 0.35:
                entry["description"] = self.paragraph(2, component=name.lower())
            if rng.random() < 0.3:
                entry["tags"] = _pick(rng, ("pci", "public", "stateful", "legacy", "edge"), 1, 2)
            components.append(entry)
        self.asset_ids = [f"A{n}" for n in range(1, len(self.assets) + 1)]
        self.component_ids = [slug for slug, _, _ in self.components]
        flows = []
        for number in range(1, self.count(6, 10) + 1):
            source, target = rng.sample(self.component_ids, 2)
            flow: dict[str, Any] = {
                "id": f"DF{number}",
                "from": source,
                "to": target,
                "name": f"{rng.choice(DATA_WORDS)} to {target}",
                "protocol": rng.choice(PROTOCOLS),
                "data": _pick(rng, self.asset_ids, 1, 2),
            }
            if rng.random() < 0.6:
                flow["encrypted"] = rng.random() < 0.85
                flow["authenticated"] = rng.random() < 0.75
            flows.append(flow)
        assets = []
        for asset_id, (name, properties) in zip(self.asset_ids, self.assets, strict=True):
            entry = {"id": asset_id, "name": name, "properties": list(properties)}
            if rng.random() < 0.4:
                entry["description"] = self.paragraph(2, asset=name.lower())
            assets.append(entry)
        return {
            "trust_boundaries": [{"id": slug, "name": name} for slug, name in self.boundaries],
            "components": components,
            "dataflows": flows,
            "assets": assets,
        }

    def attacker_entries(self) -> list[dict[str, Any]]:
        self.attacker_ids = [f"ATK{n}" for n in range(1, len(self.attackers) + 1)]
        return [
            {"id": attacker_id, "name": name, "capability": capability, "position": position}
            for attacker_id, (name, position, capability) in zip(
                self.attacker_ids, self.attackers, strict=True
            )
        ]

    def controls(self) -> list[dict[str, Any]]:
        rng = self.rng
        statuses, weights = list(CONTROL_STATUSES), list(CONTROL_STATUSES.values())
        titles = rng.sample(CONTROLS, min(len(CONTROLS), self.count(13, 19)))
        controls = []
        for number, title in enumerate(titles, 1):
            status = rng.choices(statuses, weights)[0]
            control: dict[str, Any] = {"id": f"C{number}", "title": title, "status": status}
            if rng.random() < 0.7:
                control["owner"] = rng.choice((*TEAMS, *PEOPLE))
            control["compliance"] = sorted(
                {f"{fw}:{FRAMEWORKS[fw](rng)}" for fw in _pick(rng, self.frameworks, 1, 2)}
            )
            if status == "implemented" and rng.random() < 0.6:
                slug = rng.choice(self.component_ids)
                control["assertions"] = [_assertion(rng, slug) for _ in range(rng.randint(1, 2))]
                for position, assertion in enumerate(control["assertions"], 1):
                    if rng.random() < 0.3:
                        assertion["id"] = f"C{number}-E{position}"
                    if rng.random() < 0.3:
                        assertion["description"] = f"Evidence that {title.lower()} is in place."
            if status in NEVER_COMPLETE:
                approver = rng.choice(APPROVERS)
                control["notes"] = f"Decided by {approver}: not needed for this service."
            elif rng.random() < 0.4:
                control["description"] = self.paragraph(rng.randint(1, 3))
            controls.append(control)
        if all(c["status"] in NEVER_COMPLETE for c in controls):
            controls[0]["status"] = "planned"  # objectives need a group that can complete
            del controls[0]["notes"]
        return controls

    def objectives(self, controls: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Every asset against one or two attackers; every attacker in some objective."""
        rng = self.rng
        completable = [c["id"] for c in controls if c["status"] not in NEVER_COMPLETE]
        self.assumption_ids = [f"AS{n}" for n in range(1, rng.randint(2, 4) + 1)]
        pairs: list[tuple[int, int]] = []
        for a in range(len(self.assets)):
            pairs += [(a, t) for t in rng.sample(range(len(self.attackers)), rng.randint(1, 2))]
        for t in range(len(self.attackers)):
            if all(pair[1] != t for pair in pairs):
                pairs.append((rng.randrange(len(self.assets)), t))
        objectives = []
        for number, (a, t) in enumerate(pairs, 1):
            name, declared = self.assets[a]
            objective: dict[str, Any] = {
                "id": f"CO{number}",
                "asset": self.asset_ids[a],
                "attacker": self.attacker_ids[t],
                "properties": rng.sample(declared, rng.randint(1, len(declared))),
            }
            groups: list[list[str]] = []
            for _ in range(rng.randint(1, 3)):
                group = _pick(rng, completable, 1, 3)
                if group not in groups:
                    groups.append(group)
            objective["mitigated_by"] = groups
            if rng.random() < 0.3:
                objective["assumptions"] = _pick(rng, self.assumption_ids, 1, 1)
            if rng.random() < 0.2:
                objective["description"] = self.paragraph(1, asset=name.lower())
            objectives.append(objective)
        return objectives

    def threats(
        self,
        flows: list[dict[str, Any]],
        objectives: list[dict[str, Any]],
        controls: list[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        rng = self.rng
        flow_ids = [f["id"] for f in flows]
        objective_ids = [o["id"] for o in objectives]
        control_ids = [c["id"] for c in controls]
        threats = []
        for number in range(1, self.count(13, 19) + 1):
            template, stride, cwe = rng.choice(THREATS)
            slug, component, _ = rng.choice(self.components)
            asset = rng.choice(self.assets)[0]
            threat: dict[str, Any] = {
                "id": f"T{number}",
                "title": template.format(component=component.lower(), asset=asset),
                "stride": list(stride),
            }
            if rng.random() < 0.85:
                threat["likelihood"] = rng.randint(1, 5)
                threat["impact"] = rng.randint(1, 5)
            else:  # unscored: an explicit severity instead
                threat["severity"] = rng.choice(("critical", "high", "medium", "low"))
            threat["objectives"] = _pick(rng, objective_ids, 1, 2)
            threat["components"] = sorted({slug, *_pick(rng, self.component_ids, 0, 1)})
            if rng.random() < 0.5:
                threat["dataflows"] = _pick(rng, flow_ids, 1, 2)
            threat["mitigations"] = _pick(rng, control_ids, 1, 3)
            threat["cwe"] = list(cwe)
            if rng.random() < 0.7:
                threat["description"] = self.text(
                    rng.randint(1, 2), component.lower(), asset.lower()
                )
            if rng.random() < 0.15:
                threat["x-ticket"] = f"SEC-{rng.randint(100, 9999)}"
            threats.append(threat)
        used = {c for o in objectives for group in o["mitigated_by"] for c in group}
        used |= {c for t in threats for c in t["mitigations"]}
        for control_id in control_ids:  # no unused-control warning
            if control_id not in used:
                rng.choice(threats)["mitigations"].append(control_id)
        return threats

    def assumptions(self) -> list[dict[str, Any]]:
        rng = self.rng
        return [
            {
                "id": assumption_id,
                "description": self.paragraph(1),
                "attested_by": rng.choice((*TEAMS, *PEOPLE)),
                "attested_on": self.date(dt.date(2025, 1, 1), dt.date(2026, 5, 1)),
                "expires": self.date(dt.date(2027, 1, 1), dt.date(2030, 12, 31)),
            }
            for assumption_id in self.assumption_ids
        ]

    def acceptances(
        self, threats: list[dict[str, Any]], objectives: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        rng = self.rng
        acceptances = []
        for _ in range(rng.randint(1, 3)):
            if rng.random() < 0.75:
                kind, accepted = "threat", rng.choice(threats)["id"]
            else:
                kind, accepted = "objective", rng.choice(objectives)["id"]
            acceptances.append(
                {
                    kind: accepted,
                    "owner": rng.choice(APPROVERS),
                    "justification": rng.choice(JUSTIFICATIONS),
                    "accepted_on": self.date(dt.date(2025, 6, 1), dt.date(2026, 5, 1)),
                    "review_by": self.date(dt.date(2027, 1, 1), dt.date(2028, 12, 31)),
                }
            )
        return acceptances

    def findings(self, controls: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rng = self.rng
        findings = []
        for number in range(1, rng.randint(2, 5) + 1):
            control = rng.choice(controls)
            slug = rng.choice(self.component_ids)
            finding: dict[str, Any] = {
                "id": f"F{number}",
                "control": control["id"],
                "title": f"{control['title']} missing on {slug}",
                "severity": rng.choice(FINDING_SEVERITIES),
                "status": rng.choice(FINDING_STATUSES),
            }
            if finding["status"] == "dismissed":
                finding["reason"] = "False positive: the endpoint is internal by design."
            finding["locations"] = [f"src/{slug}/handlers.py:{rng.randint(10, 400)}"]
            finding["expected_evidence"] = f"Code enforcing '{control['title'].lower()}'."
            if rng.random() < 0.3:
                finding["assertions"] = [_assertion(rng, slug)]
            finding["discovered_on"] = self.date(dt.date(2025, 1, 1), dt.date(2026, 5, 1))
            findings.append(finding)
        return findings


# --- a small YAML emitter --------------------------------------------------------------
# Hand-written models mix flow and block style and write dates quoted or not. PyYAML's
# dumper quotes every date-like string and never uses literal blocks unless told to, so
# the corpus is written by this emitter instead (and read back by PyYAML as a check).

_PLAIN_BLOCK = re.compile(r"[A-Za-zÀ-ſ][A-Za-zÀ-ſ0-9 _./()'+,*>=-]*\Z")
_PLAIN_FLOW = re.compile(r"[A-Za-zÀ-ſ][A-Za-zÀ-ſ0-9 _./()'+*>=-]*\Z")
#: Words that YAML 1.1 or 1.2 would read as something other than a string.
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
FLOW_WIDTH = 96


@dataclass(frozen=True)
class Style:
    dates: str  # "plain", "single" or "double"
    compact: bool  # short entries as flow mappings, like {id: A1, name: ...}


def _scalar(value: Any, style: Style, flow: bool) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Date):
        return {"plain": str(value), "single": f"'{value}'"}.get(style.dates, f'"{value}"')
    text = str(value)
    plain = (_PLAIN_FLOW if flow else _PLAIN_BLOCK).match(text)
    if plain and text == text.rstrip() and text.lower() not in _RESERVED:
        return text
    return json.dumps(text, ensure_ascii=False)


def _flowable(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_flowable(v) for v in value.values())
    if isinstance(value, list):
        return all(_flowable(v) for v in value)
    return not (isinstance(value, str) and "\n" in value)


def _flow(value: Any, style: Style) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v, style)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v, style) for v in value) + "]"
    return _scalar(value, style, flow=True)


def _block_list(head: str, items: list[Any], style: Style) -> bool:
    """Lists of entries go in block style, and so do lists too long for one line."""
    if any(isinstance(item, dict) for item in items):
        return True
    return len(head) + 1 + len(_flow(items, style)) > FLOW_WIDTH


def _emit_mapping(
    mapping: dict[str, Any], indent: int, style: Style, out: list[str], first: str | None = None
) -> None:
    pad = " " * indent
    for n, (key, value) in enumerate(mapping.items()):
        head = f"{first if n == 0 and first is not None else pad}{key}:"
        if isinstance(value, str) and "\n" in value:
            out.append(f"{head} |" if value.endswith("\n") else f"{head} |-")
            out.extend(f"{pad}  {line}" if line else "" for line in value.rstrip("\n").split("\n"))
        elif isinstance(value, dict) and value:
            out.append(head)
            _emit_mapping(value, indent + 2, style, out)
        elif isinstance(value, list) and value and _block_list(head, value, style):
            out.append(head)
            _emit_sequence(value, indent + 2, style, out)
        elif isinstance(value, list | dict):
            out.append(f"{head} {_flow(value, style)}")
        else:
            out.append(f"{head} {_scalar(value, style, flow=False)}")


def _emit_sequence(items: list[Any], indent: int, style: Style, out: list[str]) -> None:
    pad = " " * indent
    for item in items:
        if isinstance(item, dict) and item:
            line = f"{pad}- {_flow(item, style)}"
            if style.compact and _flowable(item) and len(line) <= FLOW_WIDTH:
                out.append(line)
            else:
                _emit_mapping(item, indent + 2, style, out, first=f"{pad}- ")
        elif isinstance(item, list | dict):
            out.append(f"{pad}- {_flow(item, style)}")
        else:
            out.append(f"{pad}- {_scalar(item, style, flow=False)}")


def emit_yaml(model: dict[str, Any], style: Style) -> str:
    out = [f"# Threat model: {model['title']}", ""]
    _emit_mapping(model, 0, style, out)
    return "\n".join(out) + "\n"


def _dates_as_dates(value: Any) -> Any:
    """Data with every ISO date string (quoted or not, a ``Date`` or not) as a ``date``.

    PyYAML's YAML 1.1 loader reads plain dates as dates and quoted ones as strings; the
    read-back check compares both forms alike.
    """
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return dt.date.fromisoformat(value)
    if isinstance(value, dict):
        return {k: _dates_as_dates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_dates(v) for v in value]
    return value


def reads_back(text: str, model: dict[str, Any]) -> bool:
    """Whether the emitted text loads (with PyYAML's C loader) as the model it came from."""
    loaded = yaml.load(text, Loader=yaml.CSafeLoader)
    return bool(_dates_as_dates(loaded) == _dates_as_dates(model))


def render_model(index: int, wanted: float | None = None) -> str:
    """The YAML text of model ``index``, of about ``wanted`` bytes; never the same twice.

    By default sizes vary by about +-25% around TARGET_BYTES, as real models do.
    """
    rng = random.Random(f"{SEED}-style-{index}")
    style = Style(dates=rng.choice(("plain", "single", "double")), compact=rng.random() < 0.6)
    spread = rng.uniform(0.75, 1.25)
    wanted = wanted or TARGET_BYTES * spread
    scale = 1.0
    for _ in range(6):
        model = ModelBuilder(index, scale).build()
        text = emit_yaml(model, style)
        if abs(len(text.encode()) - wanted) <= 0.05 * wanted:
            break
        scale *= wanted / len(text.encode())
    if index % 25 == 0 and not reads_back(text, model):  # a sample keeps generation fast
        raise BenchError(f"generator bug: model {index} does not read back as generated")
    return text


# --- corpus ----------------------------------------------------------------------------


@dataclass
class Corpus:
    root: Path
    single: Path  # relative to root
    models_dir: Path  # relative to root
    files: list[Path]  # relative to root
    total_bytes: int
    single_bytes: int


def build_corpus(root: Path, count: int) -> Corpus:
    """Write the single model and ``count`` models under ``root`` (replacing earlier ones)."""
    root.mkdir(parents=True, exist_ok=True)
    for name in (MODELS_DIR, SINGLE_DIR, PRECOMMIT_DIR, ALONE_DIR):
        folder = root / name
        if folder.exists():
            if not (root / MARKER).exists():
                raise BenchError(
                    f"{folder} exists and was not made by this benchmark; "
                    "choose another --out folder"
                )
            shutil.rmtree(folder)
        folder.mkdir()
    (root / MARKER).write_text("threatgate benchmark corpus; safe to delete\n", encoding="utf-8")

    single = Path(SINGLE_DIR) / "model.yaml"
    single_text = render_model(count + 1, TARGET_BYTES).encode()
    (root / single).write_bytes(single_text)
    files, total = [], 0
    for index in range(count):
        relative = Path(MODELS_DIR) / f"model-{index:04d}.yaml"
        raw = render_model(index).encode()
        (root / relative).write_bytes(raw)
        files.append(relative)
        total += len(raw)
    build_precommit_repositories(root, files)
    return Corpus(root, single, Path(MODELS_DIR), files, total, len(single_text))


def build_precommit_repositories(root: Path, files: list[Path]) -> None:
    """Two repositories (a ``threatgate.toml`` each): one holding every model under
    ``threatmodels/`` (hard links to the corpus, copies where links fail), one holding only
    :data:`PRECOMMIT_MODEL`, the file a pre-commit hook is given in both."""
    for name, chosen in ((PRECOMMIT_DIR, files), (ALONE_DIR, files[7:8] or files[:1])):
        models = root / name / "threatmodels"
        models.mkdir(parents=True)
        (root / name / "threatgate.toml").write_text("", encoding="utf-8")
        for relative in chosen:
            target = models / relative.name
            try:
                os.link(root / relative, target)
            except OSError:
                shutil.copyfile(root / relative, target)


def editor(model: Path) -> Callable[[], None]:
    """What a developer does before the hook runs: the model changes (a comment line
    appended, written to a new file and renamed over it, as editors do), so that neither
    its cached result nor a remembered run applies; its siblings stay as they are."""
    original = model.read_bytes()
    edits = iter(range(1, 1_000_000))

    def edit() -> None:
        temporary = model.with_name(model.name + ".edit")
        temporary.write_bytes(original + f"# edit {next(edits)}\n".encode())
        os.replace(temporary, model)

    return edit


# --- running and timing ----------------------------------------------------------------


FLOOR_PYYAML = """\
import sys
from pathlib import Path
import yaml
loader = yaml.CSafeLoader
for name in sys.argv[1:]:
    yaml.load(Path(name).read_bytes(), Loader=loader)
"""
FLOOR_RUAMEL = """\
import sys
from pathlib import Path
from ruamel.yaml import YAML
from ruamel.yaml.clib._ruamel_yaml import CParser
yaml = YAML(typ="safe")
if yaml.Parser is not CParser:
    sys.exit("ruamel.yaml is not using its C parser")
for name in sys.argv[1:]:
    yaml.load(Path(name).read_bytes())
"""


@dataclass
class Tools:
    threatgate: str
    check_jsonschema: list[str]  # the command up to the instance files
    #: The same with the schema bundled into one document (``threatgate schema --bundle``).
    check_jsonschema_bundled: list[str]


def check_models(tools: Tools, corpus: Corpus, env: dict[str, str]) -> tuple[int, int]:
    """threatgate accepts every model, and check-jsonschema the single one (the timed
    check-jsonschema runs, which must exit 0, cover the others); both reject a model whose
    error only the $ref'd assertion schema can see, so the split schema really resolves.
    Returns (files checked by threatgate, warnings it reported)."""
    everything = [str(corpus.single), *map(str, corpus.files)]
    _, done = run_timed(
        [tools.threatgate, "validate", "--no-cache", "--format", "json", *everything],
        corpus.root,
        env,
    )
    try:
        report = json.loads(done.stdout)
    except ValueError:
        raise failure("threatgate validate --format json", done) from None
    if done.returncode != 0:
        problems = [
            f"{entry['path']}:{d['line']}:{d['column']}: {d['severity']}: {d['message']}"
            f" [{d['rule']}]"
            for entry in report["files"]
            for d in entry["diagnostics"]
        ]
        shown = "\n".join(f"    {line}" for line in problems[:15])
        raise BenchError(
            f"generated models are not valid (threatgate validate exited with status "
            f"{done.returncode}, {len(problems)} problems):\n{shown}"
        )
    for command in (tools.check_jsonschema, tools.check_jsonschema_bundled):
        _, done = run_timed([*command, str(corpus.single)], corpus.root, env)
        if done.returncode != 0:
            raise failure("the tools disagree: threatgate accepts the model, "
                          "check-jsonschema", done)

    probe = corpus.root / SINGLE_DIR / "invalid-probe.yml"
    text = (corpus.root / corpus.single).read_text(encoding="utf-8")
    text, replaced = re.subn(
        r"^controls:\n",
        "controls:\n  - id: PROBE\n    title: Probe\n"
        "    status: implemented\n    assertions:\n"
        "      - {type: file_exists, path: src/x.py}\n",
        text,
        count=1,
        flags=re.MULTILINE,
    )
    if not replaced:
        raise BenchError("generator bug: the single model has no controls")
    probe.write_text(text, encoding="utf-8")
    try:
        for name, argv in (
            ("threatgate", [tools.threatgate, "validate", "--no-cache", str(probe)]),
            ("check-jsonschema", [*tools.check_jsonschema, str(probe)]),
            ("check-jsonschema (bundled)", [*tools.check_jsonschema_bundled, str(probe)]),
        ):
            _, done = run_timed(argv, corpus.root, env)
            if done.returncode != 1:
                raise failure(f"{name} on a model with a bad assertion (expected exit 1)", done)
    finally:
        probe.unlink()
    return report["summary"]["files"], report["summary"]["warnings"]


def _check_jsonschema_command(env: dict[str, str], scratch: Path) -> list[str]:
    """check-jsonschema resolves the relative $refs from the schema's file location; fall
    back to --base-uri if a version does not."""
    base = [tool("check-jsonschema"), "--schemafile", str(SCHEMA_FILE)]
    probe = scratch / "ref-probe.yaml"
    probe.write_text(
        "threatgate: 1\nid: probe\ntitle: Probe\n"
        "controls: [{id: C1, title: C, status: implemented,"
        " assertions: [{type: file_exists, file: a.py}]}]\n",
        encoding="utf-8",
    )
    try:
        for command in (base, [*base, "--base-uri", SCHEMA_FILE.as_uri()]):
            _, done = run_timed([*command, str(probe)], scratch, env)
            if done.returncode == 0:
                return command
        raise failure("check-jsonschema cannot resolve the schema's $refs", done)
    finally:
        probe.unlink()


# --- report ----------------------------------------------------------------------------


def print_report(
    info: dict[str, Any],
    corpus: Corpus,
    repeat: int,
    results: dict[str, Measurement],
    checked: list[dict[str, Any]],
) -> None:
    n = len(corpus.files)
    mb = corpus.total_bytes / 1e6
    print_header(
        f"threatgate validate benchmark: {n} models, {mb:.1f} MB "
        f"(avg {corpus.total_bytes / max(n, 1) / 1000:.1f} KB); single file "
        f"{corpus.single_bytes / 1000:.1f} KB; {repeat} interleaved rounds",
        info,
        f"{info['threatgate']}; {info['check_jsonschema']}; "
        f"PyYAML {yaml.__version__} (libyaml {yaml.__with_libyaml__})",
    )
    print()
    print_interleaved(results, memory=True)
    print()
    print_ratios(checked)


# --- main ------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time threatgate validate against check-jsonschema on generated models."
    )
    parser.add_argument(
        "--models",
        type=int,
        metavar="N",
        help=f"number of models (default {DEFAULT_MODELS}; {QUICK_MODELS} with --quick)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="write the corpus here and keep it (default: a temporary folder)",
    )
    add_repeat_option(parser, DEFAULT_REPEAT, QUICK_REPEAT)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke test: {QUICK_MODELS} models, {QUICK_REPEAT} run each",
    )
    parser.add_argument(
        "--single-only",
        action="store_true",
        help="time only the one-file and pre-commit cases (check-jsonschema takes about "
        "0.5 s per file, so the N-file runs take most of a full run)",
    )
    add_json_option(parser)
    args = parser.parse_args(argv)
    fill_defaults(
        args, models=(QUICK_MODELS, DEFAULT_MODELS), repeat=(QUICK_REPEAT, DEFAULT_REPEAT)
    )
    if args.models < 1 or args.repeat < 1:
        parser.error("--models and --repeat must be at least 1")
    return args


def run_benchmark(args: argparse.Namespace, root: Path, scratch: Path) -> int:
    env = bench_env(scratch, THREATGATE_TODAY=FIXED_TODAY,
                    THREATGATE_CACHE_DIR=str(scratch / "unused-cache"))
    threatgate = tool("threatgate")
    bundled = scratch / "threatmodel.bundled.schema.json"
    _, done = run_timed([threatgate, "schema", "--bundle"], scratch, env)
    if done.returncode != 0:
        raise failure("threatgate schema --bundle", done)
    bundled.write_text(done.stdout, encoding="utf-8")
    tools = Tools(threatgate, _check_jsonschema_command(env, scratch),
                  [tool("check-jsonschema"), "--schemafile", str(bundled)])
    if not getattr(yaml, "__with_libyaml__", False):
        raise BenchError("PyYAML is installed without libyaml: the C loader floor needs it")

    print(f"generating {args.models} models in {root} ...", flush=True)
    start = time.perf_counter()
    corpus = build_corpus(root, args.models)
    corpus_written = time.time()
    print(
        f"  {len(corpus.files)} models, {corpus.total_bytes / 1e6:.1f} MB "
        f"in {time.perf_counter() - start:.1f} s",
        flush=True,
    )
    print("checking the models ...", flush=True)
    checked_files, warnings = check_models(tools, corpus, env)
    print(
        f"  threatgate: {checked_files} files valid ({warnings} warnings); check-jsonschema:"
        " single file valid, the rest is checked by its timed runs"
    )

    files = [str(p) for p in corpus.files]
    n = len(files)
    folder = str(corpus.models_dir)
    tg, cj, cjb = tools.threatgate, tools.check_jsonschema, tools.check_jsonschema_bundled
    cj_shown = "check-jsonschema --schemafile schemas/threatmodel.schema.json"
    cjb_shown = "check-jsonschema --schemafile BUNDLED (threatgate schema --bundle)"

    # A passing run is remembered only when the files it read are older than the racy
    # window (threatgate.commands.replay): the caches are filled once the corpus is.
    settle = RACY_SECONDS - (time.time() - corpus_written)
    if settle > 0:
        print(f"  (waiting {settle:.1f} s: files this new are not remembered)", flush=True)
        time.sleep(settle)

    # The warm re-run: a first run fills a fresh cache, just before the first timed run
    # (the cache key covers threatgate's code, so an edit in between would empty the cache).
    cache_dir = Path(tempfile.mkdtemp(prefix="cache-", dir=scratch))
    warm_env = {**env, "THREATGATE_CACHE_DIR": str(cache_dir)}
    warm_argv = [tg, "validate", folder]
    fill: dict[str, float] = {}

    def fill_cache() -> None:
        if fill:
            return
        fill["seconds"], done = run_timed(warm_argv, root, warm_env)
        if done.returncode != 0:
            raise failure("threatgate validate (first run, filling the cache)", done)
        entries = sum(1 for _ in cache_dir.rglob("*.json"))
        if entries < n:
            raise BenchError(f"the cache holds {entries} entries after a run over {n} files")
        print(f"  (first run with a fresh cache, not timed: {fill['seconds']:.3f} s)",
              flush=True)

    # The pre-commit case: the hook passes the one changed file; the other models of the
    # repository are only scanned for their ids. Cache on: a cache of its own, which the
    # first round fills with the siblings' ids, as a developer's machine has; the file
    # itself is edited before every run, so its own result is never cached.
    precommit_env = {**env, "THREATGATE_CACHE_DIR": str(scratch / "precommit-cache")}
    # One file, cache on (the default): a cache of its own, filled before the timed runs.
    single_env = {**env, "THREATGATE_CACHE_DIR": str(scratch / "single-cache")}
    _, done = run_timed([tg, "validate", str(corpus.single)], root, single_env)
    if done.returncode != 0:
        raise failure("threatgate validate FILE (filling its cache)", done)
    hook = [tg, "validate", "--models-only"]
    disagree = "the tools disagree (threatgate accepts every model): "
    jobs = [
        Job("python", "python start-up", [sys.executable, "-c", "pass"], "python -c pass", env),
        Job("stack_imports", "imports: click, ruamel.yaml's libyaml parser, jsonschema_rs",
            [sys.executable, "-c", STACK_IMPORTS], "python -c 'import ...'", env),
        Job("click_import", "imports: click alone (the command line)",
            [sys.executable, "-c", "import click"], "python -c 'import click'", env),
        Job("tg_single", "1 file: threatgate validate --no-cache",
            [tg, "validate", "--no-cache", str(corpus.single)],
            "threatgate validate --no-cache FILE", env),
        Job("tg_single_warm", "1 file: threatgate validate, cache warm (the default)",
            [tg, "validate", str(corpus.single)], "threatgate validate FILE", single_env),
        Job("cj_single", "1 file: check-jsonschema (split schema)", [*cj, str(corpus.single)],
            f"{cj_shown} FILE", env, failure=disagree),
        Job("cj_single_bundled", "1 file: check-jsonschema (bundled schema)",
            [*cjb, str(corpus.single)], f"{cjb_shown} FILE", env, failure=disagree),
        Job("tg_precommit", f"pre-commit: 1 file of {n} models, --no-cache",
            [*hook, "--no-cache", PRECOMMIT_MODEL],
            "threatgate validate --models-only --no-cache FILE", env,
            cwd=root / PRECOMMIT_DIR),
        Job("tg_alone", "pre-commit: the same file alone, --no-cache",
            [*hook, "--no-cache", PRECOMMIT_MODEL],
            "threatgate validate --models-only --no-cache FILE", env, cwd=root / ALONE_DIR),
        Job("tg_precommit_cached", f"pre-commit: 1 changed file of {n} models, cache on",
            [*hook, PRECOMMIT_MODEL], "threatgate validate --models-only FILE (edited)",
            precommit_env, cwd=root / PRECOMMIT_DIR,
            prepare=editor(root / PRECOMMIT_DIR / PRECOMMIT_MODEL)),
        Job("tg_alone_cached", "pre-commit: the same changed file alone, cache on",
            [*hook, PRECOMMIT_MODEL], "threatgate validate --models-only FILE (edited)",
            precommit_env, cwd=root / ALONE_DIR,
            prepare=editor(root / ALONE_DIR / PRECOMMIT_MODEL)),
    ]
    if not args.single_only:
        jobs += [
            Job("tg_cold", f"{n} files: threatgate validate --no-cache (cold)",
                [tg, "validate", "--no-cache", folder], "threatgate validate --no-cache DIR",
                env),
            Job("tg_gate", f"{n} files: threatgate gate --no-cache (cold)",
                [tg, "gate", "--no-cache", folder], "threatgate gate --no-cache DIR", env),
            Job("cj_corpus", f"{n} files: check-jsonschema (split schema)", [*cj, *files],
                f"{cj_shown} FILE...", env, failure=disagree),
            Job("cj_corpus_bundled", f"{n} files: check-jsonschema (bundled schema)",
                [*cjb, *files], f"{cjb_shown} FILE...", env, failure=disagree),
            Job("tg_warm", f"{n} files: threatgate validate (warm cache)", warm_argv,
                "threatgate validate DIR (2nd run, same cache)", warm_env,
                prepare=fill_cache),
            Job("floor_pyyaml", f"{n} files: floor, PyYAML CSafeLoader load",
                [sys.executable, "-c", FLOOR_PYYAML, *files],
                "python: yaml.load(Loader=CSafeLoader) each file", env),
            Job("floor_ruamel", f"{n} files: ruamel.yaml YAML(typ='safe') load",
                [sys.executable, "-c", FLOOR_RUAMEL, *files],
                "python: ruamel YAML(typ='safe').load each file", env),
        ]
    print(f"timing ({args.repeat} rounds, the commands in turn) ...", flush=True)
    results = interleave(jobs, args.repeat, root)

    info = machine_info()
    info["threatgate"] = output([tools.threatgate, "--version"])
    # Anything printed means changed files under cli/threatgate/ or schemas/.
    info["threatgate_source"] = source_info(env, (".", "../../schemas"))
    info["check_jsonschema"] = output([tools.check_jsonschema[0], "--version"])
    checked = ratio_rows(results, TARGETS)
    print_report(info, corpus, args.repeat, results, checked)

    if args.json_out is not None:
        document = {
            "machine": info,
            "corpus": {
                "models": n,
                "bytes": corpus.total_bytes,
                "single_bytes": corpus.single_bytes,
                "seed": SEED,
                "today": FIXED_TODAY,
                "threatgate_warnings": warnings,
            },
            "repeat": args.repeat,
            "cache_fill_seconds": fill.get("seconds"),
            "measurements": [m.as_json() for m in results.values()],
            "ratios": checked,
        }
        write_json(args.json_out, document)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return run_in_root(
        "threatgate-bench-",
        args.out,
        "corpus",
        lambda root, scratch: run_benchmark(args, root, scratch),
    )


if __name__ == "__main__":
    sys.exit(main())
