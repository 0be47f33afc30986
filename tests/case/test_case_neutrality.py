"""The case's queries, entry shapes and tests name no state or region.

docs/kb-conventions.md, "Neutrality".  The names are taken from the KB itself (labels and
variants of places, labels and codes of states and de facto authorities), so this file
names none either.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QUERIES = (
    "handovers",
    "disputed-claims",
    "casualties-by-district",
    "casualty-totals",
    "sources",
    "claims-about",
    "timeline",
    "place",
)
FILES = sorted(
    [ROOT / "queries" / f"{n}.rq" for n in QUERIES]
    + list((ROOT / "rules" / "entries").glob("*.ttl"))
    + list((ROOT / "tests" / "case").glob("*.py"))
)


def _names() -> set[str]:
    from minelaw.namespaces import sparql_prefixes
    from minelaw.resources import data_dir
    from minelaw.store.cache import open_kb
    from minelaw.store.oxigraph import term_value

    res = open_kb(data_dir("kb")).query(
        sparql_prefixes()
        + """SELECT DISTINCT ?n WHERE {
             { ?x a ml:Place } UNION { ?x a ml:State } UNION { ?x a ml:DeFactoAuthority }
             { ?x skos:prefLabel ?n } UNION { ?x skos:altLabel ?n } UNION { ?x rdfs:label ?n }
             UNION { ?x ml:iso3166Alpha3 ?n } }"""
    )
    return {term_value(r["n"]) for r in res.rows}


NAMES = sorted(n for n in _names() if len(n) >= 3)


def test_names_were_found() -> None:
    assert len(NAMES) > 50


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_no_state_or_region_named(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = [
        n
        for n in NAMES
        if re.search(
            rf"(?<![\w-]){re.escape(n)}(?![\w-])", text, re.IGNORECASE if len(n) > 3 else 0
        )
    ]
    assert not found, f"{path.relative_to(ROOT)} names {found}"
