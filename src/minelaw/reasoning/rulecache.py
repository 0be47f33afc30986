"""The compliance rules' query results, kept beside the cached store and reused (issue 19).

Implements the "incremental after ``minelaw add``" part of issue 19 for the rules step of
DESIGN.md section 2 ("rules"): the trigger rows of each compliance shape
(:func:`minelaw.reasoning.rules.run_triggers`) and the items each element pattern finds for
each candidate row (:func:`minelaw.reasoning.rules.element_items_all`) are written to
``rules-cache.json`` in the store's cache folder, keyed by the text of the query.

A SPARQL query without ``GRAPH``, ``SERVICE`` or a non-deterministic function reads only the
triples that match its triple patterns (SPARQL 1.1 Query, section 18.5: the evaluation of a
basic graph pattern or a property path depends only on the matching triples), so its
*footprint* -- the predicates its patterns name, and for ``rdf:type`` the classes -- says
which new triples can change its answer.  A store built incrementally
(:mod:`minelaw.store.incremental`) records in ``delta.json`` the predicates and classes of
every triple it added (asserted or inferred; the incremental build never removes one).
The answer of a query whose footprint the delta does not touch is the base store's, so it
is taken from the base's cache; the others run again.  An element pattern that runs again
is asked only for the candidate rows the cache lacks when it is untouched, for all rows
otherwise.  The same store (same folder) reuses everything.  Anything unknown -- no
base cache, a ``delta.json`` without the footprint, a query that does not tokenize, a
variable predicate, a negated property set -- runs the query.  The footprint is read from
the query's tokens (:func:`footprint`; rdflib's parser takes about half a second a query);
a test checks that it covers the one from rdflib's algebra for every bundled rule.

One assumption, which the footprint does not check: a zero-length property path (``p*``,
``p?``) also matches every node of the store, so a new node could in principle reach a
result through it alone; the rules never use such a path without a triple pattern that binds
one of its ends (a rule that enumerated every node of the store would be a bug of its own).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..namespaces import PREFIXES, sparql_prefixes
from ..store.oxigraph import EmbeddedStore, SparqlStore

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
FORMAT = 1


@dataclass(frozen=True)
class Delta:
    """What an incremental build added: the predicates (``rdf:type`` aside) and classes."""

    predicates: frozenset[str]
    classes: frozenset[str]


NOTHING = Delta(frozenset(), frozenset())


@dataclass(frozen=True)
class Footprint:
    """The triples a query can read: those of these predicates, and ``rdf:type`` triples of
    these classes; ``any_predicate``/``any_class``: any triple, any ``rdf:type`` triple."""

    predicates: frozenset[str]
    classes: frozenset[str]
    any_predicate: bool = False
    any_class: bool = False

    def touched_by(self, delta: Delta) -> bool:
        if self.any_predicate:
            return bool(delta.predicates or delta.classes)
        if self.predicates & delta.predicates:
            return True
        return bool(delta.classes) and (self.any_class or bool(self.classes & delta.classes))


UNKNOWN = Footprint(frozenset(), frozenset(), True, True)


_TOKEN = re.compile(
    r"""(?P<ws>\s+|\#[^\n]*)
    |(?P<iri><[^<>"{}|^`\\\s]*>)
    |(?P<str>\"\"\"[\s\S]*?\"\"\"|'\''\''[\s\S]*?'\''\''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')
    |(?P<var>[?$][A-Za-z0-9_]+)
    |(?P<blank>_:[A-Za-z0-9_.-]*)
    |(?P<pname>[A-Za-z][A-Za-z0-9_.-]*:[A-Za-z0-9_.%-]*|:[A-Za-z0-9_.%-]*)
    |(?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    |(?P<word>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<op>\^\^|&&|\|\||!=|<=|>=|[{}()\[\];,.|/^*+?!=<>@-])""",
    re.X,
)
_TERMS = {"var", "iri", "pname", "str", "num", "blank"}
_STARTS = {"{", "}", ".", ")", ""}
_PATH_OPS = {"/", "|", "^", "*", "+", "?"}


@functools.lru_cache(maxsize=512)
def footprint(query: str) -> Footprint:
    """The footprint of a SPARQL query (prefixes included), read from its tokens, or
    :data:`UNKNOWN`.

    Safe by excess: every IRI the query names counts as a predicate and as a class it may
    read; a variable in the place of a predicate (after ``;``, ``[`` or ``]``, or after the
    subject at the start of a triple), a negated property set, or ``rdf:type`` with a
    variable object or inside a path reads any triple (or any ``rdf:type`` triple).
    """
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(query):
        m = _TOKEN.match(query, pos)
        if m is None:
            return UNKNOWN
        pos = m.end()
        kind = m.lastgroup or ""
        text = m.group()
        if kind == "ws":
            continue
        if kind == "pname" and text.endswith("."):  # a name never ends with a dot
            tokens.append((kind, text.rstrip(".")))
            tokens += [("op", ".")] * (len(text) - len(text.rstrip(".")))
            continue
        tokens.append((kind, text))
    words = {t.upper() for k, t in tokens if k == "word"}
    if words & {"GRAPH", "SERVICE", "NOW", "RAND", "UUID", "STRUUID", "BNODE"}:
        return UNKNOWN
    prefixes = dict(PREFIXES)
    for n, (kind, text) in enumerate(tokens[:-2]):
        if kind == "word" and text.upper() == "PREFIX":
            name, ns = tokens[n + 1][1], tokens[n + 2][1]
            prefixes[name.rstrip(":")] = ns[1:-1]
    iris: set[str] = set()
    any_pred = any_class = False
    for n, (kind, text) in enumerate(tokens):
        prev1 = tokens[n - 1] if n >= 1 else ("", "")
        prev2 = tokens[n - 2] if n >= 2 else ("", "")
        nxt = tokens[n + 1] if n + 1 < len(tokens) else ("", "")
        iri: str | None = None
        if kind == "iri":
            iri = text[1:-1]
        elif kind == "pname":
            prefix, _, local = text.partition(":")
            if prefix not in prefixes:
                return UNKNOWN
            iri = prefixes[prefix] + local
        if iri is not None:
            iris.add(iri)
        if kind == "var" and (
            prev1[1] in (";", "[", "]") or (prev1[0] in _TERMS and prev2[1] in _STARTS)
        ):
            any_pred = True
        if kind == "op" and text == "!":  # a negated property set: !p, !^p, !(p|^q)
            after = tokens[n + 2] if nxt[1] == "(" and n + 2 < len(tokens) else nxt
            if after[0] in ("iri", "pname") or after[1] in ("a", "^"):
                any_pred = True
        if (kind == "word" and text == "a") or iri == RDF_TYPE:
            if prev1[1] in _PATH_OPS or nxt[1] in _PATH_OPS:
                any_class = True
            for k2, t2 in tokens[n + 1 :]:
                if t2 in (";", ".", "}", "]", ")"):
                    break
                if k2 == "var":
                    any_class = True
    iris.discard(RDF_TYPE)
    return Footprint(frozenset(iris), frozenset(iris), any_pred, any_class)


def parsed_footprint(query: str) -> Footprint:
    """The footprint from rdflib's SPARQL algebra: exact, but rdflib parses a rule's query in
    about half a second, so :func:`footprint` reads the tokens instead; a test asserts that
    its footprint covers this one for every rule."""
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        algebra = translateQuery(parseQuery(query)).algebra
    except Exception:  # noqa: BLE001 -- rdflib's parser raises many kinds
        return UNKNOWN
    preds: set[str] = set()
    classes: set[str] = set()
    flags = {"pred": False, "cls": False}

    def path_iris(p: Any) -> Iterable[str]:
        from rdflib import URIRef
        from rdflib.paths import AlternativePath, InvPath, MulPath, SequencePath

        if isinstance(p, URIRef):
            yield str(p)
        elif isinstance(p, SequencePath | AlternativePath):
            for a in p.args:
                yield from path_iris(a)
        elif isinstance(p, MulPath):
            yield from path_iris(p.path)
        elif isinstance(p, InvPath):
            yield from path_iris(p.arg)
        else:  # a negated property set, or something unknown: any predicate
            flags["pred"] = True

    def triple(t: Any) -> None:
        from rdflib import URIRef, Variable

        _, p, o = t
        if isinstance(p, Variable):
            flags["pred"] = True
        elif isinstance(p, URIRef) and str(p) == RDF_TYPE:
            if isinstance(o, URIRef):
                classes.add(str(o))
            else:
                flags["cls"] = True
        else:
            iris = set(path_iris(p))
            if RDF_TYPE in iris:
                flags["cls"] = True
            preds.update(iris - {RDF_TYPE})

    seen: set[int] = set()

    def walk(node: Any) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "triples" and isinstance(v, list | tuple):
                    for t in v:
                        # a triple; in an unparsed EXISTS group, several triples in one list
                        if isinstance(t, list | tuple) and len(t) % 3 == 0 and t:
                            for i in range(0, len(t), 3):
                                triple(t[i : i + 3])
                        else:
                            flags["pred"] = True  # an unknown shape: be safe
                else:
                    walk(v)
        elif isinstance(node, list | tuple | set):
            for v in node:
                walk(v)

    walk(algebra)
    return Footprint(frozenset(preds), frozenset(classes), flags["pred"], flags["cls"])


def pattern_footprint(pattern: str) -> Footprint:
    """The footprint of an element pattern (a group pattern over ``?this``, ``?territory``...)."""
    return footprint(sparql_prefixes() + f"SELECT * WHERE {{\n{pattern}\n}}")


def digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:32]


@dataclass
class RuleCache:
    """The cache of one store: what it reuses (``old``, valid after ``delta``) and what it
    writes (``new``); :attr:`stats` counts the queries reused and run."""

    file: Path | None
    old: dict[str, Any] = field(default_factory=dict)
    delta: Delta = NOTHING
    own: bool = False  # ``old`` is this store's own cache
    new: dict[str, Any] = field(default_factory=lambda: {"triggers": {}, "patterns": {}})
    stats: dict[str, int] = field(
        default_factory=lambda: {
            "triggers_reused": 0,
            "triggers_run": 0,
            "patterns_reused": 0,
            "patterns_run": 0,
            "rows_reused": 0,
            "rows_run": 0,
        }
    )

    # --- trigger rows ------------------------------------------------------------------
    def triggers(self, key: str, query: str) -> list[dict[str, str]] | None:
        """The cached rows of a rule's trigger query, if still valid for this store."""
        rows = self.old.get("triggers", {}).get(key)
        if rows is None or footprint(query).touched_by(self.delta):
            self.stats["triggers_run"] += 1
            return None
        self.stats["triggers_reused"] += 1
        return list(rows)

    def keep_triggers(self, key: str, rows: list[dict[str, str]]) -> None:
        self.new["triggers"][key] = rows

    # --- element patterns --------------------------------------------------------------
    def pattern_rows(self, pattern: str) -> dict[tuple[str, ...], list[str]]:
        """Row key -> items of the pattern still valid for this store (empty: none)."""
        entry = self.old.get("patterns", {}).get(digest(pattern))
        if entry is None or pattern_footprint(pattern).touched_by(self.delta):
            return {}
        return {tuple(r[:4]): list(r[4]) for r in entry}

    def keep_pattern(self, pattern: str, rows: dict[tuple[str, ...], set[str]]) -> None:
        self.new["patterns"][digest(pattern)] = [[*k, sorted(v)] for k, v in rows.items()]

    def save(self) -> None:
        """Write the cache beside the store (atomically; a read-only folder only costs a
        rerun next time)."""
        if self.file is None:
            return
        new = self.new
        if self.own:  # the same store: what this run did not ask for stays valid
            new = {k: {**self.old.get(k, {}), **self.new[k]} for k in ("triggers", "patterns")}
            if not (self.stats["triggers_run"] or self.stats["patterns_run"]) and new == {
                k: self.old.get(k, {}) for k in ("triggers", "patterns")
            }:
                return  # nothing new: the file on disk holds this cache already
        doc = {"format": FORMAT, "minelaw": __version__, **new}
        text = json.dumps(doc, separators=(",", ":"))  # in one go: the C encoder
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(prefix=".rules-cache-", dir=self.file.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            if not self.file.name.endswith("-restricted.json"):  # as readable as the store
                os.chmod(tmp, 0o644)
            os.replace(tmp, self.file)
        except OSError:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


def _read(file: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or (doc.get("format"), doc.get("minelaw")) != (
        FORMAT,
        __version__,
    ):
        return None
    return doc


def cache_name(store: EmbeddedStore) -> str:
    return "rules-cache-restricted.json" if store.include_restricted else "rules-cache.json"


def open_cache(store: SparqlStore) -> RuleCache:
    """The rules cache of ``store``: its own, else its base's with the delta between them
    (an incrementally built store), else empty; a store outside the cache keeps none."""
    if not isinstance(store, EmbeddedStore) or store.path is None:
        return RuleCache(None)
    name = cache_name(store)
    own = _read(store.path / name)
    if own is not None:
        return RuleCache(store.path / name, own, NOTHING, own=True)
    record = store.path / "delta.json"
    try:
        delta = json.loads(record.read_text(encoding="utf-8")) if record.is_file() else None
    except (OSError, ValueError):
        delta = None
    if (
        isinstance(delta, dict)
        and "predicates" in delta
        and "classes" in delta
        and delta.get("base")
    ):
        base = _read(store.path.parent / str(delta["base"][0]) / name)
        if base is not None:
            return RuleCache(
                store.path / name,
                base,
                Delta(frozenset(delta["predicates"]), frozenset(delta["classes"])),
            )
    return RuleCache(store.path / name)
