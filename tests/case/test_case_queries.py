"""Saved case queries: golden CSV outputs and place lookup by every label.

Set MINELAW_UPDATE_GOLDEN=1 to rewrite tests/case/golden/*.csv from the bundled KB,
then review the diff before committing.

Cells are compared exactly, with one explicit normalisation: a column computed by
``GROUP_CONCAT`` lists identifiers in an order SPARQL 1.1 leaves undefined (section 18.5.1.7;
Oxigraph's follows its internal term encoding, which changes when unrelated data is added),
so the identifiers of those columns, and only those, are compared in sorted order.
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path
from typing import Any

import pytest

from paths import ROOT

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("MINELAW_UPDATE_GOLDEN") == "1"


def _rows(store: Any, query: str) -> list[dict[str, str]]:
    from minelaw.namespaces import sparql_prefixes
    from minelaw.store.oxigraph import term_value

    res = store.query(sparql_prefixes() + query)
    return [{k: term_value(v) for k, v in r.items() if v is not None} for r in res.rows]


def _sample_incident(store: Any) -> str:
    """The mine incident with the most claims about it (ties: smallest identifier)."""
    rows = _rows(
        store,
        """SELECT ?id (COUNT(DISTINCT ?c) AS ?n) WHERE { ?e a ml:MineIncident ;
             dcterms:identifier ?id . ?c ml:about ?e }
             GROUP BY ?id ORDER BY DESC(?n) ?id LIMIT 1""",
    )
    return rows[0]["id"]


def _sample_variant(store: Any) -> str:
    """An alternative label of the district of the sample incident, upper-cased."""
    rows = _rows(
        store,
        f"""SELECT ?l WHERE {{ ?e dcterms:identifier "{_sample_incident(store)}" ; ml:place ?p .
             ?p ml:partOf ?d . ?d ml:placeKind mlv:place-kind-district ; skos:altLabel ?l }}
             ORDER BY STR(?l) LIMIT 1""",
    )
    return rows[0]["l"].upper()


# Parameters taken from the data (so that this code names no place), resolved when the test
# runs, from the session's store.
SAMPLES = {"<sample incident>": _sample_incident, "<sample variant>": _sample_variant}

# (golden file stem, saved query, parameters); the rows of "sources" are limited to the
# case's own sources, so that sources added to the law part do not change this golden.
CASES = [
    ("handovers", "handovers", {}),
    ("disputed-claims", "disputed-claims", {}),
    ("casualties-by-district", "casualties-by-district", {}),
    ("casualty-totals", "casualty-totals", {}),
    ("sources", "sources", {}),
    ("timeline", "timeline", {}),
    ("claims-about-handover", "claims-about", {"event": "ev-handover-2021-06-12"}),
    ("claims-about-incident", "claims-about", {"event": "<sample incident>"}),
    ("place-by-variant", "place", {"label": "<sample variant>"}),
]


def resolve(store: Any, params: dict[str, str]) -> dict[str, str]:
    return {k: SAMPLES[v](store) if v in SAMPLES else v for k, v in params.items()}


def case_ids(store: Any) -> set[str]:
    """Identifiers of the resources described in the case files (kb/cases/)."""
    rows = _rows(
        store,
        """SELECT DISTINCT ?id WHERE { GRAPH ?g { ?r dcterms:identifier ?id }
             FILTER(CONTAINS(STR(?g), "/kb/cases/")) }""",
    )
    return {r["id"] for r in rows}


def only_case_rows(store: Any, text: str) -> str:
    """The CSV with only the header and the rows whose first cell is a case resource."""
    ids = case_ids(store)
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


def list_columns(name: str) -> set[str]:
    """The columns of a saved query computed by GROUP_CONCAT (space-separated identifiers)."""
    text = (ROOT / "queries" / f"{name}.rq").read_text(encoding="utf-8")
    return set(re.findall(r"GROUP_CONCAT\([^)]*\)\s+AS\s+\?(\w+)", text, flags=re.I))


def normalise(text: str, lists: set[str] = frozenset()) -> list[list[str]]:  # type: ignore[assignment]
    """Rows as lists of cells, exactly as written, except that the identifiers of each
    GROUP_CONCAT column in ``lists`` are sorted (their order is undefined, see above)."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return rows
    at = {i for i, col in enumerate(rows[0]) if col in lists}
    return [rows[0]] + [
        [" ".join(sorted(c.split(" "))) if i in at else c for i, c in enumerate(row)]
        for row in rows[1:]
    ]


def test_list_columns_are_the_group_concat_columns() -> None:
    assert list_columns("handovers") == {"places", "mediators", "sources"}
    assert list_columns("place") == set()
    # a label is compared as written: the same words in another order differ
    csv_text = "label,places\r\nb a,y x\r\n"
    assert normalise(csv_text, {"places"}) == [["label", "places"], ["b a", "x y"]]
    assert normalise(csv_text, {"places"}) != normalise("label,places\r\na b,x y\r\n")


@pytest.mark.parametrize("stem,name,params", CASES, ids=[c[0] for c in CASES])
def test_query_matches_golden(run_cli, store, stem: str, name: str, params: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    out = run_query(run_cli, name, resolve(store, params))
    if name == "sources":
        out = only_case_rows(store, out)
    path = GOLDEN / f"{stem}.csv"
    if UPDATE:
        path.write_text(out, encoding="utf-8", newline="")
    assert path.is_file(), f"missing golden {path.name}: run with MINELAW_UPDATE_GOLDEN=1"
    lists = list_columns(name)
    assert normalise(out, lists) == normalise(path.read_text(encoding="utf-8"), lists), (
        f"{name} output differs from {path.name}; if intended, rerun with MINELAW_UPDATE_GOLDEN=1"
    )


def test_queries_return_rows(run_cli, store) -> None:  # type: ignore[no-untyped-def]
    for _, name, params in CASES:
        assert len(normalise(run_query(run_cli, name, resolve(store, params)))) > 1, name


def _labels() -> list[tuple[str, str]]:
    """(place id, label) for every prefLabel and altLabel of every place in the KB.

    Read while the module is collected (the labels are the test's parameters): the store is
    built in the session's own cache, which tests/conftest.py sets in ``pytest_configure``,
    before any test module is imported.
    """
    from minelaw.resources import data_dir
    from minelaw.store.cache import open_kb

    rows = _rows(
        open_kb(data_dir("kb")),
        """SELECT DISTINCT ?id ?l WHERE { ?p a ml:Place ; dcterms:identifier ?id .
             { ?p skos:prefLabel ?l } UNION { ?p skos:altLabel ?l } } ORDER BY ?id ?l""",
    )
    return [(r["id"], r["l"]) for r in rows]


LABELS = _labels()


def test_places_have_label_variants() -> None:
    assert len(LABELS) >= 100


def query_in_process(store: Any, name: str, params: dict[str, str]) -> str:
    """What ``minelaw query NAME --param k=v --format csv`` prints, on an open store: the
    CLI's own steps (bind the parameters, checked against the KB; run; render), without
    opening the KB again for each call (the CLI path itself: :func:`test_query_matches_golden`,
    whose ``place-by-variant`` looks a place up by an upper-cased variant)."""
    from minelaw.cli.queries import render_result
    from minelaw.sparql.query import bind, saved_queries

    sq = saved_queries()[name]
    bind(sq, params)
    return render_result(store.query(bind(sq, params, store)), "csv")


@pytest.mark.parametrize("place,label", LABELS, ids=[f"{p}:{lab}" for p, lab in LABELS])
def test_place_found_by_each_label(store, place: str, label: str) -> None:  # type: ignore[no-untyped-def]
    for variant in {label, label.upper(), label.lower()}:
        rows = normalise(query_in_process(store, "place", {"label": variant}))
        header, body = rows[0], rows[1:]
        found = {r[header.index("place")] for r in body}
        assert place in found, f"{variant!r} does not find {place}"
