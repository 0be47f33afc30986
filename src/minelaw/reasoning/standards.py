"""Standard of proof: how strongly the sources support an element, and a finding.

Implements DESIGN.md section 4 ("Standard of proof").  The thresholds are data in
``rules/standards.ttl`` (:func:`load_thresholds`), ordered by :data:`LADDER`.  An
element reaches the highest standard whose conditions its supporting sources meet
(:func:`_standard`); an unknown element reaches ``insufficient``; a finding reaches the
lowest standard of its elements (:func:`_finding_standard`).  Used by
:mod:`minelaw.reasoning.findings`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ..namespaces import MLV, sparql_prefixes
from ..store.oxigraph import SparqlStore, term_value

LADDER = ["insufficient", "reasonable_grounds", "balance_of_probabilities", "clear_and_convincing"]
SOP = MLV + "standard-of-proof-"


@dataclass
class SourceInfo:
    iri: str
    publisher: str
    publisher_label: str
    reliability: str  # A-F
    credibility: str  # 1-6
    rel_rank: int
    cred_rank: int
    url: str
    title: str
    interested_party: str | None

    @property
    def grade(self) -> str:
        return f"{self.reliability}{self.credibility}"


@dataclass(frozen=True)
class Threshold:
    level: str
    min_sources: int
    min_rel: int
    min_cred: int
    interested_ok: bool
    disputed_ok: bool


class Assessed(Protocol):
    """What :func:`_finding_standard` reads of an element's assessment
    (:class:`~minelaw.reasoning.findings.ElementResult`)."""

    status: str  # met | not_met | unknown
    standard: str
    role: str  # "condition" | "requirement"


def load_thresholds(store: SparqlStore) -> list[Threshold]:
    res = store.query(
        sparql_prefixes()
        + """SELECT ?s ?n ?rel ?cred ?int ?dis WHERE {
             ?s skos:inScheme mlv:standard-of-proof ; ml:minIndependentSources ?n ;
                ml:interestedOnlyAllowed ?int ; ml:disputedAllowed ?dis .
             OPTIONAL { ?s ml:minReliability/ml:rank ?rel }
             OPTIONAL { ?s ml:minCredibility/ml:rank ?cred } }"""
    )
    rows = [{k: term_value(v) for k, v in r.items() if v is not None} for r in res.rows]
    out = []
    for r in rows:
        level = r["s"][len(SOP) :]
        out.append(
            Threshold(
                level,
                int(r["n"]),
                int(r.get("rel", 0)),
                int(r.get("cred", 0)),
                r["int"] == "true",
                r["dis"] == "true",
            )
        )
    return sorted(out, key=lambda t: LADDER.index(t.level))


def _standard(
    evidence: Sequence[SourceInfo],
    interested: set[str],
    counters: Sequence[SourceInfo],
    thresholds: Sequence[Threshold],
) -> tuple[str, str]:
    """The highest standard the evidence reaches, and why it does not reach the next."""
    if not evidence:
        return "insufficient", "no evidence"
    interested_only = all(s.iri in interested for s in evidence)
    best = max(evidence, key=lambda s: (s.rel_rank, s.cred_rank))
    disputed = any(c.rel_rank >= best.rel_rank and c.cred_rank >= best.cred_rank for c in counters)
    reached, why = "insufficient", ""
    for t in thresholds:
        publishers = {
            s.publisher or s.iri
            for s in evidence
            if s.rel_rank >= t.min_rel and s.cred_rank >= t.min_cred
        }
        problems = []
        if len(publishers) < t.min_sources:
            problems.append(
                f"{len(publishers)} independent source(s) graded at least the minimum, "
                f"{t.min_sources} needed"
            )
        if interested_only and not t.interested_ok:
            problems.append("all supporting sources speak for a party against the duty-bearer")
        if disputed and not t.disputed_ok:
            problems.append("disputed by a source of equal or better grade")
        if problems:
            why = f"not {t.level.replace('_', ' ')}: " + "; ".join(problems)
            break
        reached = t.level
    return reached, why


def _finding_standard(results: Sequence[Assessed]) -> str | None:
    """The lowest standard over the conditions; requirements count by the best-proven unmet one.

    A norm with "requirement" elements (e.g. the contents a minefield record must have) is
    breached when any requirement is unmet; it stands only if one of them is met (unmet
    requirement) or still unknown.
    """
    conditions = [e.standard for e in results if e.role != "requirement"]
    requirements = [e for e in results if e.role == "requirement"]
    if requirements:
        if all(e.status == "not_met" for e in requirements):
            return None
        met = [e.standard for e in requirements if e.status == "met"]
        conditions.append(max(met, key=LADDER.index) if met else "insufficient")
    return min(conditions, key=LADDER.index, default="insufficient")
