"""The README's quick start and CI agree; docs name every module."""

from __future__ import annotations

import re

from paths import ROOT


def _quick_start_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [b.strip() for b in re.findall(r"```sh\n(.*?)```", section, flags=re.S)]


def test_quick_start_has_exactly_two_commands() -> None:
    cmds = _quick_start_commands()
    assert len(cmds) == 2
    assert all("\n" not in c for c in cmds)
    assert "minelaw" in cmds[0] and "pytest" in cmds[1]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert _quick_start_commands()[1] in ci


def test_architecture_doc_names_every_module() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for mod in sorted((ROOT / "src" / "minelaw").glob("*.py")):
        if mod.stem.startswith("_"):
            continue
        assert f"`{mod.stem}`" in doc, f"docs/architecture.md does not describe {mod.stem}.py"
