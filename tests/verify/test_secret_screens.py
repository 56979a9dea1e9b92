"""The screens of ``no_plaintext_secret`` never hide a secret the full patterns find.

A file is scanned with the full secret patterns only when one of the screens matches,
so every match of a pattern must contain a match of its kind's screen.
"""

from __future__ import annotations

import random

import pytest

from threatgate.verify.assertions.patterns import (
    SCREEN_HINTS,
    SECRET_PATTERNS,
    SECRET_SCREENS,
    may_hold_secret,
)
from threatgate.verify.regexes import finditer, search

FLAG = "(?i)"

SECRETS = [
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    "key = 'AKIAABCDEFGHIJKLMNOP'",
    "ghp_" + "a" * 36,
    "xoxb-1234567890-abc",
    "AIza" + "b" * 35,
    "sk_live_" + "c" * 24,
    'DB_PASSWORD = "hunter2hunter2"',
    "SECRET_KEY: 'correct-horse-battery'",
    '{"api_key": "0123456789abcdef"}',
    'token := "abcdefgh12345678"',
    'secret => "abcdefgh12345678"',
    'password = os.environ.get("PASSWORD") or "you-will-never-guess"',
    'TOKEN = process.env.TOKEN || "abcdefgh12345678"',
    'os.getenv("DB_PASSWORD", "hunter2hunter2")',
    'ENV.fetch("API_KEY", "abcdefgh12345678")',
    # Case-insensitive matching also folds these onto ASCII letters.
    'PAſſWORD = "hunter2hunter2"',
    'apiKEY = "hunter2hunter2"',
    'TO\u212aEN = "hunter2hunter2"',
    'os.GETENV("MY_TOKEN", "hunter2hunter2")',
]


def test_every_kind_has_a_screen_taken_from_its_own_pattern() -> None:
    assert set(SECRET_SCREENS) == set(SECRET_PATTERNS)
    for kind, pattern in SECRET_PATTERNS.items():
        screen = SECRET_SCREENS[kind]
        assert screen.startswith(FLAG) == pattern.startswith(FLAG), kind
        assert screen.removeprefix(FLAG) in pattern.removeprefix(FLAG), kind


@pytest.mark.parametrize("text", SECRETS)
def test_a_text_with_a_secret_passes_the_screen(text: str) -> None:
    kinds = [kind for kind, pattern in SECRET_PATTERNS.items() if search(pattern, text)]
    assert kinds, f"no pattern finds a secret in {text!r}"
    for kind in kinds:
        assert search(SECRET_SCREENS[kind], text), kind
    assert may_hold_secret(text)


def test_a_clean_text_does_not_pass_the_screen() -> None:
    assert not may_hold_secret("def login(request):\n    return check(request.user)\n")


def test_random_texts_the_patterns_flag_always_pass_the_screen() -> None:
    pieces = ["password", "PASSWD", "secret_key", "api_key", "Token", "x_", " ", "\n", "=",
              ":=", "=>", ":", "'", '"', "hunter2hunter2", "or ", "|| ", "?? ", "getenv(",
              "environ.get(", ",", "AKIA", "ABCDEFGHIJKLMNOP", "ſ", "\u212a", "env(", "$"]
    rng = random.Random(21)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 14)))
        found = any(next(iter(finditer(p, text)), None) for p in SECRET_PATTERNS.values())
        if found:
            assert may_hold_secret(text), text


def test_a_screen_matches_only_texts_holding_one_of_its_hints() -> None:
    """The hints let a text skip a case-insensitive screen: they must be in every text the
    screen matches, whatever the case and the letters that fold onto ASCII."""
    pieces = ["PassWord", "PASSWD", "ſecret", "Secret_Key", "API_KEY", "apiKey", "TO\u212aEN",
              "token", "x_", " ", "=", ":=", "=>", ":", "'", '"', "environ.get(", "ENV.fetch(",
              "getEnv(", "Env.Get(", "env(", "(", ".", "pass", "word", "ENV", "get"]
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 10)))
        for kind, hints in SCREEN_HINTS.items():
            if search(SECRET_SCREENS[kind], text):
                assert any(hint in text.casefold() for hint in hints), (kind, text)
