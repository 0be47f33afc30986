"""Jurisdiction, attribution and occupation: three separate questions.

Implements ``docs/legal-model.md`` section 2.  The test for ECHR jurisdiction (art 1) "has never
been equated" with the test for a state's responsibility for an internationally wrongful act
(Catan and Others [GC] App nos 43370/04, 8252/05 and 18454/06, quoted in Chiragov and Others
[GC] App no 13216/05 para 168):

- :func:`jurisdiction`: presumed over the state's own recognised territory unless another actor
  controlled the area (Ilascu paras 311-312; Sargsyan paras 139-151); abroad only by effective
  control of an area (Loizidou (preliminary objections) para 62; Chiragov paras 168-186), and
  not over active hostilities there (inter-State case App no 38263/08 (II) [GC] paras 125-144);
- :func:`without_control`: the territorial state's reduced jurisdiction over part of its
  territory another actor controls: it keeps the positive obligations to take the diplomatic,
  economic, judicial or other measures in its power (Ilascu paras 330-333), which a separate
  norm tests (``ECHR-1950-art2-limited``; docs/legal-model.md 2.1);
- :func:`attribution`: conduct of organs is the state's own, for and against it (ARSIWA art 4);
  conduct of others only on a recorded basis (ARSIWA arts 4 (complete dependence), 8, 11; ICJ
  Genocide Convention (2007) paras 392-400), never inferred from control of territory;
- :func:`occupation`: territory actually placed under the authority of the hostile army (Hague
  Regulations art 42), recorded as a control period of kind belligerent occupation.

Each returns the answer as ``{"basis", "text", "authority"}`` (and the record it rests on), or
raises :class:`NotApplicable` with the reason.
"""

from __future__ import annotations

import datetime as dt

from .lawdata import (
    AUTH,
    EXTRATERRITORIAL,
    LOSS_OF_CONTROL,
    OCCUPATION,
    Interval,
    Law,
    NotApplicable,
    Period,
    Trigger,
)


def attribution(law: Law, t: Trigger, when: Interval) -> dict[str, str]:
    db = t.duty_bearer
    # a claim attributes the conduct as the claimant says only when it names the state or one of
    # its organs; a claim against another actor needs a recorded basis like any other conduct
    if t.claim and (not t.agent or t.agent == db or db in law.organ_of.get(t.agent, set())):
        named = law.named_as.get(t.item, "")
        text = f"attributed to {law.label(db)} by the claim that it laid the mines" + (
            f" (the claimant's words for the actor: '{named}')" if named else ""
        )
        text += "; the attribution is as strong as the claim"
        linked = linked_parties(law, db)
        if linked:
            who = " and ".join(law.label(x) for x in linked)
            text += (
                f". {who} is also a party to the conflict and linked to {law.label(db)} in the "
                "record (one exercised control through the other, or the conduct of one is "
                "attributed to the other): the claim does not settle which of them laid the "
                f"mines, and control of territory does not attribute conduct ({AUTH['organ']}; "
                f"{AUTH['art8']})"
            )
        return {"basis": "alleged", "text": text, "authority": ""}
    if not t.agent or t.agent == db:
        return {"basis": "own-conduct", "text": f"the conduct of {law.label(db)}", "authority": ""}
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
    raise NotApplicable(
        f"the conduct of {law.label(t.agent)} is not attributed to {law.label(db)}: it is "
        "not its organ and no attribution basis (ARSIWA art 8) is recorded for the date; "
        "control of territory does not attribute conduct"
    )


def linked_parties(law: Law, db: str) -> list[str]:
    """Other parties to a conflict of ``db`` that the record links to it: control exercised
    through one by the other, or conduct of one attributed to the other."""
    linked = {c.other for c in law.control if c.actor == db and c.other}
    linked |= {c.actor for c in law.control if c.other == db}
    linked |= {a.other for a in law.attribution if a.actor == db}
    linked |= {a.actor for a in law.attribution if a.other == db}
    return sorted(
        x
        for x in linked
        if x and x != db and any(db in ps and x in ps for ps in law.parties.values())
    )


# -- armed conflict (IHL) --------------------------------------------------------------------


def jurisdiction(law: Law, t: Trigger, when: Interval) -> tuple[dict[str, str], dt.date | None]:
    st = t.duty_bearer
    place = t.place or t.territory
    anc = law.ancestors.get(place, {place})
    if law.sovereign.get(place) == st:
        lost = _lost(law, st, place, when)
        if lost:
            c = lost[0]
            raise NotApplicable(
                f"{law.label(place)} lies in {law.label(st)}'s territory, but "
                f"{law.label(c.actor)} controlled it on the date; the presumption of "
                f"jurisdiction is rebutted ({AUTH['own-territory']})"
            )
        nxt = [
            c.start
            for c in law.control_over(st, place, LOSS_OF_CONTROL)
            if c.start is not None and when.end is not None and c.start > when.end
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
        own_kind = c.kind.endswith(("territorial-control", "territorial-jurisdiction"))
        if c.kind and c.kind not in EXTRATERRITORIAL and not own_kind:
            continue  # e.g. a peacekeeping presence: not jurisdiction
        if law.sovereign.get(place) not in (None, st):
            # abroad: no jurisdiction over active hostilities
            for ps in law.phases.values():
                for ph in ps:
                    if law.covers(ph, place) and when.overlaps(ph.start, ph.end):
                        raise NotApplicable(
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
    raise NotApplicable(
        f"{law.label(place)} is neither within {law.label(st)}'s recognised territory nor "
        "recorded as under its control on the date: no ECHR jurisdiction (art 1)"
    )


def _lost(law: Law, st: str, place: str, when: Interval) -> list[Period]:
    """Control periods of another actor over ``place`` (in ``st``'s territory) that rebut the
    presumption of ``st``'s jurisdiction on ``when`` (Ilascu paras 311-312)."""
    return [
        c for c in law.control_over(st, place, LOSS_OF_CONTROL) if when.overlaps(c.start, c.end)
    ]


def without_control(law: Law, t: Trigger, when: Interval) -> tuple[dict[str, str], dt.date | None]:
    """The territorial state's reduced jurisdiction (ECHR art 1) over part of its territory that
    another actor controlled on the date: exactly where :func:`jurisdiction` finds the
    presumption rebutted.  The state "does not thereby cease to have jurisdiction" there, but
    its undertaking is reduced to the positive obligations to take the diplomatic, economic,
    judicial or other measures in its power and in accordance with international law to secure
    the Convention rights (Ilascu [GC] paras 330-333).  The limitation does not extend to a
    disputed area the state does not fully control: there its jurisdiction is full (Sargsyan
    [GC] paras 148-151), which is why only a recorded control period of another actor opens
    it.  The period ends with that control."""
    st = t.duty_bearer
    place = t.place or t.territory
    if law.sovereign.get(place) != st:
        raise NotApplicable(
            f"{law.label(place)} is not within {law.label(st)}'s recognised territory: the "
            "reduced jurisdiction of a territorial state that has lost control does not arise"
        )
    lost = _lost(law, st, place, when)
    if not lost:
        raise NotApplicable(
            f"{law.label(place)} lies within {law.label(st)}'s territory and no other actor is "
            "recorded as controlling it on the date: jurisdiction is presumed in full there "
            "(the full duty applies, not the reduced one)"
        )
    c = sorted(lost, key=lambda c: (c.start or dt.date.min, c.iri))[0]
    via = f" through {law.label(c.other)}" if c.other else ""
    kind = c.kind.rsplit("control-kind-", 1)[-1].replace("-", " ")
    ends = [x.end for x in lost]
    end = None if any(e is None for e in ends) else max(e for e in ends if e)
    return (
        {
            "basis": "territory-without-control",
            "text": f"{law.label(place)} lies within {law.label(st)}'s internationally "
            f"recognised territory, but {law.label(c.actor)} exercised {kind} over it{via} "
            f"on the date: {law.label(st)} keeps a reduced jurisdiction there, limited to the "
            "positive obligations to take the diplomatic, economic, judicial or other measures "
            "in its power to secure the rights of the people there",
            "authority": AUTH["without-control"],
            "record": c.iri,
        },
        end,
    )


def occupation(law: Law, t: Trigger, when: Interval) -> tuple[dict[str, str], dt.date | None]:
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
    raise NotApplicable(
        f"{law.label(place)} is not recorded as occupied by {law.label(t.duty_bearer)} on the date"
    )


# -- relevant date -----------------------------------------------------------------------------
