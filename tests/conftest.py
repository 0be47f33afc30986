"""Shared fixtures: an isolated store cache, the bundled KB's store, and a CLI runner."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from paths import DATA, ROOT  # noqa: F401  (re-exported for older imports)


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test session builds stores in its own cache folder."""
    cache = tmp_path_factory.mktemp("minelaw-cache")
    old = os.environ.get("MINELAW_CACHE")
    os.environ["MINELAW_CACHE"] = str(cache)
    os.environ.pop("MINELAW_KB", None)
    yield cache
    if old is None:
        os.environ.pop("MINELAW_CACHE", None)
    else:
        os.environ["MINELAW_CACHE"] = old


@pytest.fixture(scope="session")
def kb_dir() -> Path:
    from minelaw.resources import data_dir

    return data_dir("kb")


@pytest.fixture(scope="session")
def store(kb_dir: Path):  # type: ignore[no-untyped-def]
    """The bundled KB loaded into the embedded store (built once per session)."""
    from minelaw.store.cache import open_kb

    return open_kb(kb_dir)


@pytest.fixture()
def run_cli():  # type: ignore[no-untyped-def]
    """Invoke the click CLI in-process: run_cli('query', 'x', kb=path) -> Result."""
    from minelaw.cli import cli

    def run(*args: str, kb: Path | None = None) -> Result:
        argv = (["--kb", str(kb)] if kb else []) + list(args)
        return CliRunner().invoke(cli, argv, catch_exceptions=False)

    return run


@pytest.fixture()
def sparql(store):  # type: ignore[no-untyped-def]
    """Run a SPARQL query (minelaw prefixes preloaded) on the bundled KB; rows as dicts of str."""
    from minelaw.namespaces import sparql_prefixes
    from minelaw.store.oxigraph import term_value

    def run(q: str) -> list[dict[str, str]]:
        res = store.query(sparql_prefixes() + q)
        return [{k: term_value(v) for k, v in r.items() if v is not None} for r in res.rows]

    return run


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """With MINELAW_NO_SKIP=1 (set by .ci/run, which installs every tool), a skip is a failure.

    Locally a missing chromium or Pango skips the browser and PDF tests; in CI that would hide
    an untested feature, so there it fails instead.
    """
    outcome = yield
    rep = outcome.get_result()  # type: ignore[attr-defined]
    if os.environ.get("MINELAW_NO_SKIP") == "1" and rep.skipped and not hasattr(rep, "wasxfail"):
        rep.outcome = "failed"
        rep.longrepr = f"skipped, but MINELAW_NO_SKIP=1 (CI installs everything): {rep.longrepr}"
