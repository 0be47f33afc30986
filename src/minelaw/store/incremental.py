"""Incremental store builds (issue 19): a new set of input files that differs from a cached
store's by added files, or by files that only gained triples, starts from that store.

Implements DESIGN.md section 6 ("Cache") incrementally, and the OWL 2 RL rules (W3C OWL 2
Profiles, section 4.3) on the delta, semi-naively: a consequence of the new store that the
cached one lacks uses a new triple.  So the compiled rules (:mod:`minelaw.store.owlrl`) run to
their fixpoint on a scratch store that holds the schema, the new triples and the existing
triples that the rules with several premises join them with (every triple of a transitive or
chain property, the values of the functional properties of the new triples' nodes); what they
derive that the store does not hold yet goes to ``graph:inferred``, and triples that are now
asserted leave it.  The result has the quads of a full build (blank node labels aside; tested).

A full build runs instead (:func:`plan` or :func:`build` return None) when a file was removed,
an ontology or rules file changed, an amendment is added or in the KB (its withdrawals cross
files), a changed file lost a triple or holds blank nodes (an
inference may have to be retracted), the KB holds restricted files (their inferences are kept
apart), the KB states schema (RDFS/OWL axioms) in its files, the cached store was built by the
exact reasoner, or the rules need it now (a functional property gets a second value).

:func:`build` also records which resources may now validate differently (``delta.json``: the
nodes of the new triples and those that reach them within three steps along a predicate the
entry shapes follow), so that the preflight revalidates only those
(:func:`minelaw.store.checks.preflight`), and the predicates and classes of every new triple
(asserted or inferred), so that the compliance rules rerun only the queries they can change
(:mod:`minelaw.reasoning.rulecache`).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .. import __version__
from ..namespaces import GRAPH, INFERRED_GRAPH, PREFIXES
from .owlrl import OWL, RDF, RDFS, _Schema, materialise_in_store
from .oxigraph import RDF_SUFFIXES, STORE_FORMAT, InputFile, parse_error

#: predicates that state schema: a KB file that uses one takes the full build
SCHEMA = {
    f"{RDFS}{p}" for p in ("subClassOf", "subPropertyOf", "domain", "range")
} | {
    f"{OWL}{p}"
    for p in (
        "equivalentClass", "equivalentProperty", "inverseOf", "propertyChainAxiom", "sameAs",
        "disjointWith", "onProperty", "unionOf", "intersectionOf", "hasKey",
    )
}  # fmt: skip
DELTA, CONTEXT, NEW = "urn:minelaw:delta", "urn:minelaw:context", "urn:minelaw:new"
HOPS = 3  # the entry shapes look at most three triples away from a focus node


@dataclass
class Plan:
    base: Path  # the cache folder to start from
    added: list[InputFile]
    changed: list[InputFile]


def inputs(files: Sequence[InputFile], digests: dict[Path, str], reasoner: str) -> str:
    """What ``inputs.json`` records of a store: format, version, reasoner and each file."""
    rows = [[f.kind, f.relpath, digests[f.path]] for f in files]
    info = {"format": STORE_FORMAT, "minelaw": __version__, "reasoner": reasoner, "inputs": rows}
    return json.dumps(info)


def plan(root: Path, files: Sequence[InputFile], digests: dict[Path, str]) -> Plan | None:
    """The cached store to start from (the one whose delta is smallest), if any."""
    if any(f.restricted for f in files) or not root.is_dir():
        return None
    new = {(f.kind, f.relpath): f for f in files}
    best: tuple[int, Plan] | None = None
    for folder in root.iterdir():
        info_file = folder / "inputs.json"
        if not (folder / "COMPLETE").is_file() or not info_file.is_file():
            continue
        try:
            info = json.loads(info_file.read_text(encoding="utf-8"))
            old = {(k, r): d for k, r, d in info["inputs"]}
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if (info.get("format"), info.get("minelaw"), info.get("reasoner")) != (
            STORE_FORMAT,
            __version__,
            "sparql",
        ) or any(k not in new for k in old):
            continue  # another format or reasoner, or a file was removed
        changed = [f for k, f in new.items() if k in old and old[k] != digests[f.path]]
        added = [f for k, f in new.items() if k not in old]
        if not (changed or added) or any(f.kind != "kb" for f in changed + added):
            continue
        size = sum(f.path.stat().st_size for f in changed + added)
        if best is None or size < best[0]:
            best = (size, Plan(folder, added, changed))
    return best[1] if best else None


def build(db: Path, p: Plan, files: Sequence[InputFile]) -> dict[str, list[str]] | None:
    """Build the new store at ``db`` from the plan's base; return the delta record (for
    ``delta.json``), or None when only a full build is correct (``db`` is then left empty)."""
    base = ox.Store.read_only(str(p.base / "db"))
    delta: list[ox.Quad] = []
    for f in p.changed:
        g = ox.NamedNode(f.graph)
        old = {
            ox.Triple(q.subject, q.predicate, q.object)
            for q in base.quads_for_pattern(None, None, None, g)
        }
        new = set(_parse(f))
        if not old <= new or any(_has_blank(t) for t in old | new):
            return None  # a triple went away: an inference may have to go too
        delta += [ox.Quad(t.subject, t.predicate, t.object, g) for t in new - old]
    for f in p.added:
        g = ox.NamedNode(f.graph)
        delta += [ox.Quad(t.subject, t.predicate, t.object, g) for t in _parse(f)]
    if _states_schema(delta) or _kb_states_schema(base) or _amends(delta, base):
        return None
    base.backup(str(db))  # a RocksDB checkpoint: hard links, no copy
    del base
    store = ox.Store(str(db))
    store.extend(delta)
    inferred = _delta_closure(store, delta, files)
    if inferred is None:
        del store
        shutil.rmtree(db, ignore_errors=True)
        return None
    graph = ox.NamedNode(INFERRED_GRAPH)
    store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in inferred)
    for q in delta:  # now asserted: no longer an inference
        store.remove(ox.Quad(q.subject, q.predicate, q.object, graph))
    store.flush()
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in delta] + list(inferred)
    record = _affected(store, triples, {q.graph_name.value for q in delta})  # type: ignore[union-attr]
    record["base"] = [p.base.name]
    # what the new triples are, for the rules cache (minelaw.reasoning.rulecache): a query
    # whose patterns name none of these predicates or classes keeps the base's answer
    kinds = {t.predicate.value for t in triples}
    record["predicates"] = sorted(kinds - {f"{RDF}type"})
    record["classes"] = sorted(
        {
            t.object.value
            for t in triples
            if t.predicate.value == f"{RDF}type" and not isinstance(t.object, ox.Triple)
        }
    )
    return record


def _amends(delta: Iterable[ox.Quad], base: ox.Store) -> bool:
    """Whether an amendment is new or already in the store: its withdrawals
    (:func:`minelaw.store.amendments.apply_retractions`) apply across graphs, so a delta could
    bring a withdrawn statement back or withdraw one the base holds: only a full build is right."""
    invalidated = ox.NamedNode(PREFIXES["prov"] + "invalidated")
    if any(q.predicate == invalidated for q in delta):
        return True
    return next(iter(base.quads_for_pattern(None, invalidated, None)), None) is not None


def _parse(f: InputFile) -> list[ox.Triple]:
    """The file's triples as a store holds them: a store keeps literals of numeric types in
    canonical form ("16.0"^^xsd:decimal reads back as "16"), so the file goes through one,
    or a changed file would seem to have lost its decimals."""
    scratch = ox.Store()
    try:
        scratch.load(path=str(f.path), format=RDF_SUFFIXES[f.path.suffix])
    except SyntaxError as exc:
        raise parse_error(exc, f.path) from exc
    return [ox.Triple(q.subject, q.predicate, q.object) for q in scratch]


def _has_blank(t: ox.Triple) -> bool:
    return isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)


def _states_schema(quads: Iterable[ox.Quad | ox.Triple]) -> bool:
    for q in quads:
        if q.predicate.value in SCHEMA:
            return True
        kind = q.object.value if isinstance(q.object, ox.NamedNode) else ""
        if q.predicate.value == f"{RDF}type" and kind.startswith((OWL, RDFS)):
            return True
    return False


def _kb_states_schema(store: ox.Store) -> bool:
    preds = " ".join(f"<{p}>" for p in SCHEMA)
    kb = f"{GRAPH}kb/"
    return bool(
        store.query(
            f"ASK {{ GRAPH ?g {{ ?s ?p ?o }} VALUES ?p {{ {preds} }} "
            f"FILTER(STRSTARTS(STR(?g), '{kb}')) }}"
        )
    )


def _delta_closure(
    store: ox.Store, delta: Sequence[ox.Quad], files: Sequence[InputFile]
) -> set[ox.Triple] | None:
    """The RL consequences that the new triples add, not yet in ``store``; None when the
    compiled rules decline (the exact reasoner would be needed)."""
    scratch = ox.Store()
    schema_graphs = [f.graph for f in files if f.kind != "kb"]
    for g in schema_graphs:
        name = ox.NamedNode(g)
        scratch.extend(store.quads_for_pattern(None, None, None, name))
    dg, cg = ox.NamedNode(DELTA), ox.NamedNode(CONTEXT)
    scratch.extend(ox.Quad(q.subject, q.predicate, q.object, dg) for q in delta)
    schema = _Schema(scratch, schema_graphs)
    # what the rules with several premises join the new triples with
    joined = set(schema.transitive)
    for parts in schema.chains.values():
        joined |= set(parts[1:])
        if {q.predicate.value for q in delta} & (set(parts[1:]) | schema.transitive):
            joined.add(parts[0])
    for p in sorted(joined):
        for q in store.quads_for_pattern(None, ox.NamedNode(p), None, None):
            scratch.add(ox.Quad(q.subject, q.predicate, q.object, cg))
    nodes = {q.subject for q in delta} | {
        q.object for q in delta if not isinstance(q.object, ox.Literal)
    }
    for p in sorted(schema.functional):
        for node in nodes:
            for q in store.quads_for_pattern(node, ox.NamedNode(p), None, None):
                scratch.add(ox.Quad(q.subject, q.predicate, q.object, cg))
    if materialise_in_store(scratch, NEW, [*schema_graphs, DELTA, CONTEXT]) is None:
        return None
    out = set()
    for q in scratch.quads_for_pattern(None, None, None, ox.NamedNode(NEW)):
        if (
            next(iter(store.quads_for_pattern(q.subject, q.predicate, q.object, None)), None)
            is None
        ):
            out.add(ox.Triple(q.subject, q.predicate, q.object))
    return out


def _affected(
    store: ox.Store, triples: Sequence[ox.Triple], graphs: set[str]
) -> dict[str, list[str]]:
    """The resources whose validation may change: the nodes of the new triples, and the nodes
    that reach their subjects within ``HOPS`` steps along a predicate the entry shapes use.
    Blank nodes are covered by their graphs (``graphs``: every subject in them)."""
    from ..resources import data_dir

    predicates = _shape_predicates(data_dir("rules") / "entries")
    iris = {t.object.value for t in triples if isinstance(t.object, ox.NamedNode)}
    frontier = {t.subject for t in triples}
    seen = set(frontier)
    for _ in range(HOPS):
        nxt = set()
        for node in frontier:
            for p in predicates:
                for q in store.quads_for_pattern(None, ox.NamedNode(p), node, None):
                    if q.subject not in seen:
                        nxt.add(q.subject)
        seen |= nxt
        frontier = nxt
    for node in seen:
        if isinstance(node, ox.NamedNode):
            iris.add(node.value)
        else:  # a blank node that reaches a new triple: its file's subjects are revalidated
            for q in store.quads_for_pattern(node, None, None, None):
                graphs.add(q.graph_name.value)  # type: ignore[union-attr]
    return {"iris": sorted(iris), "graphs": sorted(graphs - {INFERRED_GRAPH})}


def _shape_predicates(folder: Path) -> set[str]:
    """Every IRI the entry shapes mention (a superset of the predicates their paths and
    SPARQL constraints follow): cheap and safe."""
    import re

    out = set()
    for f in sorted(folder.glob("*.ttl")):
        for t in ox.parse(path=str(f), format=ox.RdfFormat.TURTLE):
            for term in (t.subject, t.object):
                if isinstance(term, ox.NamedNode):
                    out.add(term.value)
            if isinstance(t.object, ox.Literal) and t.predicate.value.endswith("#select"):
                out |= set(re.findall(r"<([^>]+)>", t.object.value))
                out |= _prefixed(f, t.object.value)
    return {p for p in out if not p.startswith("http://www.w3.org/ns/shacl#")}


def _prefixed(f: Path, text: str) -> set[str]:
    """The prefixed names of a SPARQL constraint, expanded with the prefixes its file declares."""
    import re

    declared = dict(
        re.findall(
            r'sh:prefix\s+"(\w+)"\s*;\s*sh:namespace\s+"([^"]+)"', f.read_text(encoding="utf-8")
        )
    )
    return {
        declared[p] + local for p, local in re.findall(r"\b(\w+):([\w-]+)", text) if p in declared
    }
