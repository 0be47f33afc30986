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

This file is the parent (sizes, children, time limits, peak RSS) and the command line; the
children's measurements are in ``children.py`` (issue 9) and ``cold.py`` (issue 19), the
report (RESULTS.md) in ``reporting.py``, the engine comparison in ``engines.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
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
from children import ENTRY, MEASURES  # noqa: E402
from reporting import _engines_module, report, write_report  # noqa: E402


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
