"""Side by side: minelaw on the embedded store vs the same KB on SPARQL servers (issue 21).

    python benchmarks/run.py --engines oxigraph,virtuoso,jena --sizes 10000[,100000]

For each size the synthetic KB is generated (``benchmarks/generate.py``), the embedded store is
built, and then, for each engine, in one run:

- **load**: the KB's quads (ontology, KB files, ``graph:inferred``; OWL RL is done by minelaw
  before) into the engine -- ``minelaw push`` over the Graph Store Protocol for the Oxigraph
  server and Virtuoso, plus each engine's own bulk loader from one N-Quads dump (``oxigraph
  load``, Virtuoso's ``ld_add`` + ``rdf_loader_run``, Jena's ``tdb2.tdbloader``);
- **rules**: every compliance rule's candidate query (``rules.run_candidates``) through
  ``RemoteStore``, the candidates compared with the embedded store's;
- **findings**: the full analysis (``findings.compute``: rules, element evidence, standards)
  through ``RemoteStore``, the findings (norm, duty-bearer, territory, standard) compared.

Beside them, the entry shapes (``rules/entries``) on the whole KB: Jena SHACL (``shacl
validate``), pySHACL and minelaw's own entry validation (``preflight``), the first two compared.

The engines are those of the parity tests (``tests/engines``: Virtuoso and Jena harnesses
are loaded from there by path); each runs on loopback with a throwaway folder and is stopped
after its measurements.  Results: ``benchmarks/ENGINES.json`` and a section of
``benchmarks/RESULTS.md`` between the ``engines`` markers (the rest of the file is
``run.py``'s).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HARNESS = ROOT / "tests" / "engines"
BEGIN, END = "<!-- engines:begin -->", "<!-- engines:end -->"
ENGINE_NAMES = ("oxigraph", "virtuoso", "jena")


def _harness(name: str) -> ModuleType:
    """tests/engines/<name>.py (standard library only), loaded by path."""
    spec = importlib.util.spec_from_file_location(f"minelaw_bench_{name}", HARNESS / f"{name}.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def log(msg: str) -> None:
    print(f"[engines {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def median(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(max(1, runs)):
        t, out = timed(fn)
        times.append(t)
    return statistics.median(times), out


# --- minelaw's side -------------------------------------------------------------------------
def candidate_keys(store: Any) -> tuple[float, set[tuple[str, str, str]]]:
    from minelaw.reasoning.rules import load_rules, run_candidates

    rules = load_rules()
    t, cands = timed(lambda: run_candidates(store, rules))
    return t, {c.key for c in cands}


def finding_keys(store: Any) -> tuple[float, set[tuple[str, ...]]]:
    from minelaw.reasoning.findings import compute

    t, found = timed(lambda: compute(store))
    return t, {
        (f.candidate.norm, f.candidate.duty_bearer, f.candidate.territory, f.standard)
        for f in found
    }


def measure_queries(store: Any, runs: int, ref: dict[str, Any] | None) -> dict[str, Any]:
    """Rules (median of ``runs``) and findings (once) through ``store``; compared with ``ref``."""
    out: dict[str, Any] = {}
    t_rules, cands = median(lambda: candidate_keys(store)[1], runs)
    out["rules_s"], out["candidates"] = t_rules, len(cands)
    t_find, found = finding_keys(store)
    out["findings_s"], out["findings"] = t_find, len(found)
    if ref is not None:
        out["candidates_agree"] = cands == ref["_cands"]
        out["findings_agree"] = found == ref["_found"]
    else:
        out["_cands"], out["_found"] = cands, found
    return out


# --- the engines ------------------------------------------------------------------------------
def oxigraph_bin() -> str:
    cand = Path(sys.executable).parent / "oxigraph"
    exe = str(cand) if cand.exists() else shutil.which("oxigraph")
    if not exe:
        raise RuntimeError("the oxigraph server binary is not installed (pip install oxigraph)")
    return exe


def bench_oxigraph(store: Any, nq: Path, work: Path, ref: dict[str, Any], a: Any) -> dict[str, Any]:
    from minelaw.store.remote import RemoteStore, push

    virtuoso = _harness("virtuoso")  # for free_port
    exe = oxigraph_bin()
    bulk = work / "oxigraph-bulk"
    t_bulk, _ = timed(
        lambda: subprocess.run(
            [exe, "load", "--location", str(bulk), "--file", str(nq)],
            check=True,
            capture_output=True,
        )
    )
    shutil.rmtree(bulk, ignore_errors=True)
    port = virtuoso.free_port()
    cmd = [exe, "serve", "--location", str(work / "oxigraph-db"), "--bind", f"127.0.0.1:{port}"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [*cmd, "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        url = f"http://127.0.0.1:{port}/query"
        while True:
            try:
                urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.perf_counter() - t0 > 60:
                    raise RuntimeError("oxigraph serve did not start") from None
                time.sleep(0.1)
        t_start = time.perf_counter() - t0
        t_push, _ = timed(lambda: push(store, url, timeout=a.timeout))
        out = {"start_s": t_start, "push_s": t_push, "bulk_s": t_bulk, "bulk_how": "oxigraph load"}
        out.update(measure_queries(RemoteStore(url, timeout=a.timeout), a.runs, ref))
        return out
    finally:
        proc.terminate()
        proc.wait(30)


def bench_virtuoso(store: Any, nq: Path, work: Path, ref: dict[str, Any], a: Any) -> dict[str, Any]:
    from minelaw.store.remote import Credentials, RemoteStore, push

    virtuoso = _harness("virtuoso")
    quads = len(store.store)
    # Virtuoso's sizing table: ~100,000 triples per 1,000 8 KiB buffers; twice that, at least 10k
    buffers = max(10_000, quads // 50)
    v = virtuoso.Virtuoso(work / "virtuoso", buffers=buffers, query_timeout=int(a.timeout))
    v.start()
    try:
        creds = Credentials(virtuoso.DBA_USER, virtuoso.DBA_PASSWORD)
        t_push, _ = timed(lambda: push(store, v.sparql_url, timeout=a.timeout, credentials=creds))
        v.clear_user_graphs()
        t_bulk = v.bulk_load({"urn:minelaw:bench:unused": nq})  # N-Quads keep their graphs
        out = {
            "start_s": v.startup_seconds,
            "push_s": t_push,
            "bulk_s": t_bulk,
            "bulk_how": "ld_add + rdf_loader_run",
            "buffers": buffers,
        }
        out.update(measure_queries(RemoteStore(v.sparql_url, timeout=a.timeout), a.runs, ref))
        return out
    finally:
        v.stop()


def bench_jena(store: Any, nq: Path, work: Path, ref: dict[str, Any], a: Any) -> dict[str, Any]:
    from minelaw.store.remote import RemoteStore

    jena_mod = _harness("jena")
    jena = jena_mod.Jena(work / "jena", heap=a.jena_heap)
    loc = work / "jena" / "tdb"
    t_bulk = jena.tdb2_load(loc, [nq])
    # the endpoint's per-query limit as the benchmark's (its default, 300 s, stopped the
    # 100,000-incident run of 2026-12-02)
    ep = jena_mod.JenaEndpoint(jena, loc, query_timeout=int(a.timeout)).start()
    try:
        out = {"start_s": ep.startup_seconds, "push_s": None, "bulk_s": t_bulk}
        out["bulk_how"] = "tdb2.tdbloader"
        out.update(measure_queries(RemoteStore(ep.url, timeout=a.timeout), a.runs, ref))
        return out
    finally:
        ep.stop()
        jena.close()


BENCH = {"oxigraph": bench_oxigraph, "virtuoso": bench_virtuoso, "jena": bench_jena}


# --- entry shapes: Jena SHACL, pySHACL, minelaw -------------------------------------------------
PYSHACL_CHILD = """
import json, sys, time, pyshacl, rdflib
t0 = time.perf_counter()
data = rdflib.Graph().parse(sys.argv[1], format="nt")
shapes = rdflib.Graph().parse(sys.argv[2], format="turtle")
ok, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True,
                                 allow_warnings=True)
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
n = len(set(report.subjects(rdflib.RDF.type, SH.ValidationResult)))
print(json.dumps({"seconds": time.perf_counter() - t0, "conforms": bool(ok), "results": n}))
"""
PREFLIGHT_CHILD = """
import json, sys, time
from pathlib import Path
from minelaw.store.cache import open_kb
from minelaw.store.checks import preflight
store = open_kb(Path(sys.argv[1]))
t0 = time.perf_counter()
problems = preflight(store)
print(json.dumps({"seconds": time.perf_counter() - t0, "problems": len(problems)}))
"""


def child(code: str, args: list[str], timeout: float, env: dict[str, str]) -> dict[str, Any]:
    try:
        cp = subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return {"seconds": None, "timeout": timeout}
    if cp.returncode != 0:
        return {"seconds": None, "error": cp.stderr[-500:]}
    return dict(json.loads(cp.stdout.strip().splitlines()[-1]))


def bench_shacl(store: Any, kb: Path, work: Path, a: Any) -> dict[str, Any]:
    data = work / "union.nt"
    data.write_text("".join(f"{t} .\n" for t in {q.triple for q in store.store}), encoding="utf-8")
    shapes = work / "entry-shapes.ttl"
    files = sorted((ROOT / "rules" / "entries").glob("*.ttl"))
    shapes.write_bytes(b"\n".join(p.read_bytes() for p in files))
    out: dict[str, Any] = {}
    if "jena" in a.engine_list:
        jena_mod = _harness("jena")
        jena = jena_mod.Jena(work / "jena-shacl", heap=a.jena_heap)
        t, (ok, ttl) = timed(lambda: jena.shacl_validate(shapes, data))
        out["jena"] = {"seconds": t, "conforms": ok, "results": ttl.count("sh:ValidationResult")}
        jena.close()
    env = dict(os.environ)
    out["pyshacl"] = child(PYSHACL_CHILD, [str(data), str(shapes)], a.pyshacl_timeout, env)
    out["preflight"] = child(PREFLIGHT_CHILD, [str(kb)], a.preflight_timeout, env)
    return out


# --- a size -----------------------------------------------------------------------------------
def bench_size(n: int, work: Path, a: Any) -> dict[str, Any]:
    import pyoxigraph as ox

    kb = work / f"kb-{n}"
    if not kb.exists():
        log(f"{n}: generating the KB")
        subprocess.run(
            [sys.executable, str(HERE / "generate.py"), "-n", str(n), "--out", str(kb)]
            + ["--seed", str(a.seed)],
            check=True,
            capture_output=True,
        )
    os.environ["MINELAW_CACHE"] = str(work / f"cache-{n}")
    shutil.rmtree(work / f"cache-{n}", ignore_errors=True)
    from minelaw.store.cache import open_kb

    log(f"{n}: embedded store")
    t_load, store = timed(lambda: open_kb(kb))
    embedded = {"load_s": t_load, "quads": len(store.store)}
    embedded.update(measure_queries(store, a.runs, None))
    ref = {"_cands": embedded.pop("_cands"), "_found": embedded.pop("_found")}
    nq = work / f"kb-{n}.nq"
    nq.write_bytes(bytes(store.store.dump(format=ox.RdfFormat.N_QUADS) or b""))
    result: dict[str, Any] = {"incidents": n, "embedded": embedded, "engines": {}}
    for name in a.engine_list:
        log(f"{n}: {name}")
        eng_work = work / f"{name}-{n}"
        eng_work.mkdir(exist_ok=True)
        try:
            result["engines"][name] = BENCH[name](store, nq, eng_work, ref, a)
        except Exception as exc:  # one engine failing must not lose the others' numbers
            result["engines"][name] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        finally:
            shutil.rmtree(eng_work, ignore_errors=True)
    log(f"{n}: entry shapes")
    result["shacl"] = bench_shacl(store, kb, work, a)
    nq.unlink(missing_ok=True)
    return result


# --- report -----------------------------------------------------------------------------------
def fs(x: Any) -> str:
    if x is None:
        return "–"
    if isinstance(x, bool):
        return "yes" if x else "**no**"
    if isinstance(x, float):
        return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s" if x < 10 else f"{x:.1f} s"
    return f"{x:,}" if isinstance(x, int) else str(x)


def report(results: list[dict[str, Any]], a: Any) -> str:
    names = a.engine_list
    lines = [
        BEGIN,
        "## SPARQL engines side by side (issue 21)",
        "",
        f"Generated by `python benchmarks/run.py --engines {','.join(names)} --sizes "
        f"{','.join(str(r['incidents']) for r in results)}` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} (`benchmarks/engines.py`); the "
        "same machine as above. Engines on loopback, started and loaded by the benchmark; "
        "minelaw's queries sent by `RemoteStore` (SPARQL 1.1 Protocol). Load = the "
        "materialised quads (minelaw does OWL RL before); rules = median of "
        f"{a.runs} runs of every rule's candidate query; findings = the full analysis, once. "
        '"agree" compares the candidates and findings (norm, duty-bearer, territory, standard) '
        "with the embedded store's. The rules read derived closures instead of property "
        "paths, and the weighing's queries name at most 500 IRIs: the engine differences "
        "found (Virtuoso's row loss next to a VALUES block, its SQL-length limit, date "
        "comparisons) and how each was resolved are in docs/team-server.md.",
        "",
    ]
    for r in results:
        e = r["engines"]
        emb = r["embedded"]
        lines += [
            f"### {r['incidents']:,} incidents ({emb['quads']:,} quads)",
            "",
            "| | embedded (pyoxigraph) | " + " | ".join(names) + " |",
            "|---|---|" + "---|" * len(names),
        ]

        def row(label: str, emb_val: Any, key: str, e: dict[str, Any] = e) -> str:
            cells = [fs(e[n].get(key)) if "error" not in e[n] else "error" for n in names]
            return f"| {label} | {fs(emb_val)} | " + " | ".join(cells) + " |"

        lines.append(row("server start", None, "start_s"))
        lines.append(row("load: minelaw push (Graph Store Protocol)", emb["load_s"], "push_s"))
        lines.append(row("load: the engine's bulk loader", None, "bulk_s"))
        lines.append(row("compliance rules (candidate queries)", emb["rules_s"], "rules_s"))
        lines.append(row("candidates", emb["candidates"], "candidates"))
        lines.append(row("candidates agree", True, "candidates_agree"))
        lines.append(row("findings (full analysis)", emb["findings_s"], "findings_s"))
        lines.append(row("findings", emb["findings"], "findings"))
        lines.append(row("findings agree", True, "findings_agree"))
        for n in names:
            if "error" in e.get(n, {}):
                lines.append(f"\n{n}: {e[n]['error']}")
        lines.append("")
        lines.append(
            "The embedded column's load is minelaw's cold build (parse + OWL 2 RL + cache); "
            "bulk loaders: Oxigraph server `oxigraph load`, Virtuoso `ld_add` + "
            "`rdf_loader_run` + checkpoint, Jena `tdb2.tdbloader`."
        )
        s = r.get("shacl", {})
        lines += ["", "| entry shapes on the whole KB | time | result |", "|---|---|---|"]
        for key, label in (
            ("jena", "Jena SHACL (`shacl validate`, JVM included)"),
            ("pyshacl", "pySHACL (parse included)"),
            ("preflight", "minelaw preflight (per file, cached by content)"),
        ):
            v = s.get(key)
            if not v:
                continue
            if v.get("seconds") is None:
                t = f"> {fs(float(v['timeout']))}" if "timeout" in v else "error"
                lines.append(f"| {label} | {t} | |")
            elif key == "preflight":
                lines.append(f"| {label} | {fs(v['seconds'])} | {v['problems']} problems |")
            else:
                res = "conforms" if v["conforms"] else f"{v['results']} results"
                lines.append(f"| {label} | {fs(v['seconds'])} | {res} |")
        lines.append("")
    lines.append(END)
    return "\n".join(lines) + "\n"


def write_report(results: list[dict[str, Any]], a: Any) -> None:
    md = a.out if a.out else HERE / "RESULTS.md"
    (md.parent / "ENGINES.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    text = md.read_text(encoding="utf-8") if md.exists() else ""
    section = report(results, a)
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END) + 1 :]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    md.write_text(text, encoding="utf-8")


def run_engines(a: argparse.Namespace) -> int:
    """``run.py --engines LIST``: the engine comparison only (see the module docstring)."""
    a.engine_list = [e.strip() for e in a.engines.split(",") if e.strip()]
    unknown = set(a.engine_list) - set(ENGINE_NAMES)
    if unknown:
        raise SystemExit(f"unknown engine(s) {sorted(unknown)}: choose from {ENGINE_NAMES}")
    a.jena_heap = getattr(a, "jena_heap", None) or "4g"
    sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
    work = a.work or Path(tempfile.mkdtemp(prefix="minelaw-engines-"))
    work.mkdir(parents=True, exist_ok=True)
    raw = (a.out if a.out else HERE / "RESULTS.md").parent / "ENGINES.json"
    results: list[dict[str, Any]] = []
    if getattr(a, "append", False) and raw.is_file():
        results = [r for r in json.loads(raw.read_text()) if r["incidents"] not in sizes]
    try:
        for n in sizes:
            results.append(bench_size(n, work, a))
            results.sort(key=lambda r: r["incidents"])
            write_report(results, a)
            log(f"{n}: done")
    finally:
        if a.work is None and not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0
