"""Entry shapes (rules/entries/*.ttl) reject deliberately bad entries.

Data-driven, after pySHACL's DASH tests: each ``data/<case>.ttl`` holds one bad entry
and, in a leading ``# expect: <fragment>`` comment, a fragment of the sh:message that
must be reported for one of its resources.  ``data/_context.ttl`` supplies fictional,
valid resources the cases refer to.  The data graph is the case plus the context plus
the ontology, with the superclass types of every typed resource added (the checked KB
includes OWL RL inferences the same way).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib

from sparql_parse_cache import parsed_once

DATA = Path(__file__).parent / "data"
CASES = sorted(p for p in DATA.glob("*.ttl") if not p.name.startswith("_"))
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


def expected(path: Path) -> str:
    m = re.match(r"#\s*expect:\s*(.+)", path.read_text(encoding="utf-8").splitlines()[0])
    assert m, f"{path.name} must start with '# expect: <message fragment>'"
    return m.group(1).strip()


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    from minelaw.resources import data_dir

    g = rdflib.Graph()
    for f in sorted((data_dir("rules") / "entries").glob("*.ttl")):
        g.parse(f, format="turtle")
    return g


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    from minelaw.resources import data_dir

    g = rdflib.Graph()
    for f in sorted(data_dir("ontology").rglob("*.ttl")):
        g.parse(f, format="turtle")
    return g


def validate(case: Path, shapes: rdflib.Graph, ontology: rdflib.Graph) -> list[tuple[str, str]]:
    """(focus node, message) of every result whose focus the case file describes."""
    import pyshacl

    own = rdflib.Graph().parse(case, format="turtle")
    data = rdflib.Graph()
    for g in (ontology, rdflib.Graph().parse(DATA / "_context.ttl", format="turtle"), own):
        for t in g:
            data.add(t)
    for s, cls in list(data.subject_objects(rdflib.RDF.type)):
        for sup in ontology.transitive_objects(cls, rdflib.RDFS.subClassOf):
            data.add((s, rdflib.RDF.type, sup))
    with parsed_once():  # tests/sparql_parse_cache.py
        _, report, _ = pyshacl.validate(
            data, shacl_graph=shapes, inference="none", allow_warnings=True, advanced=True
        )
    subjects = set(own.subjects())
    return [
        (str(report.value(r, SH.focusNode)), str(report.value(r, SH.resultMessage)))
        for r in report.subjects(rdflib.RDF.type, SH.ValidationResult)
        if report.value(r, SH.focusNode) in subjects
    ]


def test_there_are_cases() -> None:
    assert len(CASES) >= 12


def test_context_is_valid(shapes: rdflib.Graph, ontology: rdflib.Graph) -> None:
    assert validate(DATA / "_context.ttl", shapes, ontology) == []


@pytest.mark.parametrize("case", CASES, ids=[p.stem for p in CASES])
def test_bad_entry_is_rejected(case: Path, shapes: rdflib.Graph, ontology: rdflib.Graph) -> None:
    fragment = expected(case)
    results = validate(case, shapes, ontology)
    messages = [m for _, m in results]
    assert any(fragment in m for m in messages), (
        f"{case.name}: no message containing {fragment!r}; got {messages}"
    )
