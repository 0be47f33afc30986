"""The law part's code and queries name no state or region (docs/kb-conventions.md, Neutrality)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FILES = [
    "src/minelaw/briefs/citations.py",
    "queries/party-status.rq",
    "queries/binding-norms.rq",
    "queries/elements.rq",
]
NAMES = re.compile(
    r"\b(ARM|AZE|Armenia\w*|Azerbaijan\w*|Karabakh|Artsakh|Turkey|Russia\w*|Georgia|Moldova|Cyprus)\b"
)


@pytest.mark.parametrize("rel", FILES)
def test_no_state_or_region_named(rel: str) -> None:
    text = (ROOT / rel).read_text(encoding="utf-8")
    assert not NAMES.findall(text), rel
