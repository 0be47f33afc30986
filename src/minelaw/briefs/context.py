"""What a case brief needs from the store, as plain data (see :mod:`minelaw.briefs.render`).

Implements the parts of DESIGN.md sections 3 and 4 that a brief quotes: the facts
behind each element (events and attributed claims, with dates at their recorded
precision and places), the sources and their Admiralty grades, conflict
classification and control periods over the territory (the jurisdiction, attribution and
occupation questions are worded in :mod:`minelaw.briefs.law`),
OSCOLA citations and their short forms (via :mod:`minelaw.briefs.citations`), the
standard-of-proof thresholds of ``rules/standards.ttl`` read from the store, and
a sensitivity analysis on top of a run's what-if exclusions.  Every query is
SPARQL, so briefs work on the embedded store and on a remote endpoint alike.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar, cast

from ..errors import UsageError
from ..namespaces import INFERRED_GRAPH, sparql_prefixes
from ..reasoning.findings import Context, Finding, local, what_if
from ..reasoning.standards import LADDER
from ..store.oxigraph import term_value
from .citations import cite, format_date

T = TypeVar("T")

DATE_ENV = "MINELAW_BRIEF_DATE"  # fixes the generation date (golden files, reproducible runs)
STANDARD_TEXT = {
    "insufficient": "insufficient (no standard of proof reached)",
    "reasonable_grounds": "reasonable grounds to believe",
    "balance_of_probabilities": "balance of probabilities",
    "clear_and_convincing": "clear and convincing evidence",
}


# --- one shared fetch for a run of briefs -------------------------------------------------
class SharedStore:
    """A read-only view of a store for one run of briefs (``brief --all``): each distinct
    query is sent once and its result shared by every brief that asks it, and what is
    derived from the store alone (citations, figures) is computed once per key (:func:`shared`).
    The store must not change while the view is used."""

    def __init__(self, store: Any):
        self.inner = store
        self._results: dict[str, Any] = {}
        self._memo: dict[tuple[str, str], Any] = {}

    def query(self, sparql: str) -> Any:
        res = self._results.get(sparql)
        if res is None:
            res = self._results[sparql] = self.inner.query(sparql)
        return res

    def count_quads(self) -> int:
        return int(self.inner.count_quads())

    def memo(self, kind: str, key: str, compute: Callable[[], Any]) -> Any:
        k = (kind, key)
        if k not in self._memo:
            self._memo[k] = compute()
        return self._memo[k]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def shared(store: Any, kind: str, key: str, compute: Callable[[], T]) -> T:
    """``compute()``, once per (kind, key) when ``store`` is a :class:`SharedStore`."""
    if isinstance(store, SharedStore):
        return cast(T, store.memo(kind, key, compute))
    return compute()


def shared_many(
    store: Any, kind: str, keys: Iterable[str], compute: Callable[[list[str]], dict[str, T]]
) -> dict[str, T]:
    """``compute(keys)`` (a dict by key), asked only for the keys not computed yet in a run
    when ``store`` is a :class:`SharedStore`; a key ``compute`` leaves out stays out."""
    keys = list(keys)
    if not isinstance(store, SharedStore):
        return compute(keys)
    missing = [k for k in keys if (kind, k) not in store._memo]
    if missing:
        got = compute(missing)
        for k in missing:
            store._memo[(kind, k)] = got.get(k)
    return {k: v for k in keys if (v := store._memo[(kind, k)]) is not None}


# --- small helpers ---------------------------------------------------------------------
def select(store: Any, q: str) -> list[dict[str, str]]:
    res = store.query(sparql_prefixes() + q)
    return [{k: term_value(v) for k, v in r.items() if v is not None} for r in res.rows]


def values_of(iris: Iterable[str]) -> str:
    return " ".join(f"<{i}>" for i in sorted(set(iris)))


def when_text(date: str, precision: str = "") -> str:
    """An ISO date as a memo writes it, no more precise than the data."""
    if not date:
        return "undated"
    d = dt.date.fromisoformat(date[:10])
    if precision.endswith("-year"):
        return str(d.year)
    if precision.endswith("-month"):
        return d.strftime("%B %Y")
    return format_date(d)


def std_text(level: str) -> str:
    return STANDARD_TEXT.get(level, level.replace("_", " "))


def file_stem(finding_id: str) -> str:
    """A safe file name stem for a finding id: letters, digits, '.', '_' and '-' only."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", finding_id).lstrip(".-_")[:150]
    return stem or "finding"


def generation_date(generated: dt.date | None = None) -> dt.date:
    if generated is not None:
        return generated
    env = os.environ.get(DATE_ENV)
    if env:
        try:
            return dt.date.fromisoformat(env)
        except ValueError as exc:
            raise UsageError(f"${DATE_ENV} must be an ISO date (YYYY-MM-DD), not {env!r}") from exc
    return dt.date.today()


def labels_of(store: Any, iris: Iterable[str]) -> dict[str, str]:
    iris = {i for i in iris if i}
    if not iris:
        return {}
    out: dict[str, str] = {}
    for r in select(
        store,
        f"""SELECT ?x ?l ?p WHERE {{ VALUES ?x {{ {values_of(iris)} }}
              {{ ?x skos:prefLabel ?l BIND(0 AS ?p) }} UNION {{ ?x rdfs:label ?l BIND(1 AS ?p) }}
              FILTER(LANG(?l) = "" || LANGMATCHES(LANG(?l), "en")) }} ORDER BY ?x ?p ?l""",
    ):
        out.setdefault(r["x"], r["l"])
    return out


def cite_or_id(store: Any, iri: str) -> str:
    return shared(store, "cite", iri, lambda: _cite_or_id(store, iri))


def _cite_or_id(store: Any, iri: str) -> str:
    try:
        return cite(store, iri)
    except (LookupError, ValueError):
        return local(iri)


def cite_pinpoint(store: Any, iri: str, pinpoint: str | None) -> str:
    return shared(
        store, "cite", f"{iri} {pinpoint!r}", lambda: _cite_pinpoint(store, iri, pinpoint)
    )


def _cite_pinpoint(store: Any, iri: str, pinpoint: str | None) -> str:
    try:
        return cite(store, iri, pinpoint)
    except (LookupError, ValueError):
        return local(iri) + (f", {pinpoint}" if pinpoint else "")


def provisions(store: Any, iris: set[str]) -> dict[str, dict[str, str]]:
    """Provision -> instrument, locator (pinpoint) and the instrument's short title."""
    if not iris:
        return {}
    out: dict[str, dict[str, str]] = {}
    for r in select(
        store,
        f"""SELECT ?p ?inst ?loc ?short WHERE {{ VALUES ?p {{ {values_of(iris)} }}
              ?p ml:partOfInstrument ?inst . OPTIONAL {{ ?p ml:locator ?loc }}
              OPTIONAL {{ ?inst dcterms:alternative ?short }} }}""",
    ):
        out.setdefault(r["p"], r)
    return out


def short_cite(store: Any, prov: str, pinfo: dict[str, dict[str, str]]) -> str:
    """OSCOLA short form for a later reference to a treaty provision: short title, pinpoint."""
    p = pinfo.get(prov)
    if p and p.get("short") and p.get("loc"):
        return f"{p['short']}, {p['loc']}"
    return cite_or_id(store, prov)


def join_pinpoints(locs: Sequence[str]) -> str | None:
    """``art 10(1)``, ``art 10(2)`` -> ``art 10(1), (2)``; other lists joined by commas."""
    if not locs:
        return None
    bases = {re.sub(r"\(.*$", "", loc) for loc in locs}
    if len(bases) == 1 and all("(" in loc for loc in locs):
        base = bases.pop()
        return base + ", ".join(loc[len(base) :] for loc in locs)
    return ", ".join(locs)


# --- what the brief needs from the store -----------------------------------------------
def fetch_facts(store: Any, iris: set[str]) -> dict[str, dict[str, Any]]:
    """Facts behind the elements: kind, date and precision, places, claim details."""
    if not iris:
        return {}
    v = values_of(iris)
    out: dict[str, dict[str, Any]] = {i: {"places": {}, "kind": ""} for i in iris}
    for r in select(
        store,
        f"""SELECT ?i ?kind ?date ?prec ?published ?start ?end ?assertion ?against ?agent
                   ?controller ?killed ?injured ?device WHERE {{ VALUES ?i {{ {v} }}
              OPTIONAL {{ GRAPH ?g {{ ?i a ?t }} FILTER(STRSTARTS(STR(?t), STR(ml:))
                         && ?g != <{INFERRED_GRAPH}>) ?t rdfs:label ?kind }}
              OPTIONAL {{ ?i ml:date ?date }} OPTIONAL {{ ?i ml:claimedOn ?date }}
              OPTIONAL {{ ?i ml:datePrecision ?prec }}
              OPTIONAL {{ ?i a ml:Claim ; dcterms:source/dcterms:issued ?published }}
              OPTIONAL {{ ?i ml:start ?start }} OPTIONAL {{ ?i ml:end ?end }}
              OPTIONAL {{ ?i ml:assertion ?assertion }} OPTIONAL {{ ?i ml:against ?against }}
              OPTIONAL {{ ?i ml:agent ?agent }} OPTIONAL {{ ?i ml:controller ?controller }}
              OPTIONAL {{ ?i ml:killed ?killed }}
              OPTIONAL {{ ?i ml:injured ?injured }} OPTIONAL {{ ?i ml:deviceType ?device }}
            }} ORDER BY ?i ?kind ?date ?published ?against ?agent ?controller""",
    ):  # (ordered: where an item has two values, every engine keeps the same first one)
        d = out[r["i"]]
        for k, val in r.items():
            d.setdefault(k, val)
        if not d["kind"] and r.get("kind"):
            d["kind"] = r["kind"]
    # the places, one simple query per way of naming one, then their geometries: as one
    # UNION joined with the items, Oxigraph evaluated the UNION over the whole KB first
    # (0.9 s of 2.3 s for 20 briefs at 10,000 incidents)
    places: dict[str, list[str]] = {}
    for pattern in ("?i ml:place ?p", "?i ml:about ?p . ?p a ml:Place", "?i ml:territory ?p"):
        for r in select(store, f"SELECT ?i ?p WHERE {{ VALUES ?i {{ {v} }} {pattern} }}"):
            places.setdefault(r["i"], []).append(r["p"])
    geometry: dict[str, tuple[str, str]] = {}
    named = {p for ps in places.values() for p in ps}
    if named:
        for r in select(
            store,
            f"""SELECT ?p ?wkt ?prec WHERE {{ VALUES ?p {{ {values_of(named)} }}
                  ?p geo:hasGeometry ?geom . ?geom geo:asWKT ?wkt
                  OPTIONAL {{ ?geom ml:coordinatePrecision ?prec }} }}""",
        ):
            geometry.setdefault(r["p"], (r.get("wkt", ""), r.get("prec", "")))
    for i, ps in places.items():
        for p in ps:
            out[i]["places"].setdefault(p, geometry.get(p, ("", "")))
    return out


def fetch_sources(store: Any, iris: set[str]) -> dict[str, dict[str, str]]:
    if not iris:
        return {}
    out: dict[str, dict[str, str]] = {}
    for r in select(
        store,
        f"""SELECT ?s ?title ?pub ?issued ?url ?accessed ?kind ?rel ?cred WHERE {{
              VALUES ?s {{ {values_of(iris)} }}
              OPTIONAL {{ ?s dcterms:title ?title }} OPTIONAL {{ ?s dcterms:publisher ?pub }}
              OPTIONAL {{ ?s dcterms:issued ?issued }} OPTIONAL {{ ?s ml:url ?url }}
              OPTIONAL {{ ?s ml:accessed ?accessed }}
              OPTIONAL {{ ?s ml:sourceKind/skos:prefLabel ?kind
                         FILTER(LANGMATCHES(LANG(?kind), "en")) }}
              OPTIONAL {{ ?s ml:reliability/skos:prefLabel ?rel
                         FILTER(LANGMATCHES(LANG(?rel), "en")) }}
              OPTIONAL {{ ?s ml:credibility/skos:prefLabel ?cred
                         FILTER(LANGMATCHES(LANG(?cred), "en")) }}
            }}""",
    ):
        d = out.setdefault(r["s"], {})
        for k, val in r.items():
            d.setdefault(k, val)
    return out


def applicability(store: Any, f: Finding) -> dict[str, Any]:
    """Conflict classification, end of hostilities and control of the territory."""
    c = f.candidate
    conflicts = select(
        store,
        f"""SELECT ?conf ?cls ?type ?start ?end ?note ?eoh ?eohdate WHERE {{
              ?conf ml:partyToConflict <{c.duty_bearer}> .
              OPTIONAL {{ ?cls ml:classifies ?conf ; ml:conflictType ?type .
                         OPTIONAL {{ ?cls ml:start ?start }} OPTIONAL {{ ?cls ml:end ?end }}
                         OPTIONAL {{ ?cls skos:scopeNote ?note }} }}
              OPTIONAL {{ ?eoh a ml:EndOfActiveHostilities ; ml:conflict ?conf ; ml:date ?eohdate }}
            }} ORDER BY ?conf ?start ?eohdate""",
    )
    control = select(
        store,
        f"""SELECT DISTINCT ?cp ?who ?whotype ?kind ?through ?throughtype ?start ?end ?endKnown
                   ?basis ?note ?part WHERE {{
              ?cp a ml:ControlPeriod ; ml:controller ?who ; ml:territory ?t .
              # over the territory, a place containing it, a part of it, or an area that
              # contains a part of it (a district split by a line of contact)
              # (ml:within: the reflexive closure of ml:partOf, which the reasoner closes)
              {{ <{c.territory}> ml:within ?t }} UNION {{ ?t ml:partOf <{c.territory}> }}
              UNION {{ ?part ml:partOf <{c.territory}> . ?part ml:partOf ?t .
                       FILTER NOT EXISTS {{ <{c.territory}> ml:within ?t }}
                       FILTER NOT EXISTS {{ ?t ml:partOf <{c.territory}> }} }}
              OPTIONAL {{ ?who a ?whotype FILTER(?whotype IN (ml:State, ml:DeFactoAuthority)) }}
              OPTIONAL {{ ?cp ml:controlKind ?kind }} OPTIONAL {{ ?cp ml:start ?start }}
              OPTIONAL {{ ?cp ml:end ?end }} OPTIONAL {{ ?cp ml:endKnown ?endKnown }}
              OPTIONAL {{ ?cp ml:through ?through
                         OPTIONAL {{ ?through a ?throughtype
                                    FILTER(?throughtype = ml:DeFactoAuthority) }} }}
              OPTIONAL {{ ?cp ml:basis ?basis }} OPTIONAL {{ ?cp skos:scopeNote ?note }}
            }} ORDER BY ?start ?cp ?basis""",
    )
    lab = labels_of(
        store,
        {r["conf"] for r in conflicts}
        | {r[k] for r in conflicts for k in ("type",) if k in r}
        | {r[k] for r in control for k in ("who", "kind", "through", "part") if k in r},
    )
    out_conf: dict[str, dict[str, Any]] = {}
    for r in conflicts:
        e = out_conf.setdefault(
            r["conf"], {"label": lab.get(r["conf"], local(r["conf"])), "cls": {}, "ended": ""}
        )
        if r.get("cls"):
            e["cls"].setdefault(
                r["cls"],
                {
                    "type": lab.get(r.get("type", ""), local(r.get("type", ""))),
                    "period": period_text(r.get("start", ""), r.get("end", "")),
                    "note": r.get("note", ""),
                },
            )
        if r.get("eohdate") and not e["ended"]:
            e["ended"] = format_date(r["eohdate"])
    date = c.date or ""
    periods: dict[str, dict[str, Any]] = {}
    for r in control:
        covers = (not date) or (
            r.get("start", "") <= date and (not r.get("end") or date <= r["end"])
        )
        if r.get("part") and r["cp"] in periods:
            parts = periods[r["cp"]]["parts"]
            label = lab.get(r["part"], local(r["part"]))
            if label not in parts:
                parts.append(label)
            continue
        periods.setdefault(
            r["cp"],
            {
                "controller": lab.get(r["who"], local(r["who"])),
                "controller_iri": r["who"],
                "de_facto": r.get("whotype", "").endswith("DeFactoAuthority"),
                "kind": lab.get(r.get("kind", ""), ""),
                "through": lab.get(r.get("through", ""), "") if r.get("through") else "",
                "through_iri": r.get("through", ""),
                "through_de_facto": bool(r.get("throughtype")),
                "period": period_text(r.get("start", ""), r.get("end", ""), r.get("endKnown")),
                "end": r.get("end", ""),
                "covers": covers,
                "basis": cite_or_id(store, r["basis"]) if r.get("basis") else "",
                "note": r.get("note", ""),
                "is_duty_bearer": r["who"] == c.duty_bearer,
                # set when the period's area only overlaps the territory: the parts it covers
                "parts": [lab.get(r["part"], local(r["part"]))] if r.get("part") else [],
            },
        )
    return {
        "conflicts": [{**v, "cls": list(v["cls"].values())} for v in out_conf.values()],
        "control": list(periods.values()),
    }


def period_text(start: str, end: str, end_known: str | None = None) -> str:
    s = format_date(start) if start else "an unrecorded date"
    if end:
        return f"{s} to {format_date(end)}"
    return f"from {s} (end {'not known' if end_known == 'false' else 'not recorded'})"


def map_pin(label: str, pt: tuple[float, float], territory: bool, prec: str) -> dict[str, Any]:
    return {"label": label, "lon": pt[0], "lat": pt[1], "territory": territory, "prec": prec}


def ctx_thresholds(store: Any, ctx: Context | None) -> list[dict[str, Any]]:
    """The rules/standards.ttl table, read from the store, with grade letters."""
    cached = getattr(store, "_minelaw_thresholds", None)
    if cached is not None:
        return list(cached)
    rows = select(
        store,
        """SELECT ?s ?n ?rel ?relr ?cred ?credr ?int ?dis WHERE {
             ?s skos:inScheme mlv:standard-of-proof ; ml:minIndependentSources ?n ;
                ml:interestedOnlyAllowed ?int ; ml:disputedAllowed ?dis .
             OPTIONAL { ?s ml:minReliability ?r . ?r skos:notation ?rel ; ml:rank ?relr }
             OPTIONAL { ?s ml:minCredibility ?c . ?c skos:notation ?cred ; ml:rank ?credr } }""",
    )
    out = sorted(
        (
            {
                "level": r["s"].rsplit("standard-of-proof-", 1)[-1],
                "text": std_text(r["s"].rsplit("standard-of-proof-", 1)[-1]),
                "min_sources": int(r["n"]),
                "min_rel": r.get("rel", "any"),
                "min_cred": r.get("cred", "any"),
                "rel_rank": int(r.get("relr", 0)),
                "cred_rank": int(r.get("credr", 0)),
                "interested_ok": r["int"] == "true",
                "disputed_ok": r["dis"] == "true",
            }
            for r in rows
        ),
        key=lambda t: LADDER.index(t["level"]) if t["level"] in LADDER else 99,
    )
    with contextlib.suppress(AttributeError):  # slotted store objects: do not cache
        store._minelaw_thresholds = out
    return out


def arithmetic(e: Any, thresholds: list[dict[str, Any]]) -> list[str]:
    """Per threshold: how many independent origins (independent bodies and admissions against
    interest) are carried by a source meeting its grade floor."""
    counted = [t for t in e.testimony if t.kind in ("independent", "admission")]
    out = []
    for t in thresholds:
        if not t["min_sources"]:
            continue
        origins = {
            x.origin
            for x in counted
            if x.rel_rank >= t["rel_rank"] and x.cred_rank >= t["cred_rank"]
        }
        out.append(
            f"{t['text']}: {len(origins)} qualifying independent origin"
            f"{'s' if len(origins) != 1 else ''} ({t['min_sources']} needed)"
        )
    return out


KIND_TEXT = {
    "independent": "independent",
    "admission": "an admission against its own interest",
    "interested": "interested: speaks for another party, counts as no independent source",
    "self-serving": "the duty-bearer's own denial: interested, blocks no standard",
}


def origins_text(testimony: Sequence[Any], labels: dict[str, str]) -> list[str]:
    """Who made each statement behind an element, how it is counted, and what carries it."""
    out = []
    for t in testimony:
        who = labels.get(t.origin, local(t.origin))
        carriers = ", ".join(dict.fromkeys(local(c) for c in t.carriers))
        court = "; a court's own finding" if t.court else ""
        kind = KIND_TEXT.get(t.kind, t.kind)
        out.append(f"{who} ({kind}{court}; carried by {carriers}, best grade {t.grade})")
    return out


def sensitivity(
    ctx: Context, f: Finding, xs: Sequence[str], xc: Sequence[str]
) -> list[dict[str, str]]:
    """:func:`minelaw.reasoning.findings.what_if` on top of this run's exclusions, in a memo's
    words."""
    out = []
    for kind, iri, standard in what_if(ctx, f, xs, xc):
        if standard is None:
            effect = "drops the finding"
        else:
            verb = "lowers" if LADDER.index(standard) < LADDER.index(f.standard) else "raises"
            effect = f"{verb} the standard to {std_text(standard)}"
        label = f.items[iri].label if kind == "claim" and iri in f.items else ""
        if kind == "source" and iri in f.sources:
            label = f"{f.sources[iri].publisher_label}, {f.sources[iri].title}"
        out.append({"kind": kind, "id": local(iri), "label": label, "effect": effect})
    return out
