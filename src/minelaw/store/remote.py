"""Remote stores: any SPARQL 1.1 endpoint in place of the embedded Oxigraph store.

- :class:`RemoteStore` implements the :class:`minelaw.store.oxigraph.SparqlStore` protocol over
  the W3C *SPARQL 1.1 Protocol* (query via POST, ``Content-Type:
  application/sparql-query``).  Solutions are requested as *SPARQL 1.1 Query Results
  JSON* and graphs (CONSTRUCT/DESCRIBE) as N-Triples; both are parsed with
  pyoxigraph into the same :class:`~minelaw.store.oxigraph.QueryResult` the embedded store
  returns, so every reading command behaves identically on either store.
- :func:`push` loads the KB into a remote store over the W3C *SPARQL 1.1 Graph Store
  HTTP Protocol*: one ``PUT ?graph=<iri>`` per named graph (one per KB or ontology
  file, plus ``graph:inferred`` so remote rules see the OWL 2 RL consequences), and a
  ``DELETE ?graph=<iri>`` for minelaw graphs that are no longer in the KB.

Queries assume that the default graph is the union of all named graphs (as in the
embedded store); see ``docs/architecture.md`` ("Remote stores") for how to configure
Oxigraph server, Fuseki, GraphDB and Virtuoso for that.
"""

from __future__ import annotations

import base64
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox

from ..errors import QueryError, StoreError, UsageError
from ..namespaces import GRAPH, PREFIXES
from .oxigraph import QueryResult, _result_from_oxigraph

if TYPE_CHECKING:
    from .oxigraph import EmbeddedStore

USER_AGENT = "minelaw (SPARQL 1.1 Protocol client)"
ACCEPT = (
    "application/sparql-results+json, application/n-triples;q=0.9, "
    "text/turtle;q=0.8, application/sparql-results+xml;q=0.5"
)
_RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
_GRAPH_FORMATS = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "text/plain": ox.RdfFormat.N_TRIPLES,
}
_DECLARED = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?\s*:", re.IGNORECASE)


def with_prefixes(sparql: str) -> str:
    """Prepend minelaw's PREFIX declarations that the query does not declare itself.

    The embedded store predeclares them (``prefixes=``); a remote engine does not,
    so they are sent explicitly.
    """
    declared = {m.group(1) or "" for m in _DECLARED.finditer(sparql)}
    head = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items() if p not in declared)
    return head + sparql


def _excerpt(body: bytes, limit: int = 300) -> str:
    text = body.decode("utf-8", "replace").strip()
    text = re.sub(r"\s+", " ", text)
    return text[:limit] + ("..." if len(text) > limit else "")


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes


def http_request(
    url: str,
    *,
    method: str = "GET",
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> Response:
    """One HTTP request; raises :class:`StoreError` when the host cannot be reached.

    HTTP error statuses are returned (not raised) so that callers can word them.
    Credentials in the URL (``http://user:pass@host/``) become HTTP Basic auth.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"not an http(s) URL: {url!r}", hint="give the full URL, e.g. http://HOST:PORT/query"
        )
    hdrs = {"User-Agent": USER_AGENT, **(headers or {})}
    if parts.username is not None:
        user = urllib.parse.unquote(parts.username)
        pwd = urllib.parse.unquote(parts.password or "")
        hdrs["Authorization"] = "Basic " + base64.b64encode(f"{user}:{pwd}".encode()).decode()
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        url = urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (http/https only)
            ctype = resp.headers.get("Content-Type", "")
            return Response(resp.status, ctype, resp.read())
    except urllib.error.HTTPError as exc:
        ctype = exc.headers.get("Content-Type", "") if exc.headers else ""
        return Response(exc.code, ctype, exc.read() or b"")
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise StoreError(
            f"cannot reach {parts.scheme}://{parts.netloc}: {reason}",
            hint="check the URL and that the SPARQL server is running",
        ) from exc


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


class RemoteStore:
    """A SPARQL 1.1 Protocol endpoint behind the :class:`~minelaw.store.oxigraph.SparqlStore`
    protocol."""

    def __init__(self, endpoint_url: str, *, timeout: float = 120.0) -> None:
        self.endpoint_url = endpoint_url
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoint_url!r})"

    def query(self, sparql: str) -> QueryResult:
        resp = http_request(
            self.endpoint_url,
            method="POST",
            data=with_prefixes(sparql).encode("utf-8"),
            headers={
                "Content-Type": "application/sparql-query; charset=utf-8",
                "Accept": ACCEPT,
            },
            timeout=self.timeout,
        )
        if resp.status == 400 and re.search(rb"error at \d+:\d+", resp.body):
            # an Oxigraph server's syntax error: locate it in the query as written
            from .oxigraph import syntax_message

            sent = with_prefixes(sparql)
            message = resp.body.decode("utf-8", "replace")
            offset = sent[: len(sent) - len(sparql)].count("\n")
            explained = syntax_message(SyntaxError(message.strip()), sparql, offset)
            raise QueryError(f"the endpoint {self.endpoint_url} answered HTTP 400: {explained}")
        if resp.status != 200:
            raise QueryError(
                f"the endpoint {self.endpoint_url} answered HTTP {resp.status}: "
                f"{_excerpt(resp.body) or '(empty body)'}",
                hint="HTTP 400 usually means a syntax error; 404 a wrong endpoint URL"
                if resp.status in (400, 404)
                else None,
            )
        mt = _media_type(resp.content_type)
        try:
            if mt in _RESULT_FORMATS:
                res = ox.parse_query_results(resp.body, format=_RESULT_FORMATS[mt])
                return _result_from_oxigraph(res)
            if mt in _GRAPH_FORMATS:
                triples = [q.triple for q in ox.parse(resp.body, format=_GRAPH_FORMATS[mt])]
                return QueryResult("graph", triples=triples)
        except (SyntaxError, ValueError) as exc:
            raise QueryError(
                f"the endpoint {self.endpoint_url} sent an unreadable {mt} answer: {exc}"
            ) from exc
        raise QueryError(
            f"the endpoint {self.endpoint_url} answered with an unsupported media type "
            f"{mt or '(none)'}: {_excerpt(resp.body, 120)}",
            hint="is this the SPARQL query URL (for Oxigraph server: http://HOST:PORT/query)?",
        )

    def count_quads(self) -> int:
        res = self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(res.values("n")[0]) if res.rows else 0


# --- Graph Store HTTP Protocol ----------------------------------------------------------
def store_url_for(query_url: str) -> str:
    """The Graph Store Protocol URL that belongs to a query endpoint URL.

    Oxigraph server answers queries at ``/query`` and the Graph Store Protocol at
    ``/store``; for any other layout (Fuseki: ``/DATASET/data``; GraphDB:
    ``/repositories/REPO/rdf-graphs/service``) pass ``--store-url``.
    """
    parts = urllib.parse.urlsplit(query_url)
    if parts.path.endswith("/query"):
        return urllib.parse.urlunsplit(
            parts._replace(path=parts.path[: -len("query")] + "store", query="")
        )
    raise UsageError(
        f"cannot derive the Graph Store URL from {query_url!r}",
        hint="pass --store-url (Oxigraph server: http://HOST:PORT/store; "
        "Fuseki: http://HOST:3030/DATASET/data)",
    )


def _graph_url(store_url: str, graph: str) -> str:
    sep = "&" if "?" in store_url else "?"
    return f"{store_url}{sep}graph={urllib.parse.quote(graph, safe='')}"


@dataclass
class PushReport:
    graphs: int
    triples: int
    removed: list[str]
    seconds: float


def push(
    store: EmbeddedStore,
    endpoint_url: str,
    store_url: str | None = None,
    *,
    include_restricted: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    timeout: float = 300.0,
) -> PushReport:
    """Replace each of minelaw's named graphs in a remote store with the local content.

    Restricted graphs (files under ``restricted/``) are pushed only when
    ``include_restricted`` is set; otherwise a copy left on the remote is deleted.
    """
    t0 = time.perf_counter()
    target = store_url or store_url_for(endpoint_url)
    hidden = store.hidden_graphs
    graphs = [g for g in store.graphs() if include_restricted or g not in hidden]
    triples = 0
    for i, g in enumerate(graphs):
        if progress:
            progress(g.removeprefix(GRAPH), i, len(graphs))
        body = store.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(g))
        assert body is not None
        triples += body.count(b"\n")
        resp = http_request(
            _graph_url(target, g),
            method="PUT",
            data=body,
            headers={"Content-Type": "application/n-triples"},
            timeout=timeout,
        )
        if resp.status not in (200, 201, 204):
            raise StoreError(
                f"PUT of graph <{g}> to {target} failed: HTTP {resp.status}: "
                f"{_excerpt(resp.body) or '(empty body)'}",
                hint="is this a writable SPARQL 1.1 Graph Store endpoint? (--store-url)",
            )
    # graphs of files that were deleted (or are restricted now) must not linger remotely
    remote = RemoteStore(endpoint_url).query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
    keep = set(graphs)
    removed = sorted(g for g in remote.values("g") if g.startswith(GRAPH) and g not in keep)
    for g in removed:
        resp = http_request(_graph_url(target, g), method="DELETE", timeout=timeout)
        if resp.status not in (200, 204, 404):
            raise StoreError(f"DELETE of graph <{g}> failed: HTTP {resp.status}")
    return PushReport(len(graphs), triples, removed, time.perf_counter() - t0)
