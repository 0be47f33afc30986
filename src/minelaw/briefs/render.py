"""Case briefs: one memo per finding (candidate breach), in Markdown, HTML and PDF.

Implements DESIGN.md section 1 (item 2, "Generate case briefs"), the "Findings"
model of section 3, section 4 (the standard-of-proof thresholds are read from the
store and quoted in every brief) and section 7 (HTML autoescaped; file names
derived from finding identifiers).  Citations are OSCOLA (4th ed) via
:mod:`minelaw.briefs.citations`; Markdown is CommonMark with the footnote extension
(``[^1]``); PDF is rendered from the HTML by WeasyPrint (the ``pdf`` extra).

:func:`brief_context` gathers a plain dict from the :class:`~minelaw.reasoning.findings.Finding`
and a few SPARQL queries; the templates in ``reports/templates/`` only lay it out.
Public API: :func:`render_html` (used by the web UI), :func:`render`,
:func:`render_index` and :func:`write_all`.  A brief states that it is a candidate
finding for research, not a legal determination.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import UsageError
from ..namespaces import MLR
from ..reasoning.findings import Context, Finding, collect, local
from ..reasoning.standards import LADDER
from ..resources import data_dir
from ..store.oxigraph import kb_version
from .citations import format_date
from .context import (
    DATE_ENV,
    applicability,
    arithmetic,
    cite_or_id,
    cite_pinpoint,
    ctx_thresholds,
    fetch_facts,
    fetch_sources,
    file_stem,
    generation_date,
    join_pinpoints,
    labels_of,
    origins_text,
    provisions,
    select,
    sensitivity,
    shared,
    shared_many,
    short_cite,
    std_text,
    values_of,
    when_text,
)
from .csl import source_notes
from .figures import map_places, map_svg, parse_point, timeline_svg
from .law import legal_sections

FORMATS = ("md", "html", "pdf")
__all__ = [
    "DATE_ENV",
    "brief_context",
    "file_stem",
    "render",
    "render_html",
    "render_index",
    "write_all",
]
DISCLAIMER = (
    "This brief sets out a candidate finding for research, generated from the evidence "
    "recorded in the minelaw knowledge base. It is not a legal determination, and it does "
    "not establish the responsibility of any state or person. Its conclusions are only as "
    "good as the sources cited, and they change when the evidence changes."
)

#: the index's own text: what the table lists and where to read more (not a brief's disclaimer)
INDEX_TEXT = (
    "Each row is a candidate breach that the compliance rules found in the knowledge base: who "
    "owed the duty, under which norm, where and from when, how many of the norm's elements the "
    "evidence establishes at a standard of proof, and the standard the finding as a whole "
    "reaches. Open a brief for the facts, the applicable law, the evidence element by element "
    "and the sources; each brief says what it does and does not establish."
)


# --- the brief context -------------------------------------------------------------------
def brief_context(
    finding: Finding,
    store: Any,
    ctx: Context | None = None,
    *,
    generated: dt.date | None = None,
    exclude_sources: Sequence[str] = (),
    exclude_claims: Sequence[str] = (),
    kb: dict[str, Any] | None = None,
    figures: bool = True,
) -> dict[str, Any]:
    """Everything a brief template needs, as plain data (strings, lists, dicts)."""
    f, c = finding, finding.candidate
    lab = dict(f.labels)
    who = lab.get(c.duty_bearer, local(c.duty_bearer))
    where = lab.get(c.territory, local(c.territory))
    norm_label = lab.get(c.norm, local(c.norm))
    norm = (
        select(
            store,
            f"""SELECT ?def ?rj WHERE {{ OPTIONAL {{ <{c.norm}> skos:definition ?def }}
                         OPTIONAL {{ <{c.norm}> ml:requiresJurisdiction ?rj }} }}""",
        )
        or [{}]
    )[0]
    # the scope and doubts recorded on the norm (principle: an unsettled point is said in the brief)
    scope = sorted(
        r["note"] for r in select(store, f"SELECT ?note WHERE {{ <{c.norm}> ml:scopeNote ?note }}")
    )
    # element roles, definitions and authorities
    emeta: dict[str, dict[str, Any]] = {}
    els = values_of(e.element for e in f.elements)
    for r in select(
        store,
        f"""SELECT ?e ?role ?def ?auth WHERE {{ VALUES ?e {{ {els} }}
              OPTIONAL {{ ?e ml:elementRole ?role }} OPTIONAL {{ ?e skos:definition ?def }}
              OPTIONAL {{ ?e ml:authority ?auth }} }} ORDER BY ?e ?auth""",
    ):
        m = emeta.setdefault(
            r["e"], {"role": r.get("role", ""), "def": r.get("def", ""), "auth": []}
        )
        if r.get("auth") and r["auth"] not in m["auth"]:
            m["auth"].append(r["auth"])
    # facts and their sources, numbered in order of date
    item_iris = {i for e in f.elements for i in e.support + e.counter}
    facts_raw = fetch_facts(store, item_iris)
    srcs = {s for i in item_iris if i in f.items for s in f.items[i].sources} - {
        s if s.startswith("http") else MLR + s for s in exclude_sources
    }
    src_info = fetch_sources(store, srcs | set(f.evidence))
    people = {f.items[i].claimant or "" for i in item_iris if i in f.items}
    agents_iris = {d["agent"] for d in facts_raw.values() if d.get("agent")}
    places = {p for d in facts_raw.values() for p in d["places"]} | {c.territory}
    lab.update(
        labels_of(
            store,
            people
            | agents_iris
            | places
            | {d.get("against", "") for d in facts_raw.values()}
            | {d.get("controller", "") for d in facts_raw.values()}
            | {d.get("device", "") for d in facts_raw.values()}
            | {s.get("pub", "") for s in src_info.values()},
        )
    )
    order = sorted(
        item_iris,
        key=lambda i: (
            (f.items[i].date if i in f.items else "") or facts_raw[i].get("start", ""),
            i,
        ),
    )
    source_no: dict[str, int] = {}
    facts = []
    for n, i in enumerate(order, 1):
        info, raw = f.items.get(i), facts_raw[i]
        its = sorted(info.sources - set(source_no) if info else set(), key=lambda s: s)
        for s in its:
            if s in srcs:
                source_no[s] = len(source_no) + 1
        fns = sorted(source_no[s] for s in (info.sources if info else set()) if s in source_no)
        date = (info.date if info else "") or raw.get("start", "")
        when = when_text(date, raw.get("prec", ""))
        if raw.get("start") and not (info and info.date):
            when = "from " + when
        elif not date and raw.get("published"):
            # a claim whose own date is not recorded: the source's date, said to be that
            when = f"{when_text(raw['published'])} (date of the source; the statement is undated)"
        elif not date:
            when = "date not recorded"
        against = raw.get("against")
        interested = bool(
            info and info.is_claim and info.claimant_party not in (None, c.duty_bearer)
        )
        detail = []
        if raw.get("killed") or raw.get("injured"):
            detail.append(f"{raw.get('killed', '0')} killed, {raw.get('injured', '0')} injured")
        if raw.get("device"):
            detail.append(lab.get(raw["device"], local(raw["device"])))
        if raw.get("agent"):
            detail.append("acting party: " + lab.get(raw["agent"], local(raw["agent"])))
        point = [(p, parse_point(w), prec) for p, (w, prec) in sorted(raw["places"].items())]
        facts.append(
            {
                "n": n,
                "id": local(i),
                "iri": i,
                "date": date,
                "when": when,
                "kind": raw.get("kind", "") or ("Claim" if info and info.is_claim else "Record"),
                "label": (info.label if info else "")
                or (
                    lab.get(raw["controller"], local(raw["controller"])) + " in control"
                    if raw.get("controller")
                    else local(i)
                ),
                "is_claim": bool(info and info.is_claim),
                "claimant": lab.get(info.claimant or "", local(info.claimant or ""))
                if info and info.claimant
                else "",
                "against": lab.get(against, local(against)) if against else "",
                "interested": interested,
                "own": bool(info and info.is_claim and info.claimant_party == c.duty_bearer),
                "assertion": raw.get("assertion", ""),
                "detail": "; ".join(detail),
                "places": [lab.get(p, local(p)) for p, _, _ in point],
                "points": point,
                "fns": fns,
            }
        )
    fact_no = {fa["iri"]: fa["n"] for fa in facts}
    # sources: footnotes in order of first citation, bibliography sorted by publisher
    sources = []
    # OSCOLA through the CSL style (briefs/csl.py), once per source in a run of briefs
    notes = shared_many(store, "note", source_no, lambda iris: source_notes(store, iris))
    for s, n in sorted(source_no.items(), key=lambda kv: kv[1]):
        d, si = src_info.get(s, {}), f.sources.get(s)
        sources.append(
            {
                "n": n,
                "id": local(s),
                "cite": notes.get(s, [("text", local(s) + ".")]),
                "publisher": lab.get(d.get("pub", ""), si.publisher_label if si else ""),
                "title": d.get("title", local(s)),
                "issued": format_date(d["issued"]) if d.get("issued") else "",
                "url": d.get("url", ""),
                "accessed": format_date(d["accessed"]) if d.get("accessed") else "",
                "kind": d.get("kind", ""),
                "grade": si.grade if si else "",
                "grade_text": f"reliability {d.get('rel', '?')}; credibility {d.get('cred', '?')}",
            }
        )
    # elements
    origin_labels = labels_of(
        store,
        {t.origin for e in f.elements for t in e.testimony + e.counter_testimony if t.origin},
    )
    elements = []
    pinfo_all = provisions(store, {a for m in emeta.values() for a in m["auth"]})
    for e in f.elements:
        m = emeta.get(e.element, {"role": "", "def": "", "auth": []})
        requirement = m["role"].endswith("requirement")
        status = {
            ("established", False): f"Established ({std_text(e.standard)})",
            ("contested", False): f"Contested (reaches {std_text(e.standard)})",
            ("alleged", False): "Alleged: supported only below any standard of proof",
            ("not_met", False): "Not met",
            ("unknown", False): "Unknown: no evidence either way",
            ("established", True): f"Not fulfilled, established ({std_text(e.standard)})",
            ("contested", True): f"Not fulfilled, contested (reaches {std_text(e.standard)})",
            ("alleged", True): "Alleged not fulfilled: supported only below any standard of proof",
            ("not_met", True): "Fulfilled",
            ("unknown", True): "Unknown whether fulfilled: no evidence either way",
        }[(e.status, requirement)]
        elements.append(
            {
                "order": e.order,
                "id": local(e.element),
                "label": e.label,
                "definition": m["def"],
                "role": "requirement" if requirement else "condition",
                "status": e.status,
                "status_text": status,
                "standard": e.standard,
                "standard_text": std_text(e.standard),
                "reason": e.reason,
                "gap": e.gap,
                "authority": "; ".join(short_cite(store, a, pinfo_all) for a in m["auth"]),
                "support": sorted(fact_no[i] for i in e.support if i in fact_no),
                "counter": sorted(fact_no[i] for i in e.counter if i in fact_no),
                "evidence": [source_no[s] for s in e.evidence if s in source_no],
                "counter_evidence": [source_no[s] for s in e.counter_evidence if s in source_no],
                "grades": [
                    f.sources[s].grade
                    for s in sorted(e.evidence, key=lambda s: source_no.get(s, 0))
                    if s in f.sources
                ],
                "arithmetic": arithmetic(e, ctx_thresholds(store, ctx)),
                "origins": origins_text(e.testimony, origin_labels),
                "counter_origins": origins_text(e.counter_testimony, origin_labels),
                "context": [local(i) for i in e.context],
            }
        )
    # applicable law: one entry per instrument, its provisions as pinpoints
    law: list[dict[str, Any]] = []
    pinfo = provisions(store, {MLR + b["provision"] for b in f.basis if b["provision"]})
    for b in f.basis:
        prov = MLR + b["provision"] if b["provision"] else ""
        inst = pinfo.get(prov, {}).get("inst", "")
        entry = next((e for e in law if inst and e["inst"] == inst), None)
        if entry is None:
            entry = {
                "kind": b["kind"],
                "inst": inst,
                "prov": [],
                "in_force": "",
                "until": "",
                "between": (b.get("applies_between") or {}).get("reason", ""),
            }
            law.append(entry)
        entry["prov"].append(prov)
        if b.get("in_force_for_duty_bearer_since"):
            entry["in_force"] = format_date(b["in_force_for_duty_bearer_since"])
        if b.get("in_force_until"):
            entry["until"] = format_date(b["in_force_until"])
    for entry in law:
        locs = [pinfo[p]["loc"] for p in entry["prov"] if p in pinfo and pinfo[p].get("loc")]
        if entry["kind"] == "treaty" and entry["inst"]:
            entry["citation"] = cite_pinpoint(store, entry["inst"], join_pinpoints(locs))
        else:
            entry["citation"] = "; ".join(cite_or_id(store, p) for p in entry["prov"] if p)
    appl = applicability(store, f)
    counter_positions = [
        fa
        for fa in facts
        if fa["iri"] in set(f.contested_by) or any(fa["n"] in el["counter"] for el in elements)
    ]
    sens = sensitivity(ctx, f, exclude_sources, exclude_claims) if ctx is not None else None
    thresholds = ctx_thresholds(store, ctx)
    weakest = min(f.elements, key=lambda e: LADDER.index(e.standard), default=None)
    candidate = f.standard != "insufficient"
    fig_t = fig_m = ""
    approx = False
    if figures:
        fig_t = _timeline(
            store,
            [
                {
                    "date": fa["date"],
                    # a claim's summary (its assertion), not its identifier
                    "label": (fa["is_claim"] and fa["assertion"]) or fa["label"],
                    "n": fa["n"],
                    "claim": fa["is_claim"],
                    "when": fa["when"],
                }
                for fa in facts
                if fa["date"]
            ],
            [{"date": c.date, "label": "relevant date"}] if c.date else [],
        )
        pins = map_places(store, {p for fa in facts for p, _, _ in fa["points"]}, c.territory, lab)
        fig_m = shared(store, "map", repr(pins), lambda: map_svg(pins))
        approx = any(d["prec"] for d in pins)
    date_txt = format_date(c.date) if c.date else "an unknown date"
    return {
        "id": f.id,
        "file_stem": file_stem(f.id),
        "title": f"{who}: {norm_label}, {where}",
        "generated": generation_date(generated).isoformat(),
        "generated_text": format_date(generation_date(generated)),
        "kb": kb or kb_version(store),
        "minelaw_version": __version__,
        "norm": {
            "id": local(c.norm),
            "label": norm_label,
            "definition": norm.get("def", ""),
            "requires_jurisdiction": norm.get("rj") == "true",
            "scope_notes": scope,
        },
        "duty_bearer": who,
        "territory": where,
        "date": date_txt,
        "question": f"Does the evidence in the knowledge base show, to a recognised standard of "
        f"proof, that {who} has breached {norm_label} ({local(c.norm)}) in respect of "
        f"{where}, from {date_txt}?",
        "candidate": candidate,
        "standard": f.standard,
        "standard_text": std_text(f.standard),
        "weakest": {"label": weakest.label, "reason": weakest.reason} if weakest else None,
        "met": sum(e.status == "established" for e in f.elements),
        "alleged": [e.label for e in f.elements if e.status in ("alleged", "contested")],
        "unknown": [e.label for e in f.elements if e.status == "unknown"],
        "explanation": f.explanation,
        "law": law,
        "applicability": appl,
        "legal": legal_sections(store, f),
        "facts": facts,
        "elements": elements,
        "counter_positions": counter_positions,
        "gaps": [el for el in elements if el["gap"] or el["reason"]],
        "sensitivity": sens,
        "sources": sources,
        "bibliography": sorted(sources, key=lambda s: (s["publisher"].lower(), s["title"])),
        "thresholds": thresholds,
        "forums": f.forums,
        "excluded": {"sources": list(exclude_sources), "claims": list(exclude_claims)},
        "timeline_svg": fig_t,
        "map_svg": fig_m,
        "coordinates_approximate": approx,
        "disclaimer": DISCLAIMER,
    }


def _timeline(store: Any, events: list[dict[str, Any]], marks: list[dict[str, Any]]) -> str:
    return shared(store, "timeline", repr((events, marks)), lambda: timeline_svg(events, marks))


# --- rendering -----------------------------------------------------------------------------
def _md_escape(text: Any) -> str:
    """Untrusted text as inert CommonMark: punctuation escaped, one line."""
    s = " ".join(str(text if text is not None else "").split())
    return re.sub(r"([\\`*_\[\]<>|&~])", r"\\\1", s)


def _md_note(pieces: Sequence[tuple[str, str]]) -> str:
    """A note in pieces (:func:`minelaw.briefs.csl.segments`) as CommonMark: text escaped with
    its spaces kept, italics between asterisks, the URL an autolink.  Angle brackets of the text
    (OSCOLA's around a URL) are entity references, so that no ``<`` stands before a URL that is
    not linked (``javascript:``...)."""
    out = []
    for kind, text in pieces:
        if kind == "url":
            out.append(_md_autolink(text))
            continue
        body = _md_escape(text).replace("\\<", "&lt;").replace("\\>", "&gt;")
        if kind == "italic":
            out.append(f"*{body}*")
            continue
        lead = " " if text[:1].isspace() and body else ""
        trail = " " if text[-1:].isspace() and body else ""
        out.append(lead + body + trail if body else (" " if text else ""))
    return "".join(out)


def _md_autolink(url: Any) -> str:
    """A source URL as a CommonMark autolink (spec 0.31, section 6.5): the characters an
    autolink cannot hold (controls, space, ``<``, ``>``) percent-encoded, so that none of the URL
    is read as raw HTML; a URL that is not http(s) is shown as text, not linked (as in HTML)."""
    s = str(url if url is not None else "").strip()
    if not s.lower().startswith(("https://", "http://")):
        return _md_escape(s)
    return "<" + re.sub(r"[\x00-\x20<>\x7f]", lambda m: f"%{ord(m.group()):02X}", s) + ">"


def _environments() -> tuple[Any, Any]:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    loader = FileSystemLoader(str(templates_dir()))
    html = Environment(
        loader=loader,
        autoescape=select_autoescape(
            enabled_extensions=("html", "html.jinja2", "css.jinja2"), default=True
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    md = Environment(
        loader=loader,
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    md.filters["md"] = _md_escape
    md.filters["md_autolink"] = _md_autolink
    md.filters["md_note"] = _md_note
    for env in (html, md):
        env.filters["capitalize_first"] = lambda s: s[:1].upper() + s[1:]
        env.globals["std_text"] = std_text
    return html, md


def templates_dir() -> Path:
    return data_dir("reports") / "templates"


_ENVS: tuple[Any, Any] | None = None


def _env(fmt: str) -> Any:
    global _ENVS
    if _ENVS is None:
        _ENVS = _environments()
    return _ENVS[1] if fmt == "md" else _ENVS[0]


def _html_with_svg(context: dict[str, Any]) -> dict[str, Any]:
    from markupsafe import Markup

    # the SVG is built by minelaw.briefs.figures, which escapes every label it draws
    return {
        **context,
        "timeline_svg": Markup(context["timeline_svg"]),
        "map_svg": Markup(context["map_svg"]),
    }


def render_context(context: dict[str, Any], fmt: str) -> str | bytes:
    """Render a brief context (from :func:`brief_context`) as md, html or pdf."""
    if fmt == "md":
        return str(_env("md").get_template("brief.md.jinja2").render(b=context))
    html = str(_env("html").get_template("brief.html.jinja2").render(b=_html_with_svg(context)))
    return html if fmt == "html" else html_to_pdf(html)


def render_html(finding: Finding, store: Any, ctx: Context | None = None, **kw: Any) -> str:
    """One self-contained HTML brief (the web UI's entry point)."""
    if ctx is None:
        ctx = collect(store)
    return str(render_context(brief_context(finding, store, ctx, **kw), "html"))


def render(
    finding: Finding, store: Any, fmt: str, ctx: Context | None = None, **kw: Any
) -> str | bytes:
    """A brief as Markdown (str), HTML (str) or PDF (bytes); ``kw`` as :func:`brief_context`."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown brief format {fmt!r}", hint="use md, html or pdf")
    return render_context(brief_context(finding, store, ctx, **kw), fmt)


#: how to install the system libraries WeasyPrint loads (Pango and its GObject/HarfBuzz deps)
PANGO_HINT = (
    "install Pango: `sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0` (Debian, Ubuntu), "
    "`sudo dnf install pango` (Fedora), `brew install pango` (macOS); or use --format html"
)


def html_to_pdf(html: str) -> bytes:
    try:
        from weasyprint import HTML
    except ImportError as exc:  # the optional 'pdf' extra
        raise UsageError(
            "PDF briefs need WeasyPrint", hint="python3 -m pip install 'minelaw[pdf]'"
        ) from exc
    except OSError as exc:  # WeasyPrint is there, a system library it loads is not
        missing = re.search(r"cannot load library '([^']+)'", str(exc))
        raise UsageError(
            "PDF briefs need the Pango library, which WeasyPrint could not load"
            + (f" ({missing.group(1)})" if missing else ""),
            hint=PANGO_HINT,
        ) from exc
    return bytes(HTML(string=html, base_url=".").write_pdf())


def index_row(c: dict[str, Any]) -> dict[str, Any]:
    """What the index needs of one brief context (small: sent back by the workers)."""
    if "n_elements" in c:
        return c
    keys = ("file_stem", "id", "duty_bearer", "norm", "territory", "date", "standard")
    return {
        **{k: c[k] for k in keys},
        "standard_text": c["standard_text"],
        "candidate": c["candidate"],
        "met": c["met"],
        "n_elements": len(c["elements"]),
        "kb": c["kb"],
    }


def index_context(
    contexts: Sequence[dict[str, Any]],
    fmt: str,
    generated: dt.date | None = None,
    kb: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The index of a run, from brief contexts or their :func:`index_row`."""
    rows = [
        {
            "file": f"{c['file_stem']}.{fmt}",
            "id": c["id"],
            "duty_bearer": c["duty_bearer"],
            "norm": c["norm"],
            "territory": c["territory"],
            "date": c["date"],
            "standard": c["standard"],
            "standard_text": c["standard_text"],
            "candidate": c["candidate"],
            "met": c["met"],
            "elements": c["n_elements"],
        }
        for c in map(index_row, contexts)
    ]
    return {
        "rows": rows,
        "generated_text": format_date(generation_date(generated)),
        "kb": kb or (contexts[0]["kb"] if contexts else {"version": "", "triples": 0}),
        "minelaw_version": __version__,
        "text": INDEX_TEXT,
    }


def render_index(contexts: Sequence[dict[str, Any]], fmt: str, **kw: Any) -> str | bytes:
    """The index of a run: every brief with duty-bearer, norm and standard of proof."""
    ictx = index_context(contexts, fmt, **kw)
    if fmt == "md":
        return str(_env("md").get_template("index.md.jinja2").render(ix=ictx))
    html = str(_env("html").get_template("index.html.jinja2").render(ix=ictx))
    return html if fmt == "html" else html_to_pdf(html)


def write_all(
    findings: Sequence[Finding],
    store: Any,
    out_dir: Path,
    fmt: str,
    ctx: Context | None = None,
    *,
    progress: Callable[[str, int, int], None] | None = None,
    **kw: Any,
) -> list[Path]:
    """Write one brief per finding plus ``index.<fmt>`` into ``out_dir``; returns the paths.

    File names are ``<sanitised finding id>.<fmt>`` (see :func:`file_stem`), never
    taken from user input.  The briefs share one fetch and are rendered by worker processes
    (:mod:`minelaw.briefs.batch`).
    """
    from .batch import write_briefs, write_file

    if fmt not in FORMATS:
        raise UsageError(f"unknown brief format {fmt!r}", hint="use md, html or pdf")
    ctx = ctx if ctx is not None else collect(store)
    kw.setdefault("kb", kb_version(store))
    out_dir.mkdir(parents=True, exist_ok=True)
    steps = (brief_context, render_context, index_row)
    paths, rows = write_briefs(findings, store, out_dir, fmt, ctx, steps, progress=progress, **kw)
    index = render_index(rows, fmt, generated=kw.get("generated"), kb=kw["kb"])
    ipath = out_dir / f"index.{fmt}"
    write_file(ipath, index)
    return [*paths, ipath]
