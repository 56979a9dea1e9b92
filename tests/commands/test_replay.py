"""A passing ``validate`` run is remembered and replayed only while nothing it read changed.

The runs go through the console script's entry point in this process; whether a run was
replayed is told by the Click command line not being called. The racy-file window is
turned off here (every file of a test is written just before its runs), except where it
is the subject.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import VALID_MODEL
from threatgate.commands import entry, replay
from threatgate.commands import main as command_line
from threatgate.support import signed


@dataclass(frozen=True)
class Run:
    code: object
    out: str
    err: str
    replayed: bool


@pytest.fixture
def run(project: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    monkeypatch.chdir(project)
    monkeypatch.setattr(replay, "RACY_NS", -10**9)
    monkeypatch.setattr(replay, "COARSE_RACY_NS", -10**9)
    (project / "threatmodels" / "model.yaml").write_text(VALID_MODEL, encoding="utf-8")
    real = command_line.main
    calls: list[object] = []

    def counted(argv: list[str] | None = None) -> None:
        calls.append(argv)
        real(argv)

    monkeypatch.setattr(command_line, "main", counted)

    def invoke(*args: str) -> Run:
        before = len(calls)
        capsys.readouterr()
        try:
            entry.main(list(args))
            code: object = 0
        except SystemExit as exit:
            code = exit.code
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err, replayed=len(calls) == before)

    return invoke


MODEL = "threatmodels/model.yaml"


def entries() -> list[Path]:
    return sorted((Path(signed.cache_dir()) / "replay").rglob("*.bin"))


def test_a_passing_run_is_replayed_with_the_same_output(run: Callable[..., Run]) -> None:
    first = run("validate", MODEL)
    second = run("validate", MODEL)
    assert (first.code, first.replayed) == (0, False)
    assert (second.code, second.replayed) == (0, True)
    assert (second.out, second.err) == (first.out, first.err)
    assert first.err == "1 model file valid\n"


@pytest.mark.parametrize("options", [("--format", "json"), ("--format", "github"),
                                     ("--quiet",), ("--models-only",), ()])
def test_every_format_replays_byte_for_byte(run: Callable[..., Run],
                                            options: tuple[str, ...]) -> None:
    first = run("validate", *options)
    second = run("validate", *options)
    assert second.replayed and not first.replayed
    assert (second.out, second.err, second.code) == (first.out, first.err, 0)


def test_each_command_line_has_its_own_entry(run: Callable[..., Run]) -> None:
    run("validate", MODEL)
    other = run("validate", "--format", "json", MODEL)
    assert not other.replayed
    assert json.loads(other.out)["valid"] is True
    assert len(entries()) == 2


def rewrite_same_size_same_time(path: Path, old: str, new: str) -> None:
    """Change a file without changing its size or modification time."""
    info = path.stat()
    text = path.read_text(encoding="utf-8")
    assert len(old) == len(new) and old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))


def test_a_change_that_keeps_size_and_time_is_seen(run: Callable[..., Run],
                                                   project: Path) -> None:
    run("validate", MODEL)
    # An unknown component: the model no longer validates.
    rewrite_same_size_same_time(project / MODEL, "components: [api]", "components: [apx]")
    again = run("validate", MODEL)
    assert (again.code, again.replayed) == (1, False)
    assert "apx" in again.out


def test_a_sibling_taking_the_same_id_is_seen(run: Callable[..., Run], project: Path) -> None:
    run("validate", MODEL)
    (project / "threatmodels" / "team").mkdir()
    (project / "threatmodels" / "team" / "copy.yaml").write_text(VALID_MODEL, encoding="utf-8")
    again = run("validate", MODEL)
    assert (again.code, again.replayed) == (1, False)
    assert "shop" in again.out


def test_new_settings_on_the_way_up_are_seen(run: Callable[..., Run], project: Path) -> None:
    assert run("validate", "--models-only", MODEL).err == "1 model file valid\n"
    (project / "threatgate.toml").write_text('models = ["elsewhere"]\n', encoding="utf-8")
    again = run("validate", "--models-only", MODEL)
    assert not again.replayed
    assert (again.code, again.err) == (0, "")  # not a model by the new settings


def test_changed_settings_are_seen(run: Callable[..., Run], project: Path) -> None:
    settings = project / "threatgate.toml"
    settings.write_text("expiring_days = 30\n", encoding="utf-8")
    run("validate", MODEL)
    assert run("validate", MODEL).replayed
    settings.write_text("expiring_days = 31\n", encoding="utf-8")
    assert not run("validate", MODEL).replayed


def test_another_day_is_not_replayed(run: Callable[..., Run],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    run("validate", MODEL)
    monkeypatch.setenv("THREATGATE_TODAY", "2026-06-02")
    assert not run("validate", MODEL).replayed


def test_failures_are_not_remembered(run: Callable[..., Run], project: Path) -> None:
    (project / MODEL).write_text(VALID_MODEL.replace("components: [api]",
                                                     "components: [nope]"), encoding="utf-8")
    assert run("validate", MODEL).code == 1
    again = run("validate", MODEL)
    assert (again.code, again.replayed) == (1, False)
    assert entries() == []


def test_no_cache_neither_replays_nor_records(run: Callable[..., Run]) -> None:
    run("validate", "--no-cache", MODEL)
    assert entries() == []
    run("validate", MODEL)
    assert not run("validate", "--no-cache", MODEL).replayed


def test_cache_off_in_the_settings_records_nothing(run: Callable[..., Run],
                                                   project: Path) -> None:
    (project / "threatgate.toml").write_text("cache = false\n", encoding="utf-8")
    run("validate", MODEL)
    assert not run("validate", MODEL).replayed
    assert entries() == []


def test_a_new_repository_catalogue_is_seen(run: Callable[..., Run], project: Path) -> None:
    run("validate", MODEL)
    (project / "compliance").mkdir()
    assert not run("validate", MODEL).replayed


@pytest.mark.parametrize("spoil", ["payload", "tag", "other key"])
def test_an_entry_not_signed_by_this_user_is_a_miss(run: Callable[..., Run],
                                                    spoil: str) -> None:
    run("validate", MODEL)
    [path] = entries()
    data = path.read_bytes()
    if spoil == "payload":
        assert b"1 model file valid" in data
        data = data.replace(b"1 model file valid", b"2 model file valid", 1)
    elif spoil == "tag":
        data = (b"0" * signed.TAG_LENGTH) + data[signed.TAG_LENGTH:]
    else:
        key = path.parent.name + path.stem
        payload = data[signed.TAG_LENGTH + 1:]
        data = signed.keyed_tag(b"k" * signed.KEY_BYTES, key, payload) + b"\n" + payload
    path.write_bytes(data)
    again = run("validate", MODEL)
    assert not again.replayed and again.err == "1 model file valid\n"


def test_files_changed_just_before_the_run_are_not_remembered(
        run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replay, "RACY_NS", 2_000_000_000)
    monkeypatch.setattr(replay, "COARSE_RACY_NS", 2_000_000_000)
    run("validate", MODEL)
    assert entries() == []


def test_whole_second_timestamps_get_the_wide_window() -> None:
    second = 1_000_000_000
    started = 1_800_000_000 * second
    fine = [1, 1, 0o100644, 10, started - 3 * replay.RACY_NS // 2, started - 2 * replay.RACY_NS]
    assert not replay.racy(fine, started)
    coarse = [*fine[:4], started - 2 * second, started - 2 * second + 7]  # FAT: mtime to 2 s
    assert replay.racy(coarse, started)
    assert not replay.racy([*fine[:4], started - 3 * second, started - 3 * second], started)
    assert replay.racy([*fine[:4], started - 10 * second, started], started)


def test_other_commands_are_never_replayed(run: Callable[..., Run]) -> None:
    assert not replay.replayable(["assess"])
    assert not replay.replayable(["validate", "-"])
    assert not replay.replayable(["validate", "--help"])
    assert not replay.replayable([])
    run("assess")
    assert entries() == []


def test_the_replay_imports_neither_click_nor_the_parsers(project: Path) -> None:
    """End to end in fresh interpreters: the second run imports nothing heavy. The files
    must be older than the racy window before the first run can be remembered."""
    (project / "threatmodels" / "model.yaml").write_text(VALID_MODEL, encoding="utf-8")
    time.sleep(replay.COARSE_RACY_NS / 1e9 + 0.1)  # whatever this file system stamps
    probe = ("import sys\nfrom threatgate.commands.entry import main\n"
             "try:\n    main(['validate', 'threatmodels/model.yaml'])\n"
             "except SystemExit as exit:\n    code = exit.code\n"
             "heavy = sorted(m for m in ('click', 'ruamel', '_ruamel_yaml', 'jsonschema_rs',"
             " 'pathlib', 'typing', 'json', 'hashlib', 'hmac') if m in sys.modules)\n"
             "print('PROBE', code, heavy, file=sys.stderr)\n")
    runs = [subprocess.run([sys.executable, "-c", probe], cwd=project, capture_output=True,
                           text=True, check=True) for _ in range(2)]
    assert "PROBE 0 [" in runs[0].stderr and "'click'" in runs[0].stderr
    assert runs[1].stderr == "1 model file valid\nPROBE 0 []\n"
    assert runs[0].stderr.startswith("1 model file valid\n")


def test_a_model_in_a_linked_folder_of_the_repository_is_seen(
        run: Callable[..., Run], project: Path) -> None:
    shared = project / "shared"
    shared.mkdir()
    (shared / "other.yaml").write_text(VALID_MODEL.replace("id: shop", "id: other"),
                                       encoding="utf-8")
    (project / "threatmodels" / "shared").symlink_to(shared, target_is_directory=True)
    assert run("validate", MODEL).code == 0
    assert run("validate", MODEL).replayed
    # The linked model takes the checked model's id: the run must see it.
    rewrite_same_size_same_time(shared / "other.yaml", "id: other", "id: shop ")
    again = run("validate", MODEL)
    assert (again.code, again.replayed) == (1, False)


def test_links_out_of_the_repository_and_loops_are_not_walked(project: Path,
                                                               tmp_path_factory:
                                                               pytest.TempPathFactory) -> None:
    from threatgate.model.config import load_config
    from threatgate.validate.inputs import validation_inputs

    outside = tmp_path_factory.mktemp("outside")
    (outside / "deep").mkdir()
    (outside / "deep" / "file.yaml").write_text("x: 1\n", encoding="utf-8")
    models = project / "threatmodels"
    (models / "out").symlink_to(outside, target_is_directory=True)
    (models / "loop").symlink_to(models, target_is_directory=True)
    (models / "model.yaml").write_text(VALID_MODEL, encoding="utf-8")
    config = load_config(project)
    inputs = list(validation_inputs(config, [], start=project, explicit_settings=False))
    assert str(models / "out") in inputs  # the link itself
    assert not any(str(outside) in path or "/out/" in path for path in inputs)
    assert sum(path.endswith("model.yaml") for path in inputs) == 1
    assert len(inputs) == len(set(inputs))


def _step(rng: random.Random, project: Path, step: str) -> None:
    models = project / "threatmodels"
    model = project / MODEL
    if step == "retitle":
        text = model.read_text(encoding="utf-8")
        model.write_text(re.sub(r"(?m)^title: .*$", f"title: Shop {rng.randrange(1000)}",
                                text), encoding="utf-8")
    elif step == "break":
        model.write_text(VALID_MODEL.replace("components: [api]", "components: [apx]"),
                         encoding="utf-8")
    elif step == "mend":
        model.write_text(VALID_MODEL, encoding="utf-8")
    elif step == "same size, same time":
        text = model.read_text(encoding="utf-8")
        if "components: [api]" in text:
            rewrite_same_size_same_time(model, "components: [api]", "components: [apx]")
        elif "components: [apx]" in text:
            rewrite_same_size_same_time(model, "components: [apx]", "components: [api]")
    elif step == "sibling":
        name = f"sib-{rng.randrange(3)}.yaml"
        model_id = rng.choice(["shop", "other-a", "other-b"])
        (models / name).write_text(VALID_MODEL.replace("id: shop", f"id: {model_id}"),
                                   encoding="utf-8")
    elif step == "no sibling":
        for sibling in sorted(models.glob("sib-*.yaml"))[:1]:
            sibling.unlink()
    elif step == "settings":
        (project / "threatgate.toml").write_text(
            f"expiring_days = {rng.choice([1, 30, 400])}\n", encoding="utf-8")
    elif step == "today":
        os.environ["THREATGATE_TODAY"] = rng.choice(["2026-06-01", "2027-01-15"])


STEPS = ("nothing", "nothing", "retitle", "break", "mend", "same size, same time",
         "sibling", "no sibling", "settings", "today")


@pytest.mark.parametrize("seed", range(6))
def test_a_replay_always_says_what_a_fresh_run_says(run: Callable[..., Run], project: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    seed: int) -> None:
    """Random changes between runs: whenever a run is replayed, a fresh check
    (``--no-cache``) prints the same and exits the same; and an unchanged repository
    after a passing run is always replayed."""
    rng = random.Random(seed)
    monkeypatch.setenv("THREATGATE_TODAY", "2026-06-01")
    previous: Run | None = None
    for _ in range(12):
        step = rng.choice(STEPS)
        _step(rng, project, step)
        got = run("validate", MODEL)
        fresh = run("validate", "--no-cache", MODEL)
        assert (got.code, got.out, got.err) == (fresh.code, fresh.out, fresh.err), step
        if step == "nothing" and previous is not None and previous.code == 0:
            assert got.replayed, "an unchanged repository after a passing run"
        previous = got
