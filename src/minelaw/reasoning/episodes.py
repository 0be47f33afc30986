"""Episodes of conduct: one candidate per phase of active hostilities.

Implements ``docs/legal-model.md`` 1.6.  A breach by an act not having a continuing character
occurs when the act is performed (ARSIWA art 14(1)): mines laid in 1993 and mines laid in 2020
in the same district are two acts, each with its own relevant date, applicable law and evidence.
Where the conduct of one norm, duty-bearer and territory falls in more than one phase of active
hostilities (``ml:HostilitiesPhase``, or the one phase an ``ml:EndOfActiveHostilities`` closes),
:mod:`.applicability` makes one candidate per episode.  Only conduct with a known first day is
placed; conduct known only by an upper bound (a claim's date) splits nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Protocol, TypeVar

from .lawdata import Interval, Law, Trigger


class Conduct(Protocol):
    """A trigger row that passed applicability (``applicability.RowResult``)."""

    @property
    def trigger(self) -> Trigger: ...
    @property
    def relevant(self) -> Interval: ...
    @property
    def conflict(self) -> str | None: ...


R = TypeVar("R", bound=Conduct)


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


NO_PHASE = "no-phase"


def episode(law: Law, r: Conduct) -> str:
    """The phase of active hostilities over the place in which the conduct lies (its whole
    interval), as an identifier, or :data:`NO_PHASE` (undated, only bounded, or between
    phases).  Separate layings in separate phases are separate acts (ARSIWA art 14(1): a
    completed act occurs when it is performed), so they make separate candidates."""
    t = r.trigger
    place = t.place or t.territory
    hits = sorted(
        (p for p in law.phases.get(r.conflict or "", []) if law.covers(p, place)),
        key=lambda p: (p.start or dt.date.min, p.iri),
    )
    for p in hits:
        if r.relevant.start is not None and r.relevant.within(p.start, p.end):
            return p.iri.rsplit("/", 1)[-1].replace(":", "-")
    return NO_PHASE


def episodes(law: Law, rows: list[R]) -> dict[str, list[R]]:
    """Rows grouped by :func:`episode`.  Only conduct with a known first day is placed; conduct
    known only by an upper bound (a claim's date) could belong to any earlier episode, so it
    splits nothing: it joins the latest episode that began by its bound (else the earliest)."""
    placed: dict[str, list[R]] = defaultdict(list)
    pending = []
    for r in rows:
        if r.relevant.start is None:
            pending.append(r)
        else:
            placed[episode(law, r)].append(r)
    if len(placed) <= 1:
        return {"": rows}
    first = {ep: min(r.relevant.start for r in rs if r.relevant.start) for ep, rs in placed.items()}
    for r in pending:
        bound = r.relevant.end
        before = [ep for ep, d in first.items() if bound is None or d <= bound]
        ep = (
            max(before, key=lambda e: (first[e], e))
            if before
            else min(first, key=lambda e: (first[e], e))
        )
        placed[ep].append(r)
    return dict(placed)


def episode_note(law: Law, ep: str, r: Conduct, n: int) -> str:
    if ep == NO_PHASE:
        what = "the conduct not dated within one recorded phase of active hostilities"
    else:
        phase = next(
            (p for p in law.phases.get(r.conflict or "", []) if p.iri.endswith("/" + ep)), None
        )
        span = (
            f"{_iso(phase.start) or 'an unrecorded date'} to {_iso(phase.end) or 'an open end'}"
            if phase
            else ep
        )
        what = f"the conduct within the phase of active hostilities of {span}"
    return (
        f"this candidate concerns {what}; the same party's conduct in the territory falls in "
        f"{n} episodes, each a separate act and a separate candidate (ARSIWA art 14(1); "
        "docs/legal-model.md 1.6)"
    )
