"""Declarative CSV -> RDF mappings for evidence entries (issue 7, evidence intake).

One mapping per entry kind, as data in ``rules/csv/<kind>.toml`` (read with
:mod:`tomllib`): the class of the resource a row describes, the identifier prefix,
and for each column the property, value type (``id``, ``string``, ``text``,
``date``, ``integer``, ``decimal``, ``uri``, ``language``, ``ref``, ``concept``,
``sha256``, ``file``), the SKOS scheme of concept codes, whether it is required, a
description and an example value.  :func:`convert` turns rows into triples and
remembers, for each (resource, property), the CSV line and column, so that every
problem found later (by SHACL or by the knowledge-base checks) points at a cell.

Only what CSV needs is checked here (header, cell syntax); every check that also
applies to Turtle and JSON-LD lives in :mod:`minelaw.intake.workflow`.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..namespaces import MLR, MLV, PREFIXES
from ..resources import data_dir
from .formats import CsvTable

XSD = PREFIXES["xsd"]
DCTERMS_IDENTIFIER = PREFIXES["dcterms"] + "identifier"
RDF_TYPE = PREFIXES["rdf"] + "type"
TYPES = (
    "id",
    "string",
    "text",
    "date",
    "integer",
    "decimal",
    "uri",
    "language",
    "ref",
    "concept",
    "sha256",
    "file",
)
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LANG_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
# RFC 3986 section 2: unreserved, reserved and percent-encoded characters only
_URI_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2}")
_URI_START = re.compile(r"https?://[^/?#\s]+", re.IGNORECASE)


def url_problem(v: str) -> tuple[str, str] | None:
    """Why ``v`` is not an http(s) address of RFC 3986 characters, or None when it is one."""
    if not _URI_START.match(v):
        return f"{v!r} is not a web address", "write a full address starting with https://"
    bad = sorted({ch for ch in _URI_CHARS.sub("", v)})
    if bad:
        shown = " ".join(repr(ch) for ch in bad[:5])
        example = "".join(f"%{b:02X}" for b in bad[0].encode())
        return (
            f"{v!r} contains characters a web address may not contain ({shown})",
            f"percent-encode them as RFC 3986 says (e.g. {bad[0]!r} as {example}), "
            "or copy the address from the browser's address bar",
        )
    return None


def expand(curie: str) -> str:
    """``ml:Source`` -> the full IRI (mapping files use prefixed names)."""
    prefix, _, local = curie.partition(":")
    if prefix not in PREFIXES:
        raise ValueError(f"unknown prefix in {curie!r}")
    return PREFIXES[prefix] + local


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool
    description: str
    example: str
    property: str | None = None  # full IRI (the first, when a column maps to several)
    also: tuple[str, ...] = ()  # further properties that get the same value
    scheme: str | None = None
    ref_class: str | None = None  # full IRI
    separator: str | None = None
    min: float | None = None
    max: float | None = None


@dataclass
class Mapping:
    kind: str
    cls: str  # full IRI of the class
    id_prefix: str
    description: str
    columns: list[Column]
    path: Path

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def column_of(self, prop: str) -> Column | None:
        return next((c for c in self.columns if prop in (c.property, *c.also)), None)


def load_mapping(path: Path) -> Mapping:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    cols = []
    for c in raw["column"]:
        props = c.get("property", [])
        props = [props] if isinstance(props, str) else list(props)
        if c["type"] not in TYPES:
            raise ValueError(f"{path}: column {c['name']}: unknown type {c['type']!r}")
        cols.append(
            Column(
                name=c["name"],
                type=c["type"],
                required=bool(c.get("required", False)),
                description=c.get("description", ""),
                example=str(c.get("example", "")),
                property=expand(props[0]) if props else None,
                also=tuple(expand(p) for p in props[1:]),
                scheme=c.get("scheme"),
                ref_class=expand(c["ref_class"]) if "ref_class" in c else None,
                separator=c.get("separator"),
                min=c.get("min"),
                max=c.get("max"),
            )
        )
    return Mapping(
        raw["kind"], expand(raw["class"]), raw.get("id_prefix", ""), raw["description"], cols, path
    )


def load_mappings(rules_dir: Path | None = None) -> dict[str, Mapping]:
    """Every mapping in ``rules/csv/``, by kind."""
    folder = (rules_dir or data_dir("rules")) / "csv"
    out = {}
    for path in sorted(folder.glob("*.toml")):
        m = load_mapping(path)
        out[m.kind] = m
    return out


def concept_schemes() -> dict[str, set[str]]:
    """Property IRI -> the concept schemes its values must come from (from all mappings)."""
    out: dict[str, set[str]] = {}
    for m in load_mappings().values():
        for c in m.columns:
            if c.type == "concept" and c.property and c.scheme:
                out.setdefault(c.property, set()).add(MLV + c.scheme)
    return out


def template(m: Mapping) -> str:
    """The CSV header and one example row."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(m.names)
    w.writerow([c.example for c in m.columns])
    return buf.getvalue()


def infer_kind(header: list[str], mappings: dict[str, Mapping]) -> str | None:
    """The kind whose columns best match the header (None if no clear winner)."""
    cols = {h for h in header if h and h != "kind"}
    scores = []
    for kind, m in mappings.items():
        known = set(m.names)
        required = {c.name for c in m.columns if c.required}
        score = len(cols & known) - len(cols - known) + len(required & cols) - len(required - cols)
        scores.append((score, kind))
    scores.sort(reverse=True)
    if not scores or scores[0][0] <= 0:
        return None
    if len(scores) > 1 and scores[1][0] == scores[0][0]:
        return None
    return scores[0][1]


@dataclass
class CellProblem:
    line: int
    column: str
    message: str
    hint: str | None = None
    value: str | None = None
    focus: str | None = None
    check: str = "csv"


@dataclass
class Converted:
    triples: list[ox.Triple] = field(default_factory=list)
    # (subject IRI, property IRI or None) -> (line, column name)
    where: dict[tuple[str, str | None], tuple[int, str]] = field(default_factory=dict)
    problems: list[CellProblem] = field(default_factory=list)
    files: list[tuple[str, Path, int, str]] = field(
        default_factory=list
    )  # subject, file, line, col


def _suggest(word: str, options: list[str]) -> str | None:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def convert(table: CsvTable, m: Mapping) -> Converted:
    """Turn the rows of a CSV table into triples, with a location for each."""
    out = Converted()
    header = table.header
    for name in header:
        if name == "kind" or m.column(name):
            continue
        if not name:
            msg, hint = "a header cell is empty", "give every column a name"
        else:
            msg = f"unknown column {name!r} for kind {m.kind!r}"
            hint = _suggest(name, m.names) or f"the columns are: {', '.join(m.names)}"
        out.problems.append(CellProblem(1, name, msg, hint))
    for c in m.columns:
        if c.required and c.name not in header:
            out.problems.append(
                CellProblem(
                    1,
                    c.name,
                    f"required column {c.name!r} is missing",
                    f"add a column {c.name!r}: {c.description}",
                )
            )
    dup = {h for h in header if header.count(h) > 1}
    for name in sorted(dup):
        out.problems.append(CellProblem(1, name, f"column {name!r} appears twice"))
    if not table.rows:
        out.problems.append(
            CellProblem(1, "", "the file has a header but no rows", "add one row per entry")
        )
    seen: dict[str, int] = {}
    for line, cells in table.rows:
        if len(cells) != len(header):
            out.problems.append(
                CellProblem(
                    line,
                    "",
                    f"the row has {len(cells)} cells but the header has {len(header)} columns",
                    "check for a missing or extra comma, or an unquoted comma inside a cell",
                )
            )
        row = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        _convert_row(out, m, row, line, seen)
    return out


def _convert_row(
    out: Converted, m: Mapping, row: dict[str, str], line: int, seen: dict[str, int]
) -> None:
    kind = row.get("kind")
    if kind is not None and kind != m.kind:
        out.problems.append(
            CellProblem(
                line,
                "kind",
                f"kind {kind!r} differs from {m.kind!r}",
                "put entries of different kinds in separate files",
            )
        )
    ident = row.get("id", "")
    if not ident:
        out.problems.append(CellProblem(line, "id", "the id is empty", "give each row a new id"))
        return
    if not ID_RE.match(ident):
        out.problems.append(
            CellProblem(
                line,
                "id",
                f"id {ident!r} contains characters that are not allowed",
                "use letters, digits, '-', '_' and '.' only, e.g. " + m.columns[0].example,
                value=ident,
            )
        )
        return
    subject = MLR + ident
    if ident in seen:
        out.problems.append(
            CellProblem(
                line,
                "id",
                f"id {ident!r} is used twice in this file (first on line {seen[ident]})",
                "give each row its own id",
                value=ident,
                focus=subject,
                check="identifier",
            )
        )
        return
    seen[ident] = line
    if m.id_prefix and not ident.startswith(m.id_prefix):
        out.problems.append(
            CellProblem(
                line,
                "id",
                f"id {ident!r} of a {m.kind} should start with {m.id_prefix!r}",
                f"rename it, e.g. {m.id_prefix}{ident}",
                value=ident,
                focus=subject,
                check="identifier",
            )
        )
    s = ox.NamedNode(subject)
    out.where[(subject, None)] = (line, "id")
    out.where[(subject, RDF_TYPE)] = (line, "id")
    out.where[(subject, DCTERMS_IDENTIFIER)] = (line, "id")
    out.triples.append(ox.Triple(s, ox.NamedNode(RDF_TYPE), ox.NamedNode(m.cls)))
    out.triples.append(ox.Triple(s, ox.NamedNode(DCTERMS_IDENTIFIER), ox.Literal(ident)))
    for c in m.columns:
        if c.type == "id" or c.name not in row:
            continue
        raw = row[c.name]
        if not raw:
            if c.required:
                out.problems.append(
                    CellProblem(
                        line,
                        c.name,
                        f"{c.name!r} is required but empty",
                        c.description,
                        focus=subject,
                        check="required",
                    )
                )
            continue
        values = [v.strip() for v in raw.split(c.separator)] if c.separator else [raw]
        for v in values:
            if not v:
                continue
            if c.type == "file":
                out.files.append((subject, Path(v), line, c.name))
                continue
            term = _term(out, c, v, line, subject)
            if term is not None and c.property:
                for prop in (c.property, *c.also):
                    out.triples.append(ox.Triple(s, ox.NamedNode(prop), term))
                    out.where[(subject, prop)] = (line, c.name)


def _term(
    out: Converted, c: Column, v: str, line: int, subject: str
) -> ox.NamedNode | ox.Literal | None:
    def bad(msg: str, hint: str) -> None:
        out.problems.append(CellProblem(line, c.name, msg, hint, value=v, focus=subject))

    t = c.type
    if t in ("string", "sha256"):
        return ox.Literal(v)
    if t == "text":
        return ox.Literal(v, language="en")
    if t == "date":
        if not DATE_RE.match(v):
            bad(f"{v!r} is not a date in the form YYYY-MM-DD", f"write e.g. {c.example}")
            return None
        return ox.Literal(v, datatype=ox.NamedNode(XSD + "date"))
    if t == "integer":
        if not re.fullmatch(r"\d+", v):
            bad(f"{v!r} is not a whole number of 0 or more", "write digits only, e.g. 3")
            return None
        return ox.Literal(v, datatype=ox.NamedNode(XSD + "nonNegativeInteger"))
    if t == "decimal":
        try:
            x = float(v)
            if not re.fullmatch(r"-?\d+(\.\d+)?", v):
                raise ValueError(v)
        except ValueError:
            bad(f"{v!r} is not a number", "write a plain number with '.' for decimals, e.g. 0.25")
            return None
        if (c.min is not None and x < c.min) or (c.max is not None and x > c.max):
            bad(f"{v} is outside {c.min}..{c.max}", c.description)
            return None
        return ox.Literal(v, datatype=ox.NamedNode(XSD + "decimal"))
    if t == "uri":
        problem = url_problem(v)
        if problem:
            bad(*problem)
            return None
        return ox.Literal(v, datatype=ox.NamedNode(XSD + "anyURI"))
    if t == "language":
        if not LANG_RE.match(v):
            bad(f"{v!r} is not a language code", "write a code such as en, az, hy or ru")
            return None
        return ox.Literal(v)
    if t in ("ref", "concept"):
        if not ID_RE.match(v):
            what = "identifier" if t == "ref" else "code"
            bad(f"{v!r} is not a valid {what}", c.description)
            return None
        if t == "ref":
            return ox.NamedNode(MLR + v)
        return ox.NamedNode(f"{MLV}{c.scheme}-{v}")
    raise AssertionError(t)
