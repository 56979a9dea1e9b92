"""The site built model by model in the workers is the one built from whole reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from test_render import RICH_MODEL

from conftest import VALID_MODEL
from threatgate.model.config import load_config
from threatgate.output.html.site import SiteOptions, build_site
from threatgate.views.reports import load_reports
from threatgate.workspace import load_workspace

Run = Callable[..., Result]
Write = Callable[..., Path]
TODAY = "2026-06-01"


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_site_is_build_sites_for_the_same_reports(run_cli: Run, project: Path,
                                                      write_model: Write) -> None:
    # Badges whose stems collide: a public model named "unknown" (the stem of the
    # badge of models that are not public), an invalid model with a valid one's id,
    # and frameworks with and without a catalogue.
    write_model(RICH_MODEL, "payments.yaml")
    write_model(VALID_MODEL, "team/shop.yaml")
    write_model(VALID_MODEL.replace("id: shop", "id: unknown") + "badge: public\n",
                "unknown.yaml")
    write_model(VALID_MODEL.replace("likelihood: 4", "likelihood: 9"), "broken-shop.yaml")
    write_model(VALID_MODEL.replace("id: shop", "id: legacy")
                .replace("frameworks: [asvs-5.0]", "frameworks: [asvs-5.0, legacy-1.0]")
                + "badge: public\n", "legacy.yaml")
    result = run_cli("site", "_site", "--no-cache", "--today", TODAY, cwd=project)
    assert result.exit_code == 0, result.output
    built = {name: content for name, content in _tree(project / "_site").items()
             if not name.startswith(("api/", ".threatgate-site"))}

    config = load_config(project, None)
    workspace = load_workspace((), config, dt.date.fromisoformat(TODAY), use_cache=False,
                               keep_data=True)
    loaded = load_reports(workspace, config)
    expected = build_site(loaded.models, loaded.invalid,
                          SiteOptions(generated=TODAY))
    assert built.keys() == expected.keys()
    for name, content in expected.items():
        assert built[name] == content, name
    assert b"unknown" in built["badges/unknown.json"]
