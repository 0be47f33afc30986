"""Reasoning: OWL 2 RL materialisation and the OWL 2 DL consistency check.

- :func:`materialise` runs the OWL 2 RL rules (W3C OWL 2 Profiles, section 4.3)
  inside the store (:mod:`minelaw.store.owlrl`; the Rust engine ``reasonable`` is the
  exact fallback) over the ontology and the KB, and writes the
  consequences that were not asserted (class and property hierarchy, inverses,
  transitive ``ml:partOf``) into ``graph:inferred``.  Rules and queries can then
  rely on, e.g., ``?x a ml:Actor`` for every state.
- :func:`disjointness_violations` finds individuals that fall into two disjoint
  classes (OWL 2 RL rule cax-dw) and names the files that typed them.
- :func:`dl_consistency` runs HermiT (via owlready2, needs Java) on the ontology
  and the law only: HermiT does not finish on thousands of dated individuals and
  rejects ``xsd:date``, so dates are converted to ``xsd:dateTime`` for this check
  and case data is left to the RL and SHACL checks (DESIGN.md section 6).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from ..errors import ReasonerUnavailable
from ..namespaces import INFERRED_GRAPH, INFERRED_RESTRICTED_GRAPH

if TYPE_CHECKING:
    from .oxigraph import EmbeddedStore, InputFile

XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"


FUNCTIONAL = f"<{OWL}FunctionalProperty>"
SAME_AS = f"<{OWL}sameAs>"
DISJOINT = f"<{OWL}disjointWith>"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def _rl_consequences(files: Sequence[InputFile]) -> set[tuple[str, str, str]]:
    """OWL 2 RL consequences of ``files`` that were not asserted, as N-Triples terms.

    ``reasonable`` evaluates rules prp-fp (functional properties) and cax-dw
    (disjoint classes) with joins whose cost grows with the square of the
    individuals involved (10,000 sources sharing a grade: 8 s and 3.6 GB; at
    100,000 incidents, over 2 minutes and 15 GB).  So the ontology's
    ``owl:FunctionalProperty`` and ``owl:disjointWith`` axioms are withheld from
    the reasoner (issue 9).  cax-dw yields no triples (an inconsistency, which
    :func:`disjointness_violations` reports by SPARQL), and prp-fp is applied here:
    when every subject has one value per functional property, its only
    consequences are ``y owl:sameAs y`` for each value ``y``.  If some subject has
    two values, the closure is recomputed from the files as they are (the exact,
    slow path).  The result equals the plain run's (tested).
    """
    functional: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="minelaw-rl-") as tmp:
        paths = []
        for i, f in enumerate(files):
            if f.kind == "kb":  # the data: loaded as is (and never parsed twice)
                paths.append(str(f.path))
                continue
            # ontology and rules files are small: drop their FunctionalProperty declarations
            fmt = ox.RdfFormat.N_TRIPLES if f.path.suffix == ".nt" else ox.RdfFormat.TURTLE
            kept, dropped = [], False
            for t in ox.parse(path=str(f.path), format=fmt):
                if str(t.predicate) == RDF_TYPE and str(t.object) == FUNCTIONAL:
                    functional.add(str(t.subject))
                    dropped = True
                elif str(t.predicate) == DISJOINT:
                    dropped = True
                else:
                    kept.append(f"{t.subject} {t.predicate} {t.object} .")
            if not dropped:
                paths.append(str(f.path))
                continue
            out = Path(tmp) / f"{i}.ttl"  # N-Triples is Turtle; reasonable reads .ttl
            out.write_text("\n".join(kept) + "\n", encoding="utf-8")
            paths.append(str(out))
        if not functional:
            return _rl_run(paths)
        inferred, values = _rl_run(paths, functional)
        if values is None:  # a subject with two values of a functional property
            return _rl_run([str(f.path) for f in files])
        for y in values:
            inferred.add((y, SAME_AS, y))
        return inferred


def _rl_run(paths: Sequence[str], functional: set[str] | None = None) -> Any:
    """Run ``reasonable`` on ``paths``; with ``functional``, also return their values.

    Returns the unasserted consequences, or (consequences, values of the
    ``functional`` properties, None if a subject has two values of one of them).
    """
    import rdflib
    import reasonable

    reasoner = reasonable.PyReasoner()
    for path in paths:
        reasoner.load_file(path)
    base = {tuple(t) for t in reasoner.get_base_triples()}
    triples = reasoner.reason()
    fset = {rdflib.URIRef(iri[1:-1]) for iri in functional or ()}
    seen: dict[tuple[str, str], str] = {}
    clash = False
    for s, p, o in triples if fset else ():
        if p in fset:
            o3 = o.n3()
            if seen.setdefault((s.n3(), p.n3()), o3) != o3:
                clash = True
    out = set()
    for s, p, o in {tuple(t) for t in triples} - base:
        # reasonable returns rdflib terms; keep only well-formed RDF (no literal subjects)
        if s.__class__.__name__ == "Literal" or p.__class__.__name__ != "URIRef":
            continue
        if o.__class__.__name__ == "BNode" or s.__class__.__name__ == "BNode":
            continue  # blank nodes do not survive a round trip; the rules never need them
        out.add((s.n3(), p.n3(), o.n3()))
    if functional is None:
        return out
    if clash:
        return out, None
    values = {
        o
        for o in seen.values()
        if not o.startswith(('"', "_:"))  # sameAs of literals or blank nodes is dropped anyway
    }
    return out, values


def materialise(store: ox.Store, files: Sequence[InputFile], how: list[str] | None = None) -> int:
    """Compute OWL 2 RL consequences into ``graph:inferred``; return their count.

    Consequences of public files go to ``graph:inferred``.  What restricted files
    add (e.g. the inferred types of a restricted individual) goes to
    ``graph:inferred-restricted``, which is hidden exactly like the restricted
    files themselves, so nothing confidential leaks through inference.

    The rules run inside the store (:mod:`minelaw.store.owlrl`); when the schema needs a
    rule that module does not compile, the exact path through ``reasonable`` runs
    instead.  Either way the consequences are the same, except that ``reasonable``
    also types every subject ``owl:Thing``, which no rule, query or template uses.
    ``how``, if given, receives the path taken: "sparql" or "reasonable".
    """
    from .owlrl import count, materialise_in_store

    public = [f for f in files if not f.restricted]
    how = how if how is not None else []
    n = materialise_in_store(store, INFERRED_GRAPH, [f.graph for f in public])
    if n is not None and len(public) == len(files):
        how.append("sparql")
        return n
    if n is not None:
        scratch = INFERRED_GRAPH + "-scratch"
        extra = materialise_in_store(store, scratch, [f.graph for f in files])
        if extra is not None:
            g, r = f"<{scratch}>", f"<{INFERRED_RESTRICTED_GRAPH}>"
            store.update(
                f"INSERT {{ GRAPH {r} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {g} {{ ?s ?p ?o }} "
                f"FILTER NOT EXISTS {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }} }}"
            )
            store.update(f"DROP GRAPH {g}")
            how.append("sparql")
            return n + count(store, INFERRED_RESTRICTED_GRAPH)
        store.update(f"DROP SILENT GRAPH <{INFERRED_GRAPH}>")
    how.append("reasonable")
    return _materialise_exact(store, files, public)


def _materialise_exact(
    store: ox.Store, files: Sequence[InputFile], public: Sequence[InputFile]
) -> int:
    """The exact path: every OWL 2 RL rule, by ``reasonable`` (slow at scale), then minelaw's
    rule beyond RL (``ml:reflexiveOn``, :func:`minelaw.store.owlrl.reflexive_in_store`)."""
    from .owlrl import count, reflexive_in_store

    inferred = _rl_consequences(public)
    extra: set[tuple[str, str, str]] = set()
    if len(public) < len(files):
        extra = _rl_consequences(files) - inferred
    for graph, triples in ((INFERRED_GRAPH, inferred), (INFERRED_RESTRICTED_GRAPH, extra)):
        if triples:
            data = "\n".join(f"{s} {p} {o} ." for s, p, o in sorted(triples))
            store.load(
                data.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph)
            )
    reflexive_in_store(store, INFERRED_GRAPH, [f.graph for f in public])
    if len(public) < len(files):
        reflexive_in_store(
            store, INFERRED_RESTRICTED_GRAPH, [f.graph for f in files] + [INFERRED_GRAPH]
        )
    return count(store, INFERRED_GRAPH) + count(store, INFERRED_RESTRICTED_GRAPH)


@dataclass(frozen=True)
class Disjointness:
    individual: str
    class_a: str
    class_b: str
    files: tuple[str, ...]


_DISJOINT_Q = """
SELECT DISTINCT ?x ?a ?b WHERE {
  ?a owl:disjointWith ?b .
  ?x a ?a .
  ?x a ?b .
}"""

_TYPED_IN_Q = """
SELECT DISTINCT ?g WHERE {
  GRAPH ?g { <%s> a ?t }
  FILTER(?g != <%s>)
}"""


def disjointness_violations(store: EmbeddedStore) -> list[Disjointness]:
    """Individuals typed (directly or by inference) in two disjoint classes."""
    out = []
    seen: set[tuple[str, frozenset[str]]] = set()
    res = store.query(_DISJOINT_Q)
    for row in res.rows:
        x = row["x"].value  # type: ignore[union-attr]
        pair = frozenset({row["a"].value, row["b"].value})  # type: ignore[union-attr]
        if (x, pair) in seen:
            continue
        seen.add((x, pair))
        graphs = store.query(_TYPED_IN_Q % (x, INFERRED_GRAPH)).values("g")
        files = []
        for g in graphs:
            f = store.file_of_graph(g)
            files.append(str(f.path) if f else g)
        out.append(
            Disjointness(
                x,
                row["a"].value,  # type: ignore[union-attr]
                row["b"].value,  # type: ignore[union-attr]
                tuple(sorted(files)),
            )
        )
    return out


@dataclass(frozen=True)
class DLResult:
    consistent: bool
    reasoner: str
    triples: int
    seconds: float
    message: str = ""


def java_available() -> bool:
    return shutil.which("java") is not None


def dl_consistency(files: Sequence[InputFile]) -> DLResult:
    """OWL 2 DL consistency of the given files with HermiT (owlready2).

    Raises :class:`ReasonerUnavailable` when Java is missing, so that the caller
    can say so and skip only this step.
    """
    import time

    import rdflib

    if not java_available():
        raise ReasonerUnavailable(
            "OWL 2 DL consistency check skipped: no Java runtime found (HermiT needs one)",
            hint="install a Java runtime, e.g. `apt-get install default-jre-headless`",
        )
    import owlready2

    g = rdflib.Graph()
    for f in files:
        g.parse(str(f.path), format="turtle")
    g.remove((None, rdflib.OWL.imports, None))
    _make_hermit_friendly(g)
    with tempfile.TemporaryDirectory() as tmp:
        nt = Path(tmp) / "dl.nt"
        g.serialize(nt, format="nt", encoding="utf-8")
        world = owlready2.World()
        onto = world.get_ontology(nt.as_uri()).load()
        start = time.perf_counter()
        try:
            with onto:
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError as exc:
            return DLResult(False, "HermiT", len(g), time.perf_counter() - start, str(exc))
        except owlready2.OwlReadyJavaError as exc:
            raise ReasonerUnavailable(f"HermiT failed to run: {str(exc)[-400:]}") from exc
        finally:
            world.close()
        return DLResult(True, "HermiT", len(g), time.perf_counter() - start)


def _make_hermit_friendly(g: object) -> None:
    """Convert xsd:date to xsd:dateTime (HermiT rejects xsd:date) and drop GeoSPARQL WKT."""
    import rdflib

    assert isinstance(g, rdflib.Graph)
    date, dt = rdflib.XSD.date, rdflib.XSD.dateTime
    for s, p, o in list(g):
        if isinstance(o, rdflib.Literal) and o.datatype == date:
            g.remove((s, p, o))
            g.add((s, p, rdflib.Literal(f"{o}T00:00:00Z", datatype=dt)))
        elif isinstance(o, rdflib.Literal) and o.datatype and "geosparql" in str(o.datatype):
            g.remove((s, p, o))
        elif o == date:
            g.remove((s, p, o))
            g.add((s, p, dt))
