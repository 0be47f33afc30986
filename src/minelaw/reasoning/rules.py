"""Compliance rules: one SHACL shape per norm, run as SPARQL on any store.

Implements DESIGN.md sections 2 ("rules") and 6, and SHACL-SPARQL (W3C SHACL
Recommendation, section 5, https://www.w3.org/TR/shacl/#sparql-constraints).
Each ``rules/obligations/<norm>.ttl`` holds one ``sh:NodeShape`` that
``ml:operationalises`` a norm.  Its SPARQL constraint selects *trigger rows*: ``$this`` is
the duty-bearer, ``?value`` the territory, and the other variables say what the row rests on
(``?item`` the conduct, incident or claim, ``?place``, ``?agent`` the actor recorded as doing
it, ``?claim`` true for a claim, ``?date``/``?prec``/``?nb``/``?na`` what is known of the date
of the conduct, ``?claimed`` the day a claim was made — an upper bound, never the date of the
conduct, ``?ic`` the conflict the sources link it to).  Every solution is a SHACL violation;
:mod:`minelaw.reasoning.applicability` then decides, row by row, whether the norm applies
(docs/legal-model.md), and the rows that pass make the *candidate breaches*, one per
(norm, duty-bearer, territory), with the relevant date of the shape's
``ml:relevantDateKind``.  ``ml:elementRule`` nodes give, per element of the norm, the SPARQL
patterns that find the items (events, claims) supporting or refuting it.

Two execution paths select the same trigger rows (a test asserts it):

- :func:`run_triggers` sends the constraint's query to the store that holds
  the data (embedded Oxigraph or a remote endpoint), with ``$this`` free, so the
  engine does the work in one query per rule;
- :func:`run_pyshacl` validates an rdflib copy of the data with pySHACL, the
  reference implementation, focus node by focus node.

Element patterns are SPARQL group patterns over ``?this``, ``?territory``, ``?date`` (the
relevant date) and ``?end`` (the last day of the finding's period, UNDEF when open), bound by
a VALUES block for all candidates of the rule at once, that bind ``?item``.  A FILTER that
uses those variables must stand at the top level of the pattern, not inside a UNION branch,
where they would be out of scope.  A sub-SELECT does not see them either; one that needs them
(to aggregate per candidate row, ``?_row``) names the rows with the empty block
``VALUES ?_rows {}`` (:data:`ROWS`), which :func:`_rows_query` replaces by the same VALUES block.

Both kinds of query can take their answers from :mod:`minelaw.reasoning.rulecache` (the
results of the same store, or of the base of an incremental build where its new triples
cannot change them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import rdflib

from ..errors import InputError
from ..namespaces import ML, MLV, sparql_prefixes
from ..resources import data_dir
from ..store.oxigraph import SparqlStore, term_value
from .applicability import Applicability, Exclusion, Law, Trigger, evaluate, load_law
from .rulecache import RuleCache, digest

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
MLNS = rdflib.Namespace(ML)


@dataclass(frozen=True)
class ElementRule:
    element: str
    support: str
    refute: str | None
    trigger: bool
    gap: str
    max_standard: str | None = None
    cap_note: str = ""
    window: str = "any"  # evidence window: period | before-end | any
    presumed_by_jurisdiction: bool = False
    indication: str | None = None  # items that only indicate the element
    indication_max: str = "reasonable_grounds"
    indication_note: str = ""
    from_triggers: bool = False  # only the finding's own trigger items support it
    # only items within the duty-bearer's jurisdiction on their own date support it
    within_jurisdiction: bool = False


@dataclass
class Rule:
    """A compliance shape: the norm it operationalises, its candidate query and element rules."""

    shape: str
    norm: str
    path: Path
    select: str
    message: str
    relevant_date: str
    elements: list[ElementRule] = field(default_factory=list)
    relevant_date_kind: str = MLV + "relevant-date-conduct"
    # the jurisdiction the norm is owed within (ECHR art 1): "full" (presumed over the state's
    # own territory, effective control abroad) or "without-control" (the territorial state's
    # reduced jurisdiction over part of its territory another actor controls: Ilascu [GC]
    # paras 330-333); ml:jurisdictionScope on the shape
    jurisdiction_scope: str = "full"

    @property
    def norm_id(self) -> str:
        return self.norm.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Candidate:
    """A candidate breach: the norm applies (see ``applicability``) and a trigger stands."""

    norm: str
    duty_bearer: str
    territory: str
    date: str  # the relevant date (or its upper bound, see applicability.precision)
    applicability: Applicability | None = field(default=None, compare=False, hash=False)
    # the phase of active hostilities of the conduct, when the conduct of one norm, duty-bearer
    # and territory falls in several (applicability.episode); "" otherwise
    episode: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.norm, self.duty_bearer, self.territory)

    @property
    def items_key(self) -> tuple[str, str, str]:
        """(duty-bearer, territory, episode): whose element evidence is fetched together."""
        return (self.duty_bearer, self.territory, self.episode)


def obligation_files(folder: Path | None = None) -> list[Path]:
    folder = folder or data_dir("rules") / "obligations"
    return sorted(p for p in folder.glob("*.ttl") if not p.name.startswith("_"))


def shapes_graph(folder: Path | None = None, only: Iterable[Path] | None = None) -> rdflib.Graph:
    """The compliance shapes (all, or the files ``only``) plus the shared prefix declarations
    (the ``_*.ttl`` files), as one rdflib graph."""
    folder = folder or data_dir("rules") / "obligations"
    wanted = None if only is None else {Path(p).name for p in only}
    g = rdflib.Graph()
    for p in sorted(folder.glob("*.ttl")):
        if wanted is not None and p.name not in wanted and not p.name.startswith("_"):
            continue
        try:
            g.parse(p, format="turtle")
        except Exception as exc:  # rdflib raises many parser exception types
            raise InputError(f"cannot parse compliance shape: {exc}", path=str(p)) from exc
    return g


def load_rules(folder: Path | None = None) -> list[Rule]:
    """Read every obligation file into :class:`Rule` objects (sorted by norm)."""
    rules = []
    for path in obligation_files(folder):
        g = rdflib.Graph().parse(path, format="turtle")
        for shape in g.subjects(MLNS.operationalises, None):
            norm = g.value(shape, MLNS.operationalises)
            constraint = g.value(shape, SH.sparql)
            select = g.value(constraint, SH.select) if constraint is not None else None
            if norm is None or select is None:
                raise InputError(
                    "compliance shape lacks ml:operationalises or sh:sparql/sh:select",
                    path=str(path),
                )
            elements = []
            for er in g.objects(shape, MLNS.elementRule):
                el = g.value(er, MLNS.forElement)
                sup = g.value(er, MLNS.supportPattern)
                if el is None or (sup is None and g.value(er, MLNS.indicationPattern) is None):
                    raise InputError(
                        "ml:elementRule needs ml:forElement and ml:supportPattern (or "
                        "ml:indicationPattern)",
                        path=str(path),
                    )
                ref = g.value(er, MLNS.refutePattern)
                trig = g.value(er, MLNS.trigger)
                gap = g.value(er, MLNS.gap)
                cap = g.value(er, MLNS.maxStandard)
                cap_note = g.value(er, MLNS.capNote)
                window = g.value(er, MLNS.evidenceWindow)
                presumed = g.value(er, MLNS.presumedByJurisdiction)
                ind = g.value(er, MLNS.indicationPattern)
                ind_max = g.value(er, MLNS.indicationMax)
                ind_note = g.value(er, MLNS.indicationNote)
                from_triggers = g.value(er, MLNS.supportFromTriggers)
                within = g.value(er, MLNS.withinJurisdictionOnly)
                elements.append(
                    ElementRule(
                        str(el),
                        str(sup) if sup is not None else "",
                        str(ref) if ref is not None else None,
                        trig is not None and str(trig).lower() in ("true", "1"),
                        str(gap) if gap is not None else "",
                        str(cap).rsplit("standard-of-proof-", 1)[-1] if cap is not None else None,
                        str(cap_note) if cap_note is not None else "",
                        str(window).rsplit("evidence-window-", 1)[-1]
                        if window is not None
                        else "any",
                        presumed is not None and str(presumed).lower() in ("true", "1"),
                        str(ind) if ind is not None else None,
                        str(ind_max).rsplit("standard-of-proof-", 1)[-1]
                        if ind_max is not None
                        else "reasonable_grounds",
                        str(ind_note) if ind_note is not None else "",
                        from_triggers is not None and str(from_triggers).lower() in ("true", "1"),
                        within is not None and str(within).lower() in ("true", "1"),
                    )
                )
            elements.sort(key=lambda e: e.element)
            msg = g.value(constraint, SH.message)
            note = g.value(shape, MLNS.relevantDateNote)
            kind = g.value(shape, MLNS.relevantDateKind)
            if kind is None:
                raise InputError(
                    "compliance shape lacks ml:relevantDateKind (which date the rule tests "
                    "applicability at: mlv:relevant-date-conduct, -end-of-phase, -incident, "
                    "-deadline or -occupation)",
                    path=str(path),
                )
            scope = g.value(shape, MLNS.jurisdictionScope)
            rules.append(
                Rule(
                    str(shape),
                    str(norm),
                    path,
                    str(select),
                    str(msg) if msg is not None else "",
                    str(note) if note is not None else "",
                    elements,
                    str(kind),
                    str(scope).rsplit("jurisdiction-scope-", 1)[-1]
                    if scope is not None
                    else "full",
                )
            )
    return sorted(rules, key=lambda r: r.norm)


def trigger_rows(store: SparqlStore, rule: Rule) -> list[dict[str, str]]:
    """The rows of a rule's trigger query (variable -> value, unbound ones left out)."""
    res = store.query(sparql_prefixes() + rule.select)
    return [{k: term_value(t) for k, t in row.items() if t is not None} for row in res.rows]


def to_trigger(rule: Rule, v: Mapping[str, str]) -> Trigger:
    return Trigger(
        rule.norm,
        v.get("this", ""),
        v.get("value", ""),
        item=v.get("item", ""),
        place=v.get("place", ""),
        agent=v.get("agent", ""),
        claim=v.get("claim", "") in ("true", "1"),
        date=v.get("date", ""),
        precision=v.get("prec", ""),
        not_before=v.get("nb", ""),
        not_after=v.get("na", ""),
        claimed_on=v.get("claimed", ""),
        found=v.get("found", ""),
        conflict=v.get("ic", ""),
    )


def run_triggers(
    store: SparqlStore,
    rules: Sequence[Rule],
    cache: RuleCache | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[Trigger]:
    """The engine path: one query per rule on the store that holds the data (or its rows
    from ``cache``, when the store's new triples cannot change them: :mod:`.rulecache`).

    The queries a large cached store must run go to worker processes
    (:func:`minelaw.store.parallel.map_on_store`); the rows come back in the rules' order.
    ``progress(norm_id, i, n)`` is called as each rule's rows are in.
    """
    from ..store.parallel import map_on_store

    keys = [digest(rule.norm, rule.select) for rule in rules]
    rows_of: dict[int, list[dict[str, str]]] = {}
    for i, (rule, key) in enumerate(zip(rules, keys, strict=True)):
        if cache is not None:
            rows = cache.triggers(key, sparql_prefixes() + rule.select)
            if rows is not None:
                rows_of[i] = rows
    todo = [i for i in range(len(rules)) if i not in rows_of]

    def done(k: int, n: int) -> None:
        if progress:
            progress(rules[todo[k - 1]].norm_id, k, n)

    ran = map_on_store(store, trigger_rows, [(rules[i],) for i in todo], done)
    rows_of.update(zip(todo, ran, strict=True))
    out: list[Trigger] = []
    for i, (rule, key) in enumerate(zip(rules, keys, strict=True)):
        if cache is not None:
            cache.keep_triggers(key, rows_of[i])
        out += [to_trigger(rule, v) for v in rows_of[i]]
    return out


def applicable(
    store: SparqlStore, rules: Sequence[Rule], triggers: Sequence[Trigger] | None = None
) -> tuple[list[Candidate], list[Exclusion], Law]:
    """Trigger rows -> candidate breaches where the norm applies, and the rows that did not."""
    triggers = run_triggers(store, rules) if triggers is None else triggers
    law = load_law(
        store, {r.norm for r in rules}, {p for t in triggers for p in (t.place, t.territory) if p}
    )
    cands: list[Candidate] = []
    dropped: list[Exclusion] = []
    for rule in rules:
        mine = [t for t in triggers if t.norm == rule.norm]
        ok, excluded = evaluate(
            law, rule.norm, rule.relevant_date_kind, mine, scope=rule.jurisdiction_scope
        )
        dropped += excluded
        for (norm, bearer, territory, ep), app in ok.items():
            cands.append(Candidate(norm, bearer, territory, app.relevant_date or "", app, ep))
    return sorted(cands, key=lambda c: (*c.key, c.episode)), dropped, law


def run_candidates(store: SparqlStore, rules: Sequence[Rule]) -> list[Candidate]:
    """The candidate breaches on the store: trigger rows that pass applicability."""
    return applicable(store, rules)[0]


def run_pyshacl(data: rdflib.Graph, rules: Sequence[Rule]) -> set[tuple[str, str, str]]:
    """The reference path: pySHACL over an rdflib copy; returns (norm, duty-bearer, territory)."""
    import pyshacl

    # only the given rules' shapes: pySHACL would otherwise run every rule on every focus node
    shapes = (
        shapes_graph(rules[0].path.parent, [r.path for r in rules]) if rules else rdflib.Graph()
    )
    norm_of = {r.shape: r.norm for r in rules}
    _, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, advanced=True, inference="none", allow_warnings=True
    )
    found = set()
    for r in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        shape = str(report.value(r, SH.sourceShape))
        if shape not in norm_of:
            continue
        found.add(
            (norm_of[shape], str(report.value(r, SH.focusNode)), str(report.value(r, SH.value)))
        )
    return found


# (duty-bearer, territory, episode, element) -> polarity -> items
Items = dict[tuple[str, str, str, str], dict[str, set[str]]]


def _empty() -> dict[str, set[str]]:
    return {"support": set(), "refute": set(), "indicate": set()}


def element_items(store: SparqlStore, rule: Rule, cands: Sequence[Candidate]) -> Items:
    """For each (duty-bearer, territory, element): the supporting and refuting items.

    One query per element pattern for all candidates of the rule (a VALUES block),
    so the number of queries does not grow with the number of candidates.
    """
    return element_items_all(store, [rule], {rule.norm: list(cands)})[rule.norm]


def _uses_dates(pattern: str) -> bool:
    return any(f"{m}{v}" in pattern for m in "?$" for v in ("date", "end"))


def element_items_all(
    store: SparqlStore,
    rules: Sequence[Rule],
    cands_by_rule: Mapping[str, Sequence[Candidate]],
    progress: Callable[[str, int, int], None] | None = None,
    cache: RuleCache | None = None,
) -> dict[str, Items]:
    """:func:`element_items` for every rule, with one query per *distinct* element pattern.

    Several norms share an element pattern (who laid the mines, a denial of it, measures
    recorded as absent): each such pattern runs once, over a VALUES block with the
    candidates of every rule that uses it, one row per distinct (duty-bearer, territory)
    — or (duty-bearer, territory, relevant date, end of period) when the pattern reads
    ``?date`` or ``?end`` — numbered by ``?_row``; the items are then handed back to each
    rule whose candidates have that row.  The items are those of one query per rule.

    With ``cache`` (:mod:`.rulecache`), a pattern the store's new triples cannot change is
    asked only for the rows the cache lacks.  The patterns' queries run together
    (:func:`minelaw.store.parallel.map_on_store`: worker processes on a large cached store).
    """
    from ..store.parallel import map_on_store

    out: dict[str, Items] = {r.norm: defaultdict(_empty) for r in rules}
    uses: dict[str, list[tuple[Rule, str, str]]] = {}
    for rule in rules:
        if not cands_by_rule.get(rule.norm):
            continue
        for er in rule.elements:
            for polarity, pattern in (
                ("support", er.support),
                ("refute", er.refute),
                ("indicate", er.indication),
            ):
                if pattern:
                    uses.setdefault(pattern, []).append((rule, er.element, polarity))
    # what each pattern must ask: its rows (one per distinct candidate row), less those the
    # cache holds; the queries then run together (worker processes on a large cached store)
    plans = []
    for pattern, users in uses.items():
        dated = _uses_dates(pattern)
        rows: dict[tuple[str, str, str, str], int] = {}
        wanted: dict[int, list[tuple[Rule, tuple[str, str, str], str, str]]] = defaultdict(list)
        for rule, element, polarity in users:
            for c in cands_by_rule[rule.norm]:
                end = (c.applicability.period_end if c.applicability else None) or ""
                key = (
                    (c.duty_bearer, c.territory, c.date, end)
                    if dated
                    else (
                        c.duty_bearer,
                        c.territory,
                        "",
                        "",
                    )
                )
                k = rows.setdefault(key, len(rows))
                wanted[k].append((rule, c.items_key, element, polarity))
        known = cache.pattern_rows(pattern) if cache is not None else {}
        found: dict[tuple[str, ...], set[str]] = {}
        todo: dict[tuple[str, str, str, str], int] = {}
        for key, k in rows.items():
            if key in known:
                found[key] = set(known[key])
            else:
                todo[key] = k
                found[key] = set()
        plans.append((pattern, dated, rows, wanted, found, todo))
    asks = [n for n, plan in enumerate(plans) if plan[5]]

    def done(k: int, n: int) -> None:
        if progress and k < n:
            progress(f"element pattern {k + 1}/{n}", k, n)

    if progress and plans:  # before the first query, as the loop this replaced did
        progress(f"element pattern 1/{len(asks) or len(plans)}", 0, len(asks) or len(plans))
    answers = dict(
        zip(
            asks,
            map_on_store(store, _rows_query, [plans[n][:2] + (plans[n][5],) for n in asks], done),
            strict=True,
        )
    )
    for n, (pattern, _dated, rows, wanted, found, todo) in enumerate(plans):
        if todo:
            number = {k: key for key, k in todo.items()}
            for row, item in answers[n]:
                found[number[row]].add(item)
        if cache is not None:
            cache.stats["patterns_run" if todo else "patterns_reused"] += 1
            cache.stats["rows_run"] += len(todo)
            cache.stats["rows_reused"] += len(rows) - len(todo)
            cache.keep_pattern(pattern, found)
        for key, k in rows.items():
            for rule, (bearer, territory, ep), element, polarity in wanted[k]:
                out[rule.norm][(bearer, territory, ep, element)][polarity].update(found[key])
    return out


#: where a sub-SELECT of an element pattern takes the candidates' rows (the VALUES block of the
#: whole query): valid SPARQL that matches nothing, so a pattern run without the rows fails
ROWS = "VALUES ?_rows {}"


def _rows_query(
    store: SparqlStore, pattern: str, dated: bool, rows: dict[tuple[str, str, str, str], int]
) -> list[tuple[int, str]]:
    """(row number, item) of an element pattern over the candidates' ``rows``."""

    def lit(d: str) -> str:
        return f'"{d}"^^xsd:date' if d else "UNDEF"  # an undated candidate stays

    if dated:
        body = " ".join(f"(<{b}> <{t}> {lit(d)} {lit(e)} {k})" for (b, t, d, e), k in rows.items())
        values = f"VALUES (?this ?territory ?date ?end ?_row) {{ {body} }}"
    else:
        body = " ".join(f"(<{b}> <{t}> {k})" for (b, t, _, _), k in rows.items())
        values = f"VALUES (?this ?territory ?_row) {{ {body} }}"
    pattern = pattern.replace(ROWS, values)
    q = sparql_prefixes() + f"SELECT DISTINCT ?_row ?item WHERE {{ {values}\n{pattern}\n}}"
    return [(int(term_value(r["_row"])), term_value(r["item"])) for r in store.query(q).rows]
