"""Rule cases written side by side into one KB, each keeping its own resources.

Cases reuse names such as ``mlr:ev-estimate-north`` with other facts.  A plain union mixed
the facts of such cases into resources no case describes: the rows compared were not any
case's, and the engine's candidate query joined every combination of the mixed facts (half
a minute for APMBC art 5's four cases).  Used by the pySHACL differential
(``tests/test_rules.py``) and the engine parity worlds (``tests/engines``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import rdflib

from minelaw.namespaces import MLR


def described(files: Iterable[Path]) -> frozenset[rdflib.term.Node]:
    """The subjects the given Turtle files describe (the law, the fictional world)."""
    g = rdflib.Graph()
    for f in files:
        g.parse(f)
    return frozenset(g.subjects())


def side_by_side(cases: Iterable[Path], kb: Path, shared: frozenset[rdflib.term.Node]) -> None:
    """Write ``cases`` into the folder ``kb`` so that they describe disjoint resources: a
    resource that an earlier case also describes is renamed in the later case
    (``<iri>--<case>``), unless it is in ``shared`` (what the world or the law describes)."""
    seen: set[rdflib.term.Node] = set()
    for case in cases:
        g = rdflib.Graph().parse(case)
        own = {s for s in g.subjects() if isinstance(s, rdflib.URIRef) and s.startswith(MLR)}
        rename = {s: rdflib.URIRef(f"{s}--{case.stem}") for s in own & seen if s not in shared}
        seen |= own
        out = rdflib.Graph()
        for prefix, ns in g.namespaces():
            out.bind(prefix, ns)
        for t in g:
            out.add(tuple(rename.get(x, x) for x in t))  # type: ignore[arg-type]
        out.serialize(kb / case.name, format="turtle")
