"""Inside a minelaw checkout the checkout's kb/ is the default KB, and a run says so when it is
not the installed copy (issue 17: editing kb/ after `pip install .` is never silently ignored).

A real process in a fake checkout (pyproject.toml naming minelaw, ontology/, kb/ holding the
minimal test KB); outside a checkout the bundled KB is used without a word.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from paths import DATA

PROBE = "SELECT ?s WHERE { ?s ml:iso3166Alpha3 ?c } ORDER BY ?s"


def _minelaw(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MINELAW_KB"}
    return subprocess.run(
        [sys.executable, "-c", "from minelaw.cli import main; main()", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_checkout_kb_is_used_and_named(tmp_path: Path) -> None:
    root = tmp_path / "checkout"
    (root / "ontology").mkdir(parents=True)
    shutil.copytree(DATA / "kb-minimal", root / "kb")
    (root / "pyproject.toml").write_text('[project]\nname = "minelaw"\n', encoding="utf-8")
    (root / "docs").mkdir()
    res = _minelaw(root / "docs", "query", PROBE, "--format", "csv")
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == ["s", "https://w3id.org/minelaw/id/XYZ"]
    first = res.stderr.splitlines()[0]
    assert first.startswith("minelaw: using the knowledge base of this checkout")
    assert str(root / "kb") in first


def test_other_project_or_no_checkout_uses_the_bundled_kb(tmp_path: Path) -> None:
    other = tmp_path / "other"
    (other / "ontology").mkdir(parents=True)
    shutil.copytree(DATA / "kb-minimal", other / "kb")
    (other / "pyproject.toml").write_text('[project]\nname = "not-minelaw"\n', encoding="utf-8")
    for cwd in (other, tmp_path):
        res = _minelaw(cwd, "query", PROBE, "--format", "csv")
        assert res.returncode == 0, res.stderr
        assert len(res.stdout.splitlines()) > 3  # the bundled KB's states, not XYZ alone
        assert "using the knowledge base" not in res.stderr
