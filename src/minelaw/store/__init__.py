"""The KB as a SPARQL store (floor 1, on the ground floor; docs/architecture.md).

:func:`open_kb` builds once per content hash (:mod:`.cache`) or reopens the embedded
Oxigraph store of the ontology and a KB, one named graph per file (:class:`EmbeddedStore`,
:class:`InputFile`, :func:`discover`, :mod:`.oxigraph`), with its OWL 2 RL consequences
(:func:`materialise`, :mod:`.reason`, :mod:`.owlrl`).  :class:`RemoteStore` puts a SPARQL 1.1
endpoint behind the same :class:`SparqlStore` protocol and :func:`push` loads a KB into one
(:mod:`.remote`).  :func:`run_check` and :func:`preflight` are ``minelaw check``
(:mod:`.checks`); :class:`KbContext` is what entry validation asks of the store
(:mod:`.kbcontext`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names, for type checkers; at run time they load on first use
    from .cache import open_kb
    from .checks import preflight, run_check
    from .kbcontext import KbContext
    from .oxigraph import (
        EmbeddedStore,
        InputFile,
        QueryResult,
        SparqlStore,
        discover,
        kb_hash,
        kb_version,
        term_value,
    )
    from .reason import materialise
    from .remote import RemoteStore, push

# name -> submodule: importing the package stays cheap (a worker or `minelaw --help` does
# not pay for modules it never uses)
_EXPORTS = {
    "EmbeddedStore": "oxigraph",
    "InputFile": "oxigraph",
    "KbContext": "kbcontext",
    "QueryResult": "oxigraph",
    "RemoteStore": "remote",
    "SparqlStore": "oxigraph",
    "discover": "oxigraph",
    "kb_hash": "oxigraph",
    "kb_version": "oxigraph",
    "materialise": "reason",
    "open_kb": "cache",
    "preflight": "checks",
    "push": "remote",
    "run_check": "checks",
    "term_value": "oxigraph",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "EmbeddedStore",
    "InputFile",
    "KbContext",
    "QueryResult",
    "RemoteStore",
    "SparqlStore",
    "discover",
    "kb_hash",
    "kb_version",
    "materialise",
    "open_kb",
    "preflight",
    "push",
    "run_check",
    "term_value",
]
