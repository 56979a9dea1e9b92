"""Settings found valid are remembered (signed, keyed by their exact content); invalid
ones are explained on every run; ``cache = false`` leaves no entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from threatgate.errors import ConfigError
from threatgate.model import schema, settings_verdicts
from threatgate.model.config import check_settings
from threatgate.support.cache import ResultCache


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("THREATGATE_CACHE_DIR", str(folder))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return folder


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.json")) if folder.exists() else []


def test_valid_settings_are_checked_once_then_known(
        cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = {"expiring_days": 20, "rules": {"unused-control": "off"}}
    check_settings(None, settings)
    assert len(_entries(cache_dir)) == 1
    assert settings_verdicts.lookup(settings)[0] is True

    def no_schema(*_: object) -> None:
        raise AssertionError("the schema was consulted for known settings")

    monkeypatch.setattr(schema, "check", no_schema)
    check_settings(None, dict(settings))  # known: no schema check


def test_invalid_settings_are_refused_every_time_and_never_recorded(cache_dir: Path) -> None:
    for settings in ({"expiring_days": "soon"}, {"rules": {"no-such-rule": "off"}}):
        for _ in range(2):
            with pytest.raises(ConfigError):
                check_settings(None, settings)
    assert _entries(cache_dir) == []


def test_a_date_and_the_same_text_are_different_settings(cache_dir: Path) -> None:
    as_text = {"gate": {"note": "2026-01-01"}}
    as_date = {"gate": {"note": dt.date(2026, 1, 1)}}
    _, remember = settings_verdicts.lookup(as_text)
    remember()
    assert settings_verdicts.lookup(as_text)[0] is True
    assert settings_verdicts.lookup(as_date)[0] is False


def test_a_changed_rule_module_forgets_the_verdicts(
        cache_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = {"expiring_days": 21}
    check_settings(None, settings)
    rules = tmp_path / "package" / "validate" / "rules"
    rules.mkdir(parents=True)
    (rules / "new_rule.py").write_text("RULE = 1\n", encoding="utf-8")
    monkeypatch.setattr(settings_verdicts, "PACKAGE_DIR", tmp_path / "package")
    assert settings_verdicts.lookup(settings)[0] is False


def test_settings_without_the_cache_leave_no_entry(cache_dir: Path) -> None:
    check_settings(None, {"cache": False, "expiring_days": 10})
    assert _entries(cache_dir) == []


def test_a_copied_entry_is_not_believed(cache_dir: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The valid verdict of other settings, copied under the key of invalid ones, does not
    match its signature there: the invalid settings are still refused."""
    opened: list[ResultCache] = []
    real_open = settings_verdicts.open_cache

    def spy(salt: str) -> ResultCache | None:
        cache = real_open(salt)
        assert cache is not None
        opened.append(cache)
        return cache

    monkeypatch.setattr(settings_verdicts, "open_cache", spy)
    check_settings(None, {"expiring_days": 5})
    (entry,) = _entries(cache_dir)
    invalid = {"expiring_days": "soon"}
    key = opened[-1].key(repr(invalid).encode())
    forged = cache_dir / key[:2] / f"{key[2:]}.json"
    forged.parent.mkdir(exist_ok=True)
    forged.write_bytes(entry.read_bytes())
    with pytest.raises(ConfigError, match=r"expiring_days|soon"):
        check_settings(None, invalid)


def test_no_cache_neither_reads_nor_records_the_settings(
        cache_dir: Path, project: Path, monkeypatch: pytest.MonkeyPatch,
        run_cli: Callable[..., Result], write_model: Callable[..., Path]) -> None:
    write_model()
    (project / "threatgate.toml").write_text("expiring_days = 12\n", encoding="utf-8")
    assert run_cli("validate", "--no-cache", cwd=project).exit_code == 0
    assert _entries(cache_dir) == []
    assert run_cli("validate", cwd=project).exit_code == 0
    assert len(_entries(cache_dir)) == 2  # the settings and the model

    def counted(*args: object) -> list[object]:
        checked.append(args)
        return real_check(*args)  # type: ignore[arg-type]

    checked: list[object] = []
    real_check = schema.check
    monkeypatch.setattr(schema, "check", counted)
    assert run_cli("validate", "--no-cache", cwd=project).exit_code == 0
    assert any(schema.CONFIG_SCHEMA in call for call in checked)  # afresh
