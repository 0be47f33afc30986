"""Evidence as a court or commission of inquiry weighs it: origins and carriers, interest,
independence, admissions against interest, court findings.

Implements ``docs/legal-model.md`` section 3 (issue 15):

- **Origin and carrier.**  A source *carries* a statement; its grades (reliability A-F,
  credibility 1-6) speak to whether the statement was made as reported.  The *origin* is the
  person or body that made it: a claim's ``ml:claimant``; a source's ``ml:origin`` when it
  relays another's statement; otherwise the source's publisher, reporting on its own account.
  A republication (``ml:republicationOf``) carries its original's statement.  A source that
  names several origins (a news report relaying two ministries) carries a statement of each.
- **Independence is counted by origin**: reports and republications of one statement count
  once, at the grade of the best carrier.
- **Interest follows the origin, by one rule for every party**: an origin is interested for a
  party when it is that party, an organ or official of it (``ml:organOf``), a body it directs
  or funds (``ml:directedBy``, ``ml:fundedBy``), or a person affiliated with such a body
  (``ml:affiliatedWith``) -- never because of an outlet's country.
- **Against the duty-bearer**, a testimony is *independent*, an *admission* (its origin is
  interested for the duty-bearer: a statement against its own interest, weighty -- ICJ
  Military and Paramilitary Activities (1986) para 64; Armed Activities (2005) para 61; ECtHR
  Chiragov [GC] paras 177-179
  on official statements), or *interested* (its origin speaks for another party: it never
  counts as an independent source, however often repeated).
- **For the duty-bearer** (counter-evidence), a testimony is independent, an *admission* by an
  opposing party (against that party's interest), or *self-serving* (the duty-bearer's own
  denial: listed as a counter-position, but it blocks no standard).
- **Court findings**: a fact a court found (``ml:foundBy``), with the court's judgment as
  source, is independent evidence at the judgment's grade; a party's allegation recorded in a
  judgment (``ml:allegedBefore``) is that party's claim, carried by the judgment.

The standard an element reaches from these testimonies is :mod:`minelaw.reasoning.standards`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..namespaces import MLR, sparql_prefixes
from ..store.oxigraph import SparqlStore, term_value

INDEPENDENT, ADMISSION, INTERESTED, SELF_SERVING = (
    "independent",
    "admission",
    "interested",
    "self-serving",
)


def local(iri: str) -> str:
    """The identifier part of a KB IRI (``mlr:QQA`` -> ``QQA``)."""
    return iri[len(MLR) :] if iri.startswith(MLR) else iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _values(iris: Iterable[str]) -> str:
    return " ".join(f"<{i}>" for i in sorted(set(iris)))


#: The most IRIs one query's VALUES block names: Virtuoso refuses a query whose SQL translation
#: exceeds 10,000 lines (the items of 10,000 incidents did; docs/team-server.md, difference 51).
#: Every store gets the same batches.
BATCH = 500


def batches(iris: Iterable[str], size: int | None = None) -> list[set[str]]:
    """``iris`` in sorted batches of at most ``size`` (default :data:`BATCH`)."""
    size = size or BATCH
    ordered = sorted(set(iris))
    return [set(ordered[i : i + size]) for i in range(0, len(ordered), size)]


def _q(store: SparqlStore, q: str) -> list[dict[str, str]]:
    res = store.query(sparql_prefixes() + q)
    return [{k: term_value(v) for k, v in r.items() if v is not None} for r in res.rows]


# --- data fetched once per run ---------------------------------------------------------
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
    origins: tuple[str, ...] = ()  # ml:origin, sorted: whose statements the source relays
    republication_of: str = ""

    @property
    def grade(self) -> str:
        return f"{self.reliability}{self.credibility}"


@dataclass
class ItemInfo:
    iri: str
    is_claim: bool
    label: str
    date: str
    claimant: str | None = None
    claimant_party: str | None = None
    against: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    disputed_by: set[str] = field(default_factory=set)
    # (origin, source): who made the statement, and which source carries it
    testimony: set[tuple[str, str]] = field(default_factory=set)
    claimants: set[str] = field(default_factory=set)
    found_by: str = ""  # a court that found this fact
    alleged_before: str = ""  # a court before which this claim was made


def disputed_by(store: SparqlStore) -> dict[str, set[str]]:
    """Every disputed resource -> the claims that dispute it or a claim supporting it.

    The dispute pairs are few, so they are fetched whole and joined here (with the items as
    a VALUES block, Oxigraph took 6 s at 10,000 incidents).
    """
    direct: dict[str, set[str]] = defaultdict(set)
    for r in _q(store, "SELECT ?other ?target WHERE { ?other ml:disputes ?target }"):
        direct[r["target"]].add(r["other"])
    out: dict[str, set[str]] = defaultdict(set, {k: set(v) for k, v in direct.items()})
    for r in _q(store, "SELECT ?c ?item WHERE { ?c ml:supports ?item }"):
        if r["c"] in direct:
            out[r["item"]] |= direct[r["c"]]
    return out


def fetch_items(
    store: SparqlStore, items: set[str], disputes: dict[str, set[str]]
) -> dict[str, ItemInfo]:
    """What the weighing needs of each item; ``disputes`` is :func:`disputed_by`.

    The batches are independent: on a large cached store they go to worker processes
    (:func:`minelaw.store.parallel.map_on_store`), and come back in order."""
    from ..store.parallel import map_on_store

    info: dict[str, ItemInfo] = {}
    for part in map_on_store(store, _fetch_items, [(b, disputes) for b in batches(items)]):
        info.update(part)
    return info


def _fetch_items(
    store: SparqlStore, items: set[str], disputes: dict[str, set[str]]
) -> dict[str, ItemInfo]:
    vals = _values(items)
    info: dict[str, ItemInfo] = {}
    for r in _q(
        store,
        f"""SELECT ?item ?claim ?label ?date ?claimant ?party ?found ?before WHERE {{
              VALUES ?item {{ {vals} }}
              BIND(STRDT(IF(EXISTS {{ ?item a ml:Claim }}, "true", "false"), xsd:boolean) AS ?claim)
              OPTIONAL {{ ?item rdfs:label ?l1 }}
              OPTIONAL {{ ?item skos:prefLabel ?l2 FILTER(LANGMATCHES(LANG(?l2), "en")) }}
              BIND(COALESCE(?l1, ?l2) AS ?label)
              OPTIONAL {{ ?item ml:date ?date }}
              OPTIONAL {{ ?item ml:claimedOn ?date }}
              OPTIONAL {{ ?item ml:foundBy ?found }}
              OPTIONAL {{ ?item ml:allegedBefore ?before }}
              OPTIONAL {{ ?item ml:claimant ?claimant .
                         OPTIONAL {{ ?claimant ml:actsFor ?party .
                                    VALUES ?pt {{ ml:State ml:DeFactoAuthority }}
                                    ?party a ?pt }} }}
            }} ORDER BY ?item ?claimant ?party""",
    ):
        it = info.setdefault(
            r["item"], ItemInfo(r["item"], r["claim"] == "true", r.get("label", ""), "")
        )
        it.label = it.label or r.get("label", "")
        it.date = it.date or r.get("date", "")
        if r.get("claimant"):
            it.claimants.add(r["claimant"])
            it.claimant = it.claimant or r["claimant"]
        it.claimant_party = it.claimant_party or r.get("party")
        it.found_by = it.found_by or r.get("found", "")
        it.alleged_before = it.alleged_before or r.get("before", "")
    # sources: the item's own, and those of the claims that support it (an alleged event is
    # only as strong as its claims: their claimants are the origins)
    via_claimants: dict[str, set[str]] = defaultdict(set)
    for r in _q(
        store,
        f"""SELECT ?item ?src ?via ?vc WHERE {{ VALUES ?item {{ {vals} }}
              {{ ?item dcterms:source ?src }}
              UNION {{ ?via ml:supports ?item ; dcterms:source ?src .
                       OPTIONAL {{ ?via ml:claimant ?vc }} }} }}""",
    ):
        it = info[r["item"]]
        it.sources.add(r["src"])
        if r.get("via"):
            if r.get("vc"):
                via_claimants[r["via"]].add(r["vc"])
            it.testimony.add((r["via"], r["src"]))
        else:
            it.testimony.add(("", r["src"]))
    for it in info.values():
        # a supporting claim's statement: its claimant(s) are the origin
        it.testimony = {
            (",".join(sorted(via_claimants.get(v, set()))) if v else "", src)
            for v, src in it.testimony
        }
    for item, it in info.items():
        it.disputed_by |= disputes.get(item, set())
    for r in _q(
        store, f"SELECT ?item ?a WHERE {{ VALUES ?item {{ {vals} }} ?item ml:against ?a }}"
    ):
        info[r["item"]].against.add(r["a"])
    return info


def fetch_sources(store: SparqlStore, sources: set[str]) -> dict[str, SourceInfo]:
    out: dict[str, SourceInfo] = {}
    for batch in batches(sources):
        out.update(_fetch_sources(store, batch))
    return out


def _fetch_sources(store: SparqlStore, sources: set[str]) -> dict[str, SourceInfo]:
    out: dict[str, SourceInfo] = {}
    origins: dict[str, set[str]] = defaultdict(set)
    for r in _q(
        store,
        f"""SELECT ?s ?pub ?publ ?rel ?relr ?cred ?credr ?url ?title ?origin ?rep WHERE {{
              VALUES ?s {{ {_values(sources)} }}
              OPTIONAL {{ ?s dcterms:publisher ?pub .
                         OPTIONAL {{ ?pub skos:prefLabel ?publ
                                    FILTER(LANGMATCHES(LANG(?publ), "en")) }} }}
              OPTIONAL {{ ?s ml:reliability ?r . ?r skos:notation ?rel ; ml:rank ?relr }}
              OPTIONAL {{ ?s ml:credibility ?c . ?c skos:notation ?cred ; ml:rank ?credr }}
              OPTIONAL {{ ?s ml:url ?url }}
              OPTIONAL {{ ?s dcterms:title ?title }}
              OPTIONAL {{ ?s ml:origin ?origin }}
              OPTIONAL {{ ?s ml:republicationOf ?rep }} }}""",
    ):
        if r.get("origin"):
            origins[r["s"]].add(r["origin"])
        if r["s"] in out:
            continue
        out[r["s"]] = SourceInfo(
            r["s"],
            r.get("pub", ""),
            r.get("publ", local(r.get("pub", ""))),
            r.get("rel", "F"),
            r.get("cred", "6"),
            int(r.get("relr", 1)),
            int(r.get("credr", 1)),
            r.get("url", ""),
            r.get("title", ""),
            (),
            r.get("rep", ""),
        )
    for s, found in origins.items():
        out[s].origins = tuple(sorted(found))
    return out


def interests(store: SparqlStore, origins: set[str]) -> dict[str, set[str]]:
    """Origin -> the parties (states, de facto authorities) it speaks for: itself, or those it
    is an organ or official of, is directed or funded by, or (a person) affiliated with a body
    that is -- one rule for every party."""
    out: dict[str, set[str]] = defaultdict(set)
    for batch in batches(o for o in origins if o):
        for r in _q(
            store,
            f"""SELECT ?o ?p WHERE {{ VALUES ?o {{ {_values(batch)} }}
                  ?o (ml:organOf|ml:directedBy|ml:fundedBy|ml:affiliatedWith)* ?p .
                  VALUES ?t {{ ml:State ml:DeFactoAuthority }} ?p a ?t }}""",
        ):
            out[r["o"]].add(r["p"])
    return dict(out)


def interest_reason(store: SparqlStore, origin: str, party: str) -> str:
    """Why an origin is interested for a party, in words (for briefs)."""
    rows = _q(
        store,
        f"""SELECT ?rel ?mid WHERE {{
              {{ <{origin}> ?rel <{party}> . FILTER(?rel IN (ml:organOf, ml:directedBy,
                                                             ml:fundedBy, ml:affiliatedWith)) }}
              UNION {{ <{origin}> ?rel ?mid .
                       FILTER(?rel IN (ml:organOf, ml:directedBy, ml:fundedBy, ml:affiliatedWith))
                       ?mid (ml:organOf|ml:directedBy|ml:fundedBy|ml:affiliatedWith)+ <{party}> }}
            }} LIMIT 1""",
    )
    if origin == party:
        return "the party itself"
    if not rows:
        return "speaks for the party"
    words = {
        "organOf": "an organ or official of",
        "directedBy": "directed by",
        "fundedBy": "funded by",
        "affiliatedWith": "affiliated with",
    }[rows[0]["rel"].rsplit("#", 1)[-1]]
    if rows[0].get("mid"):
        return f"{words} {local(rows[0]['mid'])}, which speaks for {local(party)}"
    return f"{words} {local(party)}"


# --- the testimonies behind an element -------------------------------------------------------
@dataclass(frozen=True)
class Testimony:
    """One origin's statement for (or against) an element, with its best carrier."""

    origin: str
    carriers: tuple[str, ...]  # sources carrying the statement, best first
    rel_rank: int
    cred_rank: int
    grade: str
    kind: str  # independent | admission | interested | self-serving
    court: str = ""  # the court, when this is a court's own finding of fact


def origins_of(
    src: SourceInfo, given: str, sources: dict[str, SourceInfo], claimants: set[str]
) -> tuple[str, ...]:
    """The origins of the statements carried by ``src``: ``given`` (the claimants of a
    supporting claim), the source's ``ml:origin`` (each, when it names several), for a claim
    its claimant (the one that published the source, when a claim has several), else the
    publisher reporting on its own account."""
    if given:
        return (given.split(",")[0],)
    if src.origins:
        return src.origins
    if claimants:
        return (src.publisher if src.publisher in claimants else sorted(claimants)[0],)
    s = src
    seen = set()
    while s.republication_of and s.republication_of in sources and s.iri not in seen:
        seen.add(s.iri)
        s = sources[s.republication_of]
    return s.origins or (s.publisher or s.iri,)


def testimonies(
    items: Iterable[str],
    info: dict[str, ItemInfo],
    sources: dict[str, SourceInfo],
    party_of: dict[str, set[str]],
    duty_bearer: str,
    exclude_sources: set[str],
    against_duty_bearer: bool = True,
) -> list[Testimony]:
    """The items' statements grouped by origin; ``against_duty_bearer`` False for
    counter-evidence."""
    by_origin: dict[str, list[SourceInfo]] = defaultdict(list)
    courts: dict[str, str] = {}
    for i in items:
        it = info.get(i)
        if it is None:
            continue
        for given, s in it.testimony:
            if s in exclude_sources or s not in sources:
                continue
            src = sources[s]
            for o in origins_of(src, given, sources, it.claimants if it.is_claim else set()):
                by_origin[o].append(src)
                if it.found_by and not it.is_claim:
                    courts[o] = it.found_by
    out = []
    for o, srcs in by_origin.items():
        srcs = sorted(
            {s.iri: s for s in srcs}.values(), key=lambda s: (-s.rel_rank, -s.cred_rank, s.iri)
        )
        best = srcs[0]
        parties = party_of.get(o, set())
        if against_duty_bearer:
            if duty_bearer in parties:
                kind = ADMISSION
            elif parties:
                kind = INTERESTED
            else:
                kind = INDEPENDENT
        else:
            if duty_bearer in parties:
                kind = SELF_SERVING
            elif parties:
                kind = ADMISSION  # an opposing party's statement in the duty-bearer's favour
            else:
                kind = INDEPENDENT
        out.append(
            Testimony(
                o,
                tuple(s.iri for s in srcs),
                best.rel_rank,
                best.cred_rank,
                best.grade,
                kind,
                courts.get(o, ""),
            )
        )
    return sorted(out, key=lambda t: (-t.rel_rank, -t.cred_rank, t.origin))
