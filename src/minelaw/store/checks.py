"""`minelaw check`: load, OWL consistency, ontology QC and entry shapes over the whole KB.

Steps (DESIGN.md section 5, ``minelaw check``):

1. load every file into the store (syntax errors raise :class:`ParseError`, exit 2);
2. OWL 2 RL disjointness (rule cax-dw) over ontology, KB and inferences;
3. OWL 2 DL consistency with HermiT on the ontology and the law (``kb/law``);
4. QC: every ``rules/qc/<check>-violation.rq`` must return no rows; severities in
   ``rules/qc/profile.tsv`` (ODK ``profile.txt`` style);
5. SHACL entry shapes (``rules/entries/*.ttl``) over the whole KB, compiled to SPARQL
   (:mod:`minelaw.store.entry_shapes`; pySHACL for a shape that does not compile).
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
from .entry_shapes import validate_store, write_whole
from .oxigraph import EmbeddedStore, short
from .reason import disjointness_violations, dl_consistency
from .shacl_sparql import Focus

Step = Callable[[str], None]
Progress = Callable[[str, int, int], None]


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
    """The file (and line) where a resource is described, for messages; a blank node is
    found where the resource that holds it is described."""
    for _ in range(4):  # a blank node: the subject that points to it (nested at most 4 deep)
        if not focus.startswith("_:"):
            break
        holders = store.store.quads_for_pattern(None, None, ox.BlankNode(focus[2:]), None)
        inferred = ox.NamedNode(INFERRED_GRAPH)
        holder = next((q.subject for q in holders if q.graph_name != inferred), None)
        if not isinstance(holder, ox.NamedNode | ox.BlankNode):
            return None, None
        focus = str(holder) if isinstance(holder, ox.BlankNode) else holder.value
    if not focus.startswith(("http://", "https://", "urn:")):
        return None, None  # literals have no place in a file
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
    progress: Progress | None = None,
    focus: Focus | None = None,
) -> tuple[list[Problem], int, dict[str, str]]:
    """Validate the whole store (restricted entries and inferences included) against every
    shape file in rules/entries/ (:mod:`minelaw.store.entry_shapes`): the problems, each
    located to a file and line, the number of shape files, and the shapes that pySHACL
    validated because they do not compile to SPARQL (with the reason)."""
    report = validate_store(store, rules_dir, progress, focus)
    problems: dict[tuple[str, str, str], Problem] = {}
    for p in report.problems:
        problems.setdefault((p.focus or "", p.message, p.severity), p)
    out = []
    for p in problems.values():
        path, line = _locate(store, p.focus) if p.focus else (None, None)
        out.append(dataclasses.replace(p, path=path, line=line))
    return out, report.shape_files, report.fallback


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
        found, n, fallback = run_entry_shapes(store, rules_dir, progress)
        report.problems.extend(found)
        if n == 0:
            return "skipped", "no entry shapes in rules/entries/"
        for shape, why in sorted(fallback.items()):
            report.problems.append(
                Problem(
                    "shape:pyshacl",
                    "info",
                    f"entry shape {_short(shape[1:-1]) if shape.startswith('<') else shape} is "
                    f"validated by pySHACL, file by file: it does not compile to SPARQL ({why})",
                )
            )
        errs = sum(p.severity == "error" for p in found)
        status = "failed" if errs else ("warnings" if found else "ok")
        engine = f"; {len(fallback)} shapes by pySHACL" if fallback else ""
        return status, f"{n} shape files, {errs} violations, {len(found) - errs} warnings{engine}"

    timed("SHACL entry shapes", shapes)
    return report


PREFLIGHT_QC = ("wrong-datatype", "ill-formed-literal")


def preflight(store: Any, progress: Progress | None = None) -> list[Problem]:
    """Entry and datatype checks that must pass before any compliance rule runs.

    Engines disagree on comparisons with badly typed literals, so the rules only
    ever see data that passed the datatype QC and the SHACL entry shapes.  On the
    embedded store the outcome is cached next to the store (same content key); a store
    built incrementally (:mod:`minelaw.store.incremental`) takes its base's outcome and
    checks again only the new triples and the resources they may affect.  On a remote
    endpoint only the SPARQL checks run.
    """
    import json

    rules_dir = data_dir("rules")
    marker = None
    if isinstance(store, EmbeddedStore) and store.path is not None:  # a store in the cache
        marker = store.path / "preflight.json"
        if marker.is_file():
            return [Problem(**p) for p in json.loads(marker.read_text(encoding="utf-8"))]
    problems = _preflight_delta(store, rules_dir, progress)
    if problems is None:
        problems = _qc_errors(store)
        if isinstance(store, EmbeddedStore):
            found, _, _ = run_entry_shapes(store, rules_dir, progress)
            problems += [p for p in found if p.severity == "error"]
    if marker is not None:
        # a read-only cache folder only costs the re-check next time
        with contextlib.suppress(OSError):
            write_whole(marker, json.dumps([p.__dict__ for p in problems]))
    return problems


def _qc_errors(store: Any) -> list[Problem]:
    """The preflight's datatype QC: whole-store scans, one per query, on worker processes
    for a large cached store (:func:`minelaw.store.parallel.map_on_store`)."""
    from .parallel import map_on_store

    return [
        p for part in map_on_store(store, _qc_problems, [(n,) for n in PREFLIGHT_QC]) for p in part
    ]


def _qc_problems(store: Any, name: str) -> list[Problem]:
    rq = data_dir("rules") / "qc" / f"{name}-violation.rq"
    problems = []
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
    return problems


def _preflight_delta(
    store: Any, rules_dir: Path, progress: Progress | None
) -> list[Problem] | None:
    """The preflight of an incrementally built store from its base's (None: no base outcome).

    The datatype QC looks at one triple at a time, so it runs on the new files only (with the
    ontology); the entry shapes run on the resources ``delta.json`` names.  The base's
    problems about other resources stand: the new triples cannot change them.
    """
    import json

    if not isinstance(store, EmbeddedStore) or store.path is None:
        return None
    record = store.path / "delta.json"
    if not record.is_file():
        return None
    delta = json.loads(record.read_text(encoding="utf-8"))
    base = cache_root() / delta["base"][0] / "preflight.json"
    if not base.is_file():
        return None
    old = [Problem(**p) for p in json.loads(base.read_text(encoding="utf-8"))]
    scratch = ox.Store()  # the ontology and the new files: what the datatype QC reads
    for f in store.files:
        if f.kind != "kb" or f.graph in delta["graphs"]:
            g = ox.NamedNode(f.graph)
            scratch.extend(store.store.quads_for_pattern(None, None, None, g))
    problems = _qc_errors(EmbeddedStore(scratch, store.files, store.key, cached=False))
    size = len(delta["iris"]) + sum(
        1
        for g in delta["graphs"]
        for _ in store.store.quads_for_pattern(None, None, None, ox.NamedNode(g))
    )
    focus = Focus(delta["iris"], delta["graphs"], size)
    found, _, _ = run_entry_shapes(store, rules_dir, progress, focus)
    iris = set(delta["iris"])
    kept = [p for p in old if not (p.check == "shape" and p.focus in iris)]
    seen: dict[tuple[str, str, str, str], Problem] = {}
    for p in kept + problems + [p for p in found if p.severity == "error"]:
        seen.setdefault((p.check, p.focus or "", p.message, p.severity), p)
    return list(seen.values())
