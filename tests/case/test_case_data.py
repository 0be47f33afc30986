"""Invariants of the case data (kb/cases/): sources, claims, interested parties."""

from __future__ import annotations

CASE = "https://w3id.org/minelaw/graph/kb/cases/"


def test_case_is_loaded(sparql) -> None:  # type: ignore[no-untyped-def]
    rows = sparql(f"""SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {{
        ?e a ml:Event . GRAPH ?g {{ ?e ml:date ?d }} FILTER(STRSTARTS(STR(?g), "{CASE}")) }}""")
    assert int(rows[0]["n"]) >= 20


def test_every_event_has_a_source(sparql) -> None:  # type: ignore[no-untyped-def]
    rows = sparql("""SELECT ?e WHERE {
        ?e a ml:Event . FILTER NOT EXISTS { ?e dcterms:source ?s . ?s a ml:Source } }""")
    assert rows == []


def test_every_claim_has_claimant_and_source(sparql) -> None:  # type: ignore[no-untyped-def]
    rows = sparql("""SELECT ?c WHERE { ?c a ml:Claim .
        FILTER(NOT EXISTS { ?c ml:claimant ?a . ?a a ml:Actor }
            || NOT EXISTS { ?c dcterms:source ?s . ?s a ml:Source }) }""")
    assert rows == []


def test_one_party_sources_make_an_alleged_event(sparql) -> None:  # type: ignore[no-untyped-def]
    """An event whose every source speaks for the same party is alleged and claim-supported."""
    rows = sparql("""SELECT DISTINCT ?e WHERE {
        ?e a ml:Event ; dcterms:source ?s1 . ?s1 ml:interestedParty ?party .
        FILTER NOT EXISTS { ?e dcterms:source ?s2 .
                            FILTER NOT EXISTS { ?s2 ml:interestedParty ?party } }
        FILTER(NOT EXISTS { ?e ml:epistemicStatus mlv:epistemic-status-alleged }
            || NOT EXISTS { ?c ml:supports ?e ; a ml:Claim }) }""")
    assert rows == []


def test_alleged_events_are_supported_by_claims(sparql) -> None:  # type: ignore[no-untyped-def]
    rows = sparql("""SELECT ?e WHERE { ?e ml:epistemicStatus mlv:epistemic-status-alleged .
        FILTER NOT EXISTS { ?c a ml:Claim ; ml:supports ?e } }""")
    assert rows == []


def test_accusations_are_claims_not_event_facts(sparql) -> None:  # type: ignore[no-untyped-def]
    """Who laid a mine is never stated on an incident: it is a claim with ml:against."""
    rows = sparql("SELECT ?e WHERE { ?e a ml:MineIncident ; ml:agent ?a . ?a a ml:State }")
    assert rows == []


def test_figures_are_claims_of_their_publisher(sparql) -> None:  # type: ignore[no-untyped-def]
    rows = sparql("""SELECT ?e WHERE {
        { ?e a ml:CasualtySeries } UNION { ?e a ml:ContaminationEstimate }
        FILTER NOT EXISTS { ?c a ml:Claim ; ml:supports ?e ; ml:claimant ?x } }""")
    assert rows == []


def test_no_invented_hashes(sparql) -> None:  # type: ignore[no-untyped-def]
    rows = sparql("""SELECT ?s WHERE { ?s a ml:Source ; ml:sha256 ?h ;
        ml:preservation mlv:preservation-not-preserved }""")
    assert rows == []


def test_disputes_point_to_claims_of_another_claimant(sparql) -> None:  # type: ignore[no-untyped-def]
    rows = sparql("""SELECT ?a ?b WHERE { ?a ml:disputes ?b .
        FILTER NOT EXISTS { ?b a ml:Claim }
        }""")
    assert rows == []


def test_control_periods_are_bounded_dates(sparql) -> None:  # type: ignore[no-untyped-def]
    rows = sparql("""SELECT ?cp WHERE { ?cp a ml:ControlPeriod .
        FILTER(NOT EXISTS { ?cp ml:start ?s FILTER(DATATYPE(?s) = xsd:date) }
            || NOT EXISTS { ?cp ml:territory ?t . ?t a ml:Place }) }""")
    assert rows == []
