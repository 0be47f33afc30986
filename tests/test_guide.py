"""The user guide's examples run on the bundled KB (issue 17).

Every line of a ```sh block of docs/guide.md is a minelaw command; they run in order, in one
empty folder (so `before.json` written by one is read by a later one), through the real CLI
in-process.  A command must exit 0, or 1 where minelaw reports findings as failures (intake
commands exactly 0).  The last command (section 4's `findings` on a case built from the
templates' example rows alone) must show the finding the guide describes.  The README links
to the guide.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from paths import ROOT

GUIDE = ROOT / "docs" / "guide.md"


def _commands() -> list[str]:
    text = GUIDE.read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    return [line.strip() for b in blocks for line in b.splitlines() if line.strip()]


def test_readme_links_the_guide() -> None:
    assert "docs/guide.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_guide_examples_run(run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # outside any checkout: the bundled KB
    commands = _commands()
    assert len(commands) >= 12
    outputs: list[str] = []
    for line in commands:
        argv = shlex.split(line)
        assert argv[0] == "minelaw", line
        out = None
        if ">" in argv:
            i = argv.index(">")
            argv, out = argv[:i], argv[i + 1]
        args = argv[1:]
        kb = None
        if args[:1] == ["--kb"]:
            kb, args = tmp_path / args[1], args[2:]
        res = run_cli(*args, kb=kb)
        assert res.exit_code in (0, 1), f"{line}\n{res.output}"
        if args[0] in ("validate", "add", "template", "init"):  # never "failures" to report
            assert res.exit_code == 0, f"{line}\n{res.output}"
        outputs.append(res.stdout)
        if out:
            (tmp_path / out).write_text(res.stdout, encoding="utf-8")
    assert (tmp_path / "briefs" / "index.md").is_file()
    assert (tmp_path / "my-case" / "entries").is_dir()
    # section 4: a case from the templates' example rows alone gets its finding
    assert "APMBC-1997-art5--QQA--place-example-district" in outputs[-1]
