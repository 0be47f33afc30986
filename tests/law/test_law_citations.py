"""OSCOLA citations: pure formatting and citations built from the KB (golden strings)."""

from __future__ import annotations

import pytest

from minelaw.briefs.citations import (
    cite,
    cite_customary_rule,
    cite_ecthr,
    cite_icj,
    cite_treaty,
    cite_un_document,
    format_date,
)
from minelaw.namespaces import MLR

API = (
    "Protocol Additional to the Geneva Conventions of 12 August 1949, and relating to the "
    "Protection of Victims of International Armed Conflicts (Protocol I) (adopted 8 June 1977, "
    "entered into force 7 December 1978) 1125 UNTS 3"
)
CERD_AZE = (
    "Application of the International Convention on the Elimination of All Forms of Racial "
    "Discrimination (Azerbaijan v Armenia)"
)


def test_format_date() -> None:
    assert format_date("2015-06-16") == "16 June 2015"
    assert format_date("1978-12-07") == "7 December 1978"


def test_pure_forms() -> None:
    assert cite_treaty("T", "2000-01-01") == "T (adopted 1 January 2000)"
    assert cite_treaty("T", series="1 UNTS 1", pinpoint="art 2") == "T 1 UNTS 1, art 2"
    assert cite_ecthr("X v Y", "1/00", "2000-01-01") == "X v Y App no 1/00 (ECtHR, 1 January 2000)"
    assert cite_ecthr("X v Y", decided="1995-03-23", report="Series A no 310") == (
        "X v Y (1995) Series A no 310"
    )
    assert cite_ecthr("X v Y", grand_chamber=True, report="ECHR 2004-VII", pinpoint="para 3") == (
        "X v Y [GC] ECHR 2004-VII, para 3"
    )
    assert cite_icj("C (A v B)", "Merits", "2021-01-01", report="ICJ Rep 7") == (
        "C (A v B) (Merits) [2021] ICJ Rep 7"
    )
    assert cite_customary_rule("ICRC", "Customary IHL Database", "r 83") == (
        "ICRC, Customary IHL Database, Rule 83"
    )
    assert (
        cite_un_document("Report", "S/1/1", "2000-01-01") == "Report (1 January 2000) UN Doc S/1/1"
    )


CHIRAGOV = "Chiragov and Others v Armenia [GC] App no 13216/05 (ECtHR, 16 June 2015)"
GOLDEN = [
    ("API-1977", None, API),
    ("prov-API-1977-art51-4", None, API + ", art 51(4)"),
    ("ECtHR-Chiragov-2015", None, CHIRAGOV),
    ("prov-ECtHR-Chiragov-2015-para186", None, CHIRAGOV + ", para 186"),
    (
        "ECtHR-PasaErol-2006",
        None,
        "Paşa and Erkan Erol v Turkey App no 51358/99 (ECtHR, 12 December 2006)",
    ),
    ("ECtHR-Loizidou-1995-PO", "para 62", "Loizidou v Turkey (1995) Series A no 310, para 62"),
    ("ECtHR-Ilascu-2004", None, "Ilaşcu and Others v Moldova and Russia [GC] ECHR 2004-VII"),
    (
        "ICJ-CERD-AZE-ARM-PM-2021",
        None,
        CERD_AZE + " (Provisional Measures) (Order of 7 December 2021)",
    ),
    (
        "prov-ICJ-CERD-AZE-ARM-PO-2024-para65",
        None,
        CERD_AZE + " (Preliminary Objections) (Judgment of 12 November 2024), paras 65-77",
    ),
    (
        "prov-ICRC-CIHL-r83",
        None,
        "Jean-Marie Henckaerts and Louise Doswald-Beck, Customary International Humanitarian "
        "Law, Volume I: Rules (CUP 2005) r 83",
    ),
    (
        "prov-ECtHR-Albekov-2008-holding",
        None,
        "Albekov and Others v Russia App no 68216/01 (ECtHR, 9 October 2008)",
    ),
]


@pytest.mark.parametrize(("iri", "pinpoint", "expected"), GOLDEN)
def test_golden_citations_from_the_kb(store, iri: str, pinpoint: str | None, expected: str) -> None:
    assert cite(store, MLR + iri, pinpoint) == expected


def test_every_instrument_and_provision_is_citable(store, sparql) -> None:
    rows = sparql(
        """SELECT ?x WHERE { { ?x a ml:Instrument } UNION { ?x a ml:Provision }
                              FILTER(STRSTARTS(STR(?x), STR(mlr:))) }"""
    )
    assert len(rows) > 60
    for r in rows:
        assert cite(store, r["x"])


def test_not_citable(store) -> None:
    with pytest.raises(LookupError):
        cite(store, MLR + "CIHL-R83")
    with pytest.raises(ValueError):
        cite(store, "not an iri")
