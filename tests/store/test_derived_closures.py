"""The closures the reasoner derives beyond OWL 2 RL (``ml:reflexiveOn``, issue 21): every
actor acts for itself and for what it is an organ of, directly or through other organs
(``ml:actsFor`` = ``ml:organOf*`` from an actor), every place is within itself and every place
containing it (``ml:within`` = ``ml:partOf*`` from a place) -- exactly the paths the rules read
before, on the bundled KB, and for an entry added through the incremental store build."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from minelaw.namespaces import sparql_prefixes
from paths import ROOT

ACTS_FOR = """SELECT ?a ?b WHERE { ?a ml:actsFor ?b }"""
ORGAN_PATH = """SELECT ?a ?b WHERE { ?a a ml:Actor . ?a ml:organOf* ?b }"""
WITHIN = """SELECT ?a ?b WHERE { ?a ml:within ?b }"""
PART_PATH = """SELECT ?a ?b WHERE { ?a a ml:Place . ?a ml:partOf* ?b }"""


def pairs(store: Any, q: str) -> set[tuple[str, str]]:
    res = store.query(sparql_prefixes() + q)
    return {(r["a"].value, r["b"].value) for r in res.rows}


def test_closures_equal_the_paths_on_the_bundled_kb(store: Any) -> None:
    acts, organs = pairs(store, ACTS_FOR), pairs(store, ORGAN_PATH)
    assert acts == organs
    # not only the reflexive pairs and the recorded ones: organs of organs too
    direct = pairs(store, "SELECT ?a ?b WHERE { ?a ml:organOf ?b }")
    assert any(a != b and (a, b) not in direct for a, b in acts)
    within, parts = pairs(store, WITHIN), pairs(store, PART_PATH)
    assert within == parts and any(a != b for a, b in within)


def test_closures_cover_an_added_entry(tmp_path: Path, monkeypatch: Any) -> None:
    """An entry with a new organ and a new place, added to a cached KB: the store built from
    the cached one (incrementally) holds the same closures as the paths."""
    from minelaw.store.cache import open_kb

    monkeypatch.setenv("MINELAW_CACHE", str(tmp_path / "cache"))
    kb = tmp_path / "kb"
    shutil.copytree(ROOT / "kb" / "law", kb / "law")
    shutil.copy(ROOT / "tests" / "rules" / "_world.ttl", kb / "world.ttl")
    open_kb(kb)
    (kb / "new.ttl").write_text(
        """@prefix ml: <https://w3id.org/minelaw/ontology#> .
@prefix mlr: <https://w3id.org/minelaw/id/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
mlr:org-qqa-new-unit a ml:Organisation ; dcterms:identifier "org-qqa-new-unit" ;
    ml:organOf mlr:org-qqa-new-ministry .
mlr:org-qqa-new-ministry a ml:Organisation ; dcterms:identifier "org-qqa-new-ministry" ;
    ml:organOf mlr:QQA .
mlr:place-qq-new-hamlet a ml:Place ; dcterms:identifier "place-qq-new-hamlet" ;
    ml:partOf mlr:place-qq-south .
""",
        encoding="utf-8",
    )
    store = open_kb(kb)
    # built from the cached store (the delta record is written only then)
    assert list((tmp_path / "cache").rglob("delta.json"))
    acts = pairs(store, ACTS_FOR)
    assert acts == pairs(store, ORGAN_PATH)
    m = "https://w3id.org/minelaw/id/"
    for b in ("org-qqa-new-unit", "org-qqa-new-ministry", "QQA"):
        assert (m + "org-qqa-new-unit", m + b) in acts
    within = pairs(store, WITHIN)
    assert within == pairs(store, PART_PATH)
    assert (m + "place-qq-new-hamlet", m + "place-qq-new-hamlet") in within
    assert (m + "place-qq-new-hamlet", m + "place-qq-south") in within
