"""Shared fixtures and guards: an isolated store cache, the bundled KB's store, a CLI runner.

Guards (run by every session):

- The store cache is a fresh temporary folder, set in :func:`pytest_configure`, that is
  before pytest imports any test module: modules that read the bundled KB while they are
  collected (to build their parameters) never touch ``~/.cache/minelaw`` or ``$MINELAW_CACHE``.
  The pytest-xdist workers of a run share the controller's folder.
- With ``MINELAW_NO_SKIP=1`` (set by ``.ci/run``, which installs every tool) a skip is a
  failure, whether it happens while a test runs or while a module is collected
  (``pytest.importorskip`` or ``pytest.skip(allow_module_level=True)`` at module level).
- ``MINELAW_UPDATE_GOLDEN=1`` together with ``MINELAW_NO_SKIP=1`` is a usage error: CI never
  rewrites golden files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from paths import DATA, ROOT  # noqa: F401  (re-exported for older imports)

NO_SKIP = "MINELAW_NO_SKIP"
UPDATE_GOLDEN = "MINELAW_UPDATE_GOLDEN"
_CACHE_KEY = pytest.StashKey[tuple[Path, dict[str, str | None], bool]]()
_SHARED_CACHE = "minelaw_test_cache"


def _no_skip() -> bool:
    return os.environ.get(NO_SKIP) == "1"


def pytest_configure(config: pytest.Config) -> None:
    """Refuse to rewrite goldens in CI; point the store cache at a fresh folder.

    This hook runs before collection, so it is in force when test modules are imported.
    """
    if _no_skip() and os.environ.get(UPDATE_GOLDEN) == "1":
        raise pytest.UsageError(
            f"{UPDATE_GOLDEN}=1 with {NO_SKIP}=1: CI never rewrites golden files; "
            f"unset {UPDATE_GOLDEN} (rewrite goldens locally and review the diff)"
        )
    saved = {k: os.environ.get(k) for k in ("MINELAW_CACHE", "MINELAW_KB")}
    shared = getattr(config, "workerinput", {}).get(_SHARED_CACHE)
    if shared:
        # a pytest-xdist worker: the run's folder, made by the controller (which removes it)
        cache, owned = Path(shared), False
    else:
        cache, owned = Path(tempfile.mkdtemp(prefix="minelaw-test-cache-")), True
    config.stash[_CACHE_KEY] = (cache, saved, owned)
    os.environ["MINELAW_CACHE"] = str(cache)
    os.environ.pop("MINELAW_KB", None)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker shares the controller's cache folder, so the bundled KB's
    store, its findings and the entry-shape results are built once per run, not once per
    worker.  Builds take a lock and cache files are written whole (renamed into place), so
    two workers never build one store twice nor read half a file."""
    cache = node.config.stash[_CACHE_KEY][0]
    node.workerinput[_SHARED_CACHE] = str(cache)


#: tests that share an expensive session resource run in one pytest-xdist worker, so that it
#: starts once per run, not once per worker: a folder or a module of the suite -> its group
_GROUPS = {
    "engines": "engines",  # Virtuoso, Jena, the Oxigraph server (tests/engines/conftest.py)
    "test_figures.py": "chromium",
    "test_endpoint_browser.py": "chromium",
}


#: the slowest tests (over ten seconds each, measured with ``--durations=0``): sent first after
#: the groups, so that neither worker is left with one of them at the end while the other
#: idles (the rules cache's end-to-end test, last in file order, once ended a run alone)
_SLOW = (
    "tests/test_benchmarks.py::test_run_smoke",
    "tests/test_rules_cache.py::test_after_add_and_change_findings_equal_a_cold_run",
    "tests/test_rules.py::test_engine_and_pyshacl_agree",
    "tests/intake/test_intake_add.py::test_twenty_concurrent_adds",
    "tests/store/test_shacl_sparql.py::test_compiled_shapes_equal_pyshacl",
    "tests/briefs/test_briefs.py::test_cli_brief_all",
    "tests/endpoint/test_endpoint_remote.py::test_findings_and_briefs_same_through_endpoint",
    "tests/test_guards.py::test_a_run_writes_nothing_into_the_users_cache",
    "tests/test_guards.py::test_no_skip_turns_every_skip_into_a_failure",
    "tests/test_guide.py::test_guide_examples_run",
    "tests/test_packaging.py::",
)


#: the engine tests of Virtuoso (named in their node id: a parameter or the test's name) form
#: a group of their own, so that Virtuoso runs in one worker while Jena and the Oxigraph
#: server run in the other; each worker's session starts only the engines its tests ask for
#: (tests/engines/engines_support.py), and both share the run's store cache
_SPLIT = {"engines": ("virtuoso", "virtuoso")}


def group_of(nodeid: str) -> str | None:
    """The group of a test (by its node id), or None: it may run in any worker."""
    path, _, test = nodeid.partition("::")
    parts = path.split("/")
    for key, (word, group) in _SPLIT.items():
        if key in parts and word in test:
            return group
    for key, group in _GROUPS.items():
        if key in parts:
            return group
    return None


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup`` (addopts) with the groups of :data:`_GROUPS`, decided here from the
    node ids.

    pytest-xdist's own ``loadgroup`` reads ``xdist_group`` marks by appending ``@group`` to each
    item's ``_nodeid`` in the worker; pytest 9 keeps node ids elsewhere (``Node._id``), so there
    the marks are silently ignored and every worker started its own engines and browser (seen
    as two Virtuoso servers in one run).  A scheduler that reads the group from the node id
    does not depend on that.  Scopes are sent largest first (``loadscope`` reordering), so the
    engines group starts at once in one worker while the other worker takes the rest; then the
    tests of :data:`_SLOW`.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    groups = set(_GROUPS.values()) | {group for _, group in _SPLIT.values()}

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid) or nodeid

        def _assign_work_unit(self, node: Any) -> None:
            # the groups first (largest first), then the slow tests, then the rest in order
            first = next(iter(self.workqueue), None)
            if first is not None and first not in groups:
                slow = next((s for s in self.workqueue if s.startswith(_SLOW)), None)
                if slow is not None:
                    self.workqueue.move_to_end(slow, last=False)
            super()._assign_work_unit(node)

    return GroupScheduling(config, log)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _CACHE_KEY not in config.stash:
        return
    cache, saved, owned = config.stash[_CACHE_KEY]
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    if owned:
        shutil.rmtree(cache, ignore_errors=True)


@pytest.fixture(scope="session")
def cache_dir() -> Path:
    """The session's store cache (``$MINELAW_CACHE``, set in :func:`pytest_configure`)."""
    return Path(os.environ["MINELAW_CACHE"])


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
    if _no_skip() and rep.skipped and not hasattr(rep, "wasxfail"):
        rep.outcome = "failed"
        rep.longrepr = f"skipped, but {NO_SKIP}=1 (CI installs everything): {_why(rep)}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    """The same for a module skipped while it is collected (a module-level
    ``pytest.importorskip`` or ``pytest.skip(allow_module_level=True)``): with
    MINELAW_NO_SKIP=1 it is a collection error, so the run fails instead of silently
    leaving out every test of the module."""
    outcome = yield
    rep = outcome.get_result()  # type: ignore[attr-defined]
    if _no_skip() and rep.skipped:
        rep.outcome = "failed"
        rep.longrepr = (
            f"{collector.nodeid or collector.name} skipped while collected, but {NO_SKIP}=1 "
            f"(CI installs everything): {_why(rep)}"
        )


def _why(rep: pytest.CollectReport | pytest.TestReport) -> str:
    """A skip's place and reason (pytest keeps them as a (path, line, reason) tuple)."""
    if isinstance(rep.longrepr, tuple):
        path, line, reason = rep.longrepr
        return f"{reason} ({path}:{line + 1})"
    return str(rep.longrepr)
