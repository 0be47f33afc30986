"""Incremental store builds (issue 19): a store built from a cached one by loading only the
added or grown files equals a full build of the same files (same quads, graph by graph,
blank nodes compared by canonical labelling), and its preflight equals a full preflight."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import to_canonical_graph

from minelaw.store.cache import open_kb
from minelaw.store.checks import preflight
from minelaw.store.oxigraph import EmbeddedStore
from paths import ROOT

HEAD = """@prefix ml: <https://w3id.org/minelaw/ontology#> .
@prefix mlv: <https://w3id.org/minelaw/vocab/> .
@prefix mlr: <https://w3id.org/minelaw/id/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
INCIDENT = (
    HEAD
    + """
mlr:src-inc-new a ml:Source ; dcterms:identifier "src-inc-new" ; dcterms:title "A report" ;
    dcterms:publisher mlr:org-monitor ; ml:sourceKind mlv:source-kind-ngo-report ;
    dcterms:language "en" ; ml:reliability mlv:reliability-B ; ml:credibility mlv:credibility-2 ;
    ml:preservation mlv:preservation-not-preserved ; ml:researchNote "test entry" .
mlr:ev-inc-new a ml:MineIncident ; dcterms:identifier "ev-inc-new" ;
    ml:place mlr:place-qq-north-village ; ml:date "2023-05-01"^^xsd:date ;
    ml:datePrecision mlv:date-precision-day ; ml:deviceType mlv:device-type-anti-personnel-mine ;
    ml:killed 0 ; ml:injured 1 ;
    ml:casualty [ a ml:CasualtyGroup ; ml:victimCategory mlv:victim-category-civilian ;
                  ml:outcome mlv:casualty-outcome-injured ; ml:count 1 ] ;
    ml:verification mlv:verification-secondary ; dcterms:source mlr:src-inc-new .
"""
)
# a new place inside an old one (transitive ml:partOf), an event there (the chain
# ml:locatedWithin), a claim that supports it (the range of ml:supports)
INFERRING = (
    HEAD
    + """
mlr:place-inc-hamlet a ml:Locality ; dcterms:identifier "place-inc-hamlet" ;
    skos:prefLabel "Hamlet"@en ; ml:placeKind mlv:place-kind-village ;
    ml:partOf mlr:place-qq-north-village ; ml:locatedIn mlr:QQA ; geo:hasGeometry mlr:geom-inc .
mlr:geom-inc a geo:Geometry ; geo:asWKT "POINT(10.2 50.2)"^^geo:wktLiteral ;
    ml:coordinatePrecision "fictional" .
mlr:ev-inc-hamlet a ml:MineIncident ; dcterms:identifier "ev-inc-hamlet" ;
    ml:place mlr:place-inc-hamlet ; ml:date "2023-05-02"^^xsd:date ;
    ml:datePrecision mlv:date-precision-day ; ml:deviceType mlv:device-type-erw ;
    ml:killed 1 ; ml:verification mlv:verification-verified ; dcterms:source mlr:src-monitor .
mlr:claim-inc-hamlet ml:supports mlr:ev-inc-hamlet .
"""
)
GROWN = """
mlr:QQA skos:altLabel "Qa"@en .
mlr:place-qq-north rdfs:comment "grown by the test" .
"""


def _world(tmp: Path) -> Path:
    kb = tmp / "kb"
    shutil.copytree(ROOT / "kb" / "law", kb / "law")
    shutil.copy(ROOT / "tests" / "rules" / "_world.ttl", kb / "world.ttl")
    (kb / "entries").mkdir()
    return kb


def _canonical(store: ox.Store) -> dict[str, set[tuple[str, ...]]]:
    """Each named graph's triples, blank nodes canonically labelled (RDF isomorphism)."""

    def term(x: object) -> rdflib.term.Node:
        if isinstance(x, ox.NamedNode):
            return rdflib.URIRef(x.value)
        if isinstance(x, ox.BlankNode):
            return rdflib.BNode(x.value)
        assert isinstance(x, ox.Literal)
        if x.language:
            return rdflib.Literal(x.value, lang=x.language)
        return rdflib.Literal(x.value, datatype=rdflib.URIRef(x.datatype.value))

    out = {}
    for g in store.named_graphs():
        graph = rdflib.Graph()
        for q in store.quads_for_pattern(None, None, None, g):
            graph.add((term(q.subject), term(q.predicate), term(q.object)))
        out[str(g)] = {tuple(t.n3() for t in tr) for tr in to_canonical_graph(graph)}
    return out


def _incremental(store: EmbeddedStore) -> bool:
    assert store.path is not None
    return (store.path / "delta.json").is_file()


def _same_as_full_build(store: EmbeddedStore, kb: Path) -> None:
    full = open_kb(kb, use_cache=False)
    mine, ref = _canonical(store.store), _canonical(full.store)
    assert mine.keys() == ref.keys()
    for g in ref:
        assert mine[g] == ref[g], (g, sorted(mine[g] - ref[g])[:3], sorted(ref[g] - mine[g])[:3])


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache of its own: the base store is the one this test built."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("MINELAW_CACHE", str(folder))
    return folder


def test_one_added_file(cache: Path, tmp_path: Path) -> None:
    kb = _world(tmp_path)
    base = open_kb(kb)
    assert not _incremental(base)
    (kb / "entries" / "incident.ttl").write_text(INCIDENT, encoding="utf-8")
    store = open_kb(kb)
    assert _incremental(store) and not store.cached
    _same_as_full_build(store, kb)
    assert store.count_quads() > base.count_quads()


def test_one_changed_file_that_only_grew(cache: Path, tmp_path: Path) -> None:
    kb = _world(tmp_path)
    open_kb(kb)
    with (kb / "world.ttl").open("a", encoding="utf-8") as fh:
        fh.write(GROWN)
    store = open_kb(kb)
    assert _incremental(store)
    _same_as_full_build(store, kb)


def test_an_added_file_that_fires_new_inferences(cache: Path, tmp_path: Path) -> None:
    kb = _world(tmp_path)
    base = open_kb(kb)
    (kb / "entries" / "hamlet.ttl").write_text(INFERRING, encoding="utf-8")
    store = open_kb(kb)
    assert _incremental(store)
    _same_as_full_build(store, kb)
    ml, mlr = "https://w3id.org/minelaw/ontology#", "https://w3id.org/minelaw/id/"
    inferred = ox.NamedNode("https://w3id.org/minelaw/graph/inferred")
    within = {
        q.object.value
        for q in store.store.quads_for_pattern(
            ox.NamedNode(mlr + "ev-inc-hamlet"), ox.NamedNode(ml + "locatedWithin"), None, inferred
        )
    }
    assert {
        mlr + "place-inc-hamlet",
        mlr + "place-qq-north-village",
        mlr + "place-qq-north",
    } <= within
    claim_types = store.query(f"SELECT ?t WHERE {{ <{mlr}claim-inc-hamlet> a ?t }}").values("t")
    assert ml + "Claim" in claim_types  # from the range of ml:supports
    assert store.count_quads() - base.count_quads() > INFERRING.count(" ;") + 10


@pytest.mark.parametrize("how", ["removed", "lost a triple"])
def test_removal_takes_a_full_build(how: str, cache: Path, tmp_path: Path) -> None:
    kb = _world(tmp_path)
    (kb / "entries" / "incident.ttl").write_text(INCIDENT, encoding="utf-8")
    open_kb(kb)
    if how == "removed":
        (kb / "entries" / "incident.ttl").unlink()
    else:
        text = (kb / "world.ttl").read_text(encoding="utf-8")
        (kb / "world.ttl").write_text(text.replace('skos:prefLabel "Qaland"@en ;', ""), "utf-8")
    store = open_kb(kb)
    assert not _incremental(store)
    _same_as_full_build(store, kb)


BROKEN_SERIES = (
    HEAD
    + """
mlr:series-inc a ml:CasualtySeries ; ml:asOf "2023-01-01"^^xsd:date ; ml:killed 3 .
"""
)
FIXES_AND_BREAKS = (
    HEAD
    + """
mlr:claim-inc-series a ml:Claim ; dcterms:identifier "claim-inc-series" ;
    ml:claimant mlr:org-monitor ; dcterms:source mlr:src-monitor ;
    ml:assertion "Three people were killed by mines in the district." ;
    ml:about mlr:place-qq-north ; ml:claimKind mlv:claim-kind-casualty-figure ;
    ml:verification mlv:verification-verified ; ml:supports mlr:series-inc .
mlr:ev-inc-bad a ml:MineIncident ; dcterms:identifier "ev-inc-bad" ; ml:killed "two" .
"""
)


def test_incremental_preflight_equals_a_full_preflight(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The added file fixes an old problem (a series without its claim) and brings new ones."""
    from minelaw.store import checks

    focuses: list[object] = []
    real = checks.run_entry_shapes

    def spy(*args: object, **kwargs: object) -> object:
        focuses.append(args[3] if len(args) > 3 else kwargs.get("focus"))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(checks, "run_entry_shapes", spy)
    kb = _world(tmp_path)
    (kb / "entries" / "series.ttl").write_text(BROKEN_SERIES, encoding="utf-8")
    unsupported = "must be supported by the ml:Claim of the body that published the figure"
    before = preflight(open_kb(kb))
    assert any(unsupported in p.message for p in before)
    (kb / "entries" / "claim.ttl").write_text(FIXES_AND_BREAKS, encoding="utf-8")
    store = open_kb(kb)
    assert _incremental(store)
    mine = preflight(store)
    focus = focuses[-1]
    assert focus is not None and len(focus.iris) < 40  # type: ignore[attr-defined]
    shutil.rmtree(cache)
    ref = preflight(open_kb(kb))
    assert not _incremental(open_kb(kb))

    def key(p: object) -> tuple[object, ...]:
        return (p.check, p.focus, p.message, p.severity)  # type: ignore[attr-defined]

    assert {key(p) for p in mine} == {key(p) for p in ref}
    assert not any(unsupported in p.message for p in mine)  # fixed by the claim
    assert any("ev-inc-bad" in (p.focus or "") for p in mine)


AMENDMENT = (
    HEAD
    + """
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
mlr:amend-inc a ml:Amendment ; prov:invalidated mlr:amend-inc-st1 .
mlr:amend-inc-st1 a rdf:Statement ; rdf:subject mlr:QQA ; rdf:predicate skos:prefLabel ;
    rdf:object "Qaland"@en .
"""
)


def test_an_amendment_takes_a_full_build(cache: Path, tmp_path: Path) -> None:
    """An amendment withdraws statements of other files (issue 18): adding one, or growing a
    file of a KB that holds one, must not be loaded as a delta (the withdrawn statement would
    stay, or come back)."""
    kb = _world(tmp_path)
    open_kb(kb)
    (kb / "entries" / "amend.ttl").write_text(AMENDMENT, encoding="utf-8")
    store = open_kb(kb)
    assert not _incremental(store)
    ask = (
        "ASK { GRAPH ?g { <https://w3id.org/minelaw/id/QQA> "
        "<http://www.w3.org/2004/02/skos/core#prefLabel> 'Qaland'@en } }"
    )
    assert not store.query(ask).boolean
    with (kb / "world.ttl").open("a", encoding="utf-8") as fh:
        fh.write(GROWN)
    store = open_kb(kb)
    assert not _incremental(store)
    assert not store.query(ask).boolean
    _same_as_full_build(store, kb)
