"""Saved queries and result formats (SPARQL 1.1 Query; SPARQL 1.1 Query Results JSON, CSV/TSV).

A saved query is ``queries/<name>.rq`` with a header of ``#`` comment lines::

    # title: Party status
    # description: Was a treaty in force for a state on a date?
    # param: state ml:State ISO 3166-1 alpha-3 code, e.g. QQA
    # param: date xsd:date ISO 8601 date, e.g. 2021-06-12

A parameter's type is an XSD datatype, ``iri``, ``id`` (any KB resource, ``mlr:<id>``), a
class of the ontology (``ml:State``, ``ml:Norm``, ``ml:Place``...): the identifier of a
resource of that class, given as the short id, ``mlr:<id>`` or the full IRI, and bound as its
IRI; or a SKOS scheme (``mlv:reliability``): one of its codes (``skos:notation``, any case),
bound as the code as written in the KB.  Identifiers are checked against the KB
(:mod:`minelaw.sparql.identifiers`): an unknown one is an error with suggestions, never an
empty answer.

Parameters appear in the body as ``$name`` (a legal SPARQL variable, so the file
runs as it is).  :func:`bind` replaces each ``$name`` outside strings, IRIs and
comments with a term built and escaped by pyoxigraph from the typed value --
never by pasting the user's text into the query.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..errors import UsageError
from ..namespaces import MLR
from ..resources import data_dir
from ..store.oxigraph import QueryResult
from ..store.oxigraph import short as short  # moved down to the store; re-exported here
from .identifiers import class_iri, resolve_code
from .identifiers import resolve as resolve_id

XSD = "http://www.w3.org/2001/XMLSchema#"
PARAM_TYPES = ("xsd:string", "xsd:date", "xsd:integer", "xsd:decimal", "xsd:boolean", "iri", "id")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    description: str

    @property
    def cls(self) -> str | None:
        """The class whose identifiers this parameter takes (``ml:State`` types), else None."""
        if self.type in PARAM_TYPES or self.type.startswith("mlv:"):
            return None
        return class_iri(self.type)

    @property
    def scheme(self) -> str | None:
        """The SKOS scheme whose codes this parameter takes (``mlv:reliability``), else None."""
        return class_iri(self.type) if self.type.startswith("mlv:") else None

    @property
    def input_kind(self) -> str:
        """What a form asks for: date, number, boolean, identifier or text."""
        if self.type == "xsd:date":
            return "date"
        if self.type in ("xsd:integer", "xsd:decimal"):
            return "number"
        if self.type == "xsd:boolean":
            return "boolean"
        if self.type == "id" or self.cls:
            return "identifier"
        if self.scheme:
            return "code"
        return "text"


@dataclass
class SavedQuery:
    name: str
    path: Path
    text: str
    title: str = ""
    description: str = ""
    params: list[Param] = field(default_factory=list)


_HEADER = re.compile(r"^#\s*(title|description|param):\s*(.*)$")


def parse_saved(path: Path) -> SavedQuery:
    """Read a ``.rq`` file and its header."""
    text = path.read_text(encoding="utf-8")
    q = SavedQuery(path.stem, path, text)
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        m = _HEADER.match(line)
        if not m:
            if q.description and line.startswith("# ") and not q.params:
                q.description += " " + line[2:].strip()
            continue
        key, value = m.group(1), m.group(2).strip()
        if key == "title":
            q.title = value
        elif key == "description":
            q.description = value
        else:
            parts = value.split(None, 2)
            if len(parts) < 2 or (parts[1] not in PARAM_TYPES and class_iri(parts[1]) is None):
                raise UsageError(
                    f"{path}: bad '# param:' line {value!r}",
                    hint="write '# param: NAME TYPE DESCRIPTION' with TYPE one of "
                    f"{', '.join(PARAM_TYPES)} or a class such as ml:State",
                )
            q.params.append(Param(parts[0], parts[1], parts[2] if len(parts) > 2 else ""))
    return q


def saved_queries(folder: Path | None = None) -> dict[str, SavedQuery]:
    folder = folder or data_dir("queries")
    return {p.stem: parse_saved(p) for p in sorted(folder.glob("*.rq"))}


def make_term(param: Param, raw: str, store: Any = None) -> ox.NamedNode | ox.Literal:
    """Build a typed RDF term from a parameter value, or raise UsageError.

    With a ``store``, identifiers (``id`` and class types) are checked against it: an unknown
    one raises UsageError with suggestions.  Without one (no KB at hand), they are only checked
    for syntax.
    """
    bad = UsageError(
        f"parameter {param.name}={raw!r} is not a valid {param.type}",
        hint=param.description or None,
    )
    t = param.type
    if t == "xsd:string":
        return ox.Literal(raw)
    if t == "xsd:date":
        try:
            dt.date.fromisoformat(raw)
        except ValueError:
            raise bad from None
        return ox.Literal(raw, datatype=ox.NamedNode(XSD + "date"))
    if t == "xsd:integer":
        if not re.fullmatch(r"[+-]?\d+", raw):
            raise bad
        return ox.Literal(str(int(raw)), datatype=ox.NamedNode(XSD + "integer"))
    if t == "xsd:decimal":
        try:
            Decimal(raw)
        except InvalidOperation:
            raise bad from None
        return ox.Literal(raw, datatype=ox.NamedNode(XSD + "decimal"))
    if t == "xsd:boolean":
        if raw not in ("true", "false"):
            raise bad
        return ox.Literal(raw, datatype=ox.NamedNode(XSD + "boolean"))
    if param.scheme:
        code = raw.strip()
        if store is not None:
            code = resolve_code(store, param.scheme, raw, what=param.name.replace("_", " "))
        return ox.Literal(code)
    cls = param.cls
    if t == "id" or cls:
        if store is not None:
            return ox.NamedNode(resolve_id(store, cls, raw, what=_what(param)))
        ident = raw[4:] if raw.startswith("mlr:") else raw
        if raw.startswith(MLR):
            ident = raw[len(MLR) :]
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._\-]*", ident):
            raise bad
        return ox.NamedNode(MLR + ident)
    try:  # iri
        return ox.NamedNode(raw)
    except ValueError:
        raise bad from None


# strings (long and short), IRIs, comments -- skipped when substituting $vars
_SKIP = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*'
)
_VAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def _what(param: Param) -> str | None:
    """The noun for an ``id`` parameter's errors: its name ("event", "district")."""
    return None if param.cls else param.name


def bind(query: SavedQuery, values: dict[str, str], store: Any = None) -> str:
    """The query text with every declared ``$param`` replaced by its typed term.

    ``store``: check identifier parameters against this KB (see :func:`make_term`).
    """
    declared = {p.name: p for p in query.params}
    unknown = set(values) - set(declared)
    if unknown:
        raise UsageError(
            f"query {query.name!r} has no parameter {', '.join(sorted(unknown))}",
            hint=f"its parameters: {', '.join(declared) or 'none'}",
        )
    missing = [n for n in declared if n not in values]
    if missing:
        raise UsageError(
            f"query {query.name!r} needs --param {missing[0]}=...",
            hint="; ".join(f"{p.name} ({p.type}): {p.description}" for p in query.params),
        )
    terms = {n: str(make_term(declared[n], v, store)) for n, v in values.items()}

    out, pos = [], 0
    text = query.text
    for m in _SKIP.finditer(text):
        out.append(_VAR.sub(lambda v: terms.get(v.group(1), v.group(0)), text[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_VAR.sub(lambda v: terms.get(v.group(1), v.group(0)), text[pos:]))
    return "".join(out)


# --- result formats ------------------------------------------------------------------
def _json_term(term: object) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    assert isinstance(term, ox.Literal)
    d = {"type": "literal", "value": term.value}
    if term.language:
        d["xml:lang"] = term.language
    elif term.datatype.value != XSD + "string":
        d["datatype"] = term.datatype.value
    return d


def to_json(res: QueryResult) -> str:
    """W3C SPARQL 1.1 Query Results JSON."""
    if res.kind == "ask":
        return json.dumps({"head": {}, "boolean": res.boolean})
    bindings = [{k: _json_term(v) for k, v in row.items() if v is not None} for row in res.rows]
    return json.dumps(
        {"head": {"vars": res.variables}, "results": {"bindings": bindings}}, indent=1
    )


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def spreadsheet_safe(value: str) -> str:
    """A cell no spreadsheet runs as a formula (OWASP, "CSV Injection").

    A value that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading ``'`` -- except a plain number such as ``-5``, which a spreadsheet reads as a
    number anyway.  The csv module then quotes the cell where needed.
    """
    if value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def _csv(res: QueryResult, delimiter: str, tsv: bool, safe: bool = False) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n" if not tsv else "\n")
    if res.kind == "ask":
        w.writerow(["boolean"])
        w.writerow(["true" if res.boolean else "false"])
        return buf.getvalue()
    w.writerow(res.variables if not tsv else ["?" + v for v in res.variables])
    for row in res.rows:
        cells = []
        for v in res.variables:
            t = row.get(v)
            if t is None:
                cells.append("")
            elif tsv:
                cells.append(str(t))
            else:
                cells.append(spreadsheet_safe(t.value) if safe else t.value)
        w.writerow(cells)
    return buf.getvalue()


def to_csv(res: QueryResult, *, spreadsheet: bool = True) -> str:
    """CSV of the results (values only), for people: spreadsheet-safe by default.

    ``minelaw query --format csv`` is opened in spreadsheets, so every cell goes through
    :func:`spreadsheet_safe`; ``spreadsheet=False`` gives the W3C *SPARQL 1.1 Query Results
    CSV* unchanged (what ``/sparql`` answers to ``Accept: text/csv``).
    """
    return _csv(res, ",", tsv=False, safe=spreadsheet)


def to_tsv(res: QueryResult) -> str:
    """SPARQL 1.1 Query Results TSV (terms in N-Triples syntax)."""
    if res.kind == "ask":
        return _csv(res, "\t", tsv=True)
    lines = ["\t".join("?" + v for v in res.variables)]
    for row in res.rows:
        lines.append(
            "\t".join(str(row[v]) if row.get(v) is not None else "" for v in res.variables)
        )
    return "\n".join(lines) + "\n"


def to_ntriples(res: QueryResult) -> str:
    return "".join(f"{t} .\n" for t in res.triples)
