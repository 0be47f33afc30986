"""The measurements of benchmarks/run.py, each run in a child process (``run.py --measure
NAME``) that prints one JSON object on its last stdout line: load, preflight, compliance rules
(engine and pySHACL), validation of one entry, saved queries (Oxigraph and rdflib), findings
and briefs (issues 9 and 19); the issue 19 measurements of a new KB are in ``cold.py``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cold as issue19  # noqa: E402  (benchmarks/ is not a package)
from generate import new_entry  # noqa: E402

# saved queries: parameters for the synthetic KB and the kind of query (targets differ)
QUERY_PARAMS: dict[str, dict[str, str]] = {
    "binding-norms": {"state": "QQA", "date": "2021-06-12"},
    "changes-since": {"since": "2020-01-01"},
    "civilian-casualties-under-control": {"actor": "QQB"},
    "claims-about": {"event": "ev-laying-qqa-qqb-d1-v1"},
    "claims-by-claimant": {"claimant": "org-qqa-ministry"},
    "elements": {"norm": "CIHL-R83"},
    "entries-by-contributor": {"contributor": "bench"},
    "finding-evidence": {"finding": "CIHL-R83--QQA--place-qqb-d1"},
    "forums": {"finding": "CIHL-R83--QQA--place-qqb-d1"},
    "findings-by-duty-bearer": {"actor": "QQA"},
    "findings-by-norm-and-standard": {"norm": "CIHL-R83", "standard": "insufficient"},
    "incidents-by-district-year": {"district": "place-qqa-d1", "year": "2021"},
    "party-status": {"state": "QQA", "instrument": "API-1977", "date": "2021-06-12"},
    "place-search": {"text": "Qqa D1"},
    "place": {"label": "Qqa D1 V1"},
    "sources-by-grade": {"reliability": "B", "credibility": "3"},
    "treaty-timeline": {"state": "QQA"},
}
# look-ups of one thing (target 100 ms); listings return one row per incident or source of the
# whole KB (exports: 100,000 rows at 100k, no target); the others aggregate or filter over all
# incidents/claims/sources (target 2 s)
BASELINES = (
    "pySHACL",
    "queries (rdflib)",
    "entry shapes (pySHACL)",
)  # the comparison baselines, not minelaw
LISTINGS = {"casualties-by-district", "sources", "timeline"}
LOOKUPS = {
    "binding-norms",
    "claims-about",
    "claims-by-claimant",
    "elements",
    "entries-by-contributor",
    "finding-evidence",
    "findings-by-duty-bearer",
    "forums",
    "incidents-by-district-year",
    "party-status",
    "place",
    "place-search",
    "treaty-timeline",
}

ENTRY = new_entry("bench", "benchmark entry")


# --------------------------------------------------------------------------------------
# children: each prints one JSON object on its last stdout line
# --------------------------------------------------------------------------------------
def _store(kb: Path) -> Any:
    from minelaw.store.cache import open_kb

    return open_kb(kb)


def m_load(a: argparse.Namespace) -> dict[str, Any]:
    t = time.perf_counter()
    st = _store(a.kb)
    sec = time.perf_counter() - t
    return {"seconds": sec, "cached": st.cached, "quads": st.count_quads()}


def m_load_split(a: argparse.Namespace) -> dict[str, Any]:
    """Where cold-load time goes: parsing into Oxigraph vs OWL 2 RL materialisation."""
    import pyoxigraph as ox

    from minelaw.store.cache import _load_files
    from minelaw.store.oxigraph import discover
    from minelaw.store.reason import materialise

    files = discover(a.kb)
    st = ox.Store()
    t = time.perf_counter()
    _load_files(st, files, None)
    t1 = time.perf_counter()
    inferred = materialise(st, files)
    t2 = time.perf_counter()
    return {"parse": t1 - t, "reason": t2 - t1, "quads": len(st), "inferred": inferred}


def qkind(name: str) -> str:
    """L (look-up), A (aggregate over all incidents) or X (listing of all of them)."""
    return "L" if name in LOOKUPS else "X" if name in LISTINGS else "A"


def m_preflight(a: argparse.Namespace) -> dict[str, Any]:
    from minelaw.resources import cache_root
    from minelaw.store.checks import preflight

    st = _store(a.kb)
    (cache_root() / st.key[:32] / "preflight.json").unlink(missing_ok=True)
    t = time.perf_counter()
    problems = preflight(st)
    return {"seconds": time.perf_counter() - t, "problems": len(problems)}


def m_rules(a: argparse.Namespace) -> dict[str, Any]:
    from minelaw.reasoning.rules import load_rules, run_candidates

    st = _store(a.kb)
    rules = load_rules()
    per_rule = {}
    t = time.perf_counter()
    for r in rules:
        t1 = time.perf_counter()
        run_candidates(st, [r])
        per_rule[r.norm_id] = time.perf_counter() - t1
    engine = time.perf_counter() - t
    t = time.perf_counter()
    cands = run_candidates(st, rules)
    engine2 = time.perf_counter() - t
    keys = sorted(" ".join(c.key) for c in cands)
    if a.keys_out:
        Path(a.keys_out).write_text(json.dumps(keys), encoding="utf-8")
    return {
        "seconds": min(engine, engine2),
        "per_rule": per_rule,
        "candidates": len(cands),
    }


def m_pyshacl(a: argparse.Namespace) -> dict[str, Any]:
    import rdflib

    from minelaw.reasoning.rules import load_rules, run_pyshacl

    st = _store(a.kb)
    rules = load_rules()
    t = time.perf_counter()
    g = rdflib.Graph()
    g.parse(
        data="".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in st.store), format="nt"
    )
    convert = time.perf_counter() - t
    print(json.dumps({"partial": {"convert": convert, "triples": len(g)}}), flush=True)
    t = time.perf_counter()
    found = run_pyshacl(g, rules)
    sec = time.perf_counter() - t
    keys = sorted(" ".join(k) for k in found)
    if a.keys_out:
        Path(a.keys_out).write_text(json.dumps(keys), encoding="utf-8")
    return {"seconds": sec, "convert": convert, "triples": len(g), "candidates": len(keys)}


def m_validate(a: argparse.Namespace) -> dict[str, Any]:
    from minelaw.intake.workflow import run_validate

    st = _store(a.kb)
    entry = Path(a.entry)
    times, status = [], ""
    for _ in range(a.reps + 1):
        t = time.perf_counter()
        subs = run_validate([entry], a.kb, store=st)
        times.append(time.perf_counter() - t)
        status = subs[0].status
        problems = [p.message for p in subs[0].problems]
    return {
        "first": times[0],
        "median": statistics.median(times[1:]),
        "status": status,
        "problems": problems[:5],
    }


def _saved() -> dict[str, tuple[Any, str]]:
    from minelaw.namespaces import sparql_prefixes
    from minelaw.sparql.query import bind, saved_queries

    out = {}
    for name, sq in sorted(saved_queries().items()):
        text = bind(sq, QUERY_PARAMS.get(name, {}))
        out[name] = (sq, sparql_prefixes() + text)
    return out


def m_queries_ox(a: argparse.Namespace) -> dict[str, Any]:
    st = _store(a.kb)
    res = {}
    for name, (_sq, text) in _saved().items():
        times, rows = [], 0
        for _ in range(a.reps):
            t = time.perf_counter()
            rows = len(st.query(text).rows)
            times.append(time.perf_counter() - t)
        res[name] = {"median": statistics.median(times), "rows": rows}
    return {"queries": res}


def m_queries_rdflib(a: argparse.Namespace) -> dict[str, Any]:
    import rdflib

    st = _store(a.kb)
    t = time.perf_counter()
    ds = rdflib.Dataset(default_union=True)
    nq = "".join(f"{q.subject} {q.predicate} {q.object} {q.graph_name} .\n" for q in st.store)
    ds.parse(data=nq, format="nquads")
    parse = time.perf_counter() - t
    print(json.dumps({"partial": {"parse": parse}}), flush=True)
    res: dict[str, Any] = {}
    for name, (_sq, text) in _saved().items():
        t = time.perf_counter()
        try:
            rows = len(list(ds.query(text)))
        except Exception as exc:  # rdflib's engine fails on some queries
            err = f"{type(exc).__name__}: {exc}"[:200]
            res[name] = {"median": None, "rows": None, "error": err}
        else:
            res[name] = {"median": time.perf_counter() - t, "rows": rows}
        print(json.dumps({"partial": {"parse": parse, "queries": res}}), flush=True)
    return {"parse": parse, "queries": res}


def m_briefs(a: argparse.Namespace) -> dict[str, Any]:
    from minelaw.briefs.render import render, write_all
    from minelaw.reasoning.findings import collect, compute
    from minelaw.reasoning.rules import element_items_all

    st = _store(a.kb)
    marks: dict[str, float] = {}

    def progress(name: str, i: int, n: int) -> None:  # the rules, then the element patterns
        if name.startswith("element pattern") and "elements" not in marks:
            marks["elements"] = time.perf_counter()

    t = time.perf_counter()
    ctx = collect(st, progress=progress)
    found = compute(st, ctx=ctx)
    end = time.perf_counter()
    full = end - t
    rules_s = marks.get("elements", end) - t
    # the element queries as before issue 19's batching: one query per rule and pattern
    by_rule = {r.norm: [c for c in ctx.candidates if c.norm == r.norm] for r in ctx.rules}
    t = time.perf_counter()
    shared = element_items_all(st, ctx.rules, by_rule)
    el_shared = time.perf_counter() - t
    t = time.perf_counter()
    per_rule = {r.norm: element_items_all(st, [r], by_rule)[r.norm] for r in ctx.rules}
    el_per_rule = time.perf_counter() - t
    same = {k: dict(v) for k, v in shared.items()} == {k: dict(v) for k, v in per_rule.items()}
    out: dict[str, Any] = {
        "findings": len(found),
        "findings_seconds": full,
        "rules_seconds": rules_s,
        "analysis_seconds": full - rules_s,
        "element_queries": {"shared": el_shared, "per_rule": el_per_rule, "same": same},
    }
    print(json.dumps({"partial": out}), flush=True)
    if not found:
        return {"error": "no findings", **out}
    batch = [found[i % len(found)] for i in range(a.briefs)]
    # the baseline: briefs spread evenly over the batch (the findings differ in size by norm)
    k = max(1, min(a.briefs_baseline, len(batch)))
    one_by_one = [batch[i * len(batch) // k] for i in range(k)]
    render(batch[0], st, "md", ctx)  # one-off costs (templates, base map, citation style)
    render(batch[0], st, "html", ctx)
    out["rendered"] = len(batch)
    out["baseline_rendered"] = len(one_by_one)
    for fmt in ("md", "html"):
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            write_all(batch, st, Path(tmp), fmt, ctx, generated=dt.date(2026, 1, 1))
            out[fmt] = time.perf_counter() - t
        # baseline: one brief at a time, each with its own queries, in this process
        t = time.perf_counter()
        for f in one_by_one:
            render(f, st, fmt, ctx, generated=dt.date(2026, 1, 1))
        out[f"{fmt}_one_by_one"] = time.perf_counter() - t
        print(json.dumps({"partial": out}), flush=True)
    return out


MEASURES: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "load": m_load,
    "load-split": m_load_split,
    "preflight": m_preflight,
    "rules": m_rules,
    "pyshacl": m_pyshacl,
    "validate": m_validate,
    "queries-ox": m_queries_ox,
    "queries-rdflib": m_queries_rdflib,
    "briefs": m_briefs,
    **issue19.MEASURES,
}
