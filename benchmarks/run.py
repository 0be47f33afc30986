"""Side-by-side benchmarks of minelaw on synthetic KBs (issue 9); writes benchmarks/RESULTS.md.

    python benchmarks/run.py --sizes 1000,10000[,100000] [--runs 3] [--out RESULTS.md]

For each size the KB is generated (``benchmarks/generate.py``), then every
measurement runs in its own subprocess (this file with ``--measure NAME``, or the
``minelaw`` command itself), so that its peak RSS is the child's own
``ru_maxrss`` from ``os.wait4``.  Each child gets its own cache folder under the
work folder (``MINELAW_CACHE``), never the user's.  Measurements:

1. cold load (a fresh cache: parse + OWL 2 RL materialisation + store build) and
   warm load (the cached store reopened), in process and as a whole CLI command;
2. the compliance rules: minelaw's engine path (``rules.run_candidates``, one SPARQL
   query per rule on the store) and the full findings computation, vs pySHACL
   validating the same shapes over an rdflib copy of the same data; the candidate
   sets must be equal, and contain every candidate the generator planted;
3. ``minelaw validate`` of one new entry, in process (warm store) and whole CLI;
4. the saved queries (``queries/*.rq``, parameters generated) on the embedded store
   vs rdflib's own SPARQL engine over the same quads;
5. rendering of 1,000 briefs (Markdown and HTML).

A child that exceeds its time limit is killed and reported as a lower bound (">").
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cold as issue19  # noqa: E402  (benchmarks/ is not a package)

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

ENTRY = """@prefix ml:      <https://w3id.org/minelaw/ontology#> .
@prefix mlv:     <https://w3id.org/minelaw/vocab/> .
@prefix mlr:     <https://w3id.org/minelaw/id/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .

mlr:src-bench-new a ml:Source ; dcterms:identifier "src-bench-new" ;
    dcterms:title "A new field report" ; dcterms:publisher mlr:org-monitor ;
    ml:sourceKind mlv:source-kind-ngo-report ; ml:url "https://example.org/bench-new"^^xsd:anyURI ;
    dcterms:issued "2023-04-04"^^xsd:date ; dcterms:language "en" ;
    ml:reliability mlv:reliability-B ; ml:credibility mlv:credibility-2 ;
    ml:preservation mlv:preservation-not-preserved ; ml:researchNote "benchmark entry" .
mlr:ev-bench-new a ml:MineIncident ; dcterms:identifier "ev-bench-new" ;
    rdfs:label "A new mine incident"@en ;
    ml:place mlr:place-qqa-d1-v1 ; ml:date "2023-05-01"^^xsd:date ;
    ml:datePrecision mlv:date-precision-day ; ml:deviceType mlv:device-type-anti-personnel-mine ;
    ml:killed 0 ; ml:injured 1 ;
    ml:casualty [ a ml:CasualtyGroup ; ml:victimCategory mlv:victim-category-civilian ;
                  ml:outcome mlv:casualty-outcome-injured ; ml:count 1 ] ;
    ml:verification mlv:verification-secondary ; dcterms:source mlr:src-bench-new .
"""


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


# --------------------------------------------------------------------------------------
# the parent: spawn children, collect wall time, peak RSS and results
# --------------------------------------------------------------------------------------
class Child:
    def __init__(
        self, result: dict[str, Any] | None, wall: float, rss_mb: float, timed_out: bool, rc: int
    ) -> None:
        self.result, self.wall, self.rss_mb, self.timed_out, self.rc = (
            result,
            wall,
            rss_mb,
            timed_out,
            rc,
        )


def spawn(cmd: list[str], cache: Path, timeout: float) -> Child:
    """Run ``cmd`` with its own cache folder; wall time and its own peak RSS (os.wait4)."""
    env = dict(os.environ, MINELAW_CACHE=str(cache), PYTHONUNBUFFERED="1")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, start_new_session=True)
        timed_out, status, ru = False, 0, None
        while True:
            pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - t > timeout:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                _, status, ru = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        lines = out.read().decode("utf-8", "replace").strip().splitlines()
        errtext = err.read().decode("utf-8", "replace")
    result = None
    for line in reversed(lines):
        try:
            result = json.loads(line)
            break
        except ValueError:
            continue
    if proc.returncode not in (0, 1) and not timed_out:
        sys.stderr.write(f"child failed ({proc.returncode}): {' '.join(cmd)}\n{errtext[-3000:]}\n")
    assert ru is not None
    return Child(result, wall, ru.ru_maxrss / 1024, timed_out, proc.returncode)


def measure(name: str, kb: Path, cache: Path, timeout: float, *extra: str) -> Child:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--measure", name, "--kb", str(kb)]
    return spawn([*cmd, *extra], cache, timeout)


def minelaw_cli(*args: str) -> list[str]:
    exe = Path(sys.executable).with_name("minelaw")
    if exe.exists():
        return [str(exe), *args]
    return [sys.executable, "-m", "minelaw", *args]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def bench_size(
    n: int, runs: int, work: Path, a: argparse.Namespace, save: Callable[[dict[str, Any]], None]
) -> dict[str, Any]:
    from generate import generate

    r: dict[str, Any] = {"incidents": n, "runs": runs}
    kb = work / f"kb-{n}"
    t = time.perf_counter()
    manifest = generate(kb, n, a.seed)
    r["generate_seconds"] = time.perf_counter() - t
    r["planted"] = manifest["planted"]
    r["files"] = len(list(kb.rglob("*.ttl")))
    warm = work / f"cache-{n}"
    shutil.rmtree(warm, ignore_errors=True)
    rss: dict[str, float] = {}

    def peak(key: str, c: Child) -> None:
        rss[key] = max(rss.get(key, 0.0), c.rss_mb)

    r["rss"] = rss
    # 1. cold and warm load
    log(f"{n}: cold load x{runs}")
    cold = []
    for i in range(runs):
        cache = warm if i == 0 else work / f"cold-{n}-{i}"
        c = measure("load", kb, cache, a.timeout)
        peak("cold load", c)
        if c.result:
            cold.append(c.result["seconds"])
            r["quads"] = c.result["quads"]
        if i:
            shutil.rmtree(cache, ignore_errors=True)
    r["cold"] = cold
    c = measure("load-split", kb, work / "unused", a.timeout)
    r["cold_split"] = c.result
    log(f"{n}: warm load x{runs}")
    r["warm"] = []
    r["warm_cli"] = []
    r["warm_cli_ask"] = []
    for _ in range(runs):
        c = measure("load", kb, warm, a.timeout)
        peak("warm load", c)
        if c.result:
            r["warm"].append(c.result["seconds"])
        c = spawn(
            minelaw_cli("--kb", str(kb), "query", "place", "--param", "label=Qqa D1 V1"),
            warm,
            a.timeout,
        )
        peak("warm CLI (query place)", c)
        r["warm_cli"].append(c.wall)
        c = spawn(minelaw_cli("--kb", str(kb), "query", "ASK { ?s ?p ?o }"), warm, a.timeout)
        peak("warm CLI (query ASK)", c)
        r["warm_cli_ask"].append(c.wall)
    # preflight: entry shapes + datatype QC before the first rule run on a new store
    log(f"{n}: preflight")
    c = measure("preflight", kb, warm, a.preflight_timeout)
    peak("preflight", c)
    r["preflight"] = {"seconds": c.wall if c.timed_out else (c.result or {}).get("seconds")}
    r["preflight"]["timed_out"] = c.timed_out
    r["preflight"]["problems"] = (c.result or {}).get("problems")
    if c.timed_out or not c.result:  # let later commands skip it: write an empty marker
        from minelaw.store.oxigraph import cache_key, discover

        key = cache_key(discover(kb))
        (warm / key[:32] / "preflight.json").write_text("[]", encoding="utf-8")
    # 2. compliance rules
    log(f"{n}: rules x{runs}")
    save(r)
    r["rules"] = []
    keys_engine = work / f"engine-{n}.json"
    for _ in range(runs):
        c = measure("rules", kb, warm, a.timeout, "--keys-out", str(keys_engine))
        peak("rules + findings", c)
        if c.result:
            r["rules"].append(c.result["seconds"])
            r["per_rule"] = c.result["per_rule"]
            r["candidates"] = c.result["candidates"]
    engine = set(json.loads(keys_engine.read_text())) if keys_engine.exists() else set()
    planted = {
        " ".join(
            (
                f"https://w3id.org/minelaw/id/{norm}",
                *(f"https://w3id.org/minelaw/id/{x}" for x in pair.split()),
            )
        )
        for norm, pairs in manifest["planted"].items()  # type: ignore[union-attr]
        for pair in pairs
    }
    r["planted_found"] = len(planted & engine)
    r["planted_total"] = len(planted)
    save(r)
    if n <= a.pyshacl_max:
        log(f"{n}: pySHACL (limit {a.pyshacl_timeout:.0f} s)")
        keys_ref = work / f"pyshacl-{n}.json"
        keys_ref.unlink(missing_ok=True)
        c = measure("pyshacl", kb, warm, a.pyshacl_timeout, "--keys-out", str(keys_ref))
        peak("pySHACL", c)
        res = c.result or {}
        partial = res.get("partial", {})
        r["pyshacl"] = {
            "timed_out": c.timed_out,
            "seconds": c.wall - partial.get("convert", 0.0) if c.timed_out else res.get("seconds"),
            "convert": partial.get("convert", res.get("convert")),
        }
        if keys_ref.exists():
            ref = set(json.loads(keys_ref.read_text()))
            r["pyshacl"]["agree"] = ref == engine
            r["pyshacl"]["only_engine"] = sorted(engine - ref)[:10]
            r["pyshacl"]["only_pyshacl"] = sorted(ref - engine)[:10]
    else:
        r["pyshacl"] = {"skipped": True}
    save(r)
    # 3. one-entry validation
    log(f"{n}: validate")
    entry = work / "entry-bench-new.ttl"
    entry.write_text(ENTRY, encoding="utf-8")
    c = measure("validate", kb, warm, a.timeout, "--entry", str(entry), "--reps", str(a.reps))
    peak("validate (in process)", c)
    r["validate"] = c.result
    r["validate_cli"] = []
    for _ in range(runs):
        c = spawn(minelaw_cli("--kb", str(kb), "validate", str(entry)), warm, a.timeout)
        peak("validate (CLI)", c)
        r["validate_cli"].append(c.wall)
        r["validate_cli_rc"] = c.rc
    save(r)
    # 4. saved queries
    log(f"{n}: saved queries (Oxigraph)")
    c = measure("queries-ox", kb, warm, a.timeout, "--reps", str(max(3, runs)))
    peak("queries (Oxigraph)", c)
    r["queries_ox"] = (c.result or {}).get("queries", {})
    if n <= a.rdflib_max:
        log(f"{n}: saved queries (rdflib, limit {a.rdflib_timeout:.0f} s)")
        c = measure("queries-rdflib", kb, warm, a.rdflib_timeout)
        peak("queries (rdflib)", c)
        res = c.result or {}
        res = res.get("partial", res)
        r["queries_rdflib"] = {
            "timed_out": c.timed_out,
            "wall": c.wall,
            "parse": res.get("parse"),
            "queries": res.get("queries", {}),
        }
    else:
        r["queries_rdflib"] = {"skipped": True}
    save(r)
    # 5. the full findings analysis (once), then the briefs
    log(f"{n}: findings and briefs x{a.briefs}")
    c = measure(
        "briefs",
        kb,
        warm,
        a.timeout,
        "--briefs",
        str(a.briefs),
        "--briefs-baseline",
        str(a.briefs_baseline),
    )
    peak("findings + briefs", c)
    res = c.result or {}
    r["briefs"] = None if "partial" in res else res
    res = res.get("partial", res)
    r["findings"] = [res["findings_seconds"]] if "findings_seconds" in res else []
    r["n_findings"] = res.get("findings")
    save(r)
    # findings CLI with everything cached (the warm start of a heavy command)
    if n <= a.findings_cli_max:
        c = spawn(minelaw_cli("--kb", str(kb), "findings", "--format", "json"), warm, a.timeout)
        peak("findings (CLI)", c)
        r["findings_cli"] = c.wall
    save(r)
    # 6. issue 19: entry validation vs pySHACL, first findings, add then findings
    tools = {"measure": measure, "spawn": spawn, "cli": minelaw_cli, "log": log}
    issue19.bench(n, kb, work, warm, a, r, peak, tools)
    if not a.keep:
        shutil.rmtree(warm, ignore_errors=True)
        shutil.rmtree(kb, ignore_errors=True)
    return r


# --------------------------------------------------------------------------------------
# the report
# --------------------------------------------------------------------------------------
def med(xs: list[float] | None) -> float | None:
    return statistics.median(xs) if xs else None


def fs(x: float | None, lower: bool = False) -> str:
    if x is None:
        return "n/a"
    p = "> " if lower else ""
    if x >= 10:
        return f"{p}{x:.1f} s"
    if x >= 1:
        return f"{p}{x:.2f} s"
    return f"{p}{x * 1000:.0f} ms"


def ratio(slow: float | None, fast: float | None, lower: bool = False) -> str:
    if not slow or not fast:
        return "n/a"
    return (
        f"{'> ' if lower else ''}{slow / fast:.0f}×"
        if slow / fast >= 10
        else (f"{'> ' if lower else ''}{slow / fast:.1f}×")
    )


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores{mem}"


def versions() -> str:
    from importlib.metadata import version

    out = [f"Python {platform.python_version()}"]
    for p in ("minelaw", "pyoxigraph", "rdflib", "pyshacl", "reasonable"):
        try:
            out.append(f"{p} {version(p)}")
        except Exception:
            out.append(f"{p} ?")
    return ", ".join(out)


def report(results: list[dict[str, Any]], runs: int, a: argparse.Namespace) -> str:
    sizes = [r["incidents"] for r in results]
    head = "| | " + " | ".join(f"{n:,} incidents" for n in sizes) + " |\n"
    head += "|---|" + "---|" * len(sizes) + "\n"

    def row(label: str, f: Callable[[dict[str, Any]], str]) -> str:
        return f"| {label} | " + " | ".join(f(r) for r in results) + " |\n"

    def pysh(r: dict[str, Any]) -> str:
        p = r["pyshacl"]
        if p.get("skipped"):
            return "not run"
        return fs(p.get("seconds"), p.get("timed_out", False))

    def pysh_ratio(r: dict[str, Any]) -> str:
        p = r["pyshacl"]
        if p.get("skipped"):
            return "not run"
        return ratio(p.get("seconds"), med(r["rules"]), p.get("timed_out", False))

    def agree(r: dict[str, Any]) -> str:
        p = r["pyshacl"]
        if p.get("skipped") or "agree" not in p:
            return "not compared" + (" (pySHACL timed out)" if p.get("timed_out") else "")
        return "yes" if p["agree"] else "**NO**"

    def qsum(r: dict[str, Any], kind: str) -> tuple[float | None, str]:
        qs = {k: v for k, v in r["queries_ox"].items() if qkind(k) == kind}
        if not qs:
            return None, "n/a"
        worst = max(qs, key=lambda k: qs[k]["median"])
        return qs[worst]["median"], worst

    def briefs(r: dict[str, Any], fmt: str) -> str:
        b = r.get("briefs") or {}
        if b.get(fmt) is None:
            return "n/a"
        return f"{fs(b[fmt])} for {b.get('rendered', 0):,}"

    def split(r: dict[str, Any], k: str) -> str:
        s = r.get("cold_split") or {}
        return fs(s.get(k))

    def pre(r: dict[str, Any]) -> str:
        p = r["preflight"]
        return fs(p.get("seconds"), p.get("timed_out", False))

    out = [
        "# Benchmarks\n\n",
        f"Generated by `python benchmarks/run.py --sizes {','.join(map(str, sizes))}` "
        f"on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; runs per size: "
        + ", ".join(f"{r['incidents']:,}: {r.get('runs', runs)}" for r in results)
        + ".\n\n",
        f"- Machine: {machine()}.\n",
        f"- Software: {versions()}.\n",
        "- Times are medians of the runs (each in a fresh subprocess) unless marked; "
        '"> x" is a lower bound: the child was killed at its time limit. Peak memory is the '
        "child's own maximum resident set size (`os.wait4`).\n",
        "- The KB is `benchmarks/generate.py` output (seed "
        f"{a.seed}): 20 fictional states, 200 places, the real ontology and law.\n\n",
        "## Summary\n\n",
        head,
        row("triples (quads, incl. ontology, law, inferred)", lambda r: f"{r.get('quads', 0):,}"),
        row("cold load (parse + OWL RL + cache)", lambda r: fs(med(r["cold"]))),
        row("  of which: parse into Oxigraph", lambda r: split(r, "parse")),
        row("  of which: OWL 2 RL materialisation", lambda r: split(r, "reason")),
        row("warm load (cached store, in process)", lambda r: fs(med(r["warm"]))),
        row(
            "warm CLI start, trivial query (`minelaw query 'ASK {...}'`)",
            lambda r: fs(med(r.get("warm_cli_ask"))) if r.get("warm_cli_ask") else "not run",
        ),
        row("warm CLI, look-up (`minelaw query place`)", lambda r: fs(med(r["warm_cli"]))),
        row("preflight (entry shapes, once per new store)", pre),
        row("preflight problems", lambda r: str(r["preflight"].get("problems"))),
        row("compliance rules, engine path", lambda r: fs(med(r["rules"]))),
        row("compliance rules, pySHACL (same shapes)", pysh),
        row("pySHACL / engine", pysh_ratio),
        row("engine and pySHACL agree", agree),
        row(
            "candidates (planted found)",
            lambda r: (
                f"{r.get('candidates', 0)} "
                f"({r.get('planted_found', 0)}/{r.get('planted_total', 0)})"
            ),
        ),
        row(
            "findings, full analysis (rules + elements + evidence; 1 run)",
            lambda r: fs(med(r["findings"])),
        ),
        row(
            "`minelaw findings` CLI, warm",
            lambda r: fs(r.get("findings_cli")) if "findings_cli" in r else "not run",
        ),
        row(
            "validate one entry, in process (median)",
            lambda r: fs((r.get("validate") or {}).get("median")),
        ),
        row("validate one entry, whole CLI", lambda r: fs(med(r["validate_cli"]))),
        row(
            "slowest look-up query (Oxigraph)",
            lambda r: f"{fs(qsum(r, 'L')[0])} ({qsum(r, 'L')[1]})",
        ),
        row(
            "slowest aggregate query (Oxigraph)",
            lambda r: f"{fs(qsum(r, 'A')[0])} ({qsum(r, 'A')[1]})",
        ),
        row(
            "slowest listing, one row per incident or source (no target)",
            lambda r: f"{fs(qsum(r, 'X')[0])} ({qsum(r, 'X')[1]})",
        ),
        row("briefs, Markdown (time for the number rendered)", lambda r: briefs(r, "md")),
        row("briefs, HTML (time for the number rendered)", lambda r: briefs(r, "html")),
        issue19.rows(results, fs, ratio),
        row(
            "peak memory (largest child)",
            lambda r: "{:.0f} MB ({})".format(
                max(r["rss"].values()), max(r["rss"], key=r["rss"].get)
            ),
        ),
        "\n",
    ]
    # targets at the largest size
    big = results[-1]
    t1k = next((r for r in results if r["incidents"] == 1000), results[0])
    v_big = (big.get("validate") or {}).get("median")
    v_1k = (t1k.get("validate") or {}).get("median")
    p = big["pyshacl"]
    rules_big = med(big["rules"])
    look, agg = qsum(big, "L")[0], qsum(big, "A")[0]
    own = {k: v for k, v in big["rss"].items() if k not in BASELINES}
    rss_key = max(own, key=own.get) if own else ""
    rss_big = own.get(rss_key, 0.0)
    warm_big = med(big.get("warm_cli_ask"))

    def tgt(label: str, ok: bool | None, value: str) -> str:
        mark = "n/a" if ok is None else ("met" if ok else "**missed**")
        return f"| {label} | {value} | {mark} |\n"

    out += [
        f"## Targets (issue 9) at {big['incidents']:,} incidents\n\n",
        "| target | measured | |\n|---|---|---|\n",
        tgt("rule run ≤ 30 s", rules_big is not None and rules_big <= 30, fs(rules_big)),
        tgt(
            "rule run ≥ 10× faster than pySHACL",
            None
            if p.get("skipped") or not rules_big or not p.get("seconds")
            else p["seconds"] / rules_big >= 10,
            pysh_ratio(big),
        ),
        tgt("validate in process ≤ 100 ms", v_big is not None and v_big <= 0.1, fs(v_big)),
        tgt(
            "validate within 2× of its 1k time",
            None if not (v_big and v_1k) or big is t1k else v_big <= 2 * v_1k,
            f"{fs(v_big)} vs {fs(v_1k)}",
        ),
        tgt(
            "warm start ≤ 2 s (CLI, trivial query)",
            None if warm_big is None else warm_big <= 2,
            fs(warm_big),
        ),
        tgt(
            "cold load ≤ 30 s",
            med(big["cold"]) is not None and med(big["cold"]) <= 30,
            fs(med(big["cold"])),
        ),
        tgt("look-up queries ≤ 100 ms", look is not None and look <= 0.1, fs(look)),
        tgt("aggregate queries ≤ 2 s", agg is not None and agg <= 2, fs(agg)),
        tgt(
            "peak memory ≤ 4 GB (minelaw's own steps)",
            rss_big <= 4096,
            f"{rss_big:.0f} MB ({rss_key})",
        ),
        "\n",
    ]
    out += issue19.targets(big, fs, tgt)
    # sections
    out.append("## Cold and warm load\n\n")
    out.append("| incidents | files | cold runs | warm runs (in process) | warm CLI runs |\n")
    out.append("|---|---|---|---|---|\n")
    for r in results:
        out.append(
            f"| {r['incidents']:,} | {r['files']} | {', '.join(fs(x) for x in r['cold'])} | "
            f"{', '.join(fs(x) for x in r['warm'])} | {', '.join(fs(x) for x in r['warm_cli'])} |\n"
        )
    out.append("\n## Compliance rules\n\n")
    out.append(
        "Engine path: `rules.run_candidates`, one SPARQL query per compliance shape on the "
        "embedded store (load excluded). pySHACL: `rules.run_pyshacl`, the same shapes over an "
        "rdflib copy of the same quads (conversion excluded, shown separately). The candidate "
        "sets (norm, duty-bearer, territory) are compared; the generator's planted candidates "
        "must all be found.\n\n"
    )
    norms = sorted({k for r in results for k in r.get("per_rule", {})})
    out.append("| rule | " + " | ".join(f"{n:,}" for n in sizes) + " |\n")
    out.append("|---|" + "---|" * len(sizes) + "\n")
    for nm in norms:
        out.append(row(nm, lambda r, nm=nm: fs(r.get("per_rule", {}).get(nm))))
    out.append(row("pySHACL: rdflib copy of the store", lambda r: fs(r["pyshacl"].get("convert"))))
    out.append(
        row("findings (candidates that survive analysis)", lambda r: str(r.get("n_findings")))
    )
    for r in results:
        p = r["pyshacl"]
        if p.get("only_engine") or p.get("only_pyshacl"):
            out.append(
                f"\nAt {r['incidents']:,}: only engine {p['only_engine']}, "
                f"only pySHACL {p['only_pyshacl']}\n"
            )
    out.append("\n## One-entry validation\n\n")
    out.append(
        "One new incident with its source (`minelaw validate`): in process on the warm store "
        f"(median of {a.reps} calls after a first call), and the whole CLI (median of {runs}).\n\n"
    )
    out.append(row("in process, first call", lambda r: fs((r.get("validate") or {}).get("first"))))
    out.append(row("in process, median", lambda r: fs((r.get("validate") or {}).get("median"))))
    out.append(row("whole CLI", lambda r: fs(med(r["validate_cli"]))))
    out.append(row("status", lambda r: str((r.get("validate") or {}).get("status"))))
    out.append("\n## Saved queries\n\n")
    out.append(
        "Each saved query (`queries/*.rq`, parameters generated for the synthetic KB) on the "
        "embedded store (median of 3) and on rdflib's SPARQL engine over the same quads "
        "(`Dataset(default_union=True)`, one run; parsing shown separately). L = look-up "
        "(target 100 ms), A = aggregate or filter over all incidents (target 2 s), X = listing "
        "of every incident or source (an export; no target). Queries over `graph:findings` "
        "return no rows: the findings graph is not part of the loaded KB.\n\n"
    )
    out.append(
        "| query | " + " | ".join(f"{n:,} Oxigraph | rdflib | ratio | rows" for n in sizes) + " |\n"
    )
    out.append("|---|" + "---|---|---|---|" * len(sizes) + "\n")
    names = sorted({q for r in results for q in r["queries_ox"]})
    for q in names:
        cells = []
        for r in results:
            ox_ = r["queries_ox"].get(q, {})
            rl = r["queries_rdflib"]
            rq = rl.get("queries", {}).get(q)
            if rl.get("skipped"):
                rcell, rat = "not run", "n/a"
            elif rq is None:
                # killed: the first query without a result was running, the rest never ran
                done = rl.get("queries", {})
                first = min((x for x in names if x not in done), default=None)
                spent = sum(v.get("median") or 0 for v in done.values())
                lower = (rl.get("wall") or 0) - (rl.get("parse") or 0) - spent
                if rl.get("timed_out") and q == first and rl.get("parse") is not None:
                    rcell = f"> {fs(lower)} (killed)"
                else:
                    rcell = "not reached" if rl.get("timed_out") else "n/a"
                rat = "n/a"
            elif rq.get("error"):
                rcell, rat = "error", "n/a"
            else:
                rcell = fs(rq["median"])
                rat = ratio(rq["median"], ox_.get("median"))
                if rq["rows"] != ox_.get("rows"):
                    rat += f" (rows {rq['rows']})"
            cells.append(f"{fs(ox_.get('median'))} | {rcell} | {rat} | {ox_.get('rows')}")
        kind = qkind(q)
        out.append(f"| {q} ({kind}) | " + " | ".join(cells) + " |\n")

    def rparse(r: dict[str, Any]) -> str:
        rl = r["queries_rdflib"]
        if rl.get("skipped"):
            return "not run"
        if rl.get("parse") is None and rl.get("timed_out"):
            return f"> {fs(rl['wall'])} (killed while parsing)"
        return fs(rl.get("parse")) + (" (killed later)" if rl.get("timed_out") else "")

    out.append("\n" + head + row("rdflib: parse the quads", rparse))
    out.append("\n## Briefs\n\n")
    out.append(
        "`briefs.write_all` for the number of briefs shown (`--briefs`; the run's findings "
        "repeated in order when there are fewer), after the rules ran; Markdown and "
        "self-contained HTML.\n\n"
    )
    out.append(head)
    out.append(row("distinct findings", lambda r: str((r.get("briefs") or {}).get("findings"))))
    out.append(row("briefs rendered", lambda r: str((r.get("briefs") or {}).get("rendered"))))
    out.append(row("Markdown", lambda r: fs((r.get("briefs") or {}).get("md"))))
    out.append(row("HTML", lambda r: fs((r.get("briefs") or {}).get("html"))))
    out.append("\n## Peak memory by step\n\n")
    steps = sorted({k for r in results for k in r["rss"]})
    out.append(head)
    for s in steps:
        out.append(row(s, lambda r, s=s: f"{r['rss'].get(s, 0):.0f} MB" if s in r["rss"] else "-"))
    notes = HERE / "notes.md"
    if notes.is_file() and a.notes:
        out.append("\n" + notes.read_text(encoding="utf-8"))
    return "".join(out)


def write_report(out: Path, text: str) -> None:
    """Write ``out`` (RESULTS.md) with ``text``, keeping the engine comparison that
    benchmarks/engines.py writes between its markers into the file being replaced."""
    eng = _engines_module()
    old = out.read_text(encoding="utf-8") if out.is_file() else ""
    if eng.BEGIN in old and eng.END in old:
        section = old[old.index(eng.BEGIN) : old.index(eng.END) + len(eng.END)]
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    out.write_text(text, encoding="utf-8")


def _engines_module() -> Any:
    """benchmarks/engines.py, by path (``engines`` is also the name of tests/engines)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("minelaw_bench_engines", HERE / "engines.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000", help="comma-separated incident counts")
    ap.add_argument("--runs", type=int, default=3, help="runs per timing (median)")
    ap.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    ap.add_argument("--work", type=Path, default=None, help="work folder (default: a temp folder)")
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--timeout", type=float, default=1800, help="time limit of any child (s)")
    ap.add_argument("--pyshacl-timeout", type=float, default=600, help="time limit of pySHACL")
    ap.add_argument("--pyshacl-max", type=int, default=10**9, help="largest size for pySHACL")
    ap.add_argument(
        "--preflight-timeout", type=float, default=600, help="time limit of the preflight (s)"
    )
    ap.add_argument("--rdflib-timeout", type=float, default=600, help="time limit of rdflib")
    ap.add_argument(
        "--shapes-pyshacl-timeout",
        type=float,
        default=600,
        help="time limit of pySHACL on the entry shapes (s)",
    )
    ap.add_argument(
        "--shapes-pyshacl-max", type=int, default=10**9, help="largest size for that pySHACL run"
    )
    ap.add_argument("--rdflib-max", type=int, default=10**9, help="largest size for rdflib")
    ap.add_argument("--briefs", type=int, default=1000, help="briefs to render")
    ap.add_argument(
        "--briefs-baseline",
        type=int,
        default=20,
        help="briefs rendered one at a time, without the shared fetch (the baseline)",
    )
    ap.add_argument(
        "--findings-cli-max", type=int, default=10**9, help="largest size for `minelaw findings`"
    )
    ap.add_argument("--reps", type=int, default=10, help="in-process repetitions (validate)")
    ap.add_argument("--keep", action="store_true", help="keep the generated KBs and caches")
    ap.add_argument(
        "--append", action="store_true", help="keep other sizes from an earlier RESULTS.json"
    )
    ap.add_argument(
        "--no-notes", dest="notes", action="store_false", help="do not append benchmarks/notes.md"
    )
    ap.add_argument(
        "--report-from",
        nargs="+",
        metavar="JSON",
        help="only write the report from these RESULTS.json files (sizes merged)",
    )
    ap.add_argument(
        "--engines",
        default=None,
        metavar="LIST",
        help="instead: compare SPARQL engines (oxigraph,virtuoso,jena) with the embedded store "
        "(benchmarks/engines.py)",
    )
    ap.add_argument("--jena-heap", default="4g", help="Java heap of the Jena commands (--engines)")
    # child mode
    ap.add_argument("--measure", choices=sorted(MEASURES), help=argparse.SUPPRESS)
    ap.add_argument("--kb", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--keys-out", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--entry", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.measure:
        print(json.dumps(MEASURES[a.measure](a)), flush=True)
        return 0
    if a.engines:  # issue 21: its own measurements and report section (benchmarks/engines.py)
        return _engines_module().run_engines(a)
    if a.report_from:  # merge the raw results of earlier runs into one report
        merged: dict[int, dict[str, Any]] = {}
        for f in a.report_from:
            for r in json.loads(Path(f).read_text(encoding="utf-8")):
                merged[r["incidents"]] = r
        results = [merged[k] for k in sorted(merged)]
        a.out.with_suffix(".json").write_text(json.dumps(results, indent=1), encoding="utf-8")
        write_report(a.out, report(results, a.runs, a))
        return 0
    sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
    work = a.work or Path(tempfile.mkdtemp(prefix="minelaw-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    raw = a.out.with_suffix(".json")
    if a.append and raw.is_file():  # keep the other sizes of an earlier run
        results = [r for r in json.loads(raw.read_text()) if r["incidents"] not in sizes]
    a.out.parent.mkdir(parents=True, exist_ok=True)
    for n in sizes:

        def save(partial: dict[str, Any]) -> None:
            raw.write_text(json.dumps([*results, partial], indent=1), encoding="utf-8")

        results.append(bench_size(n, a.runs, work, a, save))
        results.sort(key=lambda r: r["incidents"])
        raw.write_text(json.dumps(results, indent=1), encoding="utf-8")
        write_report(a.out, report(results, a.runs, a))
        log(f"{n}: done; {a.out} written")
    if a.work is None and not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
