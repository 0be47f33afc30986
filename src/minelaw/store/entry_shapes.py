"""The SHACL entry shapes (``rules/entries/*.ttl``) over a whole store: ``minelaw check`` and
the preflight before findings (issue 19).

Implements W3C SHACL §3 (validation, validation results) for a whole data graph:

- every shape that :mod:`minelaw.store.shacl_sparql` compiles runs as SPARQL queries on the
  union of the store's graphs (restricted entries included), on both cores;
- a shape it does not compile is validated by pySHACL (the reference engine), explicitly:
  :class:`EntryReport` names each such shape and why, and ``minelaw check`` says so.  pySHACL
  runs one file at a time, on a data graph of the file and what surrounds its resources
  (their descriptions, the ``sh:inversePath`` triples that reach them, what they refer to,
  the class hierarchy), cached under ``$MINELAW_CACHE/shapes/`` by that graph's SHA-256;
- results become :class:`minelaw.errors.Problem` s ("<path>: <sh:message> (value: ...)").

:func:`pyshacl_results` runs pySHACL on an rdflib graph and returns the same
:class:`Result` s, for the differential tests.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import astuple, dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..errors import Problem
from ..namespaces import INFERRED_GRAPH, PREFIXES
from ..resources import cache_root
from .kbcontext import KbContext
from .oxigraph import EmbeddedStore
from .shacl_exprs import SH, XSD, ShapesGraph, _nt
from .shacl_sparql import Compiled, Focus, Query, compile_shapes

Progress = Callable[[str, int, int], None]
SKOLEM = "urn:minelaw:bnode:"
SEVERITY = {f"{SH}Violation": "error", f"{SH}Warning": "warning", f"{SH}Info": "info"}


@dataclass(frozen=True)
class Result:
    """One validation result (SHACL §3.6); terms in N-Triples form, the path in SPARQL syntax."""

    focus: str
    path: str | None
    value: str | None
    component: str
    shape: str
    messages: tuple[str, ...]
    severity: str


@dataclass
class EntryReport:
    problems: list[Problem] = field(default_factory=list)
    shape_files: int = 0
    queries: int = 0
    fallback: dict[str, str] = field(default_factory=dict)  # shape -> why pySHACL ran


def load_shapes(rules_dir: Path) -> tuple[Any, str]:
    """The entry shapes as one rdflib graph, and their text (for cache keys).

    The graph is parsed once per process for the same files and text (a process that
    validates many stores, such as the test suite or ``minelaw serve``, parses it once); it
    is shared, so callers must not change it."""
    files = sorted((rules_dir / "entries").glob("*.ttl"))
    texts = tuple((str(f), f.read_text(encoding="utf-8")) for f in files)
    return _shapes_graph(texts), "".join(text for _, text in texts)


@functools.lru_cache(maxsize=4)
def _shapes_graph(texts: tuple[tuple[str, str], ...]) -> Any:
    import rdflib

    shapes = rdflib.Graph()
    for path, text in texts:
        shapes.parse(data=text, format="turtle", publicID=Path(path).resolve().as_uri())
    return shapes


def validate_store(
    store: EmbeddedStore,
    rules_dir: Path,
    progress: Progress | None = None,
    focus: Focus | None = None,
) -> EntryReport:
    """Every entry shape over the whole store (``focus``: only over those of its resources):
    compiled SPARQL, pySHACL for the rest."""
    shapes, text = load_shapes(rules_dir)
    report = EntryReport(shape_files=len(list((rules_dir / "entries").glob("*.ttl"))))
    if not report.shape_files:
        return report
    compiled = compile_shapes(shapes, store_counter(store.store), focus)
    report.queries, report.fallback = len(compiled.queries), compiled.fallback
    results = sorted(run(store.store, compiled, progress), key=lambda r: str(astuple(r)))
    report.problems = [to_problem(r) for r in results]
    if compiled.fallback:
        rest = _only(shapes, set(compiled.fallback))
        key = text + "\n".join(sorted(compiled.fallback))
        report.problems += _validate_by_file(store, rest, key)
    return report


def run(store: ox.Store, compiled: Compiled, progress: Progress | None = None) -> set[Result]:
    """Run the compiled queries on the union of the store's graphs, two at a time (Oxigraph
    releases the GIL while it evaluates a query)."""
    results: set[Result] = set()
    workers = max(1, min(2, os.cpu_count() or 1))
    with ThreadPoolExecutor(workers, thread_name_prefix="minelaw-shacl") as pool:
        futures = [pool.submit(_results, store, q) for q in compiled.queries]
        for i, fut in enumerate(as_completed(futures)):
            if progress:
                progress("entry shapes", i, len(futures))
            results |= fut.result()
    return results


def _results(store: ox.Store, q: Query) -> set[Result]:
    rows = store.query(f"PREFIX xsd: <{XSD}>\n" + q.sparql, use_default_graph_as_union=True)
    assert isinstance(rows, ox.QuerySolutions)
    out = set()
    for row in rows:
        focus = row["this"]
        value = row["value"] if q.value == "value" else focus if q.value == "focus" else None
        path, messages = q.path, q.messages
        if q.sparql_vars:  # SPARQL constraints: ?value, ?path and {?var} in messages (§5.3.2)
            bound = {n: row[n] for n in q.sparql_vars if row[n] is not None}
            value = bound.get("value", value)
            path = str(bound["path"]) if "path" in bound else path
            messages = tuple(_fill(m, bound) for m in messages)
        value_nt = None if value is None else str(value)
        out.add(Result(str(focus), path, value_nt, q.component, q.shape, messages, q.severity))
    return out


def _fill(message: str, bound: dict[str, Any]) -> str:
    return re.sub(
        r"\{[?$](\w+)\}",
        lambda m: str(getattr(bound.get(m.group(1)), "value", m.group(0))),
        message,
    )


def store_counter(store: ox.Store) -> Callable[..., int]:
    """Triple counts by predicate (and object), stopping at ``limit``; cached."""
    cache: dict[tuple[str, str], tuple[int, int | None]] = {}

    def count(predicate: str, obj: str = "?o", limit: int | None = None) -> int:
        if (predicate, obj) in cache:
            n, cap = cache[(predicate, obj)]
            if cap is None or n < cap or (limit is not None and limit <= cap):
                return n  # exact, or known to reach the limit asked for
        sub = f"SELECT * WHERE {{ ?s <{predicate}> {obj} }}"
        sub += f" LIMIT {limit}" if limit is not None else ""
        res = store.query(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ {sub} }} }}", use_default_graph_as_union=True
        )
        assert isinstance(res, ox.QuerySolutions)
        n = int(next(iter(res))["n"].value)
        cache[(predicate, obj)] = (n, limit)
        return n

    return count


def to_problem(r: Result) -> Problem:
    """A result as minelaw reports it: "<path>: <message> (value: <value>)"."""
    message = "; ".join(r.messages) or r.component.rsplit("#", 1)[-1]
    if r.path:
        message = f"{_short_path(r.path)}: {message}"
    if r.value is not None and r.value != r.focus:
        message += f" (value: {_show(r.value)})"
    focus = r.focus[1:-1] if r.focus.startswith("<") else r.focus
    return Problem("shape", SEVERITY.get(r.severity, "info"), message, focus=focus)


def _short_path(path: str) -> str:
    """A SPARQL path with prefixed names (``ml:claimKind/skos:inScheme``, ``^ml:supports``)."""
    text = re.sub(r"<([^>]*)>", lambda m: _show(m.group(0)), path)
    return text[1:-1] if text.startswith("(") and text.endswith(")") else text


def _show(term: str) -> str:
    if term.startswith("<"):
        iri = term[1:-1]
        for prefix, ns in PREFIXES.items():
            if iri.startswith(ns) and re.fullmatch(r"[\w.-]*", iri[len(ns) :]):
                return f"{prefix}:{iri[len(ns) :]}"
        return term
    if term.startswith("_:"):
        return "a blank node"
    return term.replace(f"^^<{XSD}", "^^xsd:").replace(">", "") if "^^<" in term else term


def pyshacl_results(data: Any, shapes: Any) -> set[Result]:
    """pySHACL (the reference engine) on the rdflib graph ``data``, as :class:`Result` s."""
    import pyshacl
    import rdflib

    _, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", allow_warnings=True, advanced=True
    )
    paths = ShapesGraph(shapes)
    out = set()
    sh = rdflib.Namespace(SH)
    for r in report.subjects(rdflib.RDF.type, sh.ValidationResult):
        if (None, sh.detail, r) in report:
            continue  # the details of a sh:node result (§3.6.2.8), not results of their own
        path, value = report.value(r, sh.resultPath), report.value(r, sh.value)
        out.add(
            Result(
                _nt(report.value(r, sh.focusNode)),
                None if path is None else paths.path(path),
                None if value is None else _nt(value),
                str(report.value(r, sh.sourceConstraintComponent)),
                _nt(report.value(r, sh.sourceShape)),
                tuple(sorted(str(m) for m in report.objects(r, sh.resultMessage))),
                str(report.value(r, sh.resultSeverity)),
            )
        )
    return out


# --- the pySHACL fallback, one file at a time --------------------------------------------
def _only(shapes: Any, keep: set[str]) -> Any:
    """A copy of the shapes graph where only the shapes ``keep`` (N-Triples terms) have
    targets: pySHACL then validates those and nothing else."""
    import rdflib

    out = rdflib.Graph()
    kinds = ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "target")
    targets = {SH + kind for kind in kinds}
    for s, p, o in shapes:
        if str(p) in targets and _nt(s) not in keep:
            continue
        out.add((s, p, o))
    for prefix, ns in shapes.namespaces():
        out.bind(prefix, ns)
    return out


def _validate_by_file(store: EmbeddedStore, shapes: Any, key_text: str) -> list[Problem]:
    """pySHACL with ``shapes`` on each file's surroundings (issue 9: pySHACL over a whole
    2-million-triple KB needs 4.8 GB); results cached by the SHA-256 of the data graph."""
    import rdflib

    cache = cache_root() / "shapes"
    inverse = sorted({f"<{o}>" for o in shapes.objects(None, rdflib.SH.inversePath)})
    ctx = KbContext(store, restricted=True)
    hierarchy = ctx.hierarchy()
    groups: list[tuple[list[ox.Triple], set[str]]] = []
    for f in store.files:
        own = [
            ox.Triple(q.subject, q.predicate, q.object)
            for q in store.store.quads_for_pattern(None, None, None, ox.NamedNode(f.graph))
        ]
        groups.append((own, {str(t.subject) for t in own}))
    dangling = store.query(
        f"SELECT DISTINCT ?x WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?x a ?c }} "
        f"FILTER NOT EXISTS {{ GRAPH ?g {{ ?x ?p ?o }} FILTER(?g != <{INFERRED_GRAPH}>) }} }}"
    ).values("x")
    if dangling:  # typed only by inference: validated as one more group
        groups.append(([], {str(ox.NamedNode(x)) for x in dangling}))
    problems: dict[tuple[str, str, str], Problem] = {}
    for own, focus in groups:
        iris = [t[1:-1] for t in focus if t.startswith("<")]
        about = [
            t
            for t in ctx.describe(iris) + ctx.pointing_at(iris, inverse)
            if not isinstance(t.object, ox.BlankNode) and not isinstance(t.subject, ox.BlankNode)
        ]
        refs = {t.object.value for t in own + about if isinstance(t.object, ox.NamedNode)}
        refs |= {t.subject.value for t in about if isinstance(t.subject, ox.NamedNode)}
        data = sorted(
            {_skolem(t) for t in own}
            | {
                _skolem(t)
                for t in about + ctx.describe(refs - set(iris)) + hierarchy
                if not isinstance(t.object, ox.BlankNode)
            }
        )
        key = hashlib.sha256((key_text + "\n".join(data)).encode("utf-8")).hexdigest()
        marker = cache / f"{key}.json"
        if marker.is_file():
            found = [Problem(**p) for p in json.loads(marker.read_text(encoding="utf-8"))]
        else:
            found = _validate_group(data, focus, shapes)
            with contextlib.suppress(OSError):
                cache.mkdir(parents=True, exist_ok=True)
                write_whole(marker, json.dumps([p.__dict__ for p in found]))
        for p in found:
            problems.setdefault((p.focus or "", p.message, p.severity), p)
    return list(problems.values())


def write_whole(path: Path, text: str) -> None:
    """Write ``path`` whole or not at all: into a temporary file beside it, then renamed over
    it (``os.replace``, atomic on POSIX).  Several processes share one cache (``serve``
    workers, the CLI, test workers): a reader never sees half a file, and a write that fails
    leaves the old file or none, never a truncated one."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _skolem(t: ox.Triple) -> str:
    """N-Triples of ``t`` with blank nodes as IRIs (rdflib renames blank nodes it parses)."""

    def term(x: Any) -> str:
        return f"<{SKOLEM}{x.value}>" if isinstance(x, ox.BlankNode) else str(x)

    return f"{term(t.subject)} {term(t.predicate)} {term(t.object)}"


def _validate_group(data: Iterable[str], focus: set[str], shapes: Any) -> list[Problem]:
    """pySHACL on one group's data graph (N-Triples lines); only results about ``focus``."""
    import rdflib

    graph = rdflib.Graph()
    graph.parse(data="".join(f"{t} .\n" for t in data), format="nt")
    wanted = {SKOLEM + f[2:] if f.startswith("_:") else f[1:-1] for f in focus}

    def unskolem(term: str) -> str:
        return f"_:{term[1 + len(SKOLEM) : -1]}" if term.startswith(f"<{SKOLEM}") else term

    return [
        to_problem(
            dataclasses.replace(
                r, focus=unskolem(r.focus), value=None if r.value is None else unskolem(r.value)
            )
        )
        for r in pyshacl_results(graph, shapes)
        if r.focus[1:-1] in wanted
    ]
