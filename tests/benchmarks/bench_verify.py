#!/usr/bin/env python3
"""Benchmark ``threatgate verify`` against ``git grep`` on a generated repository.

Generates (deterministically) a throwaway git repository: F source files (Python,
JavaScript, TypeScript, Go and Java, 2-20 KB each) spread over 20 services, each with its
configuration files, and a ``threatmodels/`` folder of models whose ``implemented``
controls carry A assertions in all (100 per model) of eight types: pattern_matches,
pattern_absent, function_exists, import_present, file_exists, test_exists,
no_plaintext_secret and config_key_exists. Most assertions pass; a few fail on purpose,
so ``threatgate verify`` exits 1.

Before timing, one untimed run of each side checks the set-up: every assertion gets the
verdict the generator planned (none is an ``error``), the evidence files threatgate
reports are the ones the generator expects it to read, and git's idea of each glob's files
is threatgate's. Then it times, as subprocesses, wall-clock, best of K runs:

* ``threatgate verify --format json`` in the repository (exit 0 or 1 accepted, anything
  else is a tool error; every run must give the same verdicts digest);
* ``git grep`` over the same patterns with the same file scopes: one ``git grep -l`` per
  distinct (patterns, pathspec, case) query, all run one after the other from one
  ``sh`` script (so no Python start-up per query).

It prints assertions, files, evidence files read, wall times, assertions and files per
second, and the ratio threatgate / git grep (informational: the issue set no target).
The exit status is 0 when the benchmark ran; 1 when a tool fails or the generated
repository is not what it should be; 2 for a usage error.

Run from the repository root, with the project's virtualenv active::

    python tests/benchmarks/bench_verify.py [--files N] [--assertions N] [--repeat K]
                                            [--out DIR] [--quick] [--json FILE]

Not a pytest module: the file name does not match ``test_*.py`` and it defines no test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from benchkit import (
    GIT_ENV,
    BenchError,
    Done,
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

from threatgate.verify.assertions.patterns import SECRET_PATTERNS
from threatgate.verify.base import glob_matcher

DEFAULT_FILES = 5000
DEFAULT_ASSERTIONS = 2000
DEFAULT_REPEAT = 3
QUICK_FILES = 500
QUICK_ASSERTIONS = 200
QUICK_REPEAT = 1
PER_MODEL = 100
SEED = 20260601
FIXED_TODAY = "2026-06-01"
#: The issue's target: verify at most this many times the git grep queries' wall time.
TARGET_RATIO = 1.5
MARKER = "threatgate-bench-verify"  # inside .git/, so that --out DIR can be re-used

#: Assertion types and how many of every 100 assertions are of each.
MIX: tuple[tuple[str, int], ...] = (
    ("pattern_matches", 24),
    ("pattern_absent", 18),
    ("function_exists", 20),
    ("import_present", 12),
    ("file_exists", 8),
    ("test_exists", 6),
    ("no_plaintext_secret", 6),
    ("config_key_exists", 6),
)
#: Share of assertions of each type planned to fail.
FAIL_RATE = {
    "pattern_matches": 0.03,
    "pattern_absent": 0.04,
    "function_exists": 0.02,
    "import_present": 0.03,
    "file_exists": 0.05,
    "test_exists": 0.10,
    "config_key_exists": 0.05,
}


# --- vocabulary -----------------------------------------------------------------------

SERVICES = (
    "payments", "checkout", "identity", "billing", "search", "catalog", "messaging",
    "reporting", "onboarding", "support", "inventory", "shipping", "analytics",
    "notifications", "loyalty", "pricing", "refunds", "accounts", "partners", "media",
)  # fmt: skip
LANGUAGES = ("python", "typescript", "go", "java", "javascript")
EXTENSIONS = {"python": ".py", "typescript": ".ts", "go": ".go", "java": ".java",
              "javascript": ".js"}  # fmt: skip
PACKAGES = ("api", "core", "handlers", "models", "storage", "jobs", "util", "auth")
KINDS = ("service", "handler", "repository", "client", "views", "routes", "jobs",
         "helpers", "schema", "policy")  # fmt: skip
VERBS = ("load", "save", "build", "parse", "render", "check", "fetch", "update", "remove",
         "create", "find", "sync", "apply", "resolve", "merge", "compute", "format", "queue",
         "refresh", "archive")  # fmt: skip
NOUNS = ("order", "invoice", "session", "customer", "account", "payment", "refund", "cart",
         "report", "profile", "address", "shipment", "coupon", "ticket", "webhook", "event",
         "price", "batch", "ledger", "receipt")  # fmt: skip
CASES = ("rejects_unauthenticated", "rejects_expired", "handles_empty_input",
         "keeps_audit_trail", "escapes_output", "limits_rate", "round_trips",
         "refuses_replay")  # fmt: skip
KEYS = ("amount", "currency", "customer_id", "order_id", "region", "limit", "offset",
        "status", "locale", "channel")  # fmt: skip
ARGS = ("items", "rows", "records", "entries", "values")
VARS = ("total", "count", "result", "size", "width")
SENTENCES = (
    "Reads the request and returns the number of processed items",
    "Runs inside the request transaction and never commits on its own",
    "Callers must hold the service role before calling this",
    "Retries are the job of the queue consumer, not of this function",
    "Values are validated against the schema before they reach storage",
    "The result is cached for one minute per customer and region",
    "Only the fields listed in the contract are copied",
    "Errors are logged with the request id and re-raised",
    "Amounts are integers in minor units, never floating point",
    "This path is covered by the integration tests of the service",
)

#: Security-relevant calls a function may make (pattern_matches looks for them).
CALLS = {
    "python": ("verify_signature", "hmac.compare_digest", "bcrypt.hashpw", "bleach.clean",
               "require_role", "audit_log", "check_rate_limit", "escape_html",
               "validate_csrf", "secrets.token_urlsafe"),
    "typescript": ("verifySignature", "crypto.timingSafeEqual", "bcrypt.hash",
                   "DOMPurify.sanitize", "requireRole", "auditLog", "rateLimiter.consume",
                   "escapeHtml", "csrfProtection"),
    "go": ("VerifySignature", "hmac.Equal", "bcrypt.CompareHashAndPassword",
           "html.EscapeString", "RequireRole", "AuditLog", "limiter.Allow",
           "subtle.ConstantTimeCompare"),
    "java": ("verifySignature", "MessageDigest.isEqual", "passwordEncoder.encode",
             "Encode.forHtml", "requireRole", "auditLog", "rateLimiter.tryAcquire"),
}  # fmt: skip
CALLS["javascript"] = CALLS["typescript"]

#: (statement, the pattern_absent expression that finds it) per language.
DANGERS = {
    "python": (("eval(payload)", r"\beval\("),
               ('cursor.execute(f"SELECT * FROM orders WHERE id = {ident}")', r'execute\(f"'),
               ("pickle.loads(blob)", r"pickle\.loads\("),
               ("hashlib.md5(blob)", r"hashlib\.md5\(")),
    "typescript": (("eval(payload);", r"\beval\("),
                   ("el.innerHTML = html;", r"\.innerHTML\s*="),
                   ("child_process.exec(cmd);", r"child_process\.exec\(")),
    "go": (("_ = md5.New()", r"\bmd5\.New\("),
           ("_ = &tls.Config{InsecureSkipVerify: true}", r"InsecureSkipVerify:\s*true")),
    "java": (('MessageDigest.getInstance("MD5");', r'MessageDigest\.getInstance\("MD5"\)'),
             ("Random rnd = new Random();", r"\bnew\s+Random\(")),
}  # fmt: skip
DANGERS["javascript"] = DANGERS["typescript"]

HEADERS = (("X-Frame-Options", "DENY"), ("Strict-Transport-Security", "max-age=63072000"),
           ("Content-Security-Policy", "default-src https:"))  # fmt: skip

#: Modules a file may import: (module as import_present names it, how the code spells it).
IMPORTS = {
    "python": (("hmac", "import hmac"), ("hashlib", "import hashlib"),
               ("secrets", "import secrets"), ("bcrypt", "import bcrypt"),
               ("bleach", "import bleach"), ("jwt", "import jwt"),
               ("requests", "import requests"),
               ("cryptography.fernet", "from cryptography.fernet import Fernet"),
               ("sqlalchemy.orm", "from sqlalchemy.orm import Session"),
               ("django.middleware.csrf", "from django.middleware.csrf import get_token"),
               ("flask_limiter", "from flask_limiter import Limiter"),
               ("pydantic", "from pydantic import BaseModel")),
    "typescript": (("express", "express"), ("helmet", "helmet"), ("csurf", "csurf"),
                   ("jsonwebtoken", "jwt"), ("bcrypt", "bcrypt"), ("dompurify", "DOMPurify"),
                   ("zod", "z"), ("express-rate-limit", "rateLimit"),
                   ("node:crypto", "crypto"), ("@aws-sdk/client-kms", "kms")),
    "go": (("crypto/hmac", ""), ("crypto/subtle", ""), ("golang.org/x/crypto/bcrypt", ""),
           ("html", ""), ("net/http", ""), ("github.com/golang-jwt/jwt/v5", ""),
           ("golang.org/x/time/rate", ""), ("crypto/tls", "")),
    "java": (("org.owasp.encoder.Encode", ""), ("java.security.MessageDigest", ""),
             ("javax.crypto.Mac", ""),
             ("org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder", ""),
             ("com.google.common.util.concurrent.RateLimiter", ""),
             ("java.security.SecureRandom", ""), ("java.util.Base64", "")),
}  # fmt: skip
IMPORTS["javascript"] = IMPORTS["typescript"]

#: Configuration keys every service sets, per file; and keys nobody sets (to fail).
CONFIG_KEYS = ("server.port", "server.tls.enabled", "server.tls.min_version",
               "security.rate_limit.per_minute", "security.csrf.enabled",
               "session.cookie_secure", "session.ttl_minutes", "logging.level")  # fmt: skip
ENV_KEYS = ("DATABASE_URL", "LOG_LEVEL", "SESSION_TTL", "QUEUE_URL")
MISSING_KEYS = ("security.hsts.max_age", "server.tls.client_auth", "session.same_site")
MISSING_ENV = ("AUDIT_SINK", "KMS_KEY_ARN")

CONFIG_YAML = """\
server:
  port: 8443
  tls:
    enabled: true
    min_version: "1.2"
security:
  rate_limit:
    per_minute: 120
  csrf:
    enabled: true
session:
  cookie_secure: true
  ttl_minutes: 30
logging:
  level: info
"""
CONFIG_TOML = """\
[server]
port = 8443

[server.tls]
enabled = true
min_version = "1.2"

[security.rate_limit]
per_minute = 120

[security.csrf]
enabled = true

[session]
cookie_secure = true
ttl_minutes = 30

[logging]
level = "info"
"""
CONFIG_JSON = {
    "server": {"port": 8443, "tls": {"enabled": True, "min_version": "1.2"}},
    "security": {"rate_limit": {"per_minute": 120}, "csrf": {"enabled": True}},
    "session": {"cookie_secure": True, "ttl_minutes": 30},
    "logging": {"level": "info"},
}


# --- the source generator ---------------------------------------------------------------


@dataclass
class Func:
    name: str
    definition: str  # a regular expression (multiline) matching its definition line


@dataclass
class Source:
    path: str
    language: str
    test: bool
    size: int = 0
    functions: list[Func] = field(default_factory=list)
    calls: set[str] = field(default_factory=set)
    headers: set[str] = field(default_factory=set)
    dangers: set[str] = field(default_factory=set)  # pattern_absent expressions it holds
    imports: list[str] = field(default_factory=list)  # modules, as import_present names them
    tests: list[str] = field(default_factory=list)  # test names it defines
    secret: bool = False


@dataclass
class Service:
    index: int
    name: str
    language: str  # the primary one, and the tests'
    sources: list[Source] = field(default_factory=list)
    configs: dict[str, str] = field(default_factory=dict)  # format -> path


def _camel(words: Sequence[str], upper: bool = False) -> str:
    text = words[0] + "".join(w.capitalize() for w in words[1:])
    return text[0].upper() + text[1:] if upper else text


def _function_name(language: str, verb: str, noun: str) -> str:
    if language == "python":
        return f"{verb}_{noun}"
    return _camel([verb, noun], upper=language == "go")


def _statements(rng: random.Random, source: Source, arg: str) -> list[str]:
    """Extra statements of one function body: security calls, headers, maybe a danger."""
    lang = source.language
    out = []
    if rng.random() < 0.35:
        token = rng.choice(CALLS[lang])
        source.calls.add(token)
        out.append(
            {
                "python": f"{token}(request, {arg})",
                "go": f"_ = {token}(ctx, {arg})",
                "java": f"{token}(request, {arg});",
            }.get(lang, f"{token}(req, {arg});")
        )
    if rng.random() < 0.06:
        header, value = rng.choice(HEADERS)
        source.headers.add(header)
        out.append(
            {
                "python": f'response_headers["{header}"] = "{value}"',
                "go": f'w.Header().Set("{header}", "{value}")',
                "java": f'response.setHeader("{header}", "{value}");',
            }.get(lang, f'res.setHeader("{header}", "{value}");')
        )
    return out


def _function(rng: random.Random, source: Source, name: str, extra: list[str]) -> str:
    """One function (a method, in Java) of about 400-700 bytes."""
    lang = source.language
    arg, var, key = rng.choice(ARGS), rng.choice(VARS), rng.choice(KEYS)
    num, sentence = rng.randint(1, 500), rng.choice(SENTENCES)
    extra = extra + _statements(rng, source, arg)
    if lang == "python":
        source.functions.append(Func(name, rf"^def\s+{name}\("))
        body = "".join(f"    {s}\n" for s in extra)
        return (
            f'def {name}(request, {arg}):\n    """{sentence}."""\n'
            f'    {var} = request.get("{key}", {num})\n    if not {var}:\n'
            f'        raise ValueError("missing {key}")\n{body}'
            f"    for item in {arg}:\n        {var} += len(str(item))\n"
            f'        logger.debug("processed %s", item)\n    return {var}\n\n\n'
        )
    if lang in ("javascript", "typescript"):
        typed = lang == "typescript"
        params = f"req: Request, {arg}: string[]" if typed else f"req, {arg}"
        returns = ": Promise<number>" if typed else ""
        if rng.random() < 0.3:
            head = f"export const {name} = async ({params}){returns} => {{"
            tail = "};"
            source.functions.append(Func(name, rf"^export\s+const\s+{name}\s*=\s*async\b"))
        else:
            head = f"export async function {name}({params}){returns} {{"
            tail = "}"
            source.functions.append(Func(name, rf"^export\s+async\s+function\s+{name}\("))
        body = "".join(f"  {s}\n" for s in extra)
        return (
            f'{head}\n  // {sentence}.\n  let {var} = Number(req.body["{key}"] ?? {num});\n'
            f'  if (!{var}) {{\n    throw new Error("missing {key}");\n  }}\n{body}'
            f"  for (const item of {arg}) {{\n    {var} += String(item).length;\n"
            f'    logger.debug("processed", item);\n  }}\n  return {var};\n{tail}\n\n'
        )
    if lang == "go":
        if rng.random() < 0.3:
            head = f"func (s *Service) {name}(ctx context.Context, {arg} []string) (int, error) {{"
            source.functions.append(Func(name, rf"^func\s+\(s\s+\*Service\)\s+{name}\("))
        else:
            head = f"func {name}(ctx context.Context, {arg} []string) (int, error) {{"
            source.functions.append(Func(name, rf"^func\s+{name}\("))
        body = "".join(f"\t{s}\n" for s in extra)
        return (
            f"// {name}: {sentence.lower()}.\n{head}\n\t{var} := {num}\n"
            f'\tif len({arg}) == 0 {{\n\t\treturn 0, errors.New("missing {key}")\n\t}}\n'
            f"{body}\tfor _, item := range {arg} {{\n\t\t{var} += len(item)\n"
            f'\t\tlog.Printf("processed %s", item)\n\t}}\n\treturn {var}, nil\n}}\n\n'
        )
    source.functions.append(Func(name, rf"^\s+public\s+int\s+{name}\("))
    body = "".join(f"        {s}\n" for s in extra)
    return (
        f"    public int {name}(Request request, List<String> {arg}) {{\n"
        f"        // {sentence}.\n"
        f'        int {var} = request.getInt("{key}", {num});\n'
        f"        if ({var} == 0) {{\n"
        f'            throw new IllegalArgumentException("missing {key}");\n        }}\n'
        f"{body}        for (String item : {arg}) {{\n"
        f"            {var} += item.length();\n"
        f'            LOG.fine("processed " + item);\n        }}\n'
        f"        return {var};\n    }}\n\n"
    )


def _test_function(rng: random.Random, source: Source, name: str) -> str:
    lang, sentence = source.language, rng.choice(SENTENCES)
    value, key = rng.randint(1, 500), rng.choice(KEYS)
    source.tests.append(name)
    if lang == "python":
        return (
            f'def {name}():\n    """{sentence}."""\n'
            f'    response = client.post("/api/{key}", json={{"{key}": {value}}})\n'
            f"    assert response.status_code in (200, 400, 401)\n"
            f'    assert response.json().get("{key}") != {value + 1}\n\n\n'
        )
    if lang in ("javascript", "typescript"):
        return (
            f'it("{name}", async () => {{\n  // {sentence}.\n'
            f'  const response = await client.post("/api/{key}", {{ {key}: {value} }});\n'
            f"  expect([200, 400, 401]).toContain(response.status);\n"
            f"  expect(response.body.{key}).not.toBe({value + 1});\n}});\n\n"
        )
    if lang == "go":
        return (
            f"func {name}(t *testing.T) {{\n\t// {sentence}.\n"
            f'\tresp := client.Post("/api/{key}", {value})\n'
            f'\tif resp.StatusCode >= 500 {{\n\t\tt.Fatalf("status %d", resp.StatusCode)\n'
            f"\t}}\n}}\n\n"
        )
    return (
        f"    @Test\n    void {name}() {{\n        // {sentence}.\n"
        f'        Response response = client.post("/api/{key}", {value});\n'
        f"        assertTrue(response.status() < 500);\n    }}\n\n"
    )


def _header(rng: random.Random, source: Source, service: Service, stem: str) -> list[str]:
    lang = source.language
    chosen = rng.sample(IMPORTS[lang], rng.randint(1, 4))
    source.imports = [module for module, _ in chosen]
    if lang == "python":
        source.imports.append("logging")
        lines = [
            f'"""{service.name} {stem}: {rng.choice(SENTENCES).lower()}."""',
            "",
            "from __future__ import annotations",
            "",
            "import logging",
        ]
        lines += [spelling for _, spelling in chosen]
        return [*lines, "", "logger = logging.getLogger(__name__)", "", ""]
    if lang == "typescript":
        lines = [f"// {service.name} {stem}: {rng.choice(SENTENCES).lower()}."]
        lines += [f'import {ident} from "{module}";' for module, ident in chosen]
        return [*lines, "", "const logger = console;", "", ""]
    if lang == "javascript":
        lines = [f"// {service.name} {stem}: {rng.choice(SENTENCES).lower()}.", '"use strict";']
        lines += [f'const {ident} = require("{module}");' for module, ident in chosen]
        return [*lines, "", "const logger = console;", "", ""]
    if lang == "go":
        source.imports += ["context", "errors", "log"]
        modules = ["context", "errors", "log", *(m for m, _ in chosen)]
        return [
            f"// Package {service.name} {rng.choice(SENTENCES).lower()}.",
            f"package {service.name}",
            "",
            "import (",
            *(f'\t"{module}"' for module in modules),
            ")",
            "",
            "",
        ]
    # java: the package is named as often as the class
    source.imports = [m if rng.random() < 0.5 else m.rsplit(".", 1)[0] for m, _ in chosen]
    source.imports.append("java.util.List")
    return [
        f"// {rng.choice(SENTENCES)}.",
        f"package com.example.{service.name};",
        "",
        "import java.util.List;",
        "import java.util.logging.Logger;",
        *(f"import {module};" for module, _ in chosen),
        "",
    ]


def _secret_line(rng: random.Random, language: str) -> str:
    key = "AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
    return {
        "python": f'AWS_KEY_ID = "{key}"',
        "go": f'const awsKeyID = "{key}"',
        "java": f'    private static final String AWS_KEY_ID = "{key}";',
    }.get(language, f'const AWS_KEY_ID = "{key}";')


def render_source(
    rng: random.Random, source: Source, service: Service, stem: str, target: int, plant_secret: bool
) -> str:
    lang = source.language
    parts = _header(rng, source, service, stem)
    if lang == "java":
        cls = Path(source.path).stem
        parts += [
            f"public class {cls} {{",
            f'    private static final Logger LOG = Logger.getLogger("{service.name}");',
            "",
        ]
    if plant_secret:
        source.secret = True
        parts += [_secret_line(rng, lang), ""]
    text = "\n".join(parts) + "\n"
    chunks = [text]
    size, names = len(text), set()
    danger_at = rng.randrange(8) if not source.test and rng.random() < 1 / 30 else -1
    while size < target:
        if source.test:
            name = f"test_{rng.choice(VERBS)}_{rng.choice(NOUNS)}_{rng.choice(CASES)}"
            if lang == "go":
                name = "Test" + _camel(name.split("_")[1:], upper=True)
            elif lang == "java":
                name = _camel(name.split("_"))
        else:
            name = _function_name(lang, rng.choice(VERBS), rng.choice(NOUNS))
        while name in names:
            name += "_x" if "_" in name else "X"
        names.add(name)
        extra = []
        if len(names) - 1 == danger_at:
            statement, pattern = rng.choice(DANGERS[lang])
            source.dangers.add(pattern)
            extra.append(statement)
        if source.test:
            chunk = _test_function(rng, source, name)
        else:
            chunk = _function(rng, source, name, extra)
        chunks.append(chunk)
        size += len(chunk)
    if lang == "java":
        chunks.append("}\n")
    text = "".join(chunks)
    source.size = len(text.encode())
    return text


def _source_path(
    rng: random.Random, service: Service, language: str, test: bool, used: set[str]
) -> tuple[str, str]:
    """A new file path of the service and its stem (module or class name)."""
    while True:
        noun, kind = rng.choice(NOUNS), rng.choice(KINDS)
        ext = EXTENSIONS[language]
        base = f"services/{service.name}/" + ("tests" if test else f"src/{rng.choice(PACKAGES)}")
        if language == "java":
            stem = _camel([noun, kind], upper=True) + ("Test" if test else "")
        elif language in ("javascript", "typescript"):
            stem = _camel([noun, kind]) + (".test" if test else "")
        elif test:
            stem = f"{noun}_{kind}_test" if language == "go" else f"test_{noun}_{kind}"
        else:
            stem = f"{noun}_{kind}"
        path = f"{base}/{stem}{ext}"
        if path not in used:
            used.add(path)
            return path, stem


def build_repository(root: Path, files: int) -> tuple[list[Service], list[str]]:
    """Write the source and configuration files; return the services and every path."""
    services = []
    paths: list[str] = []
    per, rest = divmod(files, len(SERVICES))
    for index, name in enumerate(SERVICES):
        rng = random.Random(f"{SEED}-service-{index}")
        service = Service(index, name, LANGUAGES[index % len(LANGUAGES)])
        count = per + (1 if index < rest else 0)
        tests = max(1, count // 10) if count else 0
        used: set[str] = set()
        # Services 3, 10 and 17 hold a plain-text AWS key in one source file.
        secret_at = rng.randrange(max(1, count - tests)) if index % 7 == 3 else -1
        for number in range(count):
            test = number >= count - tests
            language = service.language
            if not test and rng.random() > 0.75:
                language = rng.choice([x for x in LANGUAGES if x != service.language])
            path, stem = _source_path(rng, service, language, test, used)
            source = Source(path, language, test)
            target = int(rng.triangular(2000, 20000, 5000))
            text = render_source(rng, source, service, stem, target, number == secret_at)
            _write(root, path, text)
            service.sources.append(source)
            paths.append(path)
        folder = f"services/{name}/config"
        service.configs = {
            "yaml": f"{folder}/settings.yaml",
            "toml": f"{folder}/settings.toml",
            "json": f"{folder}/app.json",
            "env": f"{folder}/.env",
        }
        _write(root, service.configs["yaml"], CONFIG_YAML)
        _write(root, service.configs["toml"], CONFIG_TOML)
        _write(root, service.configs["json"], json.dumps(CONFIG_JSON, indent=2) + "\n")
        _write(
            root,
            service.configs["env"],
            f"DATABASE_URL=postgres://db.internal/{name}\nLOG_LEVEL=info\n"
            f"SESSION_TTL=30\nQUEUE_URL=amqp://queue.internal/{name}\n",
        )
        paths += service.configs.values()
        services.append(service)
    return services, paths


def _write(root: Path, relative: str, text: str) -> None:
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8", newline="\n")


# --- git grep equivalents ---------------------------------------------------------------

ERE_SPECIAL = set(".[]()*+?{}|^$\\")
CLASS_ESCAPES = {"s": "[:space:]", "d": "0-9", "w": "[:alnum:]_"}


def to_ere(pattern: str) -> tuple[str, bool] | None:
    """A Python expression as a POSIX extended one (with the GNU ``\\b \\s \\w``
    extensions glibc and so ``git grep -E`` understand), and whether it is
    case-insensitive; None when it cannot be converted (look-around, lazy or possessive
    quantifiers, back-references, inline flags other than a leading ``(?i)``/``(?m)``).
    ``(?m)`` is dropped: git grep matches line by line, so ``^``/``$`` are line anchors."""
    ignore_case = False
    while pattern[:4] in ("(?i)", "(?m)"):
        ignore_case |= pattern[:4] == "(?i)"
        pattern = pattern[4:]
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        c = pattern[i]
        nxt = pattern[i + 1] if i + 1 < n else ""
        if in_class:
            if c == "\\":
                if nxt in CLASS_ESCAPES:
                    out.append(CLASS_ESCAPES[nxt])
                elif nxt.isalnum() or nxt in "]-^\\" or not nxt:
                    return None  # no POSIX spelling worth the trouble
                else:
                    out.append(nxt)
                i += 2
                continue
            if c == "]":
                in_class = False
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            start = i + 1 + (nxt == "^")
            out.append(pattern[i:start])
            i = start
            if pattern[i : i + 1] == "]":
                return None
            continue
        if c == "\\":
            if nxt == "d":
                out.append("[0-9]")
            elif nxt in "swbSWB" and nxt:
                out.append("\\" + nxt)
            elif not nxt or nxt.isalnum():
                return None
            else:
                out.append(("\\" + nxt) if nxt in ERE_SPECIAL else nxt)
            i += 2
            continue
        if c == "(" and nxt == "?":
            if pattern[i : i + 3] != "(?:":
                return None
            out.append("(")
            i += 3
            continue
        if c in "*+?}" and nxt in "?+":
            return None
        out.append(c)
        i += 1
    return "".join(out), ignore_case


@dataclass(frozen=True)
class Query:
    """One git grep: its expressions (any may match), the files it looks at, its flags."""

    patterns: tuple[str, ...]
    pathspec: str  # ":(literal)path" or ":(glob)pattern"
    engine: str = "-E"  # or "-P" when a pattern has no ERE spelling
    ignore_case: bool = False

    def argv(self) -> list[str]:
        flags = [self.engine] + (["-i"] if self.ignore_case else [])
        expressions = [arg for p in self.patterns for arg in ("-e", p)]
        return ["git", "grep", "-l", "--no-color", *flags, *expressions, "--", self.pathspec]


def make_query(patterns: Sequence[str], pathspec: str, ignore_case: bool = False) -> Query:
    converted = [to_ere(p) for p in patterns]
    if all(c is not None for c in converted):
        cases = {c[1] for c in converted if c is not None}  # inline (?i), all or none
        if len(cases) == 1:
            return Query(
                tuple(c[0] for c in converted if c is not None),
                pathspec,
                "-E",
                ignore_case or any(c[1] for c in converted if c is not None),
            )
    return Query(tuple(patterns), pathspec, "-P", ignore_case)


def literal(path: str) -> str:
    return f":(literal){path}"


def glob_spec(pattern: str) -> str:
    return f":(glob){pattern}"


FUNCTION_GREP = {
    "python": r"^\s*(?:async\s+)?def\s+{n}\s*\(",
    "javascript": r"\bfunction\s+{n}\s*\(|\b{n}\s*=\s*(?:async\s+)?\(",
    "typescript": r"\bfunction\s+{n}\s*\(|\b{n}\s*=\s*(?:async\s+)?\(",
    "go": r"\bfunc\s+(?:\([^)]*\)\s*)?{n}\s*\(",
    "java": r"\b\w+(?:<[^>]*>)?\s+{n}\s*\([^;]*\{\s*$",
}
TEST_GREP = {
    "python": r"^\s*(?:async\s+)?def\s+{n}\s*\(",
    "javascript": r"""\b(?:it|test|describe)\s*\(\s*["'`]{n}["'`]""",
    "typescript": r"""\b(?:it|test|describe)\s*\(\s*["'`]{n}["'`]""",
    "go": r"\bfunc\s+{n}\s*\(",
    "java": r"\bvoid\s+{n}\s*\(",
}
TEST_GLOBS = {"python": "tests/**/test_*.py", "javascript": "tests/**/*.test.js",
              "typescript": "tests/**/*.test.ts", "go": "tests/**/*_test.go",
              "java": "tests/**/*Test.java"}  # fmt: skip


def import_grep(language: str, module: str) -> str:
    m = re.escape(module)
    if language == "python":
        return rf"^\s*(?:from|import)\s+{m}\b"
    if language in ("javascript", "typescript"):
        return rf"""(?:\bfrom|\brequire\(|\bimport)\s*["']{m}(?:/[^"']*)?["']"""
    if language == "go":
        return rf'"{m}(?:/[^"]*)?"'
    return rf"^\s*import\s+(?:static\s+)?{m}\b"


def config_grep(fmt: str, key: str) -> str:
    leaf = re.escape(key.rsplit(".", 1)[-1])
    return {
        "yaml": rf"^\s*{leaf}\s*:",
        "toml": rf"^\s*{leaf}\s*=",
        "json": rf'"{leaf}"\s*:',
        "env": rf"^\s*(?:export\s+)?{leaf}=",
    }[fmt]


# --- the assertion planner ----------------------------------------------------------------


@dataclass
class Planned:
    """One assertion, the verdict it must get, the files threatgate reads for it (in
    order), and the git grep queries that answer the same question."""

    assertion: dict[str, Any]
    expected: str
    reads: list[str]
    queries: list[Query]
    passes_when: str  # "listed": some query lists a file; "unlisted": none does


class Planner:
    def __init__(self, services: list[Service], paths: list[str]) -> None:
        self.services = services
        self.paths = sorted(paths)  # threatgate's glob order

    def glob(self, pattern: str) -> list[str]:
        match = glob_matcher(pattern)
        return [p for p in self.paths if match(p)]

    def plan(self, rng: random.Random, kind: str, service: Service) -> Planned:
        fail = rng.random() < FAIL_RATE.get(kind, 0.0)
        code = [s for s in service.sources if not s.test]
        if kind == "pattern_matches":
            return self._pattern_matches(rng, code, fail)
        if kind == "pattern_absent":
            return self._pattern_absent(rng, code, fail)
        if kind == "function_exists":
            source = rng.choice(code)
            name = rng.choice(source.functions).name
            if fail:
                name += "_legacy" if source.language == "python" else "Legacy"
            pattern = FUNCTION_GREP[source.language].replace("{n}", re.escape(name))
            return Planned(
                {"type": kind, "file": source.path, "name": name},
                "fail" if fail else "pass",
                [source.path],
                [make_query([pattern], literal(source.path))],
                "listed",
            )
        if kind == "import_present":
            source = rng.choice(code)
            known = [m for m, _ in IMPORTS[source.language]]
            missing = [
                m
                for m in known
                if not any(
                    m == i or m.startswith(i + ".") or i.startswith(m + ".") for i in source.imports
                )
            ]
            module = rng.choice(missing) if fail and missing else rng.choice(source.imports)
            expected = "fail" if module not in source.imports else "pass"
            return Planned(
                {"type": kind, "file": source.path, "module": module},
                expected,
                [source.path],
                [make_query([import_grep(source.language, module)], literal(source.path))],
                "listed",
            )
        if kind == "file_exists":
            if fail:
                path = f"services/{service.name}/SECURITY.md"
                return Planned(
                    {"type": kind, "file": path},
                    "fail",
                    [],
                    [make_query(["^"], literal(path))],
                    "listed",
                )
            choice = rng.choice([*(s.path for s in service.sources), *service.configs.values()])
            return Planned(
                {"type": kind, "file": choice},
                "pass",
                [choice],
                [make_query(["^"], literal(choice))],
                "listed",
            )
        if kind == "test_exists":
            return self._test_exists(rng, service, fail)
        if kind == "no_plaintext_secret":
            return self._no_plaintext_secret(rng, service)
        return self._config_key(rng, service, fail)

    def _pattern_matches(self, rng: random.Random, code: list[Source], fail: bool) -> Planned:
        source = rng.choice(code)
        lang, roll = source.language, rng.random()
        assertion: dict[str, Any] = {"type": "pattern_matches", "file": source.path}
        present = sorted(source.headers)
        absent = [h for h, _ in HEADERS if h not in source.headers]
        if roll < 0.15 and (absent if fail else present):
            header = rng.choice(absent if fail else present)
            assertion.update(pattern=re.escape(header.lower()), ignore_case=True)
            expected = "fail" if fail else "pass"
        elif roll < 0.4:
            func = rng.choice(source.functions)
            pattern = func.definition
            if fail:
                pattern = pattern.replace(func.name, func.name + "Deprecated", 1)
            assertion.update(pattern=pattern, multiline=True)
            expected = "fail" if fail else "pass"
        else:
            absent = [c for c in CALLS[lang] if c not in source.calls]
            if fail and absent:
                token, expected = rng.choice(absent), "fail"
            elif source.calls:
                token, expected = rng.choice(sorted(source.calls)), "pass"
            else:
                token, expected = rng.choice(CALLS[lang]), "fail"
            assertion["pattern"] = re.escape(token) + r"\("
        query = make_query(
            [assertion["pattern"]], literal(source.path), bool(assertion.get("ignore_case"))
        )
        return Planned(assertion, expected, [source.path], [query], "listed")

    def _pattern_absent(self, rng: random.Random, code: list[Source], fail: bool) -> Planned:
        dangerous = [s for s in code if s.dangers]
        if fail and dangerous:
            source = rng.choice(dangerous)
            pattern, expected = rng.choice(sorted(source.dangers)), "fail"
        else:
            source = rng.choice(code)
            clean = [p for _, p in DANGERS[source.language] if p not in source.dangers]
            pattern, expected = rng.choice(clean), "pass"
        assertion = {"type": "pattern_absent", "file": source.path, "pattern": pattern}
        return Planned(
            assertion,
            expected,
            [source.path],
            [make_query([pattern], literal(source.path))],
            "unlisted",
        )

    def _test_exists(self, rng: random.Random, service: Service, fail: bool) -> Planned:
        pattern = f"services/{service.name}/{TEST_GLOBS[service.language]}"
        files = self.glob(pattern)
        tests = [s for s in service.sources if s.test]
        owner = rng.choice(tests)
        name = rng.choice(owner.tests)
        if fail:
            name = {"go": "TestLegacy", "java": "testLegacy"}.get(
                service.language, "test_legacy"
            ) + name[4:]
        by_path = {s.path: s for s in tests}
        reads: list[str] = []
        expected = "fail"
        for path in files:
            reads.append(path)
            if name in by_path[path].tests:
                expected = "pass"
                break
        grep = TEST_GREP[service.language].replace("{n}", re.escape(name))
        return Planned(
            {"type": "test_exists", "glob": pattern, "name": name},
            expected,
            reads,
            [make_query([grep], glob_spec(pattern))],
            "listed",
        )

    def _no_plaintext_secret(self, rng: random.Random, service: Service) -> Planned:
        ext = EXTENSIONS[service.language]
        pattern = rng.choice(
            (
                f"services/{service.name}/src/**",
                f"services/{service.name}/**/*{ext}",
                f"services/{service.name}/tests/**",
                f"services/{service.name}/**",
            )
        )
        secret = {s.path for s in service.sources if s.secret}
        reads: list[str] = []
        expected = "pass"
        for path in self.glob(pattern):
            reads.append(path)
            if path in secret:
                expected = "fail"
                break
        sensitive = [p for p in SECRET_PATTERNS.values() if not p.startswith("(?i)")]
        insensitive = [p for p in SECRET_PATTERNS.values() if p.startswith("(?i)")]
        queries = [make_query(sensitive, glob_spec(pattern))]
        queries += [make_query([p], glob_spec(pattern)) for p in insensitive]
        return Planned(
            {"type": "no_plaintext_secret", "glob": pattern}, expected, reads, queries, "unlisted"
        )

    def _config_key(self, rng: random.Random, service: Service, fail: bool) -> Planned:
        fmt = rng.choice(("yaml", "toml", "json", "env"))
        path = service.configs[fmt]
        if fmt == "env":
            key = rng.choice(MISSING_ENV if fail else ENV_KEYS)
        else:
            key = rng.choice(MISSING_KEYS if fail else CONFIG_KEYS)
        return Planned(
            {"type": "config_key_exists", "file": path, "key": key},
            "fail" if fail else "pass",
            [path],
            [make_query([config_grep(fmt, key)], literal(path))],
            "listed",
        )


CONTROL_TITLES = ("Parameterised queries only", "Signed webhooks", "Password hashing",
                  "Output encoding", "Rate limiting", "Audit logging", "CSRF protection",
                  "Security headers", "No secrets in code", "TLS everywhere",
                  "Session hardening", "Dependency hygiene", "Tests for access rules",
                  "Safe deserialisation", "Role checks on admin actions")  # fmt: skip


def build_models(
    root: Path, services: list[Service], paths: list[str], assertions: int
) -> list[Planned]:
    """Write the models into threatmodels/; return every assertion as planned."""
    planner = Planner(services, paths)
    planned: list[Planned] = []
    models = -(-assertions // PER_MODEL)
    for m in range(models):
        rng = random.Random(f"{SEED}-model-{m}")
        service = services[m % len(services)]
        count = min(PER_MODEL, assertions - m * PER_MODEL)
        kinds = [kind for kind, share in MIX for _ in range(share)]
        rng.shuffle(kinds)
        controls: list[dict[str, Any]] = []
        for number, kind in enumerate(kinds[:count]):
            if number % 5 == 0:
                controls.append(
                    {
                        "id": f"C{len(controls) + 1:02d}",
                        "title": f"{rng.choice(CONTROL_TITLES)} ({service.name})",
                        "status": "implemented",
                        "assertions": [],
                    }
                )
            plan = planner.plan(rng, kind, service)
            plan.assertion = {"id": f"A{m:02d}-{number:03d}", **plan.assertion}
            controls[-1]["assertions"].append(plan.assertion)
            planned.append(plan)
        model = {
            "threatgate": 1,
            "id": f"bench-{service.name}-{m:02d}",
            "title": f"{service.name.capitalize()} service ({m})",
            "controls": controls,
        }
        _write(
            root,
            f"threatmodels/{service.name}-{m:02d}.yaml",
            yaml.safe_dump(model, sort_keys=False, width=100),
        )
    return planned


def init_git(root: Path) -> str:
    env = {**os.environ, **GIT_ENV}
    for argv in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "-A"],
        [
            "git",
            "-c",
            "commit.gpgsign=false",
            "commit",
            "-q",
            "--no-verify",
            "-m",
            "Generated repository for bench_verify.py",
        ],
    ):
        done = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise _failure(" ".join(argv), done)
    (root / ".git" / MARKER).write_text("generated by tests/benchmarks/bench_verify.py\n")
    return output(["git", "rev-parse", "HEAD"], env, root)


# --- running and timing ----------------------------------------------------------------


#: Only this much of the end of a failed command's standard output is shown.
STDOUT_TAIL = 4000


def _failure(what: str, done: Done) -> BenchError:
    return failure(what, done, STDOUT_TAIL)


def grep_script(queries: list[Query]) -> str:
    """A shell script running every query in turn; each one's -l output follows '@@ N'."""
    lines = [
        "#!/bin/sh",
        "status=0",
        'q() { n=$1; shift; echo "@@ $n"; "$@"; s=$?;',
        '  if [ $s -gt 1 ]; then echo "query $n: exit status $s" >&2; status=1; fi; }',
    ]
    lines += [f"q {n} {shlex.join(q.argv())}" for n, q in enumerate(queries)]
    lines.append('exit "$status"')
    return "\n".join(lines) + "\n"


def parse_grep_output(text: str, count: int) -> list[set[str]]:
    listed: list[set[str]] = [set() for _ in range(count)]
    current: set[str] | None = None
    for line in text.splitlines():
        if line.startswith("@@ "):
            current = listed[int(line[3:])]
        elif line and current is not None:
            current.add(line)
    return listed


def check_threatgate(done: Done, planned: list[Planned]) -> dict[str, Any]:
    """The verify report says what the generator planned: every verdict, every file read."""
    if done.returncode not in (0, 1):
        raise _failure("threatgate verify", done)
    try:
        report = json.loads(done.stdout)
    except ValueError:
        raise _failure("threatgate verify --format json (no JSON)", done) from None
    if "model is not valid" in done.stderr:
        raise _failure("threatgate verify (a generated model is not valid)", done)
    got = {row["assertion_id"]: row for row in report["assertions"]}
    problems = []
    for plan in planned:
        row = got.get(plan.assertion["id"])
        if row is None:
            problems.append(f"{plan.assertion['id']}: not in the report")
        elif row["status"] != plan.expected:
            problems.append(
                f"{plan.assertion['id']}: {row['status']}, planned "
                f"{plan.expected} ({row['reason']}); {plan.assertion}"
            )
    if len(got) != len(planned):
        problems.append(f"{len(got)} assertions in the report, {len(planned)} planned")
    expected_files = {path for plan in planned for path in plan.reads}
    read = {entry["path"] for entry in report["evidence_files"]}
    if read != expected_files:
        problems.append(
            f"evidence files: {len(read - expected_files)} read unexpectedly "
            f"(e.g. {sorted(read - expected_files)[:3]}), "
            f"{len(expected_files - read)} expected but not read "
            f"(e.g. {sorted(expected_files - read)[:3]})"
        )
    if problems:
        shown = "\n".join(f"    {p}" for p in problems[:15])
        raise BenchError(
            f"threatgate verify does not give the planned verdicts "
            f"({len(problems)} problems):\n{shown}"
        )
    expected_status = 1 if any(p.expected == "fail" for p in planned) else 0
    if done.returncode != expected_status:
        raise _failure(f"threatgate verify (expected exit status {expected_status})", done)
    return report


# --- report ----------------------------------------------------------------------------


def print_report(
    info: dict[str, Any],
    repeat: int,
    results: dict[str, Measurement],
    figures: list[tuple[str, str, str]],
) -> None:
    print_header(
        f"threatgate verify benchmark: {info['assertions']} assertions in {info['models']} "
        f"models; repository of {info['repo_files']} files ({info['source_files']} source "
        f"files, {info['source_bytes'] / 1e6:.1f} MB); {repeat} interleaved rounds",
        info,
        f"{info['threatgate']}; {info['git']}",
    )
    print(f"generated repository: commit {info['commit']} (seed {SEED})")
    print()
    print_interleaved(results, memory=True)
    print()
    width = max(len(label) for label, _, _ in figures)
    value_width = max(len(value) for _, value, _ in figures)
    print(f"{'figure':<{width}}  {'value':>{value_width}}  note")
    print(f"{'-' * width}  {'-' * value_width}  ----")
    for label, value, note in figures:
        print(f"{label:<{width}}  {value:>{value_width}}  {note}".rstrip())


# --- main ------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time threatgate verify against git grep on a generated repository."
    )
    parser.add_argument(
        "--files",
        type=int,
        metavar="N",
        help=f"source files in the repository (default {DEFAULT_FILES}; "
        f"{QUICK_FILES} with --quick)",
    )
    parser.add_argument(
        "--assertions",
        type=int,
        metavar="N",
        help=f"assertions, {PER_MODEL} per model (default "
        f"{DEFAULT_ASSERTIONS}; {QUICK_ASSERTIONS} with --quick)",
    )
    add_repeat_option(parser, DEFAULT_REPEAT, QUICK_REPEAT)
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="generate the repository here and keep it (default: a temporary folder)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke test: {QUICK_FILES} files, {QUICK_ASSERTIONS} "
        f"assertions, {QUICK_REPEAT} run each",
    )
    parser.add_argument(
        "--compare-jobs",
        type=int,
        action="append",
        default=[],
        metavar="N",
        help="also time threatgate verify --jobs N (repeatable), against the default",
    )
    add_json_option(parser)
    args = parser.parse_args(argv)
    fill_defaults(
        args,
        files=(QUICK_FILES, DEFAULT_FILES),
        assertions=(QUICK_ASSERTIONS, DEFAULT_ASSERTIONS),
        repeat=(QUICK_REPEAT, DEFAULT_REPEAT),
    )
    if args.repeat < 1 or args.assertions < 1:
        parser.error("--repeat and --assertions must be at least 1")
    if args.files < 20 * len(SERVICES):
        parser.error(f"--files must be at least {20 * len(SERVICES)} (20 per service)")
    return args


def prepare_root(root: Path) -> None:
    if root.exists() and any(root.iterdir()):
        if not (root / ".git" / MARKER).is_file():
            raise BenchError(
                f"{root} exists and was not made by this script; choose an empty or new folder"
            )
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)


def run_benchmark(args: argparse.Namespace, root: Path, scratch: Path) -> int:
    env = bench_env(scratch, **GIT_ENV, THREATGATE_TODAY=FIXED_TODAY,
                    THREATGATE_CACHE_DIR=str(scratch / "cache"))
    threatgate, git = tool("threatgate"), tool("git")

    print(
        f"generating {args.files} source files and {args.assertions} assertions in {root} ...",
        flush=True,
    )
    start = time.perf_counter()
    prepare_root(root)
    services, paths = build_repository(root, args.files)
    planned = build_models(root, services, paths, args.assertions)
    commit = init_git(root)
    tracked = run_timed(["git", "ls-files", "-z"], root, env)[1].stdout.split("\0")
    tracked = [p for p in tracked if p]
    sources = [s for service in services for s in service.sources]
    source_bytes = sum(s.size for s in sources)
    print(
        f"  {len(sources)} source files ({source_bytes / 1e6:.1f} MB), {len(tracked)} files "
        f"committed as {commit[:12]}, in {time.perf_counter() - start:.1f} s",
        flush=True,
    )

    # The git grep side: one query per distinct (patterns, pathspec, case); the files each
    # searches, which must be the files threatgate's globs see.
    queries = sorted(
        {q for plan in planned for q in plan.queries},
        key=lambda q: (q.pathspec, q.patterns, q.ignore_case),
    )
    index = {q: n for n, q in enumerate(queries)}
    scope: dict[str, list[str]] = {}
    tracked_set = set(tracked)
    for spec in {q.pathspec for q in queries}:
        if spec.startswith(":(glob)"):
            mine = Planner(services, tracked).glob(spec[len(":(glob)") :])
            gits = sorted(
                p
                for p in run_timed(["git", "ls-files", "-z", "--", spec], root, env)[
                    1
                ].stdout.split("\0")
                if p
            )
            if gits != mine:
                raise BenchError(
                    f"git and threatgate disagree on the files of {spec}: "
                    f"{len(gits)} against {len(mine)}"
                )
            scope[spec] = mine
        else:
            path = spec[len(":(literal)") :]
            scope[spec] = [path] if path in tracked_set else []
    script = scratch / "git-grep-queries.sh"
    script.write_text(grep_script(queries), encoding="utf-8")
    engines = {q.engine for q in queries}
    searched = sum(len(scope[q.pathspec]) for q in queries)
    distinct_searched = len({p for q in queries for p in scope[q.pathspec]})
    pcre = sum(q.engine == "-P" for q in queries)

    print("checking the verdicts (untimed runs of both) ...", flush=True)
    tg_argv = [threatgate, "verify", "--format", "json"]
    _, done = run_timed(tg_argv, root, env)
    report = check_threatgate(done, planned)
    digest = report["verdicts_digest"]
    _, grep_done = run_timed(["sh", str(script)], root, env)
    if grep_done.returncode != 0:
        raise _failure("the git grep queries", grep_done)
    listed = parse_grep_output(grep_done.stdout, len(queries))
    agree = 0
    for plan in planned:
        found = any(listed[index[q]] for q in plan.queries)
        verdict = "pass" if found == (plan.passes_when == "listed") else "fail"
        agree += verdict == plan.expected
    summary = report["summary"]
    print(
        f"  threatgate: {summary['pass']} pass, {summary['fail']} fail, {summary['error']} "
        f"error, exit status {done.returncode}, all as planned; git grep answers "
        f"{agree} of {len(planned)} the same way",
        flush=True,
    )

    def same_verdicts(run: Done) -> None:
        again = json.loads(run.stdout)
        if again["verdicts_digest"] == digest:
            return
        first = {row["assertion_id"]: row for row in report["assertions"]}
        changed = [
            f"{row['assertion_id']}: {first[row['assertion_id']]['status']} "
            f"({first[row['assertion_id']]['reason']}), now {row['status']} ({row['reason']})"
            for row in again["assertions"]
            if (row["status"], row["reason"])
            != (first[row["assertion_id"]]["status"], first[row["assertion_id"]]["reason"])
        ]
        shown = "\n".join(f"    {line}" for line in changed[:15])
        raise BenchError(
            f"threatgate verify gave different verdicts between runs ({len(changed)} "
            f"assertions):\n{shown}"
        )

    print(f"timing ({args.repeat} rounds, the commands in turn) ...", flush=True)
    grep_shown = (f"sh queries.sh: git grep -l {'/'.join(sorted(engines))} [-i] -e PATTERN... "
                  "-- PATHSPEC, one per query")
    jobs = [
        Job("threatgate", "threatgate verify --format json", tg_argv,
            "threatgate verify --format json", env, ok=(0, 1), check=same_verdicts),
        Job("git_grep", f"git grep, {len(queries)} queries in turn", ["sh", str(script)],
            grep_shown, env),
    ]
    for jobs_flag in args.compare_jobs:
        jobs.append(Job(f"threatgate_j{jobs_flag}", f"threatgate verify --jobs {jobs_flag}",
                        [*tg_argv, "--jobs", str(jobs_flag)],
                        f"threatgate verify --format json --jobs {jobs_flag}", env,
                        ok=(0, 1), check=same_verdicts))
    results = interleave(jobs, args.repeat, root, STDOUT_TAIL)

    tg, gg = results["threatgate"].seconds, results["git_grep"].seconds
    evidence = len(report["evidence_files"])
    total_reads = sum(len(plan.reads) for plan in planned)
    info = machine_info()
    info.update(
        assertions=len(planned),
        models=-(-len(planned) // PER_MODEL),
        repo_files=len(tracked),
        source_files=len(sources),
        source_bytes=source_bytes,
        commit=commit,
        threatgate=output([threatgate, "--version"]),
        git=output([git, "--version"]),
        threatgate_source=source_info(env, (".", "../../schemas")),
    )
    figures = [
        (
            "assertions",
            f"{len(planned)}",
            f"pass {summary['pass']}, fail {summary['fail']}, error {summary['error']}",
        ),
        (
            "files in repository",
            f"{len(tracked)}",
            f"{len(sources)} source files, {source_bytes / 1e6:.1f} MB",
        ),
        ("distinct evidence files read", f"{evidence}", "the report's evidence_files"),
        ("evidence reads, summed over assertions", f"{total_reads}", "as planned"),
        ("threatgate wall time (s, median)", f"{tg:.3f}", "verify --format json, default --jobs"),
        ("assertions per second", f"{len(planned) / tg:.0f}", ""),
        ("distinct files read per second", f"{evidence / tg:.0f}", ""),
        ("evidence reads per second", f"{total_reads / tg:.0f}", ""),
        ("git grep queries", f"{len(queries)}", f"{len(queries) - pcre} with -E, {pcre} with -P"),
        ("git grep wall time (s, median)", f"{gg:.3f}", "queries run one after the other"),
        (
            "files searched by git grep",
            f"{searched}",
            f"summed over queries; {distinct_searched} distinct",
        ),
        ("git grep files searched per second", f"{searched / gg:.0f}", ""),
        ("git grep answers agreeing with threatgate", f"{agree}/{len(planned)}", "info"),
    ]
    checked = ratio_rows(results, [
        Target("threatgate_vs_git_grep", "threatgate verify / git grep (wall time)",
               "threatgate", "git_grep", TARGET_RATIO),
        *(Target(f"jobs_{n}", f"verify --jobs {n} / default --jobs", f"threatgate_j{n}",
                 "threatgate", None) for n in args.compare_jobs),
    ])
    print_report(info, args.repeat, results, figures)
    print()
    print_ratios(checked)

    if args.json_out is not None:
        document = {
            "machine": info,
            "repository": {
                "files": args.files,
                "assertions": args.assertions,
                "seed": SEED,
                "today": FIXED_TODAY,
                "commit": commit,
            },
            "repeat": args.repeat,
            "measurements": [m.as_json() for m in results.values()],
            "threatgate": {
                "summary": summary,
                "evidence_files": evidence,
                "evidence_reads": total_reads,
                "assertions_per_second": len(planned) / tg,
                "files_read_per_second": evidence / tg,
                "reads_per_second": total_reads / tg,
            },
            "git_grep": {
                "queries": len(queries),
                "pcre_queries": pcre,
                "files_searched": searched,
                "distinct_files_searched": distinct_searched,
                "files_searched_per_second": searched / gg,
                "agreeing_answers": agree,
            },
            "ratios": checked,
        }
        write_json(args.json_out, document)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return run_in_root(
        "threatgate-bench-verify-",
        args.out,
        "repo",
        lambda root, scratch: run_benchmark(args, root, scratch),
    )


if __name__ == "__main__":
    sys.exit(main())
