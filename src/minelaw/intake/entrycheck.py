"""Validation of submitted entries against the entry shapes and the KB context (issue 7).

Implements DESIGN.md section 6 "Entry validation": the checks are scoped to the
submitted resources, so their cost does not grow with the knowledge base.

- Structure (needs only the ontology): known classes and properties (with a
  "did you mean"), literal syntax (real dates, not in the future; counts; numbers; web
  addresses; SHA-256 of 64 lowercase hex digits), datatypes against ``rdfs:range``,
  identifier IRIs ``mlr:<id>`` matching ``dcterms:identifier``.
- Context (bounded SPARQL on the cached store, :class:`KbContext`): identifiers are new
  (in any graph, restricted included), references exist in the KB or the same
  submission (a public entry may not refer to a restricted resource), they have the
  class the property's range requires, concept codes belong to the scheme the CSV
  mappings name, SHA-256 values match the files given.
- SHACL: pySHACL on ``rules/entries/*.ttl`` with the new resources as focus nodes and a
  data graph of the entry triples plus the ontology's class hierarchy and the outgoing
  triples of referenced resources -- never the whole KB.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..errors import InputError
from ..namespaces import MLR, MLV, PREFIXES
from ..store.kbcontext import KbContext, short
from ..store.oxigraph import EmbeddedStore
from . import csvmap, formats, shapes

ML, XSD, RDF, RDFS = PREFIXES["ml"], PREFIXES["xsd"], PREFIXES["rdf"], PREFIXES["rdfs"]
RDF_TYPE, IDENT = RDF + "type", PREFIXES["dcterms"] + "identifier"
ALWAYS_ALLOWED = {RDF_TYPE, RDFS + "label", RDFS + "comment", RDFS + "seeAlso"}
SHA_RE = re.compile(r"^[0-9a-f]{64}$")
#: distinct unknown classes and properties reported per file (then one summary line)
MAX_UNKNOWN_TERMS = 50
#: problems reported per file (then one summary line); every one is still counted
MAX_PROBLEMS = 500


@dataclass
class EntryProblem:
    """One problem in a submitted file (reported, never raised)."""

    check: str
    message: str
    hint: str | None = None
    line: int | None = None
    column: str | None = None  # CSV column name
    field: str | None = None  # property, as a prefixed name
    focus: str | None = None  # the resource concerned
    value: str | None = None
    severity: str = "error"

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


def val(term: object) -> str:
    """The IRI or lexical form of a term."""
    return str(getattr(term, "value", term))


@dataclass
class Submission:
    """One submitted file: its triples, where they are written, and its problems."""

    path: Path
    fmt: str | None = None
    kind: str | None = None
    triples: list[ox.Triple] = field(default_factory=list)
    sha256: str = ""
    problems: list[EntryProblem] = field(default_factory=list)
    error: InputError | None = None
    parsed: formats.Parsed | None = None
    converted: csvmap.Converted | None = None
    suppressed: int = 0  # problems beyond MAX_PROBLEMS, counted but not listed

    @property
    def status(self) -> str:
        if self.error is not None:
            return "unreadable"
        return "invalid" if any(p.severity == "error" for p in self.problems) else "valid"

    def defined(self) -> list[str]:
        """The KB resources this file adds: typed subjects with an identifier IRI."""
        seen: dict[str, None] = {}
        for t in self.triples:
            if t.predicate.value == RDF_TYPE and isinstance(t.subject, ox.NamedNode):
                seen.setdefault(t.subject.value, None)
        return [s for s in seen if s.startswith(MLR)]

    def locate(self, subject: str | None, predicate: str | None) -> tuple[int | None, str | None]:
        if subject is None:
            return None, None
        if self.converted is not None:
            w = self.converted.where
            hit = w.get((subject, predicate)) or w.get((subject, None))
            return hit if hit else (None, None)
        if self.parsed is not None and not subject.startswith("_:"):
            return formats.subject_line(self.parsed, subject, predicate), None
        return None, None

    def report(
        self,
        check: str,
        message: str,
        hint: str | None = None,
        subject: str | None = None,
        predicate: str | None = None,
        value: str | None = None,
    ) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.suppressed += 1
            return
        line, column = self.locate(subject, predicate)
        self.problems.append(
            EntryProblem(
                check,
                message,
                hint,
                line,
                column,
                short(predicate) if predicate else None,
                short(subject) if subject and not subject.startswith("_:") else None,
                value,
            )
        )


# --- validation -----------------------------------------------------------------------------
@dataclass
class Amendment:
    """What makes a submission an amendment (``minelaw amend``): why, and what it withdraws.

    ``retract`` holds the statements to withdraw (read like an entry, from ``--retract``);
    after validation ``amended`` maps each existing resource the amendment touches to the
    graphs (files) that described it, and ``retracted`` lists the statements found.
    """

    reason: str
    retract: Submission | None = None
    amended: dict[str, set[str]] = field(default_factory=dict)
    retracted: list[ox.Triple] = field(default_factory=list)


AMEND_HINT = "use `minelaw amend FILE --by NAME --reason TEXT` (see docs/intake.md, Amendments)"


def validate(
    subs: list[Submission],
    store: EmbeddedStore,
    *,
    restricted: bool = False,
    files: Sequence[Path] = (),
    public_only: bool = False,
    amend: Amendment | None = None,
) -> None:
    """Check every readable submission; problems are appended to each one.

    Every subject of an entry must be new; statements about resources that already exist
    are refused unless the submission is an ``amend``ment, which may add to existing
    resources and withdraw statements (``amend.retract``), validated by the same checks
    on the resources as they would then be.  ``public_only`` answers every question about
    the KB from its public graphs alone (the web UI's anonymous uploads).
    """
    readable = [s for s in subs if s.error is None]
    retract = amend.retract if amend is not None else None
    if not readable and (retract is None or retract.error is not None):
        return
    ctx = KbContext(store, restricted and not public_only, public_only)
    subjects = {
        t.subject.value
        for s in readable
        for t in s.triples
        if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(MLR)
    }
    if amend is not None and amend.retract is not None:
        subjects |= {
            t.subject.value for t in amend.retract.triples if isinstance(t.subject, ox.NamedNode)
        }
    existing = ctx.existing(subjects)
    if amend is None:
        _refuse_existing(readable, existing, ctx)
    else:
        amend.amended = existing
    owner: dict[str, Submission] = {}
    for s in readable:
        for iri in s.defined():
            if iri in existing and amend is not None:
                continue
            if iri in owner:
                s.report(
                    "identifier",
                    f"{short(iri)} is also defined in {owner[iri].path}",
                    "each resource must be defined in one file only",
                    iri,
                    RDF_TYPE,
                )
            else:
                owner[iri] = s
    for s in readable:
        _check_structure(s, ctx, set(existing) if amend is not None else set(), set(existing))
    _check_context(readable, owner, ctx)
    _check_hashes(readable, files)
    if amend is not None:
        _check_retractions(amend, ctx, readable, restricted and not public_only)
    if not any(s.suppressed for s in readable):  # SHACL adds nothing to 500 listed problems
        _check_shapes(readable or [retract] if retract else readable, owner, ctx, amend)
    for s in readable:
        if s.suppressed:
            s.problems.append(
                EntryProblem(
                    "limit",
                    f"{s.suppressed} more problems are not listed (at most {MAX_PROBLEMS} "
                    "per file)",
                    "fix the problems above and validate again",
                )
            )


def _refuse_existing(subs: list[Submission], existing: dict[str, set[str]], ctx: KbContext) -> None:
    """An entry only adds resources: any statement about an existing one is refused."""
    for s in subs:
        typed = set(s.defined())
        seen: set[str] = set()
        for t in s.triples:
            iri = t.subject.value if isinstance(t.subject, ox.NamedNode) else None
            if iri is None or iri in seen or iri not in existing:
                continue
            seen.add(iri)
            f = ctx.full.file_of_graph(sorted(existing[iri])[0])
            where = f.relpath if f else "the knowledge base"
            if iri in typed:
                msg = f"{short(iri)} already exists in the knowledge base ({where})"
                hint = "choose a new identifier; to correct the existing resource, " + AMEND_HINT
            else:
                msg = (
                    f"{short(iri)} already exists in the knowledge base ({where}): a new "
                    "entry may not add statements to it"
                )
                hint = "to correct or complete an existing resource, " + AMEND_HINT
            s.report("identifier", msg, hint, iri, RDF_TYPE if iri in typed else t.predicate.value)


def _check_retractions(
    amend: Amendment, ctx: KbContext, subs: list[Submission], restricted: bool
) -> None:
    """Each statement to withdraw must be in the KB, in a graph this amendment may change:
    a public amendment changes public files only (it cannot see the others), a restricted
    one restricted files only (a confidential file never changes the public view)."""
    hidden = ctx.full.hidden_graphs
    r = amend.retract
    if r is None:
        if not any(s.triples for s in subs):
            subs[0].report("empty", "the amendment neither adds nor withdraws anything")
        return
    described = set(ctx.describe({t.subject.value for t in r.triples}))  # type: ignore[union-attr]
    for t in r.triples:
        sv = t.subject.value if isinstance(t.subject, ox.NamedNode) else None
        if sv is None or isinstance(t.object, ox.BlankNode):
            r.report(
                "retract",
                "only statements about named resources can be withdrawn (no blank nodes)",
                "write the statement exactly as the KB holds it, with mlr: identifiers",
            )
        elif t not in described:
            r.report(
                "retract",
                f"the knowledge base holds no statement {short(sv)} {short(t.predicate.value)} "
                f"{t.object}",
                "copy the statement from the KB (`minelaw query 'DESCRIBE mlr:ID'`) exactly",
                sv,
                t.predicate.value,
            )
        elif restricted and not _graphs_of(ctx, t) & hidden:
            r.report(
                "retract",
                f"{short(sv)} {short(t.predicate.value)} {t.object} is a public statement: a "
                "restricted amendment withdraws restricted statements only",
                "amend it without --restricted (a correction of public data is public)",
                sv,
                t.predicate.value,
            )
        else:
            amend.retracted.append(t)


def _graphs_of(ctx: KbContext, t: ox.Triple) -> set[str]:
    q = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {t.subject} {t.predicate} {t.object} }} }}"
    return set(ctx.full.query(q).values("g"))


def _check_structure(s: Submission, ctx: KbContext, amended: set[str], existing: set[str]) -> None:
    """Checks that need only the ontology: classes, properties, literals, identifiers.

    ``amended``: existing resources an amendment may add to (their identifier is the KB's);
    ``existing``: resources already in the KB (reported by the caller, not as untyped).
    """
    defined = [d for d in s.defined() if d not in amended]
    if not defined and not amended:
        s.report("empty", "the file adds no resources (no mlr:<identifier> with a type)")
    typed = set(s.defined())
    untyped: set[str] = set()
    idents: dict[str, list[str]] = {}
    # (kind, IRI) -> the subjects using it: each unknown term is reported once, with one
    # "did you mean" (difflib per triple took 95 s for 10,000 unknown properties)
    unknown: dict[tuple[str, str], list[str]] = {}
    today = dt.datetime.now(dt.UTC).date()
    for t in s.triples:
        subj, p, o = t.subject, t.predicate.value, t.object
        sv = subj.value if isinstance(subj, ox.NamedNode) else f"_:{subj}"
        if isinstance(subj, ox.NamedNode) and not sv.startswith(MLR):
            s.report(
                "identifier",
                f"{short(sv)} is not a minelaw resource IRI",
                f"name new resources mlr:<identifier> ({MLR}<identifier>)",
                sv,
            )
        elif (
            isinstance(subj, ox.NamedNode)
            and sv not in typed
            and sv not in existing
            and sv not in untyped
            and ctx.props.get(p) is not None
        ):
            untyped.add(sv)
            s.report(
                "identifier",
                f"{short(sv)} is described but has no rdf:type and is not in the knowledge base",
                "give it a class (a ml:...), or check the spelling of the identifier",
                sv,
            )
        if p == IDENT and isinstance(o, ox.Literal):
            idents.setdefault(sv, []).append(o.value)
        if p == RDF_TYPE:
            if isinstance(o, ox.NamedNode) and o.value not in ctx.classes:
                unknown.setdefault(("class", o.value), []).append(sv)
            continue
        kind = ctx.props.get(p)
        if kind is None and p not in ALWAYS_ALLOWED:
            unknown.setdefault(("property", p), []).append(sv)
            continue
        if kind == "ObjectProperty" and isinstance(o, ox.Literal):
            s.report(
                "value",
                f"{short(p)} must refer to a resource, not the text {o.value!r}",
                f"write mlr:{o.value} (or the concept's IRI) instead of a quoted string",
                sv,
                p,
                o.value,
            )
        elif kind == "DatatypeProperty" and not isinstance(o, ox.Literal):
            s.report("value", f"{short(p)} takes a value, not a reference", None, sv, p)
        if isinstance(o, ox.Literal):
            _check_literal(s, sv, p, o, ctx.ranges.get(p, set()), today)
    _report_unknown(s, ctx, unknown)
    for sv in defined:
        local = sv[len(MLR) :]
        got = idents.get(sv, [])
        if not csvmap.ID_RE.match(local):
            s.report(
                "identifier",
                f"identifier {local!r} has characters that are not allowed",
                "use letters, digits, '-', '_' and '.'",
                sv,
            )
        elif not got:
            s.report(
                "identifier",
                f"{short(sv)} has no dcterms:identifier",
                f'add dcterms:identifier "{local}"',
                sv,
            )
        elif got != [local]:
            s.report(
                "identifier",
                f"dcterms:identifier {got} does not match the IRI's identifier {local!r}",
                f'write dcterms:identifier "{local}"',
                sv,
                IDENT,
            )


def _report_unknown(
    s: Submission, ctx: KbContext, unknown: dict[tuple[str, str], list[str]]
) -> None:
    """One problem per distinct unknown class or property, at most MAX_UNKNOWN_TERMS."""
    names = {"class": [short(c) for c in ctx.classes], "property": [short(x) for x in ctx.props]}
    for n, ((kind, iri), subjects) in enumerate(unknown.items()):
        if n == MAX_UNKNOWN_TERMS:
            rest = len(unknown) - n
            s.report(
                kind,
                f"{rest} more unknown classes or properties are not listed",
                "use the classes and properties of the ontology (docs/kb-conventions.md)",
            )
            break
        close = difflib.get_close_matches(short(iri), names[kind], n=1)
        times = f" (used {len(subjects)} times)" if len(subjects) > 1 else ""
        s.report(
            kind,
            f"unknown {kind} {short(iri)}{times}",
            f"did you mean {close[0]}?" if close else f"use a {kind} of the ontology",
            subjects[0],
            RDF_TYPE if kind == "class" else iri,
            iri if kind == "class" else None,
        )


_INT_TYPES = {XSD + t for t in ("integer", "nonNegativeInteger", "int", "long")}


def _check_literal(
    s: Submission, sv: str, p: str, o: ox.Literal, ranges: set[str], today: dt.date
) -> None:
    v, d = o.value, o.datatype.value

    def bad(msg: str, hint: str | None = None) -> None:
        s.report("value", msg, hint, sv, p, v)

    if d == XSD + "date":
        try:
            day = dt.date.fromisoformat(v) if csvmap.DATE_RE.match(v) else None
        except ValueError:
            bad(f"{v!r} is not a real date", "check the day and month (YYYY-MM-DD)")
            return
        if day is None:
            bad(f"{v!r} is not a date in the form YYYY-MM-DD", "e.g. 2021-06-12")
        elif day > today:
            bad(
                f"the date {v} is in the future",
                "check the year; dates must not be later than today",
            )
    elif d == XSD + "dateTime":
        try:
            dt.datetime.fromisoformat(v)
        except ValueError:
            bad(f"{v!r} is not a date and time", "e.g. 2021-06-12T10:00:00Z")
    elif d in _INT_TYPES:
        if not re.fullmatch(r"[+-]?\d+", v):
            bad(f"{v!r} is not a whole number")
        elif d == XSD + "nonNegativeInteger" and int(v) < 0:
            bad(f"{v} is negative", "counts are 0 or more")
    elif d == XSD + "decimal":
        try:
            Decimal(v)
        except InvalidOperation:
            bad(f"{v!r} is not a number")
    elif d == XSD + "anyURI" and (problem := csvmap.url_problem(v)):
        bad(*problem)
    if p == ML + "sha256" and not SHA_RE.match(v):
        hint = "write it in lowercase" if SHA_RE.match(v.lower()) else "copy it from `sha256sum`"
        bad("a SHA-256 must be 64 lowercase hexadecimal characters", hint)
    xsd_ranges = {r for r in ranges if r.startswith(XSD)}
    if xsd_ranges and d not in xsd_ranges and not _compatible(d, xsd_ranges):
        want = sorted(xsd_ranges)[0]
        bad(
            f"{short(p)} expects a {short(want)} value, got {short(d)}",
            f'write "{v}"^^{short(want)}',
        )


def _compatible(d: str, ranges: set[str]) -> bool:
    lang = RDF + "langString"
    if d == lang and XSD + "string" in ranges:
        return True
    return d in _INT_TYPES and bool(ranges & _INT_TYPES or XSD + "decimal" in ranges)


def _check_context(subs: list[Submission], owner: dict[str, Submission], ctx: KbContext) -> None:
    """Checks against the KB: new identifiers, existing references, ranges, concept schemes."""
    refs: list[tuple[Submission, str, str, str]] = []
    for s in subs:
        for t in s.triples:
            obj, pred = t.object, t.predicate.value
            if (
                pred != RDF_TYPE
                and isinstance(obj, ox.NamedNode)
                and obj.value.startswith((MLR, MLV))
            ):
                sv = val(t.subject) if isinstance(t.subject, ox.NamedNode) else f"_:{t.subject}"
                refs.append((s, sv, pred, obj.value))
    outside = {r[3] for r in refs if r[3] not in owner}
    kb_types = ctx.types(outside)
    hidden = ctx.types(set(outside) - set(kb_types), visible=False)
    local_types: dict[str, set[str]] = {}
    for s in subs:
        for t in s.triples:
            if t.predicate.value == RDF_TYPE and isinstance(t.subject, ox.NamedNode):
                local_types.setdefault(t.subject.value, set()).add(val(t.object))
    schemes_of = csvmap.concept_schemes()
    in_scheme = ctx.schemes({r[3] for r in refs if r[3].startswith(MLV)})
    for s, sv, p, o in refs:
        if o in owner:
            types = ctx.closure(local_types.get(o, set()))
        elif o in kb_types:
            types = kb_types[o]
        elif o in hidden:
            s.report(
                "reference",
                f"{short(p)} refers to {short(o)}, which is a restricted resource",
                "a public entry may only refer to public resources; add it with --restricted",
                sv,
                p,
                short(o),
            )
            continue
        elif o.startswith(MLV) and schemes_of.get(p):
            scheme = sorted(schemes_of[p])[0]
            code = o.removeprefix(scheme + "-") if o.startswith(scheme + "-") else short(o)
            s.report(
                "concept",
                f"{code!r} is not a code of the {scheme[len(MLV) :]} scheme",
                f"use one of: {', '.join(ctx.notations(scheme))}",
                sv,
                p,
                code,
            )
            continue
        else:
            what = "concept" if o.startswith(MLV) else "resource"
            s.report(
                "reference",
                f"{short(p)} refers to {short(o)}, a {what} that is neither in the knowledge "
                "base nor in this submission",
                "check the spelling of the identifier, or add that resource in the same submission",
                sv,
                p,
                short(o),
            )
            continue
        for want in ctx.ranges.get(p, set()):
            if want.startswith(ML) and want not in types:
                is_a = " / ".join(sorted(ctx.classes.get(t, short(t)) for t in ctx.specific(types)))
                s.report(
                    "reference",
                    f"{short(p)} must refer to a {ctx.classes.get(want, short(want))}, but "
                    f"{short(o)} is {('a ' + is_a) if is_a else 'something else'}",
                    "check that you used the right identifier",
                    sv,
                    p,
                    short(o),
                )
        wanted = schemes_of.get(p)
        if wanted and o.startswith(MLV) and not (in_scheme.get(o, set()) & wanted):
            scheme = sorted(wanted)[0]
            codes = ctx.notations(scheme)
            s.report(
                "concept",
                f"{short(o)} is not a code of the {scheme[len(MLV) :]} scheme",
                f"use one of: {', '.join(codes)}",
                sv,
                p,
                short(o),
            )
    for s in subs:
        _check_preservation(s)


def _check_preservation(s: Submission) -> None:
    by_subject: dict[str, dict[str, list[str]]] = {}
    for t in s.triples:
        if isinstance(t.subject, ox.NamedNode):
            props = by_subject.setdefault(t.subject.value, {})
            props.setdefault(t.predicate.value, []).append(val(t.object))
    for sv, props in by_subject.items():
        pres = props.get(ML + "preservation", [])
        has_hash = bool(props.get(ML + "sha256"))
        if MLV + "preservation-preserved" in pres and not has_hash:
            s.report(
                "sha256",
                "the source is marked preserved but has no SHA-256",
                "add the SHA-256 of the preserved copy (`sha256sum FILE`)",
                sv,
                ML + "preservation",
            )
        if MLV + "preservation-not-preserved" in pres and has_hash:
            s.report(
                "sha256",
                "the source has a SHA-256 but is marked not preserved",
                "mark it preserved, or remove the SHA-256 (never record a hash without a copy)",
                sv,
                ML + "sha256",
            )


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _check_hashes(subs: list[Submission], files: Sequence[Path]) -> None:
    recorded = {
        val(t.object): s for s in subs for t in s.triples if t.predicate.value == ML + "sha256"
    }
    for f in files:
        digest = _sha256_file(f)
        if digest not in recorded:
            target = subs[0]
            target.report(
                "sha256",
                f"no entry records the SHA-256 of {f} ({digest})",
                "copy that value into the source's SHA-256, or check that you gave the right file",
            )
    for s in subs:
        if s.converted is None:
            continue
        for subject, rel, line, col in s.converted.files:
            path = rel if rel.is_absolute() else s.path.parent / rel
            before = len(s.problems)
            if not path.is_file():
                s.report("sha256", f"the file {rel} does not exist", None, subject)
            else:
                digest = _sha256_file(path)
                given = [
                    val(t.object)
                    for t in s.triples
                    if val(t.subject) == subject and t.predicate.value == ML + "sha256"
                ]
                if given != [digest]:
                    s.report(
                        "sha256",
                        f"the SHA-256 of {rel} is {digest}, not the one given",
                        "copy the computed value into the sha256 column",
                        subject,
                    )
            for p in s.problems[before:]:
                p.line, p.column, p.field = line, col, col


def _check_shapes(
    subs: list[Submission],
    owner: dict[str, Submission],
    ctx: KbContext,
    amend: Amendment | None = None,
) -> None:
    """The entry shapes (:mod:`.shapes`), focus nodes = the new resources only (and, for an
    amendment, the amended resources as they would be: their KB description plus the new
    statements, less the withdrawn ones)."""
    amended = set(amend.amended) if amend is not None else set()
    focus = set(owner) | amended
    if not focus:
        return
    triples = [t for s in subs for t in s.triples]
    current = ctx.describe(amended) if amended else []
    refs = {
        t.object.value
        for t in triples + current
        if isinstance(t.object, ox.NamedNode) and t.object.value not in owner
    } - amended
    data = triples + current + ctx.describe(refs) + ctx.hierarchy()
    if amend is not None and amend.retracted:
        gone = set(amend.retracted)
        data = [t for t in data if t not in gone]
    found = shapes.run_sparql_constraints(data, focus, ctx.supers) + shapes.run_core(data, focus)
    reported = {(p.focus, p.field) for s in subs for p in s.problems}
    for v in found:
        sub = owner.get(v.focus, subs[0])
        if (short(v.focus), short(v.path) if v.path else None) in reported:
            continue  # already reported in plainer words by the checks above
        col = sub.converted and v.path and _column_name(sub, v.path, v.focus)
        sub.report("shape", v.message, None, v.focus, v.path, v.value)
        sub.problems[-1].severity = v.severity
        if col:
            sub.problems[-1].column = col


def _column_name(sub: Submission, prop: str, focus: str | None) -> str | None:
    mapping = csvmap.load_mappings().get(sub.kind or "")
    col = mapping.column_of(prop, focus) if mapping else None
    return col.name if col else None
