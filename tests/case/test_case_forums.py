"""The saved query `forums`: which institutional avenues could hear a finding, and on what basis.

Golden CSV outputs for two findings of the bundled KB, chosen from the data (the first finding,
by identifier, of a human-rights norm and of a rule of the law of armed conflict), and
invariants checked against the KB's own forum and participation data for every finding: each
forum answers once; a forum whose treaty the duty-bearer was not party to on the relevant date
has no jurisdiction; a forum that hears one body of law never "could hear" a norm of another;
a closed forum is closed.  MINELAW_UPDATE_GOLDEN=1 rewrites the goldens (review the diff).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from test_case_queries import GOLDEN, UPDATE, normalise, run_query

NO_JURISDICTION = "no jurisdiction"
HEARS = {"could hear", "only after a judgment"}


def _findings(run_cli: Any) -> list[dict[str, Any]]:
    result = run_cli("findings", "--format", "json")
    assert result.exit_code in (0, 1), result.output
    found: list[dict[str, Any]] = json.loads(result.output)["findings"]
    return sorted(found, key=lambda f: str(f["id"]))


def _forums(run_cli: Any, finding: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(run_query(run_cli, "forums", {"finding": finding}))))


def _sample(run_cli: Any, ihl: bool) -> str:
    """The first finding (by identifier) of a human-rights norm, or of an IHL norm."""
    for f in _findings(run_cli):
        is_ihl = f["applicability"].get("conflict") is not None
        if is_ihl == ihl:
            return str(f["id"])
    pytest.skip("the bundled KB has no such finding")


@pytest.mark.parametrize("stem,ihl", [("forums-human-rights", False), ("forums-ihl", True)])
def test_forums_match_golden(run_cli: Any, stem: str, ihl: bool) -> None:
    out = run_query(run_cli, "forums", {"finding": _sample(run_cli, ihl)})
    path = GOLDEN / f"{stem}.csv"
    if UPDATE:
        path.write_text(out, encoding="utf-8", newline="")
    assert path.is_file(), f"missing golden {path.name}: run with MINELAW_UPDATE_GOLDEN=1"
    assert normalise(out) == normalise(path.read_text(encoding="utf-8")), (
        f"forums output differs from {path.name}; if intended, rerun with MINELAW_UPDATE_GOLDEN=1"
    )


def test_finding_id_with_or_without_prefix(run_cli: Any) -> None:
    fid = _sample(run_cli, False)
    assert _forums(run_cli, fid) == _forums(run_cli, "finding-" + fid)
    # an unknown finding is an error naming it, never an empty answer (issue 17)
    result = run_cli("query", "forums", "--param", "finding=no-such-finding", "--format", "csv")
    assert result.exit_code == 2, result.output
    assert "no finding 'no-such-finding' in the knowledge base" in result.output


def _forum_data(sparql: Any) -> dict[str, dict[str, set[str]]]:
    rows = sparql("""SELECT ?forum ?p ?o WHERE { ?forum a ml:Forum ; ?p ?o .
        VALUES ?p { ml:respondentMustBeParty ml:hearsLawOf ml:generalCompetence
                    ml:responsibilityKind ml:end ml:jurisdictionLink } }""")
    data: dict[str, dict[str, set[str]]] = {}
    for r in rows:
        data.setdefault(r["forum"], {}).setdefault(r["p"].rsplit("#", 1)[-1], set()).add(r["o"])
    return data


def _party_on(sparql: Any, state: str, treaty: str, date: str) -> bool:
    rows = sparql(f"""SELECT ?p WHERE {{ ?p a ml:Participation ; ml:participant <{state}> ;
        ml:treaty <{treaty}> ; ml:inForceFrom ?from . FILTER(?from <= "{date}"^^xsd:date)
        FILTER NOT EXISTS {{ ?p ml:inForceUntil ?u FILTER(?u < "{date}"^^xsd:date) }} }}""")
    return bool(rows)


def _norm_instruments(sparql: Any, norm: str) -> set[str]:
    rows = sparql(f"""SELECT ?i WHERE {{ <{norm}> ml:expressedIn/ml:partOfInstrument ?i }}""")
    return {r["i"] for r in rows}


def test_forum_status_follows_the_data(run_cli: Any, sparql: Any) -> None:
    from minelaw.namespaces import MLR, MLV

    forums = _forum_data(sparql)
    assert forums, "the bundled KB records no forum"
    findings = _findings(run_cli)
    assert findings
    checked = 0
    for f in findings:
        rows = _forums(run_cli, str(f["id"]))
        by_forum = {r["forum"]: r for r in rows}
        assert len(by_forum) == len(rows) == len(forums), f["id"]
        db = MLR + f["duty_bearer"]["id"]
        date = f["relevant_date"]["date"]
        norm_instruments = _norm_instruments(sparql, MLR + f["norm"]["id"])
        for forum, data in forums.items():
            status = by_forum[forum]["status"]
            if data.get("end") and min(data["end"]) < dt.date.today().isoformat():
                assert status == "closed", (f["id"], forum)
                continue
            for treaty in data.get("respondentMustBeParty", set()):
                if date and not _party_on(sparql, db, treaty, date):
                    assert status == NO_JURISDICTION, (f["id"], forum, status)
                    checked += 1
            kinds = data.get("responsibilityKind", set())
            individual = MLV + "responsibility-kind-individual" in kinds
            general = "true" in data.get("generalCompetence", set())
            law = data.get("hearsLawOf", set())
            if law and not general and not individual and not (law & norm_instruments):
                assert status not in HEARS, (f["id"], forum, status)
                checked += 1
            if status in HEARS and law and not general:
                assert law & norm_instruments, (f["id"], forum)
                checked += 1
    assert checked > 0
