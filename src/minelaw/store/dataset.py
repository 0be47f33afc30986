"""The RDF dataset of a SPARQL query: SPARQL 1.1 Query section 13.2 (``FROM``, ``FROM NAMED``).

A query that names no dataset is evaluated on minelaw's default dataset: the union of the
(visible) graphs as the default graph, every visible graph as a named graph.  A query that
names one gets exactly that dataset (13.2.1-13.2.3): the default graph is the merge of the
``FROM`` graphs (empty when there are only ``FROM NAMED`` clauses), the named graphs are the
``FROM NAMED`` graphs (none when there are only ``FROM`` clauses).  Restricted graphs stay
invisible whatever the dataset names (:func:`restrict`).

pyoxigraph (0.5) does not expose a parsed query, so the dataset clause is read with rdflib's
SPARQL 1.1 parser -- only for queries in which the keyword ``FROM`` occurs outside strings,
IRIs and comments (a cheap test; every other query names no dataset).  The same function
serves the SPARQL 1.1 Protocol (section 2.1.4: ``default-graph-uri``/``named-graph-uri``
override the query's dataset), see :func:`protocol_dataset`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..errors import QueryError


@dataclass(frozen=True)
class QueryDataset:
    """An RDF dataset named by a query or by protocol parameters (graph IRIs, in order)."""

    default: tuple[str, ...] = ()
    named: tuple[str, ...] = ()

    def restrict(self, hidden: Iterable[str]) -> QueryDataset:
        """The same dataset without the hidden graphs (they stay invisible, whatever is named)."""
        h = set(hidden)
        return QueryDataset(
            tuple(g for g in self.default if g not in h), tuple(g for g in self.named if g not in h)
        )


# strings (long and short), IRIs and comments: skipped when looking for the FROM keyword
_SKIP = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*'
)
# the keyword, not a variable (?from), a prefixed name (ex:from, from:x) or part of a word
_FROM = re.compile(r"(?<![\w?$:.-])FROM(?![\w:.-])", re.IGNORECASE)


def may_name_dataset(sparql: str) -> bool:
    """False when the query certainly has no dataset clause (no ``FROM`` keyword)."""
    return bool(_FROM.search(_SKIP.sub(" ", sparql)))


def query_dataset(sparql: str, prefixes: Mapping[str, str] | None = None) -> QueryDataset | None:
    """The dataset the query names with ``FROM``/``FROM NAMED``, or None when it names none.

    ``prefixes`` are predeclared prefixes (as the embedded store's ``prefixes=``).  Raises
    :class:`QueryError` when the query cannot be parsed (the caller may prefer the engine's
    own syntax error message).
    """
    if not may_name_dataset(sparql):
        return None
    from rdflib.plugins.sparql.algebra import translatePrologue
    from rdflib.plugins.sparql.parser import parseQuery

    default: list[str] = []
    named: list[str] = []
    try:
        parsed = parseQuery(sparql)
        form = parsed[1]
        if "datasetClause" not in form:
            return None
        prologue = translatePrologue(parsed[0], None, dict(prefixes or {}))
        for clause in form["datasetClause"]:
            key = "default" if "default" in clause else "named"
            iri = str(prologue.absolutize(clause[key]))
            target = default if key == "default" else named
            if iri not in target:
                target.append(iri)
    except Exception as exc:  # pyparsing's ParseException, or rdflib's own (unknown prefix)
        raise QueryError(f"cannot read the dataset (FROM) of this query: {exc}") from exc
    return QueryDataset(tuple(default), tuple(named))


def protocol_dataset(
    default_graph_uris: Sequence[str], named_graph_uris: Sequence[str]
) -> QueryDataset | None:
    """The dataset of the protocol parameters (SPARQL 1.1 Protocol 2.1.4), None without any.

    When present it replaces the query's own ``FROM``/``FROM NAMED`` entirely."""
    if not default_graph_uris and not named_graph_uris:
        return None
    default, named = dict.fromkeys(default_graph_uris), dict.fromkeys(named_graph_uris)
    return QueryDataset(tuple(default), tuple(named))
