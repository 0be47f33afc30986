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
    # a stock system Python refuses `pip install`: a virtual environment first (issue 17)
    assert cmds[0].startswith("python3 -m venv .venv && . .venv/bin/activate && ")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert _quick_start_commands()[1] in ci


def test_architecture_doc_names_every_module() -> None:
    """Each module is described under the heading of its folder (docs/architecture.md, Layout)."""
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    sections = re.split(r"^### ", doc, flags=re.M)
    package = ROOT / "src" / "minelaw"
    for mod in sorted(package.rglob("*.py")):
        if mod.stem.startswith("_"):
            continue
        folder = mod.parent.relative_to(package).as_posix()
        heading = "Ground floor" if folder == "." else f"`{folder}/`"
        section = next((s for s in sections if s.startswith(heading)), "")
        assert f"`{mod.stem}`" in section, (
            f"docs/architecture.md does not describe {mod.relative_to(package)} under ### {heading}"
        )
