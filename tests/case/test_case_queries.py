"""Saved case queries: golden CSV outputs and place lookup by every label.

Set MINELAW_UPDATE_GOLDEN=1 to rewrite tests/case/golden/*.csv from the bundled KB,
then review the diff before committing.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("MINELAW_UPDATE_GOLDEN") == "1"


def _kb_rows(query: str) -> list[dict[str, str]]:
    from minelaw.namespaces import sparql_prefixes
    from minelaw.resources import data_dir
    from minelaw.store.cache import open_kb
    from minelaw.store.oxigraph import term_value

    res = open_kb(data_dir("kb")).query(sparql_prefixes() + query)
    return [{k: term_value(v) for k, v in r.items() if v is not None} for r in res.rows]


def _sample_incident() -> str:
    """The mine incident with the most claims about it (ties: smallest identifier)."""
    rows = _kb_rows(
        """SELECT ?id (COUNT(DISTINCT ?c) AS ?n) WHERE { ?e a ml:MineIncident ;
             dcterms:identifier ?id . ?c ml:about ?e } GROUP BY ?id ORDER BY DESC(?n) ?id LIMIT 1"""
    )
    return rows[0]["id"]


def _sample_variant() -> str:
    """An alternative label of the district of the sample incident, upper-cased."""
    rows = _kb_rows(
        f"""SELECT ?l WHERE {{ ?e dcterms:identifier "{_sample_incident()}" ; ml:place ?p .
             ?p ml:partOf ?d . ?d ml:placeKind mlv:place-kind-district ; skos:altLabel ?l }}
             ORDER BY STR(?l) LIMIT 1"""
    )
    return rows[0]["l"].upper()


# (golden file stem, saved query, parameters); the rows of "sources" are limited to the
# case's own sources, so that sources added to the law part do not change this golden.
# Parameters are taken from the data, so that this code names no place.
CASES = [
    ("handovers", "handovers", {}),
    ("disputed-claims", "disputed-claims", {}),
    ("casualties-by-district", "casualties-by-district", {}),
    ("casualty-totals", "casualty-totals", {}),
    ("sources", "sources", {}),
    ("timeline", "timeline", {}),
    ("claims-about-handover", "claims-about", {"event": "ev-handover-2021-06-12"}),
    ("claims-about-incident", "claims-about", {"event": _sample_incident()}),
    ("place-by-variant", "place", {"label": _sample_variant()}),
]


def case_ids() -> set[str]:
    """Identifiers of the resources described in the case files (kb/cases/)."""
    from minelaw.namespaces import sparql_prefixes
    from minelaw.resources import data_dir
    from minelaw.store.cache import open_kb
    from minelaw.store.oxigraph import term_value

    res = open_kb(data_dir("kb")).query(
        sparql_prefixes()
        + """SELECT DISTINCT ?id WHERE { GRAPH ?g { ?r dcterms:identifier ?id }
             FILTER(CONTAINS(STR(?g), "/kb/cases/")) }"""
    )
    return {term_value(r["id"]) for r in res.rows}


def only_case_rows(text: str) -> str:
    """The CSV with only the header and the rows whose first cell is a case resource."""
    ids = case_ids()
    rows = list(csv.reader(io.StringIO(text)))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerows([rows[0]] + [r for r in rows[1:] if r and r[0] in ids])
    return buf.getvalue()


def run_query(run_cli, name: str, params: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    args = ["query", name, "--format", "csv"]
    for k, v in params.items():
        args += ["--param", f"{k}={v}"]
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    return result.output


def normalise(text: str) -> list[list[str]]:
    """Rows as lists of cells; space-separated lists (GROUP_CONCAT) in a fixed order."""
    rows = list(csv.reader(io.StringIO(text)))
    return [[" ".join(sorted(cell.split(" "))) for cell in row] for row in rows]


@pytest.mark.parametrize("stem,name,params", CASES, ids=[c[0] for c in CASES])
def test_query_matches_golden(run_cli, stem: str, name: str, params: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    out = run_query(run_cli, name, params)
    if name == "sources":
        out = only_case_rows(out)
    path = GOLDEN / f"{stem}.csv"
    if UPDATE:
        path.write_text(out, encoding="utf-8", newline="")
    assert path.is_file(), f"missing golden {path.name}: run with MINELAW_UPDATE_GOLDEN=1"
    assert normalise(out) == normalise(path.read_text(encoding="utf-8")), (
        f"{name} output differs from {path.name}; if intended, rerun with MINELAW_UPDATE_GOLDEN=1"
    )


def test_queries_return_rows(run_cli) -> None:  # type: ignore[no-untyped-def]
    for _, name, params in CASES:
        assert len(normalise(run_query(run_cli, name, params))) > 1, name


def _labels() -> list[tuple[str, str]]:
    """(place id, label) for every prefLabel and altLabel of every place in the KB."""
    from minelaw.namespaces import sparql_prefixes
    from minelaw.resources import data_dir
    from minelaw.store.cache import open_kb
    from minelaw.store.oxigraph import term_value

    res = open_kb(data_dir("kb")).query(
        sparql_prefixes()
        + """SELECT DISTINCT ?id ?l WHERE { ?p a ml:Place ; dcterms:identifier ?id .
             { ?p skos:prefLabel ?l } UNION { ?p skos:altLabel ?l } } ORDER BY ?id ?l"""
    )
    return [(term_value(r["id"]), term_value(r["l"])) for r in res.rows]


LABELS = _labels()


def test_places_have_label_variants() -> None:
    assert len(LABELS) >= 100


@pytest.mark.parametrize("place,label", LABELS, ids=[f"{p}:{lab}" for p, lab in LABELS])
def test_place_found_by_each_label(run_cli, place: str, label: str) -> None:  # type: ignore[no-untyped-def]
    for variant in {label, label.upper(), label.lower()}:
        rows = normalise(run_query(run_cli, "place", {"label": variant}))
        header, body = rows[0], rows[1:]
        found = {r[header.index("place")] for r in body}
        assert place in found, f"{variant!r} does not find {place}"
