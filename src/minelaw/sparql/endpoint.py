"""A read-only SPARQL endpoint over the cached KB store (``minelaw serve``).

Implements the W3C *SPARQL 1.1 Protocol* query operation at ``/sparql``: GET with
``?query=``, POST with a form-encoded ``query=`` and POST with a body of type
``application/sparql-query``.  Answers are negotiated (``Accept``, or ``?format=``):
*SPARQL 1.1 Query Results JSON*, *XML*, *CSV* and *TSV* for SELECT and ASK; Turtle,
N-Triples, JSON-LD and RDF/XML for CONSTRUCT and DESCRIBE (DESIGN.md section 7).

Safety, in order of enforcement:

- **read-only**: the SPARQL 1.1 *Update* operation (``update=``,
  ``application/sparql-update``, or update syntax sent as a query) is refused with 403;
  the workers open the store with ``pyoxigraph.Store.read_only`` anyway;
- **no federation**: a query using ``SERVICE`` is refused with 403 unless the server
  was started with ``--allow-service`` (pyoxigraph would otherwise fetch the URL);
- **timeouts and limits**: queries run in worker *processes* (a pool; each opens the
  cached store read-only).  A query that exceeds ``--timeout`` gets 503 and its worker
  is killed and replaced, so one slow query never blocks the others; answers are cut
  to ``--max-rows`` rows or triples (header ``X-Minelaw-Truncated: true``);
- **restricted graphs** (files under ``restricted/``) are outside the dataset of every
  query unless the server runs with ``--include-restricted --token-file FILE`` *and*
  the request carries ``Authorization: Bearer <token>``.  The dataset is fixed by the
  server, so ``FROM``/``FROM NAMED``/``GRAPH <iri>`` cannot reach a hidden graph.

The web pages (YASGUI, findings, briefs, validation) are in :mod:`minelaw.sparql.webui`.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import pickle
import queue
import re
import select
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pyoxigraph as ox

from ..errors import StoreError, UsageError
from ..namespaces import PREFIXES
from .http import Answer, _text

if TYPE_CHECKING:
    from .webui import BriefHtml, Findings, Validate

MAX_BODY = 1 << 20  # 1 MiB of query text is plenty

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

# strings, IRIs and comments: skipped when looking for keywords
_SKIP = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*'
)
_PROLOGUE = re.compile(r"\s*(?:(?:PREFIX\s+[\w.-]*:|BASE)\s*)", re.IGNORECASE)
_UPDATE_START = re.compile(
    r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.IGNORECASE
)
_SERVICE = re.compile(r"(?<![?$:\w-])SERVICE(?![\w:-])", re.IGNORECASE)


def _code_only(sparql: str) -> str:
    """The query with strings, IRIs and comments blanked out (keywords stay in place)."""
    return _SKIP.sub(lambda m: " " if m.group(0).startswith(("#", '"', "'")) else "<>", sparql)


def is_update(sparql: str) -> bool:
    """Does the text start, after its prologue, like a SPARQL 1.1 Update request?"""
    code = _code_only(sparql)
    pos = 0
    while True:
        m = _PROLOGUE.match(code, pos)
        if not m:
            break
        pos = m.end()
        if code.startswith("<>", pos):  # the IRI of PREFIX p: <...> or BASE <...>
            pos += 2
    return bool(_UPDATE_START.match(code[pos:].lstrip()))


def uses_service(sparql: str) -> bool:
    """Does the query contain a SERVICE clause (federation)?"""
    return bool(_SERVICE.search(_code_only(sparql)))


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
        return _text(400, f"SPARQL syntax error: {exc}")
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


def _write_frame(out: IO[bytes], obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(struct.pack(">Q", len(data)) + data)
    out.flush()


def _read_exact(inp: IO[bytes], n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = inp.read(n - len(buf))
        if not chunk:
            raise EOFError("worker pipe closed")
        buf += chunk
    return buf


def _read_frame(inp: IO[bytes]) -> Any:
    (n,) = struct.unpack(">Q", _read_exact(inp, 8))
    return pickle.loads(_read_exact(inp, n))  # noqa: S301 (our own worker process)


def worker_main() -> None:
    """Entry point of a worker process:
    ``python -c 'from minelaw.sparql.endpoint import worker_main'``.

    Reads its configuration (JSON) from argv[1], then answers framed requests
    ``(sparql, authorised, accept)`` on stdin with framed :class:`Answer` objects.
    """
    conf = json.loads(sys.argv[1])
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write to the frame channel
    store = ox.Store.read_only(conf["db"])
    hidden = {ox.NamedNode(g) for g in conf["hidden"]}
    visible = [g for g in store.named_graphs() if g not in hidden]
    public: dict[str, Any] = (
        {"default_graph": visible, "named_graphs": visible}
        if hidden
        else {"use_default_graph_as_union": True}
    )
    everything: dict[str, Any] = {"use_default_graph_as_union": True}
    _write_frame(out, "ready")
    while True:
        try:
            sparql, authorised, accept = _read_frame(inp)
        except EOFError:
            return
        dataset = everything if authorised and conf["restricted"] else public
        _write_frame(out, run_query(store, dataset, sparql, accept, conf["max_rows"]))


class _Worker:
    def __init__(self, conf: dict[str, Any]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from minelaw.sparql.endpoint import worker_main; worker_main()"]
            + [json.dumps(conf)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,  # unbuffered: select() on the pipe then sees every byte
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.inp, self.out = self.proc.stdout, self.proc.stdin
        self.ready = False

    def wait_ready(self, timeout: float) -> None:
        if not self.ready:
            if not self.poll(timeout) or _read_frame(self.inp) != "ready":
                raise StoreError("a query worker did not start", hint="see the messages above")
            self.ready = True

    def poll(self, timeout: float) -> bool:
        r, _, _ = select.select([self.inp], [], [], max(timeout, 0.0))
        return bool(r)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(5)
        for f in (self.inp, self.out):
            f.close()


class WorkerPool:
    """Worker processes over the read-only store; a timed-out worker is killed and replaced."""

    def __init__(self, conf: dict[str, Any], size: int, timeout: float) -> None:
        self.conf, self.size, self.timeout = conf, size, timeout
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        workers = [self._spawn() for _ in range(size)]
        for w in workers:
            w.wait_ready(60)
            self._idle.put(w)

    def _spawn(self) -> _Worker:
        w = _Worker(self.conf)
        with self._lock:
            self._all.add(w)
        return w

    def _replace(self, w: _Worker) -> None:
        with self._lock:
            self._all.discard(w)
        w.kill()
        fresh = self._spawn()
        try:
            fresh.wait_ready(60)
        except (StoreError, EOFError):
            return  # the pool shrinks; requests still wait for the remaining workers
        self._idle.put(fresh)

    def run(self, sparql: str, authorised: bool, accept: list[str]) -> Answer:
        try:
            w = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            return _text(503, f"all {self.size} query workers are busy; try again", **_RETRY)
        try:
            _write_frame(w.out, (sparql, authorised, accept))
            if not w.poll(self.timeout):
                self._replace(w)
                return _text(
                    503, f"query timed out after {self.timeout:g} s and was cancelled", **_RETRY
                )
            answer: Answer = _read_frame(w.inp)
        except (EOFError, OSError, pickle.PickleError):
            self._replace(w)
            return _text(500, "the query worker failed; it has been restarted")
        self._idle.put(w)
        return answer

    def close(self) -> None:
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                w.kill()


_RETRY = {"Retry-After": "5"}


# --- the HTTP server ------------------------------------------------------------------------
@dataclass
class ServerConfig:
    store: Any  # EmbeddedStore (public view) for the web pages
    pool: WorkerPool
    token: str | None = None
    cors: bool = False
    quiet: bool = False
    ui: Any = None  # minelaw.sparql.webui.WebUI


class Handler(BaseHTTPRequestHandler):
    server_version = "minelaw-sparql"
    protocol_version = "HTTP/1.1"
    config: ServerConfig  # set on the subclass made by make_server

    # -- plumbing --------------------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        if not self.config.quiet:
            super().log_message(format, *args)

    def send(self, ans: Answer, head_only: bool = False) -> None:
        self.send_response(ans.status)
        self.send_header("Content-Type", ans.content_type)
        self.send_header("Content-Length", str(len(ans.body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        if self.config.cors:
            self.send_header("Access-Control-Allow-Origin", "*")
        for k, v in ans.headers.items():
            self.send_header(k, v)
        self.end_headers()
        if not head_only:
            self.wfile.write(ans.body)

    def _body(self, limit: int) -> bytes | None:
        n = int(self.headers.get("Content-Length") or 0)
        if n > limit:
            self.send(_text(413, f"request body over {limit} bytes"))
            self.close_connection = True
            return None
        return self.rfile.read(n) if n else b""

    # -- routes ----------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
        url = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if url.path == "/sparql":
            self.sparql(params)
        elif self.config.ui is not None:
            self.send(self.config.ui.get(url.path, params))
        else:
            self.send(_text(404, "not found"))

    def do_POST(self) -> None:  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if url.path == "/sparql":
            body = self._body(MAX_BODY)
            if body is None:
                return
            if ctype == "application/sparql-update":
                self.send(_text(403, "this endpoint is read-only: SPARQL Update is refused"))
            elif ctype == "application/sparql-query":
                params["query"] = [body.decode("utf-8", "replace")]
                self.sparql(params)
            elif ctype == "application/x-www-form-urlencoded":
                form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), True)
                self.sparql({**params, **form})
            else:
                self.send(_text(415, "send application/sparql-query or a form with query="))
        elif self.config.ui is not None:
            body = self._body(self.config.ui.max_upload)
            if body is not None:
                self.send(self.config.ui.post(url.path, ctype, self.headers, body))
        else:
            self.send(_text(404, "not found"))

    def do_OPTIONS(self) -> None:  # noqa: N802 (CORS preflight)
        ans = _text(204, "")
        ans.body = b""
        if self.config.cors:
            ans.headers.update(
                {
                    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                    "Access-Control-Allow-Headers": "Content-Type, Accept, Authorization",
                }
            )
        self.send(ans)

    def sparql(self, params: dict[str, list[str]]) -> None:
        t0 = time.perf_counter()
        if "update" in params:
            return self.send(_text(403, "this endpoint is read-only: SPARQL Update is refused"))
        if "default-graph-uri" in params or "named-graph-uri" in params:
            return self.send(
                _text(
                    400,
                    "default-graph-uri/named-graph-uri are not supported: the dataset is "
                    "the union of all public graphs; use GRAPH <iri> { ... } in the query",
                )
            )
        queries = params.get("query") or []
        if len(queries) != 1 or not queries[0].strip():
            return self.send(_text(400, "give exactly one SPARQL query (query=...); UI at /"))
        sparql = queries[0]
        if is_update(sparql):
            return self.send(_text(403, "this endpoint is read-only: SPARQL Update is refused"))
        if uses_service(sparql) and not self.config.pool.conf["allow_service"]:
            return self.send(
                _text(
                    403,
                    "SERVICE (federated query) is disabled on this endpoint "
                    "(start the server with --allow-service to enable it)",
                )
            )
        authorised = False
        auth = self.headers.get("Authorization")
        if auth is not None and self.config.token is not None:
            scheme, _, token = auth.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                token.strip().encode(), self.config.token.encode()
            ):
                return self.send(
                    _text(401, "invalid bearer token", **{"WWW-Authenticate": "Bearer"})
                )
            authorised = True
        fmt = (params.get("format") or [""])[0].lower()
        accept = (
            [FORMAT_ALIASES[fmt]]
            if fmt in FORMAT_ALIASES
            else parse_accept(self.headers.get("Accept"))
        )
        ans = self.config.pool.run(sparql, authorised, accept)
        ans.headers["X-Minelaw-Query-Ms"] = f"{(time.perf_counter() - t0) * 1000:.1f}"
        self.send(ans)


def load_token(path: Path) -> str:
    """The bearer token in ``path`` (first line); refuse empty or world-readable files."""
    try:
        token = path.read_text(encoding="utf-8").strip().splitlines()[0].strip()
    except (OSError, IndexError) as exc:
        raise UsageError(f"cannot read a token from {path}") from exc
    if len(token) < 16:
        raise UsageError(
            f"the token in {path} is too short (under 16 characters)",
            hint="generate one: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'",
        )
    if os.name == "posix" and path.stat().st_mode & 0o004:
        raise UsageError(f"{path} is readable by everyone", hint=f"chmod 600 {path}")
    return token


def make_server(
    store: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    timeout: float = 10.0,
    max_rows: int = 10_000,
    workers: int = 2,
    include_restricted: bool = False,
    token: str | None = None,
    allow_service: bool = False,
    cors: bool = False,
    quiet: bool = False,
    ui: bool = True,
    kb: Path | None = None,
    findings: Findings | None = None,
    brief_html: BriefHtml | None = None,
    validate: Validate | None = None,
) -> tuple[ThreadingHTTPServer, ServerConfig]:
    """Build (but do not start) the HTTP server over an :class:`EmbeddedStore`.

    ``store`` must come from the on-disk cache (``open_kb(..., use_cache=True)``):
    the workers open the same folder read-only.  ``findings``, ``brief_html`` and
    ``validate`` serve the web pages of the same names (:class:`~minelaw.sparql.webui.WebUI`).
    """
    if include_restricted and not token:
        raise UsageError("--include-restricted needs --token-file FILE")
    if store.path is None:
        raise StoreError("the endpoint serves a cached store", hint="open it with use_cache=True")
    db = store.path / "db"
    if not db.is_dir():
        raise StoreError(f"the cached store {db} is missing", hint="run the command again")
    conf = {
        "db": str(db),
        "hidden": sorted(store.hidden_graphs),
        "restricted": include_restricted,
        "max_rows": max_rows,
        "allow_service": allow_service,
    }
    pool = WorkerPool(conf, workers, timeout)
    webui = None
    if ui:
        from .webui import WebUI

        webui = WebUI(
            store,
            kb if kb is not None else Path("."),
            findings=findings,
            brief_html=brief_html,
            validate=validate,
        )
    config = ServerConfig(store, pool, token if include_restricted else None, cors, quiet, webui)
    handler = type("BoundHandler", (Handler,), {"config": config})
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError:
        pool.close()
        raise
    server.daemon_threads = True
    return server, config


__all__ = ["Answer", "make_server", "run_query", "worker_main"]
