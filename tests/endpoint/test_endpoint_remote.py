"""Remote stores: `minelaw push` into a real Oxigraph server, then every saved query returns
the same rows through `--endpoint` (RemoteStore) as through the embedded store; the same
through a `minelaw serve` process."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Callable

import pyoxigraph as ox
import pytest

from minelaw.errors import QueryError, StoreError, UsageError
from minelaw.namespaces import GRAPH, MLR, sparql_prefixes
from minelaw.sparql.query import SavedQuery, bind, saved_queries
from minelaw.store.oxigraph import QueryResult
from minelaw.store.remote import RemoteStore, store_url_for, with_prefixes

from .endpoint_support import Server

# How to pick a sample value for a parameter, by name: a query over the KB returning ?v
# (the first row in order wins).  Names not listed fall back on their type.
SAMPLES = {
    "actor": "SELECT ?v WHERE { ?cp a ml:ControlPeriod ; ml:controller/dcterms:identifier ?v ;"
    " ml:territory ?t . ?i a ml:MineIncident ; ml:place/ml:partOf* ?t } ORDER BY ?v",
    "state": "SELECT ?v WHERE { ?p ml:participant/dcterms:identifier ?v } ORDER BY ?v",
    "claimant": "SELECT ?v (COUNT(*) AS ?n) WHERE { ?c ml:claimant/ml:organOf?/dcterms:identifier"
    " ?v } GROUP BY ?v ORDER BY DESC(?n) ?v",
    "district": "SELECT ?v WHERE { ?i a ml:MineIncident ; ml:place/ml:partOf ?d . ?d"
    " ml:placeKind mlv:place-kind-district ; dcterms:identifier ?v } ORDER BY ?v",
    "year": "SELECT (STR(YEAR(?d)) AS ?v) WHERE { ?i a ml:MineIncident ; ml:date ?d ; ml:place/"
    "ml:partOf ?x . ?x ml:placeKind mlv:place-kind-district } ORDER BY ?x ?d",
    "norm": "SELECT ?v WHERE { ?n a ml:Norm ; dcterms:identifier ?v ; ml:hasElement ?e }"
    " ORDER BY ?v",
    "instrument": "SELECT ?v WHERE { ?p a ml:Participation ; ml:treaty/dcterms:identifier ?v }"
    " ORDER BY ?v",
    "finding": "SELECT ?v WHERE { ?f a ml:Finding ; dcterms:identifier ?v } ORDER BY ?v",
    "text": "SELECT (SUBSTR(STR(?l), 1, 3) AS ?v) WHERE { ?p a ml:Place ; skos:altLabel ?l }"
    " ORDER BY ?p ?l",
}
CONSTANTS = {
    "standard": "insufficient",
    "reliability": "C",
    "credibility": "3",
    "since": "2000-01-01",
    "contributor": "a",
    "date": "2021-06-12",
}
BY_TYPE = {
    "xsd:date": "2021-06-12",
    "xsd:integer": "2021",
    "xsd:decimal": "0.5",
    "xsd:boolean": "true",
    "xsd:string": "a",
}


@pytest.fixture(scope="module")
def store(store):  # type: ignore[no-untyped-def]
    """The bundled KB with graph:findings, as `minelaw push` and `minelaw serve` provide it."""
    from minelaw.reasoning.findings_graph import ensure

    return ensure(store)


def sample_params(q: SavedQuery, store) -> dict[str, str]:  # type: ignore[no-untyped-def]
    values = {}
    for p in q.params:
        value = CONSTANTS.get(p.name)
        if p.name in SAMPLES:
            res = store.query(sparql_prefixes() + SAMPLES[p.name])
            value = res.values("v")[0] if res.rows else "none"
        if value is None:
            if p.cls:  # the first identifier of the class the parameter names
                value = store.query(
                    sparql_prefixes()
                    + f"SELECT ?v WHERE {{ ?s a <{p.cls}> ; dcterms:identifier ?v }} ORDER BY ?v"
                ).values("v")[0]
            elif p.type == "iri":
                value = MLR + "none"
            elif p.type == "id":
                value = store.query(
                    sparql_prefixes() + "SELECT ?v WHERE { ?s dcterms:identifier ?v } ORDER BY ?v"
                ).values("v")[0]
            else:
                value = BY_TYPE[p.type]
        values[p.name] = value
    return values


def normalised(res: QueryResult) -> list[tuple[str, ...]]:
    """Rows as comparable tuples; blank nodes anonymised, GROUP_CONCAT order ignored."""

    def cell(term: object) -> str:
        if term is None:
            return ""
        if isinstance(term, ox.BlankNode):
            return "_:b"
        if isinstance(term, ox.Literal) and " " in term.value:
            # GROUP_CONCAT order is engine-defined: compare the multiset of tokens
            return " ".join(sorted(term.value.split(" "))) + f"^^{term.datatype}@{term.language}"
        return str(term)

    if res.kind == "ask":
        return [(str(res.boolean),)]
    if res.kind == "graph":
        return sorted((cell(t.subject), cell(t.predicate), cell(t.object)) for t in res.triples)
    return [tuple(cell(row.get(v)) for v in res.variables) for row in res.rows]


@pytest.fixture(scope="module")
def pushed(oxigraph_server: str, store) -> str:  # type: ignore[no-untyped-def]
    """The bundled KB pushed into the Oxigraph server; a stale minelaw graph is removed."""
    stale = GRAPH + "kb/deleted-file.ttl"
    req = urllib.request.Request(
        store_url_for(oxigraph_server) + "?graph=" + urllib.request.quote(stale, safe=""),
        data=b"<urn:x:a> <urn:x:b> <urn:x:c> .\n",
        headers={"Content-Type": "application/n-triples"},
        method="PUT",
    )
    urllib.request.urlopen(req, timeout=10).read()
    from click.testing import CliRunner

    from minelaw.cli import cli

    result = CliRunner().invoke(cli, ["--endpoint", oxigraph_server, "push"])
    assert result.exit_code == 0, result.output
    assert re.search(r"pushed \d+ graphs \(\d+ triples\)", result.output)
    assert f"removed stale graph <{stale}>" in result.output
    return oxigraph_server


def test_push_copies_every_graph(pushed: str, store) -> None:  # type: ignore[no-untyped-def]
    remote = RemoteStore(pushed)
    q = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    assert normalised(remote.query(q)) == normalised(store.query(q))
    assert remote.count_quads() == store.count_quads()
    assert GRAPH + "inferred" in remote.query(q).values("g")


def _check_parity(store, remote: RemoteStore, queries: dict[str, SavedQuery]) -> list[str]:  # type: ignore[no-untyped-def]
    non_empty = []
    for name, q in queries.items():
        text = sparql_prefixes() + bind(q, sample_params(q, store))
        local, far = store.query(text), remote.query(text)
        assert far.kind == local.kind, name
        assert far.variables == local.variables, name
        assert normalised(far) == normalised(local), name
        if local.rows or local.triples or local.boolean:
            non_empty.append(name)
    return non_empty


def test_every_saved_query_same_rows_remote_and_embedded(pushed: str, store) -> None:  # type: ignore[no-untyped-def]
    queries = saved_queries()
    assert len(queries) >= 12
    non_empty = _check_parity(store, RemoteStore(pushed), queries)
    # the comparison must not be trivially about empty answers
    assert len(non_empty) >= 8, non_empty


def test_every_saved_query_same_rows_through_minelaw_serve(
    serve: Callable[..., Server], store
) -> None:  # type: ignore[no-untyped-def]
    server = serve("--quiet", "--workers", "2", "--max-rows", "100000")
    _check_parity(store, RemoteStore(server.sparql), saved_queries())


def test_cli_query_through_endpoint(pushed: str, run_cli) -> None:  # type: ignore[no-untyped-def]
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ml:State }"
    local = run_cli("query", q, "--format", "csv")
    far = run_cli("--endpoint", pushed, "query", q, "--format", "csv")
    assert far.exit_code == 0, far.output
    assert far.output == local.output
    q = "CONSTRUCT WHERE { ?s a ml:State }"
    graph = run_cli("--endpoint", pushed, "query", q, "--format", "nt")
    assert graph.exit_code == 0 and " <https://w3id.org/minelaw/ontology#State> ." in graph.output
    turtle = run_cli("--endpoint", pushed, "query", q)  # Turtle by default for triples
    assert turtle.exit_code == 0 and " a ml:State ." in turtle.output


def test_remote_errors_are_clear(pushed: str, run_cli) -> None:  # type: ignore[no-untyped-def]
    # a syntax error is located in the query as written (not after the prefixes sent with it)
    with pytest.raises(QueryError, match=r"HTTP 400.*line 1, column 25"):
        RemoteStore(pushed).query("SELECT * WHERE { ?s ?p }")
    with pytest.raises(QueryError, match=r"HTTP 404"):
        RemoteStore(pushed.replace("/query", "/nope")).query("ASK {}")
    from .endpoint_support import free_port

    with pytest.raises(StoreError, match=r"cannot reach http://127\.0\.0\.1:\d+"):
        RemoteStore(f"http://127.0.0.1:{free_port()}/query").query("ASK {}")
    with pytest.raises(UsageError):
        RemoteStore("ftp://example.invalid/").query("ASK {}")
    result = run_cli("--endpoint", f"http://127.0.0.1:{free_port()}/query", "query", "ASK {}")
    assert result.exit_code == 2 and "cannot reach" in result.output


def test_store_url_derivation() -> None:
    assert store_url_for("http://h:7878/query") == "http://h:7878/store"
    assert store_url_for("http://h/x/query?a=b") == "http://h/x/store"
    with pytest.raises(UsageError, match="--store-url"):
        store_url_for("http://h:3030/ds/sparql")


def test_with_prefixes_adds_only_missing_declarations() -> None:
    text = with_prefixes("PREFIX ml: <urn:other#>\nSELECT * WHERE { ?s a ml:X }")
    assert text.count("PREFIX ml:") == 1 and "PREFIX mlr:" in text


def test_push_needs_an_endpoint(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("push")
    assert result.exit_code == 2 and "--endpoint" in result.output


def test_push_leaves_restricted_graphs_out(oxigraph_server: str, restricted_kb, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("--endpoint", oxigraph_server, "push", kb=restricted_kb)
    assert result.exit_code == 0, result.output
    graphs = RemoteStore(oxigraph_server).query("SELECT ?g WHERE { GRAPH ?g { } }").values("g")
    assert GRAPH + "kb/states.ttl" in graphs
    assert not any("restricted" in g for g in graphs)


def test_findings_and_briefs_same_through_endpoint(
    pushed: str, run_cli, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """`findings` and `brief` read the remote store exactly as they read the embedded one."""
    import json

    # other tests push other KBs into the same server: push the bundled KB again
    assert run_cli("--endpoint", pushed, "push").exit_code == 0
    local = run_cli("findings", "--format", "json")
    far = run_cli("--endpoint", pushed, "findings", "--format", "json")
    assert local.exit_code == far.exit_code, far.output
    assert json.loads(local.output)["findings"], "the bundled KB must yield findings"
    doc_l, doc_r = json.loads(local.output), json.loads(far.output)
    # the KB version is the content hash locally and the endpoint's address remotely
    assert doc_r.pop("kb") == {"version": pushed, "triples": doc_l.pop("kb")["triples"]}
    assert doc_r == doc_l
    out_l, out_r = tmp_path / "local", tmp_path / "remote"
    monkeypatch.setenv("MINELAW_BRIEF_DATE", "2024-01-31")
    bl = run_cli("brief", "--all", "--format", "md", "--out", str(out_l))
    br = run_cli("--endpoint", pushed, "brief", "--all", "--format", "md", "--out", str(out_r))
    assert bl.exit_code == 0 and br.exit_code == 0, br.output
    names = sorted(p.name for p in out_l.iterdir())
    assert names == sorted(p.name for p in out_r.iterdir()) and "index.md" in names
    version = json.loads(local.output)["kb"]["version"]
    for name in names:
        text_l, text_r = (out_l / name).read_text(), (out_r / name).read_text()
        assert text_r == text_l.replace(version, pushed), name
