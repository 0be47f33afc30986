"""A read-only SPARQL endpoint over the cached KB store (``minelaw serve``).

Implements the W3C *SPARQL 1.1 Protocol* query operation at ``/sparql``: GET with
``?query=``, POST with a form-encoded ``query=`` and POST with a body of type
``application/sparql-query``; answers are negotiated (``Accept``, or ``?format=``) and
computed in worker processes (:mod:`minelaw.sparql.protocol`).  DESIGN.md section 7.

The HTTP layer is Starlette on uvicorn (h11): requests are parsed strictly (a
``Content-Length`` of ``-1`` or ``abc`` is a 400), bodies are read under a size limit and a
time limit, connections that send no complete request within :attr:`Limits.header_timeout`
are closed, and past :attr:`Limits.max_connections` the oldest idle connection makes room.

Safety, in order of enforcement:

- **read-only**: the SPARQL 1.1 *Update* operation (``update=``,
  ``application/sparql-update``, or update syntax sent as a query) is refused with 403;
  the workers open the store with ``pyoxigraph.Store.read_only`` anyway;
- **nesting**: a query nested deeper than :data:`minelaw.sparql.safety.MAX_DEPTH` is a 400;
- **no federation**: ``SERVICE`` is refused with 400, decided on the parsed query in the
  worker, unless the server runs with ``--allow-service``; workers cannot open network
  sockets (seccomp), so a pattern the check missed cannot fetch anything either;
- **timeouts and limits**: queries run in worker *processes*, each with an address-space
  cap.  A query that exceeds ``--timeout`` gets 503 and its worker is killed and replaced;
  one worker is reserved for light queries (:func:`minelaw.sparql.safety.is_light`), so
  heavy ones cannot starve them; answers are cut to ``--max-rows`` rows or triples
  (header ``X-Minelaw-Truncated: true``);
- **restricted graphs** (files under ``restricted/``) are outside the dataset of every
  query unless the server runs with ``--include-restricted --token-file FILE`` *and*
  the request carries ``Authorization: Bearer <token>``.  ``FROM``/``FROM NAMED`` (SPARQL 1.1
  Query 13.2) and the protocol's ``default-graph-uri``/``named-graph-uri`` (Protocol 2.1.4,
  replacing the query's) define the dataset, without the hidden graphs: naming one gives
  an empty graph, not an error that would confirm it exists.
- **service description**: ``GET /sparql`` without a query (:mod:`.service`).

The web pages (YASGUI, findings, briefs, validation) are in :mod:`minelaw.sparql.webui`.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import resource
import socket
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import QueryRefused, StoreError, UsageError
from .http import Answer, _text
from .protocol import parse_accept
from .safety import check_depth, is_light, is_update
from .workers import WorkerBusy, WorkerFailed, WorkerPool, WorkerTimeout, worker_argv

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

    from .webui import BriefHtml, Findings

log = logging.getLogger("minelaw.serve")

from .protocol import FORMAT_ALIASES  # noqa: E402  (re-exported: the ?format= shorthands)

_RETRY = {"Retry-After": "5"}
_READ_ONLY = "this endpoint is read-only: SPARQL Update is refused"


@dataclass(frozen=True)
class Limits:
    """Every limit of the server, with its default (docs/security.md lists them)."""

    timeout: float = 10.0  # seconds a query may run
    max_rows: int = 10_000  # rows or triples in one answer
    workers: int = 2  # general query workers
    light_workers: int = 1  # workers reserved for light queries (0: none)
    light_budget: float = 1.0  # seconds a query may use on a light worker before it moves
    worker_memory_mb: int = 2048  # address space of each worker process (0: no cap)
    max_body: int = 1 << 20  # bytes of query text in a POST
    max_upload: int = 10 << 20  # bytes of an uploaded entry file (/validate)
    body_timeout: float = 30.0  # seconds to receive a request body
    header_timeout: float = 10.0  # seconds from connecting to a complete request head
    keep_alive: int = 5  # seconds an idle keep-alive connection stays open
    max_connections: int = 256  # open connections; the oldest idle one makes room
    max_header_bytes: int = 256 << 10  # request line + headers (long GET queries)
    queue_wait: float | None = None  # seconds to wait for a free worker (default: timeout)
    max_waiting: int = 64  # requests waiting for a worker; more get 503 at once
    validate_timeout: float = 60.0  # seconds one /validate may run


@dataclass
class ServerConfig:
    store: Any  # EmbeddedStore (public view) for the web pages
    pool: WorkerPool
    limits: Limits
    conf: dict[str, Any]
    token: str | None = None
    cors: bool = False
    quiet: bool = False
    ui: Any = None  # minelaw.sparql.webui.WebUI
    loop: asyncio.AbstractEventLoop | None = None
    sandbox: dict[str, str] = field(default_factory=dict)
    sd_examples: list[tuple[str, str, str, str]] | None = None  # the saved queries, once read


# --- requests ----------------------------------------------------------------------------------
class _Refused(Exception):
    def __init__(self, answer: Answer) -> None:
        self.answer = answer


async def read_body(request: Request, limit: int, timeout: float) -> bytes:
    """The request body, or :class:`_Refused` (413 over ``limit``, 408 when too slow)."""
    declared = request.headers.get("content-length")
    if declared is not None and int(declared) > limit:  # h11 has checked it is a number
        raise _Refused(_text(413, f"request body over {limit} bytes"))

    async def collect() -> bytes:
        chunks, n = [], 0
        async for chunk in request.stream():
            n += len(chunk)
            if n > limit:
                raise _Refused(_text(413, f"request body over {limit} bytes"))
            chunks.append(chunk)
        return b"".join(chunks)

    try:
        return await asyncio.wait_for(collect(), timeout)
    except TimeoutError:
        raise _Refused(
            _text(408, f"the request body did not arrive within {timeout:g} s")
        ) from None


def _authorised(config: ServerConfig, request: Request) -> bool:
    """Does the request carry the server's bearer token?  A wrong token is a 401."""
    auth = request.headers.get("authorization")
    if auth is None or config.token is None:
        return False
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.strip().encode(), config.token.encode()
    ):
        raise _Refused(_text(401, "invalid bearer token", **{"WWW-Authenticate": "Bearer"}))
    return True


async def sparql_answer(config: ServerConfig, request: Request) -> Answer:
    """The SPARQL 1.1 Protocol query operation."""
    limits = config.limits
    params = urllib.parse.parse_qs(request.url.query, keep_blank_values=True)
    if request.method == "POST":
        ctype = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        body = await read_body(request, limits.max_body, limits.body_timeout)
        if ctype == "application/sparql-update":
            return _text(403, _READ_ONLY)
        if ctype == "application/sparql-query":
            params["query"] = [body.decode("utf-8", "replace")]
        elif ctype == "application/x-www-form-urlencoded":
            params.update(urllib.parse.parse_qs(body.decode("utf-8", "replace"), True))
        else:
            return _text(415, "send application/sparql-query or a form with query=")
    if "update" in params:
        return _text(403, _READ_ONLY)
    if request.method in ("GET", "HEAD") and "query" not in params:
        return service_description(config, request)
    queries = params.get("query") or []
    if len(queries) != 1 or not queries[0].strip():
        return _text(400, "give exactly one SPARQL query (query=...); UI at /")
    sparql = queries[0]
    if is_update(sparql):
        return _text(403, _READ_ONLY)
    try:
        check_depth(sparql)
    except QueryRefused as exc:
        return _text(exc.status, str(exc))
    authorised = _authorised(config, request)
    fmt = (params.get("format") or [""])[0].lower()
    accept = (
        [FORMAT_ALIASES[fmt]]
        if fmt in FORMAT_ALIASES
        else parse_accept(request.headers.get("accept"))
    )
    lanes = ["general"]
    if "light" in config.pool.lanes and is_light(sparql):
        lanes = ["light", "general"]
    return await _run(
        config,
        lanes,
        {
            "sparql": sparql,
            "authorised": authorised,
            "accept": accept,
            # the protocol's dataset (SPARQL 1.1 Protocol 2.1.4): it replaces the query's
            "default_graph_uri": params.get("default-graph-uri", []),
            "named_graph_uri": params.get("named-graph-uri", []),
        },
        timeout=limits.timeout,
        budget={"light": limits.light_budget},
    )


def service_description(config: ServerConfig, request: Request) -> Answer:
    """SPARQL 1.1 Service Description of this endpoint (:mod:`.service`): its public graphs
    and the saved queries as examples."""
    from . import service
    from .query import saved_queries

    if config.sd_examples is None:
        config.sd_examples = [
            (q.name, q.title, q.description, q.text) for q in saved_queries().values()
        ]
    hidden = config.store.hidden_graphs
    graphs = [g for g in config.store.graphs() if g not in hidden]
    endpoint = str(request.url.replace(query="", fragment=""))
    return service.answer(endpoint, graphs, config.sd_examples, request.headers.get("accept"))


async def _run(
    config: ServerConfig,
    lanes: list[str],
    meta: dict[str, Any],
    *,
    timeout: float,
    budget: dict[str, float] | None = None,
    body: bytes = b"",
) -> Answer:
    pool, limits = config.pool, config.limits
    if pool.waiting >= limits.max_waiting:
        return _text(503, f"{pool.waiting} requests are already waiting; try again", **_RETRY)
    wait = limits.queue_wait if limits.queue_wait is not None else limits.timeout
    try:
        res, data = await pool.call(lanes, meta, body, timeout=timeout, wait=wait, budget=budget)
    except WorkerBusy:
        busy = sum(pool.lanes[n].size for n in lanes)
        return _text(503, f"all {busy} workers are busy; try again", **_RETRY)
    except WorkerTimeout:
        return _text(503, f"timed out after {timeout:g} s and was cancelled", **_RETRY)
    except WorkerFailed as exc:
        mb = limits.worker_memory_mb
        return _text(
            500,
            f"the worker failed ({exc}); it has been restarted"
            + (f" (a worker may use at most {mb} MB)" if mb else ""),
        )
    return Answer(res["status"], res["content_type"], data, res.get("headers") or {})


# --- the application ---------------------------------------------------------------------------
def build_app(config: ServerConfig) -> Starlette:
    """The Starlette application: /sparql and (unless --no-ui) the web pages."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import Response
    from starlette.routing import Route

    def respond(ans: Answer, t0: float | None = None, head: bool = False) -> Response:
        headers = {"X-Content-Type-Options": "nosniff", **ans.headers}
        if config.cors:
            headers["Access-Control-Allow-Origin"] = "*"
        if t0 is not None:
            headers["X-Minelaw-Query-Ms"] = f"{(time.perf_counter() - t0) * 1000:.1f}"
        return Response(b"" if head else ans.body, ans.status, headers, ans.content_type)

    async def sparql(request: Request) -> Response:
        t0 = time.perf_counter()
        if request.method == "OPTIONS":
            ans = Answer(204, "text/plain", b"")
            if config.cors:
                ans.headers.update(
                    {
                        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                        "Access-Control-Allow-Headers": "Content-Type, Accept, Authorization",
                    }
                )
            return respond(ans)
        try:
            ans = await sparql_answer(config, request)
        except _Refused as exc:
            ans = exc.answer
        return respond(ans, t0, request.method == "HEAD")

    async def pages(request: Request) -> Response:
        path = request.url.path
        if config.ui is None:
            return respond(_text(404, "not found"))
        try:
            if request.method == "POST":
                if path != "/validate":
                    return respond(_text(405, "POST is accepted at /sparql and /validate only"))
                body = await read_body(
                    request, config.limits.max_upload, config.limits.body_timeout
                )
                authorised = _authorised(config, request)
                ctype = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
                ans = await run_in_threadpool(
                    config.ui.post, path, ctype, request.headers, body, authorised
                )
            else:
                params = urllib.parse.parse_qs(request.url.query, keep_blank_values=True)
                ans = await run_in_threadpool(config.ui.get, path, params)
        except _Refused as exc:
            ans = exc.answer
        return respond(ans, head=request.method == "HEAD")

    routes = [
        Route("/sparql", sparql, methods=["GET", "HEAD", "POST", "OPTIONS"]),
        Route("/{path:path}", pages, methods=["GET", "HEAD", "POST"]),
    ]
    return Starlette(routes=routes)


# --- connections --------------------------------------------------------------------------------
def _protocol_class(limits: Limits) -> type:
    """uvicorn's h11 protocol with a deadline for the request head and a connection cap.

    uvicorn closes idle keep-alive connections but not a connection that never completes
    a request; here every connection must deliver a complete request head within
    ``header_timeout`` seconds (after connecting, and after each response), and when more
    than ``max_connections`` are open the oldest one that is waiting for a request is
    closed to make room (if none is idle, the new connection is closed).
    """
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class Guarded(H11Protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._deadline: asyncio.TimerHandle | None = None
            self._since = self.loop.time()
            if len(self.connections) > limits.max_connections:
                idle = [
                    c
                    for c in self.connections
                    if c is not self and isinstance(c, Guarded) and c._waiting()
                ]
                victim = min(idle, key=lambda c: c._since) if idle else self
                # forget it now: its connection_lost comes later, after more arrivals
                self.connections.discard(victim)
                victim._disarm()
                victim.transport.close()
                if victim is self:
                    return
            self._arm()

        def _waiting(self) -> bool:
            return self.cycle is None or self.cycle.response_complete

        def _arm(self) -> None:
            self._disarm()
            self._since = self.loop.time()
            self._deadline = self.loop.call_later(limits.header_timeout, self._expire)

        def _disarm(self) -> None:
            if getattr(self, "_deadline", None) is not None:
                self._deadline.cancel()  # type: ignore[union-attr]
                self._deadline = None

        def _expire(self) -> None:
            if self._waiting() and not self.transport.is_closing():
                self.transport.close()

        def handle_events(self) -> None:
            before = self.cycle
            super().handle_events()
            if self.cycle is not before and self.cycle is not None:
                self._disarm()  # a request head arrived: the app's own limits apply now

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return Guarded


class Server:
    """The bound, not yet running server: ``serve_forever()`` runs it until SIGINT/SIGTERM."""

    def __init__(self, config: ServerConfig, sock: socket.socket, starter: Any) -> None:
        self.config, self.sock, self._starter = config, sock, starter
        self.server_address: tuple[str, int] = sock.getsockname()[:2]

    def serve_forever(self) -> None:
        import uvicorn

        limits = self.config.limits
        uconf = uvicorn.Config(
            build_app(self.config),
            http=_protocol_class(limits),
            lifespan="off",
            loop="asyncio",
            access_log=not self.config.quiet,
            log_level="warning" if self.config.quiet else "info",
            timeout_keep_alive=limits.keep_alive,
            limit_concurrency=limits.max_connections + 16,
            h11_max_incomplete_event_size=limits.max_header_bytes,
            server_header=False,
            timeout_graceful_shutdown=5,
        )
        server = uvicorn.Server(uconf)

        async def main() -> None:
            self.config.loop = asyncio.get_running_loop()
            await self._starter(self.config)
            try:
                await server.serve(sockets=[self.sock])
            finally:
                await self.config.pool.close()

        asyncio.run(main())

    def close(self) -> None:
        self.sock.close()


def _raise_fd_limit(want: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < want:
        target = want if hard == resource.RLIM_INFINITY else min(want, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def make_server(
    store: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    limits: Limits | None = None,
    include_restricted: bool = False,
    token: str | None = None,
    allow_service: bool = False,
    cors: bool = False,
    quiet: bool = False,
    ui: bool = True,
    kb: Path | None = None,
    findings: Findings | None = None,
    brief_html: BriefHtml | None = None,
    validate_worker: str | None = None,
    on_ready: Any = None,
) -> Server:
    """Bind the server over an :class:`EmbeddedStore` (workers start in ``serve_forever``).

    ``store`` must come from the on-disk cache (``open_kb(..., use_cache=True)``): the
    workers open the same folder read-only.  ``findings`` and ``brief_html`` serve the web
    pages of the same names; ``validate_worker`` is the ``module:function`` of the
    validation worker's loop (:class:`~minelaw.sparql.webui.WebUI`).  ``on_ready(server)``
    is called once every worker has started.
    """
    limits = limits or Limits()
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
        "max_rows": limits.max_rows,
        "allow_service": allow_service,
        "memory_mb": limits.worker_memory_mb,
    }
    pool = WorkerPool()
    config = ServerConfig(
        store, pool, limits, conf, token if include_restricted else None, cors, quiet
    )
    _raise_fd_limit(limits.max_connections * 2 + 256)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(1024)

    validate_call = None
    if ui and validate_worker is not None:

        def validate_call(
            uploads: list[tuple[str, str, bytes]], authorised: bool
        ) -> dict[str, Any] | Answer:
            # one body, the files one after the other; their names, suffixes and sizes in meta
            files = [{"filename": n, "suffix": s, "size": len(c)} for n, s, c in uploads]
            meta = {"files": files, "authorised": authorised}
            body = b"".join(c for _, _, c in uploads)
            assert config.loop is not None
            fut = asyncio.run_coroutine_threadsafe(
                _run(config, ["validate"], meta, timeout=limits.validate_timeout, body=body),
                config.loop,
            )
            ans: Answer = fut.result()
            if ans.status != 200:
                return ans
            import json

            doc: dict[str, Any] = json.loads(ans.body)
            return doc

    if ui:
        from .webui import WebUI

        config.ui = WebUI(
            store,
            kb if kb is not None else Path("."),
            findings=findings,
            brief_html=brief_html,
            validate=validate_call,
            max_upload=limits.max_upload,
        )

    async def start(cfg: ServerConfig) -> None:
        entry = "minelaw.sparql.protocol:query_worker_main"
        await pool.add_lane("general", worker_argv(entry, conf), limits.workers)
        if limits.light_workers:
            await pool.add_lane("light", worker_argv(entry, conf), limits.light_workers)
        if validate_call is not None and validate_worker is not None:
            vconf = {"kb": str(kb), "memory_mb": limits.worker_memory_mb}
            await pool.add_lane("validate", worker_argv(validate_worker, vconf), 1)
        cfg.sandbox = pool.sandbox()
        if on_ready is not None:
            on_ready(server)

    server = Server(config, sock, start)
    return server


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


__all__ = ["FORMAT_ALIASES", "Limits", "Server", "build_app", "load_token", "make_server"]
