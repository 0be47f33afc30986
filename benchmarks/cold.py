"""Issue 19 measurements for benchmarks/run.py: fast from the first run, not only the warm one.

- whole-KB entry validation: the entry shapes compiled to SPARQL on the store
  (``entry_shapes.validate_store``) vs pySHACL on the same shapes and the same data (an rdflib
  copy of the store's union graph, conversion timed apart); their results are compared;
- the first ``minelaw findings`` on a new KB (the CLI, an empty cache: load, OWL RL,
  preflight, rules, analysis), against the sum of the pySHACL/rdflib path's parts measured
  in the same run (cold load, pySHACL entry validation, pySHACL rules, the analysis);
- ``minelaw findings`` again on the same store (the rules cache, ``reasoning/rulecache``);
- ``minelaw add`` of one incident, then ``findings`` (the CLI), against that cold build; and
  the same in one process, step by step (incremental store, incremental preflight, rules,
  analysis).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _store(kb: Path) -> Any:
    from minelaw.store.cache import open_kb

    return open_kb(kb)


def _rdflib_copy(store: Any) -> Any:
    import pyoxigraph as ox
    import rdflib

    def term(x: Any) -> Any:
        if isinstance(x, ox.NamedNode):
            return rdflib.URIRef(x.value)
        if isinstance(x, ox.BlankNode):
            return rdflib.BNode(x.value)
        if x.language:
            return rdflib.Literal(x.value, lang=x.language)
        return rdflib.Literal(x.value, datatype=rdflib.URIRef(x.datatype.value))

    g = rdflib.Graph()
    for q in store:
        g.add((term(q.subject), term(q.predicate), term(q.object)))
    return g


def m_shapes(a: argparse.Namespace) -> dict[str, Any]:
    """The entry shapes compiled to SPARQL over the whole (warm) store."""
    from minelaw.resources import data_dir
    from minelaw.store.entry_shapes import validate_store

    st = _store(a.kb)
    times, report = [], None
    for _ in range(max(1, a.reps)):
        t = time.perf_counter()
        report = validate_store(st, data_dir("rules"))
        times.append(time.perf_counter() - t)
    assert report is not None
    if a.keys_out:
        Path(a.keys_out).write_text(json.dumps(sorted(_keys(st, data_dir("rules")))))
    return {
        "seconds": statistics.median(times),
        "runs": times,
        "queries": report.queries,
        "fallback": len(report.fallback),
        "problems": len(report.problems),
    }


def _keys(store: Any, rules: Path) -> list[str]:
    from minelaw.store.entry_shapes import load_shapes, run, store_counter
    from minelaw.store.shacl_sparql import compile_shapes

    shapes, _ = load_shapes(rules)
    return [str(r) for r in run(store.store, compile_shapes(shapes, store_counter(store.store)))]


def m_shapes_pyshacl(a: argparse.Namespace) -> dict[str, Any]:
    """pySHACL with the same shapes on an rdflib copy of the same data (the union graph)."""
    from minelaw.resources import data_dir
    from minelaw.store.entry_shapes import load_shapes, pyshacl_results

    st = _store(a.kb)
    shapes, _ = load_shapes(data_dir("rules"))
    t = time.perf_counter()
    g = _rdflib_copy(st.store)
    convert = time.perf_counter() - t
    print(json.dumps({"partial": {"convert": convert, "triples": len(g)}}), flush=True)
    t = time.perf_counter()
    found = pyshacl_results(g, shapes)
    sec = time.perf_counter() - t
    if a.keys_out:
        Path(a.keys_out).write_text(json.dumps(sorted(str(r) for r in found)))
    return {"seconds": sec, "convert": convert, "results": len(found)}


def m_after_add(a: argparse.Namespace) -> dict[str, Any]:
    """After `minelaw add`: each step of `findings` in one process (store, preflight, rules,
    analysis), on the cache that holds the store from before the add."""
    from minelaw.reasoning.findings import collect, compute
    from minelaw.store.checks import preflight

    steps: dict[str, float] = {}
    t = time.perf_counter()
    st = _store(a.kb)
    steps["store"] = time.perf_counter() - t
    steps["incremental"] = float(st.path is not None and (st.path / "delta.json").is_file())
    t = time.perf_counter()
    problems = preflight(st)
    steps["preflight"] = time.perf_counter() - t
    t = time.perf_counter()
    ctx = collect(st)
    steps["rules"] = time.perf_counter() - t
    t = time.perf_counter()
    found = compute(st, ctx=ctx)
    steps["analysis"] = time.perf_counter() - t
    for k, v in ctx.cache_stats.items():  # the rules cache: queries and rows reused / run
        steps[f"cache_{k}"] = float(v)
    return {"steps": steps, "problems": len(problems), "findings": len(found)}


MEASURES: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "shapes": m_shapes,
    "shapes-pyshacl": m_shapes_pyshacl,
    "after-add": m_after_add,
}


def bench(n: int, kb: Path, work: Path, warm: Path, a: argparse.Namespace, r: dict[str, Any],
          peak: Callable[[str, Any], None], tools: dict[str, Any]) -> None:  # fmt: skip
    """Run the issue 19 measurements for one size into ``r``."""
    measure, spawn, cli, log = tools["measure"], tools["spawn"], tools["cli"], tools["log"]
    # 1. whole-KB entry validation, compiled SPARQL vs pySHACL
    log(f"{n}: entry shapes, compiled SPARQL x{a.runs}")
    keys_sparql, keys_ref = work / f"shapes-{n}.json", work / f"shapes-pyshacl-{n}.json"
    keys_ref.unlink(missing_ok=True)
    c = measure(
        "shapes", kb, warm, a.timeout, "--reps", str(a.runs), "--keys-out", str(keys_sparql)
    )
    peak("entry shapes (SPARQL)", c)
    r["shapes"] = c.result or {"timed_out": c.timed_out, "seconds": c.wall}
    if n <= a.shapes_pyshacl_max:
        log(f"{n}: entry shapes, pySHACL (limit {a.shapes_pyshacl_timeout:.0f} s)")
        c = measure(
            "shapes-pyshacl", kb, warm, a.shapes_pyshacl_timeout, "--keys-out", str(keys_ref)
        )
        peak("entry shapes (pySHACL)", c)
        res = c.result or {}
        partial = res.get("partial", {})
        r["shapes_pyshacl"] = {
            "timed_out": c.timed_out,
            "seconds": c.wall - partial.get("convert", 0.0) if c.timed_out else res.get("seconds"),
            "convert": partial.get("convert", res.get("convert")),
        }
        if keys_ref.exists() and keys_sparql.exists():
            r["shapes_pyshacl"]["agree"] = json.loads(keys_ref.read_text()) == json.loads(
                keys_sparql.read_text()
            )
    else:
        r["shapes_pyshacl"] = {"skipped": True}
    # 2. the first `minelaw findings` on a new KB: an empty cache
    first = work / f"first-{n}"
    shutil.rmtree(first, ignore_errors=True)
    log(f"{n}: first `minelaw findings` on a new KB")
    c = spawn(cli("--kb", str(kb), "findings", "--format", "json"), first, a.timeout)
    peak("first findings (CLI)", c)
    r["first_findings"] = {"seconds": c.wall, "timed_out": c.timed_out, "rc": c.rc}
    log(f"{n}: `minelaw findings` again on the same store (the rules cache)")
    c = spawn(cli("--kb", str(kb), "findings", "--format", "json"), first, a.timeout)
    peak("findings again (CLI)", c)
    r["again_findings"] = {"seconds": c.wall, "timed_out": c.timed_out, "rc": c.rc}
    # 3. `minelaw add` of one incident, then `findings`: from the cache of the first run
    entry = work / "entry-bench-new.ttl"
    before = {p.name for p in first.iterdir()}
    copy = work / f"kb-{n}-add"
    for stage in ("cli", "steps"):
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(kb, copy)
        for p in first.iterdir():  # back to the cache of the first run
            if p.name not in before:
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink()
        log(f"{n}: `minelaw add` one incident, then findings ({stage})")
        add = spawn(cli("--kb", str(copy), "add", str(entry), "--by", "bench"), first, a.timeout)
        peak("add (CLI)", add)
        if stage == "cli":
            c = spawn(cli("--kb", str(copy), "findings", "--format", "json"), first, a.timeout)
            peak("findings after add (CLI)", c)
            r["add_then_findings"] = {
                "add": add.wall,
                "findings": c.wall,
                "timed_out": c.timed_out,
                "rc": [add.rc, c.rc],
            }
        else:
            c = measure("after-add", copy, first, a.timeout)
            peak("findings after add (steps)", c)
            r["after_add_steps"] = (c.result or {}).get("steps")
    shutil.rmtree(copy, ignore_errors=True)
    if not a.keep:
        shutil.rmtree(first, ignore_errors=True)


# --- the report ----------------------------------------------------------------------------
def rows(results: list[dict[str, Any]], fs: Callable[..., str], ratio: Callable[..., str]) -> str:
    """The summary rows of issue 19 (appended to the summary table)."""

    def row(label: str, f: Callable[[dict[str, Any]], str]) -> str:
        return f"| {label} | " + " | ".join(f(r) for r in results) + " |\n"

    def shapes(r: dict[str, Any]) -> str:
        s = r.get("shapes") or {}
        return fs(s.get("seconds"), s.get("timed_out", False))

    def pysh(r: dict[str, Any]) -> str:
        p = r.get("shapes_pyshacl") or {}
        return "not run" if p.get("skipped") or not p else fs(p.get("seconds"), p.get("timed_out"))

    def pysh_ratio(r: dict[str, Any]) -> str:
        p, s = r.get("shapes_pyshacl") or {}, r.get("shapes") or {}
        if p.get("skipped") or not p:
            return "not run"
        return ratio(p.get("seconds"), s.get("seconds"), p.get("timed_out", False))

    def agree(r: dict[str, Any]) -> str:
        p = r.get("shapes_pyshacl") or {}
        if "agree" not in p:
            return "not compared" + (" (pySHACL timed out)" if p.get("timed_out") else "")
        return "yes" if p["agree"] else "**NO**"

    def first(r: dict[str, Any]) -> str:
        f = r.get("first_findings") or {}
        return fs(f.get("seconds"), f.get("timed_out", False)) if f else "not run"

    def again(r: dict[str, Any]) -> str:
        f = r.get("again_findings") or {}
        return fs(f.get("seconds"), f.get("timed_out", False)) if f else "not run"

    def again_ratio(r: dict[str, Any]) -> str:
        x, f = r.get("again_findings") or {}, r.get("first_findings") or {}
        return ratio(f.get("seconds"), x.get("seconds")) if x and f else "n/a"

    def add(r: dict[str, Any]) -> str:
        x = r.get("add_then_findings") or {}
        if not x:
            return "not run"
        return f"{fs(x['add'] + x['findings'])} (add {fs(x['add'])}, findings {fs(x['findings'])})"

    def add_ratio(r: dict[str, Any]) -> str:
        x, f = r.get("add_then_findings") or {}, r.get("first_findings") or {}
        return ratio(f.get("seconds"), x["add"] + x["findings"]) if x and f else "n/a"

    def steps(r: dict[str, Any]) -> str:
        s = r.get("after_add_steps") or {}
        if not s:
            return "n/a"
        how = "incremental" if s.get("incremental") else "**full build**"
        parts = ", ".join(f"{k} {fs(s[k])}" for k in ("store", "preflight", "rules", "analysis"))
        reuse = ""
        if "cache_triggers_reused" in s:
            c = {k[6:]: int(v) for k, v in s.items() if k.startswith("cache_")}
            reuse = (
                f"; rules cache: trigger queries {c['triggers_reused']} reused, "
                f"{c['triggers_run']} run; element patterns {c['patterns_reused']} reused, "
                f"{c['patterns_run']} run"
            )
        return f"{parts} ({how} store{reuse})"

    def base(r: dict[str, Any]) -> str:
        value, lower = _baseline(r)
        return fs(value, lower) if value is not None else "n/a"

    def base_ratio(r: dict[str, Any]) -> str:
        value, lower = _baseline(r)
        return ratio(value, (r.get("first_findings") or {}).get("seconds"), lower)

    def analysis(r: dict[str, Any]) -> str:
        b = r.get("briefs") or {}
        return fs(b.get("analysis_seconds")) if "analysis_seconds" in b else "n/a"

    def el(r: dict[str, Any], k: str) -> str:
        e = (r.get("briefs") or {}).get("element_queries") or {}
        return fs(e.get(k)) if e else "n/a"

    def el_ratio(r: dict[str, Any]) -> str:
        e = (r.get("briefs") or {}).get("element_queries") or {}
        if not e:
            return "n/a"
        return ratio(e["per_rule"], e["shared"]) + ("" if e.get("same") else " (**items differ**)")

    def brief(fmt: str, base: bool = False) -> Callable[[dict[str, Any]], str]:
        def f(r: dict[str, Any]) -> str:
            x = per_brief(r.get("briefs") or {}, fmt, base)
            return "n/a" if x is None else f"{x * 1000:.0f} ms"

        return f

    def brief_ratio(fmt: str) -> Callable[[dict[str, Any]], str]:
        def f(r: dict[str, Any]) -> str:
            b = r.get("briefs") or {}
            return ratio(per_brief(b, fmt, True), per_brief(b, fmt))

        return f

    return "".join(
        [
            row(
                "element analysis after the rules (elements, evidence, standards; 1 run)", analysis
            ),
            row(
                "  its element queries, one per distinct pattern (shared)",
                lambda r: el(r, "shared"),
            ),
            row("  baseline: one query per rule and pattern", lambda r: el(r, "per_rule")),
            row("  one per rule / shared", el_ratio),
            row("brief, Markdown, per brief (`write_all`: shared fetch, workers)", brief("md")),
            row("  baseline: one at a time (`render`, own queries)", brief("md", True)),
            row("  one at a time / `write_all`", brief_ratio("md")),
            row("brief, HTML, per brief (`write_all`: shared fetch, workers)", brief("html")),
            row("  baseline: one at a time (`render`, own queries)", brief("html", True)),
            row("  one at a time / `write_all`", brief_ratio("html")),
            row("whole-KB entry validation, shapes compiled to SPARQL", shapes),
            row("whole-KB entry validation, pySHACL (same shapes and data)", pysh),
            row("pySHACL / compiled SPARQL", pysh_ratio),
            row("compiled SPARQL and pySHACL results agree", agree),
            row("first `minelaw findings` on a new KB (CLI, empty cache; 1 run)", first),
            row("baseline: cold load + pySHACL shapes + pySHACL rules + analysis", base),
            row("baseline / first findings", base_ratio),
            row("`findings` again on the same store (CLI; rules cache)", again),
            row("first findings / findings again", again_ratio),
            row("`minelaw add` one incident, then `findings` (CLI; 1 run)", add),
            row("cold build (first findings) / add-then-findings", add_ratio),
            row("  after add, in one process", steps),
        ]
    )


def per_brief(b: dict[str, Any], fmt: str, base: bool = False) -> float | None:
    """Seconds per brief of ``write_all`` (or, ``base``, of one brief at a time)."""
    secs, n = (
        (b.get(f"{fmt}_one_by_one"), b.get("baseline_rendered"))
        if base
        else (
            b.get(fmt),
            b.get("rendered"),
        )
    )
    return secs / n if secs is not None and n else None


def _baseline(r: dict[str, Any]) -> tuple[float | None, bool]:
    """Cold load + pySHACL entry validation + pySHACL rules + the analysis, and whether it is
    a lower bound (a part was killed at its limit)."""
    cold = statistics.median(r["cold"]) if r.get("cold") else None
    p1, p2 = r.get("shapes_pyshacl") or {}, r.get("pyshacl") or {}
    analysis = r["findings"][0] if r.get("findings") else None
    parts = [cold, p1.get("seconds"), p2.get("seconds"), analysis]
    if any(x is None for x in parts):
        return None, False
    return sum(parts), bool(p1.get("timed_out") or p2.get("timed_out"))  # type: ignore[arg-type]


def targets(big: dict[str, Any], fs: Callable[..., str], tgt: Callable[..., str]) -> list[str]:
    """The issue 19 targets at the largest size."""
    s = (big.get("shapes") or {}).get("seconds")
    p = big.get("shapes_pyshacl") or {}
    f = (big.get("first_findings") or {}).get("seconds")
    x = big.get("add_then_findings") or {}
    total = x["add"] + x["findings"] if x else None
    rss = max(
        (v for k, v in big["rss"].items() if "pySHACL" not in k and "rdflib" not in k), default=0
    )
    b = big.get("briefs") or {}
    a_s = b.get("analysis_seconds")
    ratio_ok = None
    if s and p.get("seconds") and not p.get("skipped"):
        ratio_ok = p["seconds"] / s >= 30
    return [
        f"## Targets (issue 19) at {big['incidents']:,} incidents\n\n",
        "| target | measured | |\n|---|---|---|\n",
        tgt("whole-KB entry validation ≤ 20 s", s is not None and s <= 20, fs(s)),
        tgt(
            "entry validation ≥ 30× faster than pySHACL",
            ratio_ok,
            f"pySHACL {fs(p.get('seconds'), p.get('timed_out', False))}"
            if p and not p.get("skipped")
            else "not run",
        ),
        tgt("first `minelaw findings` on a new KB ≤ 60 s", f is not None and f <= 60, fs(f)),
        tgt(
            "`add` one incident, then `findings` ≤ 5 s", total is not None and total <= 5, fs(total)
        ),
        tgt(
            "element analysis (evidence, standards) after the rules ≤ 10 s",
            None if a_s is None else a_s <= 10,
            fs(a_s),
        ),
        *(
            tgt(
                f"briefs, {name}, per brief (`brief --all`) ≤ 100 ms",
                None if x is None else x <= 0.1,
                "n/a" if x is None else f"{x * 1000:.0f} ms",
            )
            for name, x in (("Markdown", per_brief(b, "md")), ("HTML", per_brief(b, "html")))
        ),
        tgt("peak RSS of any minelaw step ≤ 2 GB", rss <= 2048, f"{rss:.0f} MB"),
        "\n",
    ]
