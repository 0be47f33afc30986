"""A missing Pango library is one clear error with the fix, not a traceback (issue 17).

WeasyPrint loads Pango with cffi's ``dlopen`` when it is imported and raises ``OSError`` when
the library is absent.  A real `minelaw brief --format pdf` process runs with a ``weasyprint``
package first on its path that raises exactly WeasyPrint's message for a missing library.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from minelaw.intake.workflow import run_init

MESSAGE = (
    "cannot load library 'libgobject-2.0-0': libgobject-2.0-0: cannot open shared object file: "
    "No such file or directory.  Additionally, ctypes.util.find_library() did not manage to "
    "locate a library called 'libgobject-2.0-0'"
)


def test_missing_pango_is_a_one_line_error_with_the_fix(tmp_path: Path) -> None:
    stub = tmp_path / "stub" / "weasyprint"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text(f"raise OSError({MESSAGE!r})\n", encoding="utf-8")
    run_init(tmp_path / "kb")
    out = tmp_path / "briefs"
    env = {**os.environ, "PYTHONPATH": str(stub.parent)}
    env.pop("MINELAW_KB", None)
    res = subprocess.run(
        [sys.executable, "-c", "from minelaw.cli import main; main()", "--kb", str(tmp_path / "kb")]
        + ["brief", "--all", "--format", "pdf", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert lines[0] == (
        "error: PDF briefs need the Pango library, which WeasyPrint could not load "
        "(libgobject-2.0-0)"
    )
    assert "apt-get install libpango-1.0-0" in lines[1] and "--format html" in lines[1]
    assert not list(out.glob("*.pdf"))  # nothing half-written
