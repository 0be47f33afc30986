"""Identifiers a user types, checked against the knowledge base (issue 17: no silent wrong answer).

A saved query's parameter that names a resource (``# param: state ml:State ...``), and every
what-if exclusion (``--exclude-source``, ``--exclude-claim``), is resolved here before anything
runs: the short identifier (``QQA``, ``CIHL-R83``; the ``dcterms:identifier`` that is also the
local name of ``mlr:<id>``, DESIGN.md section 3 "Stable identifiers"), the prefixed name
(``mlr:QQA``) and the full IRI are accepted; a state may also be named by its ISO 3166-1
alpha-3 code.  An identifier the KB does not hold is a :class:`~minelaw.errors.UsageError`
(exit 2) naming what is missing and the closest identifiers -- the same word in other case
first (``qqa`` -> ``QQA``), then by edit distance (:func:`difflib.get_close_matches`) over the
identifiers and English labels of that class -- never an empty answer that reads as "no".

The existence check is one VALUES-bound query; the list of candidates for a suggestion is read
only when the check fails.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError
from ..namespaces import ML, MLR, PREFIXES

#: the noun an error message uses for an identifier of each class, and the saved query that
#: lists them (None: no listing query)
NOUNS: dict[str, tuple[str, str | None]] = {
    ML + "State": ("state", "states"),
    ML + "Actor": ("actor", "actors"),
    ML + "Instrument": ("instrument", "instruments"),
    ML + "Treaty": ("treaty", "instruments"),
    ML + "Norm": ("norm", "norms"),
    ML + "Place": ("place", "places"),
    ML + "Source": ("source", "sources"),
    ML + "Claim": ("claim", None),
    ML + "Event": ("event", "timeline"),
    ML + "Finding": ("finding", "findings-overview"),
}

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]*")


def class_iri(curie: str) -> str | None:
    """``ml:State`` -> the full IRI; None unless ``curie`` is a prefixed name of a known prefix."""
    prefix, sep, local = curie.partition(":")
    if not sep or prefix not in PREFIXES or not re.fullmatch(r"[A-Za-z][\w-]*", local):
        return None
    return PREFIXES[prefix] + local


def noun(cls: str | None) -> str:
    """How messages name an identifier of ``cls`` ("state", "norm"; else the class's name)."""
    if cls is None:
        return "resource"
    if cls in NOUNS:
        return NOUNS[cls][0]
    local = re.split(r"[#/]", cls)[-1]
    return re.sub(r"(?<!^)([A-Z])", r" \1", local).lower()


def local_id(iri: str) -> str:
    """The short identifier of a KB resource (``mlr:<id>``), else the IRI unchanged."""
    return iri[len(MLR) :] if iri.startswith(MLR) else iri


@dataclass(frozen=True)
class Known:
    """A resource of the class asked for: its IRI, identifier and English (or any) label."""

    iri: str
    ident: str
    label: str


def _candidates(value: str, cls: str | None) -> list[str]:
    """The IRIs ``value`` may name: itself (full IRI), ``mlr:<value>``, ``mlr:finding-<value>``."""
    v = value.strip()
    if v.startswith(("http://", "https://")):
        return [v]
    if v.startswith("mlr:"):
        v = v[4:]
    if not _ID.fullmatch(v):
        return []
    out = [MLR + v]
    if cls == ML + "Finding" and not v.startswith("finding-"):
        out.append(MLR + "finding-" + v)
    return out


def _iri_term(iri: str) -> str:
    return "<" + iri.replace(">", "%3E").replace(" ", "%20") + ">"


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _typed(cls: str | None) -> str:
    """The pattern "?x is a resource of cls" (any described resource when cls is None)."""
    return f"?x a {_iri_term(cls)} ." if cls else "FILTER EXISTS { ?x ?anyP ?anyO }"


def _found(store: Any, cls: str | None, values: Sequence[str]) -> dict[str, str]:
    """value -> IRI, for the values naming a resource of ``cls`` (by IRI, id or ISO code)."""
    pairs = [(v, c) for v in values for c in _candidates(v, cls)]
    rows = []
    if pairs:
        vals = " ".join(f"({_lit(v)} {_iri_term(c)})" for v, c in pairs)
        rows += store.query(
            f"SELECT ?v ?x WHERE {{ VALUES (?v ?x) {{ {vals} }} {_typed(cls)} }}"
        ).rows
    # an identifier whose IRI is not mlr:<id> (or a state named by its ISO code)
    plain = [v for v in values if _ID.fullmatch(v.strip())]
    if plain:
        vals = " ".join(_lit(v.strip()) for v in plain)
        rows += store.query(
            "SELECT ?v ?x WHERE { VALUES ?v { "
            + vals
            + " } { ?x <http://purl.org/dc/terms/identifier> ?v } UNION "
            "{ ?x <" + ML + "iso3166Alpha3> ?v } " + _typed(cls) + " }"
        ).rows
    out: dict[str, str] = {}
    for r in rows:
        v, x = r.get("v"), r.get("x")
        if v is not None and x is not None:
            out.setdefault(v.value, x.value)
    return out


def known(store: Any, cls: str | None) -> list[Known]:
    """Every resource of ``cls`` with its identifier and a label (for suggestions and lists);
    with ``cls`` None, every resource that has a ``dcterms:identifier``."""
    typed = f"?x a {_iri_term(cls)} ." if cls else ""
    res = store.query(
        "SELECT ?x (SAMPLE(?i) AS ?id) (SAMPLE(?l) AS ?label) WHERE { "
        + typed
        + (" OPTIONAL" if cls else "")
        + " { ?x <http://purl.org/dc/terms/identifier> ?i } "
        "OPTIONAL { ?x <http://www.w3.org/2000/01/rdf-schema#label>|"
        "<http://www.w3.org/2004/02/skos/core#prefLabel> ?l "
        'FILTER(LANG(?l) = "" || LANGMATCHES(LANG(?l), "en")) } } GROUP BY ?x'
    )
    out = []
    for r in res.rows:
        x = r.get("x")
        if x is None or not hasattr(x, "value") or not x.value.startswith("http"):
            continue
        i, lab = r.get("id"), r.get("label")
        out.append(
            Known(
                x.value,
                i.value if i is not None else local_id(x.value),
                lab.value if lab is not None else "",
            )
        )
    return out


def suggestions(value: str, options: Iterable[Known], n: int = 3) -> list[Known]:
    """The closest resources to ``value``: same identifier or label in other case, then the
    nearest identifiers and labels by edit distance."""
    opts = list(options)
    v = value.strip()
    if v.startswith(MLR):
        v = v[len(MLR) :]
    elif v.startswith("mlr:"):
        v = v[4:]
    low = v.casefold()
    exact = [k for k in opts if low in (k.ident.casefold(), k.label.casefold())]
    if exact:
        return exact[:n]
    by_key: dict[str, Known] = {}
    for k in opts:
        by_key.setdefault(k.ident.casefold(), k)
        if k.label:
            by_key.setdefault(k.label.casefold(), k)
    close = difflib.get_close_matches(low, list(by_key), n=n * 2, cutoff=0.6)
    out: list[Known] = []
    for key in close:
        if by_key[key] not in out:
            out.append(by_key[key])
    if not out:  # a prefix or part of an identifier (e.g. "R83" for CIHL-R83)
        out = [k for k in opts if low and low in k.ident.casefold()][:n]
    return out[:n]


def either(words: Sequence[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _shown(k: Known) -> str:
    return f"{k.ident} ({k.label})" if k.label and k.label != k.ident else k.ident


def unknown_error(
    store: Any, cls: str | None, value: str, *, what: str | None = None
) -> UsageError:
    """The error for an identifier the KB does not hold, with suggestions and where to look."""
    name = what or noun(cls)
    close = suggestions(value, known(store, cls))
    msg = f"no {name} {value!r} in the knowledge base"
    if close:
        msg += " — did you mean " + either([_shown(k) for k in close]) + "?"
    elif not _candidates(value, cls) and not value.startswith("http"):
        msg += " (an identifier is letters, digits, '.', '_' and '-')"
    listing = NOUNS.get(cls or "", (None, None))[1]
    hint = (
        f"`minelaw query {listing}` lists the {name} identifiers"
        if listing
        else "identifiers are the dcterms:identifier values of the KB (`minelaw query "
        "'SELECT ?id WHERE { ?x dcterms:identifier ?id }'`)"
    )
    return UsageError(msg, hint=hint)


def resolve(store: Any, cls: str | None, value: str, *, what: str | None = None) -> str:
    """The IRI of the resource of ``cls`` that ``value`` names, or :class:`UsageError`."""
    found = _found(store, cls, [value])
    if value in found:
        return found[value]
    raise unknown_error(store, cls, value, what=what)


def resolve_all(
    store: Any, cls: str | None, values: Sequence[str], *, what: str | None = None
) -> list[str]:
    """:func:`resolve` for several values with one query; the first unknown one is the error."""
    if not values:
        return []
    found = _found(store, cls, list(values))
    for v in values:
        if v not in found:
            raise unknown_error(store, cls, v, what=what)
    return [found[v] for v in values]


def codes(store: Any, scheme: str) -> list[Known]:
    """The codes (``skos:notation``) of the concepts of a SKOS scheme, with their labels."""
    res = store.query(
        "SELECT ?x (SAMPLE(?n) AS ?id) (SAMPLE(?l) AS ?label) WHERE { ?x "
        "<http://www.w3.org/2004/02/skos/core#inScheme> "
        + _iri_term(scheme)
        + " ; <http://www.w3.org/2004/02/skos/core#notation> ?n . OPTIONAL { ?x "
        "<http://www.w3.org/2004/02/skos/core#prefLabel> ?l "
        'FILTER(LANGMATCHES(LANG(?l), "en")) } } GROUP BY ?x'
    )
    out = []
    for r in res.rows:
        x, i, lab = r.get("x"), r.get("id"), r.get("label")
        if x is not None and i is not None:
            out.append(Known(x.value, i.value, lab.value if lab is not None else ""))
    return sorted(out, key=lambda k: k.ident)


def resolve_code(store: Any, scheme: str, value: str, *, what: str) -> str:
    """The code of the concept of ``scheme`` that ``value`` names (any case), else UsageError
    listing the codes."""
    options = codes(store, scheme)
    v = value.strip().casefold()
    for k in options:
        if v in (k.ident.casefold(), k.iri.rsplit("/", 1)[-1].casefold()):
            return k.ident
    close = suggestions(value, options)
    msg = f"no {what} {value!r} in the knowledge base"
    if close:
        msg += " — did you mean " + either([k.ident for k in close]) + "?"
    raise UsageError(msg, hint="one of: " + ", ".join(_shown(k) for k in options))
