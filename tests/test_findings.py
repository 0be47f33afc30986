"""Findings: JSON contract, what-if exclusions, sensitivity, RDF output, and neutrality.

The neutrality test builds a two-state scenario from the rule test world, runs the
rules, swaps the two states' roles in the data (every IRI of one side mapped to the
other's), runs again, and asserts that the findings swap too.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import rdflib

from paths import ROOT

RULES = ROOT / "tests" / "rules"
MLR = "https://w3id.org/minelaw/id/"
CONTRACT = {
    "id",
    "norm",
    "legal_basis",
    "duty_bearer",
    "territory",
    "period",
    "elements",
    "evidence",
    "contested_by",
    "standard_of_proof",
    "explanation",
}
SWAP = {
    "QQA": "QQB",
    "org-qqa-ministry": "org-qqb-ministry",
    "src-qqa-ministry": "src-qqb-ministry",
    "place-qq-north": "place-qq-south",
    "place-qq-north-village": "place-qq-south-village",
    "geom-qq-north": "geom-qq-south",
    "geom-qq-north-village": "geom-qq-south-village",
}
SWAP |= {v: k for k, v in SWAP.items()}


def scenario(tmp: Path, cases: list[str], swap: bool = False) -> Path:
    """kb/law plus the test world and the named rule cases, optionally with roles swapped."""
    kb = tmp / ("swapped" if swap else "kb")
    shutil.copytree(ROOT / "kb" / "law", kb / "law")
    for name in ["_world", *cases]:
        g = rdflib.Graph().parse(RULES / f"{name}.ttl")
        g.remove((None, rdflib.URIRef("https://w3id.org/minelaw/test#expect"), None))
        if swap:

            def m(t):  # type: ignore[no-untyped-def]
                if isinstance(t, rdflib.URIRef) and str(t).startswith(MLR):
                    local = str(t)[len(MLR) :]
                    return rdflib.URIRef(MLR + SWAP.get(local, local))
                if isinstance(t, rdflib.Literal) and str(t) in SWAP:
                    return rdflib.Literal(SWAP[str(t)], lang=t.language, datatype=t.datatype)
                return t

            g2 = rdflib.Graph()
            for s, p, o in g:
                g2.add((m(s), p, m(o)))
            g = g2
        (kb / f"{name.lstrip('_')}.ttl").write_text(g.serialize(format="turtle"), encoding="utf-8")
    return kb


def findings_json(run_cli, kb: Path, *args: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    res = run_cli("findings", "--format", "json", *args, kb=kb)
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


SCENARIO = ["CIHL-R83-001", "CIHL-R83-004", "ECHR-1950-art2-001", "CIHL-R81-001"]


def test_json_contract(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    doc = findings_json(run_cli, scenario(tmp_path, SCENARIO))
    assert set(doc) == {"kb", "findings"}
    assert set(doc["kb"]) == {"version", "triples"} and doc["kb"]["triples"] > 0
    assert doc["findings"], "the scenario must produce findings"
    for f in doc["findings"]:
        assert set(f) >= CONTRACT
        assert set(f["norm"]) >= {"id", "label"} and set(f["duty_bearer"]) >= {"id", "label"}
        assert set(f["period"]) == {"start", "end"}
        assert set(f["relevant_date"]) >= {"date", "precision"}
        assert set(f["applicability"]) >= {"jurisdiction", "attribution", "occupation"}
        for fs in f["forum_standards"]:
            assert set(fs) >= {"forum", "standard", "level", "reached"}
        for b in f["legal_basis"]:
            assert set(b) >= {"kind", "instrument", "provision", "in_force_for_duty_bearer_since"}
            assert b["kind"] in ("treaty", "custom")
        for e in f["elements"]:
            assert set(e) >= {"id", "label", "status", "evidence"}
            assert e["status"] in ("established", "contested", "alleged", "not_met", "unknown")
        for ev in f["evidence"]:
            assert set(ev) >= {"id", "publisher", "grade", "url"}
        for c in f["contested_by"]:
            assert set(c) == {"claim", "claimant"}
        assert f["standard_of_proof"] in (
            "insufficient",
            "reasonable_grounds",
            "balance_of_probabilities",
            "clear_and_convincing",
        )
        # the explanation names the norm, the duty-bearer, the elements and the standard
        text = f["explanation"]
        assert f["norm"]["id"] in text and f["duty_bearer"]["label"] in text
        assert f["standard_of_proof"].replace("_", " ") in text
        assert any(e["label"] in text for e in f["elements"])


def test_neutrality_swapping_the_states_swaps_the_findings(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    def key(f: dict) -> tuple[str, str, str, str]:  # type: ignore[type-arg]
        return (
            f["norm"]["id"],
            f["duty_bearer"]["id"],
            f["territory"]["id"],
            f["standard_of_proof"],
        )

    plain = {key(f) for f in findings_json(run_cli, scenario(tmp_path, SCENARIO))["findings"]}
    swapped = {
        key(f) for f in findings_json(run_cli, scenario(tmp_path, SCENARIO, swap=True))["findings"]
    }
    assert plain, "the scenario must produce findings"
    assert {(n, SWAP.get(d, d), SWAP.get(t, t), s) for n, d, t, s in plain} == swapped


def test_exclude_source_removes_a_finding_and_sensitivity_says_so(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    kb = scenario(tmp_path, ["CIHL-R83-004"])
    before = findings_json(run_cli, kb)["findings"]
    assert "CIHL-R83--QQA--place-qq-south" in [f["id"] for f in before]
    after = findings_json(run_cli, kb, "--exclude-source", "src-qqb-ministry")["findings"]
    assert after == []
    also = findings_json(run_cli, kb, "--exclude-claim", "claim-qqb-laying")["findings"]
    assert also == []
    r83 = [
        f
        for f in findings_json(run_cli, kb, "--sensitivity")["findings"]
        if f["norm"]["id"] == "CIHL-R83"
    ]
    sens = r83[0]["sensitivity"]
    assert {"kind": "source", "id": "src-qqb-ministry", "effect": "drops the finding"} in sens
    table = run_cli("findings", "--sensitivity", kb=kb)
    assert table.exit_code == 0, table.output
    assert "without source src-qqb-ministry: drops the finding" in table.output


def test_exclude_source_lowers_the_standard(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    kb = scenario(tmp_path, ["CIHL-R11-001"])
    (f,) = [f for f in findings_json(run_cli, kb)["findings"] if f["norm"]["id"] == "CIHL-R11"]
    assert f["standard_of_proof"] == "balance_of_probabilities"
    # the independent report is the only support: without it, the finding is withdrawn
    after = findings_json(run_cli, kb, "--exclude-source", "src-monitor")["findings"]
    assert [f for f in after if f["norm"]["id"] == "CIHL-R11"] == []


def test_ttl_output_is_the_findings_graph(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from rdflib.compare import isomorphic

    kb = scenario(tmp_path, SCENARIO)
    one = run_cli("findings", "--format", "ttl", kb=kb)
    two = run_cli("findings", "--format", "ttl", kb=kb)
    assert (one.exit_code, two.exit_code) == (0, 0), one.output + two.output
    g1 = rdflib.Graph().parse(data=one.output, format="turtle")
    g2 = rdflib.Graph().parse(data=two.output, format="turtle")
    assert isomorphic(g1, g2)
    ml = rdflib.Namespace("https://w3id.org/minelaw/ontology#")
    assert len(set(g1.subjects(rdflib.RDF.type, ml.Finding))) == len(
        findings_json(run_cli, kb)["findings"]
    )


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_findings_refuses_data_that_fails_entry_shapes(run_cli, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    kb = scenario(tmp_path, ["CIHL-R83-001"])
    (kb / "bad.ttl").write_text(
        "@prefix ml: <https://w3id.org/minelaw/ontology#> .\n"
        "@prefix mlr: <https://w3id.org/minelaw/id/> .\n"
        'mlr:ev-x a ml:MineIncident ; ml:date "soon" .\n',
        encoding="utf-8",
    )
    res = run_cli("findings", "--format", fmt, kb=kb)
    assert res.exit_code == 2
    assert "run `minelaw check`" in res.output


def test_a_state_acting_through_an_authority_is_not_its_opponent(run_cli) -> None:  # type: ignore[no-untyped-def]
    """The bundled case records a state's control of territory through a de facto authority:
    the two are on one side, so no finding against the authority lists that state among the
    opposing parties (the brief's "Applicable law between these parties")."""
    doc = json.loads(run_cli("findings", "--format", "json").output)
    res = run_cli(
        "query",
        "SELECT DISTINCT ?s ?a WHERE { ?c a ml:ControlPeriod ; ml:controller ?s ; ml:through ?a }",
        "--format",
        "csv",
    )
    rows = res.output.split()[1:]
    pairs = {tuple(x.rsplit("/", 1)[-1] for x in line.split(",")) for line in rows}
    assert pairs, "the bundled case records control through an authority"
    checked = 0
    for f in doc["findings"]:
        for state, actor in pairs:
            if f["duty_bearer"]["id"] == actor:
                checked += 1
                assert state not in f["applicability"]["opponents"], (f["id"], state)
    assert checked, "some finding is against such an authority"


def test_a_non_state_party_is_never_said_to_lack_a_treaty_in_force(run_cli) -> None:  # type: ignore[no-untyped-def]
    """Only states are parties to treaties (VCLT art 2(1)(a), (g)): for an authority's finding
    the treaty set aside is set aside because it cannot be a party, not because the treaty was
    "not in force" for it; for a state, every reason found is given (not only the first)."""
    doc = json.loads(run_cli("findings", "--format", "json").output)
    states = {
        line.rsplit("/", 1)[-1]
        for line in run_cli(
            "query", "SELECT ?s WHERE { ?s a ml:State }", "--format", "csv"
        ).output.split()[1:]
    }
    seen = set()
    for f in doc["findings"]:
        for b in f["applicability"]["treaties_not_applied"]:
            reason = b["applies_between"]["reason"]
            if f["duty_bearer"]["id"] in states:
                assert "is not a state" not in reason, (f["id"], reason)
                seen.add("state")
            else:
                assert "is not a state and cannot be a party" in reason, (f["id"], reason)
                assert "not in force" not in reason, (f["id"], reason)
                seen.add("authority")
    assert seen == {"state", "authority"}


def test_an_upper_bound_does_not_start_the_period(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A laying dated only by the claim (no later than its date): the finding's relevant date is
    that bound with precision "not-after", and neither the JSON period nor the findings graph
    gives it as the first day (docs/legal-model.md 1.5; DESIGN: "never the date a claim was
    made")."""
    kb = scenario(tmp_path, ["CIHL-R83-004"])
    (f,) = [f for f in findings_json(run_cli, kb)["findings"] if f["norm"]["id"] == "CIHL-R83"]
    assert f["relevant_date"]["date"] == "2020-01-15"
    assert f["relevant_date"]["precision"] == "not-after"
    assert f["period"]["start"] is None
    out = run_cli("findings", "--format", "ttl", kb=kb)
    assert out.exit_code == 0, out.output
    g = rdflib.Graph().parse(data=out.output, format="turtle")
    ml = rdflib.Namespace("https://w3id.org/minelaw/ontology#")
    (node,) = [n for n in g.subjects(rdflib.RDF.type, ml.Finding) if "CIHL-R83" in str(n)]
    assert g.value(node, ml.start) is None
    assert str(g.value(node, ml.relevantDate)) == "2020-01-15"
    assert str(g.value(node, ml.relevantDatePrecision)) == "not-after"


def test_why_not_lists_records_set_aside_behind_a_standing_candidate(
    run_cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """`--why-not` lists every record applicability set aside, also those of a candidate that
    stands on its other records (an incident at a place another actor controlled that day, in a
    district where the state's jurisdiction holds elsewhere), marked as such."""
    kb = scenario(tmp_path, ["ECHR-1950-art2-130"])
    out = run_cli("findings", "--format", "json", "--why-not", kb=kb)
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert any(f["id"] == "ECHR-1950-art2--QQB--place-qq-south" for f in doc["findings"])
    rows = [
        r
        for r in doc["set_aside"]
        if r["item"] == "ev-incident-hilltop" and r["duty_bearer"] == "QQB"
    ]
    assert rows and all(r["candidate_stands"] for r in rows), doc["set_aside"]
    assert any("presumption of jurisdiction is rebutted" in r["reason"] for r in rows)
    table = run_cli("findings", "--why-not", kb=kb)
    assert table.exit_code == 0, table.output
    line = next(x for x in table.output.splitlines() if "rebutted" in x and "ECHR-1950-art2," in x)
    assert "[the candidate stands on its other records]" in line


LINKED = """
@prefix ml:  <https://w3id.org/minelaw/ontology#> .
@prefix mlv: <https://w3id.org/minelaw/vocab/> .
@prefix mlr: <https://w3id.org/minelaw/id/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
mlr:dfa-qq-south a ml:DeFactoAuthority ; dcterms:identifier "dfa-qq-south" ;
    skos:prefLabel "Southern Administration"@en ; rdfs:label "Southern Administration"@en .
mlr:conflict-qq ml:partyToConflict mlr:dfa-qq-south .
mlr:cp-qqa-through-south a ml:ControlPeriod ; dcterms:identifier "cp-qqa-through-south" ;
    rdfs:label "QQA controls the north through the Southern Administration"@en ;
    ml:controller mlr:QQA ; ml:through mlr:dfa-qq-south ; ml:territory mlr:place-qq-north ;
    ml:controlKind mlv:control-kind-effective-control-area ;
    ml:start "2019-06-01"^^xsd:date ;
    ml:verification mlv:verification-verified ; dcterms:source mlr:src-qq-ceasefire-text .
mlr:claim-qqb-laying ml:actorAsNamed "Qaland's forces" .
"""


@pytest.mark.parametrize("linked", [False, True])
def test_a_claim_against_a_state_linked_to_another_party_says_it_settles_nothing(  # type: ignore[no-untyped-def]
    run_cli, tmp_path: Path, linked: bool
) -> None:
    """A claim that "Qaland's forces" laid mines is read against the state it names; where the
    record links that state to another party to the conflict (control exercised through a de
    facto authority), the attribution says the claim does not settle which of them laid the
    mines (ARSIWA arts 4 and 8; docs/legal-model.md 2.2), and quotes the claimant's words."""
    kb = scenario(tmp_path, ["CIHL-R83-004"])
    if linked:
        (kb / "linked.ttl").write_text(LINKED, encoding="utf-8")
    (f,) = [f for f in findings_json(run_cli, kb)["findings"] if f["norm"]["id"] == "CIHL-R83"]
    text = f["applicability"]["attribution"]["text"]
    assert text.startswith("attributed to Qaland by the claim"), text
    assert ("the claimant's words for the actor: 'Qaland's forces'" in text) is linked
    assert ("Southern Administration is also a party to the conflict" in text) is linked
    assert ("does not settle which of them laid the mines" in text) is linked
