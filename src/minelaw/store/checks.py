"""`minelaw check`: load, OWL consistency, ontology QC and entry shapes over the whole KB.

Steps (DESIGN.md section 5, ``minelaw check``):

1. load every file into the store (syntax errors raise :class:`ParseError`, exit 2);
2. OWL 2 RL disjointness (rule cax-dw) over ontology, KB and inferences;
3. OWL 2 DL consistency with HermiT on the ontology and the law (``kb/law``);
4. QC: every ``rules/qc/<check>-violation.rq`` must return no rows; severities in
   ``rules/qc/profile.tsv`` (ODK ``profile.txt`` style);
5. SHACL entry shapes (``rules/entries/*.ttl``) over the KB with pySHACL.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..errors import Problem, ReasonerUnavailable
from ..namespaces import INFERRED_GRAPH, MLR, sparql_prefixes
from ..resources import cache_root, data_dir
from .cache import open_kb
from .kbcontext import KbContext
from .oxigraph import EmbeddedStore, short
from .reason import disjointness_violations, dl_consistency

Step = Callable[[str], None]


@dataclass
class StepResult:
    name: str
    status: str  # "ok" | "failed" | "skipped" | "warnings"
    detail: str
    seconds: float


@dataclass
class CheckReport:
    kb: Path
    files: int = 0
    triples: int = 0
    graphs: int = 0
    cached: bool = False
    steps: list[StepResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def _short(iri: str) -> str:
    return short(ox.NamedNode(iri))


def qc_profile(rules_dir: Path) -> dict[str, str]:
    profile = {}
    path = rules_dir / "qc" / "profile.tsv"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, severity = line.split("\t")[:2]
            profile[name.strip()] = severity.strip()
    return profile


def _locate(store: EmbeddedStore, focus: str) -> tuple[str | None, int | None]:
    """The file (and line) where a resource is described, for messages."""
    if not focus.startswith(("http://", "https://", "urn:")):
        return None, None  # blank nodes and literals have no stable place in a file
    q = (
        f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{focus}> ?p ?o }} "
        f"FILTER(?g != <{INFERRED_GRAPH}>) }}"
    )
    for g in store.query(q).values("g"):
        f = store.file_of_graph(g)
        if f is None or f.kind != "kb":
            continue
        local = focus[len(MLR) :] if focus.startswith(MLR) else None
        pattern = re.compile(
            rf"^\s*(<{re.escape(focus)}>"
            + (rf"|mlr:{re.escape(local)}(?![\w\-.])" if local else "")
            + ")"
        )
        for n, line in enumerate(f.path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.match(line):
                return str(f.path), n
        return str(f.path), None
    return None, None


def run_qc(store: EmbeddedStore, rules_dir: Path) -> list[Problem]:
    profile = qc_profile(rules_dir)
    problems = []
    for rq in sorted((rules_dir / "qc").glob("*-violation.rq")):
        name = rq.name.removesuffix("-violation.rq")
        severity = profile.get(name, "error")
        res = store.query(sparql_prefixes() + rq.read_text(encoding="utf-8"))
        for row in res.rows:
            focus = row.get("focus")
            fv = focus.value if focus is not None else None
            path, line = _locate(store, fv) if fv else (None, None)
            msg = row.get("message")
            problems.append(
                Problem(
                    f"qc:{name}",
                    severity,
                    msg.value if msg is not None else "violation",
                    path=path,
                    line=line,
                    focus=fv,
                )
            )
    return problems


def run_entry_shapes(
    store: EmbeddedStore,
    rules_dir: Path,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[list[Problem], int]:
    """Validate the KB (plus inferences) against every shape file in rules/entries/.

    One file at a time (issue 9: pySHACL over a whole 2-million-triple KB needed 4.8 GB):
    the focus nodes are the resources a file describes, and the data graph holds what
    the shapes can look at around them -- the file, everything the store says about
    those resources (asserted and inferred), the triples that point at them by a
    property a shape follows backwards (``sh:inversePath``), a description of every
    resource they refer to (``sh:class``, one-hop SPARQL
    constraints) and the class hierarchy.  Each result is cached under the SHA-256 of
    that data graph and the shapes, so after ``minelaw add`` only the files whose
    surroundings changed are validated again.  Resources that only inference types
    (e.g. a place named as an event's place but described nowhere) are validated as one
    more group, so nothing the whole-KB run reported is lost.
    """
    import hashlib
    import json

    shape_files = sorted((rules_dir / "entries").glob("*.ttl"))
    if not shape_files:
        return [], 0
    import rdflib

    shapes_text = "".join(f.read_text(encoding="utf-8") for f in shape_files)
    shapes = rdflib.Graph()  # parsed once, for every group
    for shape_file in shape_files:
        shapes.parse(shape_file, format="turtle")
    cache = cache_root() / "shapes"
    # the shapes follow these properties backwards (sh:inversePath): only their triples
    # that point at a file's resources are part of its data graph
    inverse = sorted({f"<{o}>" for o in shapes.objects(None, rdflib.SH.inversePath)})
    ctx = KbContext(store, restricted=True)  # the whole KB, restricted entries included
    hierarchy = ctx.hierarchy()
    groups: list[tuple[list[ox.Triple], set[str]]] = []
    for f in store.files:
        own = [
            ox.Triple(q.subject, q.predicate, q.object)
            for q in store.store.quads_for_pattern(None, None, None, ox.NamedNode(f.graph))
        ]
        groups.append((own, {str(t.subject) for t in own}))  # blank nodes as _:id
    dangling = store.query(
        f"SELECT DISTINCT ?x WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?x a ?c }} "
        f"FILTER NOT EXISTS {{ GRAPH ?g {{ ?x ?p ?o }} FILTER(?g != <{INFERRED_GRAPH}>) }} }}"
    ).values("x")
    if dangling:
        groups.append(([], {str(ox.NamedNode(x)) for x in dangling}))
    problems: dict[tuple[str, str, str], Problem] = {}
    for n, (own, focus) in enumerate(groups):
        if progress:
            name = store.files[n].relpath if n < len(store.files) else "inferred types"
            progress(name, n, len(groups))
        iris = [t[1:-1] for t in focus if t.startswith("<")]
        # (blank nodes are taken from the files only: a CONSTRUCT result renames them)
        about = [
            t
            for t in ctx.describe(iris) + ctx.pointing_at(iris, inverse)
            if not isinstance(t.object, ox.BlankNode) and not isinstance(t.subject, ox.BlankNode)
        ]
        refs = {t.object.value for t in own + about if isinstance(t.object, ox.NamedNode)} | {
            t.subject.value for t in about if isinstance(t.subject, ox.NamedNode)
        }
        data = sorted(
            {_skolem(t) for t in own}
            | {
                _skolem(t)
                for t in about + ctx.describe(refs - set(iris)) + hierarchy
                if not isinstance(t.object, ox.BlankNode)
            }
        )
        key = hashlib.sha256((shapes_text + "\n".join(data)).encode("utf-8")).hexdigest()
        marker = cache / f"{key}.json"
        if marker.is_file():
            found = [Problem(**p) for p in json.loads(marker.read_text(encoding="utf-8"))]
        else:
            found = _validate_group(data, focus, shapes)
            with contextlib.suppress(OSError):
                cache.mkdir(parents=True, exist_ok=True)
                marker.write_text(json.dumps([p.__dict__ for p in found]), encoding="utf-8")
        for p in found:
            problems.setdefault((p.focus or "", p.message, p.severity), p)
    out = []
    for p in problems.values():
        path, line = _locate(store, p.focus) if p.focus else (None, None)
        out.append(dataclasses.replace(p, path=path, line=line))
    return out, len(shape_files)


SKOLEM = "urn:minelaw:bnode:"


def _skolem(t: ox.Triple) -> str:
    """N-Triples of ``t`` with blank nodes as IRIs (rdflib renames blank nodes it parses)."""

    def term(x: Any) -> str:
        return f"<{SKOLEM}{x.value}>" if isinstance(x, ox.BlankNode) else str(x)

    return f"{term(t.subject)} {term(t.predicate)} {term(t.object)}"


def _validate_group(data: list[str], focus: set[str], shapes: Any) -> list[Problem]:
    """pySHACL with the ``shapes`` graph on one group's data graph (N-Triples lines);
    only results about ``focus`` are kept."""
    import pyshacl
    import rdflib

    graph = rdflib.Graph()
    graph.parse(data="".join(f"{t} .\n" for t in data), format="nt")
    # no focus_nodes: pySHACL is several times slower with them (12 ms a node); results about
    # the context (resources described only in part here) are dropped instead
    wanted = {SKOLEM + f[2:] if f.startswith("_:") else f[1:-1] for f in focus}
    _, report, _ = pyshacl.validate(
        graph, shacl_graph=shapes, inference="none", allow_warnings=True, advanced=True
    )
    problems = []
    SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    for r in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        focus_iri = str(report.value(r, SH.focusNode))
        if focus_iri not in wanted:
            continue
        focus_node = focus_iri.replace(SKOLEM, "_:")
        sev = str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1].lower()
        severity = {"violation": "error", "warning": "warning"}.get(sev, "info")
        path_node = report.value(r, SH.resultPath)
        msg = str(report.value(r, SH.resultMessage) or "constraint violated")
        field_ = f"{path_node.n3(graph.namespace_manager)}: " if path_node is not None else ""
        value = report.value(r, SH.value)
        if value is not None and not msg.endswith(str(value)):
            msg += f" (value: {value})"
        problems.append(Problem("shape", severity, field_ + msg, focus=focus_node))
    return problems


def run_check(
    kb_dir: Path,
    *,
    dl: bool = True,
    progress: Callable[[str, int, int], None] | None = None,
    step: Step | None = None,
) -> CheckReport:
    """Run every check; parse errors propagate as exceptions, the rest are problems."""
    rules_dir = data_dir("rules")
    report = CheckReport(kb_dir)

    def timed(name: str, fn: Callable[[], tuple[str, str]]) -> None:
        if step:
            step(name)
        t = time.perf_counter()
        status, detail = fn()
        report.steps.append(StepResult(name, status, detail, time.perf_counter() - t))

    t0 = time.perf_counter()
    if step:
        step("load")
    store = open_kb(kb_dir, progress=progress)
    report.files = len(store.files)
    report.triples = store.count_quads()
    report.graphs = len(store.graphs())
    report.cached = store.cached
    report.steps.append(
        StepResult(
            "load",
            "ok",
            f"{sum(f.kind == 'ontology' for f in store.files)} ontology + "
            f"{sum(f.kind == 'kb' for f in store.files)} KB files, "
            f"{report.triples} quads in {report.graphs} graphs"
            + (" (cached store reused)" if store.cached else " (store built)"),
            time.perf_counter() - t0,
        )
    )

    def disjoint() -> tuple[str, str]:
        found = disjointness_violations(store)
        for d in found:
            report.problems.append(
                Problem(
                    "owl:disjointness",
                    "error",
                    f"{_short(d.individual)} is both a {_short(d.class_a)} and a "
                    f"{_short(d.class_b)}, "
                    "which the ontology declares disjoint",
                    path=", ".join(d.files) or None,
                    focus=d.individual,
                    hint="remove one of the rdf:type statements, or use a different resource",
                )
            )
        return ("failed" if found else "ok"), f"{len(found)} individuals in disjoint classes"

    timed("OWL 2 RL disjointness", disjoint)

    def dl_check() -> tuple[str, str]:
        law = [f for f in store.files if f.kind == "ontology" or f.relpath.startswith("law/")]
        try:
            res = dl_consistency(law)
        except ReasonerUnavailable as exc:
            report.problems.append(Problem("owl:dl", "warning", str(exc)))
            return "skipped", exc.message
        if not res.consistent:
            report.problems.append(
                Problem(
                    "owl:dl",
                    "error",
                    f"the ontology plus the law is inconsistent (HermiT): {res.message[:300]}",
                )
            )
            return "failed", f"HermiT: inconsistent ({res.triples} triples)"
        return "ok", f"HermiT: consistent ({res.triples} triples, {res.seconds:.1f} s)"

    if dl:
        timed("OWL 2 DL consistency", dl_check)
    else:
        report.steps.append(StepResult("OWL 2 DL consistency", "skipped", "--no-dl", 0.0))

    def qc() -> tuple[str, str]:
        found = run_qc(store, rules_dir)
        report.problems.extend(found)
        n = len(list((rules_dir / "qc").glob("*-violation.rq")))
        errs = sum(p.severity == "error" for p in found)
        status = "failed" if errs else ("warnings" if found else "ok")
        return status, f"{n} checks, {errs} errors, {len(found) - errs} warnings"

    timed("ontology QC", qc)

    def confidentiality() -> tuple[str, str]:
        from .confidentiality import confidentiality_problems

        found = confidentiality_problems(store)
        report.problems.extend(found)
        return ("warnings" if found else "ok"), f"{len(found)} warnings"

    timed("confidentiality", confidentiality)

    def shapes() -> tuple[str, str]:
        found, n = run_entry_shapes(store, rules_dir)
        report.problems.extend(found)
        if n == 0:
            return "skipped", "no entry shapes in rules/entries/"
        errs = sum(p.severity == "error" for p in found)
        status = "failed" if errs else ("warnings" if found else "ok")
        return status, f"{n} shape files, {errs} violations, {len(found) - errs} warnings"

    timed("SHACL entry shapes", shapes)
    return report


PREFLIGHT_QC = ("wrong-datatype", "ill-formed-literal")


def preflight(store: Any, progress: Callable[[str, int, int], None] | None = None) -> list[Problem]:
    """Entry and datatype checks that must pass before any compliance rule runs.

    Engines disagree on comparisons with badly typed literals, so the rules only
    ever see data that passed the datatype QC and the SHACL entry shapes.  On the
    embedded store the outcome is cached next to the store (same content key);
    on a remote endpoint only the SPARQL checks run.
    """
    import json

    from ..resources import cache_root

    rules_dir = data_dir("rules")
    marker = None
    if isinstance(store, EmbeddedStore) and store.cached:
        marker = cache_root() / store.key[:32] / "preflight.json"
        if marker.is_file():
            return [Problem(**p) for p in json.loads(marker.read_text(encoding="utf-8"))]
    problems = []
    for name in PREFLIGHT_QC:
        rq = rules_dir / "qc" / f"{name}-violation.rq"
        for row in store.query(sparql_prefixes() + rq.read_text(encoding="utf-8")).rows:
            focus, msg = row.get("focus"), row.get("message")
            problems.append(
                Problem(
                    f"qc:{name}",
                    "error",
                    msg.value if msg is not None else "violation",
                    focus=focus.value if focus is not None else None,
                )
            )
    if isinstance(store, EmbeddedStore):
        found, _ = run_entry_shapes(store, rules_dir, progress)
        problems += [p for p in found if p.severity == "error"]
    if marker is not None:
        # a read-only cache folder only costs the re-check next time
        with contextlib.suppress(OSError):
            marker.write_text(json.dumps([p.__dict__ for p in problems]), encoding="utf-8")
    return problems
