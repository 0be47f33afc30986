"""The `minelaw` command (DESIGN.md section 5, "Command-line contract").

The click group with ``check``, ``query``, ``findings``, ``brief`` and ``queries``; the
commands of :mod:`minelaw.cli.endpoint`, :mod:`minelaw.cli.cite` and :mod:`minelaw.cli.intake`
are added to it at the bottom.  Errors become messages and exit codes in :mod:`minelaw.cli.common`:
0 ok, 1 violations or findings reported as failures, 2 bad input or usage.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from .. import __version__
from ..errors import InputError, UsageError
from .cite import cite_cmd as _cite
from .common import Ctx, _err, handle_errors, progress_bar, status
from .endpoint import push as _push
from .endpoint import serve as _serve
from .intake import COMMANDS as _INTAKE_COMMANDS
from .queries import list_queries as _list_queries
from .queries import query as _query


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="minelaw")
@click.option(
    "--kb",
    "kb",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    envvar="MINELAW_KB",
    help="Knowledge base folder (default: $MINELAW_KB, else the bundled kb/).",
)
@click.option(
    "--endpoint",
    "endpoint",
    default=None,
    envvar="MINELAW_ENDPOINT",
    metavar="URL",
    help="A remote SPARQL 1.1 query endpoint to read from instead of the embedded store.",
)
@click.pass_context
def cli(ctx: click.Context, kb: Path | None, endpoint: str | None) -> None:
    """minelaw: legal obligations concerning landmines and ERW, with evidence.

    \b
    Examples:
      minelaw check
      minelaw query elements --param norm=CIHL-R83
      minelaw --kb ./my-kb query 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'
    """
    from ..resources import default_kb

    if kb is None:
        kb = default_kb()
        _say_which_kb(kb)
    ctx.obj = Ctx(kb, endpoint)


@cli.command()
@click.option("--no-dl", is_flag=True, help="Skip the OWL 2 DL (HermiT) consistency step.")
@click.option("--quiet", "-q", is_flag=True, help="Print only problems and the summary line.")
@click.pass_obj
@handle_errors
def check(obj: Ctx, no_dl: bool, quiet: bool) -> None:
    """Load the ontology and KB; run OWL consistency, ontology QC and entry shapes.

    Exits 0 when there are no errors (warnings are listed), 1 when any check
    found errors, 2 when a file cannot be read or parsed.

    \b
    Example:
      minelaw check
      minelaw --kb tests/data/kb-inconsistent check
    """
    from ..store.checks import run_check

    def step(name: str) -> None:
        if not quiet and sys.stderr.isatty():
            _err(f"... {name}")

    with progress_bar("loading") as prog:
        report = run_check(obj.kb, dl=not no_dl, progress=prog, step=step)
    if not quiet:
        click.echo(f"minelaw check: {obj.kb}")
        for s in report.steps:
            click.echo(f"  {s.status:>8}  {s.name:<24} {s.detail}  [{s.seconds:.2f} s]")
    for p in report.problems:
        if p.severity == "error" or not quiet:
            click.echo(p.render())
    n_err, n_warn = len(report.errors), len(report.warnings)
    click.echo(
        f"{'FAILED' if n_err else 'OK'}: {report.files} files, {report.triples} quads, "
        f"{report.graphs} graphs; {len(report.steps)} steps; {n_err} errors, {n_warn} warnings"
    )
    sys.exit(1 if n_err else 0)


def _say_which_kb(kb: Path) -> None:
    """One stderr line when the default KB is a checkout's ``kb/`` that is not the copy minelaw
    was installed with (otherwise edits to it would seem to be ignored, or used unawares)."""
    import os

    from ..resources import data_dir

    if os.environ.get("MINELAW_KB"):
        return
    try:
        bundled = data_dir("kb").resolve()
    except FileNotFoundError:
        bundled = None
    if kb.resolve() != bundled:
        _err(f"minelaw: using the knowledge base of this checkout, {kb} (not the installed copy)")


def _echo_json(doc: Any) -> None:
    """``doc`` as indented JSON on stdout, written in pieces of about a megabyte: the same
    text as one ``json.dumps``, without holding it whole (104 MB at 100,000 incidents)."""
    import json

    piece: list[str] = []
    size = 0
    for chunk in json.JSONEncoder(indent=1, ensure_ascii=False).iterencode(doc):
        piece.append(chunk)
        size += len(chunk)
        if size >= 1 << 20:
            click.echo("".join(piece), nl=False)
            piece, size = [], 0
    click.echo("".join(piece))


def _run_findings(
    store: Any, exclude_sources: Sequence[str], exclude_claims: Sequence[str]
) -> tuple[Any, list[Any], list[str], list[str]]:
    """Preflight (the rules only see data that passed the entry shapes), then the rules.

    The what-if exclusions are checked first: an identifier the KB does not hold is a usage
    error with suggestions, never a what-if that silently changes nothing.  Returns the
    context, the findings and the exclusions as short identifiers.
    """
    from ..namespaces import ML
    from ..reasoning.findings import collect, compute
    from ..sparql.identifiers import local_id, resolve_all
    from ..store.checks import preflight

    xs = [local_id(i) for i in resolve_all(store, ML + "Source", list(exclude_sources))]
    xc = [local_id(i) for i in resolve_all(store, ML + "Claim", list(exclude_claims))]
    with progress_bar("entry shapes") as prog:
        problems = preflight(store, prog)
    if problems:
        for p in problems[:20]:
            _err(p.render())
        raise InputError(
            f"the knowledge base has {len(problems)} entry or datatype errors; "
            "compliance rules only run on data that passes them",
            hint="run `minelaw check` and fix the errors it lists",
        )
    with progress_bar("compliance rules") as prog:
        ctx = collect(store, progress=prog)
    with status("weighing the evidence"):
        found = compute(store, ctx=ctx, exclude_sources=xs, exclude_claims=xc)
    return ctx, found, xs, xc


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "ttl"]),
    default="table",
    show_default=True,
)
@click.option(
    "--exclude-claim",
    "exclude_claims",
    multiple=True,
    metavar="ID",
    help="What-if: rerun without this claim. Repeatable.",
)
@click.option(
    "--exclude-source",
    "exclude_sources",
    multiple=True,
    metavar="ID",
    help="What-if: rerun without this source (items it alone supports drop out). Repeatable.",
)
@click.option(
    "--sensitivity",
    is_flag=True,
    help="For each finding, list the sources and claims whose removal drops it or "
    "changes its standard of proof.",
)
@click.option(
    "--compare",
    "compare_with",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="BEFORE.json",
    help="Also list the findings created, dropped or re-graded since an earlier "
    "`minelaw findings --format json` saved in BEFORE.json, and the elements that changed.",
)
@click.option(
    "--why-not",
    is_flag=True,
    help="Also list the records a rule selected but applicability set aside, with the reason "
    "(no armed conflict, treaty not in force or not binding between the parties, no "
    "jurisdiction, conduct not attributable...).",
)
@click.pass_obj
@handle_errors
def findings(
    obj: Ctx,
    fmt: str,
    exclude_claims: Sequence[str],
    exclude_sources: Sequence[str],
    sensitivity: bool,
    why_not: bool,
    compare_with: Path | None,
) -> None:
    """Run the compliance rules and print the candidate breaches.

    Each finding is a candidate breach for research, not a legal determination:
    its elements are met, not met or unknown on the evidence in the KB, and the
    standard of proof is computed from the sources' grades (rules/standards.ttl).

    \b
    Examples:
      minelaw findings
      minelaw findings --format json
      minelaw findings --exclude-source src-some-report --sensitivity
      minelaw findings --why-not
      minelaw findings --format json > before.json   # ... add evidence, then:
      minelaw findings --compare before.json
    """
    import json

    from ..reasoning.findings import sensitivity as sens
    from ..reasoning.findings_graph import to_turtle

    store = obj.store()
    ctx, found, exclude_sources, exclude_claims = _run_findings(
        store, exclude_sources, exclude_claims
    )
    if not (exclude_sources or exclude_claims):
        # keep graph:findings current for SPARQL (what-if runs leave it alone)
        from ..reasoning.findings_graph import ensure

        with status("findings graph"):
            ensure(store, found)
    if fmt == "ttl":
        click.echo(to_turtle(found), nl=False)
        return
    docs = []
    for f in found:
        d = f.to_json()
        if sensitivity:
            d["sensitivity"] = sens(ctx, f, exclude_sources, exclude_claims)
        docs.append(d)
    # every record set aside: those of norm, duty-bearer and territory with no candidate, and
    # those of a candidate that stands on its other records (conduct not relied on)
    # (the episodes of one territory share the records set aside there: each listed once)
    kept = list(
        {
            id(x): (x, True)
            for c in ctx.candidates
            if c.applicability
            for x in c.applicability.excluded
        }.values()
    )
    set_aside = [
        {
            "norm": local_id(x.trigger.norm),
            "duty_bearer": local_id(x.trigger.duty_bearer),
            "territory": local_id(x.trigger.territory),
            "item": local_id(x.trigger.item),
            "reason": x.reason,
            "candidate_stands": stands,
        }
        for x, stands in [*((x, False) for x in ctx.exclusions), *kept]
    ]
    if fmt == "json":
        from ..store.oxigraph import kb_version

        out: dict[str, Any] = {"kb": kb_version(store), "findings": docs}
        if why_not:
            out["set_aside"] = set_aside
        if compare_with is not None:
            from ..reasoning.compare import diff

            before_docs = json.loads(compare_with.read_text(encoding="utf-8")).get("findings", [])
            out["changes"] = diff(before_docs, docs)
        _echo_json(out)
        return
    click.echo(render_findings_table(docs))
    if not docs:
        for line in _missing_frame(store):
            _err(line)
    if why_not or not docs:
        click.echo(render_set_aside(set_aside, full=why_not))
    if compare_with is not None:
        from ..reasoning.compare import diff
        from ..reasoning.compare import render as render_diff

        try:
            before = json.loads(compare_with.read_text(encoding="utf-8"))["findings"]
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(
                f"{compare_with} is not the output of `minelaw findings --format json`: {exc}",
                path=str(compare_with),
            ) from exc
        click.echo("\nSince " + str(compare_with) + ":\n" + render_diff(diff(before, docs)))


@cli.command("brief")
@click.argument("ids", nargs=-1, metavar="(--all | ID...)")
@click.option("--all", "all_", is_flag=True, help="A brief for every finding.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "pdf"]),
    default="html",
    show_default=True,
    help="pdf needs the 'pdf' extra (WeasyPrint).",
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("briefs"),
    show_default=True,
    help="Folder for the briefs and index.<format> (created if missing).",
)
@click.option(
    "--exclude-claim",
    "exclude_claims",
    multiple=True,
    metavar="ID",
    help="What-if: brief the findings as they stand without this claim. Repeatable.",
)
@click.option(
    "--exclude-source",
    "exclude_sources",
    multiple=True,
    metavar="ID",
    help="What-if: brief the findings as they stand without this source. Repeatable.",
)
@click.pass_obj
@handle_errors
def brief(
    obj: Ctx,
    ids: tuple[str, ...],
    all_: bool,
    fmt: str,
    out: Path,
    exclude_claims: Sequence[str],
    exclude_sources: Sequence[str],
) -> None:
    """Render case briefs: one memo per finding (candidate breach), plus an index.

    Each brief states the question, the short answer and standard of proof, the
    law (OSCOLA citations), applicability, the facts footnoted to graded sources,
    the elements one by one, counter-positions, evidence gaps, sensitivity and
    the method.  File names are the finding ids; `minelaw findings` lists them.
    $MINELAW_BRIEF_DATE (YYYY-MM-DD) fixes the generation date.

    \b
    Examples:
      minelaw brief --all
      minelaw brief --all --format pdf --out /tmp/briefs
      minelaw brief CIHL-R83--QQA--place-qq-south --format md
    """
    from ..briefs.render import write_all

    if all_ == bool(ids):
        raise UsageError(
            "give either --all or one or more finding IDs",
            hint="`minelaw findings` lists the finding ids",
        )
    store = obj.store()
    ctx, found, exclude_sources, exclude_claims = _run_findings(
        store, exclude_sources, exclude_claims
    )
    if ids:
        known = {f.id: f for f in found}
        chosen = [_finding_id(i, known) for i in ids]
        found = [known[i] for i in dict.fromkeys(chosen)]
    with progress_bar("rendering") as prog:
        paths = write_all(
            found,
            store,
            out,
            fmt,
            ctx,
            progress=prog,
            exclude_sources=exclude_sources,
            exclude_claims=exclude_claims,
        )
    click.echo(f"{len(paths) - 1} brief(s) and {paths[-1].name} written to {out}")


#: what the compliance rules need besides incidents, each with how to record it
_FRAME = (
    ("ml:ArmedConflict", "an armed conflict", "its parties and start (ml:partyToConflict)"),
    (
        "ml:ConflictClassification",
        "a classification of the conflict",
        "international or non-international, for a period (ml:classifies, ml:conflictType)",
    ),
    (
        "ml:HostilitiesPhase",
        "a phase of active hostilities",
        "its end starts the duty to clear (ml:conflict, ml:end)",
    ),
    (
        "ml:ControlPeriod",
        "a control period",
        "who controlled the incidents' territory, when (ml:controller, ml:territory)",
    ),
    (
        "ml:Participation",
        "a treaty participation",
        "without one only customary law applies (ml:participant, ml:treaty)",
    ),
)


def _missing_frame(store: Any) -> list[str]:
    """When no finding was found on a KB that records incidents: what the rules lack."""
    from ..namespaces import sparql_prefixes

    def has(cls: str) -> bool:
        return bool(store.query(sparql_prefixes() + f"ASK {{ ?x a {cls} }}").boolean)

    if not has("ml:MineIncident"):
        return []
    missing = [(what, how) for cls, what, how in _FRAME if not has(cls)]
    if not missing:
        return [
            "no finding although the KB records incidents: the rules found no incident within a "
            "conflict, a classification, a control period and a binding norm together; "
            "`minelaw findings --why-not` lists what they set aside"
        ]
    lines = ["no finding although the KB records incidents; the compliance rules also need:"]
    lines += [f"  - {what}: {how}" for what, how in missing]
    return lines


def _finding_id(given: str, known: dict[str, Any]) -> str:
    """The finding ``given`` names (its id, ``finding-<id>``, ``mlr:finding-<id>`` or the full
    IRI), or a usage error with the closest ids."""
    import difflib

    from ..namespaces import MLR

    ident = given.strip()
    for prefix in (MLR, "mlr:", "finding-"):
        ident = ident.removeprefix(prefix)
    if ident in known:
        return ident
    folded = {k.casefold(): k for k in known}
    close = [folded[ident.casefold()]] if ident.casefold() in folded else []
    close = close or difflib.get_close_matches(ident, list(known), n=3, cutoff=0.6)
    raise UsageError(
        f"no finding {given!r} in this run"
        + (f" — did you mean {' or '.join(close)}?" if close else ""),
        hint=(
            "known ids: " + ", ".join(sorted(known)[:10]) + (", ..." if len(known) > 10 else "")
            if known
            else "no finding on this knowledge base"
        )
        + " (`minelaw findings` lists them)",
    )


def local_id(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def render_set_aside(rows: list[dict[str, Any]], full: bool) -> str:
    """The trigger rows applicability set aside, grouped by reason (what is missing for the
    rules to apply)."""
    if not rows:
        return (
            "\nNo records were set aside by applicability, and no rule found conduct to test: "
            "the rules look for layings of mines (ml:MineLaying) or claims that a party laid "
            "them, mine incidents in a place within a state's territory or control, records "
            "handed over, and for the law of armed conflict a conflict (ml:ArmedConflict with "
            "its parties, ml:start and a classification). Run `minelaw check` to see what the "
            "knowledge base holds."
        )
    lines = [f"\n{len(rows)} record(s) a rule selected were set aside by applicability:"]
    seen: dict[tuple[str, str, str, str, bool], int] = {}
    for r in rows:
        key = (
            r["norm"],
            r["duty_bearer"],
            r["territory"],
            r["reason"],
            bool(r["candidate_stands"]),
        )
        seen[key] = seen.get(key, 0) + 1
    # with no finding, the records that decided nothing come first
    order = sorted(seen.items(), key=lambda kv: kv[0][4])
    shown = order if full else order[:10]
    for (norm, bearer, territory, reason, stands), n in shown:
        times = f" ({n} records)" if n > 1 else ""
        also = " [the candidate stands on its other records]" if stands else ""
        lines.append(f"- {norm}, {bearer}, {territory}{times}{also}: {reason}")
    if len(seen) > len(shown):
        lines.append(f"... {len(seen) - len(shown)} more: run `minelaw findings --why-not`")
    return "\n".join(lines)


def render_findings_table(docs: list[dict[str, Any]]) -> str:
    import io

    from rich.console import Console
    from rich.table import Table

    table = Table()
    for col in ("id", "duty-bearer", "territory", "from", "elements", "standard"):
        table.add_column(col, overflow="fold")
    for d in docs:
        els = " ".join(
            {"established": "E", "contested": "C", "alleged": "A", "not_met": "-", "unknown": "?"}[
                e["status"]
            ]
            for e in d["elements"]
        )
        table.add_row(
            d["id"],
            d["duty_bearer"]["label"] or d["duty_bearer"]["id"],
            d["territory"]["label"] or d["territory"]["id"],
            d["period"]["start"] or "",
            els,
            d["standard_of_proof"],
        )
    buf = io.StringIO()
    Console(file=buf, width=160, force_terminal=False).print(table)
    text = (
        buf.getvalue() + f"{len(docs)} candidate breaches (elements: E established at a standard, "
        "C contested, A alleged below any standard, - not met, ? unknown)\n"
    )
    for d in docs:
        if d.get("sensitivity"):
            text += f"\n{d['id']}:\n" + "".join(
                f"  without {s['kind']} {s['id']}: {s['effect']}\n" for s in d["sensitivity"]
            )
    return text


def main() -> None:
    """Console-script entry point: click's own usage errors exit 2 as well."""
    cli(prog_name="minelaw")


# --- queries ---------------------------------------------------------------------------
cli.add_command(_query, "query")
cli.add_command(_list_queries, "queries")

# --- SPARQL endpoint and remote stores (issue 8) -------------------------------------
cli.add_command(_serve, "serve")
cli.add_command(_push, "push")

# --- citations for reference managers (issue 16) ----------------------------------------
cli.add_command(_cite, "cite")

# --- evidence intake (issue 7) ----------------------------------------------------------
for _command in _INTAKE_COMMANDS:
    cli.add_command(_command)
