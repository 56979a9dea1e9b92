"""``threatgate jira push`` against the stand-in of Jira Cloud (v3) and Data Center (v2)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import Result
from fakejira import FakeJira
from jiramodels import model_text

pytest_plugins = ("jirasite",)

Run = Callable[..., Result]
C2 = "threatgate:shop:C2"


def test_push_creates_one_issue_per_control_to_do_and_never_twice(
        jira_repo: Path, jira_site: FakeJira, run_jira: Run) -> None:
    result = run_jira("push")
    assert result.exit_code == 0, result.output
    assert list(jira_site.issues) == ["SEC-1"]
    issue = jira_site.issues["SEC-1"]
    assert issue["labels"] == ["threatgate:shop", C2]
    assert issue["summary"] == "[shop] C2: Web application firewall"
    assert "shop C2: created SEC-1: [shop] C2: Web application firewall" in result.stdout
    assert result.stdout.rstrip().endswith(
        "jira push: 1 created, 0 updated, 0 transitioned, 0 unchanged, 0 failed")
    again = run_jira("push")
    assert again.exit_code == 0
    assert list(jira_site.issues) == ["SEC-1"]
    assert "0 created, 0 updated, 0 transitioned, 1 unchanged, 0 failed" in again.stdout
    assert jira_site.server.count("POST") == 1
    assert jira_site.server.count("PUT") == 0


def test_the_description_lists_objectives_threats_evidence_and_the_site_link(
        jira_repo: Path, jira_site: FakeJira, run_jira: Run) -> None:
    (jira_repo / "threatmodels" / "shop.yaml").write_text(model_text(c2_status="in_progress"))
    model = (jira_repo / "threatmodels" / "shop.yaml").read_text()
    (jira_repo / "threatmodels" / "shop.yaml").write_text(model.replace(
        "    status: in_progress\n",
        "    status: in_progress\n    description: 'Block *bold* [x|y] {code}'\n"
        "    assertions:\n      - {type: file_exists, file: waf/rules.conf}\n", 1))
    assert run_jira("push").exit_code == 0
    description = jira_site.issues["SEC-1"]["description"]
    link = "https://example.github.io/models/models/shop.html#control-C2"
    if jira_site.cloud:
        assert description["type"] == "doc" and description["version"] == 1
        text = str(description)
        assert "'href': '" + link + "'" in text
        assert "Block *bold* [x|y] {code}" in text
    else:
        assert isinstance(description, str)
        text = description
        assert f"|{link}]" in text
        assert r"Block \*bold\* \[x\|y\] \{code\}" in text
        text = text.replace("\\", "")
    for expected in ("CO1", "Objectives served", "Threats mitigated", "Evidence expected",
                     "file_exists: file: waf/rules.conf", "fingerprint "):
        assert expected in text


def test_a_changed_control_updates_its_issue_once(jira_repo: Path, jira_site: FakeJira,
                                                  run_jira: Run) -> None:
    run_jira("push")
    path = jira_repo / "threatmodels" / "shop.yaml"
    path.write_text(path.read_text().replace("Web application firewall", "WAF in front"))
    result = run_jira("push")
    assert "shop C2: updated SEC-1" in result.stdout
    assert jira_site.issues["SEC-1"]["summary"] == "[shop] C2: WAF in front"
    assert "0 created, 1 updated" in result.stdout
    assert "1 unchanged" in run_jira("push").stdout
    assert jira_site.server.count("PUT") == 1


def test_dry_run_reads_but_writes_nothing(jira_repo: Path, jira_site: FakeJira, run_jira: Run) -> None:
    result = run_jira("push", "--dry-run", "--record")
    assert result.exit_code == 0
    assert "shop C2: would create: [shop] C2: Web application firewall" in result.stdout
    assert "(dry run: nothing was written)" in result.stdout
    assert jira_site.issues == {}
    assert {r.method for r in jira_site.server.requests} == {"GET"}


def test_record_writes_the_issue_key_into_tickets_in_place(jira_repo: Path, jira_site: FakeJira,
                                                           run_jira: Run) -> None:
    path = jira_repo / "threatmodels" / "shop.yaml"
    path.write_text("# kept comment\n" + path.read_text())
    result = run_jira("push", "--record")
    assert result.exit_code == 0, result.output
    assert "recorded SEC-1 in the tickets of control C2" in result.stdout
    text = path.read_text()
    assert text.startswith("# kept comment\n")
    controls = {c["id"]: c for c in yaml.safe_load(text)["controls"]}
    assert controls["C2"]["tickets"] == ["SEC-1"]
    assert "tickets" not in controls["C1"]
    run_jira("push", "--record")
    assert path.read_text() == text
    assert run_jira("push").exit_code == 0  # a model with tickets stays valid


@pytest.mark.parametrize("status", ["wont_do", "not_applicable"])
def test_a_control_no_longer_work_closes_its_issue_with_one_comment(
        jira_repo: Path, jira_site: FakeJira, run_jira: Run, status: str) -> None:
    run_jira("push")
    (jira_repo / "threatmodels" / "shop.yaml").write_text(model_text(c2_status=status))
    result = run_jira("push")
    assert result.exit_code == 0, result.output
    assert jira_site.issues["SEC-1"]["status"] == "Won't Do"
    assert f"shop C2: closed SEC-1 as Won't Do (is now {status} in the threat model)" \
        in result.stdout
    assert len(jira_site.comments["SEC-1"]) == 1
    assert "0 created, 0 updated, 1 transitioned" in result.stdout
    assert "1 unchanged" in run_jira("push").stdout
    assert len(jira_site.comments["SEC-1"]) == 1


def test_a_removed_control_closes_its_issue(jira_repo: Path, jira_site: FakeJira, run_jira: Run) -> None:
    (jira_repo / "threatmodels" / "shop.yaml").write_text(model_text([("C9", "planned")]))
    run_jira("push")
    key = jira_site.by_label("threatgate:shop:C9")[0]
    (jira_repo / "threatmodels" / "shop.yaml").write_text(model_text())
    result = run_jira("push")
    assert f"shop C9: closed {key} as Won't Do (was removed from the threat model)" \
        in result.stdout
    assert jira_site.issues[key]["status"] == "Won't Do"
    assert len(jira_site.comments[key]) == 1


def test_an_issue_of_another_model_is_left_alone(jira_repo: Path, jira_site: FakeJira,
                                                 run_jira: Run) -> None:
    other = jira_site.add_issue(["threatgate:other", "threatgate:other:C1"])
    run_jira("push")
    assert jira_site.issues[other]["status"] == "To Do"


def test_a_missing_transition_fails_the_control_and_the_run(jira_repo: Path, jira_site: FakeJira,
                                                            run_jira: Run) -> None:
    run_jira("push")
    (jira_repo / "threatmodels" / "shop.yaml").write_text(model_text(c2_status="wont_do"))
    toml = jira_repo / "threatgate.toml"
    toml.write_text(toml.read_text() + 'wont_do_transition = "Abandon"\n')
    result = run_jira("push")
    assert result.exit_code == 1
    assert "SEC-1 offers no transition 'Abandon'" in result.stderr
    assert "0 transitioned, 0 unchanged, 1 failed" in result.stdout
    assert "SEC-1" not in jira_site.comments


def test_a_4xx_fails_with_jiras_message_and_the_summary(jira_repo: Path, jira_site: FakeJira,
                                                        run_jira: Run) -> None:
    toml = jira_repo / "threatgate.toml"
    toml.write_text(toml.read_text().replace('project = "SEC"', 'project = "NOPE"'))
    result = run_jira("push")
    assert result.exit_code == 1
    assert "valid project is required" in result.stderr
    assert result.stdout.rstrip().endswith("0 unchanged, 1 failed")


def test_the_sub_task_parent_is_sent(jira_repo: Path, jira_site: FakeJira, run_jira: Run) -> None:
    toml = jira_repo / "threatgate.toml"
    toml.write_text(toml.read_text() + 'parent = "SEC-100"\nissue_type = "Sub-task"\n')
    assert run_jira("push").exit_code == 0
    assert jira_site.issues["SEC-1"]["parent"] == "SEC-100"


RESOLUTION = {"required": True, "name": "Resolution", "key": "resolution",
              "operations": ["set"], "hasDefaultValue": False,
              "allowedValues": [{"id": "1", "name": "Done"}, {"id": "10001", "name": "Won’t Do"}]}


def test_a_won_t_do_screen_asking_for_the_resolution_gets_it(
        jira_repo: Path, jira_site: FakeJira, run_jira: Run) -> None:
    """A company-managed workflow often puts a Resolution screen on its closing transition:
    the resolution named like the transition (whatever the apostrophe) is sent with it."""
    jira_site.screens["31"] = {"resolution": RESOLUTION}
    run_jira("push")
    (jira_repo / "threatmodels" / "shop.yaml").write_text(model_text(c2_status="wont_do"))
    result = run_jira("push")
    assert result.exit_code == 0, result.output
    assert jira_site.issues["SEC-1"]["status"] == "Won't Do"
    posted = [s for s in jira_site.server.requests
              if s.method == "POST" and s.path.endswith("/SEC-1/transitions")]
    assert [s.body["fields"] for s in posted] == [{"resolution": {"id": "10001"}}]


def test_a_screen_asking_for_what_threatgate_cannot_fill_fails_clearly(
        jira_repo: Path, jira_site: FakeJira, run_jira: Run) -> None:
    jira_site.screens["31"] = {
        "resolution": {**RESOLUTION, "allowedValues": [{"id": "1", "name": "Done"}]},
        "customfield_10050": {"required": True, "name": "Reason for closing",
                              "hasDefaultValue": False},
        "assignee": {"required": True, "name": "Assignee", "hasDefaultValue": True}}
    run_jira("push")
    (jira_repo / "threatmodels" / "shop.yaml").write_text(model_text(c2_status="wont_do"))
    result = run_jira("push")
    assert result.exit_code == 1
    assert ("SEC-1: the transition \"Won't Do\" asks for Reason for closing, Resolution, "
            "which threatgate does not fill") in result.stderr
    assert jira_site.issues["SEC-1"]["status"] != "Won't Do"
    assert "SEC-1" not in jira_site.comments
