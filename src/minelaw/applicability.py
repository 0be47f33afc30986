"""Applicability: is a norm applicable to this duty-bearer, towards its opponents, on this date,
at this place, for this conduct?

Implements ``docs/legal-model.md`` sections 1 and 2:

- treaties bind from their entry into force for the state until a withdrawal takes effect, and
  are not retroactive (VCLT art 28);
- between belligerents a treaty of IHL binds a party only towards an opponent also bound by it
  or accepting and applying it (Geneva Conventions common art 2(3); AP I art 96(2); CCW art 7);
  otherwise the norm's customary counterpart is the basis;
- a norm applies only in the conflict types it is recorded for (``ml:appliesIn``), and IHL only
  to conduct with a nexus to an armed conflict in its temporal scope;
- the relevant date is the date of the conduct the duty concerns (never the date a claim was
  made), with its precision;
- ECHR jurisdiction (art 1) is presumed over a state's own territory, exceptionally abroad by
  effective control of an area, and not over active hostilities abroad (Georgia v Russia (II));
  it is kept apart from attribution of conduct (ARSIWA arts 4 and 8) and from belligerent
  occupation (Hague Regulations art 42).

The compliance shapes' queries select *trigger rows* (conduct or incidents with the actor, the
place and what is known of the date); :func:`evaluate` decides, row by row, whether the norm
applies, and for each candidate (norm, duty-bearer, territory) returns an
:class:`Applicability` with the relevant date, the period, the legal basis and the answers to
the jurisdiction, attribution and occupation questions.  Rows that fail say why
(:class:`Exclusion`).  The law's data (participations, conflicts, classifications, phases,
control periods, attribution bases, the place hierarchy) is fetched once per run
(:func:`load_law`), so evaluation is plain Python.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .namespaces import MLR, MLV, sparql_prefixes
from .store import SparqlStore, term_value

STATE = "https://w3id.org/minelaw/ontology#State"
PEACETIME = MLV + "conflict-type-peacetime"
OCCUPATION_TYPE = MLV + "conflict-type-occupation"
# control kinds by which another actor's control rebuts the presumption of jurisdiction over
# a state's own territory (docs/legal-model.md 2.1), and those founding jurisdiction abroad
LOSS_OF_CONTROL = {
    MLV + "control-kind-effective-control-area",
    MLV + "control-kind-de-facto-administration",
    MLV + "control-kind-belligerent-occupation",
}
EXTRATERRITORIAL = {
    MLV + "control-kind-effective-control-area",
    MLV + "control-kind-belligerent-occupation",
}
OCCUPATION = MLV + "control-kind-belligerent-occupation"

AUTH = {
    "vclt28": "VCLT art 28 (non-retroactivity)",
    "reciprocity": "Geneva Conventions common art 2(3); AP I art 96(2); CCW art 7(1)-(2)",
    "nexus": "ICTY, Tadić (Appeals Chamber, jurisdiction, 1995) para 70; AP I art 3(b)",
    "organ": "ARSIWA art 4",
    "art8": "ARSIWA art 8; ICJ, Bosnia Genocide (2007) paras 392-400",
    "own-territory": "Ilaşcu v Moldova and Russia [GC] paras 311-312; "
    "Sargsyan v Azerbaijan [GC] paras 139-151",
    "effective-control": "Loizidou v Turkey (preliminary objections) para 62; "
    "Chiragov v Armenia [GC] paras 168-186",
    "hostilities": "Georgia v Russia (II) [GC] paras 125-144",
    "jurisdiction-not-attribution": "Catan v Moldova and Russia [GC], quoted in Chiragov "
    "v Armenia [GC] para 168",
    "occupation": "Hague Regulations 1907 arts 42-43; ICJ, Wall (2004) para 89",
}


# --- dates -----------------------------------------------------------------------------------
def _d(s: str | None) -> dt.date | None:
    if not s:
        return None
    try:
        return dt.date.fromisoformat(s[:10])
    except ValueError:
        return None


@dataclass(frozen=True)
class Interval:
    """What is known of a date: the first and last possible day (None: unbounded)."""

    start: dt.date | None
    end: dt.date | None
    precision: str  # day | month | year | bounded | not-after | unknown

    @classmethod
    def of(
        cls,
        date: str | None,
        precision: str | None = None,
        not_before: str | None = None,
        not_after: str | None = None,
        claimed_on: str | None = None,
    ) -> Interval:
        d = _d(date)
        prec = (precision or "").rsplit("-", 1)[-1] if precision else ""
        if d is not None:
            if prec == "month":
                last = calendar.monthrange(d.year, d.month)[1]
                return cls(d.replace(day=1), d.replace(day=last), "month")
            if prec == "year":
                return cls(dt.date(d.year, 1, 1), dt.date(d.year, 12, 31), "year")
            return cls(d, d, "day")
        lo, hi = _d(not_before), _d(not_after)
        # a claim proves at most that the conduct happened no later than the claim was made
        claimed = _d(claimed_on)
        if claimed is not None and (hi is None or claimed < hi):
            hi = claimed
        if lo is not None and hi is not None:
            return cls(lo, hi, "bounded")
        if hi is not None:
            return cls(lo, hi, "not-after")
        return cls(lo, None, "unknown")

    def within(self, lo: dt.date | None, hi: dt.date | None) -> bool:
        """The whole interval lies in [lo, hi] (None: open)."""
        if lo is not None and (self.start is None or self.start < lo):
            return False
        return not (hi is not None and (self.end is None or self.end > hi))

    def overlaps(self, lo: dt.date | None, hi: dt.date | None) -> bool:
        if lo is not None and self.end is not None and self.end < lo:
            return False
        return not (hi is not None and self.start is not None and self.start > hi)

    def describe(self) -> str:
        if self.precision == "day" and self.start:
            return self.start.isoformat()
        if self.precision == "month" and self.start:
            return self.start.strftime("%B %Y")
        if self.precision == "year" and self.start:
            return str(self.start.year)
        if self.precision == "bounded" and self.start and self.end:
            return f"between {self.start.isoformat()} and {self.end.isoformat()}"
        if self.end is not None:
            return f"unknown, no later than {self.end.isoformat()}"
        return "unknown"


# --- the law's data ----------------------------------------------------------------------------
@dataclass
class Period:
    iri: str
    start: dt.date | None
    end: dt.date | None
    places: set[str] = field(default_factory=set)  # empty: everywhere
    kind: str = ""
    actor: str = ""
    other: str = ""  # through (control) / attributed-to (attribution) / conflict (phase)
    basis: str = ""


@dataclass
class NormInfo:
    iri: str
    basis_kind: str  # treaty | custom
    applies_in: set[str]
    requires_jurisdiction: bool
    treaty: str | None
    provisions: list[str]
    counterparts: list[str]
    counterpart_of: list[str]  # treaty norms whose customary counterpart this norm is

    @property
    def is_ihl(self) -> bool:
        return PEACETIME not in self.applies_in


@dataclass
class Law:
    """Everything applicability needs, fetched once per run."""

    norms: dict[str, NormInfo]
    participations: dict[tuple[str, str], list[Period]]  # (state, treaty) -> in-force periods
    reciprocal: dict[str, str]  # treaty -> the provision that makes it reciprocal
    treaty_labels: dict[str, str]
    conflicts: dict[str, Period]
    parties: dict[str, set[str]]  # conflict -> its parties
    states: set[str]
    classifications: dict[str, list[Period]]  # conflict -> classifications (kind = type)
    phases: dict[str, list[Period]]  # conflict -> phases of active hostilities
    control: list[Period]  # actor controls places (kind = control kind)
    attribution: list[Period]  # actor (conduct of) -> other (attributed to)
    organ_of: dict[str, set[str]]  # actor -> every actor it is (transitively) an organ of
    ancestors: dict[str, set[str]]  # place -> itself and every place containing it
    sovereign: dict[str, str]  # place -> the state in whose recognised territory it lies
    labels: dict[str, str]

    def label(self, iri: str) -> str:
        return self.labels.get(iri) or iri.rsplit("/", 1)[-1]

    def in_force(self, state: str, treaty: str, when: Interval) -> Period | None:
        for p in self.participations.get((state, treaty), []):
            if when.within(p.start, p.end):
                return p
        return None

    def covers(self, period: Period, place: str) -> bool:
        return not period.places or bool(self.ancestors.get(place, {place}) & period.places)


def _rows(store: SparqlStore, q: str) -> list[dict[str, str]]:
    res = store.query(sparql_prefixes() + q)
    return [{k: term_value(v) for k, v in r.items() if v is not None} for r in res.rows]


def _period(r: dict[str, str], **kw: str) -> Period:
    return Period(r.get("x", ""), _d(r.get("s")), _d(r.get("e")), **kw)


def load_law(store: SparqlStore, norms: Iterable[str], places: Iterable[str]) -> Law:
    """Fetch the applicability data: a handful of queries whatever the size of the KB."""
    norm_vals = " ".join(f"<{n}>" for n in sorted(set(norms)))
    info: dict[str, NormInfo] = {}
    if norm_vals:
        for r in _rows(
            store,
            f"""SELECT ?n ?kind ?in ?jur ?prov ?treaty ?cp WHERE {{
                  VALUES ?n {{ {norm_vals} }}
                  OPTIONAL {{ ?n ml:basisKind ?kind }} OPTIONAL {{ ?n ml:appliesIn ?in }}
                  OPTIONAL {{ ?n ml:requiresJurisdiction ?jur }}
                  OPTIONAL {{ ?n ml:expressedIn ?prov .
                             OPTIONAL {{ ?prov ml:partOfInstrument ?treaty . ?treaty a ml:Treaty }} }}
                  OPTIONAL {{ ?n ml:customaryCounterpart ?cp }} }}""",
        ):
            n = info.setdefault(
                r["n"], NormInfo(r["n"], "custom", set(), False, None, [], [], [])
            )
            if r.get("kind", "").endswith("treaty"):
                n.basis_kind = "treaty"
            if r.get("in"):
                n.applies_in.add(r["in"])
            n.requires_jurisdiction = n.requires_jurisdiction or r.get("jur") == "true"
            if r.get("prov") and r["prov"] not in n.provisions:
                n.provisions.append(r["prov"])
            if r.get("treaty"):
                n.treaty = r["treaty"]
            if r.get("cp") and r["cp"] not in n.counterparts:
                n.counterparts.append(r["cp"])
        for r in _rows(
            store,
            f"""SELECT ?n ?t WHERE {{ VALUES ?n {{ {norm_vals} }}
                  ?t ml:customaryCounterpart ?n }}""",
        ):
            info[r["n"]].counterpart_of.append(r["t"])
    participations: dict[tuple[str, str], list[Period]] = defaultdict(list)
    for r in _rows(
        store,
        """SELECT ?x ?st ?t ?s ?e WHERE { ?x a ml:Participation ; ml:participant ?st ;
             ml:treaty ?t ; ml:inForceFrom ?s . OPTIONAL { ?x ml:inForceUntil ?e } }""",
    ):
        participations[(r["st"], r["t"])].append(_period(r))
    reciprocal = {
        r["t"]: r.get("b", "")
        for r in _rows(
            store,
            """SELECT ?t ?b WHERE { ?t ml:reciprocalBetweenBelligerents true .
                 OPTIONAL { ?t ml:reciprocityBasis ?b } }""",
        )
    }
    conflicts: dict[str, Period] = {}
    parties: dict[str, set[str]] = defaultdict(set)
    for r in _rows(
        store,
        """SELECT ?x ?s ?e ?p WHERE { ?x a ml:ArmedConflict .
             OPTIONAL { ?x ml:start ?s } OPTIONAL { ?x ml:end ?e }
             OPTIONAL { ?x ml:partyToConflict ?p } }""",
    ):
        conflicts.setdefault(r["x"], _period(r))
        if r.get("p"):
            parties[r["x"]].add(r["p"])
    states = {r["s"] for r in _rows(store, "SELECT ?s WHERE { ?s a ml:State }")}
    classifications: dict[str, list[Period]] = defaultdict(list)
    for r in _rows(
        store,
        """SELECT ?x ?c ?type ?s ?e ?t WHERE { ?x a ml:ConflictClassification ;
             ml:classifies ?c ; ml:conflictType ?type .
             OPTIONAL { ?x ml:start ?s } OPTIONAL { ?x ml:end ?e }
             OPTIONAL { ?x ml:territory ?t } }""",
    ):
        per = next((p for p in classifications[r["c"]] if p.iri == r["x"]), None)
        if per is None:
            per = _period(r, kind=r["type"], other=r["c"])
            classifications[r["c"]].append(per)
        if r.get("t"):
            per.places.add(r["t"])
    phases: dict[str, list[Period]] = defaultdict(list)
    for r in _rows(
        store,
        """SELECT ?x ?c ?s ?e ?t WHERE { ?x a ml:HostilitiesPhase ; ml:conflict ?c .
             OPTIONAL { ?x ml:start ?s } OPTIONAL { ?x ml:end ?e }
             OPTIONAL { ?x ml:territory ?t } }""",
    ):
        per = next((p for p in phases[r["c"]] if p.iri == r["x"]), None)
        if per is None:
            per = _period(r, other=r["c"])
            phases[r["c"]].append(per)
        if r.get("t"):
            per.places.add(r["t"])
    # a conflict recorded with an end of active hostilities but no phases: one phase from the
    # conflict's start to that date, over the places the end was recorded for
    for r in _rows(
        store,
        """SELECT ?x ?c ?e ?t WHERE { ?x a ml:EndOfActiveHostilities ; ml:conflict ?c ;
             ml:date ?e . OPTIONAL { ?x ml:place ?t } }""",
    ):
        if any(not p.iri.startswith("end:") for p in phases.get(r["c"], [])):
            continue
        iri = "end:" + r["x"]
        per = next((p for p in phases[r["c"]] if p.iri == iri), None)
        if per is None:
            start = conflicts.get(r["c"], Period("", None, None)).start
            per = Period(iri, start, _d(r.get("e")), other=r["c"], basis=r["x"])
            phases[r["c"]].append(per)
        if r.get("t"):
            per.places.add(r["t"])
    control: dict[str, Period] = {}
    for r in _rows(
        store,
        """SELECT ?x ?a ?t ?k ?s ?e ?th ?b WHERE { ?x a ml:ControlPeriod ; ml:controller ?a ;
             ml:territory ?t . OPTIONAL { ?x ml:controlKind ?k }
             OPTIONAL { ?x ml:start ?s } OPTIONAL { ?x ml:end ?e }
             OPTIONAL { ?x ml:through ?th } OPTIONAL { ?x ml:basis ?b } }""",
    ):
        per = control.setdefault(
            r["x"],
            _period(
                r, kind=r.get("k", ""), actor=r["a"], other=r.get("th", ""), basis=r.get("b", "")
            ),
        )
        per.places.add(r["t"])
    attribution = [
        _period(r, kind=r.get("k", ""), actor=r["a"], other=r["st"], basis=r.get("b", ""))
        for r in _rows(
            store,
            """SELECT ?x ?a ?st ?k ?s ?e ?b WHERE { ?x a ml:AttributionBasis ;
                 ml:conductOf ?a ; ml:attributedTo ?st .
                 OPTIONAL { ?x ml:attributionKind ?k } OPTIONAL { ?x ml:start ?s }
                 OPTIONAL { ?x ml:end ?e } OPTIONAL { ?x ml:basis ?b } }""",
        )
    ]
    organ_of: dict[str, set[str]] = defaultdict(set)
    for r in _rows(store, "SELECT ?a ?b WHERE { ?a ml:organOf+ ?b }"):
        organ_of[r["a"]].add(r["b"])
    ancestors: dict[str, set[str]] = defaultdict(set)
    sovereign: dict[str, str] = {}
    place_vals = " ".join(f"<{p}>" for p in sorted(set(places)) if p)
    if place_vals:
        for r in _rows(
            store,
            f"""SELECT ?p ?a ?st WHERE {{ VALUES ?p {{ {place_vals} }}
                  ?p ml:partOf* ?a . OPTIONAL {{ ?a ml:locatedIn ?st }} }}""",
        ):
            ancestors[r["p"]].add(r["a"])
            if r.get("st") and r["p"] not in sovereign:
                sovereign[r["p"]] = r["st"]
    for p in places:
        ancestors[p].add(p)
    labels = {
        r["x"]: r["l"]
        for r in _rows(
            store,
            """SELECT ?x (SAMPLE(?l0) AS ?l) WHERE {
                 { ?x a ml:Treaty } UNION { ?x a ml:State } UNION { ?x a ml:ArmedConflict }
                 UNION { ?x a ml:DeFactoAuthority } UNION { ?x a ml:Norm }
                 ?x rdfs:label|skos:prefLabel ?l0 .
                 FILTER(LANG(?l0) = "" || LANGMATCHES(LANG(?l0), "en")) } GROUP BY ?x""",
        )
    }
    return Law(
        info,
        dict(participations),
        reciprocal,
        {t: labels.get(t, t) for t in reciprocal},
        conflicts,
        dict(parties),
        states,
        dict(classifications),
        dict(phases),
        list(control.values()),
        attribution,
        dict(organ_of),
        dict(ancestors),
        sovereign,
        labels,
    )


# --- trigger rows and results ------------------------------------------------------------------
@dataclass(frozen=True)
class Trigger:
    """One row of a compliance shape's query: conduct (or an incident) and what is known of it."""

    norm: str
    duty_bearer: str
    territory: str
    item: str = ""
    place: str = ""
    agent: str = ""  # the actor recorded as doing it ("" for a claim: see against)
    claim: bool = False
    date: str = ""
    precision: str = ""
    not_before: str = ""
    not_after: str = ""
    claimed_on: str = ""
    conflict: str = ""  # the conflict the sources link the conduct to

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.norm, self.duty_bearer, self.territory)

    @property
    def when(self) -> Interval:
        return Interval.of(
            self.date, self.precision, self.not_before, self.not_after, self.claimed_on
        )


@dataclass
class Exclusion:
    trigger: Trigger
    reason: str


@dataclass
class Applicability:
    """The answers for one candidate (norm, duty-bearer, territory)."""

    relevant_date: str | None
    precision: str
    date_note: str
    period_end: str | None
    basis: list[dict[str, Any]]
    conflict: str | None = None
    conflict_type: str | None = None
    opponents: list[str] = field(default_factory=list)
    jurisdiction: dict[str, str] | None = None
    attribution: dict[str, str] | None = None
    occupation: dict[str, str] | None = None
    triggers: list[str] = field(default_factory=list)
    excluded: list[Exclusion] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "relevant_date": {
                "date": self.relevant_date,
                "precision": self.precision,
                "note": self.date_note,
            },
            "period_end": self.period_end,
            "conflict": self.conflict,
            "conflict_type": self.conflict_type,
            "opponents": self.opponents,
            "jurisdiction": self.jurisdiction,
            "attribution": self.attribution,
            "occupation": self.occupation,
        }


@dataclass
class RowResult:
    trigger: Trigger
    relevant: Interval
    note: str
    period_end: dt.date | None
    conflict: str | None
    conflict_type: str | None
    opponents: list[str]
    basis: list[dict[str, Any]]
    jurisdiction: dict[str, str] | None
    attribution: dict[str, str] | None
    occupation: dict[str, str] | None


class _Excluded(Exception):
    pass


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


class Evaluator:
    """Applies docs/legal-model.md to trigger rows of one rule (norm) over the law's data."""

    def __init__(self, law: Law, norm: str, relevant_date_kind: str) -> None:
        self.law = law
        self.norm = law.norms.get(norm) or NormInfo(norm, "custom", set(), False, None, [], [], [])
        self.kind = relevant_date_kind.rsplit("-", 1)[-1] if relevant_date_kind else "conduct"
        if relevant_date_kind.endswith("end-of-phase"):
            self.kind = "end-of-phase"

    # -- attribution (ARSIWA) ------------------------------------------------------------------
    def attribution(self, t: Trigger, when: Interval) -> dict[str, str]:
        law, db = self.law, t.duty_bearer
        if t.claim:
            return {
                "basis": "alleged",
                "text": f"attributed to {law.label(db)} by the claim that it laid the mines; "
                "the attribution is as strong as the claim",
                "authority": "",
            }
        if not t.agent or t.agent == db:
            return {"basis": "own-conduct", "text": f"the conduct of {law.label(db)}",
                    "authority": ""}
        if db in law.organ_of.get(t.agent, set()):
            return {
                "basis": "organ",
                "text": f"{law.label(t.agent)} is an organ of {law.label(db)}: its conduct is the "
                "state's own, for and against it alike",
                "authority": AUTH["organ"],
            }
        actors = {t.agent} | law.organ_of.get(t.agent, set())
        for a in law.attribution:
            if a.other == db and a.actor in actors and when.within(a.start, a.end):
                kind = a.kind.rsplit("attribution-kind-", 1)[-1].replace("-", " ")
                return {
                    "basis": "attribution-record",
                    "text": f"the conduct of {law.label(a.actor)} is attributed to "
                    f"{law.label(db)} ({kind}) on a recorded basis",
                    "authority": AUTH["art8"],
                    "record": a.iri,
                }
        raise _Excluded(
            f"the conduct of {law.label(t.agent)} is not attributed to {law.label(db)}: it is "
            "not its organ and no attribution basis (ARSIWA art 8) is recorded for the date; "
            "control of territory does not attribute conduct"
        )

    # -- armed conflict (IHL) --------------------------------------------------------------------
    def conflict(self, t: Trigger, when: Interval) -> tuple[str | None, str | None, str]:
        """The conflict with a nexus to the conduct, its classification type, and a note."""
        law = self.law
        if not self.norm.is_ihl:
            return None, None, ""
        cands = [c for c, ps in law.parties.items() if t.duty_bearer in ps]
        if not cands:
            raise _Excluded(
                f"{law.label(t.duty_bearer)} is not a party to any recorded armed conflict: "
                "IHL applies only to conduct with a nexus to one"
            )
        note = ""
        nexus = None
        for c in sorted(cands):
            cp = law.conflicts.get(c, Period(c, None, None))
            if cp.start is not None and when.within(cp.start, cp.end):
                nexus = c
                break
        if nexus is None and t.conflict in cands and when.start is None:
            nexus = t.conflict
            note = (
                "the date of the conduct is not known; its sources link it to "
                f"{law.label(nexus)}"
            )
        if nexus is None:
            raise _Excluded(
                f"the conduct (date {when.describe()}) is not shown to fall within an armed "
                f"conflict to which {law.label(t.duty_bearer)} is party: IHL does not govern "
                "conduct outside an armed conflict"
            )
        place = t.place or t.territory
        test = when
        if when.start is None and when.end is None:
            test = Interval(law.conflicts[nexus].start, law.conflicts[nexus].start, "day")
        types = {
            p.kind
            for p in law.classifications.get(nexus, [])
            if law.covers(p, place) and (test.start is None or test.within(p.start, p.end))
        }
        if not types:
            raise _Excluded(
                f"no classification of {law.label(nexus)} covers the date "
                f"({when.describe()}) and place: the type of conflict decides which rules apply"
            )
        ok = types & self.norm.applies_in
        if not ok:
            names = ", ".join(sorted(t.rsplit("-", 1)[-1] for t in types))
            raise _Excluded(
                f"the norm applies in {', '.join(sorted(a.rsplit('-', 1)[-1] for a in self.norm.applies_in))}"
                f" only; {law.label(nexus)} was classified {names} on the date"
            )
        return nexus, sorted(ok)[0], note

    def opponents(self, conflict: str | None, duty_bearer: str) -> list[str]:
        if conflict is None:
            return []
        return sorted(
            p
            for p in self.law.parties.get(conflict, set())
            if p != duty_bearer and p in self.law.states
        )

    # -- treaty basis ----------------------------------------------------------------------------
    def treaty_basis(
        self, t: Trigger, when: Interval, opponents: Sequence[str]
    ) -> list[dict[str, Any]]:
        law, n = self.law, self.norm
        treaty = n.treaty
        if n.basis_kind != "treaty" or treaty is None:
            return self.custom_basis(t, when, opponents)
        part = law.in_force(t.duty_bearer, treaty, when)
        if part is None:
            raise _Excluded(
                f"{law.label(treaty)} was not in force for {law.label(t.duty_bearer)} "
                f"throughout the relevant date ({when.describe()}); treaties do not bind "
                f"before their entry into force ({AUTH['vclt28']})"
            )
        between: list[dict[str, Any]] = []
        if treaty in law.reciprocal:
            for o in opponents:
                bound = law.in_force(o, treaty, when)
                between.append(
                    {
                        "party": o.rsplit("/", 1)[-1],
                        "applies": bound is not None,
                        "reason": (
                            f"{law.label(o)} was also bound on the date"
                            if bound
                            else f"{law.label(o)} was not bound by {law.label(treaty)} on the "
                            "date and has not accepted and applied it"
                        ),
                    }
                )
            if any(not b["applies"] for b in between):
                cps = ", ".join(c.rsplit("/", 1)[-1] for c in n.counterparts) or "none recorded"
                raise _Excluded(
                    f"{law.label(treaty)} does not apply between {law.label(t.duty_bearer)} and "
                    + ", ".join(law.label(o) for o in opponents if not law.in_force(o, treaty, when))
                    + f" ({AUTH['reciprocity']}); the customary counterpart ({cps}) is the basis"
                )
        return [
            {
                "kind": "treaty",
                "instrument": treaty.rsplit("/", 1)[-1],
                "provision": p.rsplit("/", 1)[-1],
                "in_force_for_duty_bearer_since": _iso(part.start),
                "in_force_until": _iso(part.end),
                "applies_between": self._between(treaty, between),
            }
            for p in n.provisions
        ]

    def _between(self, treaty: str, between: list[dict[str, Any]]) -> dict[str, Any]:
        if treaty not in self.law.reciprocal:
            return {"value": True, "reason": "binds the state whatever its opponents' status",
                    "parties": []}
        if not between:
            return {"value": True, "reason": "no opposing state party to the conflict",
                    "parties": []}
        return {"value": True, "reason": "every opposing state party was also bound",
                "parties": between}

    def custom_basis(
        self, t: Trigger, when: Interval, opponents: Sequence[str]
    ) -> list[dict[str, Any]]:
        """A customary norm binds every party to the conflict; the treaties it stands in for
        are listed with the reason they do or do not apply between the parties."""
        law, n = self.law, self.norm
        out: list[dict[str, Any]] = [
            {
                "kind": "custom",
                "instrument": (
                    law.norms[n.iri].provisions[0].rsplit("/", 1)[-1] if n.provisions else ""
                ),
                "provision": p.rsplit("/", 1)[-1],
                "in_force_for_duty_bearer_since": None,
                "in_force_until": None,
                "applies_between": {
                    "value": True,
                    "reason": "customary law binds every party to the conflict",
                    "parties": [],
                },
            }
            for p in n.provisions
        ]
        for tn in n.counterpart_of:
            tinfo = law.norms.get(tn)
            treaty = tinfo.treaty if tinfo else None
            if treaty is None:
                continue
            own = law.in_force(t.duty_bearer, treaty, when)
            if own is None:
                reason = f"not in force for {law.label(t.duty_bearer)} on the date"
            else:
                missing = [o for o in opponents if not law.in_force(o, treaty, when)]
                if treaty in law.reciprocal and missing:
                    reason = (
                        "does not apply between the parties: "
                        + ", ".join(law.label(o) for o in missing)
                        + f" not bound ({AUTH['reciprocity']})"
                    )
                else:
                    reason = "applies between the parties as well (see the treaty finding)"
            out.append(
                {
                    "kind": "treaty-not-relied-on",
                    "instrument": treaty.rsplit("/", 1)[-1],
                    "provision": tn.rsplit("/", 1)[-1],
                    "in_force_for_duty_bearer_since": _iso(own.start) if own else None,
                    "in_force_until": _iso(own.end) if own else None,
                    "applies_between": {"value": False, "reason": reason, "parties": []},
                }
            )
        return out

    # -- jurisdiction (ECHR art 1) ----------------------------------------------------------------
    def jurisdiction(self, t: Trigger, when: Interval) -> tuple[dict[str, str], dt.date | None]:
        law, st = self.law, t.duty_bearer
        place = t.place or t.territory
        anc = law.ancestors.get(place, {place})
        if law.sovereign.get(place) == st:
            lost = [
                c
                for c in law.control
                if c.actor != st
                and c.kind in LOSS_OF_CONTROL
                and law.covers(c, place)
                and when.overlaps(c.start, c.end)
            ]
            if lost:
                c = lost[0]
                raise _Excluded(
                    f"{law.label(place)} lies in {law.label(st)}'s territory, but "
                    f"{law.label(c.actor)} controlled it on the date; the presumption of "
                    f"jurisdiction is rebutted ({AUTH['own-territory']})"
                )
            nxt = [
                c.start
                for c in law.control
                if c.actor != st
                and c.kind in LOSS_OF_CONTROL
                and law.covers(c, place)
                and c.start is not None
                and when.end is not None
                and c.start > when.end
            ]
            end = min(nxt) - dt.timedelta(days=1) if nxt else None
            return (
                {
                    "basis": "own-territory",
                    "text": f"{law.label(place)} lies within {law.label(st)}'s internationally "
                    "recognised territory: jurisdiction is presumed",
                    "authority": AUTH["own-territory"],
                },
                end,
            )
        for c in law.control:
            if c.actor != st or not (anc & c.places) or not when.within(c.start, c.end):
                continue
            if c.kind and c.kind not in EXTRATERRITORIAL and law.sovereign.get(place) != st:
                if not c.kind.endswith("territorial-control") and not c.kind.endswith(
                    "territorial-jurisdiction"
                ):
                    continue
            if law.sovereign.get(place) not in (None, st):
                # abroad: no jurisdiction over active hostilities
                for ps in law.phases.values():
                    for ph in ps:
                        if law.covers(ph, place) and when.overlaps(ph.start, ph.end):
                            raise _Excluded(
                                "active hostilities over the area on the date: no "
                                f"extraterritorial jurisdiction ({AUTH['hostilities']})"
                            )
            via = f" through {law.label(c.other)}" if c.other else ""
            kind = c.kind.rsplit("control-kind-", 1)[-1].replace("-", " ") or "control"
            return (
                {
                    "basis": "control-of-area",
                    "text": f"{law.label(st)} exercised {kind} over {law.label(place)}{via} "
                    "on the date",
                    "authority": AUTH["effective-control"],
                    "record": c.iri,
                },
                c.end,
            )
        raise _Excluded(
            f"{law.label(place)} is neither within {law.label(st)}'s recognised territory nor "
            "recorded as under its control on the date: no ECHR jurisdiction (art 1)"
        )

    def occupation(self, t: Trigger, when: Interval) -> tuple[dict[str, str], dt.date | None]:
        law = self.law
        place = t.place or t.territory
        for c in law.control:
            if (
                c.actor == t.duty_bearer
                and c.kind == OCCUPATION
                and law.covers(c, place)
                and when.within(c.start, c.end)
            ):
                return (
                    {
                        "basis": "belligerent-occupation",
                        "text": f"{law.label(place)} was occupied by {law.label(t.duty_bearer)} "
                        "on the date (Hague Regulations art 42)",
                        "authority": AUTH["occupation"],
                        "record": c.iri,
                    },
                    c.end,
                )
        raise _Excluded(
            f"{law.label(place)} is not recorded as occupied by {law.label(t.duty_bearer)} "
            "on the date"
        )

    # -- relevant date -----------------------------------------------------------------------------
    def end_of_phase(self, t: Trigger, when: Interval, conflict: str) -> tuple[Interval, str]:
        law = self.law
        place = t.place or t.territory
        ends = sorted(
            p.end
            for p in law.phases.get(conflict, [])
            if p.end is not None
            and law.covers(p, place)
            and (when.end is None or p.end >= when.end)
            and (p.start is None or when.start is None or p.start <= p.end)
        )
        if not ends:
            raise _Excluded(
                "no phase of active hostilities over the area is recorded as ended after "
                f"the mines were laid ({when.describe()}): the duty has not arisen"
            )
        end = ends[0]
        within = any(
            when.within(p.start, p.end) and p.end == end
            for p in law.phases.get(conflict, [])
            if law.covers(p, place)
        )
        if within:
            note = "the end of the active hostilities of the phase in which the mines were laid"
            return Interval(end, end, "day"), note
        if when.start is None or when.precision in ("not-after", "unknown", "bounded"):
            note = (
                f"the laying is dated {when.describe()}: the duty arose at the latest at the end "
                "of the phase of active hostilities that ended first after it"
            )
            return Interval(None, end, "not-after"), note
        note = (
            "the mines were laid outside a phase of active hostilities; the duty is taken to "
            "arise at the end of the next phase over the area (doubt recorded in "
            "docs/legal-model.md 1.5)"
        )
        return Interval(end, end, "day"), note

    def row(self, t: Trigger, today: dt.date) -> RowResult:
        when = t.when
        law = self.law
        attribution = None
        if self.kind in ("conduct", "end-of-phase"):
            attribution = self.attribution(t, when)
        conflict, ctype, note = self.conflict(t, when)
        opponents = self.opponents(conflict, t.duty_bearer)
        relevant, period_end = when, None
        jurisdiction = occupation = None
        if self.kind == "end-of-phase":
            assert conflict is not None
            relevant, pnote = self.end_of_phase(t, when, conflict)
            note = "; ".join(x for x in (note, pnote) if x)
            if relevant.end is not None and relevant.end > today:
                raise _Excluded("active hostilities have not ended yet")
        elif self.kind == "incident":
            jurisdiction, period_end = self.jurisdiction(t, when)
        elif self.kind == "occupation":
            occupation, period_end = self.occupation(t, when)
        if self.kind == "end-of-phase":
            basis_when = relevant if relevant.start is not None else Interval(
                relevant.end, relevant.end, "day"
            )
        else:
            basis_when = when
        basis = (
            self.treaty_basis(t, basis_when, opponents)
            if self.norm.basis_kind == "treaty"
            else self.custom_basis(t, basis_when, opponents)
        )
        for b in basis:
            if b["kind"] == "treaty" and b.get("in_force_until"):
                until = _d(b["in_force_until"])
                if period_end is None or (until is not None and until < period_end):
                    period_end = until
        if self.kind == "conduct" and when.precision != "day":
            note = "; ".join(
                x
                for x in (
                    note,
                    f"the date of the conduct is {when.describe()}"
                    + (" (the date the claim was made bounds it)" if t.claimed_on
                       and not t.date else ""),
                )
                if x
            )
        return RowResult(
            t, relevant, note, period_end, conflict, ctype, opponents, basis,
            jurisdiction, attribution, occupation,
        )


def _rank(r: RowResult) -> tuple[int, str]:
    """Earliest relevant date first; a row whose date is known to the day before one that is
    only bounded."""
    iv = r.relevant
    if iv.start is not None:
        return (0, iv.start.isoformat())
    if iv.end is not None:
        return (1, iv.end.isoformat())
    return (2, "")


def evaluate(
    law: Law,
    norm: str,
    relevant_date_kind: str,
    triggers: Iterable[Trigger],
    today: dt.date | None = None,
) -> tuple[dict[tuple[str, str, str], Applicability], list[Exclusion]]:
    """Applicability of every trigger row of one rule; candidates keyed (norm, bearer, territory)."""
    today = today or dt.date.today()
    ev = Evaluator(law, norm, relevant_date_kind)
    ok: dict[tuple[str, str, str], list[RowResult]] = defaultdict(list)
    excluded: dict[tuple[str, str, str], list[Exclusion]] = defaultdict(list)
    for t in triggers:
        try:
            ok[t.key].append(ev.row(t, today))
        except _Excluded as e:
            excluded[t.key].append(Exclusion(t, str(e)))
    out: dict[tuple[str, str, str], Applicability] = {}
    for key, rows in ok.items():
        rows.sort(key=_rank)
        first = rows[0]
        iv = first.relevant
        date = iv.start or iv.end
        ends = [r.period_end for r in rows]
        period_end = None if any(e is None for e in ends) else max(e for e in ends if e)
        out[key] = Applicability(
            relevant_date=_iso(date),
            precision=iv.precision,
            date_note=first.note,
            period_end=_iso(period_end),
            basis=first.basis,
            conflict=first.conflict,
            conflict_type=first.conflict_type,
            opponents=[o.rsplit("/", 1)[-1] for o in first.opponents],
            jurisdiction=first.jurisdiction,
            attribution=first.attribution,
            occupation=first.occupation,
            triggers=sorted({r.trigger.item for r in rows if r.trigger.item}),
            excluded=excluded.get(key, []),
        )
    dropped = [x for k, xs in excluded.items() if k not in out for x in xs]
    return out, dropped


def local_ids(iris: Iterable[str]) -> list[str]:
    return [i[len(MLR):] if i.startswith(MLR) else i for i in iris]
