"""Treaty participation: the party-status saved query through the CLI, and the data behind it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"
CASES = list(csv.DictReader((DATA / "party_status.csv").open(encoding="utf-8")))
NON_PARTY = ["CCW-1980", "CCW-PII-1980", "CCW-APII-1996", "CCW-PV-2003", "APMBC-1997"]
DATES = ["1983-12-02", "1999-03-01", "2006-11-12", "2020-11-10", "2024-12-31"]


def party_status(run_cli, state: str, instrument: str, date: str) -> list[dict[str, str]]:
    res = run_cli(
        "query", "party-status",
        "--param", f"state={state}",
        "--param", f"instrument={instrument}",
        "--param", f"date={date}",
        "--format", "csv",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    return list(csv.DictReader(io.StringIO(res.output)))


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['state']}-{c['instrument']}-{c['date']}")
def test_party_status(run_cli, case: dict[str, str]) -> None:
    rows = party_status(run_cli, case["state"], case["instrument"], case["date"])
    assert rows == [{"bound": case["bound"], "since": case["since"]}], case["why"]


@pytest.mark.parametrize(
    ("state", "instrument", "date"), list(itertools.product(["ARM", "AZE"], NON_PARTY, DATES))
)
def test_non_parties_never_bound(run_cli, state: str, instrument: str, date: str) -> None:
    assert party_status(run_cli, state, instrument, date) == [{"bound": "false", "since": ""}]


def test_every_instrument_has_a_status_for_both_states(sparql) -> None:
    # every treaty that a treaty norm rests on (a treaty recorded only as the text of a customary
    # rule, e.g. the Hague Regulations, needs no participation: its norm's basis is custom)
    rows = sparql(
        """SELECT ?id ?code WHERE {
             ?t a ml:Treaty ; dcterms:identifier ?id . VALUES ?code { "ARM" "AZE" }
             FILTER(EXISTS { ?n ml:basisKind mlv:basis-kind-treaty ;
                                ml:expressedIn/ml:partOfInstrument ?t }
                    || NOT EXISTS { ?n2 ml:expressedIn/ml:partOfInstrument ?t })
             FILTER NOT EXISTS {
               ?s ml:iso3166Alpha3 ?code .
               { ?p a ml:Participation } UNION { ?p a ml:NonParticipation }
               ?p ml:participant ?s ; ml:treaty ?t } }"""
    )
    assert rows == []


def test_non_participation_records_agree_with_party_status(sparql, run_cli) -> None:
    rows = sparql(
        """SELECT ?code ?instr ?asof WHERE {
             ?n a ml:NonParticipation ; ml:participant/ml:iso3166Alpha3 ?code ;
                ml:treaty/dcterms:identifier ?instr ; ml:asOf ?asof }"""
    )
    assert len(rows) >= 13
    for r in rows:
        assert party_status(run_cli, r["code"], r["instr"], r["asof"])[0]["bound"] == "false", r


def _add_months(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.month - 1 + n, 12)
    return d.replace(year=d.year + y, month=m + 1)


def _icc(d: dt.date) -> dt.date:  # art 126(2): first day of the month after the 60th day
    sixtieth = d + dt.timedelta(days=60)
    return _add_months(sixtieth.replace(day=1), 1)


RULES = {
    "GC-1949": lambda d: _add_months(d, 6),
    "API-1977": lambda d: _add_months(d, 6),
    "APII-1977": lambda d: _add_months(d, 6),
    "ECHR-1950": lambda d: d,
    "ICCPR-1966": lambda d: _add_months(d, 3),
    "CERD-1965": lambda d: d + dt.timedelta(days=30),
    "ICC-RS-1998": _icc,
}


def test_in_force_dates_follow_each_treatys_rule(sparql) -> None:
    rows = sparql(
        """SELECT ?p ?instr ?act ?from ?eif WHERE {
             ?p a ml:Participation ; ml:treaty ?t ; ml:actDate ?act ; ml:inForceFrom ?from .
             ?t dcterms:identifier ?instr ; ml:enteredIntoForce ?eif }"""
    )
    assert rows
    for r in rows:
        act = dt.date.fromisoformat(r["act"])
        expected = max(RULES[r["instr"]](act), dt.date.fromisoformat(r["eif"]))
        assert r["from"] == expected.isoformat(), r


def test_signatures_do_not_put_a_treaty_in_force(sparql) -> None:
    rows = sparql(
        """SELECT ?p WHERE { ?p a ml:Participation ; ml:act mlv:participation-act-signature ;
                                 ml:inForceFrom ?x }"""
    )
    assert rows == []


def test_every_participation_is_sourced_and_graded(sparql) -> None:
    rows = sparql(
        """SELECT ?p WHERE {
             { ?p a ml:Participation } UNION { ?p a ml:NonParticipation }
             FILTER NOT EXISTS { ?p dcterms:source ?s . ?s a ml:Source .
                                 ?p ml:verification/skos:inScheme mlv:verification } }"""
    )
    assert rows == []
