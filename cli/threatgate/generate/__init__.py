"""Offline, deterministic generation of threat models from an architecture.

``rulepacks`` loads the rule packs (data, validated by ``schemas/rulepack.schema.json``)
and ``engine`` applies them to components, dataflows and assets; ``describe`` finds the
technologies and data kinds of a feature description, ``architecture`` and ``dataflows``
draft an architecture from them as the catalogue's wiring says (``wiring``), and
``assemble`` and ``merge`` turn what the rules yield into a model file. ``suggest``
makes language-model suggestions safe; it gets the reply from a function handed in and
does no network I/O itself.
"""
