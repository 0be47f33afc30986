"""``minelaw query`` and ``minelaw queries`` (DESIGN.md section 5; SPARQL 1.1 Query, and the
SPARQL 1.1 Query Results JSON, CSV and TSV formats).  Added to the group in
:mod:`minelaw.cli.group`.

No silent wrong answer (issue 17): a saved query's identifier parameters are checked against
the KB before it runs (:mod:`minelaw.sparql.identifiers`), a query that returns triples refuses
a table format, and a syntax error is located in the query as the user wrote it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import click

from ..errors import UsageError
from .common import Ctx, handle_errors

TABLE_FORMATS = ("table", "csv", "tsv", "json")
GRAPH_FORMATS = ("turtle", "nt")


@click.command()
@click.argument("query_arg", metavar="(NAME | FILE.rq | 'SPARQL')")
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="k=v",
    help="A parameter of a saved query, typed as its header declares (identifiers are checked "
    "against the KB; short id, mlr:id or full IRI). Repeatable.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*TABLE_FORMATS, *GRAPH_FORMATS]),
    default=None,
    help="SELECT and ASK: table (default), csv, tsv or json; CONSTRUCT and DESCRIBE: "
    "turtle (default) or nt.",
)
@click.option(
    "--include-restricted",
    is_flag=True,
    help="Also query restricted entries (entries/restricted/), left out by default.",
)
@click.pass_obj
@handle_errors
def query(
    obj: Ctx,
    query_arg: str,
    params: tuple[str, ...],
    fmt: str | None,
    include_restricted: bool = False,
) -> None:
    """Run a SPARQL query: a saved query NAME, a .rq FILE, or a query string.

    The default graph is the union of all graphs; GRAPH ?g reaches each file's
    own graph.  minelaw's prefixes (ml:, mlr:, dcterms:, ...) are predeclared.
    JSON output is W3C SPARQL 1.1 Query Results JSON.  `minelaw queries NAME`
    shows a saved query and its parameters.

    \b
    Examples:
      minelaw query states
      minelaw query party-status --param state=<ISO3> --param instrument=APMBC-1997 \\
          --param date=2021-06-12
      minelaw query elements --param norm=CIHL-R83 --format csv
      minelaw query 'SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }' --format csv
      minelaw query 'CONSTRUCT { ?s ?p ?o } WHERE { ?s a ml:State ; ?p ?o } LIMIT 5'
    """
    from ..sparql.query import bind, parse_saved, saved_queries
    from ..sparql.safety import check_depth

    values: dict[str, str] = {}
    for p in params:
        if "=" not in p:
            raise UsageError(f"--param {p!r} is not of the form k=v")
        k, v = p.split("=", 1)
        values[k.strip()] = v
    saved = saved_queries()
    sq = None
    if query_arg in saved:
        sq = saved[query_arg]
    elif query_arg.endswith(".rq") and Path(query_arg).is_file():
        sq = parse_saved(Path(query_arg))
    elif query_arg.endswith(".rq"):
        raise UsageError(f"no such query file: {query_arg}")
    elif any(kw in query_arg.upper() for kw in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")):
        if values:
            raise UsageError("--param applies to saved queries and .rq files only")
    else:
        import difflib

        close = difflib.get_close_matches(query_arg, list(saved), n=2)
        raise UsageError(
            f"{query_arg!r} is neither a saved query, a .rq file nor a SPARQL query"
            + (f" — did you mean {' or '.join(close)}?" if close else ""),
            hint="`minelaw queries` lists the saved queries",
        )
    text = sq.text if sq is not None else query_arg
    if sq is not None:
        bind(sq, values)  # names and syntax of the values, before the store is opened
    check_depth(text)  # a query nested thousands deep would crash the engine, not fail
    store = obj.store(include_restricted=include_restricted)
    if "finding" in text.lower():
        # queries about findings read graph:findings: compute it if this store lacks it
        from ..reasoning.findings_graph import ensure

        store = ensure(store)
    if sq is not None:
        text = bind(sq, values, store)  # identifiers checked against this KB
    # minelaw's prefixes are predeclared by the store (not prepended), so that a syntax error's
    # line and column are those of the query as written
    res = store.query(text)
    click.echo(render_result(res, fmt), nl=False)


def render_result(res: Any, fmt: str | None) -> str:
    """The result in ``fmt``; a format that does not fit the result's form is a UsageError."""
    from ..sparql.query import short, to_csv, to_json, to_tsv

    if res.kind == "graph":
        if fmt in TABLE_FORMATS and fmt != "table":
            raise UsageError(
                f"--format {fmt} is for SELECT and ASK results; this CONSTRUCT or DESCRIBE query "
                "returns triples",
                hint="use --format turtle (the default for triples) or --format nt (N-Triples)",
            )
        return _graph_text(res, "nt" if fmt == "nt" else "turtle")
    if fmt in GRAPH_FORMATS:
        raise UsageError(
            f"--format {fmt} is for CONSTRUCT and DESCRIBE results; this query returns "
            + ("true or false" if res.kind == "ask" else "a table"),
            hint="use --format table (the default), csv, tsv or json",
        )
    if fmt == "json":
        return to_json(res) + "\n"
    if fmt == "csv":
        return to_csv(res)
    if fmt == "tsv":
        return to_tsv(res)
    if res.kind == "ask":
        return ("true" if res.boolean else "false") + "\n"
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for v in res.variables:
        table.add_column(v, overflow="fold")
    for row in res.rows:
        table.add_row(*[short(row.get(v)) for v in res.variables])
    buf = io.StringIO()
    Console(file=buf, width=160, force_terminal=False).print(table)
    return buf.getvalue() + f"{len(res.rows)} rows\n"


def _graph_text(res: Any, fmt: str) -> str:
    import pyoxigraph as ox

    from ..namespaces import PREFIXES

    if fmt == "nt":
        return "".join(f"{t} .\n" for t in res.triples)
    out = ox.serialize(res.triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    text = out.decode("utf-8") if out else ""
    return text + f"# {len(res.triples)} triples\n"


@click.command("queries")
@click.argument("name", required=False, metavar="[NAME]")
@handle_errors
def list_queries(name: str | None) -> None:
    """List the saved queries with their parameters, or show one saved query in full.

    A parameter's type says what it takes: an identifier of a class (ml:State,
    ml:Norm, ml:Place ...; the saved queries states, instruments, norms and places
    list them), a code of a scheme (mlv:...), a date (YYYY-MM-DD), a number or text.

    \b
    Examples:
      minelaw queries
      minelaw queries party-status
    """
    from ..sparql.query import saved_queries

    saved = saved_queries()
    if name is None:
        for n, q in saved.items():
            click.echo(f"{n}: {q.title or q.description}")
            for p in q.params:
                click.echo(f"    --param {p.name}=<{p.type}>  {p.description}")
        click.echo(f"\n{len(saved)} saved queries; `minelaw queries NAME` shows one in full.")
        return
    if name.endswith(".rq"):
        name = Path(name).stem
    if name not in saved:
        import difflib

        close = difflib.get_close_matches(name, list(saved), n=3, cutoff=0.5)
        raise UsageError(
            f"no saved query {name!r}"
            + (f" — did you mean {' or '.join(close)}?" if close else ""),
            hint="`minelaw queries` lists them",
        )
    click.echo(describe_saved(saved[name]), nl=False)


_KINDS = {
    "date": "a date, YYYY-MM-DD",
    "number": "a number",
    "boolean": "true or false",
    "text": "text",
}


def describe_saved(q: Any) -> str:
    """One saved query for a reader: title, description, parameters, a command line, the text."""
    import textwrap

    out = [f"{q.name}: {q.title}", ""]
    out += textwrap.wrap(q.description, 96) + [""]
    if q.params:
        out.append("Parameters:")
        for p in q.params:
            kind = p.input_kind
            if kind == "identifier":
                what = f"the identifier of a {p.type}" if p.cls else "an identifier (mlr:<id>)"
                what += " (short id, mlr:id or full IRI; checked against the KB)"
            elif kind == "code":
                what = f"a code of the scheme {p.type} (checked against the KB)"
            else:
                what = _KINDS[kind]
            out.append(f"  {p.name}: {what}")
            out += ["      " + line for line in textwrap.wrap(p.description, 90)]
        args = " ".join(f"--param {p.name}=..." for p in q.params)
        out += ["", f"Run: minelaw query {q.name} {args}", ""]
    else:
        out += [f"Run: minelaw query {q.name}", ""]
    out.append(f"Query ({q.path.name}):")
    body = [line for line in q.text.splitlines() if not line.startswith("#")]
    while body and not body[0].strip():
        body.pop(0)
    out += ["  " + line for line in body]
    return "\n".join(out) + "\n"
