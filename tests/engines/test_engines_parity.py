"""Same answers on every engine (issue 21): minelaw's findings, briefs, compliance-rule
candidates and saved queries, through ``--endpoint`` on the Oxigraph server, OpenLink
Virtuoso and Jena ARQ (TDB2), against the embedded store.

The rewrites Virtuoso and Jena needed in ``rules/obligations``, ``queries`` and
``src/minelaw/reasoning`` (``docs/team-server.md``, "Engine differences") have landed: every
engine agrees everywhere, so none of these tests is an expected failure.  (Virtuoso's losses
depended on its query plans, which vary between server instances and runs: the rules and
queries avoid the constructs it answers wrongly -- property paths with ``*``, ``+`` or ``?``
next to VALUES blocks, EXISTS inside BIND, FILTER NOT EXISTS reading a VALUES variable --
rather than relying on one instance agreeing.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from minelaw.namespaces import sparql_prefixes
from minelaw.sparql.query import bind, saved_queries
from minelaw.store.remote import Credentials, RemoteStore

from .engines_support import ENGINES, VIRTUOSO_ENV, Engines, embedded, invoke, world_groups
from .parity import comparable

pytestmark = pytest.mark.engines


def credentials(engine: str) -> Credentials | None:
    if engine == "virtuoso":
        return Credentials(
            VIRTUOSO_ENV["MINELAW_ENDPOINT_USER"], VIRTUOSO_ENV["MINELAW_ENDPOINT_PASSWORD"]
        )
    return None


def env(engine: str) -> dict[str, str] | None:
    return VIRTUOSO_ENV if engine == "virtuoso" else None


_LOCAL: dict[tuple[str, ...], Any] = {}


def local(*args: str) -> Any:
    """The embedded result of a CLI command (computed once per session)."""
    if args not in _LOCAL:
        _LOCAL[args] = invoke(*args)
    return _LOCAL[args]


def findings_pair(engines: Engines, engine: str, kb: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    url = engines.url(engine, kb)
    here = local("--kb", str(kb), "findings", "--format", "json")
    far = invoke(
        "--kb", str(kb), "--endpoint", url, "findings", "--format", "json", env=env(engine)
    )
    assert far.exit_code == here.exit_code, far.output[-2000:]
    doc_l, doc_r = json.loads(here.output), json.loads(far.output)
    # the KB version is the content hash locally and the endpoint's address remotely; the size
    # is the same (an engine's own graphs do not count)
    assert doc_r.pop("kb") == {"version": url, "triples": doc_l.pop("kb")["triples"]}
    return doc_l, doc_r


# --- findings ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "engine",
    ["oxigraph", "virtuoso", "jena"],
)
def test_findings_same_on_the_bundled_kb(engine: str, engines: Engines, bundled_kb: Path) -> None:
    doc_l, doc_r = findings_pair(engines, engine, bundled_kb)
    assert doc_l["findings"], "the bundled KB must yield findings"
    assert doc_r == doc_l


WORLDS = [f"world-{i:02d}" for i in range(1, len(world_groups()) + 1)]


def _world_params() -> list[Any]:
    out = []
    for engine in ENGINES:
        for world in WORLDS:
            out.append(pytest.param(engine, world, id=f"{engine}-{world}"))
    return out


@pytest.mark.parametrize(("engine", "world"), _world_params())
def test_findings_same_on_the_rule_worlds(
    engine: str, world: str, engines: Engines, worlds: dict[str, Path]
) -> None:
    doc_l, doc_r = findings_pair(engines, engine, worlds[world])
    assert doc_l["findings"], "each world's cases must yield findings"
    assert doc_r == doc_l


# --- compliance-rule candidates --------------------------------------------------------------
@pytest.mark.parametrize("engine", ["oxigraph", "virtuoso", "jena"])
def test_rule_candidates_same(
    engine: str, engines: Engines, bundled_kb: Path, worlds: dict[str, Path]
) -> None:
    """Each compliance rule's candidate query (its SHACL-SPARQL select, ``$this`` free) gives
    the same rows on the engine as on the embedded store: on the bundled KB, and for Jena ARQ
    (which holds every KB at once) on every rule world too.  (On the worlds, the findings tests
    above run the same queries on the other engines; loading each world again here would only
    double the pushes.)"""
    from minelaw.reasoning.rules import load_rules

    rules = load_rules()
    fired = 0
    for kb in [bundled_kb, *worlds.values()] if engine == "jena" else [bundled_kb]:
        store = embedded(kb)
        remote = RemoteStore(engines.url(engine, kb), credentials=credentials(engine))
        for rule in rules:
            text = sparql_prefixes() + rule.select
            here, far = store.query(text), remote.query(text)
            assert comparable(far, text) == comparable(here, text), (kb, rule.norm)
            fired += len(here.rows)
    assert fired >= 9, "the comparison must not be about empty answers"


# --- saved queries ---------------------------------------------------------------------------
@pytest.mark.parametrize("engine", ["oxigraph", "virtuoso", "jena"])
def test_saved_queries_same_rows(engine: str, engines: Engines, bundled_kb: Path) -> None:
    """Every queries/*.rq gives the same rows (the same order where it has an ORDER BY)."""
    from endpoint.test_endpoint_remote import sample_params

    store = embedded(bundled_kb)
    remote = RemoteStore(engines.url(engine, bundled_kb), credentials=credentials(engine))
    differing, non_empty = [], 0
    for name, q in saved_queries().items():
        text = sparql_prefixes() + bind(q, sample_params(q, store))
        here, far = store.query(text), remote.query(text)
        non_empty += bool(here.rows or here.triples or here.boolean)
        if comparable(far, text) != comparable(here, text):
            differing.append(name)
    assert differing == []
    assert non_empty >= 15


# --- briefs --------------------------------------------------------------------------------
BRIEF_DATE = "2024-01-31"


@pytest.fixture(scope="module")
def local_briefs(tmp_path_factory: pytest.TempPathFactory, bundled_kb: Path) -> Path:
    """Every brief of the bundled KB in Markdown, rendered on the embedded store once (each
    engine's briefs are compared with these)."""
    out = tmp_path_factory.mktemp("briefs") / "local"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MINELAW_BRIEF_DATE", BRIEF_DATE)
        res = invoke("--kb", str(bundled_kb), "brief", "--all", "--format", "md", "--out", str(out))
    assert res.exit_code == 0, res.output
    return out


@pytest.mark.parametrize(
    "engine",
    ["oxigraph", "virtuoso", "jena"],
)
def test_briefs_byte_identical(
    engine: str,
    engines: Engines,
    bundled_kb: Path,
    local_briefs: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MINELAW_BRIEF_DATE", BRIEF_DATE)
    url = engines.url(engine, bundled_kb)
    out_l, out_r = local_briefs, tmp_path / engine
    br = invoke(
        "--kb",
        str(bundled_kb),
        "--endpoint",
        url,
        "brief",
        "--all",
        "--format",
        "md",
        "--out",
        str(out_r),
        env=env(engine),
    )
    assert br.exit_code == 0, br.output
    version = json.loads(local("--kb", str(bundled_kb), "findings", "--format", "json").output)[
        "kb"
    ]["version"]
    names = sorted(p.name for p in out_l.iterdir())
    assert len(names) > 1 and names == sorted(p.name for p in out_r.iterdir())
    for name in names:
        # the version line names the content hash locally and the endpoint remotely
        assert (out_r / name).read_text() == (out_l / name).read_text().replace(version, url), name
