"""Hostile and large entry files for `minelaw validate` (issue 18, item 5): time and memory.

    python benchmarks/intake_hostile.py [--out DIR] [--only NAME,...] [--limit-s 60]

Writes each file of :func:`corpus` into DIR, runs ``minelaw validate`` on it in a child
process (its own cache folder), and prints the wall time, the child's peak RSS (from
``os.wait4``) and the exit code.  Targets (issue 18): every hostile file answers in
<= 10 s and <= 500 MB; 5,000 valid CSV rows validate in <= 10 s.  The tests
(tests/intake/test_intake_limits.py) assert the limits and their messages, never times.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONTEXT = HERE.parent / "tests" / "intake" / "data" / "template-context.ttl"
PREFIXES = (
    "@prefix ml: <https://w3id.org/minelaw/ontology#> .\n"
    "@prefix mlr: <https://w3id.org/minelaw/id/> .\n"
    "@prefix mlv: <https://w3id.org/minelaw/vocab/> .\n"
    "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
)
SOURCE = (
    "mlr:src-hostile a ml:Source ;\n"
    '  dcterms:identifier "src-hostile" ; dcterms:title "T"@en ;\n'
    "  ml:reliability mlv:reliability-B ; ml:credibility mlv:credibility-2 ;\n"
    "  ml:sourceKind mlv:source-kind-ngo-report ; dcterms:publisher mlr:org-halo-trust ;\n"
)


def huge_literal(mb: float = 9.5) -> str:
    return PREFIXES + SOURCE + '  rdfs:comment "' + "a" * int(mb * 1e6) + '"@en .\n'


def unknown_properties(n: int = 10_000) -> str:
    lines = [f'  ml:unknownProperty{i % 5000} "v{i}" ;' for i in range(n)]
    return PREFIXES + SOURCE + "\n".join(lines) + '\n  rdfs:label "x"@en .\n'


def nested_collections(mb: float = 3.0) -> str:
    depth = int(mb * 1e6 / 4)
    return PREFIXES + SOURCE + "  rdfs:seeAlso " + "( " * depth + ") " * depth + ".\n"


def wide_collections(n: int = 200_000) -> str:
    return PREFIXES + SOURCE + "  rdfs:seeAlso ( " + " ".join(["mlr:x"] * n) + " ) .\n"


def many_triples(n: int = 150_000) -> str:
    return (
        PREFIXES
        + SOURCE
        + "\n".join(f'  rdfs:comment "c{i}"@en ;' for i in range(n))
        + ('\n  rdfs:label "x"@en .\n')
    )


def incidents_csv(rows: int = 5000) -> str:
    head = (
        "id,label,date,date_precision,place,device_type,killed,injured,victims,source,"
        "verification,epistemic_status,description\n"
    )
    body = "".join(
        f"ev-incident-bench-{i},Anti-personnel mine explosion {i},2023-05-01,day,"
        "place-example-district,anti-personnel-mine,0,1,,src-trilateral-statement-2020,"
        "secondary,established,\n"
        for i in range(rows)
    )
    return head + body


#: name -> (file name, content maker, extra files validated beside it)
CORPUS: dict[str, tuple[str, Callable[[], str], list[Path]]] = {
    "huge-literal": ("huge-literal.ttl", huge_literal, []),
    "unknown-properties": ("unknown-properties.ttl", unknown_properties, []),
    "nested-collections": ("nested-collections.ttl", nested_collections, []),
    "wide-collection": ("wide-collection.ttl", wide_collections, []),
    "many-triples": ("many-triples.ttl", many_triples, []),
    "valid-5000-rows": ("incidents.csv", incidents_csv, [CONTEXT]),
}


def run(
    path: Path, extra: list[Path], cache: Path, limit_s: float
) -> tuple[float, float, float, int]:
    env = {**os.environ, "MINELAW_CACHE": str(cache)}
    cmd = [sys.executable, "-m", "minelaw", "validate", *map(str, extra), str(path)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = t0 + limit_s
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            return float("inf"), usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, -9
        time.sleep(0.02)
    cpu = usage.ru_utime + usage.ru_stime
    return time.perf_counter() - t0, cpu, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--only", default="")
    ap.add_argument("--limit-s", type=float, default=120.0)
    args = ap.parse_args()
    work = args.out or Path(tempfile.mkdtemp(prefix="minelaw-hostile-"))
    work.mkdir(parents=True, exist_ok=True)
    cache = work / "cache"
    # warm the cache once, so that every row measures validation, not the store build
    subprocess.run(
        [sys.executable, "-m", "minelaw", "validate", str(CONTEXT)],
        env={**os.environ, "MINELAW_CACHE": str(cache)},
        capture_output=True,
    )
    only = {n for n in args.only.split(",") if n}
    print(f"{'file':22} {'size MB':>8} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'exit':>5}")
    for name, (fname, make, extra) in CORPUS.items():
        if only and name not in only:
            continue
        path = work / fname
        path.write_text(make(), encoding="utf-8")
        secs, cpu, rss, code = run(path, extra, cache, args.limit_s)
        size = path.stat().st_size / 1e6
        print(f"{name:22} {size:8.1f} {secs:8.2f} {cpu:8.2f} {rss:8.0f} {code:5d}", flush=True)


if __name__ == "__main__":
    main()
