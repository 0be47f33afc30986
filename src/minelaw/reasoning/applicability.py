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
  effective control of an area, and not over active hostilities abroad (inter-State case App
  no 38263/08 (II) [GC]); it is kept apart from attribution of conduct (ARSIWA arts 4 and 8)
  and from belligerent occupation (Hague Regulations art 42).

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

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import jurisdiction as questions
from .episodes import episode_note, episodes
from .lawdata import (
    AUTH,
    OCCUPATION,
    OCCUPATION_TYPE,
    Interval,
    Law,
    NormInfo,
    NotApplicable,
    Period,
    Trigger,
    _d,
    load_law,
)

__all__ = ["Applicability", "Exclusion", "Law", "Trigger", "evaluate", "load_law"]


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
    basis: list[dict[str, Any]]  # the bases relied on
    not_applied: list[dict[str, Any]] = field(default_factory=list)  # treaties that do not apply
    conflict: str | None = None
    conflict_type: str | None = None
    opponents: list[str] = field(default_factory=list)
    jurisdiction: dict[str, str] | None = None
    attribution: dict[str, str] | None = None
    occupation: dict[str, str] | None = None
    triggers: list[str] = field(default_factory=list)
    excluded: list[Exclusion] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # items (incidents) at places outside the duty-bearer's jurisdiction on their own date, with
    # the reason: not evidence of any element of a duty owed to those within its jurisdiction
    outside_jurisdiction: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "relevant_date": {
                "date": self.relevant_date,
                "precision": self.precision,
                "note": self.date_note,
            },
            "period_end": self.period_end,
            "treaties_not_applied": self.not_applied,
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


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


class Evaluator:
    """Applies docs/legal-model.md to trigger rows of one rule (norm) over the law's data."""

    def __init__(self, law: Law, norm: str, relevant_date_kind: str, scope: str = "full") -> None:
        self.law = law
        self.scope = scope
        self.norm = law.norms.get(norm) or NormInfo(norm, "custom", set(), False, None, [], [], [])
        self.kind = relevant_date_kind.rsplit("-", 1)[-1] if relevant_date_kind else "conduct"
        if relevant_date_kind.endswith("end-of-phase"):
            self.kind = "end-of-phase"

    # -- attribution (ARSIWA) ------------------------------------------------------------------
    def conflict(self, t: Trigger, when: Interval) -> tuple[str | None, str | None, str]:
        """The conflict with a nexus to the conduct, its classification type, and a note.

        Norms that apply in peacetime need none (None, None, "").  An occupation norm takes its
        nexus from the recorded occupation itself (Geneva Conventions common art 2(2); AP I art
        3(b): the law applies in occupied territory until the occupation ends).
        """
        law = self.law
        if not self.norm.is_ihl:
            return None, None, ""
        cands = sorted(c for c, ps in law.parties.items() if t.duty_bearer in ps)
        place = t.place or t.territory
        if self.kind == "occupation":
            return (cands[0] if cands else None), OCCUPATION_TYPE, ""
        if not cands:
            raise NotApplicable(
                f"{law.label(t.duty_bearer)} is not a party to any recorded armed conflict: "
                "IHL applies only to conduct with a nexus to one"
            )
        note = ""
        nexus = None
        # the conflict the sources link the conduct to comes first (a party to two conflicts at
        # once: the conduct's nexus is to the one it belongs to, not to the first by name)
        for c in sorted(cands, key=lambda c: c != t.conflict):
            cp = law.conflicts.get(c, Period(c, None, None))
            if cp.start is not None and when.within(cp.start, cp.end):
                nexus = c
                break
        if nexus is None and t.conflict in cands and when.start is None:
            nexus = t.conflict
            note = (
                f"the date of the conduct is not known; its sources link it to {law.label(nexus)}"
            )
        if nexus is None:
            raise NotApplicable(
                f"the conduct (date {when.describe()}) is not shown to fall within an armed "
                f"conflict to which {law.label(t.duty_bearer)} is party: IHL does not govern "
                "conduct outside an armed conflict"
            )

        # the classification must cover the whole interval of the conduct; where only a
        # recorded link to the conflict stands for the nexus (no lower bound), any
        # classification of the conflict overlapping the interval
        def fits(p: Period) -> bool:
            if not law.covers(p, place):
                return False
            return when.within(p.start, p.end) if when.start else when.overlaps(p.start, p.end)

        types = {p.kind for p in law.classifications.get(nexus, []) if fits(p)}
        test = when
        types |= {
            OCCUPATION_TYPE
            for c in law.control
            if c.kind == OCCUPATION and law.covers(c, place) and test.within(c.start, c.end)
        }
        if not types:
            raise NotApplicable(
                f"no classification of {law.label(nexus)} covers the date "
                f"({when.describe()}) and place: the type of conflict decides which rules apply"
            )
        ok = types & self.norm.applies_in
        if not ok:
            names = ", ".join(sorted(x.rsplit("-", 1)[-1] for x in types))
            allowed = ", ".join(sorted(a.rsplit("-", 1)[-1] for a in self.norm.applies_in))
            raise NotApplicable(
                f"the norm applies in {allowed} only; {law.label(nexus)} was classified "
                f"{names} on the date"
            )
        return nexus, sorted(ok)[0], note

    def opponents(self, conflict: str | None, duty_bearer: str) -> list[str]:
        """The states party to the conflict on the other side from the duty-bearer.

        A state is on the duty-bearer's side, not an opponent, when the record links them: one
        controls or occupies territory through the other (``ml:through``), or the conduct of
        one is attributed to the other (``ml:AttributionBasis``). The record has no other
        notion of sides; the classification of a conflict between a state and a non-state
        party fighting alongside another state ("mixed" conflicts, Military and Paramilitary
        Activities (1986) para 219)
        is not decided here (docs/legal-model.md 1.3).
        """
        if conflict is None:
            return []
        law = self.law
        allies = {c.actor for c in law.control if c.other == duty_bearer}
        allies |= {c.other for c in law.control if c.actor == duty_bearer and c.other}
        allies |= {a.other for a in law.attribution if a.actor == duty_bearer}
        allies |= {a.actor for a in law.attribution if a.other == duty_bearer}
        return sorted(
            p
            for p in law.parties.get(conflict, set())
            if p != duty_bearer and p in law.states and p not in allies
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
            raise NotApplicable(
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
                raise NotApplicable(
                    f"{law.label(treaty)} does not apply between {law.label(t.duty_bearer)} and "
                    + ", ".join(
                        law.label(o) for o in opponents if not law.in_force(o, treaty, when)
                    )
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
            return {
                "value": True,
                "reason": "not a treaty of the law of armed conflict that binds only between "
                "belligerents bound by it: it binds the state whatever its opponents' status",
                "parties": [],
            }
        if not between:
            return {
                "value": True,
                "reason": "no opposing state party to the conflict",
                "parties": [],
            }
        return {
            "value": True,
            "reason": "every opposing state party was also bound",
            "parties": between,
        }

    def custom_basis(
        self, t: Trigger, when: Interval, opponents: Sequence[str]
    ) -> list[dict[str, Any]]:
        """A customary norm binds every party to the conflict; the treaties it stands in for
        are listed with the reason they do or do not apply between the parties."""
        law, n = self.law, self.norm
        out: list[dict[str, Any]] = [
            {
                "kind": "custom",
                "instrument": n.instrument_of.get(p, "").rsplit("/", 1)[-1],
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
            if t.duty_bearer not in law.states:
                # only states are parties to these treaties (VCLT art 2(1)(a), (g))
                reason = (
                    f"{law.label(t.duty_bearer)} is not a state and cannot be a party to it "
                    "(VCLT art 2(1)(a), (g)); customary law binds every party to the conflict"
                )
            else:
                parts = []
                if own is None:
                    parts.append(f"not in force for {law.label(t.duty_bearer)} on the date")
                missing = [o for o in opponents if not law.in_force(o, treaty, when)]
                if treaty in law.reciprocal and missing:
                    parts.append(
                        "does not apply between the parties: "
                        + ", ".join(law.label(o) for o in missing)
                        + f" not bound ({AUTH['reciprocity']})"
                    )
                reason = "; ".join(parts) or (
                    "applies between the parties as well (see the treaty finding)"
                )
            out.append(
                {
                    "kind": "treaty",
                    "relied_on": False,
                    "instrument": treaty.rsplit("/", 1)[-1],
                    "provision": tn.rsplit("/", 1)[-1],
                    "in_force_for_duty_bearer_since": _iso(own.start) if own else None,
                    "in_force_until": _iso(own.end) if own else None,
                    "applies_between": {"value": False, "reason": reason, "parties": []},
                }
            )
        return out

    # -- jurisdiction (ECHR art 1) ----------------------------------------------------------------
    def end_of_phase(self, t: Trigger, when: Interval, conflict: str) -> tuple[Interval, str]:
        law = self.law
        place = t.place or t.territory
        if when.end is None:
            raise NotApplicable(
                "the date of the laying is not known, not even bounded: the phase of active "
                "hostilities in which the mines were laid, and so the date the duty arose, "
                "cannot be determined (record ml:notAfter, or the date the claim was made)"
            )
        ends = sorted(
            p.end
            for p in law.phases.get(conflict, [])
            if p.end is not None and law.covers(p, place) and p.end >= when.end
        )
        if not ends:
            raise NotApplicable(
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

    def jurisdiction(self, t: Trigger, when: Interval) -> tuple[dict[str, str], dt.date | None]:
        """ECHR art 1 for the row: the full jurisdiction, or the territorial state's reduced one
        over part of its territory another actor controls (``scope`` "without-control";
        Ilascu [GC] paras 330-333; docs/legal-model.md 2.1)."""
        if self.scope == "without-control":
            return questions.without_control(self.law, t, when)
        return questions.jurisdiction(self.law, t, when)

    def jurisdiction_when(self, t: Trigger) -> Interval | None:
        """The date on which jurisdiction over a row's place is tested (as :meth:`row` does),
        or None when the norm does not turn on jurisdiction."""
        if self.kind == "deadline":
            return Interval.of(t.found or t.date, "day")
        return t.when if self.kind == "incident" else None

    def row(self, t: Trigger, today: dt.date) -> RowResult:
        """Applicability of one trigger row; raises NotApplicable with the reason when it fails."""
        kind = self.kind
        when = t.when
        relevant, period_end, note = when, None, ""
        attribution = jurisdiction = occupation = None
        if kind == "deadline":
            # the duty's date is the treaty deadline (?date); the evidence's date is ?found
            relevant = Interval.of(t.date, "day")
            when = Interval.of(t.found or t.date, "day")
        if kind in ("conduct", "end-of-phase"):
            attribution = questions.attribution(self.law, t, when)
        if kind == "occupation":
            occupation, period_end = questions.occupation(self.law, t, when)
        conflict, ctype, cnote = self.conflict(t, when)
        note = cnote
        opponents = self.opponents(conflict, t.duty_bearer)
        if kind == "end-of-phase":
            assert conflict is not None
            relevant, pnote = self.end_of_phase(t, when, conflict)
            note = "; ".join(x for x in (note, pnote) if x)
            if relevant.end is not None and relevant.end > today:
                raise NotApplicable("the active hostilities over the area have not ended yet")
        elif kind in ("incident", "deadline"):
            jurisdiction, period_end = self.jurisdiction(t, when)
        basis_when = relevant
        if relevant.start is None and relevant.end is not None and kind == "end-of-phase":
            basis_when = Interval(relevant.end, relevant.end, "day")
        basis = (
            self.treaty_basis(t, basis_when, opponents)
            if self.norm.basis_kind == "treaty"
            else self.custom_basis(t, basis_when, opponents)
        )
        for b in basis:
            if b["kind"] == "treaty" and b.get("relied_on", True) and b.get("in_force_until"):
                until = _d(b["in_force_until"])
                if until is not None and (period_end is None or until < period_end):
                    period_end = until
        if kind == "conduct" and when.precision != "day":
            bound = (
                " (bounded by the date the claim was made)" if t.claimed_on and not t.date else ""
            )
            note = "; ".join(
                x for x in (note, f"the date of the conduct is {when.describe()}{bound}") if x
            )
        return RowResult(
            t,
            relevant,
            note,
            period_end,
            conflict,
            ctype,
            opponents,
            basis,
            jurisdiction,
            attribution,
            occupation,
        )


def _rank(r: RowResult) -> tuple[int, str, bool, str]:
    """Earliest relevant date first; a row whose date is known to the day before one that is
    only bounded; among rows of the same date, a claim before recorded conduct, then by item
    (a fixed order: the store's row order is not, and differs between SPARQL engines)."""
    iv = r.relevant
    tie = (not r.trigger.claim, r.trigger.item)
    if iv.start is not None:
        return (0, iv.start.isoformat(), *tie)
    if iv.end is not None:
        return (1, iv.end.isoformat(), *tie)
    return (2, "", *tie)


def evaluate(
    law: Law,
    norm: str,
    relevant_date_kind: str,
    triggers: Iterable[Trigger],
    today: dt.date | None = None,
    scope: str = "full",
) -> tuple[dict[tuple[str, str, str, str], Applicability], list[Exclusion]]:
    """Applicability of every trigger row of one rule, keyed (norm, duty-bearer, territory,
    episode): the episode is "" unless conduct-dated rows of one key fall in different phases
    of active hostilities (:func:`episode`; docs/legal-model.md 1.6)."""
    today = today or dt.date.today()
    ev = Evaluator(law, norm, relevant_date_kind, scope)
    ok: dict[tuple[str, str, str], list[RowResult]] = defaultdict(list)
    excluded: dict[tuple[str, str, str], list[Exclusion]] = defaultdict(list)
    outside: dict[tuple[str, str, str], dict[str, str]] = defaultdict(dict)
    for t in triggers:
        try:
            result = ev.row(t, today)
        except NotApplicable as e:
            excluded[t.key].append(Exclusion(t, str(e)))
            # jurisdiction on the row's own date, whatever else set the row aside: an incident
            # at a place another actor controlled that day is no evidence of the duty (ECHR art
            # 1; Ilascu [GC] paras 311-312; docs/legal-model.md 2.1).  A row that passed had
            # jurisdiction (row() tests it), so only set-aside rows need the test.
            jwhen = ev.jurisdiction_when(t)
            if jwhen is not None and t.item:
                try:
                    ev.jurisdiction(t, jwhen)
                except NotApplicable as j:
                    outside[t.key][t.item] = str(j)
            continue
        ok[t.key].append(result)
    groups: dict[tuple[str, str, str, str], list[RowResult]] = {}
    split_note: dict[tuple[str, str, str, str], str] = {}
    for key, rows in ok.items():
        eps = episodes(law, rows) if ev.kind == "conduct" else {"": rows}
        if len(eps) == 1:
            groups[(*key, "")] = rows
        else:
            for ep, rs in eps.items():
                groups[(*key, ep)] = rs
                split_note[(*key, ep)] = episode_note(law, ep, rs[0], len(eps))
    out: dict[tuple[str, str, str, str], Applicability] = {}
    for gkey, rows in groups.items():
        key = gkey[:3]
        rows.sort(key=_rank)
        first = rows[0]
        iv = first.relevant
        date = iv.start or iv.end
        ends = [r.period_end for r in rows]
        period_end = None if any(e is None for e in ends) else max(e for e in ends if e)
        out[gkey] = Applicability(
            relevant_date=_iso(date),
            precision=iv.precision,
            date_note="; ".join(x for x in (first.note, split_note.get(gkey, "")) if x),
            period_end=_iso(period_end),
            basis=[b for b in first.basis if b.get("relied_on", True)],
            not_applied=[b for b in first.basis if not b.get("relied_on", True)],
            conflict=first.conflict,
            conflict_type=first.conflict_type,
            opponents=[o.rsplit("/", 1)[-1] for o in first.opponents],
            jurisdiction=first.jurisdiction,
            attribution=first.attribution,
            occupation=first.occupation,
            triggers=sorted({r.trigger.item for r in rows if r.trigger.item}),
            excluded=excluded.get(key, []),
            outside_jurisdiction=dict(outside.get(key, {})),
        )
    dropped = [x for k, xs in excluded.items() if k not in ok for x in xs]
    return out, dropped
