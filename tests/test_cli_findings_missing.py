"""`minelaw findings` on a KB with incidents but no finding says what the rules lack (issue 17).

The KB is a plain `minelaw init` KB plus the fictional world of the CSV templates' test
(tests/intake/data/template-context.ttl) and one sourced incident in it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from minelaw.intake.workflow import run_init
from paths import ROOT

INCIDENT = """\
@prefix ml: <https://w3id.org/minelaw/ontology#> .
@prefix mlv: <https://w3id.org/minelaw/vocab/> .
@prefix mlr: <https://w3id.org/minelaw/id/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

mlr:src-qq-report a ml:Source ; dcterms:identifier "src-qq-report" ;
    dcterms:title "Report on one incident" ; dcterms:publisher mlr:org-example-mine-action-centre ;
    ml:sourceKind mlv:source-kind-ngo-report ; ml:url "https://example.org/r.pdf"^^xsd:anyURI ;
    dcterms:issued "2023-04-04"^^xsd:date ; dcterms:language "en" ;
    ml:reliability mlv:reliability-B ; ml:credibility mlv:credibility-2 ;
    ml:accessed "2023-05-01"^^xsd:date ; ml:preservation mlv:preservation-not-preserved .
mlr:ev-qq-incident a ml:MineIncident ; dcterms:identifier "ev-qq-incident" ;
    skos:prefLabel "Incident in the example district"@en ;
    ml:date "2023-03-01"^^xsd:date ; ml:datePrecision mlv:date-precision-day ;
    ml:place mlr:place-example-district ; ml:deviceType mlv:device-type-anti-personnel-mine ;
    ml:injured "1"^^xsd:nonNegativeInteger ; dcterms:source mlr:src-qq-report ;
    ml:verification mlv:verification-secondary .
"""


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("kb") / "case"
    run_init(root)
    shutil.copy(ROOT / "tests" / "intake" / "data" / "template-context.ttl", root / "entries")
    (root / "entries" / "incident.ttl").write_text(INCIDENT, encoding="utf-8")
    return root


def test_no_finding_names_what_is_missing(run_cli: Any, kb: Path) -> None:
    res = run_cli("findings", kb=kb)
    assert res.exit_code == 0, res.output
    assert "no finding although the KB records incidents" in res.stderr
    for missing in ("an armed conflict", "a classification of the conflict", "a control period"):
        assert f"  - {missing}:" in res.stderr
    # the init KB records treaty participations: not reported as missing
    assert "a treaty participation" not in res.stderr


def test_no_incident_no_note(run_cli: Any, tmp_path: Path) -> None:
    run_init(tmp_path / "empty")
    res = run_cli("findings", kb=tmp_path / "empty")
    assert res.exit_code == 0, res.output
    assert "no finding although" not in res.stderr
