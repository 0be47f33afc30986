"""``minelaw serve`` and ``minelaw push`` (DESIGN.md section 5; SPARQL 1.1 Protocol and
SPARQL 1.1 Graph Store HTTP Protocol).  Added to the group in :mod:`minelaw.cli.group`."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from ..errors import UsageError
from .common import Ctx, handle_errors, progress_bar


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port (0: any free).")
@click.option(
    "--timeout",
    default=10.0,
    show_default=True,
    type=float,
    help="Seconds a query may run before it is cancelled (HTTP 503).",
)
@click.option(
    "--max-rows",
    default=10_000,
    show_default=True,
    type=int,
    help="Most rows (or triples) in one answer; longer answers are cut.",
)
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Query worker processes (queries that run at the same time).",
)
@click.option(
    "--include-restricted",
    is_flag=True,
    help="Serve restricted graphs to requests with the bearer token of --token-file.",
)
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="File holding the bearer token (one line; chmod 600).",
)
@click.option(
    "--light-workers",
    default=1,
    show_default=True,
    type=click.IntRange(0, 16),
    help="Workers reserved for light queries (ASK, short SELECT with a small LIMIT).",
)
@click.option(
    "--worker-memory",
    default=2048,
    show_default=True,
    type=click.IntRange(0, None),
    metavar="MB",
    help="Address space of each worker process, in MB (0: no cap).",
)
@click.option(
    "--validate-timeout",
    default=60.0,
    show_default=True,
    type=float,
    help="Seconds one /validate upload may take.",
)
@click.option(
    "--idle-timeout",
    default=10.0,
    show_default=True,
    type=float,
    help="Seconds a connection may stay open without sending a complete request.",
)
@click.option("--allow-service", is_flag=True, help="Allow SERVICE (federated queries).")
@click.option("--cors", is_flag=True, help="Allow cross-origin requests to /sparql.")
@click.option("--no-ui", is_flag=True, help="Serve /sparql only, without the web pages.")
@click.option("--quiet", "-q", is_flag=True, help="Do not log each request.")
@click.pass_obj
@handle_errors
def serve(
    obj: Ctx,
    host: str,
    port: int,
    timeout: float,
    max_rows: int,
    workers: int,
    light_workers: int,
    worker_memory: int,
    validate_timeout: float,
    idle_timeout: float,
    include_restricted: bool,
    token_file: Path | None,
    allow_service: bool,
    cors: bool,
    no_ui: bool,
    quiet: bool,
) -> None:
    """Serve the KB read-only over the SPARQL 1.1 Protocol, with a web UI.

    The endpoint is /sparql (GET ?query=, POST form or application/sparql-query);
    answers in SPARQL JSON, XML, CSV or TSV, and Turtle, N-Triples, JSON-LD or
    RDF/XML for CONSTRUCT/DESCRIBE.  Updates are refused (403), and so is SERVICE
    (400) unless --allow-service; query workers cannot open network connections.
    The web UI at / is a SPARQL editor with the saved queries; /findings lists
    candidate breaches; /validate checks one or several entry files together (in a
    worker, against the public graphs unless the request carries the token); GET
    /sparql without a query is the SPARQL 1.1 Service Description (Turtle, or HTML
    for a browser).  Limits and the threat model: docs/security.md.
    Restricted graphs are served only with --include-restricted --token-file and a
    request header "Authorization: Bearer <token>".

    \b
    Examples:
      minelaw serve
      minelaw serve --port 8080 --timeout 30 --max-rows 50000
      curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE {?s ?p ?o} LIMIT 5' \\
          http://127.0.0.1:8000/sparql
    """
    from ..sparql.endpoint import Limits, load_token, make_server
    from ..store.cache import open_kb

    if obj.endpoint:
        raise UsageError(
            "serve publishes the local KB; --endpoint is for reading commands",
            hint="drop --endpoint, or query the remote endpoint directly",
        )
    token = None
    if include_restricted:
        if token_file is None:
            raise UsageError("--include-restricted needs --token-file FILE")
        token = load_token(token_file)
    elif token_file is not None:
        raise UsageError("--token-file only makes sense with --include-restricted")
    with progress_bar("loading") as prog:
        store = open_kb(obj.kb, progress=prog)
    from ..briefs.render import render_html
    from ..reasoning.findings import compute
    from ..reasoning.findings_graph import ensure

    store = ensure(store)  # graph:findings for the saved queries about findings
    limits = Limits(
        timeout=timeout,
        max_rows=max_rows,
        workers=workers,
        light_workers=light_workers,
        worker_memory_mb=worker_memory,
        validate_timeout=validate_timeout,
        header_timeout=idle_timeout,
    )

    def ready(server: Any) -> None:
        bound_host, bound_port = server.server_address
        base = f"http://{bound_host}:{bound_port}"
        click.echo(f"minelaw: serving {obj.kb} ({store.count_quads()} quads)", err=True)
        for lane, what in sorted(server.config.sandbox.items()):
            click.echo(f"  {lane} workers: {what}", err=True)
        click.echo(f"  SPARQL endpoint: {base}/sparql", err=True)
        if not no_ui:
            click.echo(f"  web UI:          {base}/", err=True)
        click.echo(f"listening on {base}", err=True)  # tests wait for this line
        sys.stderr.flush()

    server = make_server(
        store,
        host=host,
        port=port,
        limits=limits,
        include_restricted=include_restricted,
        token=token,
        allow_service=allow_service,
        cors=cors,
        quiet=quiet,
        ui=not no_ui,
        kb=obj.kb,
        findings=compute,
        brief_html=render_html,
        validate_worker="minelaw.cli.endpoint:validate_worker_main",
        on_ready=ready,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        click.echo("minelaw: stopped", err=True)


def validate_worker_main() -> None:
    """The /validate worker of ``minelaw serve`` (``python -c``; configuration in argv[1]).

    Checks the uploaded files together exactly as ``minelaw validate A B ...`` does and
    answers its JSON report (``minelaw-validate/1``), each file named by its uploaded name.
    The request's body holds the files one after the other; ``meta["files"]`` gives each
    one's name, suffix and size.  Without the bearer token the upload is checked against
    the public view of the KB only, so that its messages never reveal a restricted
    identifier (issue 18).  Like the query workers it cannot open network sockets and its
    memory is capped.
    """
    import json
    import tempfile

    from ..errors import MinelawError
    from ..intake.workflow import render_json, run_validate
    from ..sparql.sandbox import deny_network, limit_memory
    from ..sparql.workers import serve_requests, worker_conf
    from ..store.cache import open_kb

    conf = worker_conf()
    network = deny_network()
    memory = limit_memory(int(conf.get("memory_mb", 0)))
    kb = Path(conf["kb"])
    store = open_kb(kb)

    def handle(meta: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
        with tempfile.TemporaryDirectory(prefix="minelaw-validate-") as tmp:
            paths, shown, at = [], {}, 0
            for i, f in enumerate(meta["files"]):
                # the name on disk comes from the suffix only, never from the uploaded name
                path = Path(tmp) / f"upload-{i + 1}{f['suffix']}"
                path.write_bytes(body[at : at + int(f["size"])])
                at += int(f["size"])
                paths.append(path)
                shown[str(path)] = f["filename"]
            try:
                subs = run_validate(paths, kb, store=store, public_only=not meta["authorised"])
                text = render_json(subs)
            except MinelawError as exc:
                text = json.dumps({"ok": False, "files": [], "error": str(exc)})
            for disk, name in shown.items():  # messages name the uploaded files, not ours
                text = text.replace(json.dumps(disk)[1:-1], json.dumps(name)[1:-1])
        return {"status": 200, "content_type": "application/json"}, text.encode()

    serve_requests(handle, {"network": network, "memory": memory})


@click.command()
@click.option(
    "--store-url",
    default=None,
    metavar="URL",
    help="Graph Store Protocol URL (default: derived from the query URL for Oxigraph server, "
    "Virtuoso and Fuseki).",
)
@click.option(
    "--user",
    default=None,
    metavar="USER",
    envvar="MINELAW_ENDPOINT_USER",
    help="User for the server's HTTP Basic or Digest authentication (env MINELAW_ENDPOINT_USER);"
    " the password comes from MINELAW_ENDPOINT_PASSWORD or is asked for.",
)
@click.option(
    "--include-restricted",
    is_flag=True,
    help="Also push restricted graphs (files under restricted/). Off by default.",
)
@click.pass_obj
@handle_errors
def push(obj: Ctx, store_url: str | None, user: str | None, include_restricted: bool) -> None:
    """Load the KB into a remote store over the SPARQL 1.1 Graph Store HTTP Protocol.

    Needs the global --endpoint URL (the query endpoint).  Each KB and ontology file
    goes into its own named graph (PUT ?graph=<iri> replaces it), plus graph:inferred
    with the OWL 2 RL consequences and graph:findings; minelaw graphs that are no longer
    in the KB are deleted.  Queries assume the remote default graph is the union of all
    graphs (see docs/team-server.md for Oxigraph server, Virtuoso and Fuseki).

    \b
    Examples:
      oxigraph serve --location ./remote-db --bind 127.0.0.1:7878 --union-default-graph
      minelaw --endpoint http://127.0.0.1:7878/query push
      MINELAW_ENDPOINT_PASSWORD=... minelaw --endpoint http://HOST:8890/sparql push --user dba
      minelaw --endpoint http://HOST:3030/ds/sparql push --store-url http://HOST:3030/ds/data
      minelaw --endpoint http://127.0.0.1:7878/query query party-status ...
    """
    import os

    from ..store.cache import open_kb
    from ..store.remote import (
        ENV_PASSWORD,
        Credentials,
        detect,
        split_credentials,
        store_url_for,
    )
    from ..store.remote import push as do_push

    if not obj.endpoint:
        raise UsageError(
            "push needs the remote query endpoint: minelaw --endpoint URL push",
            hint="for Oxigraph server: --endpoint http://HOST:PORT/query",
        )
    creds = None
    if user:
        password = os.environ.get(ENV_PASSWORD)
        if password is None:
            if not sys.stdin.isatty():
                raise UsageError(
                    f"--user {user} needs a password",
                    hint=f"set {ENV_PASSWORD} (it is never read from the command line)",
                )
            password = click.prompt(f"password for {user}", hide_input=True, err=True)
        creds = Credentials(user, password)
    target = store_url or store_url_for(obj.endpoint, detect(obj.endpoint, creds))
    t0 = time.perf_counter()
    with progress_bar("loading") as prog:
        store = open_kb(obj.kb, progress=prog)
    from ..reasoning.findings_graph import ensure

    store = ensure(store)  # the remote store gets graph:findings too
    with progress_bar("pushing") as prog:
        report = do_push(
            store,
            obj.endpoint,
            target,
            include_restricted=include_restricted,
            progress=prog,
            credentials=creds,
        )
    click.echo(
        f"pushed {report.graphs} graphs ({report.triples} triples) to "
        f"{split_credentials(target)[0]} "
        f"in {report.seconds:.2f} s (total {time.perf_counter() - t0:.2f} s)"
    )
    for g in report.removed:
        click.echo(f"  removed stale graph <{g}>")
