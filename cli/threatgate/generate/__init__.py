"""Offline, deterministic generation of threat models from an architecture.

``engine`` runs the rule packs (data, validated by ``schemas/rulepack.schema.json``) over
components, dataflows and assets; the other modules turn a feature description into an
architecture and merge what the rules yield into a model file.
"""
