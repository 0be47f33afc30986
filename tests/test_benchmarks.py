"""Smoke test of the benchmarks (issues 9 and 19): the generator, and run.py at 200 incidents.

The full runs (1k/10k/100k) are in benchmarks/RESULTS.md; this test only checks that the
tools work end to end: the synthetic KB is deterministic and passes the entry shapes, every
report section is written, the planted candidate breaches are found, and `minelaw add` then
`findings` starts from the cached store.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from paths import ROOT

BENCH = ROOT / "benchmarks"


def test_generator_is_deterministic(tmp_path: Path) -> None:
    sys.path.insert(0, str(BENCH))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(BENCH))
    a = generate(tmp_path / "a", 300, seed=3)
    b = generate(tmp_path / "b", 300, seed=3)
    c = generate(tmp_path / "c", 300, seed=4)
    assert a["sha256"] == b["sha256"] != c["sha256"]
    assert (tmp_path / "a" / "law").is_dir() and (tmp_path / "a" / "entries").is_dir()
    text = "".join(p.read_text() for p in (tmp_path / "a").rglob("*.ttl"))
    assert text.count("a ml:MineIncident") == 300 + 80  # plus one planted per district
    planted = a["planted"]
    assert isinstance(planted, dict)
    rules = {p.stem for p in (ROOT / "rules" / "obligations").glob("[!_]*.ttl")}
    # no synthetic state is party to the Mine Ban Convention (the generator's participation
    # records predate the APMBC rule), so APMBC art 5 has no planted candidates
    # and the generator records no belligerent occupation (control of a district taken in
    # war is plain territorial control there), so Hague Regulations art 43 has none either,
    # nor does the territorial state's reduced duty where another actor controls part of its
    # territory (effective control, de facto administration or occupation: none generated)
    not_planted = {"APMBC-1997-art5", "HR-1907-art43", "ECHR-1950-art2-limited"}
    assert set(planted) == rules - not_planted, "every compliance rule has planted candidates"


def test_run_smoke(tmp_path: Path) -> None:
    """The runner end to end at 60 incidents, one run: every measurement and section.

    The pySHACL baselines are skipped here (minutes even at this size); that the engine and
    pySHACL agree is tested in tests/test_rules.py (compliance rules) and
    tests/store/test_shacl_sparql.py (entry shapes).
    """
    out = tmp_path / "RESULTS.md"
    # the engine comparison (benchmarks/engines.py, between its markers) survives a rewrite
    engines = "<!-- engines:begin -->\n## Engines\n\nkept as written\n<!-- engines:end -->"
    out.write_text(f"# an older report\n\n{engines}\n", encoding="utf-8")
    env = dict(os.environ, MINELAW_CACHE=str(tmp_path / "cache"))
    cmd = [
        sys.executable,
        str(BENCH / "run.py"),
        "--sizes",
        "60",
        "--runs",
        "1",
        "--out",
        str(out),
        "--work",
        str(tmp_path / "work"),
        "--briefs",
        "5",
        "--reps",
        "2",
        "--rdflib-timeout",
        "5",
        "--pyshacl-max",
        "0",
        "--shapes-pyshacl-max",
        "0",
        "--no-notes",
    ]
    subprocess.run(cmd, check=True, env=env, timeout=600)
    text = out.read_text(encoding="utf-8")
    assert text.endswith(f"\n\n{engines}\n") and "an older report" not in text
    for section in (
        "## Summary",
        "## Targets (issue 9)",
        "## Targets (issue 19)",
        "## Cold and warm load",
        "## Compliance rules",
        "## One-entry validation",
        "## Saved queries",
        "## Briefs",
        "## Peak memory by step",
    ):
        assert section in text
    assert re.search(r"\| preflight problems \| 0 \|", text)
    assert re.search(r"\| whole-KB entry validation, shapes compiled to SPARQL \| \d", text)
    # `add` then findings started from the cached store, and the rules cache was consulted
    assert "(incremental store; rules cache: trigger queries" in text
    raw = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))[0]
    assert raw["planted_found"] == raw["planted_total"] > 0
    assert raw["validate"]["status"] == "valid"
    assert raw["briefs"]["md"] > 0 and raw["briefs"]["html"] > 0
    assert raw["shapes"]["problems"] == 0 and raw["shapes"]["fallback"] == 0
    assert raw["first_findings"]["rc"] == 0 and raw["add_then_findings"]["rc"] == [0, 0]
    assert raw["again_findings"]["rc"] == 0
    assert raw["after_add_steps"]["incremental"] == 1.0
    steps = raw["after_add_steps"]  # the rules cache counted every rule's trigger query
    n_rules = len(list((ROOT / "rules" / "obligations").glob("[!_]*.ttl")))
    assert steps["cache_triggers_run"] + steps["cache_triggers_reused"] == n_rules
