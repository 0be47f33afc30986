"""Evidence intake: `minelaw validate` and `minelaw init` (issue 7).

Implements DESIGN.md section 2 (intake: parse -> SHACL entry shapes + KB context
checks -> atomic write + provenance), section 6 "Entry validation" and section 7
(all-or-nothing, atomic files, a lock, provenance with contributor, time, SHA-256).

- Reading is :mod:`minelaw.intake.formats` (Turtle, JSON-LD, CSV; size, encoding and type
  checks) and :mod:`minelaw.intake.csvmap` (CSV rows -> triples via ``rules/csv/*.toml``).
- Validation is :mod:`minelaw.intake.entrycheck` (SHACL entry shapes scoped to the new
  resources, plus bounded SPARQL checks against the cached store).
- Every problem is collected (never only the first), located to a line (Turtle,
  JSON-LD) or a line and column (CSV), with a fix.
- ``add`` and ``amend`` (writing, all or nothing) are :mod:`minelaw.intake.entries`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError, UsageError
from ..namespaces import PREFIXES
from ..resources import data_dir
from ..store.cache import open_kb
from ..store.oxigraph import EmbeddedStore
from . import csvmap, formats
from .entrycheck import EntryProblem, Submission, short, validate

ML, XSD, RDF, RDFS = PREFIXES["ml"], PREFIXES["xsd"], PREFIXES["rdf"], PREFIXES["rdfs"]
PROV = PREFIXES["prov"]
RDF_TYPE, IDENT = RDF + "type", PREFIXES["dcterms"] + "identifier"
PAUSE_ENV = "MINELAW_TEST_PAUSE_BEFORE_RENAME"
JSON_SCHEMA = "minelaw-validate/1"


# --- reading -----------------------------------------------------------------------------
def read_submission(path: Path, kind: str | None = None) -> Submission:
    """Read and convert one file; unreadable input is recorded as ``error`` (exit 2)."""
    sub = Submission(path)
    try:
        sub.fmt = formats.detect_format(path)
        data = formats.read_bytes(path)
        sub.sha256 = hashlib.sha256(data).hexdigest()
        if sub.fmt == "turtle":
            sub.parsed = formats.parse_turtle(path, data)
            sub.triples = sub.parsed.triples
        elif sub.fmt == "jsonld":
            sub.parsed = formats.parse_jsonld(path, data)
            sub.triples = sub.parsed.triples
        else:
            _read_csv(sub, path, data, kind)
    except InputError as exc:
        sub.error = exc
    except RecursionError:
        sub.error = InputError("the file is nested too deeply", path=str(path))
    return sub


def _read_csv(sub: Submission, path: Path, data: bytes, kind: str | None) -> None:
    table = formats.read_csv(path, data)
    mappings = csvmap.load_mappings()
    if kind is None and "kind" in table.header:
        i = table.header.index("kind")
        kinds = {cells[i].strip() for _, cells in table.rows if i < len(cells)}
        kind = kinds.pop() if len(kinds) == 1 else None
    kind = kind or csvmap.infer_kind(table.header, mappings)
    if kind is None or kind not in mappings:
        raise InputError(
            "cannot tell which kind of entry this CSV holds"
            + (f" ({kind!r} is not a kind)" if kind else ""),
            path=str(path),
            hint=f"add a 'kind' column or pass --kind ({', '.join(mappings)})",
        )
    sub.kind = kind
    sub.converted = csvmap.convert(table, mappings[kind])
    sub.triples = sub.converted.triples
    for cp in sub.converted.problems:
        sub.problems.append(
            EntryProblem(
                cp.check,
                cp.message,
                cp.hint,
                cp.line,
                cp.column or None,
                cp.column or None,
                short(cp.focus) if cp.focus else None,
                cp.value,
            )
        )


def exit_code(subs: Sequence[Submission]) -> int:
    if any(s.status == "unreadable" for s in subs):
        return 2
    return 1 if any(s.status == "invalid" for s in subs) else 0


def run_validate(
    paths: Sequence[Path],
    kb: Path,
    *,
    kind: str | None = None,
    restricted: bool = False,
    files: Sequence[Path] = (),
    store: EmbeddedStore | None = None,
    public_only: bool = False,
) -> list[Submission]:
    """Read and validate; writes nothing.

    ``public_only``: check against the public graphs only (the web UI's anonymous
    uploads); the command line sees the whole KB, restricted entries included.
    """
    subs = [read_submission(p, kind) for p in paths]
    for f in files:
        if not f.is_file():
            raise UsageError(f"--file {f}: no such file")
    if any(s.error is None for s in subs):
        validate(
            subs,
            store or open_kb(kb, include_restricted=True),
            restricted=restricted,
            files=files,
            public_only=public_only,
        )
        drop_repeats(subs)
    return subs


def drop_repeats(subs: Sequence[Submission]) -> None:
    """Keep one message per CSV cell: a shape's message on a cell that already has a plainer
    one (a bad WKT point, an empty required cell) says the same thing again."""
    for s in subs:
        if s.converted is None:
            continue
        cells = {(p.line, p.column) for p in s.problems if p.check != "shape" and p.column}
        s.problems = [
            p for p in s.problems if p.check != "shape" or (p.line, p.column) not in cells
        ]


# --- reports -----------------------------------------------------------------------------
def render_text(subs: Sequence[Submission]) -> str:
    """A report a non-RDF reader can act on: one block per file, one paragraph per problem."""
    out = []
    for s in subs:
        if s.error is not None:
            out.append(f"{s.path}: UNREADABLE: {s.error.message}")
            if s.error.line:
                out[-1] += f" (line {s.error.line}" + (
                    f", column {s.error.column})" if s.error.column else ")"
                )
            if s.error.hint:
                out.append(f"    how to fix: {s.error.hint}")
            continue
        errs = [p for p in s.problems if p.severity == "error"]
        what = f"{len(s.defined())} resource(s)" + (f", kind {s.kind}" if s.kind else "")
        if not s.problems:
            out.append(f"{s.path}: OK ({what})")
            continue
        head = "INVALID" if errs else "OK with warnings"
        out.append(f"{s.path}: {head} ({what}): {len(s.problems)} problem(s)")
        for p in sorted(s.problems, key=lambda p: (p.line or 0, p.column or "")):
            where = []
            if p.line:
                where.append(f"line {p.line}")
            if p.column:
                where.append(f"column {p.column!r}")
            elif p.field:
                where.append(p.field)
            if p.focus:
                where.append(p.focus)
            sev = "" if p.severity == "error" else f"[{p.severity}] "
            out.append(f"  - {sev}{', '.join(where) + ': ' if where else ''}{p.message}")
            if p.hint:
                out.append(f"    how to fix: {p.hint}")
    n = {k: sum(s.status == k for s in subs) for k in ("valid", "invalid", "unreadable")}
    out.append(
        f"{len(subs)} file(s): {n['valid']} valid, {n['invalid']} invalid, "
        f"{n['unreadable']} unreadable"
    )
    return "\n".join(out) + "\n"


def render_json(subs: Sequence[Submission], written: Sequence[Path] = ()) -> str:
    """The stable JSON report (schema ``minelaw-validate/1``, see docs/intake.md)."""
    files = []
    for s in subs:
        problems = [p.to_json() for p in s.problems]
        if s.error is not None:
            problems = [
                EntryProblem("read", s.error.message, s.error.hint, s.error.line, None).to_json()
            ]
        files.append(
            {
                "path": str(s.path),
                "format": s.fmt,
                "kind": s.kind,
                "status": s.status,
                "sha256": s.sha256 or None,
                "resources": [short(r) for r in s.defined()],
                "problems": problems,
            }
        )
    doc: dict[str, Any] = {
        "schema": JSON_SCHEMA,
        "ok": exit_code(subs) == 0,
        "exit_code": exit_code(subs),
        "files": files,
        "summary": {k: sum(s.status == k for s in subs) for k in ("valid", "invalid", "unreadable")}
        | {"problems": sum(len(s.problems) or (s.error is not None) for s in subs)},
    }
    if written:
        doc["written"] = [str(p) for p in written]
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


# --- init -----------------------------------------------------------------------------
def run_init(target: Path, *, with_case: bool = False) -> list[str]:
    """Create a researcher's own KB folder: the law, optionally the bundled case, entries/."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(
            f"{target} already exists and is not empty",
            hint="choose a new folder name; minelaw init never overwrites anything",
        )
    bundled = data_dir("kb")
    made = []
    target.mkdir(parents=True, exist_ok=True)
    parts = ["law"] + (["cases"] if with_case else [])
    for part in parts:
        if (bundled / part).is_dir():
            shutil.copytree(bundled / part, target / part)
            made.append(part + "/")
    (target / "entries" / "restricted").mkdir(parents=True, mode=0o700)
    os.chmod(target / "entries" / "restricted", 0o700)  # whatever the umask
    made.append("entries/")
    (target / "README.md").write_text(
        "# My minelaw knowledge base\n\n"
        "Created by `minelaw init`. Use it with `minelaw --kb THIS_FOLDER ...` or\n"
        "`export MINELAW_KB=THIS_FOLDER`.\n\n"
        "- `law/` (and `cases/` if copied): the bundled knowledge base at the time of init.\n"
        "- `entries/`: entries added with `minelaw add FILE --by NAME` (never edit by hand).\n"
        "- `entries/restricted/`: entries added with `--restricted` (readable by you only);\n"
        "  hidden from queries unless `--include-restricted` is given.\n",
        encoding="utf-8",
    )
    return made
