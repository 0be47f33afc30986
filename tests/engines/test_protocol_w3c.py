"""The query side of the W3C SPARQL 1.1 Protocol test suite, adapted to the bundled KB's
graphs, against ``minelaw serve`` and each engine (issue 21).

The cases follow the W3C suite (``query-get``, ``query-post-form``, ``query-post-direct``,
``query-dataset-*``, ``query-multiple-dataset``, ``query-content-type-*``, ``bad-query-*``;
see the SPARQL 1.1 Protocol test manifest), with the suite's ``data1.rdf``..``data3.rdf``
replaced by three graphs of the bundled KB and each ``ASK`` about a subject that only one of
them describes.  Added: ``FROM``/``FROM NAMED`` in the query (SPARQL 1.1 Query 13.2), the
service description on ``GET`` without a query (SPARQL 1.1 Service Description), ``PUT``/
``DELETE`` answered 405 with ``Allow``.

Known deviations of the engines are ``xfail(strict=True)``, with the reason, in
:data:`DEVIATIONS`; ``minelaw serve`` passes every case.
"""

from __future__ import annotations

import http.client
import re
import sys
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from minelaw.namespaces import FINDINGS_GRAPH, GRAPH, INFERRED_GRAPH

from .engines_support import Engines, embedded

pytestmark = pytest.mark.engines

D1 = GRAPH + "kb/law/instruments.ttl"
D2 = GRAPH + "kb/law/states.ttl"
D3 = GRAPH + "kb/law/publishers.ttl"
SERVERS = ("minelaw", "oxigraph", "virtuoso", "jena")
TIMEOUT = 6.0  # Virtuoso never answers some requests: do not wait two minutes for that
#: the client's timeout in the cases a server is known never to answer (:data:`NO_ANSWER`):
#: they fail the same way (an expected failure), without waiting the full timeout six times
NO_ANSWER_TIMEOUT = 1.5

DEVIATIONS: dict[tuple[str, str], str] = {}  # filled below, after the cases


@dataclass(frozen=True)
class Subjects:
    """A subject described in D1 only, one in D2 only, one in D3 only (apart from what OWL RL
    infers about it and the findings)."""

    s1: str
    s2: str
    s3: str


@pytest.fixture(scope="module")
def subjects(bundled_kb: Path) -> Subjects:
    store = embedded(bundled_kb)

    def only_in(g: str) -> str:
        derived = f"<{INFERRED_GRAPH}>, <{FINDINGS_GRAPH}>"
        q = f"""SELECT ?s WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} FILTER(isIRI(?s))
                  FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?q ?x }}
                                       FILTER(?h NOT IN (<{g}>, {derived})) }}
                }} ORDER BY ?s LIMIT 1"""
        return store.query(q).values("s")[0]

    return Subjects(only_in(D1), only_in(D2), only_in(D3))


@pytest.fixture(scope="module")
def minelaw_serve(bundled_kb: Path) -> Iterator[str]:
    """``minelaw serve`` on the bundled KB; yields its /sparql URL."""
    from endpoint.endpoint_support import _start, _stop

    cmd = [sys.executable, "-m", "minelaw", "--kb", str(bundled_kb), "serve", "--port", "0"]
    proc, log = _start([*cmd, "--quiet", "--workers", "1"], r"listening on http://")
    m = re.search(r"listening on (http://\S+)", "".join(log))
    assert m is not None
    try:
        yield m.group(1) + "/sparql"
    finally:
        _stop(proc)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def media_type(self) -> str:
        ctype = next((v for k, v in self.headers.items() if k.lower() == "content-type"), "")
        return ctype.split(";")[0].strip().lower()

    def results(self) -> Any:
        formats = {
            "application/sparql-results+json": ox.QueryResultsFormat.JSON,
            "application/sparql-results+xml": ox.QueryResultsFormat.XML,
        }
        assert self.status == 200, (self.status, self.body[:300])
        assert self.media_type in formats, self.media_type
        return ox.parse_query_results(self.body, format=formats[self.media_type])


def call(
    url: str,
    *,
    method: str = "GET",
    params: list[tuple[str, str]] | None = None,
    body: bytes | None = None,
    ctype: str | None = None,
    accept: str = "application/sparql-results+json",
) -> Answer:
    """One request, exactly as given (http.client: no Content-Type is added to a body)."""
    if params:
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
    parts = urllib.parse.urlsplit(url)
    headers = {"Accept": accept, "Host": parts.netloc}
    if ctype is not None:
        headers["Content-Type"] = ctype
    if body is not None:
        headers["Content-Length"] = str(len(body))
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=TIMEOUT)
    try:
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body, headers)
        resp = conn.getresponse()
        return Answer(resp.status, dict(resp.getheaders()), resp.read())
    except (TimeoutError, OSError) as exc:
        pytest.fail(f"no answer within {TIMEOUT} s: {exc!r}")
    finally:
        conn.close()


def form(*fields: tuple[str, str]) -> bytes:
    return urllib.parse.urlencode(fields).encode()


FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"


def ask(a: Answer) -> bool:
    res = a.results()
    assert isinstance(res, ox.QueryBoolean), a.body[:200]
    return bool(res)


# --- positive cases --------------------------------------------------------------------------
def case_query_get(url: str, s: Subjects) -> None:
    assert ask(call(url, params=[("query", f"ASK {{ <{s.s1}> ?p ?o }}")]))


def case_query_post_form(url: str, s: Subjects) -> None:
    assert ask(
        call(url, method="POST", body=form(("query", f"ASK {{ <{s.s1}> ?p ?o }}")), ctype=FORM)
    )


def case_query_post_direct(url: str, s: Subjects) -> None:
    assert ask(call(url, method="POST", body=f"ASK {{ <{s.s1}> ?p ?o }}".encode(), ctype=DIRECT))


def case_query_dataset_default_graph(url: str, s: Subjects) -> None:
    p = [("default-graph-uri", D1)]
    assert ask(
        call(url, method="POST", params=p, body=f"ASK {{ <{s.s1}> ?p ?o }}".encode(), ctype=DIRECT)
    )
    assert not ask(
        call(url, method="POST", params=p, body=f"ASK {{ <{s.s2}> ?p ?o }}".encode(), ctype=DIRECT)
    )


def case_query_dataset_default_graphs_get(url: str, s: Subjects) -> None:
    q = f"ASK {{ <{s.s1}> ?p ?o . <{s.s2}> ?q ?x }}"
    assert ask(
        call(url, params=[("query", q), ("default-graph-uri", D1), ("default-graph-uri", D2)])
    )
    assert not ask(call(url, params=[("query", q), ("default-graph-uri", D1)]))


def case_query_dataset_default_graphs_post(url: str, s: Subjects) -> None:
    q = f"ASK {{ <{s.s1}> ?p ?o . <{s.s2}> ?q ?x }}"
    body = form(("query", q), ("default-graph-uri", D1), ("default-graph-uri", D2))
    assert ask(call(url, method="POST", body=body, ctype=FORM))


def _graphs(a: Answer) -> set[str]:
    return {sol["g"].value for sol in a.results()}


def case_query_dataset_named_graphs_post(url: str, s: Subjects) -> None:
    q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    body = form(("query", q), ("named-graph-uri", D1), ("named-graph-uri", D2))
    assert _graphs(call(url, method="POST", body=body, ctype=FORM)) == {D1, D2}


def case_query_dataset_named_graphs_get(url: str, s: Subjects) -> None:
    q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert _graphs(
        call(url, params=[("query", q), ("named-graph-uri", D1), ("named-graph-uri", D2)])
    ) == {D1, D2}


def case_query_dataset_full(url: str, s: Subjects) -> None:
    q = f"SELECT DISTINCT ?g WHERE {{ <{s.s3}> ?y ?z GRAPH ?g {{ ?s ?p ?o }} }}"
    p = [("default-graph-uri", D3), ("named-graph-uri", D1), ("named-graph-uri", D2)]
    assert _graphs(call(url, method="POST", params=p, body=q.encode(), ctype=DIRECT)) == {D1, D2}
    q1 = f"ASK {{ <{s.s1}> ?y ?z }}"  # D1 is a named graph here, not part of the default graph
    assert not ask(call(url, method="POST", params=p, body=q1.encode(), ctype=DIRECT))


def case_query_multiple_dataset(url: str, s: Subjects) -> None:
    """The protocol's dataset replaces the query's (Protocol 2.1.4)."""
    q = f"ASK FROM <{D1}> {{ <{s.s2}> ?p ?o }}"
    assert ask(
        call(url, method="POST", params=[("default-graph-uri", D2)], body=q.encode(), ctype=DIRECT)
    )


def case_query_from(url: str, s: Subjects) -> None:
    """FROM and FROM NAMED in the query (Query 13.2), no protocol dataset."""
    assert ask(call(url, params=[("query", f"ASK FROM <{D1}> {{ <{s.s1}> ?p ?o }}")]))
    assert not ask(call(url, params=[("query", f"ASK FROM <{D1}> {{ <{s.s2}> ?p ?o }}")]))
    q = f"SELECT DISTINCT ?g FROM NAMED <{D2}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert _graphs(call(url, params=[("query", q)])) == {D2}
    assert not ask(call(url, params=[("query", f"ASK FROM NAMED <{D2}> {{ ?s ?p ?o }}")]))


def case_query_content_type_select(url: str, s: Subjects) -> None:
    a = call(url, params=[("query", "SELECT (1 AS ?value) {}")], accept="*/*")
    assert a.status == 200
    assert a.media_type in (
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ), a.media_type


def case_query_content_type_ask(url: str, s: Subjects) -> None:
    for accept in ("application/sparql-results+json", "application/sparql-results+xml"):
        a = call(url, params=[("query", "ASK {}")], accept=accept)
        assert a.media_type == accept and isinstance(a.results(), ox.QueryBoolean)


RDF_TYPES = {
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
}


def _graph(a: Answer) -> list[Any]:
    assert a.status == 200, a.body[:300]
    assert a.media_type in RDF_TYPES, a.media_type
    return list(ox.parse(a.body, format=RDF_TYPES[a.media_type]))


def case_query_content_type_describe(url: str, s: Subjects) -> None:
    a = call(
        url, params=[("query", f"DESCRIBE <{s.s1}>")], accept="text/turtle, application/n-triples"
    )
    assert any(t.subject == ox.NamedNode(s.s1) for t in _graph(a))


def case_query_content_type_construct(url: str, s: Subjects) -> None:
    q = "CONSTRUCT { <urn:x:s> <urn:x:p> 1 } WHERE {}"
    a = call(url, params=[("query", q)], accept="text/turtle, application/n-triples")
    assert len(_graph(a)) == 1


def case_service_description(url: str, s: Subjects) -> None:
    a = call(url, accept="text/turtle")
    assert a.status == 200 and a.media_type == "text/turtle", (a.status, a.media_type)
    triples = list(ox.parse(a.body, format=ox.RdfFormat.TURTLE))
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert any(t.object == ox.NamedNode(sd + "Service") for t in triples)


# --- negative cases (4xx expected) ----------------------------------------------------------
def _client_error(a: Answer) -> None:
    assert 400 <= a.status < 500, (a.status, a.body[:200])


def case_bad_query_method(url: str, s: Subjects) -> None:
    for method in ("PUT", "DELETE"):
        a = call(
            url, method=method, params=[("query", "ASK {}")], body=b"" if method == "PUT" else None
        )
        assert a.status == 405, (method, a.status)
        allow = next((v for k, v in a.headers.items() if k.lower() == "allow"), "")
        assert {"GET", "POST"} <= {m.strip() for m in allow.split(",")}, allow


def case_bad_multiple_queries(url: str, s: Subjects) -> None:
    _client_error(call(url, params=[("query", "ASK {}"), ("query", "SELECT * {}")]))


def case_bad_query_wrong_media_type(url: str, s: Subjects) -> None:
    _client_error(call(url, method="POST", body=b"ASK {}", ctype="text/plain"))


def case_bad_query_missing_form_type(url: str, s: Subjects) -> None:
    _client_error(call(url, method="POST", body=b"query=ASK%20%7B%7D"))


def case_bad_query_missing_direct_type(url: str, s: Subjects) -> None:
    _client_error(call(url, method="POST", body=b"ASK {}"))


def case_bad_query_non_utf8(url: str, s: Subjects) -> None:
    body = "ASK {}".encode("utf-16")
    _client_error(
        call(url, method="POST", body=body, ctype="application/sparql-query; charset=UTF-16")
    )


def case_bad_query_syntax(url: str, s: Subjects) -> None:
    _client_error(call(url, params=[("query", "ASK {")]))


CASES: dict[str, Callable[[str, Subjects], None]] = {
    name[len("case_") :].replace("_", "-"): fn
    for name, fn in globals().items()
    if name.startswith("case_")
}

HANG = "Virtuoso 7.2.5 never answers a direct POST (application/sparql-query): the client times out"
NO_PUT = "Virtuoso 7.2.5 never answers PUT on /sparql"
DEVIATIONS.update(
    {
        (
            "oxigraph",
            "query-from",
        ): "Oxigraph server 0.5 with --union-default-graph ignores FROM and "
        "FROM NAMED (the union answers); minelaw's RemoteStore also sends the query's dataset as "
        "protocol parameters, which it honours",
        ("oxigraph", "service-description"): "Oxigraph server 0.5: GET without a query is an error",
        ("oxigraph", "bad-query-method"): "Oxigraph server 0.5 answers PUT/DELETE with 404",
        ("virtuoso", "query-post-direct"): HANG,
        ("virtuoso", "query-dataset-default-graph"): HANG,
        ("virtuoso", "query-dataset-full"): HANG,
        ("virtuoso", "query-multiple-dataset"): HANG,
        ("virtuoso", "bad-query-non-utf8"): HANG,
        ("virtuoso", "bad-query-method"): NO_PUT,
        ("virtuoso", "bad-multiple-queries"): "Virtuoso 7.2.5 runs one of two query parameters",
        ("jena", "service-description"): "JenaEndpoint, the test stand-in for Fuseki, serves no "
        "service description",
    }
)


#: the known deviations where the server sends no answer at all
NO_ANSWER = {key for key, why in DEVIATIONS.items() if why in (HANG, NO_PUT)}


def _params() -> list[Any]:
    out = []
    for server in SERVERS:
        for name in CASES:
            why = DEVIATIONS.get((server, name))
            marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
            out.append(pytest.param(server, name, marks=marks, id=f"{server}-{name}"))
    return out


@pytest.mark.parametrize(("target", "case"), _params())
def test_protocol(
    target: str,
    case: str,
    engines: Engines,
    bundled_kb: Path,
    subjects: Subjects,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = (
        request.getfixturevalue("minelaw_serve")
        if target == "minelaw"
        else engines.url(target, bundled_kb)
    )
    if (target, case) in NO_ANSWER:
        monkeypatch.setattr(sys.modules[__name__], "TIMEOUT", NO_ANSWER_TIMEOUT)
    CASES[case](url, subjects)


def test_the_subjects_are_distinct(subjects: Subjects) -> None:
    assert len({subjects.s1, subjects.s2, subjects.s3}) == 3


# --- restricted graphs and the protocol dataset (minelaw serve) -----------------------------
SECRET = "<https://w3id.org/minelaw/id/secret-1>"
SECRET_GRAPH = GRAPH + "kb/restricted/witness.ttl"
TOKEN = "engines-test-token-0123456789abcdef"


@pytest.fixture(scope="module")
def restricted_serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``minelaw serve --include-restricted --token-file`` on kb-minimal plus a restricted file."""
    import os
    import shutil

    from endpoint.endpoint_support import _start, _stop
    from paths import DATA

    root = tmp_path_factory.mktemp("restricted-serve")
    kb = root / "kb"
    shutil.copytree(DATA / "kb-minimal", kb)
    (kb / "restricted").mkdir()
    (kb / "restricted" / "witness.ttl").write_text(
        f'{SECRET} <http://www.w3.org/2000/01/rdf-schema#label> "Restricted test entity" .\n'
    )
    token = root / "token.txt"
    token.write_text(TOKEN + "\n")
    os.chmod(token, 0o600)
    cmd = [sys.executable, "-m", "minelaw", "--kb", str(kb), "serve", "--port", "0", "--quiet"]
    cmd += ["--workers", "1", "--include-restricted", "--token-file", str(token)]
    proc, log = _start(cmd, r"listening on http://")
    m = re.search(r"listening on (http://\S+)", "".join(log))
    assert m is not None
    try:
        yield m.group(1) + "/sparql"
    finally:
        _stop(proc)


def ask_with(url: str, query: str, params: list[tuple[str, str]], token: str | None = None) -> bool:
    parts = urllib.parse.urlsplit(url)
    path = parts.path + "?" + urllib.parse.urlencode([("query", query), *params])
    headers = {"Accept": "application/sparql-results+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=TIMEOUT)
    try:
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        return ask(Answer(resp.status, dict(resp.getheaders()), resp.read()))
    finally:
        conn.close()


SECRET_ASK = f"ASK {{ {SECRET} ?p ?o }}"
NAMED_ASK = f"ASK {{ GRAPH <{SECRET_GRAPH}> {{ {SECRET} ?p ?o }} }}"


def test_from_never_reveals_a_restricted_graph(restricted_serve: str) -> None:
    assert not ask_with(restricted_serve, f"ASK FROM <{SECRET_GRAPH}> {{ {SECRET} ?p ?o }}", [])
    assert not ask_with(restricted_serve, f"ASK FROM NAMED <{SECRET_GRAPH}> {NAMED_ASK[4:]}", [])


def test_protocol_dataset_never_reveals_a_restricted_graph(restricted_serve: str) -> None:
    """Naming a restricted graph in default-graph-uri/named-graph-uri gives an empty graph
    without the token (not an error that would confirm the graph exists), the graph with it."""
    assert not ask_with(restricted_serve, SECRET_ASK, [("default-graph-uri", SECRET_GRAPH)])
    assert not ask_with(restricted_serve, NAMED_ASK, [("named-graph-uri", SECRET_GRAPH)])
    assert ask_with(restricted_serve, SECRET_ASK, [("default-graph-uri", SECRET_GRAPH)], TOKEN)
    assert ask_with(restricted_serve, NAMED_ASK, [("named-graph-uri", SECRET_GRAPH)], TOKEN)


def test_from_reaches_a_restricted_graph_with_the_token(restricted_serve: str) -> None:
    assert ask_with(restricted_serve, f"ASK FROM <{SECRET_GRAPH}> {{ {SECRET} ?p ?o }}", [], TOKEN)
    public = GRAPH + "kb/states.ttl"
    assert not ask_with(restricted_serve, f"ASK FROM <{public}> {{ {SECRET} ?p ?o }}", [], TOKEN)


# --- service description and protocol dataset (minelaw serve) -------------------------------
SD = "http://www.w3.org/ns/sparql-service-description#"


def test_service_description_in_turtle(restricted_serve: str) -> None:
    """SPARQL 1.1 Service Description: the sd: terms, the public graphs, the saved queries as
    examples; the restricted graph is not listed, even to a caller with the token."""
    import rdflib

    from minelaw.sparql.query import saved_queries

    for token in (None, TOKEN):
        a = call(restricted_serve, accept="text/turtle")
        if token:
            parts = urllib.parse.urlsplit(restricted_serve)
            conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=TIMEOUT)
            conn.request(
                "GET",
                parts.path,
                headers={"Accept": "text/turtle", "Authorization": f"Bearer {token}"},
            )
            resp = conn.getresponse()
            a = Answer(resp.status, dict(resp.getheaders()), resp.read())
            conn.close()
        assert a.status == 200 and a.media_type == "text/turtle", (a.status, a.media_type)
        g = rdflib.Graph().parse(data=a.body, format="turtle")
        sd = rdflib.Namespace(SD)
        svc = rdflib.URIRef(restricted_serve)
        assert (svc, rdflib.RDF.type, sd.Service) in g
        assert (svc, sd.endpoint, svc) in g
        assert (svc, sd.supportedLanguage, sd.SPARQL11Query) in g
        assert (svc, sd.feature, sd.UnionDefaultGraph) in g
        formats = {str(o) for o in g.objects(svc, sd.resultFormat)}
        assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
        assert "http://www.w3.org/ns/formats/Turtle" in formats
        names = {
            str(n)
            for ds in g.objects(svc, sd.defaultDataset)
            for ng in g.objects(ds, sd.namedGraph)
            for n in g.objects(ng, sd.name)
        }
        assert GRAPH + "kb/states.ttl" in names
        assert SECRET_GRAPH not in names and not any("restricted" in n for n in names)
        sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
        examples = set(g.subjects(rdflib.RDF.type, sh.SPARQLExecutable))
        assert len(examples) == len(saved_queries())
        assert all(
            any(g.objects(e, sh.select))
            or any(g.objects(e, sh.ask))
            or any(g.objects(e, sh.construct))
            or any(g.objects(e, sh.describe))
            for e in examples
        )


def test_service_description_in_html_for_a_browser(restricted_serve: str) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    a = call(restricted_serve, accept=accept)
    assert a.status == 200 and a.media_type == "text/html"
    page = a.body.decode()
    assert "sd:UnionDefaultGraph" in page or "UnionDefaultGraph" in page
    assert GRAPH + "kb/states.ttl" in page and SECRET_GRAPH not in page


def _count(url: str, params: list[tuple[str, str]], query: str) -> int:
    res = call(url, params=[("query", query), *params]).results()
    return int(next(iter(res))["n"].value)


def test_default_graph_uri_restricts_a_count_to_one_graph(restricted_serve: str) -> None:
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    one = GRAPH + "kb/states.ttl"
    n_all, n_one = (
        _count(restricted_serve, [], q),
        _count(restricted_serve, [("default-graph-uri", one)], q),
    )
    n_graph = _count(
        restricted_serve, [], f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{one}> {{ ?s ?p ?o }} }}"
    )
    assert 0 < n_one == n_graph < n_all


def test_named_graph_uri_with_graph_variable(restricted_serve: str) -> None:
    one = GRAPH + "kb/states.ttl"
    q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert _graphs(call(restricted_serve, params=[("query", q), ("named-graph-uri", one)])) == {one}
    # with named graphs only, the default graph is empty (Protocol 2.1.4, Query 13.2)
    assert (
        _count(restricted_serve, [("named-graph-uri", one)], "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
        == 0
    )


def test_restricted_graph_in_default_graph_uri_gives_no_data(restricted_serve: str) -> None:
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    a = call(restricted_serve, params=[("query", q), ("default-graph-uri", SECRET_GRAPH)])
    assert a.status == 200  # an empty graph, not an error that would confirm it exists
    assert _count(restricted_serve, [("default-graph-uri", SECRET_GRAPH)], q) == 0
