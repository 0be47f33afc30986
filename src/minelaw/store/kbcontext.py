"""What entry validation asks of the knowledge base, by bounded SPARQL queries (issue 7).

Implements the "cost does not grow with the KB" part of DESIGN.md section 6: every
question about existing resources is a VALUES-bound query over the IRIs a submission
mentions (in chunks of 400) on the cached embedded store, plus the ontology's property
and class declarations read once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import pyoxigraph as ox

from ..namespaces import INFERRED_GRAPH, PREFIXES
from .oxigraph import EmbeddedStore

ML, RDFS = PREFIXES["ml"], PREFIXES["rdfs"]


def short(iri: str) -> str:
    for p, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{p}:{iri[len(ns) :]}"
    return f"<{iri}>"


def _values(iris: Iterable[str]) -> str:
    return " ".join(str(ox.NamedNode(i)) for i in iris)


def _chunks(items: Sequence[str], n: int = 400) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


class KbContext:
    """What validation needs from the store, fetched by bounded SPARQL queries."""

    def __init__(
        self, store: EmbeddedStore, restricted: bool = False, public_only: bool = False
    ) -> None:
        """``restricted``: the entry may cite restricted resources.  ``public_only``: answer
        every question from the public graphs alone (the web UI's anonymous /validate, which
        must not reveal that a restricted identifier exists)."""
        public = EmbeddedStore(store.store, store.files, store.key, store.cached, False)
        self.full = (
            public
            if public_only
            else EmbeddedStore(store.store, store.files, store.key, store.cached, True)
        )
        self.visible = self.full if restricted else public
        self.props: dict[str, str] = {}
        self.ranges: dict[str, set[str]] = {}
        self.classes: dict[str, str] = {}
        self.supers: dict[str, set[str]] = {}
        for r in self.full.query(
            "SELECT ?p ?k ?r WHERE { VALUES ?k { owl:ObjectProperty owl:DatatypeProperty "
            "owl:AnnotationProperty } ?p a ?k OPTIONAL { ?p rdfs:range ?r } }"
        ).rows:
            p = r["p"].value  # type: ignore[union-attr]
            self.props.setdefault(p, r["k"].value.rsplit("#", 1)[-1])  # type: ignore[union-attr]
            if r.get("r") is not None:
                self.ranges.setdefault(p, set()).add(r["r"].value)  # type: ignore[union-attr]
        for r in self.full.query(
            "SELECT ?c ?l WHERE { ?c a owl:Class OPTIONAL { ?c rdfs:label ?l } }"
        ).rows:
            self.classes[r["c"].value] = r["l"].value if r.get("l") else short(r["c"].value)  # type: ignore[union-attr]
        for r in self.full.query("SELECT ?a ?b WHERE { ?a rdfs:subClassOf ?b }").rows:
            self.supers.setdefault(r["a"].value, set()).add(r["b"].value)  # type: ignore[union-attr]

    def specific(self, types: set[str]) -> set[str]:
        """The most specific minelaw classes among ``types``."""
        own = {t for t in types if t.startswith(ML)}
        return {t for t in own if not any(t in self.closure([u]) - {u} for u in own)}

    def closure(self, cls: Iterable[str]) -> set[str]:
        out, todo = set(), list(cls)
        while todo:
            c = todo.pop()
            if c not in out:
                out.add(c)
                todo.extend(self.supers.get(c, ()))
        return out

    def _pairs(
        self, store: EmbeddedStore, iris: Iterable[str], pattern: str
    ) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for chunk in _chunks(sorted(set(iris))):
            q = f"SELECT ?x ?y WHERE {{ VALUES ?x {{ {_values(chunk)} }} {pattern} }}"
            for r in store.query(q).rows:
                out.setdefault(r["x"].value, set()).add(r["y"].value)  # type: ignore[union-attr]
        return out

    def types(self, iris: Iterable[str], visible: bool = True) -> dict[str, set[str]]:
        """Types (asserted and inferred) of resources asserted in a visible KB graph.

        graph:inferred is left out of the existence test: it also holds inferences about
        resources of restricted graphs.
        """
        pattern = (
            f"FILTER EXISTS {{ GRAPH ?g {{ ?x a ?any }} FILTER(?g != <{INFERRED_GRAPH}>) }} ?x a ?y"
        )
        return self._pairs(self.visible if visible else self.full, iris, pattern)

    def existing(self, iris: Iterable[str]) -> dict[str, set[str]]:
        """Resources already described in the KB (any graph), with their graphs."""
        pattern = f"GRAPH ?y {{ ?x ?p ?o }} FILTER(?y != <{INFERRED_GRAPH}>)"
        return self._pairs(self.full, iris, pattern)

    def schemes(self, iris: Iterable[str]) -> dict[str, set[str]]:
        return self._pairs(self.visible, iris, "?x skos:inScheme ?y")

    def notations(self, scheme: str) -> list[str]:
        q = f"SELECT ?n WHERE {{ ?c skos:inScheme <{scheme}> ; skos:notation ?n }} ORDER BY ?n"
        return self.visible.query(q).values("n")

    def _construct(self, iris: Iterable[str], pattern: str) -> list[ox.Triple]:
        """The triples of ``pattern`` (a CONSTRUCT template and WHERE pattern in one) for each
        resource ``?x`` of ``iris``, in chunks."""
        out = []
        for chunk in _chunks(sorted(set(iris))):
            q = f"CONSTRUCT {{ {pattern} }} WHERE {{ VALUES ?x {{ {_values(chunk)} }} {pattern} }}"
            out.extend(self.visible.query(q).triples)
        return out

    def describe(self, iris: Iterable[str]) -> list[ox.Triple]:
        return self._construct(iris, "?x ?p ?o")

    def pointing_at(self, iris: Iterable[str], props: Sequence[str]) -> list[ox.Triple]:
        """The triples of ``props`` (SPARQL IRIs or prefixed names) whose object is in ``iris``."""
        return [t for p in props for t in self._construct(iris, f"?s {p} ?x")]

    def hierarchy(self) -> list[ox.Triple]:
        sub = ox.NamedNode(RDFS + "subClassOf")
        return [
            ox.Triple(ox.NamedNode(a), sub, ox.NamedNode(b))
            for a, bs in self.supers.items()
            for b in bs
        ]
