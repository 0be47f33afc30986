"""rdflib's SPARQL parse, once per query text, while pySHACL runs as the reference engine.

pySHACL 0.40 evaluates a SPARQL-based constraint by calling ``Graph.query(text,
initBindings={"this": node})`` once per focus node, and rdflib parses and translates the
text again each time: about 0.15 s per call with pyparsing, 80 % of the reference path's
time on a rule's cases.  rdflib's own answer to a query run with different bindings is a
prepared query (``rdflib.plugins.sparql.prepareQuery``: "the query can then be executed
many times with different initBindings"); this context manager gives pySHACL that, keyed
by (text, base, initial namespaces).  Evaluation is untouched: the same algebra, the same
``evalQuery`` with the same bindings, so the differential tests compare the same answers.

Tests only: the benchmarks' pySHACL baseline (``benchmarks/``) keeps stock pySHACL.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from rdflib.plugins.sparql import processor
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.evaluate import evalQuery
from rdflib.plugins.sparql.parser import parseQuery


@contextmanager
def parsed_once() -> Iterator[dict[Any, Any]]:
    """Within the block, each distinct query text is parsed and translated once."""
    cache: dict[Any, Any] = {}
    original = processor.SPARQLProcessor.query

    def query(
        self: processor.SPARQLProcessor,
        strOrQuery: Any,  # noqa: N803 (rdflib's parameter names)
        initBindings: Mapping[str, Any] | None = None,  # noqa: N803
        initNs: Mapping[str, Any] | None = None,  # noqa: N803
        base: str | None = None,
        DEBUG: bool = False,  # noqa: N803
    ) -> Any:
        if isinstance(strOrQuery, str):
            key = (strOrQuery, base, tuple(sorted((initNs or {}).items())))
            if key not in cache:
                cache[key] = translateQuery(parseQuery(strOrQuery), base, initNs)
            strOrQuery = cache[key]
        return evalQuery(self.graph, strOrQuery, initBindings, base)

    processor.SPARQLProcessor.query = query  # type: ignore[method-assign]
    try:
        yield cache
    finally:
        processor.SPARQLProcessor.query = original  # type: ignore[method-assign]
