"""The SPARQL engines of the parity tests, started once per test session (issue 21).

:class:`Engines` starts each engine the first time a test asks for it, on free loopback
ports with throwaway database folders, loads a KB into it and stops everything at the end of
the session:

- ``oxigraph``: the Oxigraph server (``oxigraph serve --union-default-graph``, from the
  ``oxigraph`` PyPI package), loaded by ``minelaw push``;
- ``virtuoso``: OpenLink Virtuoso 7 (Debian ``virtuoso-opensource``, :mod:`.virtuoso`),
  loaded by ``minelaw push --user dba`` (HTTP Digest auth on its Graph Store);
- ``jena``: Jena ARQ over TDB2 (Debian ``libapache-jena-java``, :mod:`.jena`) behind
  ``JenaEndpoint.java``: the bundled KB's store is built by ``tdb2.tdbloader`` from the
  embedded store's N-Quads dump; the rule worlds are loaded into their own TDB2 stores inside
  the endpoint's JVM (small stores without a loader JVM each).

Oxigraph server and Virtuoso hold one KB at a time: asking for another KB pushes it, which
also exercises ``push``'s removal of stale graphs.  The rule worlds are the cases of
``tests/rules`` written side by side into two KBs (each case's resources kept apart), each
with ``kb/law`` and ``tests/rules/_world.ttl`` (:func:`rule_worlds`).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from paths import ROOT
from side_by_side import described, side_by_side

from . import jena as jena_mod
from . import virtuoso as virtuoso_mod

ENGINES = ("oxigraph", "virtuoso", "jena")
VIRTUOSO_ENV = {
    "MINELAW_ENDPOINT_USER": virtuoso_mod.DBA_USER,
    "MINELAW_ENDPOINT_PASSWORD": virtuoso_mod.DBA_PASSWORD,
}


def oxigraph_bin() -> str | None:
    cand = Path(sys.executable).parent / "oxigraph"
    return str(cand) if cand.exists() else shutil.which("oxigraph")


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    """The minelaw CLI in process (click's runner), output and exit code."""
    from click.testing import CliRunner

    from minelaw.cli import cli

    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


# --- the rule worlds ----------------------------------------------------------------------


def _cases_by_rule() -> dict[str, list[Path]]:
    by_rule: dict[str, list[Path]] = {}
    for case in sorted((ROOT / "tests" / "rules").glob("*-[0-9][0-9][0-9].ttl")):
        by_rule.setdefault(case.stem.rsplit("-", 1)[0], []).append(case)
    return by_rule


def world_groups(per_rule: int = 2) -> list[list[Path]]:
    """The first ``per_rule`` cases of each compliance rule (its plain "fires" case and the
    first filter), one world per rank: world 1 holds every rule's first case, world 2 every
    rule's second.  Every rule's queries run on every engine, while the whole corpus (over 250
    cases) runs on the embedded store in tests/test_rules.py."""
    by_rule = _cases_by_rule()
    return [
        [cases[i] for _, cases in sorted(by_rule.items()) if len(cases) > i]
        for i in range(per_rule)
    ]


def rule_worlds(root: Path) -> dict[str, Path]:
    """``world-NN`` -> a KB folder: kb/law, the fictional world and one group of cases, side
    by side (tests/side_by_side.py: a resource two cases describe is renamed in the later
    one, so each case keeps its own facts; the cases of one world do meet in the world's
    shared places and states, which changes nothing for a comparison of engines)."""
    law = sorted((ROOT / "kb" / "law").glob("*.ttl"))
    shared = described([ROOT / "tests" / "rules" / "_world.ttl", *law])
    worlds = {}
    for i, cases in enumerate(world_groups(), 1):
        kb = root / f"world-{i:02d}" / "kb"
        shutil.copytree(ROOT / "kb" / "law", kb / "law")
        shutil.copy(ROOT / "tests" / "rules" / "_world.ttl", kb / "world.ttl")
        (kb / "cases").mkdir()
        side_by_side(cases, kb / "cases", shared)
        worlds[f"world-{i:02d}"] = kb
    return worlds


# --- the engines --------------------------------------------------------------------------
class Engines:
    """Engines started on first use, one KB loaded at a time (see the module docstring)."""

    def __init__(self, work: Path, kbs: dict[str, Path]) -> None:
        self.work = work
        work.mkdir(parents=True, exist_ok=True)
        self.kbs = kbs  # every KB the session may ask for: Jena loads them all at its start
        self._loaded: dict[str, Path] = {}
        self._oxigraph: subprocess.Popen[bytes] | None = None
        self._oxigraph_url = ""
        self.virtuoso: virtuoso_mod.Virtuoso | None = None
        self.jena: jena_mod.Jena | None = None
        self._jena_ep: jena_mod.JenaEndpoint | None = None
        self.timings: dict[str, float] = {}

    # the query URL of an engine holding ``kb``
    def url(self, engine: str, kb: Path) -> str:
        if engine == "jena":
            return self._jena_url(kb)
        base = self._oxigraph_query_url() if engine == "oxigraph" else self._virtuoso_url()
        if self._loaded.get(engine) != kb:
            env = VIRTUOSO_ENV if engine == "virtuoso" else None
            t0 = time.perf_counter()
            res = invoke("--kb", str(kb), "--endpoint", base, "push", env=env)
            assert res.exit_code == 0, res.output
            self.timings[f"push {engine} {kb.parent.name}"] = time.perf_counter() - t0
            self._loaded[engine] = kb
        return base

    def forget(self, engine: str) -> None:
        """The engine's content was changed behind the hub's back: push again next time."""
        self._loaded.pop(engine, None)

    def _oxigraph_query_url(self) -> str:
        if self._oxigraph is None:
            exe = oxigraph_bin()
            if exe is None:
                pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
            port = virtuoso_mod.free_port()
            location = self.work / "oxigraph-db"
            self._oxigraph = subprocess.Popen(
                [exe, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
                + ["--union-default-graph"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=2).read()
                    break
                except (urllib.error.URLError, OSError):
                    if self._oxigraph.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("oxigraph serve did not start") from None
                    time.sleep(0.1)
            self._oxigraph_url = base + "/query"
        return self._oxigraph_url

    def _virtuoso_url(self) -> str:
        if self.virtuoso is None:
            why = virtuoso_mod.available()
            if why:
                pytest.skip(f"Virtuoso: {why}")
            self.virtuoso = virtuoso_mod.Virtuoso(self.work / "virtuoso").start()
            self.timings["virtuoso start"] = self.virtuoso.startup_seconds
        return self.virtuoso.sparql_url

    def jena_runner(self) -> jena_mod.Jena:
        if self.jena is None:
            why = jena_mod.available()
            if why:
                pytest.skip(f"Jena: {why}")
            self.jena = jena_mod.Jena(self.work / "jena")
        return self.jena

    def _jena_url(self, kb: Path) -> str:
        if self._jena_ep is None:
            self._start_jena()
        assert self._jena_ep is not None
        names = {v: k for k, v in self.kbs.items()}
        name = names[kb]
        return self._jena_ep.url if name == "bundled" else self._jena_ep.url_for(name)

    def _start_jena(self) -> None:
        jena = self.jena_runner()
        dumps = self.work / "dumps"
        dumps.mkdir(exist_ok=True)
        load: dict[str, tuple[str | Path, str | Path]] = {}
        loc = None
        for name, kb in self.kbs.items():
            nq = dumps / f"{name}.nq"
            nq.write_bytes(public_nquads(kb))
            if name == "bundled":
                loc = self.work / "tdb-bundled"
                self.timings["jena tdb2.tdbloader bundled"] = jena.tdb2_load(loc, [nq])
            else:
                load[name] = (self.work / f"tdb-{name}", nq)
        self._jena_ep = jena_mod.JenaEndpoint(jena, loc, load=load).start()
        self.timings["jena endpoint start (+ world loads)"] = self._jena_ep.startup_seconds

    def close(self) -> None:
        if self._jena_ep is not None:
            self._jena_ep.stop()
        if self.jena is not None:
            self.jena.close()
        if self.virtuoso is not None:
            self.virtuoso.stop()
        if self._oxigraph is not None:
            self._oxigraph.terminate()
            try:
                self._oxigraph.wait(10)
            except subprocess.TimeoutExpired:
                self._oxigraph.kill()
                self._oxigraph.wait(5)


def embedded(kb: Path) -> Any:
    """The KB's embedded store with graph:findings, as ``minelaw push`` sends it."""
    from minelaw.reasoning.findings_graph import ensure
    from minelaw.store.cache import open_kb

    return ensure(open_kb(kb))


def public_nquads(kb: Path) -> bytes:
    """The embedded store's public graphs (as ``push`` sends them) as one N-Quads document, so
    blank nodes shared between graphs stay shared."""
    import pyoxigraph as ox

    store = embedded(kb)
    hidden = store.hidden_graphs
    quads = [
        q
        for g in store.graphs()
        if g not in hidden
        for q in store.store.quads_for_pattern(None, None, None, ox.NamedNode(g))
    ]
    return bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")
