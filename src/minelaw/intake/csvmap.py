"""Declarative CSV -> RDF mappings for evidence entries (issue 7, evidence intake).

One mapping per entry kind, as data in ``rules/csv/<kind>.toml`` (read with
:mod:`tomllib`): the class of the resource a row describes, the identifier prefix,
and for each column the property, value type (``id``, ``string``, ``text``,
``langtext``, ``date``, ``integer``, ``decimal``, ``uri``, ``language``, ``ref``,
``concept``, ``class``, ``wkt``, ``sha256``, ``file``), the SKOS scheme of concept
codes, whether it is required, a description and an example value.  :func:`convert`
turns rows into triples and remembers, for each (resource, property), the CSV line and
column, so that every problem found later (by SHACL or by the knowledge-base checks)
points at a cell.

A row may also describe *linked* resources (``[[linked]]`` in the mapping): a place's
``geo:Geometry`` (GeoSPARQL 1.1: ``geo:hasGeometry``, ``geo:asWKT``) or a conflict's
``ml:ConflictClassification`` (linked back by ``ml:classifies``).  A column with ``on``
puts its value on the linked resource (``on = ["row", "geometry"]``: on both); the
linked resource gets its identifier from a pattern (``geom-{slug}``) and exists when one
of its own cells is filled.  ``langtext`` cells hold ``text@lang`` values (RDF 1.1
language-tagged strings); ``wkt`` cells a ``POINT(lon lat)`` (OGC WKT, ``geo:wktLiteral``);
``class`` cells a code naming the resource's class (e.g. ``person`` -> ``ml:Person``).

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
    "langtext",
    "wkt",
    "class",
)
ROW = "row"  # ``on`` value: the resource the row describes
WKT_RE = re.compile(r"^POINT ?\(\s*(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s*\)$", re.I)
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
    on: tuple[str, ...] = (ROW,)  # the resources the value goes on: "row" and/or linked names
    choices: tuple[tuple[str, str], ...] = ()  # ``class`` columns: code -> class IRI


@dataclass(frozen=True)
class Linked:
    """A second resource a row describes (a place's geometry, a conflict's classification)."""

    name: str
    cls: str  # full IRI
    id: str  # pattern: {id} the row's identifier, {slug} the same without the kind's prefix
    link: str | None = None  # row resource -> linked resource
    inverse: str | None = None  # linked resource -> row resource


@dataclass
class Mapping:
    kind: str
    cls: str  # full IRI of the class
    id_prefix: str
    description: str
    columns: list[Column]
    path: Path
    linked: list[Linked] = field(default_factory=list)
    more_examples: list[list[str]] = field(default_factory=list)  # further example rows

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def column_of(self, prop: str, subject: str | None = None) -> Column | None:
        """The column that gives ``prop`` (of ``subject``: the row's or a linked resource)."""
        on = ROW
        local = (subject or "").removeprefix(MLR)
        for lk in self.linked:
            head = lk.id.split("{", 1)[0]
            if head and local.startswith(head) and not local.startswith(self.id_prefix or "\0"):
                on = lk.name
        cols = [c for c in self.columns if on in c.on]
        hit = next((c for c in cols if prop in (c.property, *c.also)), None)
        if hit is None:  # the link to a linked resource: its first own column
            for lk in self.linked:
                if prop in (lk.link, lk.inverse):
                    return next((c for c in self.columns if c.on == (lk.name,)), None)
        return hit


def load_mapping(path: Path) -> Mapping:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    linked = [
        Linked(
            lk["name"],
            expand(lk["class"]),
            lk["id"],
            expand(lk["link"]) if "link" in lk else None,
            expand(lk["inverse"]) if "inverse" in lk else None,
        )
        for lk in raw.get("linked", [])
    ]
    cols = []
    for c in raw["column"]:
        props = c.get("property", [])
        props = [props] if isinstance(props, str) else list(props)
        if c["type"] not in TYPES:
            raise ValueError(f"{path}: column {c['name']}: unknown type {c['type']!r}")
        on = c.get("on", [ROW])
        on = (on,) if isinstance(on, str) else tuple(on)
        if set(on) - {ROW, *(lk.name for lk in linked)}:
            raise ValueError(f"{path}: column {c['name']}: unknown resource in on = {on}")
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
                on=on,
                choices=tuple((k, expand(v)) for k, v in c.get("choices", {}).items()),
            )
        )
    return Mapping(
        raw["kind"],
        expand(raw["class"]),
        raw.get("id_prefix", ""),
        raw["description"],
        cols,
        path,
        linked,
        [[str(x) for x in r] for r in raw.get("more_examples", [])],
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


def example_rows(m: Mapping) -> list[str]:
    """The example rows as CSV lines (without the comment mark)."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for r in [[c.example for c in m.columns], *m.more_examples]:
        w.writerow(r)
    return buf.getvalue().splitlines(keepends=True)


def template(m: Mapping) -> str:
    """The CSV header and the example rows, commented out (``# ``: intake skips them).

    Delete the ``# `` to use an example as it is, or write your rows below them.
    """
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(m.names)
    return buf.getvalue() + "".join("# " + r for r in example_rows(m))


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
    targets = {ROW: s, **_linked(out, m, row, line, ident, s)}
    for c in m.columns:
        if c.type == "id":
            for prop in (c.property, *c.also) if c.property else ():
                out.triples.append(ox.Triple(s, ox.NamedNode(prop), ox.Literal(ident)))
                out.where[(subject, prop)] = (line, c.name)
            continue
        if c.name not in row:
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
            if term is None:
                continue
            if c.type == "class":
                assert isinstance(term, ox.NamedNode)
                out.triples.append(ox.Triple(s, ox.NamedNode(RDF_TYPE), term))
                continue
            for node in (targets[on] for on in c.on if on in targets):
                for prop in (c.property, *c.also) if c.property else ():
                    out.triples.append(ox.Triple(node, ox.NamedNode(prop), term))
                    out.where[(node.value, prop)] = (line, c.name)


def _linked(
    out: Converted, m: Mapping, row: dict[str, str], line: int, ident: str, s: ox.NamedNode
) -> dict[str, ox.NamedNode]:
    """The linked resources the row describes: those with one of their own cells filled."""
    made = {}
    slug = ident.removeprefix(m.id_prefix)
    for lk in m.linked:
        own = [c for c in m.columns if c.on == (lk.name,)]
        filled = [c for c in own if row.get(c.name)]
        if not filled:
            continue
        ident2 = lk.id.format(id=ident, slug=slug)
        node = ox.NamedNode(MLR + ident2)
        at = (line, filled[0].name)
        for key in (None, RDF_TYPE, DCTERMS_IDENTIFIER, lk.inverse):
            out.where[(node.value, key)] = at
        out.triples.append(ox.Triple(node, ox.NamedNode(RDF_TYPE), ox.NamedNode(lk.cls)))
        out.triples.append(ox.Triple(node, ox.NamedNode(DCTERMS_IDENTIFIER), ox.Literal(ident2)))
        if lk.link:
            out.triples.append(ox.Triple(s, ox.NamedNode(lk.link), node))
            out.where[(s.value, lk.link)] = at
        if lk.inverse:
            out.triples.append(ox.Triple(node, ox.NamedNode(lk.inverse), s))
        made[lk.name] = node
    return made


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
    if t == "langtext":
        text, at, lang = v.rpartition("@")
        if not at or not text.strip() or not LANG_RE.match(lang):
            bad(
                f"{v!r} is not a name with its language",
                "write the name, '@' and its language code, e.g. Qaville@fr"
                + (f"; separate several with {c.separator!r}" if c.separator else ""),
            )
            return None
        return ox.Literal(text.strip(), language=lang.lower())
    if t == "wkt":
        hit = WKT_RE.match(v)
        if not hit:
            bad(
                f"{v!r} is not a WKT point",
                "write POINT(longitude latitude) in decimal degrees, longitude first, "
                "e.g. POINT(10.5 50.25)",
            )
            return None
        lon, lat = float(hit.group(1)), float(hit.group(2))
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            bad(
                f"{v!r} is outside the globe (longitude -180..180, latitude -90..90)",
                "check the order: WKT puts the longitude first, then the latitude",
            )
            return None
        wkt = f"POINT({hit.group(1)} {hit.group(2)})"
        return ox.Literal(wkt, datatype=ox.NamedNode(PREFIXES["geo"] + "wktLiteral"))
    if t == "class":
        cls = dict(c.choices).get(v)
        if cls is None:
            bad(f"{v!r} is not one of the choices", f"write one of: {', '.join(dict(c.choices))}")
            return None
        return ox.NamedNode(cls)
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
