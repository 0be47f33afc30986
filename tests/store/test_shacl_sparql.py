"""The entry shapes compiled to SPARQL (issue 19) give pySHACL's results, compared as sets.

Differential: the same data (the store's union graph, inferences included) goes to the
compiled queries on Oxigraph and to pySHACL on an rdflib copy; the results (focus node,
path, value, source constraint component, source shape, messages, severity) must be equal.
Worlds: the rule test world with the law, the bundled KB, a generated KB, each of them with
every constraint of the entry shapes broken once, and the bundled KB with random damage.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import shacl_mutations as mutations

from minelaw.store.cache import _load_files
from minelaw.store.entry_shapes import (
    load_shapes,
    pyshacl_results,
    run,
    store_counter,
    validate_store,
)
from minelaw.store.oxigraph import EmbeddedStore, discover
from minelaw.store.reason import materialise
from minelaw.store.shacl_sparql import compile_shapes
from paths import ROOT
from sparql_parse_cache import parsed_once

RULES = ROOT / "rules"


def _world(tmp: Path) -> Path:
    kb = tmp / "world"
    shutil.copytree(ROOT / "kb" / "law", kb / "law")
    shutil.copy(ROOT / "tests" / "rules" / "_world.ttl", kb / "world.ttl")
    return kb


def _generated(tmp: Path) -> Path:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    # 30 incidents (with the planted ones, every class and constraint kind is there): the
    # compiled queries are the same as at 200, which took twice as long in pySHACL
    generate(tmp / "gen", 30, seed=11)
    return tmp / "gen"


KBS: dict[str, Callable[[Path], Path]] = {
    "world": _world,
    "bundled": lambda tmp: ROOT / "kb",
    "generated": _generated,
}


def _rdflib(store: ox.Store) -> rdflib.Graph:
    """The union of the store's graphs, term for term (blank node labels kept)."""

    def term(x: object) -> rdflib.term.Node:
        if isinstance(x, ox.NamedNode):
            return rdflib.URIRef(x.value)
        if isinstance(x, ox.BlankNode):
            return rdflib.BNode(x.value)
        assert isinstance(x, ox.Literal)
        if x.language:
            return rdflib.Literal(x.value, lang=x.language)
        return rdflib.Literal(x.value, datatype=rdflib.URIRef(x.datatype.value))

    g = rdflib.Graph()
    for q in store:
        g.add((term(q.subject), term(q.predicate), term(q.object)))
    return g


def _store(kb: Path, mutate: Callable[[ox.Store], object] | None = None) -> ox.Store:
    files = discover(kb)
    store = ox.Store()
    _load_files(store, files, None)
    if mutate:
        mutate(store)
    materialise(store, files)  # after the damage, as a build of the damaged files would
    return store


def _compiled(store: ox.Store, shapes: rdflib.Graph) -> set[object]:
    compiled = compile_shapes(shapes, store_counter(store))
    assert compiled.fallback == {}, "every entry shape compiles"
    return run(store, compiled)


def _both(store: ox.Store, shapes: rdflib.Graph) -> tuple[set[object], set[object]]:
    with parsed_once():  # the entry shapes' SPARQL constraints, parsed once (its module doc)
        ref = pyshacl_results(_rdflib(store), shapes)
    return _compiled(store, shapes), ref


# every kind of constraint the entry shapes use, each broken by the targeted mutations
KINDS = {
    "Class", "Datatype", "In", "Pattern", "MinCount", "MaxCount", "HasValue", "Or", "Node",
    "MinInclusive", "MinLength", "LessThanOrEquals", "QualifiedMinCount", "UniqueLang",
    "SPARQL",
}  # fmt: skip


@pytest.mark.parametrize("which", sorted(KBS))
@pytest.mark.parametrize("damage", ["none", "targeted"])
def test_compiled_shapes_equal_pyshacl(which: str, damage: str, tmp_path: Path) -> None:
    shapes, _ = load_shapes(RULES)
    broken: list[str] = []

    def mutate(store: ox.Store) -> None:
        broken.extend(mutations.targeted(store, shapes))

    store = _store(KBS[which](tmp_path), mutate if damage == "targeted" else None)
    if damage == "none":
        # the compiled queries alone: pySHACL's run on the damaged copy below (``targeted``)
        # covers every undamaged resource too, so a second pySHACL run here caught nothing more
        assert _compiled(store, shapes) == set(), "the KBs pass their entry shapes"
        return
    mine, ref = _both(store, shapes)
    assert mine == ref, (sorted(map(str, mine - ref))[:5], sorted(map(str, ref - mine))[:5])
    kinds = {r.component.rsplit("#", 1)[1].removesuffix("ConstraintComponent") for r in ref}
    if which != "world":  # the small world lacks instances of some classes
        assert kinds >= KINDS, KINDS - kinds
        assert len(broken) > 60


#: pySHACL 0.40 reports nothing for a comparison (sh:lessThanOrEquals, sh:minInclusive, ...)
#: when a value is an ill-typed literal (the fuzzing retypes e.g. a control period's ml:end as
#: "2015-06-16"^^xsd:decimal); the compiled query reports it, as SHACL 1.0 section 4.5.4 says:
#: values that cannot be compared are a validation result.  Such results are the only ones
#: allowed beyond pySHACL's, and only on a node whose literal the fuzzing retyped.
PYSHACL_INCOMPARABLE = {
    "LessThanOrEquals", "LessThan", "MinInclusive", "MaxInclusive", "MinExclusive", "MaxExclusive",
}  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_compiled_shapes_equal_pyshacl_on_random_damage(seed: int) -> None:
    shapes, _ = load_shapes(RULES)
    retyped: set[str] = set()
    store = _store(ROOT / "kb", lambda s: mutations.fuzz(s, seed, retyped=retyped))
    mine, ref = _both(store, shapes)
    assert ref and ref <= mine, sorted(map(str, ref - mine))[:5]
    extra = mine - ref
    unexplained = [
        r
        for r in extra
        if not (
            r.focus in retyped  # type: ignore[attr-defined]
            and r.component.rsplit("#", 1)[1].removesuffix("ConstraintComponent")  # type: ignore[attr-defined]
            in PYSHACL_INCOMPARABLE
        )
    ]
    assert not unexplained, sorted(map(str, unexplained))[:5]


OTHER_SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <urn:ex:> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:A a sh:NodeShape ; sh:targetNode ex:a1, ex:a2, ex:missing ;
    sh:nodeKind sh:IRI ;
    sh:property [ sh:path ex:p ; sh:maxLength 3 ; sh:minExclusive 0 ; sh:maxExclusive 10 ;
                  sh:nodeKind sh:Literal ; sh:severity sh:Warning ] ,
                [ sh:path ex:p ; sh:equals ex:q ] ,
                [ sh:path ex:p ; sh:disjoint ex:r ] ,
                [ sh:path ex:p ; sh:lessThan ex:q ] ,
                [ sh:path ( ex:link [ sh:alternativePath ( ex:p ex:q ) ] ) ; sh:minCount 2 ] ,
                [ sh:path [ sh:oneOrMorePath ex:link ] ; sh:maxCount 1 ] ,
                [ sh:path [ sh:zeroOrMorePath ex:link ] ;
                  sh:qualifiedValueShape [ sh:hasValue ex:a2 ] ; sh:qualifiedMaxCount 0 ] ,
                [ sh:path ex:p ; sh:deactivated true ; sh:minCount 9 ] ;
    sh:and ( [ sh:datatype xsd:integer ] [ sh:nodeKind sh:IRI ] ) .
ex:B a sh:NodeShape ; sh:targetSubjectsOf ex:link ;
    sh:xone ( [ sh:path ex:p ; sh:minCount 1 ] [ sh:path ex:q ; sh:minCount 1 ] ) ;
    sh:message "exactly one of ex:p and ex:q"@en .
ex:C a sh:NodeShape ; sh:targetObjectsOf ex:link ; sh:in ( ex:a2 ex:b ) ; sh:not ex:D .
ex:D a sh:NodeShape ; sh:property [ sh:path ex:p ; sh:hasValue 5 ] .
"""
OTHER_DATA = """@prefix ex: <urn:ex:> .
ex:a1 ex:p 5, 12, "long text" ; ex:q 5, 3 ; ex:r 12 ; ex:link ex:a2 .
ex:a2 ex:p 5 ; ex:q 7 ; ex:link ex:b, ex:c .
ex:b ex:link ex:a2 .
ex:c ex:p 1 .
"""


def test_other_core_components_equal_pyshacl() -> None:
    """The Core components and paths the entry shapes do not use (yet) also agree."""
    shapes = rdflib.Graph().parse(data=OTHER_SHAPES, format="turtle")
    store = ox.Store()
    store.load(OTHER_DATA.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("urn:g"))
    compiled = compile_shapes(shapes, store_counter(store))
    assert compiled.fallback == {}
    mine, ref = run(store, compiled), pyshacl_results(_rdflib(store), shapes)

    def key(r: object) -> tuple[object, ...]:  # pySHACL's own default messages are its own
        d = dict(vars(r))
        if not d["messages"] or "exactly one" not in d["messages"][0]:
            d["messages"] = ()
        return tuple(d.values())

    assert {key(r) for r in mine} == {key(r) for r in ref}
    components = {r.component.rsplit("#", 1)[1] for r in ref}
    assert len(components) >= 12, components  # the data breaks most of them


def test_a_shape_that_does_not_compile_is_validated_by_pyshacl(tmp_path: Path) -> None:
    """sh:closed is not compiled: the shape is named with the reason, and pySHACL checks it."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / "entries" / "closed.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix ml: <https://w3id.org/minelaw/ontology#> .\n"
        "<urn:test:ClosedState> a sh:NodeShape ; sh:targetClass ml:State ; sh:closed true ;\n"
        '    sh:message "a state with a property outside the closed list" .\n',
        encoding="utf-8",
    )
    kb = _world(tmp_path)
    files = discover(kb)
    store = ox.Store()
    _load_files(store, files, None)
    materialise(store, files)
    report = validate_store(EmbeddedStore(store, files, "k", cached=False), rules)
    assert list(report.fallback) == ["<urn:test:ClosedState>"]
    assert "sh:closed" in report.fallback["<urn:test:ClosedState>"]
    closed = [p for p in report.problems if "closed list" in p.message]
    assert closed and all(p.severity == "error" for p in closed)
    assert report.queries > 100  # the other shapes still run as SPARQL


def test_messages_name_file_line_path_and_value(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    kb = _world(tmp_path)
    (kb / "bad.ttl").write_text(
        "@prefix ml: <https://w3id.org/minelaw/ontology#> .\n"
        "@prefix mlv: <https://w3id.org/minelaw/vocab/> .\n"
        "@prefix mlr: <https://w3id.org/minelaw/id/> .\n"
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        "\n"
        "mlr:ev-bad a ml:MineIncident ; dcterms:identifier 'ev-bad' ;\n"
        "    ml:datePrecision mlv:date-precision-week ; ml:killed 1 ;\n"
        "    ml:deviceType mlv:verification-verified ;\n"
        "    ml:casualty [ a ml:CasualtyGroup ; ml:outcome mlv:casualty-outcome-killed ] .\n",
        encoding="utf-8",
    )
    res = run_cli("check", "--no-dl", kb=kb)
    assert res.exit_code == 1, res.output
    lines = [ln for ln in res.output.splitlines() if ln.startswith("[error] shape:")]
    assert all("bad.ttl:6:" in ln for ln in lines), lines  # blank nodes: where they are held
    text = "\n".join(lines)
    assert "ml:deviceType/skos:inScheme: ml:deviceType must be a concept" in text
    assert "(value: mlv:date-precision-week)" in text
    assert "ml:victimCategory: A casualty group needs exactly one ml:victimCategory" in text
    assert "An event needs an ml:date (with ml:datePrecision) or" in text
