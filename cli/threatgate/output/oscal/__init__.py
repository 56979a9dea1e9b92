"""OSCAL documents of a model, for auditors' tools: a component definition (``ids``,
``requirements``, ``document``, ``component``) and assessment results from ``verify``'s
verdicts (``results``)."""
