"""The SPARQL 1.1 Protocol's answers, computed in a query worker process.

Implements the response side of the W3C *SPARQL 1.1 Protocol* (section 2.1, query
operation) and the result formats it negotiates: *SPARQL 1.1 Query Results JSON*, *XML*,
*CSV* and *TSV* for SELECT and ASK; Turtle, N-Triples, JSON-LD and RDF/XML for CONSTRUCT
and DESCRIBE.  :func:`query_worker_main` is the loop of one query worker: it denies
itself the network and caps its memory (:mod:`minelaw.sparql.sandbox`), opens the cached
store read-only, and answers each request after the checks of :mod:`minelaw.sparql.safety`
(nesting depth; SERVICE decided on the parsed query), on the request's dataset
(:func:`dataset_of`: the protocol's ``default-graph-uri``/``named-graph-uri``, else the
query's ``FROM``/``FROM NAMED``, never a hidden graph).

``text/csv`` here is the W3C SPARQL CSV format, unchanged, for machine clients; the
spreadsheet-safe CSV of ``minelaw query --format csv`` and the web UI's download is
:func:`minelaw.sparql.query.to_csv`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from ..errors import QueryError, QueryRefused
from ..namespaces import PREFIXES
from ..store.dataset import protocol_dataset, query_dataset
from ..store.oxigraph import syntax_message
from .http import Answer, _text
from .safety import check_depth, refuse_service

#: test hook (see :func:`query_worker_main`)
NO_CHECK_ENV = "MINELAW_TEST_NO_SERVICE_CHECK"

SOLUTION_TYPES: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_TYPES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
#: ``?format=`` shorthands (handy in links and with curl)
FORMAT_ALIASES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}


# --- content negotiation ------------------------------------------------------------------
def parse_accept(header: str | None) -> list[str]:
    """Media ranges of an Accept header, best first (q=0 dropped; stable for equal q)."""
    if not header:
        return ["*/*"]
    ranges: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")):
        bits = [b.strip() for b in part.split(";")]
        if not bits[0]:
            continue
        q = 1.0
        for b in bits[1:]:
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        if q > 0:
            ranges.append((-q, i, bits[0].lower()))
    return [r for _, _, r in sorted(ranges)] or ["*/*"]


def choose(accept: list[str], offered: list[str]) -> str | None:
    """The first offered media type that the client accepts (offered[0] for */*)."""
    for r in accept:
        if r == "*/*":
            return offered[0]
        if r.endswith("/*"):
            for o in offered:
                if o.startswith(r[:-1]):
                    return o
        elif r in offered:
            return r
    return None


# --- the worker process -------------------------------------------------------------------
def _solutions_json(variables: list[str], rows: list[list[Any]]) -> bytes:
    from .query import _json_term

    bindings = [
        {v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None}
        for row in rows
    ]
    return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}}).encode()


def run_query(
    store: ox.Store, dataset: dict[str, Any], sparql: str, accept: list[str], max_rows: int
) -> Answer:
    """Evaluate one query and serialise the answer in the negotiated format."""
    try:
        res = store.query(sparql, prefixes=_PREFIX_MAP, **dataset)
    except SyntaxError as exc:
        return _text(400, syntax_message(exc, sparql))
    except (OSError, RuntimeError, ValueError) as exc:
        return _text(500, f"SPARQL evaluation failed: {exc}")
    headers: dict[str, str] = {}
    try:
        if isinstance(res, ox.QueryTriples):
            mt = choose(accept, list(GRAPH_TYPES))
            if mt is None:
                return _text(406, "acceptable for graphs: " + ", ".join(GRAPH_TYPES))
            triples: list[ox.Triple] = []
            for t in res:
                if len(triples) == max_rows:
                    headers["X-Minelaw-Truncated"] = "true"
                    break
                triples.append(t)
            body = ox.serialize(triples, format=GRAPH_TYPES[mt], prefixes=PREFIXES)
            return Answer(200, mt + "; charset=utf-8", body or b"", headers)
        mt = choose(accept, list(SOLUTION_TYPES))
        if mt is None:
            return _text(406, "acceptable for solutions: " + ", ".join(SOLUTION_TYPES))
        fmt = SOLUTION_TYPES[mt]
        if isinstance(res, ox.QueryBoolean):
            if fmt == ox.QueryResultsFormat.JSON:
                return Answer(200, mt, json.dumps({"head": {}, "boolean": bool(res)}).encode())
            body = res.serialize(format=fmt)
            return Answer(200, mt + "; charset=utf-8", body or b"")
        variables = [v.value for v in res.variables]
        rows: list[list[Any]] = []
        for sol in res:
            if len(rows) == max_rows:
                headers["X-Minelaw-Truncated"] = "true"
                break
            rows.append([sol[v] for v in variables])
        body = _solutions_json(variables, rows)
        if fmt != ox.QueryResultsFormat.JSON:  # pyoxigraph's own serialisers for the others
            body = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON).serialize(
                format=fmt
            )
        return Answer(200, mt + "; charset=utf-8", body or b"", headers)
    except (OSError, RuntimeError, ValueError, SyntaxError) as exc:
        return _text(500, f"SPARQL evaluation failed: {exc}")


_PREFIX_MAP = dict(PREFIXES)


def answer_query(
    store: ox.Store,
    dataset: dict[str, Any],
    sparql: str,
    accept: list[str],
    max_rows: int,
    *,
    allow_service: bool = False,
) -> Answer:
    """The checks of :mod:`.safety`, then :func:`run_query`; refusals become 400/403."""
    try:
        check_depth(sparql)
        if not allow_service:
            refuse_service(sparql)
    except QueryRefused as exc:
        return _text(exc.status, str(exc))
    return run_query(store, dataset, sparql, accept, max_rows)


def dataset_of(
    meta: dict[str, Any], hidden: Iterable[str], default: dict[str, Any]
) -> dict[str, Any]:
    """The dataset of one request, as pyoxigraph's keyword arguments: the protocol's
    ``default-graph-uri``/``named-graph-uri`` (Protocol 2.1.4), else the query's ``FROM``/
    ``FROM NAMED`` (Query 13.2), else ``default`` (the union of the visible graphs); the
    ``hidden`` graphs are never part of it, whatever the request names."""
    named = protocol_dataset(meta.get("default_graph_uri", []), meta.get("named_graph_uri", []))
    if named is None:
        named = query_dataset(meta["sparql"], _PREFIX_MAP)
    if named is None:
        return default
    named = named.restrict(hidden)
    return {
        "default_graph": [ox.NamedNode(g) for g in named.default],
        "named_graphs": [ox.NamedNode(g) for g in named.named],
    }


def query_worker_main() -> None:
    """Entry point of a query worker (``python -c``; configuration as JSON in argv[1]).

    Answers requests ``{"sparql", "authorised", "accept"}`` with an :class:`Answer`
    (metadata ``{"status", "content_type", "headers"}`` and the body).
    """
    from .sandbox import deny_network, limit_memory
    from .workers import serve_requests, worker_conf

    conf = worker_conf()
    network = "allowed (--allow-service)" if conf["allow_service"] else deny_network()
    # test hook: skip the parsed-query check, so that a test can show the sandbox alone
    # stops a SERVICE call (tests/endpoint/test_endpoint_hostile.py)
    check_service = not conf["allow_service"] and not os.environ.get(NO_CHECK_ENV)
    memory = limit_memory(int(conf.get("memory_mb", 0)))
    store = ox.Store.read_only(conf["db"])
    hidden = {ox.NamedNode(g) for g in conf["hidden"]}
    visible = [g for g in store.named_graphs() if g not in hidden]
    public: dict[str, Any] = (
        {"default_graph": visible, "named_graphs": visible}
        if hidden
        else {"use_default_graph_as_union": True}
    )
    everything: dict[str, Any] = {"use_default_graph_as_union": True}

    def handle(meta: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
        full = meta["authorised"] and conf["restricted"]
        try:
            dataset = dataset_of(
                meta, conf["hidden"] if not full else (), everything if full else public
            )
        except QueryError as exc:
            # rdflib could not read the FROM clause: the engine's syntax error if it has one
            ans = run_query(store, everything, meta["sparql"], meta["accept"], 0)
            ans = ans if ans.status == 400 else _text(400, str(exc))
            return {"status": ans.status, "content_type": ans.content_type}, ans.body
        ans = answer_query(
            store,
            dataset,
            meta["sparql"],
            meta["accept"],
            conf["max_rows"],
            allow_service=not check_service,
        )
        return {"status": ans.status, "content_type": ans.content_type, "headers": ans.headers}, (
            ans.body
        )

    serve_requests(handle, {"network": network, "memory": memory})


__all__ = [
    "answer_query",
    "choose",
    "dataset_of",
    "parse_accept",
    "query_worker_main",
    "run_query",
]
