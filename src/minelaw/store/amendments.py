"""Amendments take effect in the store: withdrawn statements are left out (issue 18).

An ``ml:Amendment`` entry (``minelaw amend``, :mod:`minelaw.intake.entries`) records each
statement it withdraws as an ``rdf:Statement`` that it ``prov:invalidated`` (W3C PROV-O
section 3.2 "invalidation"; RDF 1.1 Semantics, reification vocabulary).  When a store is
built, :func:`apply_retractions` deletes those statements from every *other* graph of the
same confidentiality: a public amendment withdraws public statements only, a restricted
one restricted statements only, so a confidential file can never change the public view.
The files themselves stay as they were, so the history remains readable.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph as ox

from ..namespaces import PREFIXES
from .oxigraph import InputFile


def apply_retractions(store: ox.Store, files: Sequence[InputFile]) -> None:
    """Delete every statement an amendment of ``files`` withdrew (no-op without any)."""
    ml, prov, rdf = PREFIXES["ml"], PREFIXES["prov"], PREFIXES["rdf"]
    hidden = ", ".join(f"<{f.graph}>" for f in files if f.restricted) or "<urn:minelaw:none>"
    store.update(
        f"""
        DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }}
        WHERE {{
          GRAPH ?a {{
            ?e a <{ml}Amendment> ; <{prov}invalidated> ?st .
            ?st <{rdf}subject> ?s ; <{rdf}predicate> ?p ; <{rdf}object> ?o .
          }}
          GRAPH ?g {{ ?s ?p ?o }}
          FILTER(?g != ?a)
          FILTER((?g IN ({hidden})) = (?a IN ({hidden})))
        }}"""
    )


__all__ = ["apply_retractions"]
