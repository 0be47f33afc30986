"""The store: ontology and knowledge base loaded as named graphs into a SPARQL engine.

Implements DESIGN.md section 2 ("store") and section 6: the embedded default is
Oxigraph (:mod:`pyoxigraph`); building it and keeping it in a cache folder keyed by
the SHA-256 of every input file (:func:`cache_key`) is :mod:`minelaw.store.cache`.
Each file loads into its own named graph (:func:`minelaw.namespaces.graph_iri`),
OWL 2 RL consequences go to ``graph:inferred`` (:mod:`minelaw.store.reason`), and the
default graph of every query is the union of all graphs.

Reading code talks to the small :class:`SparqlStore` protocol so that a remote
SPARQL 1.1 endpoint can stand in for the embedded store.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox

from .. import __version__
from ..errors import InputError, ParseError, QueryError
from ..namespaces import (
    FINDINGS_GRAPH,
    INFERRED_RESTRICTED_GRAPH,
    PREFIXES,
    graph_iri,
    sparql_prefixes,
)
from ..resources import data_dir
from .dataset import query_dataset

#: Bump when the layout of a cached store changes, so old caches are not reused.
STORE_FORMAT = 3

RDF_SUFFIXES = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES}


@dataclass(frozen=True)
class InputFile:
    """One file that goes into the store, in its own named graph."""

    path: Path
    kind: str  # "ontology" | "kb" | "rules"
    relpath: str

    @property
    def graph(self) -> str:
        return graph_iri(self.kind, self.relpath)

    @property
    def restricted(self) -> bool:
        """Entries under a ``restricted/`` folder are confidential (issue: intake)."""
        return "restricted" in Path(self.relpath).parts[:-1]

    def digest(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def discover(kb_dir: Path, ontology_dir: Path | None = None) -> list[InputFile]:
    """All input files: the ontology (with its components and imports) and the KB.

    Files are sorted so that the cache key and the load order are deterministic.
    Only ``.ttl`` and ``.nt`` files count; other files (Markdown notes, CSV
    templates) are documentation.
    """
    ontology_dir = ontology_dir or data_dir("ontology")
    if not kb_dir.is_dir():
        raise InputError(
            f"knowledge base folder not found: {kb_dir}",
            hint="pass --kb DIR with a folder of Turtle files, or create one with `minelaw init`",
        )
    files: list[InputFile] = []
    for kind, root in (("ontology", ontology_dir), ("kb", kb_dir)):
        for path in sorted(root.rglob("*")):
            if kind == "kb" and path.is_symlink():
                # a link from a public folder to a restricted file would publish it
                raise InputError(
                    f"{path.relative_to(root)} is a symbolic link (to {os.readlink(path)}); "
                    "the knowledge base folder may not contain links",
                    path=str(path),
                    hint="copy the file instead (restricted files belong under a restricted/ "
                    "folder)",
                )
            if path.is_file() and path.suffix in RDF_SUFFIXES:
                files.append(InputFile(path, kind, path.relative_to(root).as_posix()))
    # the standard-of-proof thresholds are data that briefs and queries quote
    standards = data_dir("rules") / "standards.ttl"
    if standards.is_file():
        files.append(InputFile(standards, "rules", "standards.ttl"))
    return files


@dataclass
class QueryResult:
    """The outcome of one SPARQL query, engine-neutral (pyoxigraph terms)."""

    kind: str  # "select" | "ask" | "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal | None]] = field(
        default_factory=list
    )
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)

    def values(self, var: str) -> list[str]:
        """The plain values of one column (IRIs and literal lexical forms)."""
        return [term_value(r.get(var)) for r in self.rows if r.get(var) is not None]


def term_value(term: object) -> str:
    """The lexical value of a term ('' for None)."""
    if term is None:
        return ""
    return str(getattr(term, "value", term))


class SparqlStore(Protocol):
    """What reading commands need from a store, embedded or remote."""

    def query(self, sparql: str) -> QueryResult: ...

    def count_quads(self) -> int: ...


def _result_from_oxigraph(
    res: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples,
) -> QueryResult:
    if isinstance(res, ox.QueryBoolean):
        return QueryResult("ask", boolean=bool(res))
    if isinstance(res, ox.QuerySolutions):
        variables = [v.value for v in res.variables]
        rows = [{v: sol[v] for v in variables} for sol in res]
        return QueryResult("select", variables=variables, rows=rows)
    return QueryResult("graph", triples=list(res))


class EmbeddedStore:
    """An Oxigraph store holding the ontology and a KB, one named graph per file."""

    def __init__(
        self,
        store: ox.Store,
        files: Sequence[InputFile],
        key: str,
        cached: bool,
        include_restricted: bool = False,
        path: Path | None = None,
    ):
        self.store = store
        self.path = path  # the cache folder of an on-disk store (None: in memory)
        self.files = list(files)
        self.key = key
        self.cached = cached
        self.include_restricted = include_restricted
        self._hidden = {ox.NamedNode(f.graph) for f in self.files if f.restricted}
        if self._hidden:
            self._hidden.add(ox.NamedNode(INFERRED_RESTRICTED_GRAPH))

    @property
    def hidden_graphs(self) -> set[str]:
        """Graphs left out unless restricted entries are explicitly included."""
        return {g.value for g in self._hidden}

    def _dataset_args(self, sparql: str = "") -> dict[str, Any]:
        """The query's dataset (SPARQL 1.1 Query 13.2, :mod:`.dataset`): what its ``FROM`` and
        ``FROM NAMED`` name, or else the union of all graphs; restricted graphs are left out
        unless explicitly included, whatever the query names."""
        named = query_dataset(sparql, _PREFIX_MAP) if sparql else None
        if named is not None:
            if not self.include_restricted:
                named = named.restrict(g.value for g in self._hidden)
            return {
                "default_graph": [ox.NamedNode(g) for g in named.default],
                "named_graphs": [ox.NamedNode(g) for g in named.named],
            }
        if self.include_restricted or not self._hidden:
            return {"use_default_graph_as_union": True}
        visible = [g for g in self.store.named_graphs() if g not in self._hidden]
        return {"default_graph": visible, "named_graphs": visible}

    # --- SparqlStore -------------------------------------------------------------
    def query(self, sparql: str) -> QueryResult:
        try:
            try:
                dataset = self._dataset_args(sparql)
            except QueryError:
                # rdflib could not read the dataset clause: let the engine report the syntax
                # error; if it accepts the query, refuse it rather than guess its dataset
                self.store.query(sparql, prefixes=_PREFIX_MAP, use_default_graph_as_union=True)
                raise
            res = self.store.query(sparql, prefixes=_PREFIX_MAP, **dataset)
            return _result_from_oxigraph(res)
        except SyntaxError as exc:
            raise QueryError(syntax_message(exc, sparql)) from exc
        except (OSError, RuntimeError, ValueError) as exc:
            raise QueryError(f"SPARQL evaluation failed: {exc}") from exc

    def count_quads(self) -> int:
        return len(self.store)

    # --- extras --------------------------------------------------------------------
    def graphs(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))

    def graph_of_file(self, path: Path) -> str | None:
        for f in self.files:
            if f.path == path:
                return f.graph
        return None

    def file_of_graph(self, graph: str) -> InputFile | None:
        for f in self.files:
            if f.graph == graph:
                return f
        return None

    def add_graph(self, graph: str, ntriples: str) -> None:
        """Replace the content of ``graph`` with the given N-Triples."""
        g = ox.NamedNode(graph)
        self.store.remove_graph(g) if g in set(self.store.named_graphs()) else None
        self.store.load(ntriples.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES, to_graph=g)


_PREFIX_MAP = {
    line.split()[1].rstrip(":"): line.split()[2].strip("<>")
    for line in sparql_prefixes().splitlines()
}


def syntax_message(exc: SyntaxError, sparql: str, offset: int | None = None) -> str:
    """The message of a SPARQL syntax error, located in the author's own query text."""
    from .sparqlsyntax import explain

    text = explain(str(exc), sparql, offset)
    return text if text != str(exc) else f"SPARQL syntax error: {exc}"


def cache_key(files: Sequence[InputFile], digests: dict[Path, str] | None = None) -> str:
    """SHA-256 over the store format, minelaw's version and every input file (``digests``:
    the files' SHA-256 if already known)."""
    h = hashlib.sha256()
    h.update(f"minelaw-store:{STORE_FORMAT}:{__version__}\n".encode())
    for f in files:
        digest = digests[f.path] if digests else f.digest()
        h.update(f"{f.kind}\t{f.relpath}\t{digest}\n".encode())
    return h.hexdigest()


def kb_version(store: SparqlStore) -> dict[str, Any]:
    """The ``kb`` object of JSON outputs: a content hash (embedded) or the endpoint, and size."""
    version = (
        store.key[:12]
        if isinstance(store, EmbeddedStore)
        else getattr(store, "endpoint_url", "remote")
    )
    # the KB's size: graph:findings (derived from it) is not counted
    derived = store.query(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{FINDINGS_GRAPH}> {{ ?s ?p ?o }} }}"
    ).values("n")
    total = store.count_quads()
    if isinstance(store, EmbeddedStore) and store.hidden_graphs and not store.include_restricted:
        # the public view: neither the size nor the hash may reveal restricted files
        version = cache_key([f for f in store.files if not f.restricted])[:12]
        total = int(
            store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").values("n")[0]
        )
    return {"version": version, "triples": total - int(derived[0] if derived else 0)}


def kb_hash(kb_dir: Path) -> str:
    """A short content hash of a KB (ontology included): the 'KB version' of briefs."""
    return cache_key(discover(kb_dir))[:12]


def parse_error(exc: SyntaxError, path: Path) -> ParseError:
    """Map a parser's SyntaxError to a ParseError with file:line:column."""
    line = getattr(exc, "lineno", None)
    col = getattr(exc, "offset", None)
    msg = str(exc.msg if hasattr(exc, "msg") else exc)
    msg = re.sub(r"^Parser error (at|between) [^:]*: ", "", msg)
    return ParseError(
        msg,
        path=str(path),
        line=line,
        column=col,
        hint="fix the Turtle syntax at that position (an unclosed string or a missing '.' "
        "at the end of the previous statement are the usual causes)",
    )


def check_syntax(path: Path) -> int:
    """Parse one file fully; return its triple count or raise :class:`ParseError`."""
    fmt = RDF_SUFFIXES.get(path.suffix)
    if fmt is None:
        raise InputError(f"not an RDF file minelaw loads: {path.suffix}", path=str(path))
    try:
        return sum(1 for _ in ox.parse(path=str(path), format=fmt))
    except SyntaxError as exc:
        raise parse_error(exc, path) from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text ({exc.reason} at byte {exc.start})",
            path=str(path),
            hint="save the file as UTF-8",
        ) from exc


def short(term: object) -> str:
    """A compact display form of a term for tables (prefixed where possible)."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for p, iri in PREFIXES.items():
            if term.value.startswith(iri):
                return f"{p}:{term.value[len(iri) :]}"
        return term.value
    return str(getattr(term, "value", term))
