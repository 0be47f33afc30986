"""Jena SHACL (``shacl validate`` of jena-cmds) as a second reference engine beside pySHACL
for the entry shapes (``rules/entries/*.ttl``), issue 21.

Both engines validate the same data (the union of a KB's store: ontology, KB files and
``graph:inferred``, as N-Triples) against all entry shapes in one file, every target of every
shape, and must report the same results: (focus node, path, source shape, constraint
component, value), blank nodes masked (their labels are the engine's own).  Data: the
bundled KB (conforms), and the bundled KB with entries from the intake test corpus that
break the shapes in different ways (a dozen violations, none on the bundled KB's own
resources).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import rdflib

from minelaw.resources import data_dir
from sparql_parse_cache import parsed_once

from .engines_support import Engines

pytestmark = pytest.mark.engines
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
ROOT = Path(__file__).resolve().parents[2]
#: entries of tests/intake/bad that load but break entry shapes (dates, counts, grades, ...)
BAD = [
    "bad-date",
    "casualty-figure-without-claim",
    "concept-wrong-scheme",
    "date-not-iso",
    "literal-for-reference",
    "many-problems",
    "missing-identifier",
    "negative-count",
    "plain-string-date",
    "source-without-title",
    "unknown-grade",
]


def results(report: rdflib.Graph) -> set[tuple[str, ...]]:
    out = set()
    for r in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        vals = [
            report.value(r, p)
            for p in (
                SH.focusNode,
                SH.resultPath,
                SH.sourceShape,
                SH.sourceConstraintComponent,
                SH.value,
                SH.resultSeverity,
            )
        ]
        out.add(tuple("_:" if isinstance(v, rdflib.BNode) else str(v) for v in vals))
    return out


def union_ntriples(kb: Path, target: Path) -> Path:
    from minelaw.store.cache import open_kb

    store = open_kb(kb)
    triples = {q.triple for q in store.store}
    target.write_text("".join(f"{t} .\n" for t in triples), encoding="utf-8")
    return target


def shapes_file(target: Path) -> Path:
    files = sorted((data_dir("rules") / "entries").glob("*.ttl"))
    target.write_bytes(b"\n".join(p.read_bytes() for p in files))
    return target


def both(
    engines: Engines, data: Path, shapes: Path
) -> tuple[bool, set[tuple[str, ...]], bool, set[tuple[str, ...]]]:
    import pyshacl

    jena = engines.jena_runner()
    j_conforms, ttl = jena.shacl_validate(shapes, data)
    j_results = results(rdflib.Graph().parse(data=ttl, format="turtle"))
    with parsed_once():  # tests/sparql_parse_cache.py
        p_conforms, report, _ = pyshacl.validate(
            rdflib.Graph().parse(data, format="nt"),
            shacl_graph=rdflib.Graph().parse(shapes, format="turtle"),
            inference="none",
            advanced=True,
            allow_warnings=True,
        )
    return j_conforms, j_results, bool(p_conforms), results(report)


def test_the_bundled_kb_conforms_on_jena(engines: Engines, tmp_path: Path) -> None:
    """Jena's verdict on a conforming dataset.  (pySHACL's on the bundled KB's resources is in
    the test below, whose data holds them all, and in tests/store/test_shacl_sparql.py.)"""
    data = union_ntriples(data_dir("kb"), tmp_path / "kb.nt")
    ok, ttl = engines.jena_runner().shacl_validate(shapes_file(tmp_path / "shapes.ttl"), data)
    assert (ok, results(rdflib.Graph().parse(data=ttl, format="turtle"))) == (True, set())


def test_a_failing_dataset_gets_the_same_results(engines: Engines, tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(data_dir("kb"), kb)
    (kb / "bad").mkdir()
    for name in BAD:
        shutil.copy(ROOT / "tests" / "intake" / "bad" / f"{name}.ttl", kb / "bad")
    data = union_ntriples(kb, tmp_path / "bad.nt")
    j_ok, j_res, p_ok, p_res = both(engines, data, shapes_file(tmp_path / "shapes.ttl"))
    assert not j_ok and not p_ok
    assert sorted(j_res - p_res) == [] and sorted(p_res - j_res) == []
    focus = {r[0] for r in j_res}
    assert len(j_res) >= 10 and len(focus) >= 8, sorted(j_res)
    # every result is about a resource the added entries name (their own, or one they misuse,
    # such as a state given as an event's place): on the rest of the bundled KB both engines
    # report nothing (it conforms on both)
    bad = rdflib.Graph()
    for name in BAD:
        bad.parse(ROOT / "tests" / "intake" / "bad" / f"{name}.ttl")
    named = {str(x) for t in bad for x in t}
    assert focus <= named | {"_:"}, sorted(focus - named)
