"""OWL 2 RL materialisation: the fast path (functional and disjointness axioms withheld from
the reasoner, prp-fp applied afterwards) gives exactly the consequences of the plain run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from paths import DATA, ROOT


def _world(tmp: Path, extra: str = "") -> Path:
    kb = tmp / "kb"
    shutil.copytree(ROOT / "kb" / "law", kb / "law")
    shutil.copy(ROOT / "tests" / "rules" / "_world.ttl", kb / "world.ttl")
    shutil.copy(ROOT / "tests" / "rules" / "CIHL-R83-004.ttl", kb / "case.ttl")
    if extra:
        (kb / "extra.ttl").write_text(extra, encoding="utf-8")
    return kb


CLASH = """@prefix ml: <https://w3id.org/minelaw/ontology#> .
@prefix mlv: <https://w3id.org/minelaw/vocab/> .
@prefix mlr: <https://w3id.org/minelaw/id/> .
mlr:src-monitor ml:reliability mlv:reliability-C .
"""


@pytest.mark.parametrize("which", ["bundled", "world", "clash", "inconsistent"])
def test_fast_rl_equals_plain_run(which: str, tmp_path: Path) -> None:
    from minelaw.reason import _rl_consequences, _rl_run
    from minelaw.store import discover

    kb = {
        "bundled": lambda: ROOT / "kb",
        "world": lambda: _world(tmp_path),
        "clash": lambda: _world(tmp_path, CLASH),  # two values of a functional property
        "inconsistent": lambda: DATA / "kb-inconsistent",
    }[which]()
    files = discover(kb)
    fast = _rl_consequences(files)
    assert fast == _rl_run([str(f.path) for f in files])
    same_as = {t for t in fast if t[1].endswith("#sameAs>") and t[0] != t[2]}
    assert bool(same_as) == (which == "clash")
