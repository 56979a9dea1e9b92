"""Compliance catalogues: the requirements of a framework, shipped or kept in the repository.

``model`` is what a catalogue is (requirements, groups, levels) and its compact file
format; ``library`` finds and loads catalogues lazily (the shipped ones in ``data/``, the
repository's in the configured ``[compliance] folder``); ``readers/`` turns the source
formats (an OSCAL catalog, the ASVS flat JSON, CSV, YAML) into a catalogue.
"""
