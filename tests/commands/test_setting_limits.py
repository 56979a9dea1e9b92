"""A command-line flag has the range of the setting it overrides."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from threatgate.model.config import SETTING_MAXIMA


def test_expiring_days_flag_has_the_setting_limit(project: Path,
                                                  write_model: Callable[..., Path],
                                                  run_cli: Callable[..., Result]) -> None:
    write_model()
    limit = SETTING_MAXIMA["expiring_days"][0]
    assert run_cli("assess", "--expiring-days", str(limit), cwd=project).exit_code == 0
    refused = run_cli("assess", "--expiring-days", str(limit + 1), cwd=project)
    assert refused.exit_code == 2
    assert "--expiring-days" in refused.output and str(limit) in refused.output
