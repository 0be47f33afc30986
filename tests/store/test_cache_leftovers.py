"""Cache leftovers (issue 18, item 10): a store build killed with SIGKILL leaves its
``.build-*`` folder and lock file behind; the next run removes them, and a normal build
leaves no lock file (one empty file per cache key used to pile up). A build folder that
another process is still filling is left alone."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from minelaw.store.cache import clean_leftovers, lock, open_kb
from paths import ROOT

BUILD = """
import sys
from pathlib import Path
from minelaw.store.cache import open_kb
open_kb(Path(sys.argv[1]))
"""


def _kb(tmp: Path) -> Path:
    kb = tmp / "kb"
    shutil.copytree(ROOT / "kb" / "law", kb / "law")
    shutil.copy(ROOT / "tests" / "rules" / "_world.ttl", kb / "world.ttl")
    return kb


def _leftovers(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir() if p.name.startswith("."))


def test_a_normal_build_leaves_no_lock_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("MINELAW_CACHE", str(cache))
    store = open_kb(_kb(tmp_path))
    assert store.path is not None and (store.path / "COMPLETE").is_file()
    assert _leftovers(cache) == []


def test_a_killed_build_is_cleaned_by_the_next_run(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    kb = _kb(tmp_path)
    env = dict(os.environ, MINELAW_CACHE=str(cache))
    child = subprocess.Popen([sys.executable, "-c", BUILD, str(kb)], env=env)
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".build-") for p in cache.glob(".*")):  # building now
        assert child.poll() is None and time.monotonic() < deadline, "the build did not start"
        time.sleep(0.005)
    child.send_signal(signal.SIGKILL)
    child.wait()
    left = _leftovers(cache)
    assert any(n.startswith(".build-") for n in left) and any(n.endswith(".lock") for n in left)
    env_run = dict(os.environ, MINELAW_CACHE=str(cache))
    subprocess.run([sys.executable, "-c", BUILD, str(kb)], env=env_run, check=True)
    assert _leftovers(cache) == []
    assert [p.name for p in cache.iterdir() if (p / "COMPLETE").is_file()]


def test_a_build_in_progress_is_left_alone(tmp_path: Path) -> None:
    """A build folder whose lock another process holds is not removed, nor its lock file."""
    cache = tmp_path / "cache"
    target = "0" * 32
    building = cache / f".build-{target}-abc123"
    building.mkdir(parents=True)
    stale = cache / f".build-{'1' * 32}-def456"
    stale.mkdir()
    (cache / f".{'2' * 32}.lock").write_text("")  # a lock nobody holds
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time; fh = open(sys.argv[1], 'a'); "
            "fcntl.flock(fh, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)",
            str(cache / f".{target}.lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        clean_leftovers(cache)
        assert building.is_dir() and (cache / f".{target}.lock").is_file()
        assert not stale.exists() and not (cache / f".{'2' * 32}.lock").exists()
    finally:
        holder.kill()
        holder.wait()
    clean_leftovers(cache)
    assert _leftovers(cache) == []


def test_a_waiting_builder_relocks_a_removed_lock_file(tmp_path: Path) -> None:
    """The lock file is removed on release; whoever waited on it locks the path anew, so two
    processes never hold the lock of one path at once."""
    path = tmp_path / ".k.lock"
    with lock(path) as got:
        assert got and path.is_file()
        with lock(path, wait=False) as second:
            assert second is False  # held: the other one does not get it
    assert not path.exists()
    with lock(path) as again:
        assert again and path.is_file()
