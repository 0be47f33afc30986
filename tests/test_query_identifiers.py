"""No silent wrong answer (issue 17): identifiers checked against the KB, result formats fitted
to the query's form, syntax errors located in the user's own query, saved queries that list
the KB's identifiers, accent-insensitive place search.

The KB is a plain `minelaw init` KB plus one file of fictional resources (QQA, QQB), so no
state or region is named here.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from minelaw.intake.workflow import run_init

CASE = """\
@prefix ml: <https://w3id.org/minelaw/ontology#> .
@prefix mlr: <https://w3id.org/minelaw/id/> .
@prefix mlv: <https://w3id.org/minelaw/vocab/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

mlr:QQA a ml:State ; dcterms:identifier "QQA" ; rdfs:label "Qualandia"@en ;
    ml:iso3166Alpha3 "QQA" .
mlr:QQB a ml:State ; dcterms:identifier "QQB" ; rdfs:label "Quorvia"@en ;
    ml:iso3166Alpha3 "QQB" .
mlr:part-QQA-APMBC-1997 a ml:Participation ; dcterms:identifier "part-QQA-APMBC-1997" ;
    ml:participant mlr:QQA ; ml:treaty mlr:APMBC-1997 ;
    ml:act mlv:participation-act-ratification ; ml:actDate "2000-09-01"^^xsd:date ;
    ml:inForceFrom "2001-03-01"^^xsd:date .
mlr:place-qq-village a ml:Place ; dcterms:identifier "place-qq-village" ;
    skos:prefLabel "Çəmənlİ-Ğora"@qqa , "Chemenli Gora"@en ;
    ml:placeKind mlv:place-kind-village .
"""


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("kb") / "case"
    run_init(root)
    (root / "entries" / "qq.ttl").write_text(CASE, encoding="utf-8")
    return root


def _party(run_cli, kb: Path, state: str, instrument: str = "APMBC-1997") -> Any:
    return run_cli(
        "query",
        "party-status",
        "--param",
        f"state={state}",
        "--param",
        f"instrument={instrument}",
        "--param",
        "date=2021-06-12",
        "--format",
        "csv",
        kb=kb,
    )


@pytest.mark.parametrize("given", ["QQA", "mlr:QQA", "https://w3id.org/minelaw/id/QQA"])
def test_identifier_as_short_id_prefixed_or_iri(run_cli: Any, kb: Path, given: str) -> None:
    res = _party(run_cli, kb, given)
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[1].startswith("true,2001-03-01")


@pytest.mark.parametrize(
    "state,instrument,message",
    [
        (
            "qqa",
            "APMBC-1997",
            "no state 'qqa' in the knowledge base — did you mean QQA (Qualandia)?",
        ),
        ("QQZ", "APMBC-1997", "no state 'QQZ' in the knowledge base — did you mean"),
        (
            "QQA",
            "APMBC-197",
            "no treaty 'APMBC-197' in the knowledge base — did you mean APMB",
        ),
    ],
)
def test_unknown_identifier_is_exit_2_with_suggestion(
    run_cli: Any, kb: Path, state: str, instrument: str, message: str
) -> None:
    res = _party(run_cli, kb, state, instrument)
    assert res.exit_code == 2, res.output
    assert message in res.output
    assert "minelaw query " in res.output  # where to find the identifiers


def test_unknown_norm_and_exclusion_are_errors(run_cli: Any, kb: Path) -> None:
    res = run_cli("query", "elements", "--param", "norm=CIHL-R99", kb=kb)
    assert res.exit_code == 2 and "no norm 'CIHL-R99' in the knowledge base" in res.output
    assert "CIHL-R83" in res.output  # a close identifier is suggested
    res = run_cli("findings", "--exclude-source", "src-does-not-exist", kb=kb)
    assert res.exit_code == 2 and "no source 'src-does-not-exist'" in res.output
    res = run_cli("findings", "--exclude-claim", "claim-nope", kb=kb)
    assert res.exit_code == 2 and "no claim 'claim-nope'" in res.output


def test_scheme_code_any_case_and_unknown_code(run_cli: Any, kb: Path) -> None:
    ok = run_cli(
        "query", "sources-by-grade", "--param", "reliability=a", "--param", "credibility=1", kb=kb
    )
    assert ok.exit_code == 0, ok.output
    bad = run_cli(
        "query", "sources-by-grade", "--param", "reliability=Z", "--param", "credibility=1", kb=kb
    )
    assert bad.exit_code == 2 and "no reliability 'Z' in the knowledge base" in bad.output
    assert "one of: A" in bad.output


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json"])
def test_construct_refuses_table_formats(run_cli: Any, kb: Path, fmt: str) -> None:
    q = "CONSTRUCT { ?s a ml:State } WHERE { ?s a ml:State }"
    res = run_cli("query", q, "--format", fmt, kb=kb)
    assert res.exit_code == 2
    assert f"--format {fmt} is for SELECT and ASK results" in res.output
    assert "--format turtle" in res.output


def test_construct_turtle_and_ntriples(run_cli: Any, kb: Path) -> None:
    import pyoxigraph as ox

    q = "CONSTRUCT { ?s a ml:State } WHERE { ?s a ml:State ; dcterms:identifier 'QQB' }"
    ttl = run_cli("query", q, kb=kb)
    nt = run_cli("query", q, "--format", "nt", kb=kb)
    assert ttl.exit_code == 0 and nt.exit_code == 0, ttl.output + nt.output
    a = set(ox.parse(ttl.output.encode(), format=ox.RdfFormat.TURTLE))
    b = set(ox.parse(nt.output.encode(), format=ox.RdfFormat.N_TRIPLES))
    assert a == b and len(a) == 1
    sel = run_cli("query", "SELECT ?s WHERE { ?s a ml:State }", "--format", "nt", kb=kb)
    assert sel.exit_code == 2 and "is for CONSTRUCT and DESCRIBE results" in sel.output


@pytest.mark.parametrize(
    "query,where,says",
    [
        ("SELECT ?x WHERE { ?x ?p }", "line 1, column 26", "incomplete triple pattern"),
        ("SELECT ?x\nWHERE {\n  ?x a qq:Thing .\n}", "line 3, column 8", "unknown prefix 'qq:'"),
        ("SELECT ?x WHERE { ?x ?p ?o } ORDER ?x", "line 1, column 38", "expected BY"),
        ('SELECT ?x WHERE { ?x ?p "open }', "line 1, column", "string is not closed"),
    ],
)
def test_syntax_error_in_the_users_own_lines(
    run_cli, kb: Path, query: str, where: str, says: str
) -> None:
    res = run_cli("query", query, kb=kb)
    assert res.exit_code == 2
    assert f"SPARQL syntax error at {where}" in res.output
    assert says in res.output
    assert "\\u{" not in res.output and "..=" not in res.output  # no parser ranges


def test_queries_name_shows_one_saved_query(run_cli: Any) -> None:
    res = run_cli("queries", "party-status")
    assert res.exit_code == 0, res.output
    assert "state: the identifier of a ml:State" in res.output
    assert "date: a date, YYYY-MM-DD" in res.output
    assert "Run: minelaw query party-status --param state=... " in res.output
    assert "SELECT ?bound ?since" in res.output
    bad = run_cli("queries", "party-stats")
    assert bad.exit_code == 2 and "did you mean party-status" in bad.output


@pytest.mark.parametrize(
    "name,ident,label",
    [
        ("states", "QQA", "Qualandia"),
        ("actors", "QQB", "Quorvia"),
        ("instruments", "APMBC-1997", "Anti-Personnel Mine Ban Convention (1997)"),
        ("norms", "CIHL-R83", "Customary IHL Rule 83"),
        ("places", "place-qq-village", "Chemenli Gora"),
    ],
)
def test_listing_queries_give_ids_and_labels(
    run_cli, kb: Path, name: str, ident: str, label: str
) -> None:
    res = run_cli("query", name, "--format", "csv", kb=kb)
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.output)))
    assert list(rows[0])[:2] == ["id", "label"]
    row = next(r for r in rows if r["id"] == ident)
    assert row["label"].startswith(label)


@pytest.mark.parametrize("text", ["cemenli", "ÇƏMƏNLİ", "Cəmənli-ğora", "cemenligora", "chemenli"])
def test_place_search_ignores_accents_and_case(run_cli: Any, kb: Path, text: str) -> None:
    res = run_cli("query", "place-search", "--param", f"text={text}", "--format", "csv", kb=kb)
    assert res.exit_code == 0, res.output
    assert "place-qq-village" in res.output


def test_place_search_still_selective(run_cli: Any, kb: Path) -> None:
    res = run_cli("query", "place-search", "--param", "text=cemenlx", "--format", "csv", kb=kb)
    assert res.exit_code == 0 and "place-qq-village" not in res.output
