"""The wheel ships the ontology, rules, KB, queries and templates; it runs from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from paths import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return next(out.glob("minelaw-*.whl"))


def test_wheel_contains_data_and_py_typed(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "minelaw/py.typed" in names
    assert "minelaw/_data/ontology/minelaw.ttl" in names
    assert any(n.startswith("minelaw/_data/rules/qc/") for n in names)
    assert any(n.startswith("minelaw/_data/kb/") and n.endswith(".ttl") for n in names)


def test_installed_wheel_checks_bundled_kb_from_elsewhere(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target), "MINELAW_CACHE": str(tmp_path / "cache")}
    env.pop("MINELAW_KB", None)
    res = subprocess.run(
        [sys.executable, "-m", "minelaw", "check", "--no-dl"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "OK:" in res.stdout
    assert (
        str(target)
        in subprocess.run(
            [sys.executable, "-c", "import minelaw.resources as r; print(r.data_dir('kb'))"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
        ).stdout
    )
