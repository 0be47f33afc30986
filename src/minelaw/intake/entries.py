"""Writing entries: ``minelaw add`` and ``minelaw amend`` (issues 7 and 18).

Implements DESIGN.md section 7 (all-or-nothing, atomic file replacement, a lock,
provenance with contributor, time and SHA-256) with W3C PROV-O for amendments:

- **validation outside the lock.**  The submission is validated against the KB as it is
  (the expensive part: seconds for thousands of rows) before the ``fcntl`` lock on
  ``<kb>/entries/.lock`` is taken; inside the lock only the *conflict set* is re-checked:
  the KB files that appeared or changed since validation began are parsed, and any that
  now describe one of the submission's new identifiers refuse the add.
- **one file per add.**  All submitted files become *one* Turtle file (one ``ml:Entry``
  per submitted file inside it): temp file (never ``.ttl``, so never loaded), fsync,
  ``link`` (never overwrites), fsync of the folder.  A kill at any moment leaves all of
  the add or none of it.
- **amendments.**  An ``ml:Amendment`` (an ``ml:Entry``) may add statements to existing
  resources and withdraw statements (``--retract FILE``), with its own provenance: who
  (``prov:wasAttributedTo``), when (``prov:generatedAtTime``), why (``ml:amendmentReason``),
  what it revises (``prov:wasRevisionOf`` the graph of each file that described an amended
  resource) and what it withdraws (``prov:invalidated`` one ``rdf:Statement`` per
  statement).  The store drops withdrawn statements when it is built
  (:mod:`minelaw.store.amendments`).
- **confidentiality.**  Restricted entries go to ``entries/restricted/`` (mode 0700),
  written with mode 0600; public entries are 0644.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import signal
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox

from ..errors import UsageError
from ..namespaces import MLR, MLV, PREFIXES
from ..resources import data_dir
from ..store.cache import open_kb
from ..store.oxigraph import discover
from . import formats
from .entrycheck import Amendment, Submission, short, validate
from .workflow import drop_repeats, exit_code, read_submission

ML, XSD, RDF, RDFS = PREFIXES["ml"], PREFIXES["xsd"], PREFIXES["rdf"], PREFIXES["rdfs"]
PROV = PREFIXES["prov"]
RDF_TYPE, IDENT = RDF + "type", PREFIXES["dcterms"] + "identifier"
#: test hook: sleep this many seconds after the temp file is written, before the link
PAUSE_ENV = "MINELAW_TEST_PAUSE_BEFORE_RENAME"
#: test hook: SIGKILL this process at the named write step (see :data:`WRITE_STEPS`)
KILL_ENV = "MINELAW_TEST_KILL_AT"
WRITE_STEPS = ("validated", "locked", "temp-created", "temp-written", "temp-synced", "linked")


def _step(name: str) -> None:
    if os.environ.get(KILL_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


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


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def entry_triples(
    sub: Submission, by: str, restricted: bool, now: dt.datetime
) -> tuple[str, list[ox.Triple]]:
    """The submission's triples plus its ml:Entry provenance resource."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    ident = f"entry-{stamp}-{sub.sha256[:12]}"
    e, agent = _n(MLR + ident), _n(MLR + "contributor-" + slug(by))
    conf = "restricted" if restricted else "public"
    when = ox.Literal(now.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=_n(XSD + "dateTime"))
    prov = [
        ox.Triple(e, _n(RDF_TYPE), _n(ML + "Entry")),
        ox.Triple(e, _n(IDENT), ox.Literal(ident)),
        ox.Triple(e, _n(RDFS + "label"), ox.Literal(f"Entry added by {by}", language="en")),
        ox.Triple(e, _n(PROV + "wasAttributedTo"), agent),
        ox.Triple(e, _n(PROV + "generatedAtTime"), when),
        ox.Triple(e, _n(ML + "sha256"), ox.Literal(sub.sha256)),
        ox.Triple(e, _n(ML + "confidentiality"), _n(f"{MLV}confidentiality-{conf}")),
        ox.Triple(agent, _n(RDF_TYPE), _n(PROV + "Agent")),
        ox.Triple(agent, _n(RDFS + "label"), ox.Literal(by)),
    ]
    prov += [ox.Triple(e, _n(ML + "addedResource"), _n(r)) for r in sub.defined()]
    return ident, sub.triples + prov


def amendment_triples(ident: str, amend: Amendment, store_graphs: set[str]) -> list[ox.Triple]:
    """The ml:Amendment statements of the entry ``ident`` (PROV-O revision and invalidation)."""
    e = _n(MLR + ident)
    out = [
        ox.Triple(e, _n(RDF_TYPE), _n(ML + "Amendment")),
        ox.Triple(e, _n(ML + "amendmentReason"), ox.Literal(amend.reason)),
    ]
    for iri, graphs in sorted(amend.amended.items()):
        out.append(ox.Triple(e, _n(ML + "amendedResource"), _n(iri)))
        out += [
            ox.Triple(e, _n(PROV + "wasRevisionOf"), _n(g))
            for g in sorted(graphs)
            if g in store_graphs
        ]
    for i, t in enumerate(amend.retracted, 1):
        st = _n(f"{MLR}{ident}-withdrawn-{i}")
        out += [
            ox.Triple(e, _n(PROV + "invalidated"), st),
            ox.Triple(st, _n(RDF_TYPE), _n(RDF + "Statement")),
            ox.Triple(st, _n(RDF + "subject"), t.subject),
            ox.Triple(st, _n(RDF + "predicate"), t.predicate),
            ox.Triple(st, _n(RDF + "object"), t.object),
        ]
    return list(dict.fromkeys(out))


def atomic_write(folder: Path, name: str, data: bytes, mode: int = 0o644) -> Path:
    """Write ``folder/name`` atomically and never over an existing file."""
    tmp = folder / f".{name}.tmp-{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    _step("temp-created")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            _step("temp-written")
            fh.flush()
            os.fsync(fh.fileno())
        _step("temp-synced")
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
        _step("linked")
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    dfd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
    return target


def _snapshot(kb: Path) -> dict[Path, tuple[int, int]]:
    """(size, mtime) of every KB file: what changed under the lock is all that is re-read."""
    out = {}
    for f in discover(kb):
        if f.kind == "kb":
            st = f.path.stat()
            out[f.path] = (st.st_size, st.st_mtime_ns)
    return out


def _conflicts(kb: Path, before: dict[Path, tuple[int, int]], subs: Sequence[Submission]) -> bool:
    """Did a file added or changed since validation define one of our new resources?"""
    ours = {iri: s for s in subs for iri in s.defined()}
    found = False
    for path, stamp in _snapshot(kb).items():
        if before.get(path) == stamp:
            continue
        try:
            quads = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
            subjects = {q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)}
        except (SyntaxError, OSError):
            continue  # `minelaw check` reports broken files; they define nothing here
        for iri in sorted(subjects & set(ours)):
            found = True
            ours[iri].report(
                "identifier",
                f"{short(iri)} was added to the knowledge base while this entry was being "
                f"validated ({path.relative_to(kb)})",
                "choose a new identifier",
                iri,
                RDF_TYPE,
            )
    return found


def _remove_stale(entries: Path) -> None:
    """Temp files left by a killed add (never loaded: not .ttl).  Call with the lock held."""
    for stale in entries.rglob(".*.tmp-*"):
        stale.unlink(missing_ok=True)


def _check_target(kb: Path, by: str) -> str:
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
    return by


def run_add(
    paths: Sequence[Path],
    kb: Path,
    *,
    by: str,
    restricted: bool = False,
    kind: str | None = None,
    files: Sequence[Path] = (),
    amend: Amendment | None = None,
) -> tuple[list[Submission], list[Path]]:
    """Validate, then (only if everything is valid) write every entry with provenance.

    With ``amend`` the submission is an amendment (``minelaw amend``); otherwise every
    subject must be new.  Returns the submissions (with their problems) and the file
    written (one, or none).
    """
    by = _check_target(kb, by)
    folder = kb / "entries" / ("restricted" if restricted else "")
    subs = [read_submission(p, kind) for p in paths]
    report = subs + ([amend.retract] if amend is not None and amend.retract is not None else [])
    if exit_code(report) == 2:
        return report, []
    with entries_lock(kb / "entries"):
        _remove_stale(kb / "entries")
    before = _snapshot(kb)
    store = open_kb(kb, include_restricted=True)
    validate(subs, store, restricted=restricted, files=files, amend=amend)
    drop_repeats(subs)
    if exit_code(report):
        return report, []
    _step("validated")
    with entries_lock(kb / "entries"):
        _step("locked")
        folder.mkdir(parents=True, exist_ok=True)
        if restricted:
            os.chmod(folder, 0o700)
        _remove_stale(kb / "entries")
        if _conflicts(kb, before, subs):
            return report, []
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        triples: list[ox.Triple] = []
        idents = []
        if not subs and amend is not None and amend.retract is not None:
            # a withdrawal only: the entry records the --retract file, not its statements
            r = amend.retract
            subs = [Submission(r.path, fmt=r.fmt, sha256=r.sha256)]
        for sub in subs:
            ident, more = entry_triples(sub, by, restricted, now)
            idents.append(ident)
            triples += more
        if amend is not None:
            triples += amendment_triples(idents[0], amend, set(store.graphs()))
        name = idents[0] if len(idents) == 1 else f"{idents[0]}-and-{len(idents) - 1}-more"
        what = "amendment" if amend is not None else "entry"
        head = "".join(
            f"# minelaw {what} {ident}: added by {by} at {now.isoformat()} from a {sub.fmt} "
            f"file (sha256 {sub.sha256}).\n"
            for ident, sub in zip(idents, subs, strict=True)
        )
        body = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b""
        data = head.encode() + body
        formats.parse_turtle(Path(name + ".ttl"), data)  # round-trip before writing
        written = atomic_write(folder, name + ".ttl", data, 0o600 if restricted else 0o644)
    return report, [written]


def read_amendment(reason: str, retract: Path | None) -> Amendment:
    """The ``--reason`` and the ``--retract`` file of ``minelaw amend``."""
    reason = reason.strip()
    if len(reason) < 10 or len(reason) > 2000:
        raise UsageError(
            "--reason must say why, in 10 to 2,000 characters",
            hint='e.g. --reason "The URL moved; the report itself is unchanged."',
        )
    sub = read_submission(retract) if retract is not None else None
    if sub is not None and sub.fmt != "turtle" and sub.error is None:
        raise UsageError("--retract takes a Turtle (.ttl) file of the statements to withdraw")
    return Amendment(reason, sub)


__all__ = [
    "KILL_ENV",
    "PAUSE_ENV",
    "WRITE_STEPS",
    "atomic_write",
    "entries_lock",
    "read_amendment",
    "run_add",
]
