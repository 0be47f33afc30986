"""Standard of proof: the level an element's evidence reaches, a finding's level, and where the
evidence stands against the standards of the forums that could hear the matter.

Implements DESIGN.md section 4 and ``docs/legal-model.md`` section 3 (issue 15).  The ladder
(:data:`LADDER`) and its thresholds are data in ``rules/standards.ttl``
(:func:`load_thresholds`):

- an element reaches the highest level whose conditions its testimonies meet
  (:func:`reach`): enough *independent origins* (independent bodies, and admissions against
  interest) carried by sources graded at least the minimum; not only interested origins;
  not disputed by independent evidence of equal or better grade where the level forbids it.
  A party's own denial (self-serving) blocks no level; an interested accusation never counts
  as an independent origin, however often it is repeated;
- a court's finding of fact (``ml:foundBy``), carried by its judgment at the grade the data
  requires, reaches the level ``rules/standards.ttl`` gives it (``ml:courtFindingReaches``):
  it is the court's own weighing of the evidence, to its own standard;
- indications (``ml:indicationPattern``: a casualty shows that a risk materialised, not which
  precaution was omitted) reach at most the element rule's ``ml:indicationMax``;
- the element's status says what the evidence shows (:func:`status`): *established* at a
  level, *contested*, *alleged* (supported only below every level), *unknown*, *not met*;
- a finding reaches the lowest level of its conditions (:func:`finding_standard`).

:func:`forum_standards` reports, for each forum standard recorded in ``rules/standards.ttl``
(ECtHR, ICJ, ICC, UN commissions of inquiry), whether the finding's level meets it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..namespaces import MLV, sparql_prefixes
from ..store.oxigraph import SparqlStore, term_value
from .evidence import ADMISSION, INDEPENDENT, SELF_SERVING, SourceInfo, Testimony

__all__ = [
    "LADDER",
    "SUPPORTED",
    "SourceInfo",
    "Threshold",
    "finding_standard",
    "forum_standards",
    "load_thresholds",
    "reach",
    "status",
]

LADDER = ["insufficient", "reasonable_grounds", "balance_of_probabilities", "clear_and_convincing"]
SOP = MLV + "standard-of-proof-"
#: element statuses for which there is evidence in support
SUPPORTED = ("established", "contested", "alleged")


@dataclass(frozen=True)
class Threshold:
    level: str
    min_sources: int
    min_rel: int
    min_cred: int
    interested_ok: bool
    disputed_ok: bool


@dataclass(frozen=True)
class Thresholds:
    """The ladder, and what a court's own finding of fact reaches."""

    levels: tuple[Threshold, ...]
    court_level: str = "insufficient"  # what a court's finding of fact reaches by default
    court_min_rel: int = 6
    court_min_cred: int = 6
    court_levels: tuple[tuple[str, str], ...] = ()  # (court, level) where the court's own
    # standard of proof is recorded (ml:findingsReach)

    def level_of(self, court: str) -> str:
        return dict(self.court_levels).get(court, self.court_level)

    def __iter__(self) -> Any:
        return iter(self.levels)

    def __len__(self) -> int:
        return len(self.levels)


class Assessed(Protocol):
    """What :func:`finding_standard` reads of an element's assessment
    (:class:`~minelaw.reasoning.findings.ElementResult`)."""

    status: str
    standard: str
    role: str  # "condition" | "requirement"


def _rows(store: SparqlStore, q: str) -> list[dict[str, str]]:
    res = store.query(sparql_prefixes() + q)
    return [{k: term_value(v) for k, v in r.items() if v is not None} for r in res.rows]


def load_thresholds(store: SparqlStore) -> Thresholds:
    rows = _rows(
        store,
        """SELECT ?s ?n ?rel ?cred ?int ?dis WHERE {
             ?s skos:inScheme mlv:standard-of-proof ; ml:minIndependentSources ?n ;
                ml:interestedOnlyAllowed ?int ; ml:disputedAllowed ?dis .
             OPTIONAL { ?s ml:minReliability/ml:rank ?rel }
             OPTIONAL { ?s ml:minCredibility/ml:rank ?cred } }""",
    )
    levels = sorted(
        (
            Threshold(
                r["s"][len(SOP) :],
                int(r["n"]),
                int(r.get("rel", 0)),
                int(r.get("cred", 0)),
                r["int"] == "true",
                r["dis"] == "true",
            )
            for r in rows
        ),
        key=lambda t: LADDER.index(t.level),
    )
    court = _rows(
        store,
        """SELECT ?level ?rel ?cred WHERE { ?x ml:courtFindingReaches ?level .
             OPTIONAL { ?x ml:minReliability/ml:rank ?rel }
             OPTIONAL { ?x ml:minCredibility/ml:rank ?cred } } LIMIT 1""",
    )
    per_court = tuple(
        sorted(
            (r["c"], r["level"][len(SOP) :])
            for r in _rows(store, "SELECT ?c ?level WHERE { ?c ml:findingsReach ?level }")
        )
    )
    if court:
        c = court[0]
        return Thresholds(
            tuple(levels),
            c["level"][len(SOP) :],
            int(c.get("rel", 6)),
            int(c.get("cred", 6)),
            per_court,
        )
    return Thresholds(tuple(levels), court_levels=per_court)


def _disputed(best: Testimony, counters: Sequence[Testimony]) -> bool:
    return any(
        c.kind != SELF_SERVING and c.rel_rank >= best.rel_rank and c.cred_rank >= best.cred_rank
        for c in counters
    )


def reach(
    support: Sequence[Testimony],
    counters: Sequence[Testimony],
    thresholds: Thresholds | Sequence[Threshold],
) -> tuple[str, str]:
    """The highest level the testimonies reach, and why they do not reach the next."""
    if not support:
        return "insufficient", "no evidence"
    counted = [t for t in support if t.kind in (INDEPENDENT, ADMISSION)]
    best = max(support, key=lambda t: (t.rel_rank, t.cred_rank))
    disputed = _disputed(best, counters)
    reached, why = "insufficient", ""
    for t in thresholds:
        origins = {
            x.origin for x in counted if x.rel_rank >= t.min_rel and x.cred_rank >= t.min_cred
        }
        problems = []
        if len(origins) < t.min_sources:
            problems.append(
                f"{len(origins)} independent origin(s) carried by a source graded at least the "
                f"minimum, {t.min_sources} needed"
            )
        if not counted and not t.interested_ok:
            problems.append(
                "every supporting statement comes from an origin that speaks for another party "
                "(interested): it counts as no independent source"
            )
        if disputed and not t.disputed_ok:
            problems.append("disputed by independent evidence of equal or better grade")
        if problems:
            why = f"not {t.level.replace('_', ' ')}: " + "; ".join(problems)
            break
        reached = t.level
    if isinstance(thresholds, Thresholds):
        courts = [
            x
            for x in support
            if x.court
            and x.rel_rank >= thresholds.court_min_rel
            and x.cred_rank >= thresholds.court_min_cred
            and not _disputed(x, counters)
        ]
        for x in courts:
            level = thresholds.level_of(x.court)
            if LADDER.index(level) > LADDER.index(reached):
                reached = level
                why = (
                    f"a court's own finding of fact, to its own standard of proof, reaches "
                    f"{level.replace('_', ' ')} (rules/standards.ttl)"
                )
    return reached, why


def status(standard: str, support: bool, counters: Sequence[Testimony]) -> str:
    """What the evidence shows of an element: established (at ``standard``), contested
    (weighty counter-evidence too), alleged (support below every level), not met, unknown."""
    weighty = [c for c in counters if c.kind != SELF_SERVING]
    if not support:
        return "not_met" if weighty else "unknown"
    if weighty:
        return "contested"
    return "established" if standard != "insufficient" else "alleged"


def finding_standard(results: Sequence[Assessed]) -> str | None:
    """The lowest level over the conditions; requirements count by the best-proven unmet one.

    A norm with "requirement" elements (e.g. the contents a minefield record must have) is
    breached when any requirement is unmet; it stands only if one of them is supported (unmet
    requirement) or still unknown.
    """
    conditions = [e.standard for e in results if e.role != "requirement"]
    requirements = [e for e in results if e.role == "requirement"]
    if requirements:
        if all(e.status == "not_met" for e in requirements):
            return None
        met = [e.standard for e in requirements if e.status in SUPPORTED]
        conditions.append(max(met, key=LADDER.index) if met else "insufficient")
    return min(conditions, key=LADDER.index, default="insufficient")


def forum_standards(store: SparqlStore) -> list[dict[str, str]]:
    """The forum standards recorded in rules/standards.ttl: forum, standard, the ladder level
    minelaw takes as its nearest measure, the authority and a note."""
    rows = _rows(
        store,
        """SELECT ?x ?forum ?label ?level ?auth ?note WHERE {
             ?x a ml:ForumStandard ; ml:forumName ?forum ; rdfs:label ?label ;
                ml:nearestLevel ?level .
             OPTIONAL { ?x ml:authorityText ?auth } OPTIONAL { ?x skos:scopeNote ?note } }
           ORDER BY ?forum ?label""",
    )
    return [
        {
            "id": r["x"].rsplit("/", 1)[-1],
            "forum": r["forum"],
            "standard": r["label"],
            "level": r["level"][len(SOP) :],
            "authority": r.get("auth", ""),
            "note": r.get("note", ""),
        }
        for r in rows
    ]


def against_forums(standard: str, forums: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
    """Where a finding at ``standard`` stands against each forum standard."""
    return [
        {
            **f,
            "reached": LADDER.index(standard) >= LADDER.index(f["level"]),
        }
        for f in forums
    ]
