"""Compliance rules, data-driven: tests/rules/<norm>-NNN.ttl hold data and expected findings.

Each case is loaded with the real ontology and the real law (kb/law) plus the fictional world
of tests/rules/_world.ttl.  A case names the norm it tests (``mlt:norm``) and the findings it
expects for that norm (``mlt:expect``); none expected means the rule must not fire.  An
expectation gives the duty-bearer, territory and standard, and may pin more of the finding:

- ``mlt:basis "treaty"|"custom"`` -- the kind of every legal basis relied on;
- ``mlt:relevantDate`` and ``mlt:precision`` -- the relevant date and its precision;
- ``mlt:dateNote`` -- the relevant date's note, exactly (how it was reached, as a brief prints
  it; ``""`` asserts there is none);
- ``mlt:periodEnd`` -- the last day of the finding's period;
- ``mlt:jurisdiction`` / ``mlt:attribution`` -- the basis of jurisdiction or attribution;
- ``mlt:notApplied`` -- a treaty (identifier) listed as not applying between the parties;
- ``mlt:element [ mlt:id ; mlt:status ; mlt:standard ; mlt:context ; mlt:reason ]`` -- one
  element; its ``mlt:context`` lists every item found but dated outside the element's evidence
  window (``mlt:context ()`` asserts there is none); each ``mlt:reason`` is a text the element's
  reason must contain (why it reaches no higher standard: what a researcher reads).

``mlt:episode`` names the episode of a finding whose conduct was split by phase of active
hostilities (``applicability.episode``: a phase's identifier, or ``no-phase``); none means the
finding was not split.
``mlt:excluded [ mlt:dutyBearer ; mlt:reason "..." ]`` asserts that a trigger row was dropped
by applicability with a reason containing the text (what a researcher reads).
``mlt:withoutSource [ mlt:source ; mlt:standard | mlt:drops true ]`` asserts what a what-if
without that source does to the (single) expected finding.

The reference path (pySHACL) is compared with the engine path once per rule, on the union of
all the rule's cases (:func:`test_engine_and_pyshacl_agree`): both run the same SPARQL text,
so per-case repetition caught nothing the union does not.
"""

from __future__ import annotations

import functools
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import rdflib

from paths import ROOT
from side_by_side import described, side_by_side
from sparql_parse_cache import parsed_once

CASES = sorted((ROOT / "tests" / "rules").glob("*-[0-9][0-9][0-9].ttl"))
MLT = rdflib.Namespace("https://w3id.org/minelaw/test#")
MLR = "https://w3id.org/minelaw/id/"


#: the parts of kb/law the compliance shapes' trigger queries read (the differential test runs
#: pySHACL without the law's many publishers and sources: each is a focus node it would
#: re-parse every query for)
TRIGGER_LAW = ("participation", "states", "instruments", "norms-", "provisions")


def build_kb(cases: list[Path], tmp: Path, law: tuple[str, ...] | None = None) -> Path:
    kb = tmp / "kb"
    (kb / "law").mkdir(parents=True)
    for f in (ROOT / "kb" / "law").glob("*.ttl"):
        if law is None or f.name.startswith(law):
            shutil.copy(f, kb / "law" / f.name)
    shutil.copy(ROOT / "tests" / "rules" / "_world.ttl", kb / "world.ttl")
    for case in cases:
        shutil.copy(case, kb / case.name)
    return kb


def _s(g: rdflib.Graph, node: Any, prop: rdflib.URIRef) -> str | None:
    v = g.value(node, prop)
    return None if v is None else str(v)


def _context(g: rdflib.Graph, el: Any) -> list[str] | None:
    """The element's expected context items; ``mlt:context ()`` (rdf:nil) expects none."""
    items = [str(x) for x in g.objects(el, MLT.context)]
    if not items:
        return None
    return sorted(x for x in items if x != str(rdflib.RDF.nil))


def expectations(case: Path) -> dict[str, Any]:
    g = rdflib.Graph().parse(case)
    c = MLT.case
    exp = []
    for e in g.objects(c, MLT.expect):
        exp.append(
            {
                "key": (
                    str(g.value(e, MLT.dutyBearer)),
                    str(g.value(e, MLT.territory)),
                    _s(g, e, MLT.episode) or "",
                ),
                "standard": str(g.value(e, MLT.standard)),
                "basis": _s(g, e, MLT.basis),
                "relevant_date": _s(g, e, MLT.relevantDate),
                "precision": _s(g, e, MLT.precision),
                "date_note": _s(g, e, MLT.dateNote),
                "period_end": _s(g, e, MLT.periodEnd),
                "jurisdiction": _s(g, e, MLT.jurisdiction),
                "attribution": _s(g, e, MLT.attribution),
                "not_applied": sorted(str(x) for x in g.objects(e, MLT.notApplied)),
                "elements": [
                    {
                        "id": str(g.value(el, MLT.id)),
                        "status": _s(g, el, MLT.status),
                        "standard": _s(g, el, MLT.standard),
                        "context": _context(g, el),
                        "reason": sorted(str(x) for x in g.objects(el, MLT.reason)),
                    }
                    for el in g.objects(e, MLT.element)
                ],
            }
        )
    excluded = [
        (str(g.value(x, MLT.dutyBearer)), str(g.value(x, MLT.reason)))
        for x in g.objects(c, MLT.excluded)
    ]
    without = [
        {
            "source": str(g.value(w, MLT.source)),
            "standard": _s(g, w, MLT.standard),
            "drops": _s(g, w, MLT.drops) == "true",
        }
        for w in g.objects(c, MLT.withoutSource)
    ]
    return {
        "norm": str(g.value(c, MLT.norm)),
        "expect": exp,
        "excluded": excluded,
        "without": without,
    }


def _local(iri: str) -> str:
    return iri[len(MLR) :] if iri.startswith(MLR) else iri


@pytest.fixture(scope="module")
def kb_tools() -> Any:
    """The functions each case runs, and the compliance rules, read once for all the cases
    (``collect`` would read and parse ``rules/obligations`` again for every case)."""
    from minelaw.reasoning.findings import collect, compute
    from minelaw.reasoning.rules import load_rules
    from minelaw.store import open_kb, preflight

    return open_kb, preflight, collect, compute, load_rules()


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_rule_case(case: Path, tmp_path: Path, kb_tools: Any) -> None:
    open_kb, preflight, collect, compute, rules = kb_tools
    exp = expectations(case)
    norm = exp["norm"]
    store = open_kb(build_kb([case], tmp_path), use_cache=False)
    assert preflight(store) == [], "the case data must pass the entry shapes"
    ctx = collect(store, rules)
    assert any(r.norm == norm for r in ctx.rules), f"no compliance shape operationalises {norm}"
    findings = {
        (f.candidate.duty_bearer, f.candidate.territory, f.candidate.episode): f
        for f in compute(store, ctx=ctx)
        if f.candidate.norm == norm
    }
    assert {k: f.standard for k, f in findings.items()} == {
        e["key"]: e["standard"] for e in exp["expect"]
    }
    for e in exp["expect"]:
        doc = findings[e["key"]].to_json()
        if e["basis"]:
            assert {b["kind"] for b in doc["legal_basis"]} == {e["basis"]}, doc["legal_basis"]
        if e["relevant_date"]:
            assert doc["relevant_date"]["date"] == e["relevant_date"], doc["relevant_date"]
        if e["precision"]:
            assert doc["relevant_date"]["precision"] == e["precision"], doc["relevant_date"]
        if e["date_note"] is not None:
            assert doc["relevant_date"]["note"] == e["date_note"], doc["relevant_date"]
        if e["period_end"]:
            assert doc["period"]["end"] == e["period_end"], doc["period"]
        app = doc["applicability"]
        if e["jurisdiction"]:
            assert (app["jurisdiction"] or {}).get("basis") == e["jurisdiction"], app
        if e["attribution"]:
            assert (app["attribution"] or {}).get("basis") == e["attribution"], app
        if e["not_applied"]:
            got = sorted(b["instrument"] for b in app["treaties_not_applied"])
            assert got == [_local(x) for x in e["not_applied"]], app["treaties_not_applied"]
        by_id = {el["id"]: el for el in doc["elements"]}
        for el in e["elements"]:
            got = by_id[_local(el["id"])]
            if el["status"]:
                assert got["status"] == el["status"], got
            if el["standard"]:
                assert got["standard_of_proof"] == el["standard"], got
            if el["context"] is not None:
                assert sorted(got["context"]) == [_local(x) for x in el["context"]], got
            for text in el["reason"]:
                assert text in got["reason"], (text, got["reason"])
    reasons = defaultdict(list)
    for x in ctx.exclusions:
        if x.trigger.norm == norm:
            reasons[x.trigger.duty_bearer].append(x.reason)
    for bearer, text in exp["excluded"]:
        assert any(text in r for r in reasons[bearer]), (text, reasons[bearer])
    for w in exp["without"]:
        (key,) = [e["key"] for e in exp["expect"]]
        after = {
            (f.candidate.duty_bearer, f.candidate.territory, f.candidate.episode): f.standard
            for f in compute(store, ctx=ctx, exclude_sources=[w["source"]])
            if f.candidate.norm == norm
        }
        if w["drops"]:
            assert key not in after, after
        else:
            assert after.get(key) == w["standard"], after


#: cases per rule in the pySHACL differential: the first three, then those with organs,
#: authorities or attribution (where the engine's free ``$this`` once selected non-states)
DIFFERENTIAL_CASES = 7
ACTOR_WORDS = ("ml:organOf", "ml:AttributionBasis", "ml:through", "DeFactoAuthority")
#: each case's norm, read once (parsing every case file again in each differential test cost
#: seconds per rule)
NORM_OF = {c: expectations(c)["norm"] for c in CASES}
RULE_NORMS = sorted(set(NORM_OF.values()))


@functools.cache
def _defined_elsewhere() -> frozenset[rdflib.term.Node]:
    """The resources the fictional world and the law parts of :data:`TRIGGER_LAW` describe."""
    law = [f for f in (ROOT / "kb" / "law").glob("*.ttl") if f.name.startswith(TRIGGER_LAW)]
    return described([ROOT / "tests" / "rules" / "_world.ttl", *law])


@pytest.mark.parametrize("norm", RULE_NORMS, ids=[n.rsplit("/", 1)[-1] for n in RULE_NORMS])
def test_engine_and_pyshacl_agree(norm: str, tmp_path: Path) -> None:
    """The reference path (pySHACL) selects the same trigger rows (norm, focus node, value) as
    the engine path, on the rule's cases together (side by side: :func:`side_by_side`)."""
    from minelaw.reasoning.rules import load_rules, run_pyshacl, run_triggers
    from minelaw.store import open_kb

    # the first cases of the rule (its firing case and first filters): pySHACL runs the same
    # SPARQL text slowly (minutes per rule over all its cases), and this test is about the
    # engine path's focus-node handling, not each filter, which the cases above pin
    mine = [c for c in CASES if NORM_OF[c] == norm]
    actors = [c for c in mine if any(w in c.read_text("utf-8") for w in ACTOR_WORDS)]
    cases = sorted(set(mine[:3] + actors[: DIFFERENTIAL_CASES - 3]))
    kb = build_kb([], tmp_path, TRIGGER_LAW)
    side_by_side(cases, kb, _defined_elsewhere())
    store = open_kb(kb)
    rules = [r for r in load_rules() if r.norm == norm]
    engine = {t.key for t in run_triggers(store, rules)}
    g = rdflib.Graph()
    g.parse(
        data="".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in store.store), format="nt"
    )
    with parsed_once():  # pySHACL parses the text per focus node otherwise (the module's doc)
        ref = run_pyshacl(g, rules)
    assert ref == engine
    assert engine, "the cases of a rule must trigger it at least once"


@pytest.mark.parametrize(("today", "stands"), [("2020-01-14", False), ("2020-01-15", True)])
def test_the_duty_at_the_end_of_hostilities_arises_on_that_day(
    tmp_path: Path, kb_tools: Any, today: str, stands: bool
) -> None:
    """Rule 83 binds from the end of the active hostilities (case CIHL-R83-001: the ceasefire of
    2020-01-15): on that day the duty has arisen; the day before, "the active hostilities over
    the area have not ended yet" (the boundary of ``relevant.end > today`` in applicability,
    which no rule case can reach, since they run on the system date)."""
    import datetime as dt

    from minelaw.reasoning.applicability import evaluate
    from minelaw.reasoning.lawdata import load_law
    from minelaw.reasoning.rules import load_rules, run_triggers

    open_kb = kb_tools[0]
    store = open_kb(build_kb([ROOT / "tests" / "rules" / "CIHL-R83-001.ttl"], tmp_path))
    (rule,) = [r for r in load_rules() if r.norm_id == "CIHL-R83"]
    triggers = run_triggers(store, [rule])
    assert triggers, "the case has a laying"
    law = load_law(store, {rule.norm}, {p for t in triggers for p in (t.place, t.territory) if p})
    ok, excluded = evaluate(
        law, rule.norm, rule.relevant_date_kind, triggers, today=dt.date.fromisoformat(today)
    )
    assert bool(ok) is stands
    if not stands:
        assert any("have not ended yet" in x.reason for x in excluded)
    else:
        (app,) = ok.values()
        assert app.relevant_date == "2020-01-15"
