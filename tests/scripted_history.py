"""A throwaway repository with a scripted sequence of commits, for the history tests.

Not a test module. :func:`build` makes the commits; the numbers each test expects are
worked out by hand from the models written here (see the comments at each step).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from conftest import git

Threat = tuple[str, int, int, Sequence[str]]  # id, likelihood, impact, mitigations


def model_text(model_id: str, threats: Sequence[Threat] = (),
               controls: Sequence[tuple[str, str]] = (),
               objectives: Sequence[tuple[str, Sequence[Sequence[str]]]] = ()) -> str:
    """A small valid model: threats scored likelihood x impact, controls with a status,
    objectives with their mitigation groups."""
    lines = ["threatgate: 1", f"id: {model_id}", f"title: Model {model_id}", "owner: team",
             "assets:", "  - {id: A1, name: Data, properties: [confidentiality]}",
             "attackers:",
             "  - {id: ATK1, name: Outsider, capability: Sends requests from the internet.,"
             " position: external}"]
    if objectives:
        lines.append("objectives:")
        for objective, groups in objectives:
            listed = ", ".join("[" + ", ".join(group) + "]" for group in groups)
            lines.append(f"  - {{id: {objective}, asset: A1, attacker: ATK1, "
                         f"properties: [confidentiality], mitigated_by: [{listed}]}}")
    if threats:
        lines.append("threats:")
        for threat, likelihood, impact, mitigations in threats:
            lines.append(f"  - {{id: {threat}, title: Threat {threat}, likelihood: "
                         f"{likelihood}, impact: {impact}, mitigations: "
                         f"[{', '.join(mitigations)}]}}")
    if controls:
        lines.append("controls:")
        lines += [f"  - {{id: {c}, title: Control {c}, status: {s}}}" for c, s in controls]
    return "\n".join(lines) + "\n"


def write(repo: Path, name: str, text: str) -> None:
    path = repo / "threatmodels" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", message)


#: payments after "mitigate": T1 critical (20) and T2 high (12) mitigated, T3 low (4)
#: open; CO1 and CO2 mitigated; C1 and C2 implemented.
PAYMENTS_MITIGATED = model_text(
    "payments", [("T1", 4, 5, ["C1"]), ("T2", 3, 4, ["C2"]), ("T3", 2, 2, [])],
    [("C1", "implemented"), ("C2", "implemented")], [("CO1", [["C1"]]), ("CO2", [["C2"]])])

#: The subjects of the first-parent commits that change a model, in order.
SUBJECTS = ("Add payments", "Add threats and the shop", "Mitigate T1", "Rename payments",
            "Break payments", "Fix payments, add T4", "Merge branch 'feature'",
            "Delete the shop")


def build(repo: Path) -> None:
    """The scripted history (oldest first):

    1. Add payments: T1 critical (4x5) mitigated by C1, planned; CO1 by [C1].
    2. Add threats and the shop: T2 high (3x4) by C2 implemented, T3 low (2x2) without
       mitigation, CO2 by [C2]; shop: S1 medium (2x3), nothing else.
    3. Mitigate T1: C1 implemented.
    4. A commit that changes no model (README): not in the history.
    5. Rename payments: threatmodels/payments.yaml -> threatmodels/payments-api.yaml.
    6. Break payments (a YAML syntax error).
    7. Fix payments, add T4: T4 high (5x3) without mitigation.
    8. On branch feature (from 7): S1 mitigated by C9 implemented; then S2 high (4x4).
       Merged into main with a merge commit: one change on the first-parent line, the
       branch's own commits are not visited.
    9. Delete the shop.
    """
    write(repo, "payments.yaml", model_text(
        "payments", [("T1", 4, 5, ["C1"])], [("C1", "planned")], [("CO1", [["C1"]])]))
    commit(repo, SUBJECTS[0])
    write(repo, "payments.yaml", model_text(
        "payments", [("T1", 4, 5, ["C1"]), ("T2", 3, 4, ["C2"]), ("T3", 2, 2, [])],
        [("C1", "planned"), ("C2", "implemented")], [("CO1", [["C1"]]), ("CO2", [["C2"]])]))
    write(repo, "shop.yaml", model_text("shop", [("S1", 2, 3, [])]))
    commit(repo, SUBJECTS[1])
    write(repo, "payments.yaml", PAYMENTS_MITIGATED)
    commit(repo, SUBJECTS[2])
    (repo / "README.md").write_text("Threat models.\n", encoding="utf-8")
    commit(repo, "Add a README")
    git(repo, "mv", "threatmodels/payments.yaml", "threatmodels/payments-api.yaml")
    commit(repo, SUBJECTS[3])
    write(repo, "payments-api.yaml", PAYMENTS_MITIGATED + "  - {id: oops\n")
    commit(repo, SUBJECTS[4])
    write(repo, "payments-api.yaml", PAYMENTS_MITIGATED.replace(
        "  - {id: T3, title: Threat T3, likelihood: 2, impact: 2, mitigations: []}\n",
        "  - {id: T3, title: Threat T3, likelihood: 2, impact: 2, mitigations: []}\n"
        "  - {id: T4, title: Threat T4, likelihood: 5, impact: 3, mitigations: []}\n"))
    commit(repo, SUBJECTS[5])
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, "shop.yaml", model_text("shop", [("S1", 2, 3, ["C9"])], [("C9", "implemented")]))
    commit(repo, "Mitigate S1")
    write(repo, "shop.yaml", model_text(
        "shop", [("S1", 2, 3, ["C9"]), ("S2", 4, 4, [])], [("C9", "implemented")]))
    commit(repo, "Add S2")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", SUBJECTS[6], "feature")
    git(repo, "rm", "-q", "threatmodels/shop.yaml")
    commit(repo, SUBJECTS[7])
