"""Progress on stderr for steps longer than a second, on a terminal only (issue 17).

The real `progress_bar` of the CLI in a child process whose stderr is a pseudo-terminal (as in
an interactive shell) or a pipe (as under redirection); stdout is a pipe in both cases.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

CHILD = """
import sys, time
from minelaw.cli.common import progress_bar, status
with progress_bar("compliance rules") as prog:
    for i in range(3):
        prog and prog("rule-%d" % i, i, 3)
        time.sleep({slow})
with status("quick step"):
    time.sleep(0.1)
print("done")
"""


def _run(slow: float, tty: bool) -> tuple[str, str]:
    code = CHILD.format(slow=slow)
    if not tty:
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        return p.stdout, p.stderr
    master, slave = pty.openpty()
    p2 = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=slave,
        env={**os.environ, "TERM": "xterm", "COLUMNS": "100"},
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    out = p2.stdout.read().decode() if p2.stdout else ""
    p2.wait(timeout=60)
    os.close(master)
    return out, b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_long_step_shows_progress_on_a_terminal() -> None:
    out, err = _run(0.6, tty=True)  # 1.8 s in all: over the one-second delay
    assert out.strip() == "done"
    assert "compliance rules" in err and "rule-" in err
    assert "quick step" not in err  # shorter than a second: quiet


def test_piped_stderr_stays_quiet() -> None:
    out, err = _run(0.6, tty=False)
    assert out.strip() == "done"
    assert err == ""


def test_short_step_stays_quiet_on_a_terminal() -> None:
    out, err = _run(0.1, tty=True)
    assert out.strip() == "done"
    assert "compliance rules" not in err
