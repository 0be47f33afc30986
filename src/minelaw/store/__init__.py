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
