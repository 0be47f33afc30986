"""The law's data for applicability, fetched once per run, and what is known of a date.

Implements the data side of ``docs/legal-model.md`` sections 1-2: treaty participation with
entry into force and withdrawal (VCLT art 28; ECHR art 58), treaties that bind only between
belligerents bound by them (Geneva Conventions common art 2(3); AP I art 96(2); CCW art 7),
armed conflicts with their parties, classifications and phases of active hostilities, control
of territory, recorded bases of attribution (ARSIWA arts 4, 8, 11), organs, the place
hierarchy and each place's sovereign (``ml:locatedIn``).  :class:`Interval` is what is known of
a date: a day, a month, a year, bounds, or an upper bound only -- never a substituted date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from ..namespaces import MLV, sparql_prefixes
from ..store.oxigraph import SparqlStore, term_value

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
    "art8": "ARSIWA art 8; ICJ, Genocide Convention (2007) paras 392-400",
    "own-territory": "Ilaşcu and Others [GC] App no 48787/99 paras 311-312; "
    "Sargsyan [GC] App no 40167/06 paras 139-151",
    "effective-control": "Loizidou (preliminary objections) App no 15318/89 para 62; "
    "Chiragov and Others [GC] App no 13216/05 paras 168-186",
    "without-control": "Ilaşcu and Others [GC] App no 48787/99 paras 330-333; Sargsyan [GC] App "
    "no 40167/06 paras 148-151 (not in a disputed area the state does not fully control)",
    "hostilities": "inter-State case App no 38263/08 (II) [GC] (2021) paras 125-144",
    "jurisdiction-not-attribution": "Catan and Others [GC] App nos 43370/04, 8252/05 and "
    "18454/06, quoted in Chiragov and Others [GC] App no 13216/05 para 168",
    "occupation": "Hague Regulations 1907 arts 42-43; ICJ, Wall (2004) para 89",
}


class NotApplicable(Exception):
    """A trigger row to which the norm does not apply; the message says why."""


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


def _natural(iri: str) -> list[tuple[int, str]]:
    """Sort key: numbers compared as numbers (``art10-2`` before ``art10-10``)."""
    return [(int(x), "") if x.isdigit() else (-1, x) for x in re.split(r"(\d+)", iri)]


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
    instrument_of: dict[str, str] = field(default_factory=dict)  # provision -> instrument

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
    # claim -> the words the claimant used for the actor (ml:actorAsNamed)
    named_as: dict[str, str] = field(default_factory=dict)
    # (state, place) -> the control periods of other actors of a kind that rebuts the state's
    # jurisdiction and that cover the place (any date): filled on demand by control_over()
    _control_over: dict[tuple[str, ...], list[Period]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def label(self, iri: str) -> str:
        return self.labels.get(iri) or iri.rsplit("/", 1)[-1]

    def in_force(self, state: str, treaty: str, when: Interval) -> Period | None:
        for p in self.participations.get((state, treaty), []):
            if when.within(p.start, p.end):
                return p
        return None

    def control_over(self, state: str, place: str, kinds: set[str]) -> list[Period]:
        """The control periods of actors other than ``state`` of one of ``kinds`` covering
        ``place``, whatever their dates (cached per state, place and kinds: applicability asks
        for each trigger row, and rows share places)."""
        key = (state, place, *sorted(kinds))
        got = self._control_over.get(key)
        if got is None:
            got = [
                c
                for c in self.control
                if c.actor != state and c.kind in kinds and self.covers(c, place)
            ]
            self._control_over[key] = got
        return got

    def covers(self, period: Period, place: str) -> bool:
        return not period.places or bool(self.ancestors.get(place, {place}) & period.places)


def _rows(store: SparqlStore, q: str) -> list[dict[str, str]]:
    res = store.query(sparql_prefixes() + q)
    return [{k: term_value(v) for k, v in r.items() if v is not None} for r in res.rows]


def _period(
    r: dict[str, str], kind: str = "", actor: str = "", other: str = "", basis: str = ""
) -> Period:
    return Period(r.get("x", ""), _d(r.get("s")), _d(r.get("e")), set(), kind, actor, other, basis)


def load_law(store: SparqlStore, norms: Iterable[str], places: Iterable[str]) -> Law:
    """Fetch the applicability data: a handful of queries whatever the size of the KB."""
    norm_vals = " ".join(f"<{n}>" for n in sorted(set(norms)))
    info: dict[str, NormInfo] = {}
    if norm_vals:
        for r in _rows(
            store,
            f"""SELECT ?n ?kind ?in ?jur ?prov ?inst ?treaty ?cp WHERE {{
                  VALUES ?n {{ {norm_vals} }}
                  OPTIONAL {{ ?n ml:basisKind ?kind }} OPTIONAL {{ ?n ml:appliesIn ?in }}
                  OPTIONAL {{ ?n ml:requiresJurisdiction ?jur }}
                  OPTIONAL {{ ?n ml:expressedIn ?prov .
                             OPTIONAL {{ ?prov ml:partOfInstrument ?inst .
                               OPTIONAL {{ ?inst a ml:Treaty . BIND(?inst AS ?treaty) }} }} }}
                  OPTIONAL {{ ?n ml:customaryCounterpart ?cp }} }}""",
        ):
            n = info.setdefault(r["n"], NormInfo(r["n"], "custom", set(), False, None, [], [], []))
            if r.get("prov") and r.get("inst"):
                n.instrument_of[r["prov"]] = r["inst"]
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
        # rows come in the engine's order: lists are sorted so that every engine gives the same
        # findings (provisions in their natural order: art 10(2) before art 10(10))
        for n in info.values():
            n.provisions.sort(key=_natural)
            n.counterparts.sort(key=_natural)
            n.counterpart_of.sort(key=_natural)
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
    # a conflict recorded without ml:start began, as far as the record shows, when its
    # earliest classification did (an armed conflict exists once it is classified as one;
    # docs/legal-model.md 1.4): its nexus does not depend on whether the record has ml:start
    for c, period in conflicts.items():
        starts = [p.start for p in classifications.get(c, []) if p.start is not None]
        if period.start is None and starts:
            period.start = min(starts)
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
            if start is None:  # no ml:start: the hostilities began with its first classification
                firsts = [p.start for p in classifications.get(r["c"], []) if p.start]
                start = min(firsts, default=None)
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
        # several recorded bases: the same one on every engine, whatever the row order
        if r.get("b") and (not per.basis or r["b"] < per.basis):
            per.basis = r["b"]
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
    # the direct links, closed here: a path with both ends free is an error on some engines
    # (Virtuoso: "transitive start not given"; docs/team-server.md, difference 21)
    direct: dict[str, set[str]] = defaultdict(set)
    for r in _rows(store, "SELECT DISTINCT ?a ?b WHERE { ?a ml:organOf ?b }"):
        direct[r["a"]].add(r["b"])
    organ_of: dict[str, set[str]] = defaultdict(set)
    for a in list(direct):
        todo = list(direct[a])
        while todo:
            b = todo.pop()
            if b not in organ_of[a]:
                organ_of[a].add(b)
                todo.extend(direct.get(b, ()))
    named_as = {
        r["c"]: r["w"]
        for r in _rows(store, "SELECT ?c ?w WHERE { ?c ml:actorAsNamed ?w } ORDER BY ?c ?w")
    }
    ancestors: dict[str, set[str]] = defaultdict(set)
    sovereign: dict[str, str] = {}
    place_vals = " ".join(f"<{p}>" for p in sorted(set(places)) if p)
    if place_vals:
        for r in _rows(
            store,
            f"""SELECT ?p ?a ?st WHERE {{ VALUES ?p {{ {place_vals} }}
                  ?p ml:within ?a . OPTIONAL {{ ?a ml:locatedIn ?st }} }}""",
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
            f"""SELECT ?x (SAMPLE(?l0) AS ?l) WHERE {{
                 {{ ?x a ml:Treaty }} UNION {{ ?x a ml:Actor }} UNION {{ ?x a ml:ArmedConflict }}
                 UNION {{ ?x a ml:Norm }}
                 # (VALUES in a subquery: as a UNION branch of its own, Virtuoso 7.2 matches
                 # nothing; docs/team-server.md, engine differences)
                 UNION {{ SELECT ?x WHERE {{ VALUES ?x {{ {place_vals} }} }} }}
                 ?x skos:prefLabel|rdfs:label ?l0 .
                 FILTER(LANG(?l0) = "" || LANGMATCHES(LANG(?l0), "en")) }} GROUP BY ?x""",
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
        # earliest first, then by IRI: the store's row order is no order (and differs
        # between SPARQL engines), and the first period that fits gives jurisdiction
        sorted(control.values(), key=lambda c: (c.start or dt.date.min, c.iri)),
        attribution,
        dict(organ_of),
        dict(ancestors),
        sovereign,
        labels,
        named_as,
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
    found: str = ""  # a claim: when the mines were found or struck (an upper bound); an
    # incident-based rule: the date of the evidence
    conflict: str = ""  # the conflict the sources link the conduct to

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.norm, self.duty_bearer, self.territory)

    @cached_property
    def when(self) -> Interval:
        # cached: applicability reads it several times per row (a frozen dataclass keeps an
        # instance __dict__, which functools.cached_property writes to)
        bound = min((d for d in (self.claimed_on, self.found) if d), default="")
        return Interval.of(self.date, self.precision, self.not_before, self.not_after, bound)
