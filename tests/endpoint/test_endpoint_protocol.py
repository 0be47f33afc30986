"""SPARQL 1.1 Protocol conformance and safety of `minelaw serve` (a real subprocess)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message

import pyoxigraph as ox
import pytest

from .endpoint_support import SECRET_LABEL, TOKEN, Server

STATES = "SELECT ?s ?label WHERE { ?s a ml:State ; rdfs:label ?label } ORDER BY ?s"


def request(
    url: str,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    method: str | None = None,
    timeout: float = 30,
) -> tuple[int, Message, bytes]:
    """(status, headers (case-insensitive, as HTTP says), body)."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def get(server: Server, query: str, accept: str = "*/*", **headers: str) -> tuple[int, dict, bytes]:
    q = urllib.parse.urlencode({"query": query})
    return request(f"{server.sparql}?{q}", headers={"Accept": accept, **headers})


def post_form(server: Server, query: str, accept: str = "*/*", **headers: str):  # type: ignore[no-untyped-def]
    body = urllib.parse.urlencode({"query": query}).encode()
    return request(
        server.sparql,
        data=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": accept,
            **headers,
        },
    )


def post_direct(server: Server, query: str, accept: str = "*/*", **headers: str):  # type: ignore[no-untyped-def]
    return request(
        server.sparql,
        data=query.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": accept, **headers},
    )


def labels(body: bytes) -> list[str]:
    res = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    return [sol["label"].value for sol in res]


# --- the three ways to send a query ----------------------------------------------------------
@pytest.mark.parametrize("send", [get, post_form, post_direct], ids=["GET", "POST-form", "POST"])
def test_query_operation(protocol_server: Server, send) -> None:  # type: ignore[no-untyped-def]
    status, headers, body = send(protocol_server, STATES, "application/sparql-results+json")
    assert status == 200, body
    assert headers["Content-Type"].startswith("application/sparql-results+json")
    assert labels(body) == ["Statelandia"]


# --- result formats ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/csv", ox.QueryResultsFormat.CSV),
        ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
    ],
)
def test_select_formats(protocol_server: Server, accept: str, fmt) -> None:  # type: ignore[no-untyped-def]
    status, headers, body = get(protocol_server, STATES, accept)
    assert status == 200, body
    assert headers["Content-Type"].startswith(accept)
    if fmt == ox.QueryResultsFormat.CSV:  # lossy: values only, pyoxigraph does not parse it
        lines = body.decode().splitlines()
        assert lines == ["s,label", "https://w3id.org/minelaw/id/XYZ,Statelandia"]
        return
    rows = list(ox.parse_query_results(body, format=fmt))
    assert [r["label"] for r in rows] == [ox.Literal("Statelandia", language="en")]


def test_ask_json_and_xml(protocol_server: Server) -> None:
    for accept, fmt in [
        ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ]:
        status, _, body = get(protocol_server, "ASK { ?s a ml:State }", accept)
        assert status == 200
        assert bool(ox.parse_query_results(body, format=fmt)) is True


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
    ],
)
def test_construct_formats(protocol_server: Server, accept: str, fmt) -> None:  # type: ignore[no-untyped-def]
    q = "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s a ml:State ; rdfs:label ?l }"
    status, headers, body = post_direct(protocol_server, q, accept)
    assert status == 200, body
    assert headers["Content-Type"].startswith(accept)
    triples = list(ox.parse(body, format=fmt))
    assert [str(t.object) for t in triples] == ['"Statelandia"@en']


def test_default_content_types_and_format_parameter(protocol_server: Server) -> None:
    _, headers, _ = get(protocol_server, STATES)  # Accept: */*
    assert headers["Content-Type"].startswith("application/sparql-results+json")
    _, headers, _ = get(protocol_server, "CONSTRUCT WHERE { ?s a ml:State }")
    assert headers["Content-Type"].startswith("text/turtle")
    q = urllib.parse.urlencode({"query": STATES, "format": "csv"})
    status, headers, body = request(f"{protocol_server.sparql}?{q}")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert body.decode().splitlines()[0] == "s,label"


def test_unacceptable_format_is_406(protocol_server: Server) -> None:
    status, _, _ = get(protocol_server, STATES, "image/png")
    assert status == 406


def test_max_rows_cuts_long_answers(protocol_server: Server) -> None:
    status, headers, body = get(protocol_server, "SELECT * WHERE { ?s ?p ?o }")
    assert status == 200
    assert headers.get("X-Minelaw-Truncated") == "true"
    assert len(list(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))) == 50


# --- errors and refusals ------------------------------------------------------------------------
def test_bad_query_is_400_with_parser_message(protocol_server: Server) -> None:
    status, headers, body = get(protocol_server, "SELECT * WHERE { ?s ?p }")
    assert status == 400
    assert headers["Content-Type"].startswith("text/plain")
    # located in the query as sent (minelaw's predeclared prefixes are not counted)
    text = body.decode()
    assert "syntax error at line 1, column 25" in text
    assert "SELECT * WHERE { ?s ?p }\n" + " " * 26 + "^" in text


def test_missing_query_is_400(protocol_server: Server) -> None:
    """A GET without ``query`` is the service description (tests/engines/test_protocol_w3c.py);
    an empty query, or a form POST without one, is still a 400."""
    status, headers, body = request(protocol_server.sparql, headers={"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    assert b"sparql-service-description#" in body
    assert request(protocol_server.sparql + "?query=")[0] == 400
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert request(protocol_server.sparql, data=b"format=json", headers=form)[0] == 400


@pytest.mark.parametrize(
    "how",
    ["update-field", "sparql-update", "update-as-query", "update-after-prefix"],
)
def test_updates_are_refused(protocol_server: Server, how: str) -> None:
    upd = "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"
    if how == "update-field":
        status, _, body = request(
            protocol_server.sparql,
            data=urllib.parse.urlencode({"update": upd}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    elif how == "sparql-update":
        status, _, body = request(
            protocol_server.sparql,
            data=upd.encode(),
            headers={"Content-Type": "application/sparql-update"},
        )
    elif how == "update-as-query":
        status, _, body = post_form(protocol_server, upd)
    else:
        status, _, body = post_direct(
            protocol_server, "PREFIX x: <urn:x:> # comment\nDELETE WHERE { ?s ?p ?o }"
        )
    assert status == 403, body
    assert b"read-only" in body
    status, _, body = get(protocol_server, "ASK { <urn:x:a> ?p ?o }", "application/json")
    assert json.loads(body)["boolean"] is False


def test_service_keyword_inside_strings_is_fine(protocol_server: Server) -> None:
    status, _, body = get(
        protocol_server, 'SELECT ?x WHERE { BIND("SERVICE <http://x/>" AS ?x) } # SERVICE'
    )
    assert status == 200, body


# --- restricted graphs -------------------------------------------------------------------------
SECRET_Q = f'SELECT ?s WHERE {{ ?s rdfs:label "{SECRET_LABEL}"@en }}'


def _secret_rows(status: int, body: bytes) -> int:
    assert status == 200, body
    return len(list(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)))


def test_restricted_graph_invisible_without_token(protocol_server: Server) -> None:
    graph = "https://w3id.org/minelaw/graph/kb/restricted/witness.ttl"
    for q in [
        SECRET_Q,
        f"SELECT ?p FROM <{graph}> WHERE {{ mlr:secret-1 ?p ?o }} VALUES ?p {{ rdfs:label }}",
        f"SELECT ?s WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
        f"SELECT ?g FROM NAMED <{graph}> WHERE {{ GRAPH ?g {{ mlr:secret-1 ?p ?o }} "
        f"FILTER(?g = <{graph}>) }}",
        f"SELECT ?g WHERE {{ GRAPH ?g {{ mlr:secret-1 ?p ?o }} FILTER(?g = <{graph}>) }}",
        "SELECT ?g WHERE { GRAPH ?g { } FILTER(CONTAINS(STR(?g), 'restricted')) }",
    ]:
        assert _secret_rows(*get(protocol_server, q, "application/json")[::2]) == 0, q


def test_restricted_individual_leaves_no_trace_in_inferred_graph(protocol_server: Server) -> None:
    status, _, body = get(
        protocol_server, "SELECT ?p ?o WHERE { mlr:secret-1 ?p ?o }", "application/json"
    )
    assert _secret_rows(status, body) == 0


def test_restricted_graph_visible_with_token(protocol_server: Server) -> None:
    status, _, body = get(
        protocol_server, SECRET_Q, "application/json", Authorization=f"Bearer {TOKEN}"
    )
    assert _secret_rows(status, body) == 1


def test_wrong_token_is_401(protocol_server: Server) -> None:
    status, headers, _ = get(
        protocol_server, SECRET_Q, "application/json", Authorization="Bearer not-the-token"
    )
    assert status == 401
    assert headers.get("WWW-Authenticate") == "Bearer"


def test_without_include_restricted_the_token_is_useless(serve, restricted_kb) -> None:  # type: ignore[no-untyped-def]
    server = serve("--quiet", "--no-ui", "--workers", "1", kb=restricted_kb)
    status, _, body = get(server, SECRET_Q, "application/json", Authorization=f"Bearer {TOKEN}")
    assert _secret_rows(status, body) == 0
    status, _, _ = request(server.url + "/")
    assert status == 404  # --no-ui


# --- timeouts ------------------------------------------------------------------------------------
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_timeout_cancels_a_heavy_query_while_small_ones_answer(protocol_server: Server) -> None:
    result: dict[str, object] = {}

    def heavy() -> None:
        t0 = time.monotonic()
        result["status"], _, result["body"] = get(protocol_server, HEAVY)
        result["seconds"] = time.monotonic() - t0

    t = threading.Thread(target=heavy)
    t.start()
    time.sleep(0.3)  # the heavy query now occupies one worker
    small = []
    for _ in range(3):
        t0 = time.monotonic()
        status, _, body = get(protocol_server, STATES, "application/json")
        small.append(time.monotonic() - t0)
        assert status == 200 and labels(body) == ["Statelandia"]
    assert t.is_alive(), "the small queries should have answered while the heavy one ran"
    assert max(small) < 1.5
    t.join(30)
    assert result["status"] == 503, result
    assert b"timed out" in result["body"]  # type: ignore[operator]
    assert 1.5 < result["seconds"] < 10  # type: ignore[operator]
    # the killed worker was replaced: the server keeps answering
    for _ in range(4):
        status, _, body = get(protocol_server, STATES, "application/json")
        assert status == 200


# --- web UI routes (the browser test is test_endpoint_browser.py) ----------------------------
def test_ui_pages_and_api(protocol_server: Server) -> None:
    status, headers, body = request(protocol_server.url + "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    html = body.decode()
    assert "/static/yasgui/yasgui.min.js" in html
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    status, _, body = request(protocol_server.url + "/api/queries")
    queries = json.loads(body)
    assert status == 200 and len(queries) >= 12
    assert all({"name", "title", "description", "params"} <= set(q) for q in queries)
    one = next(q for q in queries if q["params"])
    status, _, body = request(protocol_server.url + f"/api/queries/{one['name']}")
    assert status == 200 and b"PREFIX ml:" in body
    status, _, body = request(protocol_server.url + "/api/queries/no-such-query")
    assert status == 404
    status, _, _ = request(protocol_server.url + "/static/yasgui/yasgui.min.js")
    assert status == 200


def test_ui_binds_parameters_and_rejects_bad_values(protocol_server: Server) -> None:
    status, _, body = request(
        protocol_server.url + "/api/queries/sources-by-grade?reliability=B&credibility=3"
    )
    assert status == 200
    text = body.decode()
    # the grades are codes of their schemes, checked against the KB (any case)
    assert 'UCASE("B")' in text and 'STR("3")' in text
    status, _, body = request(
        protocol_server.url + "/api/queries/sources-by-grade?reliability=b&credibility=three"
    )
    assert status == 400 and b"no credibility 'three' in the knowledge base" in body
    status, _, body = request(
        protocol_server.url + "/api/queries/party-status?state=qqz&instrument=x&date=2021-01-01"
    )
    assert status == 400 and b"no state 'qqz' in the knowledge base" in body


@pytest.mark.parametrize(
    "path",
    [
        "/static/templates/base.html",
        "/static/../endpoint.py",
        "/static/ui/../../endpoint.py",
        "/static/%2e%2e/endpoint.py",
        "/static/ui/nope.js",
    ],
)
def test_static_files_cannot_escape(protocol_server: Server, path: str) -> None:
    status, _, body = request(protocol_server.url + path)
    assert status == 404, body[:200]


def _multipart(filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = "----minelaw-test-boundary"
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def test_validate_page_reports_problems(protocol_server: Server) -> None:
    status, _, body = request(protocol_server.url + "/validate")
    assert status == 200 and b"<form" in body
    bad = b'@prefix ml: <https://w3id.org/minelaw/ontology#> .\nml:x ml:y "unclosed .\n'
    data, ctype = _multipart("<script>alert(1)</script>.ttl", bad)
    status, headers, body = request(
        protocol_server.url + "/validate", data=data, headers={"Content-Type": ctype}
    )
    html = body.decode()
    assert status == 200, html[:500]
    assert "not valid" in html
    assert "<script>alert(1)</script>" not in html  # autoescaped
    assert "script&gt;.ttl" in html  # the base name of the upload, escaped
    assert "/tmp/" not in html  # the server's temp path is not shown


def test_findings_page_and_unknown_brief(protocol_server: Server) -> None:
    status, headers, body = request(protocol_server.url + "/findings")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "No candidate breaches in this knowledge base." in body.decode()  # kb-minimal
    status, _, body = request(protocol_server.url + "/briefs/no-such-finding.html")
    assert status == 404 and b"No finding with the identifier no-such-finding" in body
    status, _, body = request(protocol_server.url + "/briefs/..%2f..%2fetc.html")
    assert status == 404 and b"No such finding" in body
