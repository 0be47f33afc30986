"""`minelaw add` and `minelaw init` with real files and real processes: all-or-nothing,
provenance, restricted graphs, the bundled KB never written, 20 concurrent adds, and a
kill -9 just before the rename."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox
import pytest
from intake_corpus import BAD, GOOD, minelaw

from minelaw.namespaces import MLR, PREFIXES
from minelaw.store.cache import open_kb
from minelaw.store.oxigraph import discover

ML = PREFIXES["ml"]


@pytest.fixture()
def my_kb(tmp_path: Path) -> Path:
    """A fresh researcher KB (law + bundled case) created with `minelaw init --with-case`."""
    from minelaw.intake.workflow import run_init

    kb = tmp_path / "kb"
    run_init(kb, with_case=True)
    return kb


def entry_files(kb: Path) -> list[Path]:
    return sorted((kb / "entries").rglob("*.ttl"))


def test_init_creates_kb(tmp_path: Path) -> None:
    res = minelaw("init", str(tmp_path / "k"))
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "k" / "law").is_dir() and (tmp_path / "k" / "entries").is_dir()
    assert not (tmp_path / "k" / "cases").exists()
    again = minelaw("init", str(tmp_path / "k"))
    assert again.returncode == 2 and "not empty" in again.stderr


def test_add_to_bundled_kb_is_refused() -> None:
    from minelaw.resources import data_dir

    before = sorted(data_dir("kb").rglob("*"))
    res = minelaw("--kb", str(data_dir("kb")), "add", str(GOOD / "source.ttl"), "--by", "T")
    assert res.returncode == 2
    assert "minelaw init" in res.stderr and "Traceback" not in res.stderr
    assert sorted(data_dir("kb").rglob("*")) == before


def test_add_writes_entry_with_provenance(my_kb: Path) -> None:
    src = GOOD / "incident-with-source.ttl"
    res = minelaw("--kb", str(my_kb), "add", str(src), "--by", "Ada Researcher")
    assert res.returncode == 0, res.stdout + res.stderr
    (f,) = entry_files(my_kb)
    assert not f.name.startswith(".") and "incident" not in f.name  # named from ids, not paths
    store = open_kb(my_kb)
    q = """SELECT ?who ?when ?sha ?conf (COUNT(?r) AS ?n) WHERE {
        ?e a ml:Entry ; prov:wasAttributedTo/rdfs:label ?who ; prov:generatedAtTime ?when ;
           ml:sha256 ?sha ; ml:confidentiality ?conf ; ml:addedResource ?r }
        GROUP BY ?who ?when ?sha ?conf"""
    from minelaw.namespaces import sparql_prefixes

    (row,) = store.query(sparql_prefixes() + q).rows
    import hashlib

    assert row["who"].value == "Ada Researcher"  # type: ignore[union-attr]
    assert row["sha"].value == hashlib.sha256(src.read_bytes()).hexdigest()  # type: ignore[union-attr]
    assert row["conf"].value.endswith("confidentiality-public")  # type: ignore[union-attr]
    assert row["n"].value == "2"  # type: ignore[union-attr]
    # the same entry again: its identifiers now exist -> exit 1, nothing new written
    again = minelaw("--kb", str(my_kb), "add", str(src), "--by", "Ada Researcher")
    assert again.returncode == 1 and "already exists" in again.stdout
    assert len(entry_files(my_kb)) == 1


def test_add_is_all_or_nothing(my_kb: Path) -> None:
    res = minelaw(
        "--kb",
        str(my_kb),
        "add",
        str(GOOD / "source.ttl"),
        str(BAD / "bad-date.ttl"),
        "--by",
        "T",
    )
    assert res.returncode == 1 and "nothing was written" in res.stdout
    assert entry_files(my_kb) == []
    unreadable = minelaw(
        "--kb", str(my_kb), "add", str(GOOD / "source.ttl"), str(BAD / "utf16.ttl"), "--by", "T"
    )
    assert unreadable.returncode == 2 and entry_files(my_kb) == []


def test_csv_and_jsonld_are_added_as_turtle(my_kb: Path) -> None:
    files = [*sorted((GOOD / "csv-bundle").glob("*.csv")), GOOD / "source.jsonld"]
    res = minelaw("--kb", str(my_kb), "add", *map(str, files), "--by", "T", "--format", "json")
    assert res.returncode == 0, res.stdout + res.stderr
    doc = json.loads(res.stdout)
    assert len(doc["written"]) == 1  # one add, one file (issue 18): all or nothing
    for f in entry_files(my_kb):
        assert list(ox.parse(path=str(f), format=ox.RdfFormat.TURTLE))
    check = minelaw("--kb", str(my_kb), "check", "--no-dl", "-q")
    assert check.returncode == 0, check.stdout


def test_restricted_entries_are_hidden_unless_included(my_kb: Path) -> None:
    res = minelaw("--kb", str(my_kb), "add", str(GOOD / "source.ttl"), "--by", "T", "--restricted")
    assert res.returncode == 0, res.stdout + res.stderr
    (f,) = entry_files(my_kb)
    assert f.parent.name == "restricted"
    q = f"SELECT ?s WHERE {{ ?s a ml:Source FILTER(?s = <{MLR}src-intake-good-source>) }}"
    hidden = minelaw("--kb", str(my_kb), "query", q, "--format", "csv")
    shown = minelaw("--kb", str(my_kb), "query", q, "--format", "csv", "--include-restricted")
    assert "src-intake-good-source" not in hidden.stdout
    assert "src-intake-good-source" in shown.stdout
    # a public entry may not cite the restricted source
    cite = minelaw("--kb", str(my_kb), "validate", str(GOOD / "incident-with-source.ttl"))
    assert cite.returncode == 0
    public = my_kb.parent / "cites.ttl"
    prefixes = (GOOD / "source.ttl").read_text().split("\n\n")[0]
    public.write_text(
        prefixes + "\n\nmlr:claim-intake-cites a ml:Claim ;\n"
        '  dcterms:identifier "claim-intake-cites" ;\n'
        "  ml:claimant mlr:org-halo-trust ; dcterms:source mlr:src-intake-good-source ;\n"
        '  ml:assertion "Fields were not marked." ; ml:claimKind mlv:claim-kind-contamination ;\n'
        "  ml:about mlr:place-azerbaijan ; ml:verification mlv:verification-secondary .\n"
    )
    out = minelaw("--kb", str(my_kb), "validate", str(public))
    assert out.returncode == 1 and "restricted resource" in out.stdout
    ok = minelaw("--kb", str(my_kb), "validate", "--restricted", str(public))
    assert ok.returncode == 0, ok.stdout


def _entry(i: int, folder: Path) -> Path:
    text = (GOOD / "source.ttl").read_text().replace("intake-good-source", f"intake-conc-{i}")
    p = folder / f"e{i}.ttl"
    p.write_text(text)
    return p


def test_twenty_concurrent_adds(my_kb: Path, tmp_path: Path) -> None:
    paths = [_entry(i, tmp_path) for i in range(20)]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(
            pool.map(
                lambda p: minelaw("--kb", str(my_kb), "add", str(p), "--by", "T", timeout=600),
                paths,
            )
        )
    elapsed = time.perf_counter() - t0
    assert all(r.returncode == 0 for r in results), [r.stdout + r.stderr for r in results]
    assert len(entry_files(my_kb)) == 20
    assert not list((my_kb / "entries").glob(".*.tmp-*"))
    store = open_kb(my_kb)
    n = store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s a <" + ML + "Source> "
        "FILTER(STRSTARTS(STR(?s), '" + MLR + "src-intake-conc-')) }"
    ).rows[0]["n"]
    assert n is not None and n.value == "20"
    check = minelaw("--kb", str(my_kb), "check", "--no-dl", "-q")
    assert check.returncode == 0, check.stdout
    print(f"20 concurrent adds: {elapsed:.1f} s")


def test_kill_during_add_leaves_all_or_nothing(my_kb: Path, tmp_path: Path) -> None:
    entry = _entry(99, tmp_path)
    env = {**os.environ, "MINELAW_TEST_PAUSE_BEFORE_RENAME": "30"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "minelaw", "--kb", str(my_kb), "add", str(entry), "--by", "T"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 120
    while not list((my_kb / "entries").glob(".*.tmp-*")):
        assert proc.poll() is None and time.time() < deadline, "add never reached the rename"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert entry_files(my_kb) == []  # none of it
    assert all(f.path.suffix == ".ttl" for f in discover(my_kb))  # temp file not picked up
    check = minelaw("--kb", str(my_kb), "check", "--no-dl", "-q")
    assert check.returncode == 0, check.stdout
    # the next add cleans the temp file up and succeeds
    res = minelaw("--kb", str(my_kb), "add", str(entry), "--by", "T")
    assert res.returncode == 0, res.stdout + res.stderr
    assert len(entry_files(my_kb)) == 1
    assert not list((my_kb / "entries").glob(".*.tmp-*"))
