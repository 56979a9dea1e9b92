"""Hand-built models shared by the test modules of several folders."""

#: The gate's model (tests/gate/test_gate.py). Today is 2026-06-01 (conftest), threat by threat:
#:
#:     T1 5x4=20 critical  mitigations C1 (implemented)           -> mitigated
#:     T2 4x5=20 critical  mitigations C2 (planned)               -> open
#:     T3 3x4=12 high      mitigations C3 (wont_do), accepted      -> accepted (review 2026-12-31)
#:     T4 4x3=12 high      no mitigations                          -> open
#:     T5 2x3=6  medium    mitigations C4 (implemented)            -> mitigated
#:     T6 1x1=1  low       mitigations C5 (in_progress)            -> open
#:     T7 unscored                                                 -> open
#:     T8 5x5=25 critical  mitigations C2 (planned), acceptance expired 2026-05-31 -> open
#:
#:     by severity: critical 3, high 2, medium 1, low 1, unscored 1
#:     mitigated 2 of 8 -> ratio 0.25; accepted 1; open 5
#:     controls 5, active 2 (C1, C4); C4 has no assertions
#:
#: Objectives: CO1 [[C1]] mitigated (tier critical, via T1); CO2 [[C2, C4]] at risk,
#: missing_controls (tier high, via T4); CO3 [[C3]] + expired AS1 at risk,
#: expired_attestation (tier low, via T6); CO4 no groups, no assumptions: unassessed.
#: Findings: F1 high discovered, F2 low acknowledged, F3 critical verified, F4 medium dismissed.
GATE_MODEL = """\
threatgate: 1
id: gatecase
title: Gate case
assets:
  - {id: A1, name: Orders, properties: [integrity]}
  - {id: A2, name: Accounts, properties: [confidentiality]}
attackers:
  - {id: ATK1, name: Outsider, capability: Sends requests, position: external}
  - {id: ATK2, name: Insider, capability: Has an account, position: insider}
objectives:
  - {id: CO1, asset: A1, attacker: ATK1, mitigated_by: [[C1]]}
  - {id: CO2, asset: A1, attacker: ATK2, mitigated_by: [[C2, C4]]}
  - {id: CO3, asset: A2, attacker: ATK1, mitigated_by: [[C3]], assumptions: [AS1]}
  - {id: CO4, asset: A2, attacker: ATK2}
threats:
  - {id: T1, title: One, likelihood: 5, impact: 4, objectives: [CO1], mitigations: [C1]}
  - {id: T2, title: Two, likelihood: 4, impact: 5, mitigations: [C2]}
  - {id: T3, title: Three, likelihood: 3, impact: 4, mitigations: [C3]}
  - {id: T4, title: Four, likelihood: 4, impact: 3, objectives: [CO2]}
  - {id: T5, title: Five, likelihood: 2, impact: 3, mitigations: [C4]}
  - {id: T6, title: Six, likelihood: 1, impact: 1, objectives: [CO3], mitigations: [C5]}
  - {id: T7, title: Seven, objectives: [CO4]}
  - {id: T8, title: Eight, likelihood: 5, impact: 5, mitigations: [C2]}
controls:
  - id: C1
    title: Control one
    status: implemented
    assertions: [{type: file_exists, file: src/app.py}]
  - {id: C2, title: Control two, status: planned}
  - {id: C3, title: Control three, status: wont_do}
  - {id: C4, title: Control four, status: implemented}
  - {id: C5, title: Control five, status: in_progress}
assumptions:
  - {id: AS1, description: Platform TLS, attested_by: platform, expires: "2026-05-01"}
acceptances:
  - {threat: T3, owner: cto, justification: later, review_by: "2026-12-31"}
  - {threat: T8, owner: cto, justification: later, review_by: "2026-05-31"}
findings:
  - {id: F1, control: C2, title: F one, severity: high, status: discovered}
  - {id: F2, control: C5, title: F two, severity: low, status: acknowledged}
  - {id: F3, control: C1, title: F three, severity: critical, status: verified}
  - {id: F4, control: C2, title: F four, severity: medium, status: dismissed, reason: dup}
"""


#: not_applicable controls in mitigation groups (tests/gate, tests/analysis): CO1 [[C1, C2]]
#: is mitigated (C2 drops out of its group); CO2 [[C2]] has nothing but a not_applicable
#: control and CO3 [[C1, C3]] a wont_do one, so neither can complete.
WAIVED_MODEL = """\
threatgate: 1
id: waived
title: Waived
assets:
  - {id: A1, name: Data, properties: [integrity]}
attackers:
  - {id: ATK1, name: Outsider, capability: Sends requests, position: external}
objectives:
  - {id: CO1, asset: A1, attacker: ATK1, mitigated_by: [[C1, C2]]}
  - {id: CO2, asset: A1, attacker: ATK1, mitigated_by: [[C2]]}
  - {id: CO3, asset: A1, attacker: ATK1, mitigated_by: [[C1, C3]]}
threats:
  - {id: T1, title: T, likelihood: 4, impact: 4, objectives: [CO1, CO2, CO3]}
controls:
  - {id: C1, title: C, status: implemented}
  - {id: C2, title: D, status: not_applicable}
  - {id: C3, title: E, status: wont_do}
"""
