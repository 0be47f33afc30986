"""Safe readers for submitted entry files: Turtle, JSON-LD and CSV (issue 7, evidence intake).

Implements the input side of DESIGN.md section 7 ("Security and integrity"): every
submitted file is treated as untrusted.  Before any parser sees it, a file is

- limited in size (:data:`MAX_BYTES`, 10 MB);
- sniffed for what it really is (a PNG, PDF, ZIP or XML file behind a familiar
  extension is refused; RDF/XML is never parsed, so entity expansion cannot happen);
- limited in shape: literals of at most :data:`MAX_LITERAL_CHARS` characters, at most
  :data:`MAX_TRIPLES` statements, Turtle nested at most :data:`MAX_TURTLE_DEPTH` levels
  (checked by a linear scan before the parser runs);
- decoded as UTF-8 only (a UTF-8 byte-order mark is allowed; UTF-16 and Latin-1 are
  refused with the byte position and a hint to re-save as UTF-8);
- for JSON-LD, checked for nesting depth (:data:`MAX_JSON_DEPTH`) and for remote
  ``@context`` references: the minelaw context (:data:`CONTEXT_URL`) is replaced by its
  local copy in ``rules/jsonld/``; any other remote context or ``@import`` is refused and
  never fetched.  ``owl:imports`` is refused in every format.

Every failure raises :class:`~minelaw.errors.InputError` with a one-line reason (exit 2).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..errors import InputError, ParseError
from ..resources import data_dir

#: Largest entry file accepted, in bytes (documented in the `validate` help).
MAX_BYTES = 10 * 1024 * 1024
#: Deepest nesting of JSON objects/arrays accepted in a JSON-LD file.
MAX_JSON_DEPTH = 64
#: Longest literal (characters) in an entry: a quotation or a description, not a document.
MAX_LITERAL_CHARS = 100_000
#: Most statements in one entry file (and in one submission of several files).
MAX_TRIPLES = 100_000
#: Deepest nesting of ( ) collections and [ ] blank nodes in a Turtle entry.
MAX_TURTLE_DEPTH = 32
#: The one remote JSON-LD context minelaw accepts; it resolves to rules/jsonld/minelaw.jsonld.
CONTEXT_URL = "https://w3id.org/minelaw/context.jsonld"
OWL_IMPORTS = "http://www.w3.org/2002/07/owl#imports"

SUFFIX_FORMATS = {
    ".ttl": "turtle",
    ".jsonld": "jsonld",
    ".json": "jsonld",
    ".csv": "csv",
}

_MAGIC = [
    (b"\x89PNG", "a PNG image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an .xlsx/.docx/.odt file)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file (.xls/.doc)"),
    (b"\x7fELF", "a program"),
]


@dataclass
class Parsed:
    """The RDF triples of one entry file, and where each subject is written in it."""

    path: Path
    fmt: str  # "turtle" | "jsonld" | "csv"
    text: str
    triples: list[ox.Triple] = field(default_factory=list)
    data: bytes = b""


def detect_format(path: Path) -> str:
    """The entry format from the file extension, or an InputError naming the accepted ones."""
    suffix = path.suffix.lower()
    if suffix in (".rdf", ".owl", ".xml"):
        raise InputError(
            "RDF/XML is not accepted as an entry format",
            path=str(path),
            hint="convert the file to Turtle (.ttl) or JSON-LD (.jsonld)",
        )
    fmt = SUFFIX_FORMATS.get(suffix)
    if fmt is None:
        raise InputError(
            f"unknown entry file type {suffix or '(no extension)'!r}",
            path=str(path),
            hint="entries are Turtle (.ttl), JSON-LD (.jsonld, .json) or CSV (.csv) files",
        )
    return fmt


def read_bytes(path: Path) -> bytes:
    """Read a file within the size limit."""
    try:
        if not path.is_file():
            raise InputError("no such file", path=str(path))
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(
                f"file is too large ({size / 1e6:.1f} MB; the limit is {MAX_BYTES // 2**20} MB)",
                path=str(path),
                hint="split the entries into several smaller files",
            )
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", path=str(path)) from exc
    if len(data) > MAX_BYTES:
        raise InputError("file is too large", path=str(path))
    return data


def decode(data: bytes, path: Path, fmt: str) -> str:
    """Sniff and decode as UTF-8, refusing binary files and other encodings."""
    if not data.strip():
        raise InputError("the file is empty", path=str(path), hint="nothing to validate")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(
                f"this is {what}, not a {fmt} file", path=str(path), hint=_hint_for(fmt)
            )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:200].count(b"\x00") > 2:
        raise InputError(
            "the file is UTF-16 encoded (or binary), not UTF-8",
            path=str(path),
            hint="save it as UTF-8 (in a spreadsheet: 'CSV UTF-8'; in an editor: encoding UTF-8)",
        )
    if b"\x00" in data:
        raise InputError("the file contains NUL bytes: it is not a text file", path=str(path))
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 text: byte 0x{data[exc.start]:02x} at line {line} "
            "(the file is probably Latin-1 or Windows-1252)",
            path=str(path),
            line=line,
            hint="save it as UTF-8 (in a spreadsheet: 'CSV UTF-8'; in an editor: encoding UTF-8)",
        ) from exc
    head = text.lstrip()[:200].lower()
    if head.startswith("<?xml") or head.startswith("<rdf:rdf") or head.startswith("<!doctype"):
        raise InputError(
            f"this is an XML file, not a {fmt} file; XML/RDF-XML is not accepted",
            path=str(path),
            hint=_hint_for(fmt),
        )
    return text


def _hint_for(fmt: str) -> str:
    return {
        "turtle": "give a Turtle file (see docs/kb-conventions.md for an example)",
        "jsonld": "give a JSON-LD file using the minelaw context " + CONTEXT_URL,
        "csv": "give a CSV file; `minelaw template KIND` prints one to start from",
    }[fmt]


def _triples(quads: Any) -> list[ox.Triple]:
    """Quads (named graphs flattened: an entry is one graph) as triples."""
    return [ox.Triple(q.subject, q.predicate, q.object) for q in quads]


def _refuse_imports(triples: list[ox.Triple], path: Path) -> None:
    if any(t.predicate.value == OWL_IMPORTS for t in triples):
        raise InputError(
            "owl:imports is refused in entries: minelaw never fetches other documents",
            path=str(path),
            hint="remove the owl:imports statement; entries may only refer to resources by IRI",
        )


def parse_turtle(path: Path, data: bytes) -> Parsed:
    """Parse a Turtle entry file (fully, so that syntax errors carry line and column)."""
    text = decode(data, path, "turtle")
    if text.lstrip().startswith(("{", "[")):
        raise InputError(
            "this looks like JSON, not Turtle",
            path=str(path),
            hint="rename it to .jsonld if it is JSON-LD",
        )
    depth, line, longest, long_line = turtle_scan(text)
    if longest > MAX_LITERAL_CHARS + 6:  # the quotes of a long string
        raise InputError(
            f"a value of about {longest:,} characters (the limit is {MAX_LITERAL_CHARS:,})",
            path=str(path),
            line=long_line,
            hint="quote the relevant passage only and cite the source document for the rest",
        )
    if depth > MAX_TURTLE_DEPTH:
        raise InputError(
            f"the Turtle is nested more than {MAX_TURTLE_DEPTH} levels deep "
            "(collections ( ) and blank nodes [ ])",
            path=str(path),
            line=line,
            hint="entries are flat: give nested resources their own mlr: identifiers",
        )
    try:
        triples = _triples(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE))
    except SyntaxError as exc:
        from ..store.oxigraph import parse_error

        raise parse_error(exc, path) from exc
    parsed = Parsed(path, "turtle", text, triples, data)
    check_limits(parsed)
    _refuse_imports(triples, path)
    return parsed


# possessive repeats (Python 3.11+): a 10 MB string needs no backtracking memory
_SKIP_PATTERN = (
    r'"""[^"\\]*+(?:(?:\\.|"(?!""))[^"\\]*+)*+"""'
    r"|'''[^'\\]*+(?:(?:\\.|'(?!''))[^'\\]*+)*+'''"
    r'|"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"'
    r"|'[^'\\\n]*+(?:\\.[^'\\\n]*+)*+'"
    r'|<[^<>"{}|^`\\\s]*+>|#[^\n]*+|\\.'
)
_TURTLE_SKIP = re.compile(_SKIP_PATTERN)
_OPEN_CLOSE = re.compile(r"[(\[\])]")


def turtle_scan(text: str) -> tuple[int, int | None, int, int | None]:
    """One linear scan of Turtle text: (deepest nesting of ( ) and [ ] outside strings, IRIs
    and comments, its line; length of the longest string, its line) -- before any parser."""
    depth = deepest = longest = 0
    where = long_at = None
    pos = 0
    for m in _TURTLE_SKIP.finditer(text):
        for b in _OPEN_CLOSE.finditer(text, pos, m.start()):
            if b.group(0) in "([":
                depth += 1
                if depth > deepest:
                    deepest, where = depth, b.start()
            elif depth:
                depth -= 1
        tok = m.group(0)
        if tok[0] in "\"'" and len(tok) > longest:
            longest, long_at = len(tok), m.start()
        pos = m.end()
        if deepest > MAX_TURTLE_DEPTH:
            break
    else:
        for b in _OPEN_CLOSE.finditer(text, pos):
            if b.group(0) in "([":
                depth += 1
                if depth > deepest:
                    deepest, where = depth, b.start()
                    if deepest > MAX_TURTLE_DEPTH:
                        break
            elif depth:
                depth -= 1

    def line(at: int | None) -> int | None:
        return text.count("\n", 0, at) + 1 if at is not None else None

    return deepest, line(where), longest, line(long_at)


def check_limits(parsed: Parsed) -> None:
    """Refuse (InputError) a file with too many statements or an overlong literal."""
    if len(parsed.triples) > MAX_TRIPLES:
        raise InputError(
            f"the file holds {len(parsed.triples):,} statements; the limit is {MAX_TRIPLES:,}",
            path=str(parsed.path),
            hint="split the entries into several submissions",
        )
    for t in parsed.triples:
        o = t.object
        if isinstance(o, ox.Literal) and len(o.value) > MAX_LITERAL_CHARS:
            subject = t.subject.value if isinstance(t.subject, ox.NamedNode) else None
            line = subject_line(parsed, subject, t.predicate.value) if subject else None
            raise InputError(
                f"a value of {len(o.value):,} characters (the limit is {MAX_LITERAL_CHARS:,})",
                path=str(parsed.path),
                line=line,
                hint="quote the relevant passage only and cite the source document for the rest",
            )


# --- JSON-LD -----------------------------------------------------------------------------------
def json_depth(text: str) -> int:
    """The deepest nesting of [ and { outside strings, in one linear scan."""
    depth = deepest = 0
    in_str = esc = False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def local_context() -> dict[str, Any]:
    """The minelaw JSON-LD context from rules/jsonld/minelaw.jsonld."""
    doc = json.loads((data_dir("rules") / "jsonld" / "minelaw.jsonld").read_text("utf-8"))
    ctx = doc["@context"]
    assert isinstance(ctx, dict)
    return ctx


def _resolve_contexts(node: Any, path: Path, local: dict[str, Any]) -> Any:
    """Replace the minelaw context URL by its local copy; refuse every other remote context."""
    if isinstance(node, list):
        return [_resolve_contexts(n, path, local) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "@context":
            out[key] = _context_value(value, path, local)
        else:
            out[key] = _resolve_contexts(value, path, local)
    return out


def _context_value(value: Any, path: Path, local: dict[str, Any]) -> Any:
    if isinstance(value, list):
        return [_context_value(v, path, local) for v in value]
    if isinstance(value, str):
        if value.rstrip("/") in (CONTEXT_URL, CONTEXT_URL.replace("https:", "http:")):
            return local
        raise InputError(
            f"remote JSON-LD context {value!r} is refused (minelaw never fetches contexts)",
            path=str(path),
            hint=f'use "@context": "{CONTEXT_URL}" or put the prefixes in the file itself',
        )
    if isinstance(value, dict):
        if "@import" in value:
            raise InputError(
                f"JSON-LD @import of {value['@import']!r} is refused (never fetched)",
                path=str(path),
                hint="put the prefixes in the file itself",
            )
        return value
    if value is None:
        return value
    raise InputError("@context must be a URL, an object or a list of them", path=str(path))


def parse_jsonld(path: Path, data: bytes) -> Parsed:
    """Parse a JSON-LD entry file without any network access."""
    text = decode(data, path, "jsonld")
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise InputError(
            f"JSON is nested {depth} levels deep; the limit is {MAX_JSON_DEPTH}",
            path=str(path),
            hint="entries are flat: one object per resource in an @graph list",
        )
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"invalid JSON: {exc.msg}",
            path=str(path),
            line=exc.lineno,
            column=exc.colno,
            hint="fix the JSON syntax at that position (a missing comma or bracket is usual)",
        ) from exc
    if not isinstance(doc, dict | list):
        raise InputError("a JSON-LD file must hold an object or a list", path=str(path))
    doc = _resolve_contexts(doc, path, local_context())
    payload = json.dumps(doc).encode("utf-8")
    try:
        triples = _triples(ox.parse(payload, format=ox.RdfFormat.JSON_LD))
    except (SyntaxError, ValueError, OSError) as exc:
        raise InputError(
            f"not valid JSON-LD: {exc}",
            path=str(path),
            hint=f'start the file with {{"@context": "{CONTEXT_URL}", "@graph": [...]}}',
        ) from exc
    if not triples:
        raise InputError(
            "the JSON-LD file yields no statements (no @context, or no @id/@type?)",
            path=str(path),
            hint=f'use "@context": "{CONTEXT_URL}" and give each resource an "@id"',
        )
    parsed = Parsed(path, "jsonld", text, triples, data)
    check_limits(parsed)
    _refuse_imports(triples, path)
    return parsed


# --- CSV -------------------------------------------------------------------------------------
@dataclass
class CsvTable:
    path: Path
    text: str
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line number, cells)
    data: bytes = b""


def read_csv(path: Path, data: bytes) -> CsvTable:
    """Read a CSV file (comma-separated, UTF-8, first row = header) with line numbers.

    Rows whose first cell starts with ``#`` are comments (no identifier starts with one).
    """
    text = decode(data, path, "csv")
    head = text.lstrip()[:1]
    if head in ("{", "["):
        raise InputError(
            "this looks like JSON, not CSV",
            path=str(path),
            hint="rename it to .jsonld if it is JSON-LD, or export the table as CSV",
        )
    if head == "@" or re.match(r"\s*(PREFIX|@prefix|BASE)\b", text, re.I):
        raise InputError(
            "this looks like Turtle, not CSV", path=str(path), hint="rename it to .ttl"
        )
    csv.field_size_limit(MAX_BYTES)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if cells[0].lstrip().startswith("#"):  # a comment (the templates' example row)
                continue
            if header is None:
                header = [c.strip() for c in cells]
                continue
            rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise ParseError(
            f"malformed CSV: {exc}",
            path=str(path),
            line=reader.line_num,
            hint="check the quoting on that line (a quote inside a cell must be doubled)",
        ) from exc
    if header is None:
        raise InputError("the CSV file has no header row", path=str(path))
    for line, cells in rows:
        for cell in cells:
            if len(cell) > MAX_LITERAL_CHARS:
                raise InputError(
                    f"a cell of {len(cell):,} characters (the limit is {MAX_LITERAL_CHARS:,})",
                    path=str(path),
                    line=line,
                    hint="quote the relevant passage only; cite the source document for the rest",
                )
    if len(header) == 1 and ";" in header[0]:
        raise InputError(
            "the header has one column containing ';': the file uses ';' instead of ','",
            path=str(path),
            hint="export the table as comma-separated CSV",
        )
    return CsvTable(path, text, header, rows, data)


# --- locating subjects in text -----------------------------------------------------------------
_PREFIX_DECL = re.compile(r"(?:@prefix|PREFIX)\s+([\w\-.]*):\s*<([^>]*)>", re.I)


def subject_line(parsed: Parsed, iri: str, predicate: str | None = None) -> int | None:
    """The line where a resource (and optionally one of its properties) is written."""
    lines = parsed.text.splitlines()
    if parsed.fmt == "jsonld":
        forms = [re.escape(iri)]
        ctx = local_context()
        for p, ns in ctx.items():
            if isinstance(ns, str) and iri.startswith(ns) and ns.endswith(("/", "#")):
                forms.append(re.escape(f"{p}:{iri[len(ns) :]}"))
        pat = re.compile(r'"(?:@id|id)"\s*:\s*"(?:' + "|".join(forms) + ')"')
        for n, line in enumerate(lines, 1):
            if pat.search(line):
                return n
        return None
    forms = [re.escape(f"<{iri}>")]
    for p, ns in _PREFIX_DECL.findall(parsed.text):
        if iri.startswith(ns) and len(iri) > len(ns):
            forms.append(re.escape(f"{p}:{iri[len(ns) :]}") + r"(?![\w\-.:])")
    pat = re.compile(r"^\s*(?:" + "|".join(forms) + ")")
    start = None
    for n, line in enumerate(lines, 1):
        if pat.match(line):
            start = n
            break
    if start is None or predicate is None:
        return start
    pforms = [re.escape(f"<{predicate}>")]
    for p, ns in _PREFIX_DECL.findall(parsed.text):
        if predicate.startswith(ns):
            pforms.append(re.escape(f"{p}:{predicate[len(ns) :]}") + r"(?![\w\-.:])")
    ppat = re.compile(r"(?:^|[\s;])(?:" + "|".join(pforms) + ")")
    for n in range(start, len(lines) + 1):
        text = lines[n - 1]
        if n > start and (not text.strip() or re.match(r"^\S", text)):
            break
        if ppat.search(text):
            return n
    return start
