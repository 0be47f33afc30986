"""Compliance rules, data-driven: tests/rules/<norm>-NNN.ttl hold data and expected findings.

Each case is loaded with the real ontology and the real law (kb/law) plus the
fictional world of tests/rules/_world.ttl.  A case names the norm it tests
(``mlt:norm``) and the findings it expects for that norm (``mlt:expect``: duty-bearer,
territory, standard); none expected means the rule must not fire.  Both execution
paths run on every case: SPARQL on the store and pySHACL, and must agree.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import rdflib

from paths import ROOT

CASES = sorted((ROOT / "tests" / "rules").glob("*-[0-9][0-9][0-9].ttl"))
MLT = rdflib.Namespace("https://w3id.org/minelaw/test#")


def build_kb(case: Path, tmp: Path) -> Path:
    kb = tmp / "kb"
    shutil.copytree(ROOT / "kb" / "law", kb / "law")
    shutil.copy(ROOT / "tests" / "rules" / "_world.ttl", kb / "world.ttl")
    shutil.copy(case, kb / case.name)
    return kb


def expectations(case: Path) -> tuple[str, set[tuple[str, str, str]], list[str]]:
    g = rdflib.Graph().parse(case)
    c = MLT.case
    norm = str(g.value(c, MLT.norm))
    exp = {
        (
            str(g.value(e, MLT.dutyBearer)),
            str(g.value(e, MLT.territory)),
            str(g.value(e, MLT.standard)),
        )
        for e in g.objects(c, MLT.expect)
    }
    without = [str(s) for s in g.objects(c, MLT.withoutSource)]
    return norm, exp, without


def store_data_graph(store) -> rdflib.Graph:  # type: ignore[no-untyped-def]
    g = rdflib.Graph()
    g.parse(
        data="".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in store.store), format="nt"
    )
    return g


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_rule_case(case: Path, tmp_path: Path) -> None:
    from minelaw.reasoning.findings import compute
    from minelaw.reasoning.rules import load_rules, run_candidates, run_pyshacl
    from minelaw.store.cache import open_kb
    from minelaw.store.checks import preflight

    norm, expected, without = expectations(case)
    store = open_kb(build_kb(case, tmp_path))
    assert preflight(store) == [], "the case data must pass the entry shapes"
    found = {
        (f.candidate.duty_bearer, f.candidate.territory, f.standard)
        for f in compute(store)
        if f.candidate.norm == norm
    }
    assert found == expected
    # the reference path (pySHACL) selects the same candidates as the engine path
    rules = [r for r in load_rules() if r.norm == norm]
    assert rules, f"no compliance shape operationalises {norm}"
    engine = {c.key for c in run_candidates(store, rules)}
    assert run_pyshacl(store_data_graph(store), rules) == engine
    # what-if: without the named sources the finding disappears or weakens
    for src in without:
        after = compute(store, exclude_sources=[src])
        assert not [f for f in after if f.candidate.norm == norm and f.standard != "insufficient"]
