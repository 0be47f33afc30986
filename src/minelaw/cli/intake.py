"""Evidence-intake commands of `minelaw`: validate, add, template, init (issue 7).

Added to the group at the bottom of :mod:`minelaw.cli.group`.  Exit codes
(DESIGN.md section 5): 0 every entry is valid (or was added), 1 some entries are
invalid (nothing written), 2 unreadable input or wrong usage.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from ..errors import UsageError
from .common import Ctx, handle_errors

_PATHS = click.argument(
    "paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="PATH..."
)
_KIND = click.option(
    "--kind",
    default=None,
    metavar="KIND",
    help="Kind of the rows of CSV files (`minelaw template --help` lists them); default: a "
    "'kind' column, else guessed from the header.",
)
_FILE = click.option(
    "--file",
    "files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="A preserved source document; its SHA-256 must be recorded in the entries. Repeatable.",
)


@click.command("validate")
@_PATHS
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people; json for tools (schema minelaw-validate/1, docs/intake.md).",
)
@_KIND
@_FILE
@click.option(
    "--restricted", is_flag=True, help="Validate as restricted entries (may cite restricted ones)."
)
@click.pass_obj
@handle_errors
def validate_cmd(
    obj: Ctx,
    paths: tuple[Path, ...],
    fmt: str,
    kind: str | None,
    files: tuple[Path, ...],
    restricted: bool,
) -> None:
    """Check new evidence entries against the entry shapes and the KB; write nothing.

    Entries are Turtle (.ttl), JSON-LD (.jsonld, .json; context
    https://w3id.org/minelaw/context.jsonld, resolved locally, never fetched) or
    CSV (.csv, one row per entry; `minelaw template KIND` prints a header).  Files
    over 10 MB, not UTF-8, or of another type than their extension are refused.
    Every problem is listed with its line (and CSV column) and how to fix it.

    Exits 0 when every entry is valid, 1 when any is invalid, 2 when a file cannot be
    read.

    \b
    Examples:
      minelaw validate new-incident.ttl
      minelaw validate incidents.csv --kind incident
      minelaw validate source.ttl --file report.pdf --format json
    """
    from ..intake.workflow import exit_code, render_json, render_text, run_validate

    _check_kind(kind)
    subs = run_validate(list(paths), obj.kb, kind=kind, restricted=restricted, files=files)
    click.echo(render_json(subs) if fmt == "json" else render_text(subs), nl=False)
    sys.exit(exit_code(subs))


@click.command("add")
@_PATHS
@click.option("--by", "by", required=True, metavar="NAME", help="Who contributes the entries.")
@click.option(
    "--restricted",
    is_flag=True,
    help="Confidential: stored under entries/restricted/, hidden from queries by default.",
)
@_KIND
@_FILE
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
@handle_errors
def add_cmd(
    obj: Ctx,
    paths: tuple[Path, ...],
    by: str,
    restricted: bool,
    kind: str | None,
    files: tuple[Path, ...],
    fmt: str,
) -> None:
    """Validate entries, then add them to your KB with provenance -- all or nothing.

    The files of one add become one Turtle file in <kb>/entries/ (or
    entries/restricted/, readable by you only) with an ml:Entry record per file: who
    added it (--by), when, the SHA-256 of the submitted file, its confidentiality,
    and the resources it added.  Every resource must be new: to correct or complete
    an existing one, use `minelaw amend`.  If any entry is invalid nothing is
    written (exit 1).  Concurrent adds are safe (a lock), and an interrupted add
    leaves either all of it or nothing.  The bundled KB is never written to: create
    your own with `minelaw init`.

    \b
    Examples:
      minelaw init my-kb
      minelaw --kb my-kb add new-incident.ttl --by "A. Researcher"
      minelaw --kb my-kb add witness.ttl --by "A. Researcher" --restricted
    """
    from ..intake.entries import run_add

    _check_kind(kind)
    subs, written = run_add(
        list(paths), obj.kb, by=by, restricted=restricted, kind=kind, files=files
    )
    _report_written(subs, written, fmt)


def _report_written(subs: Sequence[Any], written: Sequence[Path], fmt: str) -> None:
    from ..intake.workflow import exit_code, render_json, render_text

    if fmt == "json":
        click.echo(render_json(subs, written), nl=False)
    else:
        click.echo(render_text(subs), nl=False)
        for p in written:
            click.echo(f"added: {p}")
        if not written:
            click.echo("nothing was written")
    sys.exit(exit_code(subs))


@click.command("amend")
@click.argument(
    "paths", nargs=-1, required=False, type=click.Path(path_type=Path), metavar="[PATH...]"
)
@click.option("--by", "by", required=True, metavar="NAME", help="Who makes the amendment.")
@click.option(
    "--reason", required=True, metavar="TEXT", help="Why (10 to 2,000 characters; recorded)."
)
@click.option(
    "--retract",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE.ttl",
    help="Statements to withdraw, written exactly as the KB holds them.",
)
@click.option("--restricted", is_flag=True, help="Confidential amendment (entries/restricted/).")
@_KIND
@_FILE
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
@handle_errors
def amend_cmd(
    obj: Ctx,
    paths: tuple[Path, ...],
    by: str,
    reason: str,
    retract: Path | None,
    restricted: bool,
    kind: str | None,
    files: tuple[Path, ...],
    fmt: str,
) -> None:
    """Correct or complete existing resources, or withdraw statements, with provenance.

    PATH files hold statements to add (they may be about resources already in the
    KB, and may add new ones); --retract FILE.ttl holds statements to withdraw.
    Both are checked as `minelaw add` checks entries, on the resources as they
    would be after the amendment.  The amendment is written as one entry
    (ml:Amendment) recording who, when, why (--reason), the files it revises
    (prov:wasRevisionOf) and each withdrawn statement (prov:invalidated); the
    store leaves withdrawn statements out, and `minelaw query changes-since`
    lists amendments beside entries.  Nothing is written if anything is invalid.

    \b
    Examples:
      minelaw --kb my-kb amend new-url.ttl --retract old-url.ttl --by "A. Researcher" \\
          --reason "The report moved to a new address; its content is unchanged."
      minelaw --kb my-kb amend --retract wrong-label.ttl --by "A. Researcher" \\
          --reason "The alternative name was a transcription error."
    """
    from ..intake.entries import read_amendment, run_add

    _check_kind(kind)
    if not paths and retract is None:
        raise UsageError("give the statements to add (PATH...) or to withdraw (--retract FILE)")
    amendment = read_amendment(reason, retract)
    subs, written = run_add(
        list(paths),
        obj.kb,
        by=by,
        restricted=restricted,
        kind=kind,
        files=files,
        amend=amendment,
    )
    _report_written(subs, written, fmt)


@click.command("template")
@click.argument("kind", metavar="KIND")
@click.option("--describe", is_flag=True, help="Describe each column instead of printing CSV.")
@click.option("--example", is_flag=True, help="Print the example rows as rows, not commented out.")
@handle_errors
def template_cmd(kind: str, describe: bool, example: bool) -> None:
    """Print a CSV header and a commented example row for KIND (column notes go to stderr).

    KIND is one of the mappings in rules/csv/: the case frame (state, actor, place,
    conflict, classification, phase, control-period, participation) and the evidence
    (source, incident, claim, handover, assessment, casualty-figure).  Lines starting with
    '#' are comments: write your rows below the example.  The example rows of all kinds
    together make a small fictional case (states QQA and QQB) that validates on a
    `minelaw init` KB.

    \b
    Examples:
      minelaw template incident > incidents.csv
      minelaw template place --describe
      minelaw template participation --example > participation.csv
    """
    from ..intake.csvmap import example_rows, load_mappings, template

    mappings = load_mappings()
    if kind not in mappings:
        raise UsageError(f"unknown kind {kind!r}", hint=f"one of: {', '.join(mappings)}")
    m = mappings[kind]
    lines = [f"{kind}: {m.description}"]
    for c in m.columns:
        req = "required" if c.required else "optional"
        said = c.separator and f"separated by {c.separator!r}" in c.description
        extra = (
            f"; separate several values with {c.separator!r}" if c.separator and not said else ""
        )
        lines.append(f"  {c.name} ({req}, {c.type}): {c.description.rstrip('.')}{extra}")
    if describe:
        click.echo("\n".join(lines))
        return
    if example:
        click.echo(template(m).splitlines(keepends=True)[0] + "".join(example_rows(m)), nl=False)
    else:
        click.echo(template(m), nl=False)
    click.echo("\n".join(lines), err=True)


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=True, path_type=Path), metavar="DIR")
@click.option("--with-case", is_flag=True, help="Also copy the bundled case knowledge base.")
@handle_errors
def init_cmd(directory: Path, with_case: bool) -> None:
    """Create your own knowledge-base folder to add entries to.

    Copies the bundled law (and with --with-case the bundled case) into DIR and
    creates an empty entries/ folder.  Use it with --kb DIR or MINELAW_KB=DIR.

    \b
    Examples:
      minelaw init my-kb
      minelaw init my-kb --with-case && minelaw --kb my-kb check
    """
    from ..intake.workflow import run_init

    made = run_init(directory, with_case=with_case)
    click.echo(f"created {directory} with {', '.join(made)}")
    click.echo(f"use it with: minelaw --kb {directory} ...  (or export MINELAW_KB={directory})")


def _check_kind(kind: str | None) -> None:
    if kind is None:
        return
    from ..intake.csvmap import load_mappings

    kinds = load_mappings()
    if kind not in kinds:
        raise UsageError(f"unknown kind {kind!r}", hint=f"one of: {', '.join(kinds)}")


COMMANDS = [validate_cmd, add_cmd, amend_cmd, template_cmd, init_cmd]
