"""OSCOLA citations generated from the knowledge base (OSCOLA 4th ed, 2012).

Citations are built from data, never stored as strings: :func:`cite` reads the
fields of an instrument, judicial decision or provision by SPARQL and hands them
to the pure formatting functions below, which can be tested on plain values.

Forms (OSCOLA 4th ed; placeholders, not real cases):

- treaty (s 4.1): ``Title (adopted 1 January 2000, entered into force 1 July
  2001) 1234 UNTS 5, art 5(2)``; the parenthesis and the series citation give
  only the parts the KB holds;
- European Court of Human Rights (s 4.3): unreported ``X v Y App no 12345/67
  (ECtHR, 1 January 2000), para 10``; reported in the official reports ``X v Y
  ECHR 2004-VII``, or ``X v Y (1995) Series A no 310`` before 1996.  OSCOLA has
  no rule for the Grand Chamber; minelaw adds ``[GC]`` after the case name, as
  the Court itself cites its Grand Chamber judgments (``grand_chamber=False`` in
  :func:`cite_ecthr` suppresses it);
- International Court of Justice (s 4.2): ``Case name (A v B) (Stage) [2021]
  ICJ Rep 361, para 10`` when the report is in the data; otherwise the date form
  ``Case name (A v B) (Stage) (Order of 1 January 2021)`` or ``(Judgment of ...)``;
  no page number is ever made up;
- customary rule: the study as a book (s 3.2) with the rule as pinpoint, ``Jean-Marie
  Henckaerts and Louise Doswald-Beck, Customary International Humanitarian Law, Volume I: Rules
  (CUP 2005) r 83``, rendered through the OSCOLA CSL style (:mod:`minelaw.briefs.csl`), which
  gives this form; without authors in the data, ``ICRC, Customary IHL Database, Rule 83``
  (:func:`cite_customary_rule`, which agrees with the style on the book form);
- UN document (s 4.2.1): ``Title (1 January 2000) UN Doc A/RES/1/1``
  (:func:`cite_un_document`; the KB holds no UN document yet, so :func:`cite`
  does not produce this form).

Pinpoints follow the citation after a comma (``art 51(4)``, ``para 186``); a
provision's ``ml:locator`` is its pinpoint.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Protocol

from ..namespaces import ML, sparql_prefixes
from ..store.oxigraph import QueryResult, term_value

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class _Queryable(Protocol):
    def query(self, sparql: str) -> QueryResult: ...


# --- pure formatting -----------------------------------------------------------------
def format_date(value: str | dt.date) -> str:
    """An ISO date as OSCOLA writes it: ``2015-06-16`` -> ``16 June 2015``."""
    d = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def _with_pinpoint(citation: str, pinpoint: str | None) -> str:
    return f"{citation}, {pinpoint.strip()}" if pinpoint and pinpoint.strip() else citation


def cite_treaty(
    title: str,
    adopted: str | None = None,
    in_force: str | None = None,
    series: str | None = None,
    pinpoint: str | None = None,
) -> str:
    """A treaty: title, (adopted ..., entered into force ...), series citation, pinpoint."""
    parts = []
    if adopted:
        parts.append(f"adopted {format_date(adopted)}")
    if in_force:
        parts.append(f"entered into force {format_date(in_force)}")
    text = title.strip()
    if parts:
        text += f" ({', '.join(parts)})"
    if series:
        text += f" {series.strip()}"
    return _with_pinpoint(text, pinpoint)


def cite_ecthr(
    case_name: str,
    app_no: str | None = None,
    decided: str | None = None,
    grand_chamber: bool = False,
    report: str | None = None,
    pinpoint: str | None = None,
) -> str:
    """A judgment of the European Court of Human Rights (reported or unreported form)."""
    name = case_name.strip() + (" [GC]" if grand_chamber else "")
    if report:
        report = report.strip()
        if report.startswith("Series A") and decided:
            text = f"{name} ({str(decided)[:4]}) {report}"
        else:
            text = f"{name} {report}"
    else:
        text = name
        if app_no:
            text += f" App no {app_no.strip()}"
        if decided:
            text += f" (ECtHR, {format_date(decided)})"
    return _with_pinpoint(text, pinpoint)


def cite_icj(
    case_name: str,
    stage: str | None = None,
    decided: str | None = None,
    order: bool = False,
    report: str | None = None,
    pinpoint: str | None = None,
) -> str:
    """A judgment or order of the International Court of Justice.

    ``report`` is the page part of an ICJ Reports citation (e.g. ``ICJ Rep 361``)
    and is used with the year of ``decided``; without it the decision is
    identified by its date.
    """
    text = case_name.strip()
    if stage:
        text += f" ({stage.strip()})"
    if report and decided:
        text += f" [{str(decided)[:4]}] {report.strip()}"
    elif decided:
        text += f" ({'Order' if order else 'Judgment'} of {format_date(decided)})"
    return _with_pinpoint(text, pinpoint)


def rule_number(locator: str) -> str:
    """``r 83`` / ``Rule 83`` / ``83`` -> ``83``."""
    m = re.search(r"(\d+[A-Za-z]?)", locator)
    return m.group(1) if m else locator.strip()


def join_authors(authors: Sequence[str]) -> str:
    """OSCOLA s 3.1.1: ``A``, ``A and B``, ``A, B and C``; more than three: ``A and others``."""
    names = [a.strip() for a in authors if a.strip()]
    if len(names) > 3:
        return f"{names[0]} and others"
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def cite_customary_rule(
    publisher: str,
    title: str,
    rule: str | None = None,
    authors: Sequence[str] = (),
    year: str | None = None,
) -> str:
    """A rule of a customary law study.

    With its authors, the study is cited as a book (OSCOLA s 3.2): ``Jean-Marie Henckaerts and
    Louise Doswald-Beck, Customary International Humanitarian Law, Volume I: Rules (CUP 2005)
    r 83`` (the pinpoint after a space, ``r`` for rule: OSCOLA s 1.6); without them, an
    institution's database: ``ICRC, Customary IHL Database, Rule 83``.
    """
    if authors:
        imprint = " ".join(x for x in (publisher.strip(), (year or "")[:4]) if x)
        text = f"{join_authors(authors)}, {title.strip()}" + (f" ({imprint})" if imprint else "")
        return f"{text} r {rule_number(rule)}" if rule else text
    text = f"{publisher.strip()}, {title.strip()}"
    return f"{text}, Rule {rule_number(rule)}" if rule else text


def cite_un_document(title: str, symbol: str, date: str | None = None) -> str:
    """A UN document: ``Title (1 January 2000) UN Doc A/RES/1/1``."""
    text = title.strip()
    if date:
        text += f" ({format_date(date)})"
    return f"{text} UN Doc {symbol.strip()}"


# --- from the store ------------------------------------------------------------------
_FIELDS = """
SELECT ?type ?title ?adopted ?inforce ?series ?case ?app ?decided ?gc ?report
       ?stage ?court ?publisher WHERE {
  VALUES ?x { <%s> }
  ?x a ?type .
  FILTER(?type IN (ml:Treaty, ml:CustomaryLawStudy, ml:Judgment, ml:Order))
  OPTIONAL { ?x dcterms:title ?title }
  OPTIONAL { ?x ml:adoptedOn ?adopted }
  OPTIONAL { ?x ml:enteredIntoForce ?inforce }
  OPTIONAL { ?x ml:treatySeries ?series }
  OPTIONAL { ?x ml:caseName ?case }
  OPTIONAL { ?x ml:applicationNumber ?app }
  OPTIONAL { ?x ml:decidedOn ?decided }
  OPTIONAL { ?x ml:grandChamber ?gc }
  OPTIONAL { ?x ml:reportCitation ?report }
  OPTIONAL { ?x ml:decisionKind ?stage }
  OPTIONAL { ?x ml:court/dcterms:identifier ?court }
  OPTIONAL { ?x dcterms:publisher ?p . OPTIONAL { ?p skos:altLabel ?pshort }
             OPTIONAL { ?p rdfs:label ?plabel } BIND(COALESCE(?pshort, ?plabel) AS ?publisher) }
}
"""

_PROVISION = """
SELECT ?instrument ?locator WHERE {
  <%s> a ml:Provision ; ml:partOfInstrument ?instrument .
  OPTIONAL { <%s> ml:locator ?locator }
} LIMIT 1
"""


def _check_iri(iri: str) -> str:
    if not re.fullmatch(r"[^<>\"{}|^`\\\s]+", iri):
        raise ValueError(f"not an IRI: {iri!r}")
    return iri


def _first(res: QueryResult) -> dict[str, str]:
    row: dict[str, str] = {}
    for r in res.rows:  # several rows differ only in optional values; keep the first seen
        for k, v in r.items():
            if v is not None and k not in row:
                row[k] = term_value(v)
    return row


def cite(store: _Queryable, iri: str, pinpoint: str | None = None) -> str:
    """The OSCOLA citation of an instrument, decision or provision in ``store``.

    A provision is cited as its instrument with the provision's locator as the
    pinpoint (an explicit ``pinpoint`` wins).  Raises ``LookupError`` when the
    resource is not a citable kind.
    """
    iri = _check_iri(iri)
    prefixes = sparql_prefixes()
    prov = _first(store.query(prefixes + _PROVISION % (iri, iri)))
    if prov.get("instrument"):
        return cite(store, prov["instrument"], pinpoint or prov.get("locator"))
    f = _first(store.query(prefixes + _FIELDS % iri))
    kind = f.get("type", "")
    if kind == ML + "Treaty":
        return cite_treaty(
            f.get("title", iri), f.get("adopted"), f.get("inforce"), f.get("series"), pinpoint
        )
    if kind == ML + "CustomaryLawStudy":
        from . import csl

        item = csl.item_for(store, iri)
        if item.get("author"):
            # a book: the OSCOLA CSL style renders it as OSCOLA does (tests/law/test_law_csl.py)
            return csl.oscola(item, pinpoint, full_stop=False)
        # no authors recorded: an institution's database, a form the style has not
        return cite_customary_rule(f.get("publisher", ""), f.get("title", iri), pinpoint)
    if kind in (ML + "Judgment", ML + "Order"):
        if f.get("court") == "ICJ":
            return cite_icj(
                f.get("case", iri),
                f.get("stage"),
                f.get("decided"),
                order=kind == ML + "Order",
                report=f.get("report"),
                pinpoint=pinpoint,
            )
        return cite_ecthr(
            f.get("case", iri),
            f.get("app"),
            f.get("decided"),
            grand_chamber=f.get("gc") == "true",
            report=f.get("report"),
            pinpoint=pinpoint,
        )
    raise LookupError(f"{iri} is not a citable instrument, decision or provision")
