"""The rules cache (issue 19): after `minelaw add` (and after a file changes), `findings` reuses
the rule queries the new triples cannot change, and its output equals a cold run's.

The footprint of a query (the triples it can read) is read from its tokens; it is checked
against the one from rdflib's SPARQL algebra for every query of the bundled rules.  The end-to-end
tests run the real CLI on a generated KB on disk, each store in a cache of its own, and
compare the JSON of `minelaw findings` with that of a cold run in an empty cache.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from minelaw.cli import cli
from minelaw.namespaces import sparql_prefixes
from minelaw.reasoning.rulecache import (
    UNKNOWN,
    Delta,
    Footprint,
    footprint,
    parsed_footprint,
    pattern_footprint,
)
from minelaw.reasoning.rules import load_rules
from paths import ROOT

ML = "https://w3id.org/minelaw/ontology#"


def _queries() -> list[tuple[str, str]]:
    out = []
    for r in load_rules():
        out.append((r.norm_id, sparql_prefixes() + r.select))
        for e in r.elements:
            for kind, text in (
                ("support", e.support),
                ("refute", e.refute),
                ("indicate", e.indication),
            ):
                if text:
                    name = f"{e.element.rsplit('/', 1)[-1]} {kind}"
                    out.append((name, sparql_prefixes() + f"SELECT * WHERE {{\n{text}\n}}"))
    return out


QUERIES = _queries()


def _covers(f: Footprint, g: Footprint) -> bool:
    """Whether ``f`` is touched by every delta that touches ``g``."""
    if f.any_predicate:
        return True
    if g.any_predicate or not g.predicates <= f.predicates:
        return False
    return f.any_class or (not g.any_class and g.classes <= f.classes)


@pytest.mark.parametrize("name,query", QUERIES, ids=[n for n, _ in QUERIES])
def test_footprint_covers_the_parsed_one(name: str, query: str) -> None:
    lexical, parsed = footprint(query), parsed_footprint(query)
    assert parsed != UNKNOWN, "rdflib parses every rule query"
    assert _covers(lexical, parsed), (name, parsed.predicates - lexical.predicates)


@pytest.mark.parametrize(
    "query,any_predicate,any_class",
    [
        ("SELECT * WHERE { ?s ml:place ?o }", False, False),
        ("SELECT * WHERE { ?s ?p ?o }", True, False),
        ("SELECT * WHERE { ?s ml:place ?o ; ?p ?x }", True, False),
        ("SELECT * WHERE { VALUES ?p { ml:a } ?s ?p false }", True, False),
        ("SELECT * WHERE { ?s !ml:place ?o }", True, False),
        ("SELECT * WHERE { ?s !(ml:a|^ml:b) ?o }", True, False),
        ("SELECT * WHERE { ?s ml:a ?o FILTER(!(?o > 3)) FILTER(!BOUND(?x)) }", False, False),
        ("SELECT * WHERE { ?s a ?type }", False, True),
        ("SELECT * WHERE { ?s ml:p/rdf:type ?c }", False, True),
        ("SELECT * WHERE { ?s a ml:MineIncident ; ml:place [ ?p ?o ] }", True, False),
    ],
)
def test_footprint_flags(query: str, any_predicate: bool, any_class: bool) -> None:
    f = footprint(sparql_prefixes() + query)
    assert (f.any_predicate, f.any_class) == (any_predicate, any_class)
    # any predicate: touched by any new triple, a type included
    assert f.touched_by(Delta(frozenset(), frozenset({ML + "Claim"}))) == (
        any_predicate or any_class
    )


def test_footprint_unknown_and_touch() -> None:
    for q in (
        "SELECT * WHERE { GRAPH ?g { ?s ml:a ?o } }",
        "SELECT * WHERE { ?s ml:a ?o BIND(RAND() AS ?r) }",
        "SELECT * WHERE { ?s zz:a ?o }",  # an unknown prefix
    ):
        assert footprint(sparql_prefixes() + q) == UNKNOWN
    f = footprint(sparql_prefixes() + "SELECT * WHERE { ?s a ml:MineIncident ; ml:place ?p }")
    assert f.touched_by(Delta(frozenset({ML + "place"}), frozenset()))
    assert f.touched_by(Delta(frozenset(), frozenset({ML + "MineIncident"})))
    assert not f.touched_by(Delta(frozenset({ML + "date"}), frozenset({ML + "Claim"})))
    assert UNKNOWN.touched_by(Delta(frozenset(), frozenset({ML + "Claim"})))
    assert not UNKNOWN.touched_by(Delta(frozenset(), frozenset()))


# --- end to end, through the CLI ----------------------------------------------------------
def _generate_module() -> Any:
    """benchmarks/generate.py (benchmarks/ is not a package)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import generate
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return generate


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    kb = tmp_path_factory.mktemp("gen") / "kb"
    _generate_module().generate(kb, 60, seed=5)
    return kb


def _findings(kb: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("MINELAW_CACHE", str(cache))
    res = CliRunner().invoke(cli, ["--kb", str(kb), "findings", "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    doc.pop("kb")  # the KB's version: its content hash
    return doc


def _newest(cache: Path) -> Path:
    """The store built last (not the derived folders that hold the findings graph)."""
    stores = [p for p in cache.iterdir() if (p / "inputs.json").is_file()]
    return max(stores, key=lambda p: (p / "COMPLETE").stat().st_mtime)


def test_after_add_and_change_findings_equal_a_cold_run(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    kb = tmp_path / "kb"
    shutil.copytree(generated, kb)
    cache = tmp_path / "cache"
    before = _findings(kb, cache, monkeypatch)
    assert (_newest(cache) / "rules-cache.json").is_file()
    assert _findings(kb, cache, monkeypatch) == before  # the same store: all reused

    # 1. `minelaw add` of one incident (a new file): an incremental store, the rules cache
    entry = tmp_path / "incident.ttl"
    entry.write_text(_generate_module().new_entry("cache", "test entry"), encoding="utf-8")
    res = CliRunner().invoke(cli, ["--kb", str(kb), "add", str(entry), "--by", "test"])
    assert res.exit_code == 0, res.output
    added = _findings(kb, cache, monkeypatch)
    store = _newest(cache)
    record = json.loads((store / "delta.json").read_text(encoding="utf-8"))
    assert ML + "MineIncident" in record["classes"] and ML + "place" in record["predicates"]
    assert (store / "rules-cache.json").is_file()
    assert added == _findings(kb, tmp_path / "cold-1", monkeypatch)
    assert added != before, "a civilian casualty in the area changes the findings"

    # 2. a file that only gained triples: a changed claim (the incremental path) ...
    claims = kb / "cases" / "synthetic" / "claims.ttl"
    with claims.open("a", encoding="utf-8") as fh:
        fh.write("\nmlr:claim-000001 ml:conflict mlr:conflict-01 .\n")
    changed = _findings(kb, cache, monkeypatch)
    assert (_newest(cache) / "delta.json").is_file()
    assert changed == _findings(kb, tmp_path / "cold-2", monkeypatch)

    # 3. ... and a changed incident: its file holds blank nodes, so a full build
    incidents = kb / "cases" / "synthetic" / "incidents-000.ttl"
    text = incidents.read_text(encoding="utf-8")
    incidents.write_text(
        text.replace("ml:killed 1 ; ml:injured 0", "ml:killed 2 ; ml:injured 0", 1)
    )
    assert _findings(kb, cache, monkeypatch) == _findings(kb, tmp_path / "cold-3", monkeypatch)


def test_what_the_new_triples_cannot_change_is_reused(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A comment on a place: no rule reads rdfs:comment, so every query is reused."""
    import shutil

    from minelaw.reasoning.findings import collect, compute
    from minelaw.store.cache import open_kb

    kb = tmp_path / "kb"
    shutil.copytree(generated, kb)
    monkeypatch.setenv("MINELAW_CACHE", str(tmp_path / "cache"))
    first = collect(open_kb(kb))
    assert first.cache_stats["triggers_reused"] == 0 and first.cache_stats["triggers_run"] > 0
    world = kb / "cases" / "synthetic" / "world.ttl"
    with world.open("a", encoding="utf-8") as fh:
        fh.write('\nmlr:place-qqa-d1 rdfs:comment "a note" .\n')
    store = open_kb(kb)
    assert store.path is not None and (store.path / "delta.json").is_file()
    ctx = collect(store)
    assert ctx.cache_stats["triggers_run"] == 0
    # only the patterns with a variable predicate (any new triple may change them) run again
    anything = {
        text
        for r in ctx.rules
        for e in r.elements
        for text in (e.support, e.refute, e.indication)
        if text and pattern_footprint(text).any_predicate
    }
    assert 0 < ctx.cache_stats["patterns_run"] <= len(anything)
    assert ctx.cache_stats["patterns_reused"] > 10 * ctx.cache_stats["patterns_run"]
    cold = open_kb(kb, use_cache=False)
    ref = collect(cold)
    assert [f.to_json() for f in compute(store, ctx=ctx)] == [
        f.to_json() for f in compute(cold, ctx=ref)
    ]
