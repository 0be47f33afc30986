"""CSV formula injection (issue 18, item 7; OWASP "CSV Injection"): the CSV people open in
spreadsheets (`minelaw query --format csv`) is neutralised; the W3C SPARQL CSV of /sparql
(`Accept: text/csv`, for machine clients) is not.  The web UI's download is tested in the
browser test."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest

from minelaw.sparql.query import spreadsheet_safe

from .endpoint_support import Server
from .test_endpoint_protocol import get

VALUES = ['=HYPERLINK("http://x.example","y")', "+SUM(1,2)", "-1+2", "@SUM(A1)", "\tx", "\rx"]
SAFE = ["-5", "+3.5", "-0.25e3", "plain", "a=b", ""]
# the values as SPARQL literals, escaped by pyoxigraph
QUERY = (
    "SELECT ?v WHERE { VALUES (?n ?v) { "
    + " ".join(f"({i} {ox.Literal(v)})" for i, v in enumerate(VALUES + SAFE))
    + " } } ORDER BY ?n"
)


def _cells(text: str) -> list[str]:
    return [row[0] if row else "" for row in csv.reader(io.StringIO(text, newline=""))][1:]


@pytest.mark.parametrize("value", VALUES)
def test_formula_starts_are_neutralised(value: str) -> None:
    assert spreadsheet_safe(value) == "'" + value


@pytest.mark.parametrize("value", SAFE)
def test_numbers_and_plain_text_are_kept(value: str) -> None:
    assert spreadsheet_safe(value) == value


def test_cli_csv_is_spreadsheet_safe(run_cli) -> None:  # type: ignore[no-untyped-def]
    res = run_cli("query", QUERY, "--format", "csv")
    assert res.exit_code == 0, res.output
    assert _cells(res.output) == ["'" + v for v in VALUES] + SAFE


def test_endpoint_text_csv_stays_w3c(protocol_server: Server) -> None:
    status, headers, body = get(protocol_server, QUERY, "text/csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert _cells(body.decode()) == VALUES + SAFE
