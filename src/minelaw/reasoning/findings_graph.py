"""Findings as RDF: the ``graph:findings`` named graph (ontology component "findings").

Each finding becomes ``mlr:finding-<id>`` (an ``ml:Finding``) with its legal bases,
element assessments (``mlr:finding-<id>-<element>``), evidence, counter-claims and
standard of proof, so that SPARQL can query findings like any other data.  IRIs
rather than blank nodes keep the graph comparable by isomorphism and stable
across runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..namespaces import FINDINGS_GRAPH, ML, MLR, MLV
from ..store.cache import build_cached, open_cached
from ..store.oxigraph import EmbeddedStore
from .findings import Finding

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
        app = c.applicability
        if c.date:
            if app is None or app.precision not in ("not-after", "unknown"):
                add(node, _p("start"), _lit(c.date, "date"))  # an upper bound starts nothing
            add(node, _p("relevantDate"), _lit(c.date, "date"))
        if app is not None:
            add(node, _p("relevantDatePrecision"), _lit(app.precision))
            if app.period_end:
                add(node, _p("end"), _lit(app.period_end, "date"))
            if app.jurisdiction:
                add(node, _p("jurisdictionBasis"), _lit(app.jurisdiction["basis"]))
            if app.attribution:
                add(node, _p("attributionBasis"), _lit(app.attribution["basis"]))
            if app.conflict:
                add(node, _p("conflict"), _n(app.conflict))
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
            if b.get("in_force_until"):
                add(bn, _p("inForceForDutyBearerUntil"), _lit(b["in_force_until"], "date"))
            between = b.get("applies_between") or {}
            if between:
                add(
                    bn,
                    _p("appliesBetweenParties"),
                    _lit(str(bool(between["value"])).lower(), "boolean"),
                )
                add(bn, _p("applicabilityReason"), _lit(between.get("reason", "")))
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
    from ..namespaces import PREFIXES

    data = ox.serialize(triples(findings), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    return data.decode("utf-8") if isinstance(data, bytes) else str(data)


def rules_version() -> str:
    """A content hash of the compliance rules and thresholds the findings were computed with."""
    import hashlib

    from ..resources import data_dir

    rules = data_dir("rules")
    h = hashlib.sha256()
    for p in [*sorted((rules / "obligations").glob("*.ttl")), rules / "standards.ttl"]:
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:16]


_VERSION = ox.NamedNode("http://www.w3.org/2002/07/owl#versionInfo")


def _quads(findings: Sequence[Finding]) -> Iterator[ox.Quad]:
    """The findings graph, a finding at a time (never the whole graph in memory: 880,771
    quads at 100,000 incidents)."""
    g = ox.NamedNode(FINDINGS_GRAPH)
    for f in findings:
        for t in triples([f]):
            yield ox.Quad(t.subject, t.predicate, t.object, g)
    yield ox.Quad(g, _VERSION, ox.Literal("rules " + rules_version()), g)


def _current(store: EmbeddedStore) -> bool:
    g = ox.NamedNode(FINDINGS_GRAPH)
    version = ox.Literal("rules " + rules_version())
    return any(True for _ in store.store.quads_for_pattern(g, _VERSION, version, g))


def ensure(store: Any, findings: Sequence[Finding] | None = None) -> Any:
    """A store whose ``graph:findings`` is current: ``store`` itself, or a derived copy.

    Cached stores are opened read-only (many processes read them at once), so the findings
    go into a derived cache folder ``<store>-findings-<rules version>``: a RocksDB checkpoint
    of the store (hard links, instant) plus the findings graph, built once under a lock and
    then opened read-only like any cached store. An in-memory store is written directly.
    Findings are computed on the public graphs only (restricted entries never reach the
    public findings graph; ``findings`` passed in must be public ones), and only when the data
    passes the entry shapes. A remote store is returned unchanged: ``minelaw push`` sends the
    graph with the rest.
    """
    if not isinstance(store, EmbeddedStore) or _current(store):
        return store
    public = EmbeddedStore(store.store, store.files, store.key, store.cached, False)

    def compute_public() -> Sequence[Finding] | None:
        if findings is not None:
            return findings
        from ..store.checks import preflight
        from .findings import compute

        return None if preflight(public) else compute(public)

    if store.path is None:  # in memory: writable
        found = compute_public()
        if found is None:
            return store
        g = ox.NamedNode(FINDINGS_GRAPH)
        if g in set(store.store.named_graphs()):
            store.store.remove_graph(g)
        store.store.extend(_quads(found))
        return store
    base = store.path
    assert base is not None
    target = base.with_name(f"{base.name}-findings-{rules_version()}")

    def build(db: Path) -> bool:
        found = compute_public()
        if found is None:
            return False
        store.store.backup(str(db))  # a checkpoint: hard links, no copy
        rw = ox.Store(str(db))
        # the bulk loader writes sorted files directly (3x faster than a transaction, which
        # logs every quad first: 880,771 quads at 100,000 incidents); the folder is renamed
        # into place only when complete (build_cached), so its lack of atomicity is harmless
        rw.bulk_extend(_quads(found))
        rw.flush()
        return True

    if build_cached(target, build, "findings\n") is None:
        return store
    return EmbeddedStore(
        open_cached(target), store.files, store.key, True, store.include_restricted, path=target
    )
