"""`minelaw query`: formats, quad counts, saved-query parameters bound safely."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from paths import DATA

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def test_count_quads_csv_matches_store(run_cli, store) -> None:  # type: ignore[no-untyped-def]
    res = run_cli("query", COUNT, "--format", "csv")
    assert res.exit_code == 0, res.output
    header, value = res.output.strip().splitlines()
    assert header == "n"
    assert int(value) == store.count_quads()


@pytest.mark.parametrize(
    "fmt,parser",
    [("json", ox.QueryResultsFormat.JSON), ("tsv", ox.QueryResultsFormat.TSV)],
)
def test_result_formats_parse_as_w3c_results(run_cli, fmt: str, parser) -> None:  # type: ignore[no-untyped-def]
    q = "SELECT ?c ?l WHERE { ?c a owl:Class ; rdfs:label ?l } ORDER BY ?c LIMIT 5"
    res = run_cli("query", q, "--format", fmt)
    assert res.exit_code == 0, res.output
    parsed = ox.parse_query_results(res.output.encode(), format=parser)
    rows = list(parsed)
    assert len(rows) == 5
    assert all(isinstance(r["c"], ox.NamedNode) for r in rows)
    if fmt == "json":
        doc = json.loads(res.output)
        assert doc["head"]["vars"] == ["c", "l"]
        assert doc["results"]["bindings"][0]["l"]["xml:lang"] == "en"


def test_csv_is_rfc4180_with_crlf(run_cli) -> None:  # type: ignore[no-untyped-def]
    import csv
    import io

    q = "SELECT ?c ?l WHERE { ?c a owl:Class ; rdfs:label ?l } ORDER BY ?c LIMIT 5"
    res = run_cli("query", q, "--format", "csv")
    assert res.exit_code == 0, res.output
    assert b"\r\n" in res.stdout_bytes
    rows = list(csv.DictReader(io.StringIO(res.output)))
    assert len(rows) == 5 and rows[0]["c"].startswith("http")


def test_ask_query(run_cli) -> None:  # type: ignore[no-untyped-def]
    res = run_cli("query", "ASK { ml:Norm a owl:Class }", "--format", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output) == {"head": {}, "boolean": True}


def test_query_file_with_typed_params(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rq = tmp_path / "label.rq"
    rq.write_text(
        "# title: Label lookup\n"
        "# description: Resources with a given English label.\n"
        "# param: label xsd:string the label\n"
        "SELECT ?s WHERE { ?s rdfs:label ?l FILTER(STR(?l) = $label) }\n",
        encoding="utf-8",
    )
    res = run_cli("query", str(rq), "--param", "label=Treaty", "--format", "csv")
    assert res.exit_code == 0, res.output
    assert "https://w3id.org/minelaw/ontology#Treaty" in res.output
    # an injection attempt is an escaped string literal, not SPARQL: no rows, no error
    evil = 'x") } UNION { ?s ?p ?o } #'
    res = run_cli("query", str(rq), "--param", f"label={evil}", "--format", "csv")
    assert res.exit_code == 0, res.output
    assert res.output.strip() == "s"


def test_bad_param_value_exit_2(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rq = tmp_path / "d.rq"
    rq.write_text("# param: date xsd:date a date\nSELECT * WHERE { BIND($date AS ?d) }\n")
    res = run_cli("query", str(rq), "--param", "date=2021-02-30")
    assert res.exit_code == 2
    assert "not a valid xsd:date" in res.output
    res = run_cli("query", str(rq))
    assert res.exit_code == 2
    assert "needs --param date" in res.output


def test_sparql_syntax_error_exit_2(run_cli) -> None:  # type: ignore[no-untyped-def]
    res = run_cli("query", "SELECT ?x WHERE { ?x ?y }")
    assert res.exit_code == 2
    assert "SPARQL syntax error" in res.output


def test_kb_option_selects_other_kb(run_cli) -> None:  # type: ignore[no-untyped-def]
    res = run_cli(
        "query",
        "SELECT ?s WHERE { ?s ml:iso3166Alpha3 ?c }",
        "--format",
        "csv",
        kb=DATA / "kb-minimal",
    )
    assert res.exit_code == 0, res.output
    assert res.output.strip().splitlines() == ["s", "https://w3id.org/minelaw/id/XYZ"]


def test_saved_queries_about_findings_read_the_findings_graph(run_cli) -> None:  # type: ignore[no-untyped-def]
    """graph:findings holds the candidate breaches of the bundled KB (computed once into a
    derived cache folder, since cached stores are read-only), so SPARQL can ask about them."""
    res = run_cli("findings", "--format", "json")
    assert res.exit_code == 0, res.output
    found = json.loads(res.output)["findings"]
    assert found
    over = run_cli("query", "findings-overview", "--format", "csv")
    assert over.exit_code == 0, over.output
    rows = over.output.strip().splitlines()[1:]
    assert sorted(r.split(",")[0].split("/finding-")[1] for r in rows) == sorted(
        f["id"] for f in found
    )
    strong = [f for f in found if f["standard_of_proof"] != "insufficient"]
    assert strong
    by = run_cli(
        "query",
        "findings-by-norm-and-standard",
        "--param",
        f"norm={strong[0]['norm']['id']}",
        "--param",
        "standard=reasonable_grounds",
        "--format",
        "csv",
    )
    assert by.exit_code == 0, by.output
    assert f"finding-{strong[0]['id']}" in by.output
    # the graph itself, by name: one ml:Finding per finding
    n = run_cli(
        "query",
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/minelaw/graph/findings>"
        " { ?f a ml:Finding } }",
        "--format",
        "csv",
    )
    assert n.exit_code == 0, n.output
    assert n.output.splitlines()[1].strip() == str(len(found))
