"""The entry shapes (``rules/entries/*.ttl``) applied to submitted entries (W3C SHACL).

Implements the SHACL part of DESIGN.md section 6 "Entry validation", scoped to the new
resources.  Two engines share the work so that its cost stays linear in the submission:

- the *SHACL-SPARQL* constraints (``sh:sparql`` with ``sh:select``, SHACL section 5) run on
  Oxigraph, one query per constraint for all focus nodes at once (``$this`` bound by a
  ``VALUES`` block) -- pySHACL would re-parse the query text for every focus node
  (50 ms each: 250 s for 5,000 rows);
- the *SHACL Core* constraints run in pySHACL (the reference implementation), on a data
  graph built term by term from the pyoxigraph triples (no N-Triples round trip, whose
  rdflib parser is superlinear on long literals), with the new resources as focus nodes.

The shapes are parsed once per process (:func:`entry_shapes`).
"""

from __future__ import annotations

import functools
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from ..resources import data_dir

SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"


@dataclass(frozen=True)
class SparqlConstraint:
    """One ``sh:sparql`` constraint of a node shape that targets a class."""

    shape: str
    target_class: str
    select: str  # with its PREFIX lines
    message: str
    severity: str  # "error" | "warning" | "info"


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str | None
    value: str | None
    message: str
    severity: str


@functools.lru_cache(maxsize=1)
def entry_shapes() -> tuple[Any, tuple[SparqlConstraint, ...]]:
    """(the shapes graph without its SPARQL constraints (rdflib), the SPARQL constraints)."""
    import rdflib

    g = rdflib.Graph()
    for f in sorted((data_dir("rules") / "entries").glob("*.ttl")):
        g.parse(f, format="turtle")
    sh = rdflib.Namespace(SH)
    out = []
    for shape, node in list(g.subject_objects(sh.sparql)):
        select = str(g.value(node, sh.select) or "")
        prefixes = "".join(
            f"PREFIX {g.value(d, sh.prefix)}: <{g.value(d, sh.namespace)}>\n"
            for decl in g.objects(node, sh.prefixes)
            for d in g.objects(decl, sh.declare)
        )
        severity = str(g.value(shape, sh.severity) or sh.Violation).rsplit("#", 1)[-1].lower()
        for cls in g.objects(shape, sh.targetClass):
            out.append(
                SparqlConstraint(
                    str(shape),
                    str(cls),
                    prefixes + select,
                    str(g.value(node, sh.message) or "constraint violated"),
                    {"violation": "error"}.get(severity, severity),
                )
            )
        for t in list(g.triples((node, None, None))):
            g.remove(t)
        g.remove((shape, sh.sparql, node))
    return g, tuple(out)


def _rdflib_term(term: Any) -> Any:
    import rdflib

    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    assert isinstance(term, ox.Literal)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def _types(triples: Iterable[ox.Triple], supers: dict[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for t in triples:
        if t.predicate.value == RDF_TYPE and isinstance(t.subject, ox.NamedNode):
            todo = [str(getattr(t.object, "value", t.object))]
            seen = out.setdefault(t.subject.value, set())
            while todo:
                c = todo.pop()
                if c not in seen:
                    seen.add(c)
                    todo.extend(supers.get(c, ()))
    return out


def run_sparql_constraints(
    triples: list[ox.Triple], focus: set[str], supers: dict[str, set[str]]
) -> list[Violation]:
    """Every SHACL-SPARQL constraint, one Oxigraph query each over all its focus nodes."""
    _, constraints = entry_shapes()
    if not constraints:
        return []
    store = ox.Store()
    store.extend([ox.Quad(t.subject, t.predicate, t.object) for t in triples])
    types = _types(triples, supers)
    out = []
    for c in constraints:
        nodes = sorted(f for f in focus if c.target_class in types.get(f, ()))
        for i in range(0, len(nodes), 2000):
            values = " ".join(f"<{n}>" for n in nodes[i : i + 2000])
            q = f"{c.select}\nVALUES $this {{ {values} }}"
            for sol in store.query(q):  # type: ignore[union-attr]
                this = sol["this"]
                path, value = sol["path"], sol["value"]
                out.append(
                    Violation(
                        this.value if this is not None else "",
                        path.value if path is not None else None,
                        value.value if value is not None else None,
                        c.message,
                        c.severity,
                    )
                )
    return out


#: below this many focus nodes pySHACL runs in one process
PARALLEL_FROM = 800


def run_core(triples: list[ox.Triple], focus: Iterable[str]) -> list[Violation]:
    """pySHACL (SHACL Core) on the data ``triples`` with ``focus`` as focus nodes.

    pySHACL costs about 2 ms per focus node; from :data:`PARALLEL_FROM` nodes on, the
    second half runs in a forked child (POSIX), so both cores share the work.  The child
    inherits the parsed graphs, sends back plain tuples as JSON, and leaves with
    ``os._exit``; if it fails, its half runs here.
    """
    import rdflib

    data = rdflib.Graph()
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)  # ill-formed literals: ours
    convert = functools.lru_cache(maxsize=65536)(_rdflib_term)
    for t in triples:
        data.add((convert(t.subject), convert(t.predicate), convert(t.object)))
    nodes = sorted(focus)
    if len(nodes) < PARALLEL_FROM or (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        return _pyshacl(data, nodes)
    mine, theirs = nodes[: len(nodes) // 2], nodes[len(nodes) // 2 :]
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: validate its half, report, leave without cleanup
        code = 1
        try:
            os.close(read)
            found = [list(v.__dict__.values()) for v in _pyshacl(data, theirs)]
            with os.fdopen(write, "wb") as fh:
                fh.write(json.dumps(found).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    out = _pyshacl(data, mine)
    with os.fdopen(read, "rb") as fh:
        payload = fh.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) == 0 and payload:
        return out + [Violation(*v) for v in json.loads(payload)]
    return out + _pyshacl(data, theirs)


def _pyshacl(data: Any, focus: list[str]) -> list[Violation]:
    import pyshacl
    import rdflib
    from pyshacl.graph_abstraction import DataGraph

    shapes, _ = entry_shapes()

    class FocusedValidator(pyshacl.Validator):
        """pySHACL tests every target against the focus-node *list*: quadratic (14 million
        comparisons for 1,000 rows).  The same nodes as a set make it linear."""

        def make_executor(self) -> Any:
            executor = super().make_executor()
            if executor.focus_nodes:
                executor.focus_nodes = set(executor.focus_nodes)  # type: ignore[assignment]
            return executor

    validator = FocusedValidator(
        DataGraph.from_rdflib(data),
        shacl_graph=shapes,
        options={
            "inference": "none",
            "allow_warnings": True,
            "advanced": True,
            "inplace": True,
            "focus_nodes": [rdflib.URIRef(i) for i in focus],
        },
    )
    _, report, _ = validator.run()
    sh = rdflib.Namespace(SH)
    out = []
    for r in report.subjects(rdflib.RDF.type, sh.ValidationResult):
        sev = str(report.value(r, sh.resultSeverity)).rsplit("#", 1)[-1].lower()
        path = report.value(r, sh.resultPath)
        value = report.value(r, sh.value)
        out.append(
            Violation(
                str(report.value(r, sh.focusNode)),
                str(path) if isinstance(path, rdflib.URIRef) else None,
                str(value) if value is not None else None,
                str(report.value(r, sh.resultMessage) or "constraint violated"),
                {"violation": "error"}.get(sev, sev),
            )
        )
    return out


__all__ = ["SparqlConstraint", "Violation", "entry_shapes", "run_core", "run_sparql_constraints"]
