"""OWL 2 RL materialisation: the fast path (functional and disjointness axioms withheld from
the reasoner, prp-fp applied afterwards) gives exactly the consequences of the plain run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from paths import DATA, ROOT


def _world(tmp: Path, extra: str = "") -> Path:
    kb = tmp / "kb"
    shutil.copytree(ROOT / "kb" / "law", kb / "law")
    shutil.copy(ROOT / "tests" / "rules" / "_world.ttl", kb / "world.ttl")
    shutil.copy(ROOT / "tests" / "rules" / "CIHL-R83-004.ttl", kb / "case.ttl")
    if extra:
        (kb / "extra.ttl").write_text(extra, encoding="utf-8")
    return kb


CLASH = """@prefix ml: <https://w3id.org/minelaw/ontology#> .
@prefix mlv: <https://w3id.org/minelaw/vocab/> .
@prefix mlr: <https://w3id.org/minelaw/id/> .
mlr:src-monitor ml:reliability mlv:reliability-C .
"""


@pytest.mark.parametrize("which", ["bundled", "world", "clash", "inconsistent"])
def test_fast_rl_equals_plain_run(which: str, tmp_path: Path) -> None:
    from minelaw.store.oxigraph import discover
    from minelaw.store.reason import _rl_consequences, _rl_run

    kb = {
        "bundled": lambda: ROOT / "kb",
        "world": lambda: _world(tmp_path),
        "clash": lambda: _world(tmp_path, CLASH),  # two values of a functional property
        "inconsistent": lambda: DATA / "kb-inconsistent",
    }[which]()
    files = discover(kb)
    fast = _rl_consequences(files)
    assert fast == _rl_run([str(f.path) for f in files])
    same_as = {t for t in fast if t[1].endswith("#sameAs>") and t[0] != t[2]}
    assert bool(same_as) == (which == "clash")


THING = "<http://www.w3.org/2002/07/owl#Thing>"
ML = "https://w3id.org/minelaw/ontology#"
RESTRICTED = """@prefix ml: <https://w3id.org/minelaw/ontology#> .
@prefix mlr: <https://w3id.org/minelaw/id/> .
mlr:src-secret ml:reliability mlr:grade-secret .
mlr:witness-secret ml:partOf mlr:place-secret .
mlr:place-secret ml:partOf mlr:place-somewhere .
"""


def _generated(tmp: Path) -> Path:
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    generate(tmp / "gen", 300, seed=5)
    return tmp / "gen"


def _graph_triples(store: object, graph: str) -> set[str]:
    import pyoxigraph as ox

    assert isinstance(store, ox.Store)
    return {
        f"{q.subject} {q.predicate} {q.object}"
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
    }


@pytest.mark.parametrize(
    "which", ["bundled", "world", "clash", "inconsistent", "generated", "restricted"]
)
def test_in_store_rules_equal_reasonable(which: str, tmp_path: Path) -> None:
    """The RL rules compiled to SPARQL (minelaw.store.owlrl) give reasonable's consequences, in the
    same graphs, except reasonable's ``x a owl:Thing`` for every subject (used nowhere)."""
    import pyoxigraph as ox

    from minelaw.namespaces import INFERRED_GRAPH, INFERRED_RESTRICTED_GRAPH
    from minelaw.store.cache import _load_files
    from minelaw.store.owlrl import materialise_in_store
    from minelaw.store.oxigraph import discover
    from minelaw.store.reason import _materialise_exact, materialise

    kb = {
        "bundled": lambda: ROOT / "kb",
        "world": lambda: _world(tmp_path),
        "clash": lambda: _world(tmp_path, CLASH),
        "inconsistent": lambda: DATA / "kb-inconsistent",
        "generated": lambda: _generated(tmp_path),
        "restricted": lambda: _world(tmp_path),
    }[which]()
    if which == "restricted":
        (kb / "restricted").mkdir()
        (kb / "restricted" / "secret.ttl").write_text(RESTRICTED, encoding="utf-8")
    files = discover(kb)
    fast, exact = ox.Store(), ox.Store()
    for store in (fast, exact):
        _load_files(store, files, None)
    probe = ox.Store()
    _load_files(probe, files, None)
    compiled = materialise_in_store(probe, "urn:probe", [f.graph for f in files])
    assert (compiled is None) == (which == "clash"), "a clash takes the exact path"

    n = materialise(fast, files)
    m = _materialise_exact(exact, files, [f for f in files if not f.restricted])
    assert n > 0 and (m == n if which == "clash" else m > n)
    # reasonable applies the chain ml:place o ml:partOf to asserted partOf triples only, not
    # to the transitive closure (prp-trp then prp-spo2): the SPARQL path gives the full set
    within = {
        f"{r['e']} <{ML}locatedWithin> {r['t']}"
        for r in exact.query(
            f"SELECT DISTINCT ?e ?t WHERE {{ GRAPH ?g {{ ?e <{ML}place> ?p }} "
            f"?p <{ML}partOf>* ?t FILTER(?g != <{INFERRED_RESTRICTED_GRAPH}>) }}",
            use_default_graph_as_union=True,
        )
    }
    asserted = {
        t
        for g in exact.named_graphs()
        if g.value not in (INFERRED_GRAPH, INFERRED_RESTRICTED_GRAPH)
        for t in _graph_triples(exact, g.value)
    }
    for graph in (INFERRED_GRAPH, INFERRED_RESTRICTED_GRAPH):
        want = {t for t in _graph_triples(exact, graph) if not t.endswith(f" {THING}")}
        if graph == INFERRED_GRAPH:
            assert {t for t in want if "#locatedWithin>" in t} <= within
            want |= within - asserted
        got = _graph_triples(fast, graph)
        if which == "clash":  # the exact path ran for both
            want = _graph_triples(exact, graph)
        assert got == want, graph
    restricted = _graph_triples(fast, INFERRED_RESTRICTED_GRAPH)
    assert bool(restricted) == (which == "restricted")
    if which == "restricted":  # transitive partOf and the range of reliability, kept apart
        assert any("place-somewhere" in t and "witness-secret" in t for t in restricted)
        assert not any("secret" in t for t in _graph_triples(fast, INFERRED_GRAPH))
