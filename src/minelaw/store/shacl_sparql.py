"""SHACL shapes compiled into whole-graph SPARQL queries that Oxigraph runs (issue 19).

Implements, for the validation of a whole store, W3C SHACL (Recommendation, 20 July 2017):

- §2.1.3 targets: ``sh:targetClass`` (SHACL instances, §3.2: ``rdf:type/rdfs:subClassOf*``),
  implicit class targets (§2.1.3.2), ``sh:targetNode``, ``sh:targetSubjectsOf``,
  ``sh:targetObjectsOf``; §2.1.5 ``sh:deactivated``, §2.1.4 ``sh:severity``, §2.1.5 ``sh:message``;
- §2.3.1 property paths (predicate, sequence, alternative, inverse, zero-or-more,
  one-or-more, zero-or-one), written as the SPARQL 1.1 property paths of §2.3.1's table;
- §3.6 validation results: focus node, result path, value, source constraint component,
  source shape, message, severity (:class:`Query` says how its rows give them;
  :mod:`minelaw.store.entry_shapes` runs the queries);
- §4 the Core constraint components: §4.1 ``class``, ``datatype``, ``nodeKind``; §4.2
  ``minCount``, ``maxCount``; §4.3 ``min/maxExclusive``, ``min/maxInclusive``; §4.4
  ``min/maxLength``, ``pattern`` (with ``flags``), ``languageIn``, ``uniqueLang``; §4.5 ``equals``,
  ``disjoint``, ``lessThan``, ``lessThanOrEquals``; §4.6 ``not``, ``and``, ``or``, ``xone``; §4.7
  ``node``, ``property``, ``qualifiedValueShape`` with ``qualifiedMin/MaxCount``; §4.8
  ``hasValue``, ``in``;
- §5 SPARQL-based constraints (``sh:sparql`` with ``sh:select``) of a shape with targets, when
  the query is ``SELECT [DISTINCT] vars WHERE { ... }`` and ``$this`` is bound by a triple of
  its top-level group, so that joining the focus nodes in equals pre-binding ``$this`` (§5.3.1).

Each top-level shape and constraint component becomes one query over the whole store (the
union of its graphs) that returns the violating focus nodes (and values); nested shapes
(``sh:node``, ``sh:or``...) become sets of violating nodes combined by join, ``UNION`` and
``MINUS``.  The queries are written for Oxigraph's evaluator, whose optimiser does not know
how many triples a predicate has: with many targets, a predicate's triples are scanned once,
filtered, and only the few violations left are checked against the targets (``BIND(EXISTS
...)`` after a sub-select: a ``FILTER EXISTS`` would be pushed down to every triple), and
absences are anti-joins (``MINUS``); with few targets against many triples, each target is
looked up (``LATERAL``, Oxigraph's, from the SPARQL 1.2 proposals: it hash-joins a group with
a triple otherwise); conjunctions and disjunctions are ``IF`` chains (it evaluates both sides
of ``&&`` and ``||``).  The sizes come from triple counts on the store.

What is not compiled -- ``sh:closed``, ``sh:qualifiedValueShapesDisjoint``, SHACL-AF targets,
SPARQL constraints in nested shapes or of another form, any unknown ``sh:`` parameter -- makes
:func:`compile_shapes` list the shape in :attr:`Compiled.fallback` with the reason, and the
caller validates that shape with pySHACL (the reference engine).

Assumes what a minelaw store guarantees: the ``rdfs:subClassOf`` consequences of every
``rdf:type`` are materialised (OWL 2 RL cax-sco, :mod:`minelaw.store.reason`), so a SHACL
instance of ``C`` is any node typed ``C``.  Known differences from pySHACL, outside minelaw's
data: regular expressions follow XPath (``$`` does not match before a final newline, as
Python's does); datatypes are well formed when Oxigraph parses them (rdflib also accepts
``" 1"^^xsd:integer`` or ``"1e3"^^xsd:decimal``); ``languageIn`` follows ``langMatches``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .shacl_exprs import (
    _COUNTS,
    _NOT_CONSTRAINTS,
    _PAIRS,
    _VALUE_EXPR,
    RDF,
    SH,
    XSD,
    ShapesGraph,
    Unsupported,
    _nt,
    _sh,
)

__all__ = ["SH", "XSD", "Compiled", "Query", "Unsupported", "compile_shapes"]


@dataclass
class Query:
    """One compiled query: its rows are violations of ``component`` of ``shape``."""

    sparql: str
    component: str
    shape: str
    path: str | None
    messages: tuple[str, ...]
    severity: str
    value: str  # "value": the ?value column; "focus": the focus node; "": none
    sparql_vars: tuple[str, ...] = ()  # SPARQL constraints: the projected variables


@dataclass
class Focus:
    """Some nodes: these IRIs, and every subject of these named graphs (blank nodes included)."""

    iris: list[str]
    graphs: list[str]
    size: int  # an estimate


@dataclass
class Compiled:
    queries: list[Query] = field(default_factory=list)
    fallback: dict[str, str] = field(default_factory=dict)  # top-level shape -> reason


@dataclass
class _Dom:
    """A set of nodes: ``of(x)`` is a group binding ``x`` to each of them, ``has(x)`` a group
    that has a solution when the bound ``x`` is one (for ``FILTER EXISTS``); ``size`` is an
    estimate of how many there are."""

    of: Callable[[str], str]
    has: Callable[[str], str] | None  # None: any node (the caller restricts the result)
    size: int


class _Compiler(ShapesGraph):
    def __init__(self, g: Any, count: Callable[..., int]) -> None:
        super().__init__(g)
        self.count, self.n = count, 0

    def first_predicate_count(self, path: str, limit: int | None = None) -> int:
        iris = re.findall(r"<([^>]*)>", path)
        return self.count(iris[0], limit=limit) if iris else 10**9

    def var(self, base: str = "x") -> str:
        self.n += 1
        return f"?{base}{self.n}_"  # the final _: no name is the prefix of another

    # --- patterns ----------------------------------------------------------------------
    def nested(self, dom: _Dom, path: str) -> bool:
        """Look each node of the domain up (few nodes, many triples) rather than scan."""
        return dom.size * 5 < self.first_predicate_count(path, limit=dom.size * 5 + 1)

    def pairs(self, dom: _Dom, f: str, path: str, v: str, cond: str = "") -> str:
        """(f, v): f in the domain, v a value of ``path`` at f, for which ``cond`` holds.

        Scanned (many nodes), the condition filters first and only the rows left are checked
        against the domain: Oxigraph would otherwise hash every node of the domain.
        """
        flt = f"FILTER({cond})" if cond else ""
        if self.nested(dom, path):
            return self.lateral(dom, f, f"{f} {path} {v} . {flt}")
        if cond:
            return self.member(f"{f} {path} {v} . {flt}", dom, f)
        return f"{{ SELECT DISTINCT {f} {v} WHERE {{ {f} {path} {v} }} }} {dom.of(f)}"

    def grouped(self, dom: _Dom, f: str, path: str, w: str, having: str, cond: str = "") -> str:
        """The nodes whose values (with ``cond``) satisfy ``having``; scanned, the domain is
        not applied (the caller checks it, or subtracts the result from it)."""
        pattern = f"{f} {path} {w} . " + (f"FILTER({cond})" if cond else "")
        if self.nested(dom, path):
            pattern = self.lateral(dom, f, pattern)
        return f"SELECT {f} WHERE {{ {pattern} }} GROUP BY {f} HAVING ({having})"

    @staticmethod
    def lateral(dom: _Dom, f: str, pattern: str) -> str:
        """``pattern`` for each node of the (small) domain, by index look-ups: Oxigraph joins a
        group with a triple by scanning the triple's predicate, even for one node, so the
        join is written with ``LATERAL`` (Oxigraph's, from the SPARQL 1.2 proposals)."""
        return f"{{ {dom.of(f)} }} LATERAL {{ {pattern} }}"

    def too_many(self, dom: _Dom, f: str, path: str, w: str, n: int, cond: str = "") -> str:
        inner = self.grouped(dom, f, path, w, f"COUNT(DISTINCT {w}) > {n}", cond)
        return self.member(f"{{ {inner} }}", dom, f)

    def too_few(self, dom: _Dom, f: str, path: str, w: str, n: int, cond: str = "") -> str:
        if n <= 0:
            return f"VALUES {f} {{ }}"
        if n == 1 and not cond:
            return self.without(dom, f, path, f"{f} {path} {w}")
        enough = self.grouped(dom, f, path, w, f"COUNT(DISTINCT {w}) >= {n}", cond)
        return f"{dom.of(f)} MINUS {{ {enough} }}"

    def member(self, pattern: str, dom: _Dom, f: str) -> str:
        """The solutions of ``pattern`` whose ``f`` is in the domain, checked row by row after
        ``pattern`` (a ``FILTER EXISTS`` would be pushed down and run for every triple)."""
        if dom.has is None:
            return pattern
        flag = self.var("in")
        return (
            f"{{ SELECT * WHERE {{ {pattern} }} }} BIND(EXISTS {{ {dom.has(f)} }} AS {flag}) "
            f"FILTER({flag})"
        )

    def without(self, dom: _Dom, f: str, path: str, pattern: str) -> str:
        """Nodes of the domain for which ``pattern`` (over f) has no solution."""
        if self.nested(dom, path):
            return f"{dom.of(f)} FILTER NOT EXISTS {{ {pattern} }}"
        return f"{dom.of(f)} MINUS {{ {pattern} }}"

    def values_of(self, dom: _Dom, path: str | None) -> _Dom:
        """The value nodes of ``path`` at the nodes of the domain, as a domain -- or, when
        that would mean a join with many nodes, every object of ``path``: the callers join
        the violating values back to the focus nodes, and whether a node violates a shape
        does not depend on the domain it was taken from."""
        if path is None:
            return dom
        if not self.nested(dom, path):
            y = self.var("y")
            return _Dom(
                lambda x: f"{{ SELECT DISTINCT {x} WHERE {{ {y} {path} {x} }} }}",
                None,
                self.first_predicate_count(path),
            )
        g, h = self.var("g"), self.var("h")
        pairs = self.pairs(dom, g, path, h)
        check = f"FILTER EXISTS {{ {dom.has(g)} }}" if dom.has else ""
        return _Dom(
            lambda x: f"{{ SELECT DISTINCT {x} WHERE {{ {pairs} BIND({h} AS {x}) }} }}",
            lambda x: f"{g} {path} {x} . {check}",
            min(10 * dom.size, self.first_predicate_count(path)),  # a few values a node
        )

    # --- violating nodes of a shape, as a set ------------------------------------------
    def violating(self, s: Any, dom: _Dom, x: str) -> str:
        """A group binding ``x`` to each node of the domain that violates shape ``s``."""
        if self.deactivated(s):
            return f"VALUES {x} {{ }}"
        bad = self.shape_bad(s, x)
        if bad is not None:
            return f"{dom.of(x)} FILTER({bad})"
        branches = []
        for c in self.components(s):
            pattern = self.component(c, dom, x, self.var("v"))
            branches.append(f"{{ SELECT DISTINCT {x} WHERE {{ {pattern} }} }}")
        return " UNION ".join(branches) if branches else f"VALUES {x} {{ }}"

    def conforming(self, s: Any, dom: _Dom, x: str) -> str:
        """A group binding ``x`` to each node of the domain that conforms to ``s``."""
        p = self.one(s, "path")
        params = self.params(s)
        names = set(params) - _NOT_CONSTRAINTS
        counts = params.get("minCount", [])
        if (
            p is not None
            and not self.deactivated(s)
            and names <= {"minCount", "hasValue"}
            and all(int(n) <= 1 for n in counts)
        ):  # required values only: a join
            path = self.path(p)
            need = [f"{x} {path} {_nt(h)} ." for h in params.get("hasValue", [])]
            need += [f"{x} {path} {self.var('w')} ." for n in counts if int(n) == 1]
            return f"{dom.of(x)} {' '.join(need)}"
        return f"{dom.of(x)} MINUS {{ {self.violating(s, dom, x)} }}"

    def components(self, s: Any, top: bool = False) -> Iterator[tuple[Any, Any, str, Any]]:
        """(shape, owner, parameter, argument) of every constraint ``s`` declares, its
        property shapes' included (owner: the property shape, or ``s``); the SPARQL
        constraints of a top-level shape are compiled apart."""
        for name, args in self.params(s).items():
            if name == "sparql":
                if top:
                    continue
                raise Unsupported("a SPARQL constraint in a nested shape")
            if name == "property":
                for p in args:
                    if self.deactivated(p):
                        continue
                    for _, _, n2, a2 in self.components(p):
                        yield (p, p, n2, a2)
                continue
            if name in _NOT_CONSTRAINTS:
                continue
            if name == "qualifiedValueShapesDisjoint":
                if args[0].toPython() is True:
                    raise Unsupported("sh:qualifiedValueShapesDisjoint")
                continue
            if name == "uniqueLang" and args[0].toPython() is not True:
                continue
            if name == "qualifiedValueShape":
                for bound in ("qualifiedMinCount", "qualifiedMaxCount"):
                    if self.one(s, bound) is not None:
                        yield (s, s, bound, args[0])
                continue
            if name not in _VALUE_EXPR | _COUNTS | _PAIRS | {
                "class",
                "not",
                "and",
                "or",
                "xone",
                "node",
            }:
                raise Unsupported(f"sh:{name}")
            for arg in args:
                yield (s, s, name, arg)

    def component(self, c: tuple[Any, Any, str, Any], dom: _Dom, f: str, v: str) -> str:
        """The group binding the violations of constraint ``c`` for focus nodes of the domain:
        ``f`` (and ``v``, the value, for value-based components)."""
        s, _, name, arg = c
        p = self.one(s, "path")
        if p is None:  # a node shape: its one value node is the focus node
            if name in _COUNTS - {"hasValue"} or name in _PAIRS:
                raise Unsupported(f"sh:{name} on a node shape")
            return f"{self.values_violating(name, arg, s, dom, f, f, None)} BIND({f} AS {v})"
        path = self.path(p)
        w = self.var("w")
        if name == "minCount":
            return self.too_few(dom, f, path, w, int(arg))
        if name == "maxCount":
            return self.too_many(dom, f, path, w, int(arg))
        if name == "hasValue":
            return self.without(dom, f, path, f"{f} {path} {_nt(arg)}")
        if name == "uniqueLang":
            lang = self.var("l")
            tagged = f"FILTER(COALESCE(lang({w}) != '', false)) BIND(LCASE(lang({w})) AS {lang})"
            pattern = f"{f} {path} {w} . {tagged}"
            if self.nested(dom, path):
                pattern = self.lateral(dom, f, pattern)
            inner = (
                f"SELECT {f} WHERE {{ {pattern} }} "
                f"GROUP BY {f} {lang} HAVING (COUNT(DISTINCT {w}) > 1)"
            )
            return self.member(f"{{ {inner} }}", dom, f)
        if name in ("qualifiedMinCount", "qualifiedMaxCount"):
            bad = self.shape_bad(arg, w)
            n = int(self.one(s, name))
            if bad is None:  # conforming values need patterns: count them over a join
                vals = self.values_of(dom, path)
                conf = f"{self.pairs(dom, f, path, w)} {{ {self.conforming(arg, vals, w)} }}"
                grouped = f"SELECT {f} WHERE {{ {conf} }} GROUP BY {f} HAVING (COUNT(DISTINCT {w})"
                if name == "qualifiedMaxCount":
                    return f"{{ {grouped} > {n}) }}"
                return (
                    f"{dom.of(f)} MINUS {{ {grouped} >= {n}) }}" if n > 0 else f"VALUES {f} {{ }}"
                )
            if name == "qualifiedMaxCount":
                return self.too_many(dom, f, path, w, n, f"!({bad})")
            return self.too_few(dom, f, path, w, n, f"!({bad})")
        if name in _PAIRS:
            other = f"<{arg}>"
            if name == "disjoint":
                return f"{self.pairs(dom, f, path, v)} {f} {other} {v} ."
            if name == "equals":
                a = f"{{ {self.pairs(dom, f, path, v)} MINUS {{ {f} {other} {v} }} }}"
                b = f"{{ {self.pairs(dom, f, other, v)} MINUS {{ {f} {path} {v} }} }}"
                return f"{a} UNION {b}"
            op = "<" if name == "lessThan" else "<="
            test = f"FILTER(!COALESCE({v} {op} {w}, false))"
            return f"{self.pairs(dom, f, path, v)} {f} {other} {w} {test}"
        return self.values_violating(name, arg, s, dom, f, v, path)

    def values_violating(
        self, name: str, arg: Any, s: Any, dom: _Dom, f: str, v: str, path: str | None
    ) -> str:
        """(f, v) for value-based components; for a node shape (``path`` None) ``v`` is ``f``."""
        bad: str | None
        if name in _VALUE_EXPR:
            bad = self.value_bad(name, arg, v, s)
        elif name in ("node", "not"):
            inner = self.shape_bad(arg, v)
            bad = None if inner is None else (f"({inner})" if name == "node" else f"!({inner})")
        elif name in ("or", "and", "xone"):
            members = [self.shape_bad(m, v) for m in self.items(arg)]
            bad = None if None in members else self.logical(name, [str(m) for m in members])
        elif name == "class":
            if path is None and dom.size > 1000:
                return f"{dom.of(f)} MINUS {{ {f} a <{arg}> }}"
            if path is None or self.nested(dom, path):
                bad = self.value_bad(name, arg, v, s)
            else:  # an anti-join is cheaper than a look-up per value
                pairs = f"SELECT {f} {v} WHERE {{ {{ {f} {path} {v} }} MINUS {{ {v} a <{arg}> }} }}"
                return self.member(f"{{ {pairs} }}", dom, f)
        else:
            raise Unsupported(f"sh:{name}")
        if bad is not None:
            if path is None:
                return f"{dom.of(f)} FILTER({bad})"
            return self.pairs(dom, f, path, v, bad)
        # nested shapes that need patterns: the set of violating values, joined back
        vals = self.values_of(dom, path)
        x = f if path is None else v
        if name == "node":
            wrong = self.violating(arg, vals, x)
        elif name == "not":
            wrong = self.conforming(arg, vals, x)
        elif name == "or":
            wrong = " ".join(f"{{ {self.violating(m, vals, x)} }}" for m in self.items(arg))
        elif name == "and":
            wrong = " UNION ".join(f"{{ {self.violating(m, vals, x)} }}" for m in self.items(arg))
        else:  # xone: the nodes that conform to exactly one member
            k = self.var("k")
            each = [
                f"{{ {self.conforming(m, vals, x)} BIND({i} AS {k}) }}"
                for i, m in enumerate(self.items(arg))
            ]
            having = f"HAVING (COUNT(DISTINCT {k}) = 1)"
            one = f"SELECT {x} WHERE {{ {' UNION '.join(each)} }} GROUP BY {x} {having}"
            wrong = f"{vals.of(x)} MINUS {{ {one} }}"
        wrong = f"{{ SELECT DISTINCT {x} WHERE {{ {wrong} }} }}"
        if path is None:
            return wrong
        return self.member(f"{wrong} {f} {path} {v} .", dom, f)

    # --- top level -----------------------------------------------------------------------
    def restrict(self, dom: _Dom, focus: Focus) -> _Dom:
        """The nodes of ``dom`` that are in ``focus``."""
        has = dom.has
        assert has is not None
        iris = " ".join(f"<{i}>" for i in focus.iris)

        def within(x: str) -> str:
            parts = [f"{{ VALUES {x} {{ {iris} }} }}"] if iris else []
            # one branch per graph: a graph variable would make Oxigraph scan every quad
            parts += [f"{{ GRAPH <{g}> {{ {x} ?fp_ ?fo_ }} }}" for g in focus.graphs]
            return " UNION ".join(parts) or f"VALUES {x} {{ }}"

        return _Dom(
            lambda x: f"{{ SELECT DISTINCT {x} WHERE {{ {within(x)} }} }} LATERAL {{ {has(x)} }}",
            lambda x: f"{{ {within(x)} }} {has(x)}",
            focus.size,
        )

    def targets(self, s: Any) -> _Dom | None:
        import rdflib

        branches, size = [], 0
        classes = list(self.g.objects(s, _sh("targetClass")))
        if any((s, rdflib.RDF.type, k) in self.g for k in (rdflib.RDFS.Class, rdflib.OWL.Class)):
            classes.append(s)
        for c in classes:
            branches.append(f"?x a <{c}> .")
            size += self.count(f"{RDF}type", f"<{c}>")
        nodes = list(self.g.objects(s, _sh("targetNode")))
        if nodes:
            branches.append("VALUES ?x { " + " ".join(_nt(n) for n in nodes) + " }")
            size += len(nodes)
        for p in self.g.objects(s, _sh("targetSubjectsOf")):
            branches.append(f"?x <{p}> [] .")
            size += self.count(str(p))
        for p in self.g.objects(s, _sh("targetObjectsOf")):
            branches.append(f"[] <{p}> ?x .")
            size += self.count(str(p))
        if (s, _sh("target"), None) in self.g:
            raise Unsupported("SHACL-AF sh:target")
        if not branches:
            return None
        union = " UNION ".join(f"{{ {b} }}" for b in branches)
        if len(branches) == 1 and classes:  # one class: no duplicates to remove
            return _Dom(
                lambda x: branches[0].replace("?x", x), lambda x: branches[0].replace("?x", x), size
            )
        return _Dom(
            lambda x: f"{{ SELECT DISTINCT {x} WHERE {{ {union.replace('?x', x)} }} }}",
            lambda x: union.replace("?x", x),
            size,
        )

    def top(self, s: Any, dom: _Dom) -> list[Query]:
        out = []
        for c in self.components(s, top=True):
            shape, owner, name, arg = c
            pattern = self.component(c, dom, "?this", "?value")
            has_value = name not in _COUNTS
            p = self.one(shape, "path")
            component = name[0].upper() + name[1:]
            out.append(
                Query(
                    f"SELECT DISTINCT ?this {'?value' if has_value else ''} WHERE {{ {pattern} }}",
                    f"{SH}{component}ConstraintComponent",
                    _nt(owner),
                    None if p is None else self.path(p),
                    self.messages(owner),
                    self.severity(owner),
                    "value" if has_value else "",
                )
            )
        return out

    def sparql_constraint(self, s: Any, c: Any, dom: _Dom) -> Query:
        """A §5 SPARQL-based constraint whose ``$this`` is bound by its top-level group."""
        select = str(self.one(c, "select") or "")
        m = re.fullmatch(
            r"\s*SELECT\s+(?:DISTINCT\s+|REDUCED\s+)?(?P<vars>(?:[?$]\w+\s*)+)WHERE\s*\{(?P<body>.*)\}\s*",
            select,
            flags=re.S | re.I,
        )
        if m is None or re.search(r"[?$](shapesGraph|currentShape)\b|\bPREFIX\b", select, re.I):
            raise Unsupported("a SPARQL constraint that is not SELECT ... WHERE { ... }")
        prefixes = ""
        for decl in self.g.objects(self.one(c, "prefixes"), _sh("declare")):
            prefixes += f"PREFIX {self.one(decl, 'prefix')}: <{self.one(decl, 'namespace')}>\n"
        body = re.sub(r"[?$]this\b", "?this", m.group("body"))
        triples = self._top_triples(prefixes + f"SELECT * WHERE {{{body}}}")
        if triples is None:
            raise Unsupported(
                "a SPARQL constraint whose $this is not bound by its top-level triples"
            )
        # Oxigraph does not know how many triples a predicate has: start the join from the
        # rarest top-level triple (repeating a triple of the group changes no solution)
        counted = [(self.count(p[1:-1]), t) for t, p in triples if p.startswith("<")]
        seed = f"{{ SELECT * WHERE {{ {min(counted)[1]} }} }}" if counted else ""
        where = (  # few focus nodes: from them; else from the rarest triple, then the check
            self.lateral(dom, "?this", body)
            if dom.size <= 1000
            else self.member(f"{seed} {body}", dom, "?this")
        )
        names = tuple(dict.fromkeys(n[1:] for n in m.group("vars").split()))
        sel = " ".join(f"?{n}" for n in names if n != "this")
        p = self.one(s, "path")
        return Query(
            f"{prefixes}SELECT DISTINCT ?this {sel} WHERE {{ {where} }}",
            f"{SH}SPARQLConstraintComponent",
            _nt(s),
            None if p is None else self.path(p),
            tuple(sorted(set(self.messages(c)) | set(self.messages(s)))),
            self.severity(s),
            "focus" if p is None else "",
            names,
        )

    @staticmethod
    @functools.lru_cache(maxsize=256)  # rdflib's parser takes ~0.03 s a query: once per text
    def _top_triples(query: str) -> tuple[tuple[str, str], ...] | None:
        """The triples (text, predicate) of the query's top-level group, if one binds ?this."""
        from rdflib.plugins.sparql.algebra import translateQuery
        from rdflib.plugins.sparql.parser import parseQuery

        try:
            node = translateQuery(parseQuery(query)).algebra
        except Exception:  # noqa: BLE001 -- rdflib's parser raises many kinds
            return None
        while node.name in ("SelectQuery", "Project", "Distinct", "Reduced", "Filter"):
            node = node.p
        todo, found = [node], []
        while todo:
            n = todo.pop()
            if n.name == "BGP":
                found += [(" ".join(t.n3() for t in tr) + " .", tr[1].n3()) for tr in n.triples]
            elif n.name == "Join":
                todo += [n.p1, n.p2]
        return tuple(found) if any("?this" in t.split() for t, _ in found) else None


def compile_shapes(shapes: Any, count: Callable[..., int], focus: Focus | None = None) -> Compiled:
    """Compile every shape with targets in the rdflib graph ``shapes``.

    ``count(predicate, object="?o", limit=None)`` returns how many triples of the store have
    that predicate (and object), or ``limit`` when there are at least that many: the size
    estimates that choose between look-ups and hash joins.  With ``focus``, only those of
    the targets are validated (after an incremental build).
    """
    import rdflib

    comp = _Compiler(shapes, count)
    out = Compiled()
    kinds = ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "target")
    tops = {s for p in kinds for s in shapes.subjects(_sh(p), None)}
    for kind in (_sh("NodeShape"), _sh("PropertyShape")):
        for s in shapes.subjects(rdflib.RDF.type, kind):
            if any(
                (s, rdflib.RDF.type, k) in shapes for k in (rdflib.RDFS.Class, rdflib.OWL.Class)
            ):
                tops.add(s)
    for s in sorted(tops, key=str):
        if comp.deactivated(s):
            continue
        try:
            dom = comp.targets(s)
            if dom is None:
                continue
            if focus is not None:
                dom = comp.restrict(dom, focus)
            queries = comp.top(s, dom)
            for c in shapes.objects(s, _sh("sparql")):
                if not comp.deactivated(c):
                    queries.append(comp.sparql_constraint(s, c, dom))
        except Unsupported as exc:
            out.fallback[_nt(s)] = str(exc)
            continue
        out.queries += queries
    return out
