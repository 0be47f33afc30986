"""Findings as RDF: the ``graph:findings`` named graph (ontology component "findings").

Each finding becomes ``mlr:finding-<id>`` (an ``ml:Finding``) with its legal bases,
element assessments (``mlr:finding-<id>-<element>``), evidence, counter-claims and
standard of proof, so that SPARQL can query findings like any other data.  IRIs
rather than blank nodes keep the graph comparable by isomorphism and stable
across runs.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph as ox

from .findings import Finding
from .namespaces import ML, MLR, MLV

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCT_ID = ox.NamedNode("http://purl.org/dc/terms/identifier")


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _p(name: str) -> ox.NamedNode:
    return ox.NamedNode(ML + name)


def _lit(value: str, dtype: str | None = None) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + dtype)) if dtype else ox.Literal(value)


def triples(findings: Sequence[Finding]) -> list[ox.Triple]:
    """The RDF description of the findings."""
    out: list[ox.Triple] = []

    def add(s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
        out.append(ox.Triple(s, p, o))

    for f in findings:
        node = _n(f"{MLR}finding-{f.id}")
        c = f.candidate
        add(node, RDF_TYPE, _p("Finding"))
        add(node, DCT_ID, _lit(f"finding-{f.id}"))
        add(node, _p("dutyBearer"), _n(c.duty_bearer))
        add(node, _p("norm"), _n(c.norm))
        add(node, _p("territory"), _n(c.territory))
        if c.date:
            add(node, _p("start"), _lit(c.date, "date"))
            add(node, _p("relevantDate"), _lit(c.date, "date"))
        add(node, _p("standardOfProof"), _n(f"{MLV}standard-of-proof-{f.standard}"))
        add(node, _p("explanation"), _lit(f.explanation))
        for i, b in enumerate(f.basis, 1):
            bn = _n(f"{MLR}finding-{f.id}-basis{i}")
            add(node, _p("legalBasis"), bn)
            add(bn, RDF_TYPE, _p("LegalBasis"))
            add(bn, _p("basisKind"), _n(f"{MLV}basis-kind-{b['kind']}"))
            if b["instrument"]:
                add(bn, _p("instrument"), _n(MLR + b["instrument"]))
            if b["provision"]:
                add(bn, _p("provision"), _n(MLR + b["provision"]))
            if b.get("in_force_for_duty_bearer_since"):
                add(
                    bn,
                    _p("inForceForDutyBearerSince"),
                    _lit(b["in_force_for_duty_bearer_since"], "date"),
                )
        for e in f.elements:
            en = _n(f"{MLR}finding-{f.id}-{e.element.rsplit('/', 1)[-1]}")
            add(node, _p("elementAssessment"), en)
            add(en, RDF_TYPE, _p("ElementAssessment"))
            add(en, _p("element"), _n(e.element))
            add(en, _p("status"), _n(f"{MLV}element-status-{e.status}"))
            add(en, _p("standardOfProof"), _n(f"{MLV}standard-of-proof-{e.standard}"))
            for s in e.evidence:
                add(en, _p("evidence"), _n(s))
            for cl in e.counter:
                if f.items.get(cl) is not None and f.items[cl].is_claim:
                    add(en, _p("contestedBy"), _n(cl))
            if e.reason:
                add(en, _p("explanation"), _lit(e.reason))
        for s in f.evidence:
            add(node, _p("evidence"), _n(s))
        for cl in f.contested_by:
            add(node, _p("contestedBy"), _n(cl))
    return out


def to_ntriples(findings: Sequence[Finding]) -> str:
    return "".join(f"{t} .\n" for t in triples(findings))


def to_turtle(findings: Sequence[Finding]) -> str:
    """Turtle with minelaw's prefixes (pyoxigraph serialiser)."""
    from .namespaces import PREFIXES

    data = ox.serialize(triples(findings), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    return data.decode("utf-8") if isinstance(data, bytes) else str(data)
