"""``minelaw push`` and ``--endpoint`` reads on each engine (issue 21): Graph Store PUT with
HTTP Digest auth on Virtuoso, stale graphs removed everywhere, restricted graphs kept local,
engine-owned graphs never counted, answers in canonical form, ``FROM`` honoured."""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

import pytest

from minelaw.errors import QueryError
from minelaw.namespaces import FINDINGS_GRAPH, GRAPH, INFERRED_GRAPH
from minelaw.store.remote import (
    Credentials,
    HttpAuth,
    RemoteStore,
    detect,
    http_request,
    store_url_for,
)

from .engines_support import VIRTUOSO_ENV, Engines, embedded, invoke
from .test_engines_parity import credentials, env

pytestmark = pytest.mark.engines
SERVERS = ("oxigraph", "virtuoso")  # the engines minelaw pushes to (Jena: tdb2.tdbloader)
PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"


def _put_stale(engines: Engines, engine: str, url: str) -> str:
    """A minelaw graph for a file that no longer exists, put there behind minelaw's back."""
    stale = GRAPH + "kb/deleted-file.ttl"
    target = store_url_for(url, detect(url))
    resp = http_request(
        f"{target}?graph={urllib.parse.quote(stale, safe='')}",
        method="PUT",
        data=b"<urn:x:a> <urn:x:b> <urn:x:c> .\n",
        headers={"Content-Type": "application/n-triples"},
        auth=HttpAuth(credentials(engine)) if engine == "virtuoso" else None,
    )
    assert resp.status in (200, 201, 204), resp
    engines.forget(engine)
    return stale


@pytest.mark.parametrize("engine", SERVERS)
def test_push_replaces_every_graph_and_removes_stale_ones(
    engine: str, engines: Engines, bundled_kb: Path, worlds: dict[str, Path]
) -> None:
    url = engines.url(engine, next(iter(worlds.values())))  # another KB is there first
    stale = _put_stale(engines, engine, url)
    res = invoke("--kb", str(bundled_kb), "--endpoint", url, "push", env=env(engine))
    assert res.exit_code == 0, res.output
    assert re.search(r"pushed \d+ graphs \(\d+ triples\) to http://127\.0\.0\.1:\d+/", res.output)
    assert f"removed stale graph <{stale}>" in res.output
    # the world's case files went too: exactly the bundled KB's graphs are left
    store = embedded(bundled_kb)
    remote = RemoteStore(url, credentials=credentials(engine))
    assert remote.graphs() == store.graphs()
    assert {INFERRED_GRAPH, FINDINGS_GRAPH} <= set(remote.graphs())
    local_counts = {r["g"].value: r["n"].value for r in store.query(PER_GRAPH).rows}
    far = remote.query(PER_GRAPH)
    far_counts = {r["g"].value: r["n"].value for r in far.rows if r["g"].value.startswith(GRAPH)}
    assert far_counts == local_counts
    assert remote.count_quads() == store.count_quads()  # engine-owned graphs are not counted
    engines.forget(engine)


def test_push_to_virtuoso_needs_credentials_and_never_prints_them(
    engines: Engines, bundled_kb: Path
) -> None:
    url = engines.url("virtuoso", bundled_kb)
    engines.forget("virtuoso")
    res = invoke("--kb", str(bundled_kb), "--endpoint", url, "push")
    assert res.exit_code != 0
    assert "HTTP 401" in res.output and "MINELAW_ENDPOINT_PASSWORD" in res.output
    wrong = {**VIRTUOSO_ENV, "MINELAW_ENDPOINT_PASSWORD": "not-the-password-4711"}
    res = invoke("--kb", str(bundled_kb), "--endpoint", url, "push", env=wrong)
    assert res.exit_code != 0 and "HTTP 401" in res.output
    assert "not-the-password-4711" not in res.output
    # the password is never an option: only the environment or a prompt
    res = invoke("--kb", str(bundled_kb), "--endpoint", url, "push", "--password", "x")
    assert res.exit_code == 2
    ok = invoke(
        "--kb",
        str(bundled_kb),
        "--endpoint",
        url,
        "push",
        "--user",
        "dba",
        env={"MINELAW_ENDPOINT_PASSWORD": VIRTUOSO_ENV["MINELAW_ENDPOINT_PASSWORD"]},
    )
    assert ok.exit_code == 0, ok.output
    assert VIRTUOSO_ENV["MINELAW_ENDPOINT_PASSWORD"] + "@" not in ok.output
    engines.forget("virtuoso")


@pytest.mark.parametrize("engine", SERVERS)
def test_push_leaves_restricted_graphs_out(engine: str, engines: Engines, tmp_path: Path) -> None:
    import shutil

    from paths import DATA

    kb = tmp_path / "kb"
    shutil.copytree(DATA / "kb-minimal", kb)
    (kb / "restricted").mkdir()
    (kb / "restricted" / "witness.ttl").write_text(
        "<https://w3id.org/minelaw/id/secret-1> <http://www.w3.org/2000/01/rdf-schema#label> "
        '"Restricted test entity" .\n'
    )
    url = engines.url(engine, engines.kbs["bundled"])
    res = invoke("--kb", str(kb), "--endpoint", url, "push", env=env(engine))
    engines.forget(engine)
    assert res.exit_code == 0, res.output
    graphs = RemoteStore(url, credentials=credentials(engine)).graphs()
    assert GRAPH + "kb/states.ttl" in graphs
    assert not any("restricted" in g for g in graphs)
    ask = 'ASK { ?s ?p "Restricted test entity" }'
    assert RemoteStore(url).query(ask).boolean is False


@pytest.mark.parametrize("engine", ("oxigraph", "virtuoso", "jena"))
def test_reads_are_canonical_and_honour_from(
    engine: str, engines: Engines, bundled_kb: Path
) -> None:
    """Booleans come back as true/false (Virtuoso writes 1/0), a query's FROM restricts the
    default graph (Oxigraph server's --union-default-graph ignores it: the protocol
    parameters that RemoteStore also sends do not), and errors are QueryErrors."""
    remote = RemoteStore(engines.url(engine, bundled_kb), credentials=credentials(engine))
    store = embedded(bundled_kb)
    q = "SELECT ?b WHERE { ?s ml:interestedOnlyAllowed ?b } ORDER BY ?s"
    prefixed = "PREFIX ml: <https://w3id.org/minelaw/ontology#>\n" + q
    far = [str(r["b"]) for r in remote.query(prefixed).rows]
    assert far == [str(r["b"]) for r in store.query(prefixed).rows]
    assert set(far) == {
        '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>',
        '"false"^^<http://www.w3.org/2001/XMLSchema#boolean>',
    }
    law = GRAPH + "kb/law/instruments.ttl"
    for query in (
        f"SELECT (COUNT(*) AS ?n) FROM <{law}> WHERE {{ ?s ?p ?o }}",
        f"SELECT (COUNT(*) AS ?n) FROM NAMED <{law}> WHERE {{ ?s ?p ?o }}",
        f"SELECT (COUNT(*) AS ?n) FROM NAMED <{law}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    ):
        assert remote.query(query).values("n") == store.query(query).values("n"), query
    assert (
        int(
            store.query(f"SELECT (COUNT(*) AS ?n) FROM <{law}> WHERE {{ ?s ?p ?o }}").values("n")[0]
        )
        > 0
    )
    with pytest.raises(QueryError, match="HTTP 400"):
        remote.query("SELECT * WHERE { ?s ?p }")


@pytest.mark.parametrize("engine", ("oxigraph", "virtuoso"))
def test_detect_and_store_url(engine: str, engines: Engines, bundled_kb: Path) -> None:
    url = engines.url(engine, bundled_kb)
    assert detect(url) == engine
    expected = {"oxigraph": "/store", "virtuoso": "/sparql-graph-crud-auth"}[engine]
    assert urllib.parse.urlsplit(store_url_for(url, engine)).path == expected


def test_store_url_rules() -> None:
    assert store_url_for("http://h:7878/query") == "http://h:7878/store"
    assert (
        store_url_for("http://h:8890/sparql", "virtuoso") == "http://h:8890/sparql-graph-crud-auth"
    )
    assert store_url_for("http://h:3030/ds/sparql", "fuseki") == "http://h:3030/ds/data"
    assert store_url_for("http://h:3030/ds/query", "fuseki") == "http://h:3030/ds/data"
    assert store_url_for("http://u:p@h:7878/query") == "http://h:7878/store"  # never the secret
    from minelaw.errors import UsageError

    with pytest.raises(UsageError, match="--store-url"):
        store_url_for("http://h:8890/sparql")


def test_digest_answer_is_rfc_2617_and_preemptive(monkeypatch: pytest.MonkeyPatch) -> None:
    """The RFC 2617 section 3.5 example, then the next request answers without a new
    challenge, with the nonce count incremented."""
    import minelaw.store.remote as remote

    monkeypatch.setattr(remote.secrets, "token_hex", lambda n: "0a4f113b")
    auth = HttpAuth(Credentials("Mufasa", "Circle Of Life"))
    assert auth.header("GET", "http://h/dir/index.html") is None  # nothing until challenged
    assert auth.learn(
        [
            'Digest realm="testrealm@host.com", qop="auth,auth-int", '
            'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"'
        ]
    )
    first = auth.header("GET", "http://h/dir/index.html")
    assert first is not None
    assert 'response="6629fae49393a05397450978507c4ef1"' in first
    assert "nc=00000001" in first and 'opaque="5ccc069c403ebaf9f0171e9517f40e41"' in first
    second = auth.header("GET", "http://h/dir/index.html")
    assert second is not None and "nc=00000002" in second
    assert "Circle Of Life" not in repr(auth) + first
    # credentials given in a URL go as Basic from the first request (as before), until a
    # Digest challenge takes over
    url_auth = HttpAuth(Credentials("u", "p"), basic_first=True)
    assert url_auth.header("GET", "http://h/x") == "Basic dTpw"
    assert url_auth.learn(['Digest realm="r", nonce="n"'])
    assert (url_auth.header("GET", "http://h/x") or "").startswith("Digest ")


def test_virtuoso_terms_are_read_back_canonical() -> None:
    """Client-side normalisation (minelaw.store.engines): Virtuoso's 1/0 booleans and its
    single-precision virtrdf:Geometry points."""
    import pyoxigraph as ox

    from minelaw.store.engines import VIRTUOSO_GEOMETRY, WKT_LITERAL, normalise_term

    xsd_bool = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
    assert normalise_term(ox.Literal("1", datatype=xsd_bool)) == ox.Literal(
        "true", datatype=xsd_bool
    )
    assert normalise_term(ox.Literal("0", datatype=xsd_bool)) == ox.Literal(
        "false", datatype=xsd_bool
    )
    geometry = ox.Literal(
        "POINT(45.099998474121 40.200000762939)", datatype=ox.NamedNode(VIRTUOSO_GEOMETRY)
    )
    assert normalise_term(geometry) == ox.Literal(
        "POINT(45.1 40.2)", datatype=ox.NamedNode(WKT_LITERAL)
    )
    one = ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    assert normalise_term(one) is one  # an integer stays an integer


def test_push_reports_progress_per_graph(engines: Engines, bundled_kb: Path) -> None:
    """The progress callback (the CLI's progress bar) sees every graph, then the clean-up."""
    from minelaw.store.remote import push

    url = engines.url("oxigraph", bundled_kb)
    store = embedded(bundled_kb)
    seen: list[tuple[str, int, int]] = []
    report = push(store, url, progress=lambda label, i, n: seen.append((label, i, n)))
    engines.forget("oxigraph")
    graphs = store.graphs()
    assert [s[0] for s in seen[:-1]] == [g.removeprefix(GRAPH) for g in graphs]
    assert [s[1] for s in seen] == list(range(len(graphs) + 1))
    assert seen[-1] == ("removing stale graphs", len(graphs), len(graphs))
    assert report.graphs == len(graphs) and report.removed == []
