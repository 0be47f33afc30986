"""The legal sections of a brief: the law between these parties, and jurisdiction, attribution
and occupation as three separate questions.

Implements the presentation side of ``docs/legal-model.md`` (issue 14): the relevant date with
its precision and the finding's period (inclusive dates); the legal bases relied on with their
entry into force and any withdrawal; for the duty-bearer and each opposing party, the treaties
in force on the relevant date and whether each applies *between them* (Geneva Conventions
common art 2(3); AP I art 96(2); CCW art 7), with the customary rules relied on instead; and,
each in its own paragraph with its authorities, the armed conflict and its classification,
territorial sovereignty, ECHR jurisdiction (art 1), attribution of conduct (ARSIWA) and
belligerent occupation (Hague Regulations art 42).  The answers come from
:mod:`minelaw.reasoning.applicability` (the same that decided the finding); this module only
words them and reads the participations it lists from the store.
"""

from __future__ import annotations

from typing import Any

from ..reasoning.findings import Finding, local
from .citations import format_date
from .context import labels_of, select, values_of

PRECISION_TEXT = {
    "day": "",
    "month": "known to the month",
    "year": "known to the year",
    "bounded": "known only within bounds",
    "not-after": "not known: the latest possible date",
    "unknown": "not known",
}
NOT_ATTRIBUTION = (
    "Jurisdiction under art 1 ECHR is a different question from the attribution of conduct: "
    "the test for jurisdiction 'has never been equated' with the test for a state's "
    "responsibility for an internationally wrongful act (Catan and Others [GC] App nos "
    "43370/04, 8252/05 and 18454/06, quoted in Chiragov and Others [GC] App no 13216/05 para 168)."
)


def _date(d: str | None) -> str:
    return format_date(d) if d else ""


def relevant_date(f: Finding) -> dict[str, str]:
    app = f.candidate.applicability
    if app is None or not app.relevant_date:
        return {"text": "not known", "precision": "unknown", "note": ""}
    text = _date(app.relevant_date)
    if app.precision == "not-after":
        text = f"no later than {text}"
    elif app.precision == "month":
        text = f"{text} (the month is known, not the day)"
    elif app.precision == "year":
        text = f"{text} (only the year is known)"
    return {"text": text, "precision": app.precision, "note": app.date_note}


def period(f: Finding) -> str:
    app = f.candidate.applicability
    start = relevant_date(f)["text"]
    if app is None or app.precision in ("not-after", "unknown") or not app.relevant_date:
        # an upper bound is not the first day: the conduct may have begun on any earlier day
        start = f"an unknown date ({start})" if app and app.relevant_date else "an unknown date"
    if app is None or not app.period_end:
        return f"from {start}, continuing (no end recorded); dates inclusive"
    return f"from {start} to {_date(app.period_end)} inclusive"


def _participations(
    store: Any, parties: list[str], treaties: set[str], date: str
) -> dict[tuple[str, str], dict[str, str]]:
    """(party, treaty) -> the participation in force on ``date``."""
    if not parties or not treaties or not date:
        return {}
    out: dict[tuple[str, str], dict[str, str]] = {}
    for r in select(
        store,
        f"""SELECT ?st ?t ?since ?until ?act WHERE {{
              VALUES ?st {{ {values_of(parties)} }} VALUES ?t {{ {values_of(treaties)} }}
              ?p ml:participant ?st ; ml:treaty ?t ; ml:inForceFrom ?since .
              OPTIONAL {{ ?p ml:inForceUntil ?until }} OPTIONAL {{ ?p ml:act ?act }}
              FILTER(!(?since > "{date}"^^xsd:date)
                     && (!BOUND(?until) || ?until >= "{date}"^^xsd:date)) }}""",
    ):
        out.setdefault((r["st"], r["t"]), r)
    return out


def between_parties(store: Any, f: Finding) -> dict[str, Any]:
    """The treaties binding the duty-bearer and each opposing party on the relevant date, and
    whether each applies between them."""
    c = f.candidate
    app = c.applicability
    if app is None:
        return {"parties": [], "not_applied": [], "reciprocal": False}
    opponents = [
        o if o.startswith("http") else f"https://w3id.org/minelaw/id/{o}" for o in app.opponents
    ]
    if not app.conflict or not opponents:
        return {"parties": [], "not_applied": app.not_applied, "reciprocal": False}
    treaties = {
        r["t"]
        for r in select(
            store,
            """SELECT ?t WHERE { ?t a ml:Treaty ; ml:reciprocalBetweenBelligerents true }""",
        )
    }
    parties = [c.duty_bearer, *opponents]
    date = app.relevant_date or ""
    parts = _participations(store, parties, treaties, date)
    lab = labels_of(store, set(parties) | treaties)
    rows = []
    for p in parties:
        bound = []
        for t in sorted(treaties, key=lambda t: lab.get(t, t)):
            mine = parts.get((p, t))
            if mine is None:
                continue
            others = [o for o in parties if o != p]
            missing = [lab.get(o, local(o)) for o in others if (o, t) not in parts]
            bound.append(
                {
                    "treaty": lab.get(t, local(t)),
                    "since": _date(mine.get("since")),
                    "until": _date(mine.get("until")),
                    "acceptance": mine.get("act", "").endswith("acceptance"),
                    "applies": not missing,
                    "reason": (
                        "binds it towards "
                        + ", ".join(lab.get(o, local(o)) for o in others)
                        + " as well (each is bound)"
                        if not missing
                        else "does not apply towards " + ", ".join(missing) + ", not bound by it "
                        "on the date (Geneva Conventions common art 2(3); AP I art 96(2); "
                        "CCW art 7)"
                    ),
                }
            )
        rows.append(
            {
                "party": lab.get(p, local(p)),
                "role": "duty-bearer" if p == c.duty_bearer else "opposing party",
                "treaties": bound,
            }
        )
    return {"parties": rows, "not_applied": app.not_applied, "reciprocal": True}


def questions(store: Any, f: Finding) -> dict[str, Any]:
    """The conflict, sovereignty, jurisdiction, attribution and occupation paragraphs."""
    c = f.candidate
    app = c.applicability
    who = f.labels.get(c.duty_bearer, local(c.duty_bearer))
    where = f.labels.get(c.territory, local(c.territory))
    lab = labels_of(store, {x for x in (app.conflict if app else None, c.territory) if x})
    out: dict[str, Any] = {}
    if app and app.conflict:
        kind = (app.conflict_type or "").rsplit("conflict-type-", 1)[-1]
        kind_text = {
            "IAC": "an international armed conflict",
            "NIAC": "a non-international armed conflict",
            "occupation": "a situation of occupation",
        }.get(kind, kind)
        out["conflict"] = (
            f"{who} is a party to the {lab.get(app.conflict, local(app.conflict))}, classified "
            f"on the relevant date as {kind_text}; the norm applies in that situation, and the "
            "conduct relied on falls within the conflict's temporal scope (a nexus to an armed "
            "conflict is required for rules of IHL; AP I art 3(b))."
        )
    else:
        out["conflict"] = (
            "The norm is not a rule of the law of armed conflict: it applies in peacetime and "
            "in armed conflict alike, so no classification is needed."
        )
    sov = select(
        store,
        # ml:within: the derived closure of ml:partOf (reflexive), not a property path, which
        # Virtuoso 7.2 answers inconsistently (docs/team-server.md, difference 41)
        f"""SELECT ?st WHERE {{ <{c.territory}> ml:within ?x . ?x ml:locatedIn ?st }}
            ORDER BY ?st LIMIT 1""",
    )
    if sov:
        st = labels_of(store, {sov[0]["st"]}).get(sov[0]["st"], local(sov[0]["st"]))
        out["sovereignty"] = (
            f"{where} lies within the internationally recognised territory of {st}."
        )
    else:
        out["sovereignty"] = (
            f"The knowledge base does not record within whose recognised territory {where} lies."
        )
    j = app.jurisdiction if app else None
    if j:
        out["jurisdiction"] = f"{j['text'][0].upper()}{j['text'][1:]} ({j['authority']}). " + (
            NOT_ATTRIBUTION
        )
    else:
        out["jurisdiction"] = (
            "Not a condition of this norm: it binds the party wherever it acts, not only within "
            "its jurisdiction."
        )
    a = app.attribution if app else None
    if a:
        auth = f" ({a['authority']})" if a.get("authority") else ""
        out["attribution"] = f"{a['text'][0].upper()}{a['text'][1:]}{auth}."
    elif j:
        out["attribution"] = (
            "The duty concerns the state's own protective measures within its jurisdiction, "
            "whoever laid the mines; no conduct of another actor is attributed to it."
        )
    else:
        out["attribution"] = "No question of attribution arises."
    o = app.occupation if app else None
    if o:
        out["occupation"] = f"{o['text']} ({o['authority']})."
    else:
        occ = select(
            store,
            # (DISTINCT: the territory itself is within both; ml:within rather than the paths
            # ml:partOf* and ml:partOf+, on which Virtuoso 7.2 gave this row twice)
            f"""SELECT DISTINCT ?cp ?who ?s ?e WHERE {{
                   ?cp ml:controlKind mlv:control-kind-belligerent-occupation ;
                   ml:controller ?who ; ml:territory ?t .
                   {{ <{c.territory}> ml:within ?t }} UNION {{ ?t ml:within <{c.territory}> }}
                   OPTIONAL {{ ?cp ml:start ?s }} OPTIONAL {{ ?cp ml:end ?e }} }}
                 ORDER BY ?s ?cp""",
        )
        if occ:
            names = labels_of(store, {r["who"] for r in occ})
            spans = "; ".join(
                f"{names.get(r['who'], local(r['who']))}, {_date(r.get('s')) or '?'} to "
                f"{_date(r.get('e')) or 'an unrecorded end'}"
                for r in occ
            )
            out["occupation"] = (
                f"The knowledge base records a belligerent occupation of (part of) {where}: "
                f"{spans}. Occupation is a question of the law of armed conflict (Hague "
                "Regulations art 42), separate from jurisdiction and attribution; it is not "
                "relied on for this norm."
            )
        else:
            out["occupation"] = f"No belligerent occupation of {where} is recorded."
    return out


def legal_sections(store: Any, f: Finding) -> dict[str, Any]:
    """Everything the brief's "Applicable law" and "Jurisdiction, attribution and occupation"
    sections print."""
    app = f.candidate.applicability
    return {
        "relevant_date": relevant_date(f),
        "period": period(f),
        "between": between_parties(store, f),
        "questions": questions(store, f),
        # sorted: the same ten on every engine, whatever its row order
        "excluded_rows": sorted({x.reason for x in (app.excluded if app else [])})[:10],
        "precision_text": PRECISION_TEXT.get(app.precision if app else "unknown", ""),
    }
