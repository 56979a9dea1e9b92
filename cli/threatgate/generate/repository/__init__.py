"""The repository as input of ``threatgate generate --from-repo``.

Files of a folder are read, never run, with the confinement rules of ``verify``; one
reader module per family of files turns each into located clues (:mod:`.base`), the
signal table (``signals.yaml``, :mod:`.signals`) says what they mean in the generator's
vocabulary, and :mod:`.scan` turns the signals found into the same detection result a
description gives, so that the architecture, data flows and rule packs do the rest.
:mod:`.evidence` proposes the assertions of the controls the repository already shows
and writes where each technology was found.

Reader families, in the order they are listed: ``READERS`` below. A new family is one
module registering its reader with :func:`~.base.repository_reader`, named here.
"""

from __future__ import annotations

import importlib

from threatgate.generate.repository.base import READERS, Clue, RepositoryReader

#: The reader modules, in the order the families are listed to the user.
READER_MODULES = ("packages", "otherpackages", "containers", "kubernetes", "terraform",
                  "serverless", "ci", "webservers", "frameworks")
for _module in READER_MODULES:
    importlib.import_module(f"{__name__}.{_module}")

__all__ = ["READERS", "READER_MODULES", "Clue", "RepositoryReader"]
