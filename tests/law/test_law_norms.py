"""Norms, elements, decisions and sources of the law part of the KB."""

from __future__ import annotations

import csv
import io

import pytest


def elements(run_cli, norm: str) -> list[dict[str, str]]:
    res = run_cli("query", "elements", "--param", f"norm={norm}", "--format", "csv")
    assert res.exit_code == 0, res.output
    return list(csv.DictReader(io.StringIO(res.output)))


def test_rule_83_elements_in_order(run_cli) -> None:
    rows = elements(run_cli, "CIHL-R83")
    assert [r["element"] for r in rows] == ["CIHL-R83-e1", "CIHL-R83-e2", "CIHL-R83-e3"]
    assert [r["order"] for r in rows] == ["1", "2", "3"]
    assert "used landmines" in rows[0]["label"]
    assert "hostilities have ended" in rows[1]["label"]
    assert "removed" in rows[2]["label"] and "harmless" in rows[2]["label"]
    assert all(r["locator"] == "ICRC-CIHL r 83" for r in rows)
    assert all(r["role"] == "condition" for r in rows)


def test_echr_art2_elements_in_order(run_cli) -> None:
    rows = elements(run_cli, "ECHR-1950-art2")
    assert [r["element"] for r in rows] == [f"ECHR-1950-art2-e{i}" for i in (1, 2, 3, 4)]
    assert "jurisdiction" in rows[0]["label"]
    assert "real and immediate risk" in rows[1]["label"]
    assert "knew or ought to have known" in rows[2]["label"]
    assert "measures" in rows[3]["label"]
    assert "ECHR-1950 art 1" in rows[0]["locator"]
    assert "ECtHR-Osman-1998 para 116" in rows[1]["locator"]
    assert "prov-ECtHR-PasaErol-2006-holding" in rows[3]["authority"]
    assert "prov-ECtHR-Albekov-2008-holding" in rows[3]["authority"]


def test_every_norm_has_elements_numbered_from_one(sparql) -> None:
    norms = sparql("SELECT ?id WHERE { ?n a ml:Norm ; dcterms:identifier ?id }")
    assert len(norms) >= 16
    for n in norms:
        orders = [
            int(r["o"])
            for r in sparql(
                f"""SELECT ?o WHERE {{ ?n dcterms:identifier "{n["id"]}" ;
                                            ml:hasElement/ml:order ?o }} ORDER BY ?o"""
            )
        ]
        assert orders == list(range(1, len(orders) + 1)) and orders, n


def test_every_element_has_an_authority_that_is_a_located_provision(sparql) -> None:
    assert (
        sparql(
            """SELECT ?e WHERE { ?e a ml:Element .
             FILTER NOT EXISTS { ?e ml:authority ?p .
                                 ?p a ml:Provision ; ml:partOfInstrument ?i } }"""
        )
        == []
    )


@pytest.mark.parametrize(
    "prop", ["rdfs:label", "skos:definition", "ml:basisKind", "ml:appliesIn", "ml:expressedIn"]
)
def test_every_norm_has(sparql, prop: str) -> None:
    assert sparql(f"SELECT ?n WHERE {{ ?n a ml:Norm FILTER NOT EXISTS {{ ?n {prop} ?x }} }}") == []


def test_echr_norms_require_jurisdiction_and_others_do_not(sparql) -> None:
    rows = sparql(
        "SELECT ?id ?j WHERE { ?n a ml:Norm ; dcterms:identifier ?id ; ml:requiresJurisdiction ?j }"
    )
    for r in rows:
        assert (r["j"] == "true") == r["id"].startswith("ECHR-"), r


def test_every_decision_is_sourced_and_graded(sparql) -> None:
    assert (
        sparql(
            """SELECT ?d WHERE { ?d a ml:JudicialDecision .
             FILTER NOT EXISTS { ?d dcterms:source ?s . ?s a ml:Source ; ml:reliability ?r .
                                 ?d ml:verification ?v ; ml:court ?c ; ml:decidedOn ?x } }"""
        )
        == []
    )


def test_decision_paragraphs_belong_to_their_decision(sparql) -> None:
    rows = sparql(
        """SELECT ?pid ?did WHERE { ?p a ml:Provision ; dcterms:identifier ?pid ;
             ml:partOfInstrument/dcterms:identifier ?did . ?p ml:partOfInstrument ?d .
             ?d a ml:JudicialDecision }"""
    )
    assert len(rows) >= 15
    for r in rows:
        assert r["pid"].startswith(f"prov-{r['did']}-"), r


def test_doctrines_are_stated_in_judgments(sparql) -> None:
    rows = sparql(
        """SELECT ?id (COUNT(?p) AS ?n) WHERE { ?d a ml:Doctrine ; dcterms:identifier ?id .
             OPTIONAL { ?d ml:statedIn ?p . ?p ml:partOfInstrument/a ml:JudicialDecision } }
           GROUP BY ?id"""
    )
    ids = {r["id"] for r in rows}
    assert {"doctrine-effective-control", "doctrine-state-agent-authority"} <= ids
    assert all(int(r["n"]) >= 1 for r in rows)


def test_law_sources_follow_the_source_contract(sparql) -> None:
    rows = sparql(
        """SELECT ?s WHERE { GRAPH ?g { ?s a ml:Source } FILTER(CONTAINS(STR(?g), "/kb/law/"))
             FILTER NOT EXISTS { ?s dcterms:identifier ?i ; dcterms:title ?t ;
               dcterms:publisher ?p ; ml:sourceKind ?k ; ml:url ?u ; dcterms:language ?l ;
               ml:reliability ?r ;
               ml:credibility ?c ; ml:preservation ?pr ; ml:researchNote ?n } }"""
    )
    assert rows == []


def test_binding_norms_follow_participation(run_cli) -> None:
    def norms(state: str, date: str) -> dict[str, dict[str, str]]:
        res = run_cli(
            "query", "binding-norms", "--param", f"state={state}", "--param", f"date={date}",
            "--format", "csv",
        )  # fmt: skip
        assert res.exit_code == 0, res.output
        return {r["norm"]: r for r in csv.DictReader(io.StringIO(res.output))}

    a = norms("ARM", "2021-06-12")
    assert a["API-1977-art51"]["since"] == "1993-12-07" and a["API-1977-art51"]["basis"] == "treaty"
    assert a["CIHL-R83"]["basis"] == "custom" and a["CIHL-R83"]["since"] == ""
    assert a["ECHR-1950-art2"]["requiresJurisdiction"] == "true"
    assert "CCW-APII-1996-art10" not in a and "APMBC-1997-art5" not in a
    b = norms("AZE", "2021-06-12")
    assert "API-1977-art51" not in b and "CIHL-R83" in b
    assert "ECHR-1950-art2" not in norms("AZE", "2002-04-14")
    assert norms("AZE", "2002-04-15")["ECHR-1950-art2"]["since"] == "2002-04-15"
