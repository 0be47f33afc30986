"""The suite's own guards (tests/conftest.py), each proven by a real pytest run in a subprocess.

- ``MINELAW_NO_SKIP=1`` turns every skip into a failure: a skip while a test runs (a
  ``pytest.skip`` call or a skip mark) and a skip while a module is collected (a module-level
  ``pytest.importorskip`` or ``pytest.skip(allow_module_level=True)``), which pytest reports
  before any test hook runs; an expected failure (xfail) stays what it is.
- ``MINELAW_UPDATE_GOLDEN=1`` with ``MINELAW_NO_SKIP=1`` is a usage error: CI never rewrites
  golden files.
- A run writes nothing into ``$HOME`` or the user's ``$MINELAW_CACHE``, not even while test
  modules are imported (some read the bundled KB then, to build their parameters).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from paths import ROOT

TESTS = ROOT / "tests"


def _pytest(
    folder: Path, env: dict[str, str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=cwd or folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("MINELAW_NO_SKIP", "MINELAW_UPDATE_GOLDEN", "PYTEST_ADDOPTS")
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env | extra


def _project(tmp: Path, files: dict[str, str]) -> Path:
    """A tiny pytest project: this suite's conftest.py and paths.py, a passing test, and
    ``files`` (test module name -> body)."""
    tmp.mkdir(parents=True, exist_ok=True)
    for name in ("conftest.py", "paths.py"):
        shutil.copy(TESTS / name, tmp / name)
    (tmp / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    files = {"ok": "def test_ok() -> None:\n    pass\n", **files}
    for name, body in files.items():
        (tmp / f"test_{name}.py").write_text("import pytest\n\n" + body, encoding="utf-8")
    return tmp


# each way a test can be skipped: two while the module is collected, three while it runs
SKIPS = {
    "importorskip_at_module_level": (
        'pytest.importorskip("minelaw_no_such_module", reason="no tool")\n\n\n'
        "def test_x() -> None:\n    pass\n"
    ),
    "skip_at_module_level": (
        'pytest.skip("no tool", allow_module_level=True)\n\n\ndef test_x() -> None:\n    pass\n'
    ),
    "skip_in_a_test": 'def test_x() -> None:\n    pytest.skip("no tool")\n',
    "skip_mark": '@pytest.mark.skip(reason="no tool")\ndef test_x() -> None:\n    pass\n',
    "skip_in_a_fixture": (
        "@pytest.fixture\ndef tool() -> None:\n"
        '    pytest.skip("no tool")\n\n\n'
        "def test_x(tool: None) -> None:\n    pass\n"
    ),
}
XFAIL = (
    '@pytest.mark.xfail(reason="known", strict=True)\ndef test_x() -> None:\n    raise ValueError\n'
)


def test_no_skip_turns_every_skip_into_a_failure(tmp_path: Path) -> None:
    project = _project(tmp_path / "p", {**SKIPS, "xfail": XFAIL})
    # locally a skip is a skip (and rewriting goldens is allowed)
    local = _pytest(project, _env(MINELAW_UPDATE_GOLDEN="1"))
    assert local.returncode == 0, local.stdout + local.stderr
    assert "1 passed, 5 skipped, 1 xfailed" in local.stdout, local.stdout
    # in CI each one fails: in a test as a failure, in a mark or fixture as an error at setup,
    # at collection time as a collection error; an expected failure stays one
    ci = _pytest(project, _env(MINELAW_NO_SKIP="1"), "-rfE", "--continue-on-collection-errors")
    assert ci.returncode == pytest.ExitCode.TESTS_FAILED, ci.stdout + ci.stderr
    assert "1 failed, 1 passed, 1 xfailed, 4 errors" in ci.stdout, ci.stdout
    summary = [ln for ln in ci.stdout.splitlines() if ln.startswith(("FAILED", "ERROR"))]
    for kind in SKIPS:
        assert [ln for ln in summary if f"test_{kind}.py" in ln], (kind, ci.stdout)
    assert ci.stdout.count("MINELAW_NO_SKIP=1") >= 5 and "no tool" in ci.stdout, ci.stdout
    # and without --continue-on-collection-errors (as in CI) a collection error stops the run
    alone = _pytest(project, _env(MINELAW_NO_SKIP="1"), "test_importorskip_at_module_level.py")
    assert alone.returncode == pytest.ExitCode.INTERRUPTED, alone.stdout + alone.stderr


def test_update_golden_is_refused_under_no_skip(tmp_path: Path) -> None:
    project = _project(tmp_path / "p", {})
    ci = _pytest(project, _env(MINELAW_NO_SKIP="1", MINELAW_UPDATE_GOLDEN="1"))
    assert ci.returncode == pytest.ExitCode.USAGE_ERROR, ci.stdout + ci.stderr
    assert "CI never rewrites golden files" in ci.stderr, ci.stderr


# modules that read the bundled KB while they are collected, and tests that build stores
# (the bundled KB's, a small KB's) and run the CLI; selecting single tests still imports each
# module whole
WRITERS = [
    "tests/case/test_case_neutrality.py::test_names_were_found",
    "tests/case/test_case_queries.py::test_places_have_label_variants",
    "tests/test_query.py::test_count_quads_csv_matches_store",
    "tests/test_check.py::test_cached_store_is_reused_and_invalidated",
]


def test_a_run_writes_nothing_into_the_users_cache(tmp_path: Path) -> None:
    home, cache = tmp_path / "home", tmp_path / "cache"
    home.mkdir()
    cache.mkdir()
    env = _env(HOME=str(home), MINELAW_CACHE=str(cache))
    env.pop("XDG_CACHE_HOME", None)
    res = _pytest(tmp_path, env, "--basetemp", str(tmp_path / "basetemp"), *WRITERS, cwd=ROOT)
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"{len(WRITERS)} passed" in res.stdout, res.stdout
    assert sorted(home.rglob("*")) == []
    assert sorted(cache.rglob("*")) == []
