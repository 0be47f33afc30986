"""Helpers shared by the intake tests (imported as a plain module: tests/ is no package)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOOD = HERE / "good"
BAD = HERE / "bad"
ENTRY_SUFFIXES = {".ttl", ".jsonld", ".json", ".csv"}


def case_files(case: Path) -> list[Path]:
    """A case is a file, or a folder whose entry files are validated together."""
    if case.is_dir():
        return sorted(p for p in case.iterdir() if p.suffix in ENTRY_SUFFIXES)
    return [case]


def cases(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.name != "manifest.toml" and (p.is_dir() or p.suffix != ".bin")
    )


def minelaw(*args: str, env: dict[str, str] | None = None, timeout: float = 600):  # type: ignore[no-untyped-def]
    """Run the real `minelaw` command in a subprocess.  The timeout only guards against a hang
    (a first `findings` on a fresh KB took 137 s on the shared machine at load 15): it is no
    speed target (those live in benchmarks/)."""
    full = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "minelaw", *args],
        capture_output=True,
        text=True,
        env=full,
        timeout=timeout,
    )
