"""Mutated knowledge bases for the differential test of the SHACL-to-SPARQL compiler.

:func:`targeted` breaks each constraint of the entry shapes once, on its own focus node
(a missing required property, a wrong datatype, a value outside ``sh:in``, a bad pattern,
a wrong class, too many values, a value out of range, a broken nested node, a wrong
scheme behind a sequence path, a missing inverse link, an alleged event without a claim,
an event resting on one party's sources...). :func:`fuzz` deletes and retypes triples at
random (seeded). Both work on an Oxigraph store holding the files, before OWL RL runs.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import rdflib

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
XSD = "http://www.w3.org/2001/XMLSchema#"
MLR = "https://w3id.org/minelaw/id/"
ML = "https://w3id.org/minelaw/ontology#"
KB_GRAPH = "https://w3id.org/minelaw/graph/kb/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"


def _kb_graphs(store: ox.Store) -> list[ox.NamedNode]:
    return sorted(
        (
            g
            for g in store.named_graphs()
            if isinstance(g, ox.NamedNode) and g.value.startswith(KB_GRAPH)
        ),
        key=str,
    )


def _instances(store: ox.Store, cls: str) -> list[ox.NamedNode | ox.BlankNode]:
    """Instances of ``cls`` (or of a subclass named in the ontology) typed in a KB file."""
    q = (
        f"SELECT DISTINCT ?x WHERE {{ ?t <{RDFS}subClassOf>* <{cls}> "
        f"GRAPH ?g {{ ?x a ?t }} FILTER(STRSTARTS(STR(?g), '{KB_GRAPH}')) }} ORDER BY STR(?x)"
    )
    return [r["x"] for r in store.query(q, use_default_graph_as_union=True)]


def _where(store: ox.Store, s: Any, p: str) -> list[ox.Quad]:
    return list(store.quads_for_pattern(s, ox.NamedNode(p), None, None))


def _graph_of(store: ox.Store, node: Any) -> ox.NamedNode:
    for q in store.quads_for_pattern(node, None, None, None):
        if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value.startswith(KB_GRAPH):
            return q.graph_name
    return _kb_graphs(store)[0]


def _replace(store: ox.Store, node: Any, p: str, new: list[Any]) -> None:
    g = _graph_of(store, node)
    for q in _where(store, node, p):
        store.remove(q)
    for o in new:
        store.add(ox.Quad(node, ox.NamedNode(p), o, g))


def _literal(text: str, dt: str | None = None, lang: str | None = None) -> ox.Literal:
    if lang:
        return ox.Literal(text, language=lang)
    return ox.Literal(text, datatype=ox.NamedNode(dt) if dt else None)


def _breaks(name: str, arg: Any, store: ox.Store, x: Any, p: str, shapes: rdflib.Graph) -> bool:
    """Break constraint ``name`` = ``arg`` of the predicate ``p`` at node ``x``."""
    nowhere = ox.NamedNode(MLR + "nowhere-" + name)
    values = [q.object for q in _where(store, x, p)]
    if name == "minCount":
        _replace(store, x, p, [])
    elif name == "maxCount":
        extra = [_literal(f"extra {i}") for i in range(int(arg) + 1)]
        _replace(store, x, p, values + extra)
    elif name == "datatype":
        _replace(store, x, p, [_literal("not a value")])
    elif name == "class":
        _replace(store, x, p, [nowhere])
    elif name == "in":
        _replace(store, x, p, [ox.NamedNode("https://w3id.org/minelaw/vocab/not-in-the-list")])
    elif name == "pattern":
        _replace(
            store,
            x,
            p,
            [
                _literal(
                    "BAD value",
                    values[0].datatype.value
                    if values and isinstance(values[0], ox.Literal)
                    else None,
                )
            ],
        )
    elif name in ("minInclusive", "minExclusive"):
        _replace(store, x, p, [_literal("-5", XSD + "integer")])
    elif name in ("maxInclusive", "maxExclusive"):
        _replace(store, x, p, [_literal("7", XSD + "decimal")])
    elif name == "minLength":
        _replace(store, x, p, [_literal("short")])
    elif name == "lessThanOrEquals":
        _replace(store, x, p, [_literal("2100-01-01", XSD + "date")])
        _replace(store, x, str(arg), [_literal("2000-01-01", XSD + "date")])
    elif name == "node":  # the nested node loses everything but its type
        for v in values:
            for q in list(store.quads_for_pattern(v, None, None, None)):
                if q.predicate.value != "http://www.w3.org/1999/02/22-rdf-syntax-ns#type":
                    store.remove(q)
        if not values:
            return False
    elif name == "or":  # value-level alternatives (datatypes): a plain string fits none
        _replace(store, x, p, [_literal("many")])
    elif name == "qualifiedValueShape":
        _replace(store, x, p, [_literal("Nom", lang="fr")])
    elif name == "uniqueLang":
        _replace(
            store, x, p, [*values, _literal("Second", lang="en"), _literal("Third", lang="en")]
        )
    else:
        return False
    return True


def targeted(store: ox.Store, shapes: rdflib.Graph) -> list[str]:
    """Break every constraint of every property shape (with a predicate path) once, each on
    its own focus node, plus the node-level ones; returns what was broken."""
    done: list[str] = []
    used: set[str] = set()
    for shape in sorted(set(shapes.subjects(SH.targetClass, None)), key=str):
        cls = str(shapes.value(shape, SH.targetClass))
        pool = [x for x in _instances(store, cls) if str(x) not in used]
        for prop in sorted(
            shapes.objects(shape, SH.property), key=lambda n: str(shapes.value(n, SH.path))
        ):
            path = shapes.value(prop, SH.path)
            for name, arg in _params(shapes, prop):
                if not pool:
                    break
                x = pool[0]
                if isinstance(path, rdflib.URIRef):
                    ok = _breaks(name, arg, store, x, str(path), shapes)
                elif (path, rdflib.RDF.first, None) in shapes:  # a sequence: break its first step
                    first = str(next(iter(shapes.items(path))))
                    wrong = ox.NamedNode("https://w3id.org/minelaw/vocab/verification-verified")
                    ok = bool(_where(store, x, first))
                    _replace(store, x, first, [wrong])
                else:  # an inverse path: remove the links into x
                    inv = str(shapes.value(path, SH.inversePath))
                    links = list(store.quads_for_pattern(None, ox.NamedNode(inv), x, None))
                    for q in links:
                        store.remove(q)
                    ok = bool(links)
                if ok:
                    used.add(str(pool.pop(0)))
                    done.append(f"{shape.n3(shapes.namespace_manager)} {name} {path}")
    done += list(_node_level(store, used))
    return done


def _params(shapes: rdflib.Graph, prop: Any) -> Iterator[tuple[str, Any]]:
    for p, o in sorted(shapes.predicate_objects(prop)):
        name = str(p).removeprefix(str(SH))
        if name not in ("path", "message", "severity", "flags", "qualifiedMinCount"):
            yield name, o


def _node_level(store: ox.Store, used: set[str]) -> Iterator[str]:
    """The node-level constraints: sh:or over property shapes, sh:not, sh:sparql."""
    incidents = [x for x in _instances(store, ML + "MineIncident") if str(x) not in used]
    if incidents:  # no casualty figure at all (IncidentShape's sh:or)
        x = incidents[0]
        for p in ("killed", "injured", "victims"):
            _replace(store, x, ML + p, [])
        used.add(str(x))
        yield "IncidentShape or"
    events = [x for x in _instances(store, ML + "Event") if str(x) not in used]
    if events:  # alleged, and no claim supports it (EventShape's sh:or with sh:not)
        x = events[0]
        _replace(
            store,
            x,
            ML + "epistemicStatus",
            [ox.NamedNode("https://w3id.org/minelaw/vocab/epistemic-status-alleged")],
        )
        for q in list(store.quads_for_pattern(None, ox.NamedNode(ML + "supports"), x, None)):
            store.remove(q)
        used.add(str(x))
        yield "EventShape or/not"
    if len(events) > 1:  # every source speaks for one party (the SPARQL constraint)
        x = events[1]
        g = _graph_of(store, x)
        party = ox.NamedNode(MLR + "party-of-the-test")
        for q in _where(store, x, "http://purl.org/dc/terms/source"):
            store.add(ox.Quad(q.object, ox.NamedNode(ML + "interestedParty"), party, g))
        _replace(store, x, ML + "epistemicStatus", [])
        yield "InterestedOnlyEventShape sparql"
    sources = [x for x in _instances(store, ML + "Source") if str(x) not in used]
    if sources:  # preserved without a hash (SourcePreservationShape's sh:or of node shapes)
        x = sources[0]
        _replace(
            store,
            x,
            ML + "preservation",
            [ox.NamedNode("https://w3id.org/minelaw/vocab/preservation-preserved")],
        )
        _replace(store, x, ML + "sha256", [])
        _replace(store, x, ML + "accessed", [])
        _replace(store, x, ML + "researchNote", [])
        yield "SourcePreservationShape or; SourceShape or"


def fuzz(store: ox.Store, seed: int, share: float = 0.03, retyped: set[str] | None = None) -> int:
    """Delete or retype a ``share`` of the KB's triples at random; returns how many.  The
    subjects (N-Triples form) whose literal got another datatype are added to ``retyped``."""
    rng = random.Random(seed)
    quads = sorted(
        (q for g in _kb_graphs(store) for q in store.quads_for_pattern(None, None, None, g)),
        key=str,
    )
    changed = 0
    for q in quads:
        if rng.random() >= share:
            continue
        store.remove(q)
        changed += 1
        if isinstance(q.object, ox.Literal) and rng.random() < 0.5:  # retype instead of delete
            dt = rng.choice([XSD + "string", XSD + "integer", XSD + "date", XSD + "decimal"])
            store.add(ox.Quad(q.subject, q.predicate, _literal(q.object.value, dt), q.graph_name))
            if retyped is not None and dt != q.object.datatype.value:
                retyped.add(str(q.subject))
    return changed
