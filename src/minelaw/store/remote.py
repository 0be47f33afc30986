"""Remote stores: any SPARQL 1.1 endpoint in place of the embedded Oxigraph store.

- :class:`RemoteStore` implements the :class:`minelaw.store.oxigraph.SparqlStore` protocol over
  the W3C *SPARQL 1.1 Protocol*: the query goes as an HTML form POST (``query=``, section
  2.1.2; every engine accepts it, while Virtuoso 7 never answers a direct
  ``application/sparql-query`` POST).  A query that names a dataset (``FROM``/``FROM
  NAMED``) also sends it as ``default-graph-uri``/``named-graph-uri`` (2.1.4: the same
  dataset, so conformant servers answer the same; Oxigraph server with
  ``--union-default-graph`` ignores the query's ``FROM`` but honours the parameters).
  Solutions are requested as *SPARQL 1.1 Query Results JSON* and graphs (CONSTRUCT/DESCRIBE)
  as N-Triples; both are parsed with pyoxigraph into the same
  :class:`~minelaw.store.oxigraph.QueryResult` the embedded store returns, with the terms an
  engine writes in a non-canonical form normalised (:mod:`.engines`).
- :func:`push` loads the KB into a remote store over the W3C *SPARQL 1.1 Graph Store HTTP
  Protocol*: one ``PUT ?graph=<iri>`` per named graph (one per KB or ontology file, plus
  ``graph:inferred`` and ``graph:findings``), and a ``DELETE ?graph=<iri>`` for minelaw graphs
  that are no longer in the KB.
- HTTP authentication (:class:`HttpAuth`): Basic or Digest (RFC 7617, RFC 7616), whichever
  the server asks for; after the first challenge the answer is sent with every request, so a
  graph's body is not sent twice.  Credentials never appear in messages or outputs.

Queries assume that the default graph is the union of all named graphs (as in the embedded
store); ``docs/team-server.md`` says how to set up Virtuoso, Oxigraph server and Fuseki.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox

from ..errors import QueryError, StoreError, UsageError
from ..namespaces import GRAPH, PREFIXES
from .dataset import query_dataset
from .engines import engine_of, normalise_term
from .engines import store_url_for as _store_url_for
from .oxigraph import _PREFIX_MAP, QueryResult, _result_from_oxigraph

if TYPE_CHECKING:
    from .oxigraph import EmbeddedStore

USER_AGENT = "minelaw (SPARQL 1.1 Protocol client)"
ACCEPT = (
    "application/sparql-results+json, application/n-triples;q=0.9, "
    "text/turtle;q=0.8, application/sparql-results+xml;q=0.5"
)
ENV_USER = "MINELAW_ENDPOINT_USER"
ENV_PASSWORD = "MINELAW_ENDPOINT_PASSWORD"
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

    The embedded store predeclares them (``prefixes=``); a remote engine does not (and
    Virtuoso predeclares others, e.g. ``geo:``), so they are sent explicitly.
    """
    declared = {m.group(1) or "" for m in _DECLARED.finditer(sparql)}
    head = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items() if p not in declared)
    return head + sparql


def _excerpt(body: bytes, limit: int = 300) -> str:
    text = body.decode("utf-8", "replace").strip()
    text = re.sub(r"\s+", " ", text)
    return text[:limit] + ("..." if len(text) > limit else "")


# --- HTTP and authentication ---------------------------------------------------------------
@dataclass(frozen=True)
class Credentials:
    user: str
    password: str = field(repr=False)


def credentials_from_env(user: str | None = None) -> Credentials | None:
    """``user`` (or ``$MINELAW_ENDPOINT_USER``) with ``$MINELAW_ENDPOINT_PASSWORD``; None when
    no user is given."""
    user = user or os.environ.get(ENV_USER) or None
    if not user:
        return None
    return Credentials(user, os.environ.get(ENV_PASSWORD, ""))


def _challenge_params(header: str) -> dict[str, str]:
    return {
        k.lower(): v if v is not None else w
        for k, v, w in re.findall(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))', header)
    }


class HttpAuth:
    """Answers a server's HTTP Basic or Digest challenge with the given credentials, and keeps
    answering it preemptively (Digest: the server's nonce with a growing nonce count)."""

    def __init__(self, credentials: Credentials, *, basic_first: bool = False) -> None:
        """``basic_first``: send Basic before any challenge (credentials given in a URL, as
        minelaw always did); a Digest challenge still takes over."""
        self.credentials = credentials
        self._scheme: str | None = "basic" if basic_first else None
        self._params: dict[str, str] = {}
        self._nc = 0

    def __repr__(self) -> str:
        return f"HttpAuth(user={self.credentials.user!r})"

    def learn(self, www_authenticate: list[str]) -> bool:
        """Take the first challenge minelaw can answer; False if there is none."""
        for header in www_authenticate:
            scheme = header.split(None, 1)[0].lower() if header.strip() else ""
            if scheme == "digest":
                params = _challenge_params(header)
                algorithm = params.get("algorithm", "MD5").upper()
                if algorithm in ("MD5", "SHA-256") and "nonce" in params:
                    self._scheme, self._params, self._nc = "digest", params, 0
                    return True
            elif scheme == "basic":
                self._scheme, self._params = "basic", {}
                return True
        return False

    def header(self, method: str, url: str) -> str | None:
        """The ``Authorization`` header for a request, once a challenge is known."""
        user, pwd = self.credentials.user, self.credentials.password
        if self._scheme == "basic":
            return "Basic " + base64.b64encode(f"{user}:{pwd}".encode()).decode()
        if self._scheme != "digest":
            return None
        p = self._params
        algorithm = p.get("algorithm", "MD5").upper()
        h = hashlib.sha256 if algorithm == "SHA-256" else hashlib.md5

        def digest(s: str) -> str:
            return h(s.encode("utf-8")).hexdigest()

        parts = urllib.parse.urlsplit(url)
        uri = parts.path + (f"?{parts.query}" if parts.query else "")
        ha1 = digest(f"{user}:{p.get('realm', '')}:{pwd}")
        ha2 = digest(f"{method}:{uri}")
        fields = {
            "username": user,
            "realm": p.get("realm", ""),
            "nonce": p["nonce"],
            "uri": uri,
            "algorithm": algorithm,
        }
        qops = [q.strip() for q in p.get("qop", "").split(",") if q.strip()]
        if "auth" in qops:
            self._nc += 1
            nc, cnonce = f"{self._nc:08x}", secrets.token_hex(8)
            fields["response"] = digest(f"{ha1}:{p['nonce']}:{nc}:{cnonce}:auth:{ha2}")
            fields.update(qop="auth", nc=nc, cnonce=cnonce)
        else:
            fields["response"] = digest(f"{ha1}:{p['nonce']}:{ha2}")
        if "opaque" in p:
            fields["opaque"] = p["opaque"]
        unquoted = {"algorithm", "qop", "nc"}
        return "Digest " + ", ".join(
            f"{k}={v}" if k in unquoted else f'{k}="{v}"' for k, v in fields.items()
        )


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes
    server: str = ""


def split_credentials(url: str) -> tuple[str, Credentials | None]:
    """A URL without its ``user:password@`` part, and those credentials."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return url, None
    netloc = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    creds = Credentials(
        urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password or "")
    )
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc)), creds


def http_request(
    url: str,
    *,
    method: str = "GET",
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60.0,
    auth: HttpAuth | None = None,
) -> Response:
    """One HTTP request; raises :class:`StoreError` when the host cannot be reached or does
    not answer in time.

    HTTP error statuses are returned (not raised) so that callers can word them.  With
    ``auth``, a 401 challenge is answered once (Basic or Digest); credentials in the URL
    (``http://user:pass@host/``) are used the same way.
    """
    url, url_creds = split_credentials(url)
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"not an http(s) URL: {url!r}", hint="give the full URL, e.g. http://HOST:PORT/query"
        )
    if auth is None and url_creds is not None:
        auth = HttpAuth(url_creds, basic_first=True)
    for attempt in (1, 2):
        hdrs = {"User-Agent": USER_AGENT, **(headers or {})}
        answer = auth.header(method, url) if auth else None
        if answer:
            hdrs["Authorization"] = answer
        resp, challenge = _send(url, method, data, hdrs, timeout)
        if resp.status == 401 and auth and attempt == 1 and auth.learn(challenge):
            continue  # answer the (new) challenge once
        return resp
    raise AssertionError("unreachable")


def _send(
    url: str, method: str, data: bytes | None, headers: dict[str, str], timeout: float
) -> tuple[Response, list[str]]:
    parts = urllib.parse.urlsplit(url)
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (http/https only)
            ctype = resp.headers.get("Content-Type", "")
            return Response(resp.status, ctype, resp.read(), resp.headers.get("Server", "")), []
    except urllib.error.HTTPError as exc:
        hdrs = exc.headers
        ctype = hdrs.get("Content-Type", "") if hdrs else ""
        server = hdrs.get("Server", "") if hdrs else ""
        challenge = hdrs.get_all("WWW-Authenticate") or [] if hdrs else []
        return Response(exc.code, ctype, exc.read() or b"", server), challenge
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(exc, TimeoutError) or isinstance(reason, TimeoutError):
            raise StoreError(
                f"{parts.scheme}://{parts.netloc} did not answer within {timeout:g} s",
                hint="the server may be overloaded, or the query too slow for this timeout",
            ) from exc
        raise StoreError(
            f"cannot reach {parts.scheme}://{parts.netloc}: {reason}",
            hint="check the URL and that the SPARQL server is running",
        ) from exc


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _normalised(res: QueryResult) -> QueryResult:
    res.rows = [{k: normalise_term(v) for k, v in row.items()} for row in res.rows]
    return res


# --- the store ----------------------------------------------------------------------------
class RemoteStore:
    """A SPARQL 1.1 Protocol endpoint behind the :class:`~minelaw.store.oxigraph.SparqlStore`
    protocol."""

    def __init__(
        self,
        endpoint_url: str,
        *,
        timeout: float = 300.0,
        credentials: Credentials | None = None,
    ) -> None:
        url, url_creds = split_credentials(endpoint_url)
        self.endpoint_url = url  # never with credentials: it is shown as the KB version
        self.timeout = timeout
        self.credentials = credentials or url_creds
        basic_first = credentials is None and url_creds is not None
        self.auth = (
            HttpAuth(self.credentials, basic_first=basic_first) if self.credentials else None
        )

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoint_url!r})"

    def request(self, sparql: str, accept: str = ACCEPT) -> Response:
        """POST the query as a form (with its dataset as protocol parameters, if it names one)."""
        text = with_prefixes(sparql)
        form = [("query", text)]
        try:
            dataset = query_dataset(text, _PREFIX_MAP)
        except QueryError:
            dataset = None  # unreadable here: the server will report the syntax error
        if dataset is not None:
            form += [("default-graph-uri", g) for g in dataset.default]
            form += [("named-graph-uri", g) for g in dataset.named]
        return http_request(
            self.endpoint_url,
            method="POST",
            data=urllib.parse.urlencode(form).encode("ascii"),
            headers={
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                "Accept": accept,
            },
            timeout=self.timeout,
            auth=self.auth,
        )

    def query(self, sparql: str) -> QueryResult:
        resp = self.request(sparql)
        if resp.status == 400 and re.search(rb"error at \d+:\d+", resp.body):
            # an Oxigraph server's syntax error: locate it in the query as written
            from .oxigraph import syntax_message

            sent = with_prefixes(sparql)
            message = resp.body.decode("utf-8", "replace")
            offset = sent[: len(sent) - len(sparql)].count("\n")
            explained = syntax_message(SyntaxError(message.strip()), sparql, offset)
            raise QueryError(f"the endpoint {self.endpoint_url} answered HTTP 400: {explained}")
        if resp.status != 200:
            hints = {
                400: "HTTP 400 usually means a syntax error",
                401: f"the endpoint needs credentials: set {ENV_USER} and {ENV_PASSWORD}",
                404: "HTTP 404 usually means a wrong endpoint URL",
            }
            raise QueryError(
                f"the endpoint {self.endpoint_url} answered HTTP {resp.status}: "
                f"{_excerpt(resp.body) or '(empty body)'}",
                hint=hints.get(resp.status),
            )
        mt = _media_type(resp.content_type)
        try:
            if mt in _RESULT_FORMATS:
                res = ox.parse_query_results(resp.body, format=_RESULT_FORMATS[mt])
                return _normalised(_result_from_oxigraph(res))
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
            hint="is this the SPARQL query URL (Oxigraph server: http://HOST:PORT/query; "
            "Virtuoso: http://HOST:8890/sparql)?",
        )

    def count_quads(self) -> int:
        """Quads in minelaw's graphs (an engine's own graphs, as Virtuoso's, do not count)."""
        res = self.query(
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
            f'FILTER(STRSTARTS(STR(?g), "{GRAPH}")) }}'
        )
        return int(res.values("n")[0]) if res.rows else 0

    def graphs(self) -> list[str]:
        """minelaw's graphs on the server.  ``GRAPH ?g { ?s ?p ?o }``, not ``GRAPH ?g { }``:
        Virtuoso answers the latter with one row and ``?g`` unbound."""
        res = self.query(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
            f'FILTER(STRSTARTS(STR(?g), "{GRAPH}")) }}'
        )
        return sorted(res.values("g"))


def detect(endpoint_url: str, credentials: Credentials | None = None, timeout: float = 30.0) -> str:
    """The engine behind a query endpoint (``virtuoso``, ``oxigraph``, ``fuseki``, ``unknown``),
    from the ``Server`` header of one ``ASK {}``."""
    url, url_creds = split_credentials(endpoint_url)
    creds = credentials or url_creds
    sep = "&" if "?" in url else "?"
    resp = http_request(
        f"{url}{sep}query=ASK%20%7B%7D",
        headers={"Accept": "application/sparql-results+json"},
        timeout=timeout,
        auth=HttpAuth(creds) if creds else None,
    )
    return engine_of(resp.server)


# --- Graph Store HTTP Protocol ----------------------------------------------------------
def store_url_for(query_url: str, engine: str = "unknown") -> str:
    """The Graph Store Protocol URL of a query endpoint (:func:`.engines.store_url_for`)."""
    url, _ = split_credentials(query_url)
    return _store_url_for(url, engine)


def _graph_url(store_url: str, graph: str) -> str:
    sep = "&" if "?" in store_url else "?"
    return f"{store_url}{sep}graph={urllib.parse.quote(graph, safe='')}"


@dataclass
class PushReport:
    graphs: int
    triples: int
    removed: list[str]
    seconds: float


def _refused(what: str, target: str, resp: Response) -> StoreError:
    hint = "is this a writable SPARQL 1.1 Graph Store endpoint? (--store-url)"
    if resp.status in (401, 403):
        hint = (
            f"the Graph Store needs credentials with write access: --user USER (or {ENV_USER}) "
            f"and {ENV_PASSWORD}"
        )
    return StoreError(
        f"{what} at {target} failed: HTTP {resp.status}: {_excerpt(resp.body) or '(empty body)'}",
        hint=hint,
    )


def push(
    store: EmbeddedStore,
    endpoint_url: str,
    store_url: str | None = None,
    *,
    include_restricted: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    timeout: float = 600.0,
    credentials: Credentials | None = None,
) -> PushReport:
    """Replace each of minelaw's named graphs in a remote store with the local content.

    Restricted graphs (files under ``restricted/``) are pushed only when
    ``include_restricted`` is set; otherwise a copy left on the remote is deleted.
    ``credentials`` answer the Graph Store's (and the query endpoint's) HTTP Basic or Digest
    challenge.
    """
    t0 = time.perf_counter()
    remote = RemoteStore(endpoint_url, timeout=timeout, credentials=credentials)
    if store_url is None:  # the engine's own layout (Oxigraph server, Virtuoso, Fuseki)
        store_url = store_url_for(endpoint_url, detect(endpoint_url, remote.credentials))
    target, target_creds = split_credentials(store_url)
    creds = credentials or target_creds or remote.credentials
    auth = HttpAuth(creds) if creds else None  # its own: a Digest nonce belongs to one URL space
    hidden = store.hidden_graphs
    graphs = [g for g in store.graphs() if include_restricted or g not in hidden]
    triples = 0
    if graphs:
        # ask first with a request without a body (and learn an authentication challenge): a
        # server that refuses a large PUT before reading it closes the connection, and the
        # client would see a broken pipe instead of the server's 401
        probe = http_request(
            _graph_url(target, graphs[0]), method="HEAD", timeout=timeout, auth=auth
        )
        if probe.status in (401, 403):
            raise _refused(f"PUT of graph <{graphs[0]}>", target, probe)
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
            auth=auth,
        )
        if resp.status not in (200, 201, 204):
            raise _refused(f"PUT of graph <{g}>", target, resp)
    if progress:
        progress("removing stale graphs", len(graphs), len(graphs))
    # graphs of files that were deleted (or are restricted now) must not linger remotely
    keep = set(graphs)
    removed = [g for g in remote.graphs() if g not in keep]
    for g in removed:
        resp = http_request(_graph_url(target, g), method="DELETE", timeout=timeout, auth=auth)
        if resp.status not in (200, 204, 404):
            raise _refused(f"DELETE of graph <{g}>", target, resp)
    return PushReport(len(graphs), triples, removed, time.perf_counter() - t0)
