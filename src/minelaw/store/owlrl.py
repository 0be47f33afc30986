"""OWL 2 RL materialisation inside the store: the schema compiled into SPARQL updates.

Implements the OWL 2 RL/RDF rules (W3C OWL 2 Profiles, section 4.3) that the
ontology's axioms can fire, for the vocabulary it uses:

- ``prp-spo1``, ``prp-eqp1/2``, ``prp-inv1/2``, ``prp-symp`` (tables 5 and 6): property
  hierarchy, equivalence, inverses and symmetry, compiled once per asserted property
  into the set of properties (and directions) its triples imply;
- ``prp-trp``: transitive properties, closed in Python over their (few) triples;
- ``prp-spo2``: property chains (``ml:locatedWithin``: an event's place and every place
  that contains it), one join per chain after the transitive closure;
- ``prp-dom``, ``prp-rng``, ``cax-sco``, ``cax-eqc1/2``, ``scm-sco``, ``scm-eqc1/2``:
  types from domains, ranges and the (transitively closed) class hierarchy;
- ``prp-fp``: functional properties.  When every subject has one value per functional
  property, the only consequences are ``y owl:sameAs y`` for each IRI value ``y``.

One rule beyond OWL 2 RL, which has no reflexive properties: ``p ml:reflexiveOn C`` relates
every instance of ``C`` to itself by ``p`` (:func:`reflexive_in_store`).  The ontology uses it
for the derived closures ``ml:actsFor`` (an actor and what it is an organ of) and ``ml:within``
(a place and what contains it), so that rules read one triple instead of the paths
``ml:organOf*`` and ``ml:partOf*`` (docs/team-server.md, difference 41).

Each rule becomes a few ``INSERT ... WHERE`` updates that Oxigraph runs in Rust, so no
triple of the data crosses into Python (issue 9: the previous path through the
``reasonable`` engine spent 65 s of a 87 s cold load at 100,000 incidents converting
its triples to Python objects).  :func:`materialise_in_store` returns ``None`` when the
schema uses a construct outside this set (restrictions, unions, intersections,
chains over chains, keys, ``owl:sameAs`` in the data) or a subject has two values of a
functional property (``eq-*`` rules would fire); the caller then takes the exact,
slower path through ``reasonable``.  Tests check that both paths give the same
consequences.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import pyoxigraph as ox

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
TYPE = f"<{RDF}type>"

#: Schema terms that fire RL rules outside the compiled set: with any of them, take the exact path.
UNSUPPORTED = [
    f"{OWL}{name}"
    for name in (
        "Restriction",
        "onProperty",
        "unionOf",
        "intersectionOf",
        "complementOf",
        "oneOf",
        "hasKey",
        "sameAs",
        "InverseFunctionalProperty",
        "hasValue",
        "someValuesFrom",
        "allValuesFrom",
        "maxCardinality",
        "maxQualifiedCardinality",
    )
]

_SCHEMA_Q = "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } VALUES ?p { %(preds)s } %(graphs)s }"

_KIND_Q = """
SELECT ?s ?k WHERE {
  GRAPH ?g { ?s a ?k }
  VALUES ?k { <%(owl)sTransitiveProperty> <%(owl)sSymmetricProperty> <%(owl)sFunctionalProperty> }
  %(graphs)s
}"""


#: minelaw's one rule beyond OWL 2 RL (see the module docstring)
REFLEXIVE_ON = "https://w3id.org/minelaw/ontology#reflexiveOn"

_REFLEXIVE_Q = """
SELECT ?p ?c WHERE { GRAPH ?g { ?p <%(reflexive)s> ?c } %(graphs)s }"""

_CHAIN_Q = """
SELECT ?p ?l WHERE { GRAPH ?g { ?p <%(owl)spropertyChainAxiom> ?l } %(graphs)s }"""


def _rdf_list(store: ox.Store, head: object) -> list[str]:
    """The IRIs of an RDF collection, in order."""
    out: list[str] = []
    first, rest = ox.NamedNode(f"{RDF}first"), ox.NamedNode(f"{RDF}rest")
    node = head
    while isinstance(node, ox.BlankNode | ox.NamedNode) and node != ox.NamedNode(f"{RDF}nil"):
        items = [q.object for q in store.quads_for_pattern(node, first, None, None)]
        out += [i.value for i in items if isinstance(i, ox.NamedNode)]
        nxt = [q.object for q in store.quads_for_pattern(node, rest, None, None)]
        node = nxt[0] if nxt else None
    return out


def _graph_filter(graphs: Sequence[str]) -> str:
    names = " ".join(f"<{g}>" for g in graphs)
    return f"VALUES ?g {{ {names} }}"


def _select(store: ox.Store, query: str) -> ox.QuerySolutions:
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    return result


def _closure(edges: dict[str, set[str]], start: str) -> set[str]:
    """``start`` and everything reachable from it."""
    seen, todo = {start}, [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


class _Schema:
    """The RL-relevant axioms, read from the allowed graphs of the store."""

    def __init__(self, store: ox.Store, graphs: Sequence[str]) -> None:
        fmt = {"rdfs": RDFS, "owl": OWL, "rdf": RDF, "graphs": _graph_filter(graphs)}
        self.sub_class: dict[str, set[str]] = defaultdict(set)
        self.sub_prop: dict[str, set[str]] = defaultdict(set)
        self.domain: dict[str, set[str]] = defaultdict(set)
        self.range: dict[str, set[str]] = defaultdict(set)
        self.inverse: dict[str, set[str]] = defaultdict(set)
        self.kinds: dict[str, set[str]] = defaultdict(set)
        # each axiom: the relation it adds to, and whether it holds both ways
        axioms = {
            f"{RDFS}subClassOf": (self.sub_class, False),
            f"{OWL}equivalentClass": (self.sub_class, True),
            f"{RDFS}subPropertyOf": (self.sub_prop, False),
            f"{OWL}equivalentProperty": (self.sub_prop, True),
            f"{RDFS}domain": (self.domain, False),
            f"{RDFS}range": (self.range, False),
            f"{OWL}inverseOf": (self.inverse, True),
        }
        preds = " ".join(f"<{p}>" for p in axioms)
        for row in _select(store, _SCHEMA_Q % {**fmt, "preds": preds}):
            s, o = row["s"], row["o"]
            if not isinstance(s, ox.NamedNode) or not isinstance(o, ox.NamedNode):
                continue  # blank-node class expressions are caught by UNSUPPORTED
            relation, both_ways = axioms[row["p"].value]
            relation[s.value].add(o.value)
            if both_ways:
                relation[o.value].add(s.value)
        self.chains: dict[str, list[str]] = {}
        for row in _select(store, _CHAIN_Q % fmt):
            if isinstance(row["p"], ox.NamedNode):
                self.chains[row["p"].value] = _rdf_list(store, row["l"])
        for row in _select(store, _KIND_Q % fmt):
            if isinstance(row["s"], ox.NamedNode):
                self.kinds[row["k"].value].add(row["s"].value)
        self.reflexive: dict[str, set[str]] = defaultdict(set)
        for row in _select(store, _REFLEXIVE_Q % {**fmt, "reflexive": REFLEXIVE_ON}):
            if isinstance(row["p"], ox.NamedNode) and isinstance(row["c"], ox.NamedNode):
                self.reflexive[row["p"].value].add(row["c"].value)

    def chains_are_simple(self) -> bool:
        """No chain reads what a chain (or a transitive property) derives from chains."""
        derived = {q for p in self.chains for q, _ in self.implied(p)}
        return all(not (set(parts) & derived) for parts in self.chains.values()) and not (
            derived & self.transitive
        )

    @property
    def symmetric(self) -> set[str]:
        return self.kinds[f"{OWL}SymmetricProperty"]

    @property
    def transitive(self) -> set[str]:
        return self.kinds[f"{OWL}TransitiveProperty"]

    @property
    def functional(self) -> set[str]:
        return self.kinds[f"{OWL}FunctionalProperty"]

    def supers(self, cls: str) -> set[str]:
        return _closure(self.sub_class, cls)

    def implied(self, prop: str) -> set[tuple[str, bool]]:
        """(property, flipped) pairs that a triple of ``prop`` implies, itself included."""
        seen = {(prop, False)}
        todo = [(prop, False)]
        while todo:
            q, flip = todo.pop()
            nxt = [(s, flip) for s in self.sub_prop.get(q, ())]
            nxt += [(i, not flip) for i in self.inverse.get(q, ())]
            if q in self.symmetric:
                nxt.append((q, not flip))
            for item in nxt:
                if item not in seen:
                    seen.add(item)
                    todo.append(item)
        return seen

    def properties(self) -> set[str]:
        """Every property with a consequence of its own."""
        return (
            set(self.sub_prop)
            | set(self.inverse)
            | set(self.domain)
            | set(self.range)
            | self.symmetric
            | self.transitive
            | set(self.chains)
        )


def _insert(target: str, template: str, pattern: str, keep: str, graphs: str) -> str:
    """``INSERT`` of ``template`` for each distinct ``keep`` binding of ``pattern`` (an IRI).

    DISTINCT before the insert matters: inserting the same triple again costs as much as
    inserting it once (0.30 s vs 0.05 s for one property at 100,000 incidents).
    """
    return (
        f"INSERT {{ GRAPH <{target}> {{ {template} }} }} WHERE {{ SELECT DISTINCT {keep} WHERE "
        f"{{ GRAPH ?g {{ {pattern} }} {graphs} FILTER(isIRI({keep.split()[0]})) }} }}"
    )


def _uses_unsupported(store: ox.Store, graphs: str) -> bool:
    for term in UNSUPPORTED:
        for pattern in (f"?s <{term}> ?o", f"?s a <{term}>"):
            if store.query(f"ASK {{ GRAPH ?g {{ {pattern} }} {graphs} }}"):
                return True
    return False


def materialise_in_store(store: ox.Store, target: str, graphs: Sequence[str]) -> int | None:
    """Write the unasserted RL consequences of the named graphs ``graphs`` into the named
    graph ``target``; return their count, or None when the exact path is needed (nothing
    is written then)."""
    tgt = f"<{target}>"
    in_store = {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)} - {target}
    everything = in_store <= set(graphs)
    # read only the allowed graphs (no filter when they are all the store holds), and with
    # ``src_t`` also what is derived so far: the derivations are closed sets, so each pass
    # needs only the output of the passes before it
    src = "" if everything else _graph_filter(graphs)
    src_t = "" if everything else _graph_filter([*graphs, target])
    if _uses_unsupported(store, src):
        return None
    schema = _Schema(store, graphs)
    if not schema.chains_are_simple():
        return None

    # prp-spo1, prp-eqp, prp-inv, prp-symp: one update per (asserted, implied) property pair
    for prop in sorted(schema.properties()):
        for q, flip in sorted(schema.implied(prop)):
            if (q, flip) != (prop, False):
                s, o = ("?o", "?s") if flip else ("?s", "?o")
                store.update(_insert(target, f"{s} <{q}> {o}", f"?s <{prop}> ?o", f"{s} {o}", src))

    # prp-trp: transitive closure (with the implications of each new triple), to a fixpoint
    added = True
    while added:
        added = False
        for prop in sorted(schema.transitive):
            edges: dict[str, set[str]] = defaultdict(set)
            q = f"SELECT DISTINCT ?s ?o WHERE {{ GRAPH ?g {{ ?s <{prop}> ?o }} {src_t} }}"
            for row in _select(store, q):
                if isinstance(row["s"], ox.NamedNode) and isinstance(row["o"], ox.NamedNode):
                    edges[row["s"].value].add(row["o"].value)
            for a in list(edges):
                for b in _closure(edges, a) - {a} - edges[a]:
                    added = True
                    for q2, flip in schema.implied(prop):
                        x, y = (b, a) if flip else (a, b)
                        store.add(
                            ox.Quad(
                                ox.NamedNode(x),
                                ox.NamedNode(q2),
                                ox.NamedNode(y),
                                ox.NamedNode(target),
                            )
                        )

    # prp-spo2: property chains (over the closed properties), then what their triples imply
    for prop, parts in sorted(schema.chains.items()):
        steps = " ".join(
            f"GRAPH ?g{i} {{ ?x{i} <{part}> ?x{i + 1} }} {src_t.replace('?g', f'?g{i}')}"
            for i, part in enumerate(parts)
        )
        last = f"?x{len(parts)}"
        for q, flip in sorted(schema.implied(prop)):
            s, o = (last, "?x0") if flip else ("?x0", last)
            store.update(
                f"INSERT {{ GRAPH {tgt} {{ {s} <{q}> {o} }} }} WHERE {{ SELECT DISTINCT ?x0 {last} "
                f"WHERE {{ {steps} FILTER(isIRI({s})) }} }}"
            )

    # prp-fp: one value per subject, or the exact path (eq-* rules would fire)
    for prop in sorted(schema.functional):
        clash = store.query(
            f"ASK {{ {{ SELECT ?x WHERE {{ GRAPH ?g {{ ?x <{prop}> ?y }} {src_t} }} "
            "GROUP BY ?x HAVING (COUNT(DISTINCT ?y) > 1) } }"
        )
        if clash:
            store.update(f"DROP SILENT GRAPH {tgt}")
            return None
        # with one value per subject, prp-fp gives y owl:sameAs y
        store.update(_insert(target, f"?y <{OWL}sameAs> ?y", f"?x <{prop}> ?y", "?y", src_t))

    # prp-dom, prp-rng (with cax-sco over the closed class hierarchy)
    for prop in sorted(set(schema.domain) | set(schema.range)):
        for role, classes in (("?s", schema.domain.get(prop)), ("?o", schema.range.get(prop))):
            closed = set().union(*(schema.supers(c) for c in classes)) if classes else set()
            if closed:
                types = " . ".join(f"{role} a <{c}>" for c in sorted(closed))
                store.update(_insert(target, types, f"?s <{prop}> ?o", role, src_t))
    # cax-sco, cax-eqc: every individual typed in the files gets its classes' superclasses
    for cls in sorted(schema.sub_class):
        closed = schema.supers(cls) - {cls}
        if closed:
            types = " . ".join(f"?x a <{c}>" for c in sorted(closed))
            store.update(_insert(target, types, f"?x a <{cls}>", "?x", src))
    # scm-sco, scm-eqc: the class hierarchy's closure
    sub_class_of = ox.NamedNode(f"{RDFS}subClassOf")
    for cls in sorted(schema.sub_class):
        for sup in sorted(schema.supers(cls) - {cls}):
            store.add(
                ox.Quad(ox.NamedNode(cls), sub_class_of, ox.NamedNode(sup), ox.NamedNode(target))
            )

    # ml:reflexiveOn, over the closed types
    _reflexive(store, schema, target, src_t)

    # keep only what was not asserted
    store.update(
        f"DELETE {{ GRAPH {tgt} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {tgt} {{ ?s ?p ?o }} "
        f"GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != {tgt}) {src} }}"
    )
    return count(store, target)


def _reflexive(store: ox.Store, schema: _Schema, target: str, graphs: str) -> None:
    for prop, classes in sorted(schema.reflexive.items()):
        for cls in sorted(classes):
            for q, _flip in sorted(schema.implied(prop)):
                store.update(_insert(target, f"?x <{q}> ?x", f"?x a <{cls}>", "?x", graphs))


def reflexive_in_store(store: ox.Store, target: str, graphs: Sequence[str]) -> None:
    """minelaw's rule beyond OWL 2 RL (``ml:reflexiveOn``) alone, over the named graphs
    ``graphs`` and ``target``, into ``target``: for the exact path, whose reasoner knows
    only OWL 2 RL.  What the graphs already state is not written again."""
    _reflexive(store, _Schema(store, graphs), target, _graph_filter([*graphs, target]))
    tgt = f"<{target}>"
    store.update(
        f"DELETE {{ GRAPH {tgt} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {tgt} {{ ?s ?p ?o }} "
        f"GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != {tgt}) {_graph_filter(graphs)} }}"
    )


def count(store: ox.Store, graph: str) -> int:
    """The number of triples in the named graph ``graph``."""
    return sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
