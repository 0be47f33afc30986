"""`minelaw cite`: the KB's sources and legal materials for reference managers (issue 16).

Formats: CSL-JSON (the data format of the Citation Style Language 1.0.2, which Zotero,
Mendeley, pandoc and citeproc read), BibTeX (written by pybtex; biblatex field names for URLs
and dates) and OSCOLA notes (one line per item, tab-separated id and note, as the briefs cite
it).  The items are built in :mod:`minelaw.briefs.csl`.  Added to the group at the bottom of
:mod:`minelaw.cli.group`.  Exit codes (DESIGN.md section 5): 0 written, 2 an unknown format,
an unknown identifier or a store that cannot be read.
"""

from __future__ import annotations

import json

import click

from ..errors import UsageError
from .common import Ctx, handle_errors

FORMATS = ("csl-json", "bibtex", "oscola")
WHAT = ("all", "law", "sources")


@click.command("cite")
@click.argument("ids", nargs=-1, metavar="[ID...]")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="csl-json",
    show_default=True,
    help="csl-json for Zotero and citeproc; bibtex for LaTeX; oscola for notes as text.",
)
@click.option(
    "--what",
    type=click.Choice(WHAT),
    default="all",
    show_default=True,
    help="law: treaties, the customary law study, judgments and orders; sources: ml:Source.",
)
@click.pass_obj
@handle_errors
def cite_cmd(obj: Ctx, ids: tuple[str, ...], fmt: str, what: str) -> None:
    """Export sources and legal materials as CSL-JSON or BibTeX, or print OSCOLA notes.

    IDs are KB identifiers (dcterms:identifier, e.g. ECHR-1950) or IRIs; without
    any, every source and legal material of the KB is exported, sorted by id.
    Treaties and judgments are exported with the fields CSL has for them; the
    oscola format prints them in the hand-written OSCOLA forms of the briefs.

    \b
    Examples:
      minelaw cite > minelaw.json
      minelaw cite --format bibtex --what law > law.bib
      minelaw cite --format oscola ECHR-1950 ICRC-CIHL
    """
    from ..briefs import csl
    from ..briefs.citations import cite

    iris = [csl.resource_iri(i) for i in dict.fromkeys(ids)] if ids else None
    store = obj.store()
    found = csl.items_by_iri(store, iris, law=what != "sources", sources=what != "law")
    if iris is not None:
        missing = [i for i, x in zip(dict.fromkeys(ids), iris, strict=True) if x not in found]
        if missing:
            raise UsageError(
                f"no {'' if what == 'all' else what + ' '}source or legal material with id "
                + ", ".join(missing),
                hint="`minelaw cite --format oscola` lists every id with its citation",
            )
    by_id = sorted(found.items(), key=lambda kv: kv[1]["id"])
    items = [it for _, it in by_id]
    if fmt == "csl-json":
        click.echo(json.dumps(items, indent=2, ensure_ascii=False))
    elif fmt == "bibtex":
        click.echo(csl.to_bibtex(items), nl=False)
    else:
        for iri, it in by_id:
            note = (
                cite(store, iri) + "." if it["type"] in ("treaty", "legal_case") else csl.oscola(it)
            )
            click.echo(f"{it['id']}\t{note}")
