"""Evidence intake: `minelaw validate`, `minelaw add`, `minelaw init` (issue 7).

Implements DESIGN.md section 2 (intake: parse -> SHACL entry shapes + KB context
checks -> atomic write + provenance), section 6 "Entry validation" and section 7
(all-or-nothing, atomic files, a lock, provenance with contributor, time, SHA-256).

- Reading is :mod:`minelaw.intake.formats` (Turtle, JSON-LD, CSV; size, encoding and type
  checks) and :mod:`minelaw.intake.csvmap` (CSV rows -> triples via ``rules/csv/*.toml``).
- Validation is :mod:`minelaw.intake.entrycheck` (SHACL entry shapes scoped to the new
  resources, plus bounded SPARQL checks against the cached store).
- Every problem is collected (never only the first), located to a line (Turtle,
  JSON-LD) or a line and column (CSV), with a fix.
- ``add`` writes one Turtle file per submitted file into ``<kb>/entries/`` (or
  ``entries/restricted/``) under an ``fcntl`` lock: temp file, fsync, ``link`` (never
  overwrites), fsync of the folder.  Temp names do not end in ``.ttl``, so the store
  never loads a half-written entry.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..errors import InputError, UsageError
from ..namespaces import MLR, MLV, PREFIXES
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
    return subs


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


# --- add -----------------------------------------------------------------------------
@contextlib.contextmanager
def entries_lock(entries: Path) -> Iterator[None]:
    import fcntl

    entries.mkdir(parents=True, exist_ok=True)
    with open(entries / ".lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def is_bundled(kb: Path) -> bool:
    bundled = data_dir("kb").resolve()
    target = kb.resolve()
    return target == bundled or bundled in target.parents


def slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]
    return s or hashlib.sha256(text.encode()).hexdigest()[:12]


def entry_triples(
    sub: Submission, by: str, restricted: bool, now: dt.datetime
) -> tuple[str, list[ox.Triple]]:
    """The submission's triples plus its ml:Entry provenance resource."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    ident = f"entry-{stamp}-{sub.sha256[:12]}"
    e, agent = ox.NamedNode(MLR + ident), ox.NamedNode(MLR + "contributor-" + slug(by))
    conf = "restricted" if restricted else "public"
    when = ox.Literal(now.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=ox.NamedNode(XSD + "dateTime"))

    def n(iri: str) -> ox.NamedNode:
        return ox.NamedNode(iri)

    prov = [
        ox.Triple(e, n(RDF_TYPE), n(ML + "Entry")),
        ox.Triple(e, n(IDENT), ox.Literal(ident)),
        ox.Triple(e, n(RDFS + "label"), ox.Literal(f"Entry added by {by}", language="en")),
        ox.Triple(e, n(PROV + "wasAttributedTo"), agent),
        ox.Triple(e, n(PROV + "generatedAtTime"), when),
        ox.Triple(e, n(ML + "sha256"), ox.Literal(sub.sha256)),
        ox.Triple(e, n(ML + "confidentiality"), n(f"{MLV}confidentiality-{conf}")),
        ox.Triple(agent, n(RDF_TYPE), n(PROV + "Agent")),
        ox.Triple(agent, n(RDFS + "label"), ox.Literal(by)),
    ]
    prov += [ox.Triple(e, n(ML + "addedResource"), n(r)) for r in sub.defined()]
    return ident, sub.triples + prov


def atomic_write(folder: Path, name: str, data: bytes) -> Path:
    """Write ``folder/name`` atomically and never over an existing file."""
    tmp = folder / f".{name}.tmp-{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        pause = os.environ.get(PAUSE_ENV)
        if pause:
            time.sleep(float(pause))
        stem, n = name.removesuffix(".ttl"), 1
        target = folder / name
        while True:
            try:
                os.link(tmp, target)
                break
            except FileExistsError:
                n += 1
                target = folder / f"{stem}-{n}.ttl"
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    dfd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
    return target


def run_add(
    paths: Sequence[Path],
    kb: Path,
    *,
    by: str,
    restricted: bool = False,
    kind: str | None = None,
    files: Sequence[Path] = (),
) -> tuple[list[Submission], list[Path]]:
    """Validate, then (only if everything is valid) write every entry with provenance."""
    if is_bundled(kb):
        raise UsageError(
            f"{kb} is minelaw's bundled knowledge base, which is never written to",
            hint="create your own with `minelaw init DIR`, then use --kb DIR or MINELAW_KB=DIR",
        )
    if not (kb / "law").is_dir() and not (kb / "entries").is_dir():
        raise UsageError(
            f"{kb} is not a minelaw knowledge base folder",
            hint="create one with `minelaw init DIR`",
        )
    by = by.strip()
    if not by or len(by) > 200 or any(ord(c) < 32 for c in by):
        raise UsageError("--by must be a name of 1 to 200 characters on one line")
    folder = kb / "entries" / ("restricted" if restricted else "")
    subs = [read_submission(p, kind) for p in paths]
    if exit_code(subs) == 2:
        return subs, []
    with entries_lock(kb / "entries"):
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob(".*.tmp-*"):
            stale.unlink(missing_ok=True)  # left by a killed add; we hold the lock
        validate(subs, open_kb(kb, include_restricted=True), restricted=restricted, files=files)
        if exit_code(subs):
            return subs, []
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        written = []
        for sub in subs:
            ident, triples = entry_triples(sub, by, restricted, now)
            head = (
                f"# minelaw entry {ident}: added by {by} at {now.isoformat()} "
                f"from a {sub.fmt} file (sha256 {sub.sha256}).\n"
            )
            body = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b""
            data = head.encode() + body
            formats.parse_turtle(Path(ident + ".ttl"), data)  # round-trip before writing
            written.append(atomic_write(folder, ident + ".ttl", data))
    return subs, written


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
    (target / "entries" / "restricted").mkdir(parents=True)
    made.append("entries/")
    (target / "README.md").write_text(
        "# My minelaw knowledge base\n\n"
        "Created by `minelaw init`. Use it with `minelaw --kb THIS_FOLDER ...` or\n"
        "`export MINELAW_KB=THIS_FOLDER`.\n\n"
        "- `law/` (and `cases/` if copied): the bundled knowledge base at the time of init.\n"
        "- `entries/`: entries added with `minelaw add FILE --by NAME` (never edit by hand).\n"
        "- `entries/restricted/`: entries added with `--restricted`; hidden from queries\n"
        "  unless `--include-restricted` is given.\n",
        encoding="utf-8",
    )
    return made
