"""Evidence-intake commands of `minelaw`: validate, add, template, init (issue 7).

Added to the group at the bottom of :mod:`minelaw.cli.group`.  Exit codes
(DESIGN.md section 5): 0 every entry is valid (or was added), 1 some entries are
invalid (nothing written), 2 unreadable input or wrong usage.
"""

from __future__ import annotations

import sys
from pathlib import Path

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
    help="Kind of the rows of CSV files (source, incident, claim, handover, assessment, "
    "casualty-figure); default: a 'kind' column, else guessed from the header.",
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

    Each file becomes one Turtle file in <kb>/entries/ (or entries/restricted/)
    with an ml:Entry record: who added it (--by), when, the SHA-256 of the submitted
    file, its confidentiality, and the resources it added.  If any entry is invalid
    nothing is written (exit 1).  Concurrent adds are safe (a lock), and an
    interrupted add leaves either the whole entry or nothing.  The bundled KB is
    never written to: create your own with `minelaw init`.

    \b
    Examples:
      minelaw init my-kb
      minelaw --kb my-kb add new-incident.ttl --by "A. Researcher"
      minelaw --kb my-kb add witness.ttl --by "A. Researcher" --restricted
    """
    from ..intake.workflow import exit_code, render_json, render_text, run_add

    _check_kind(kind)
    subs, written = run_add(
        list(paths), obj.kb, by=by, restricted=restricted, kind=kind, files=files
    )
    if fmt == "json":
        click.echo(render_json(subs, written), nl=False)
    else:
        click.echo(render_text(subs), nl=False)
        for p in written:
            click.echo(f"added: {p}")
        if not written:
            click.echo("nothing was written")
    sys.exit(exit_code(subs))


@click.command("template")
@click.argument("kind", metavar="KIND")
@click.option("--describe", is_flag=True, help="Describe each column instead of printing CSV.")
@handle_errors
def template_cmd(kind: str, describe: bool) -> None:
    """Print a CSV header and one example row for KIND (column notes go to stderr).

    KIND is one of source, incident, claim, handover, assessment, casualty-figure
    (the mappings in rules/csv/).

    \b
    Examples:
      minelaw template incident > incidents.csv
      minelaw template source --describe
    """
    from ..intake.csvmap import load_mappings, template

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


COMMANDS = [validate_cmd, add_cmd, template_cmd, init_cmd]
