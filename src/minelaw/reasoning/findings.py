"""Findings: candidate breaches with element-by-element analysis and standard of proof.

Implements DESIGN.md sections 3 ("Findings"), 4 ("Standard of proof") and 5
(the JSON contract of ``minelaw findings``).  A finding is a *candidate* breach
for research, never a legal determination (DEVELOPERS.md principle 1).

Pipeline: :mod:`minelaw.reasoning.rules` selects candidates and the items (events, claims)
behind each element; this module fetches their sources and grades once, then
analyses every candidate in Python, so that what-if runs (``exclude``) and the
sensitivity analysis re-use the same data without touching the store again.

The weighing of the evidence (origins, carriers, interest, admissions) is
:mod:`minelaw.reasoning.evidence`; the standard of proof of each element and finding, and the
forum standards, :mod:`minelaw.reasoning.standards`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..namespaces import MLR
from ..store.oxigraph import SparqlStore
from .applicability import Exclusion
from .evidence import (
    ItemInfo,
    SourceInfo,
    Testimony,
    _q,
    _values,
    batches,
    disputed_by,
    fetch_items,
    fetch_sources,
    interests,
    local,
    origins_of,
    testimonies,
)
from .rulecache import open_cache
from .rules import (
    Candidate,
    ElementRule,
    Rule,
    applicable,
    element_items_all,
    load_rules,
    run_triggers,
)
from .standards import (
    LADDER,
    SUPPORTED,
    Thresholds,
    against_forums,
    finding_standard,
    forum_standards,
    load_thresholds,
    reach,
    status,
)


# --- analysis ------------------------------------------------------------------------
@dataclass
class ElementResult:
    element: str
    label: str
    order: int
    status: str  # established | contested | alleged | unknown | not_met
    standard: str
    support: list[str]  # items that prove or indicate the element
    counter: list[str]
    evidence: list[str]  # source IRIs behind the support
    counter_evidence: list[str]
    reason: str
    gap: str
    role: str = "condition"  # "requirement": supported means the requirement was NOT fulfilled
    context: list[str] = field(default_factory=list)  # items outside the evidence window
    indications: list[str] = field(default_factory=list)  # support items that only indicate
    testimony: list[Testimony] = field(default_factory=list)  # the support, by origin
    counter_testimony: list[Testimony] = field(default_factory=list)

    @property
    def supported(self) -> bool:
        return self.status in SUPPORTED


@dataclass
class Finding:
    id: str
    candidate: Candidate
    rule: Rule
    elements: list[ElementResult]
    standard: str
    basis: list[dict[str, Any]]
    labels: dict[str, str]
    sources: dict[str, SourceInfo]
    items: dict[str, ItemInfo]
    contested_by: list[str]
    explanation: str = ""
    forums: list[dict[str, Any]] = field(default_factory=list)

    @property
    def evidence(self) -> list[str]:
        return sorted({s for e in self.elements for s in e.evidence})

    def to_json(self) -> dict[str, Any]:
        """The DESIGN.md section 5 JSON contract (plus a few extra keys)."""
        c, lab = self.candidate, self.labels
        app = c.applicability.to_json() if c.applicability else {}
        return {
            "id": self.id,
            "norm": {"id": local(c.norm), "label": lab.get(c.norm, local(c.norm))},
            "legal_basis": self.basis,
            "duty_bearer": {"id": local(c.duty_bearer), "label": lab.get(c.duty_bearer, "")},
            "territory": {"id": local(c.territory), "label": lab.get(c.territory, "")},
            # a date known only as an upper bound (a claim's date) does not start the period
            # (docs/legal-model.md 1.5): its start is then unknown
            "period": {"start": c.date if _starts(c) else None, "end": app.get("period_end")},
            "relevant_date": app.get("relevant_date", {"date": c.date or None}),
            "applicability": {
                k: app.get(k)
                for k in (
                    "conflict",
                    "conflict_type",
                    "opponents",
                    "treaties_not_applied",
                    "jurisdiction",
                    "attribution",
                    "occupation",
                )
            },
            "elements": [
                {
                    "id": local(e.element),
                    "label": e.label,
                    "status": e.status,
                    "role": e.role,
                    "standard_of_proof": e.standard,
                    "evidence": [local(s) for s in e.evidence],
                    "support": [local(i) for i in e.support],
                    "counter_evidence": [local(i) for i in e.counter],
                    "context": [local(i) for i in e.context],
                    "indications": [local(i) for i in e.indications],
                    "origins": [
                        {
                            "origin": local(t.origin),
                            "kind": t.kind,
                            "grade": t.grade,
                            "carriers": [local(c) for c in t.carriers],
                        }
                        for t in e.testimony
                    ],
                    "counter_origins": [
                        {"origin": local(t.origin), "kind": t.kind, "grade": t.grade}
                        for t in e.counter_testimony
                    ],
                    "reason": e.reason,
                    "gap": e.gap,
                }
                for e in self.elements
            ],
            "evidence": [
                {
                    "id": local(s),
                    "publisher": self.sources[s].publisher_label,
                    "grade": self.sources[s].grade,
                    "url": self.sources[s].url,
                }
                for s in self.evidence
            ],
            "contested_by": [
                {
                    "claim": local(cl),
                    "claimant": local(self.items[cl].claimant or "") if cl in self.items else "",
                }
                for cl in self.contested_by
            ],
            "standard_of_proof": self.standard,
            "forum_standards": [
                {
                    k: v
                    for k, v in fs.items()
                    if k in ("id", "forum", "standard", "level", "reached")
                }
                for fs in self.forums
            ],
            "explanation": self.explanation,
        }


@dataclass
class Context:
    """Everything fetched from the store for one run; analysis is then pure Python."""

    rules: list[Rule]
    candidates: list[Candidate]
    element_items: dict[str, dict[tuple[str, str, str, str], dict[str, set[str]]]]
    items: dict[str, ItemInfo]
    sources: dict[str, SourceInfo]
    thresholds: Thresholds
    labels: dict[str, str]
    element_meta: dict[str, tuple[str, int, str]]
    exclusions: list[Exclusion] = field(default_factory=list)
    party_of: dict[str, set[str]] = field(default_factory=dict)  # origin -> parties
    forums: list[dict[str, str]] = field(default_factory=list)
    cache_stats: dict[str, int] = field(default_factory=dict)  # rules cache: reused / run


def collect(
    store: SparqlStore,
    rules: Sequence[Rule] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Context:
    """Run the rules on the store and fetch everything the analysis needs.

    ``progress(name, i, n)`` is called before each of the ``n`` steps (a rule's
    candidate query, then its element queries), for a progress bar.  The rules' query
    results are kept beside a cached store and reused where its new triples cannot change
    them (:mod:`.rulecache`; ``Context.cache_stats`` counts what was reused).
    """
    rules = list(rules) if rules is not None else load_rules()
    cache = open_cache(store)

    def triggers_progress(norm: str, i: int, n: int) -> None:
        if progress:
            progress(norm, i * len(rules) // max(n, 1), 2 * len(rules))

    triggers = run_triggers(store, rules, cache, triggers_progress)
    cands, exclusions, _law = applicable(store, rules, triggers)
    by_rule = {r.norm: [c for c in cands if c.norm == r.norm] for r in rules}

    def elements_progress(name: str, i: int, n: int) -> None:
        if progress:
            progress(name, len(rules) + i * len(rules) // max(n, 1), 2 * len(rules))

    ei = element_items_all(store, rules, by_rule, elements_progress, cache)
    cache.save()
    item_iris = {i for per in ei.values() for d in per.values() for s in d.values() for i in s}
    disputes = disputed_by(store)
    items = fetch_items(store, item_iris, disputes)
    extra = {o for it in items.values() for o in it.disputed_by} - set(items)
    items.update(fetch_items(store, extra, disputes))
    sources = fetch_sources(store, {s for it in items.values() for s in it.sources})
    # the republished originals, so that a republication counts with its original
    originals = {s.republication_of for s in sources.values() if s.republication_of}
    sources.update(fetch_sources(store, originals - set(sources)))
    origins = {
        o
        for it in items.values()
        for given, sid in it.testimony
        if (src := sources.get(sid)) is not None
        for o in origins_of(src, given, sources, it.claimants if it.is_claim else set())
    }
    labels = _labels(store, cands, items)
    meta = _element_meta(store, rules)
    labels.update({e: m[0] for e, m in meta.items()})
    return Context(
        rules,
        cands,
        ei,
        items,
        sources,
        load_thresholds(store),
        labels,
        meta,
        exclusions,
        interests(store, origins),
        forum_standards(store),
        dict(cache.stats),
    )


def _labels(
    store: SparqlStore, cands: Sequence[Candidate], items: dict[str, ItemInfo]
) -> dict[str, str]:
    iris = {c.norm for c in cands} | {c.duty_bearer for c in cands} | {c.territory for c in cands}
    iris |= {it.claimant for it in items.values() if it.claimant}
    if not iris:
        return {}
    out: dict[str, str] = {}
    for batch in batches(iris):
        for r in _q(
            store,
            f"""SELECT ?x ?l WHERE {{ VALUES ?x {{ {_values(batch)} }}
                  {{ ?x skos:prefLabel ?l }} UNION {{ ?x rdfs:label ?l }}
                  FILTER(LANG(?l) = "" || LANGMATCHES(LANG(?l), "en")) }} ORDER BY ?x ?l""",
        ):
            out.setdefault(r["x"], r["l"])
    return out


def _element_meta(store: SparqlStore, rules: Sequence[Rule]) -> dict[str, tuple[str, int, str]]:
    els = {e.element for r in rules for e in r.elements}
    if not els:
        return {}
    out = {}
    for r in _q(
        store,
        f"""SELECT ?e ?l ?o ?role WHERE {{ VALUES ?e {{ {_values(els)} }}
              OPTIONAL {{ ?e rdfs:label ?l }} OPTIONAL {{ ?e ml:order ?o }}
              OPTIONAL {{ ?e ml:elementRole/skos:notation ?role }} }}""",
    ):
        out[r["e"]] = (r.get("l", local(r["e"])), int(r.get("o", 0)), r.get("role", "condition"))
    return out


def _starts(c: Candidate) -> bool:
    """Whether the candidate's relevant date is a first day (not only an upper bound)."""
    app = c.applicability
    return bool(c.date) and (app is None or app.precision not in ("not-after", "unknown"))


def analyse(
    ctx: Context,
    cand: Candidate,
    rule: Rule,
    exclude_sources: set[str] = frozenset(),  # type: ignore[assignment]
    exclude_claims: set[str] = frozenset(),  # type: ignore[assignment]
) -> Finding | None:
    """Element-by-element analysis of one candidate; None when it does not stand."""
    results: list[ElementResult] = []
    contested: set[str] = set()
    used_sources: dict[str, SourceInfo] = {}
    app = cand.applicability

    def usable(item: str) -> bool:
        it = ctx.items.get(item)
        if it is None or item in exclude_claims:
            return False
        return bool(it.sources - exclude_sources)

    end = app.period_end if app else None

    def in_window(item: str, er: ElementRule, counter: bool = False) -> bool:
        """Inside the finding's period, as the element rule's evidence window says
        (docs/legal-model.md 1.6); undated items are kept."""
        d = ctx.items[item].date[:10]
        if not d or er.window == "any":
            return True
        if end and d > end:
            return False
        # a relevant date known only as an upper bound sets no lower limit: the conduct, and
        # so the period, may have begun on any earlier day (docs/legal-model.md 1.5)
        return counter or er.window != "period" or not _starts(cand) or d >= cand.date

    def weigh(items: Sequence[str], against: bool = True) -> list[Testimony]:
        return testimonies(
            items,
            ctx.items,
            ctx.sources,
            ctx.party_of,
            cand.duty_bearer,
            exclude_sources,
            against_duty_bearer=against,
        )

    for er in rule.elements:
        found = ctx.element_items[rule.norm].get(
            (*cand.items_key, er.element),
            {"support": set(), "refute": set(), "indicate": set()},
        )
        proof_all = sorted(i for i in found["support"] if usable(i))
        ind_all = sorted(
            i for i in found.get("indicate", set()) if usable(i) and i not in proof_all
        )
        proof = [i for i in proof_all if in_window(i, er)]
        if er.from_triggers and app is not None:
            # the conduct this finding is about: the trigger rows that passed applicability
            # (the same actor's layings at other times are context, not support)
            own = set(app.triggers)
            proof = [i for i in proof if i in own]
        indications = [i for i in ind_all if in_window(i, er)]
        # incidents at places outside the duty-bearer's jurisdiction on their own date support no
        # element about the people within its jurisdiction or what it did there (ECHR art 1;
        # ml:withinJurisdictionOnly): context, not evidence
        outside = app.outside_jurisdiction if app is not None and er.within_jurisdiction else {}
        moved = sorted(i for i in set(proof) | set(indications) if i in outside)
        proof = [i for i in proof if i not in outside]
        indications = [i for i in indications if i not in outside]
        support = sorted(set(proof) | set(indications))
        context = [i for i in proof_all + ind_all if i not in support]
        counter_items = {i for i in found["refute"] if usable(i) and in_window(i, er, True)}
        for i in support:
            # a claim that disputes the support but itself accuses the duty-bearer (the two
            # sides contradicting each other on another point) is no evidence in its favour
            counter_items |= {
                d
                for d in ctx.items[i].disputed_by
                if usable(d) and cand.duty_bearer not in ctx.items[d].against
            }
        counter = sorted(counter_items)
        contested |= {c for c in counter if ctx.items[c].is_claim}
        ev = sorted({s for i in support for s in ctx.items[i].sources - exclude_sources})
        cev = sorted({s for i in counter for s in ctx.items[i].sources - exclude_sources})
        if er.trigger and not support:
            return None
        t_proof, t_ind = weigh(proof), weigh(indications)
        t_counter = weigh(counter, against=False)
        presumed = (
            er.presumed_by_jurisdiction
            and app is not None
            and (app.jurisdiction or {}).get("basis") == "own-territory"
        )
        std, why = reach(t_proof, t_counter, ctx.thresholds)
        if t_ind:
            ind_std, ind_why = reach(t_ind, t_counter, ctx.thresholds)
            capped = LADDER.index(ind_std) > LADDER.index(er.indication_max)
            if capped:
                ind_std = er.indication_max
                ind_why = (
                    f"indications reach at most {er.indication_max.replace('_', ' ')}: "
                    f"{er.indication_note}"
                )
            if LADDER.index(ind_std) > LADDER.index(std) or not t_proof:
                std, why = ind_std, ind_why
            if not t_proof and not capped:
                # the reader must learn that nothing but indications supports the element,
                # and their ceiling, even when the origins kept them below it
                why += (
                    f"; the support is indications only, which reach at most "
                    f"{er.indication_max.replace('_', ' ')}"
                    + (f": {er.indication_note}" if er.indication_note else "")
                )
        if er.max_standard and LADDER.index(std) > LADDER.index(er.max_standard):
            std, why = (
                er.max_standard,
                f"capped at {er.max_standard.replace('_', ' ')}: {er.cap_note}",
            )
        state = status(std, bool(support), t_counter)
        if presumed and not support and state in ("unknown", "alleged"):
            state = "established"
            j = (app.jurisdiction or {}) if app else {}
            std, why = (
                LADDER[-1],
                f"presumed in law: {j.get('text', '')} ({j.get('authority', '')})",
            )
        elif state == "unknown":
            std, why = "insufficient", "no evidence either way in the knowledge base"
            if t_counter:
                why = (
                    "only the duty-bearer's own denial, which is interested: no evidence either way"
                )
        if moved:
            n = len(moved)
            # under the reduced jurisdiction of a state without control (Ilascu [GC] paras
            # 330-333) the incidents set aside are those under its full jurisdiction
            where = (
                "under the state's full jurisdiction"
                if app is not None
                and (app.jurisdiction or {}).get("basis") == "territory-without-control"
                else "outside its jurisdiction"
            )
            why += (
                f"; {n} incidents at places {where} on their dates not counted"
                if n > 1
                else f"; 1 incident at a place {where} on its date not counted"
            ) + " (conduct not relied on)"
        label, order, role = ctx.element_meta.get(er.element, (local(er.element), 0, "condition"))
        if state == "not_met" and role != "requirement":
            return None  # a condition of the breach is shown not to hold
        used_sources.update({s: ctx.sources[s] for s in ev + cev if s in ctx.sources})
        results.append(
            ElementResult(
                er.element,
                label,
                order,
                state,
                std,
                support,
                counter,
                ev,
                cev,
                why,
                er.gap,
                role,
                context,
                indications,
                t_proof + t_ind,
                t_counter,
            )
        )
    results.sort(key=lambda e: (e.order, e.element))
    standard = finding_standard(results)
    if standard is None:
        return None
    fid = f"{local(cand.norm)}--{local(cand.duty_bearer)}--{local(cand.territory)}"
    if cand.episode:
        fid += f"--{cand.episode}"
    f = Finding(
        fid,
        cand,
        rule,
        results,
        standard,
        app.basis if app else [],
        ctx.labels,
        used_sources,
        ctx.items,
        sorted(contested),
        forums=against_forums(standard, ctx.forums),
    )
    f.explanation = explain(f)
    return f


def explain(f: Finding) -> str:
    """A plain-language explanation naming the norm, duty-bearer, elements and standard."""
    lab = f.labels
    c = f.candidate
    norm = f"{lab.get(c.norm, local(c.norm))} ({local(c.norm)})"
    who = lab.get(c.duty_bearer, local(c.duty_bearer))
    where = lab.get(c.territory, local(c.territory))
    met = [e for e in f.elements if e.status == "established"]
    alleged = [e for e in f.elements if e.status in ("alleged", "contested")]
    unknown = [e for e in f.elements if e.status == "unknown"]
    app = c.applicability
    when = c.date or "an unknown date"
    if app is not None and app.precision == "not-after" and c.date:
        when = f"no later than {c.date}"
    basis = ""
    if f.basis:
        kinds = {b["kind"] for b in f.basis}
        basis = " on a treaty basis" if kinds == {"treaty"} else " on a customary basis"
    parts = [
        f"Candidate breach of {norm} by {who} in {where}{basis}, tested from {when}.",
        f"{len(met)} of {len(f.elements)} elements are established at a standard of proof"
        + (f" ({'; '.join(e.label for e in met)})" if met else "")
        + ".",
    ]
    if alleged:
        parts.append(
            "Alleged or contested only: "
            + "; ".join(f"{e.label} ({e.status})" for e in alleged)
            + "."
        )
    if unknown:
        parts.append("No evidence either way for: " + "; ".join(e.label for e in unknown) + ".")
    weakest = min(f.elements, key=lambda e: LADDER.index(e.standard), default=None)
    parts.append(
        f"Standard of proof reached: {f.standard.replace('_', ' ')}"
        + (
            f", limited by '{weakest.label}' ({weakest.reason})"
            if weakest and weakest.reason
            else ""
        )
        + "."
    )
    if f.contested_by:
        parts.append(f"{len(f.contested_by)} claim(s) dispute the evidence.")
    if app is not None and app.not_applied:
        parts.append(
            "Not relied on: "
            + "; ".join(
                f"{b['instrument']} ({b['applies_between']['reason']})" for b in app.not_applied
            )
            + "."
        )
    return " ".join(parts)


def compute(
    store: SparqlStore,
    *,
    exclude_sources: Iterable[str] = (),
    exclude_claims: Iterable[str] = (),
    ctx: Context | None = None,
) -> list[Finding]:
    """All findings on the store, optionally without some sources or claims (what-if)."""
    ctx = ctx or collect(store)
    xs, xc = _iris(exclude_sources), _iris(exclude_claims)
    rules = {r.norm: r for r in ctx.rules}
    out = []
    for cand in ctx.candidates:
        f = analyse(ctx, cand, rules[cand.norm], xs, xc)
        if f is not None:
            out.append(f)
    return out


def _iris(ids: Iterable[str]) -> set[str]:
    return {s if s.startswith("http") else MLR + s for s in ids}


def what_if(
    ctx: Context,
    finding: Finding,
    exclude_sources: Iterable[str] = (),
    exclude_claims: Iterable[str] = (),
) -> list[tuple[str, str, str | None]]:
    """Each source and claim whose removal (on top of the given exclusions) drops the finding
    or changes its standard: ``(kind, iri, standard without it)``, None when it drops.

    Tries every source and claim the finding rests on, its support and its counter-evidence
    alike (removing a disputing source can raise a standard), each re-run in full."""
    base_s, base_c = _iris(exclude_sources), _iris(exclude_claims)
    claims = sorted(
        {
            i
            for e in finding.elements
            for i in e.support + e.counter
            if i in ctx.items and ctx.items[i].is_claim
        }
        | set(finding.contested_by)
    )
    sources = sorted(
        {s for e in finding.elements for s in e.evidence + e.counter_evidence} - base_s
    )
    out: list[tuple[str, str, str | None]] = []
    for kind, iri in [("source", s) for s in sources] + [("claim", c) for c in claims]:
        xs = base_s | ({iri} if kind == "source" else set())
        xc = base_c | ({iri} if kind == "claim" else set())
        g = analyse(ctx, finding.candidate, finding.rule, xs, xc)
        if g is None or g.standard != finding.standard:
            out.append((kind, iri, None if g is None else g.standard))
    return out


def sensitivity(
    ctx: Context,
    finding: Finding,
    exclude_sources: Iterable[str] = (),
    exclude_claims: Iterable[str] = (),
) -> list[dict[str, str]]:
    """Which single source or claim, if removed on top of the run's exclusions, drops a finding
    or changes its standard."""
    out = []
    for kind, iri, standard in what_if(ctx, finding, exclude_sources, exclude_claims):
        if standard is None:
            effect = "drops the finding"
        elif LADDER.index(standard) < LADDER.index(finding.standard):
            effect = f"lowers the standard to {standard}"
        else:
            effect = f"raises the standard to {standard}"
        out.append({"kind": kind, "id": local(iri), "effect": effect})
    return out
