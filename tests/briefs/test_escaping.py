"""Untrusted text in briefs stays text: SVG figures, HTML and Markdown briefs, index pages.

Every label, title, assertion and URL in a brief comes from the knowledge base, which anyone
may contribute to (DESIGN.md section 7).  These tests put hostile text in each place it is
drawn (event labels, place labels, claim summaries, source titles and URLs, duty-bearer and
territory names) and check the output the way a reader's software sees it: the SVG is
parsed as XML, the HTML by an HTML parser, the Markdown by a CommonMark renderer
(markdown-it-py, which rich, a dependency of minelaw, requires).  A hostile string must come
out as the same text, with no element, attribute or link of its own.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "tests" / "rules"
FIXED = {"generated": dt.date(2024, 1, 31), "kb": {"version": "hostile", "triples": 0}}

SCRIPT = "<script>alert(1)</script>"
ATTR = '"><svg onload=alert(2)>'
JS_LINK = "](javascript:alert(3))"
MD_SYNTAX = "*em* _em_ `code` [go](https://evil.example/)"
JINJA = "{{ 7*191 }} {% if 1 %}JINJA{% endif %}"
ENTITY = "&lt;b&gt; &amp;"
BAD_URL = "https://x.example/<plaintext"
JS_URL = "javascript:alert(8)"

# where each hostile text goes in the world of the rule tests (file, exact text, replacement)
PLACES = {
    "event label": (
        "ECHR-1950-art2-001.ttl",
        '"Farmer killed by a mine at Southville"@en',
        f"{SCRIPT} at Southville",
    ),
    "place label": (
        "world.ttl",
        'skos:prefLabel "Southville"@en ; rdfs:label "Southville"@en',
        ATTR,
    ),
    "territory label": (
        "world.ttl",
        'skos:prefLabel "South District"@en ; rdfs:label "South District"@en',
        f"South {MD_SYNTAX}",
    ),
    "claim summary": (
        "CIHL-R83-004.ttl",
        '"Qbland says Qaland mined Southville"@en',
        f"{JINJA} {SCRIPT}",
    ),
    "claim assertion": (
        "CIHL-R83-004.ttl",
        '"Qaland\'s forces laid mines in Southville while withdrawing."',
        f"Laid {JS_LINK} {MD_SYNTAX} {ENTITY}",
    ),
    "duty-bearer label": (
        "world.ttl",
        'skos:prefLabel "Qaland"@en ; rdfs:label "Qaland"@en',
        f"Qaland {SCRIPT}",
    ),
    "source title": (
        "world.ttl",
        'dcterms:title "Newswire report"',
        f"Wire {ATTR} {JS_LINK}",
    ),
    "source url": (
        "world.ttl",
        '"https://example.org/wire"^^xsd:anyURI',
        BAD_URL,
    ),
    "source url, not http": (
        "world.ttl",
        '"https://example.org/qqa"^^xsd:anyURI',
        JS_URL,
    ),
}
CASES = ["CIHL-R83-004.ttl", "CCW-APII-1996-art10-001.ttl", "ECHR-1950-art2-001.ttl"]


def _turtle_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def hostile_kb(folder: Path) -> Path:
    """kb/law, the rule tests' world and three cases, with the hostile texts of PLACES."""
    shutil.copytree(ROOT / "kb" / "law", folder / "law")
    texts = {"world.ttl": (RULES / "_world.ttl").read_text(encoding="utf-8")}
    texts |= {name: (RULES / name).read_text(encoding="utf-8") for name in CASES}
    for file, old, new in PLACES.values():
        assert old in texts[file], (file, old)
        lang = "@en" if old.endswith("@en") else ""
        typed = "^^xsd:anyURI" if old.endswith("^^xsd:anyURI") else ""
        if old.startswith("skos:prefLabel"):
            lit = _turtle_string(new) + "@en"
            replacement = f"skos:prefLabel {lit} ; rdfs:label {lit}"
        elif old.startswith("dcterms:title"):
            replacement = f"dcterms:title {_turtle_string(new)}"
        else:
            replacement = _turtle_string(new) + lang + typed
        texts[file] = texts[file].replace(old, replacement)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, dict[str, Any]]:
    from minelaw.reasoning.findings import collect, compute
    from minelaw.store.cache import open_kb

    store = open_kb(hostile_kb(tmp_path_factory.mktemp("hostile-kb")))
    ctx = collect(store)
    found = {f.id: f for f in compute(store, ctx=ctx)}
    assert {"CIHL-R83--QQA--place-qq-south", "ECHR-1950-art2--QQB--place-qq-south"} <= set(found)
    return store, ctx, found


@pytest.fixture(scope="module")
def contexts(world: tuple[Any, Any, dict[str, Any]]) -> list[dict[str, Any]]:
    from minelaw.briefs.render import brief_context

    store, ctx, found = world
    return [brief_context(f, store, ctx, **FIXED) for _, f in sorted(found.items())]


# --- what a reader's software sees -----------------------------------------------------
@dataclass
class Parsed:
    """An HTML document as a browser's parser sees it: elements, attributes, text."""

    tags: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    text: str = ""


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = Parsed()
        self.chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)


def parse_html(html: str) -> Parsed:
    p = _Collector()
    p.feed(html)
    p.close()
    p.out.text = " ".join("".join(p.chunks).split())
    return p.out


# the elements a brief, an index page and their figures are made of
HTML_TAGS = {
    "html", "head", "meta", "title", "style", "body", "div", "header", "footer", "main",
    "section", "nav", "h1", "h2", "h3", "h4", "p", "span", "strong", "em", "b", "i", "cite",
    "code", "a", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tr", "th",
    "td", "col", "colgroup", "q", "sup", "sub", "small", "br", "hr", "figure", "figcaption",
    "blockquote", "abbr",
    "svg", "rect", "line", "text", "tspan", "circle", "path", "g",
}  # fmt: skip


BRIEF_FILE = r"[A-Za-z0-9._-]+\.(html|md|pdf)"  # the index links to the briefs by file name


def assert_inert(doc: Parsed, hostile: list[str]) -> None:
    """No element, event handler or script link came from the data; each text is intact."""
    unknown = sorted({t for t, _ in doc.tags} - HTML_TAGS)
    assert unknown == [], f"elements from the data: {unknown}"
    handlers = [(t, a) for t, attrs in doc.tags for a in attrs if a.lower().startswith("on")]
    assert handlers == [], handlers
    links = [attrs.get("href", "") for t, attrs in doc.tags if t == "a"]
    odd = [
        h
        for h in links
        if "evil.example" in h
        or not (h.startswith(("https://", "http://", "#")) or re.fullmatch(BRIEF_FILE, h))
    ]
    assert odd == [], f"links from the data: {odd}"
    for text in hostile:
        assert " ".join(text.split()) in doc.text, f"{text!r} is not shown as text"
    assert "1337" not in doc.text  # {{ 7*191 }} was not evaluated


# --- SVG figures -------------------------------------------------------------------------
SVG_TAGS = {"svg", "g", "title", "rect", "line", "text", "tspan", "circle", "path"}


def parse_svg(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # a label that opened an element or attribute would not parse
    tags = {el.tag.rsplit("}", 1)[-1] for el in root.iter()}
    assert tags <= SVG_TAGS, tags - SVG_TAGS
    handlers = [a for el in root.iter() for a in el.attrib if a.lower().startswith("on")]
    assert handlers == [], handlers
    return root


def svg_texts(root: ET.Element) -> list[str]:
    """The drawn texts and the tooltips (``<title>``: a label's full text where the drawn one is
    shortened)."""
    return [
        "".join(el.itertext())
        for el in root.iter()
        if el.tag.endswith("}text") or el.tag.endswith("}title")
    ]


# short enough to be drawn in full (longer labels are shortened to 38 and 30 characters)
SHORT = [SCRIPT, ATTR, JS_LINK, ENTITY, "*em* _em_ `code`", "{{ 7*191 }}{% if 1 %}"]


@pytest.mark.parametrize("label", SHORT, ids=range(len(SHORT)))
def test_timeline_labels_are_text(label: str) -> None:
    from minelaw.briefs.figures import timeline_svg

    svg = timeline_svg(
        [
            {"date": "2020-04-10", "label": label, "n": 1, "when": label},
            {"date": "2020-06-01", "label": label, "n": label, "claim": True},
        ],
        [{"date": "2020-05-01", "label": label}],
    )
    texts = svg_texts(parse_svg(svg))
    # each label, the marker's and the dates given as text, shown as text (drawn or as the
    # tooltip of a label drawn shortened): never as markup (parse_svg)
    shown = " | ".join(texts)
    assert shown.count(label) >= 3, texts


@pytest.mark.parametrize("label", SHORT, ids=range(len(SHORT)))
def test_map_labels_are_text(label: str) -> None:
    from minelaw.briefs.figures import map_svg

    svg = map_svg(
        [
            {"label": label, "lon": 10.0, "lat": 49.0, "territory": True},
            {"label": label, "lon": 10.1, "lat": 49.1, "n": label},
        ]
    )
    texts = svg_texts(parse_svg(svg))
    shown = " | ".join(texts)
    assert shown.count(label) >= 2, texts  # the territory and the place, as text


def test_figures_of_the_hostile_world_are_text(contexts: list[dict[str, Any]]) -> None:
    """The figures drawn from the hostile KB: event, place and claim labels as text."""
    seen: set[str] = set()
    for b in contexts:
        for key in ("timeline_svg", "map_svg"):
            if b[key]:
                seen |= set(svg_texts(parse_svg(b[key])))
    shown = " | ".join(seen)
    assert f"{SCRIPT} at Southville" in shown  # the event (in full in its tooltip)
    assert ATTR in shown  # the place
    assert shown.count(SCRIPT) >= 2  # the event and the claim (JINJA: its label is in the facts)


# --- HTML and Markdown briefs ------------------------------------------------------------
EXPECTED = {  # per finding: the hostile texts its brief shows
    "CIHL-R83--QQA--place-qq-south": [
        f"Laid {JS_LINK} {MD_SYNTAX} {ENTITY}",  # its assertion, in full in the facts
        f"South {MD_SYNTAX}",
        f"Qaland {SCRIPT}",
        JS_URL,
        BAD_URL,
    ],
    "ECHR-1950-art2--QQB--place-qq-south": [
        f"{SCRIPT} at Southville",
        ATTR,
        f"Wire {ATTR} {JS_LINK}",
        BAD_URL,
    ],
}


@pytest.mark.parametrize("fid", sorted(EXPECTED))
def test_html_brief_shows_hostile_text_as_text(world: Any, fid: str) -> None:
    from minelaw.briefs.render import render

    store, ctx, found = world
    html = render(found[fid], store, "html", ctx, **FIXED)
    assert isinstance(html, str)
    doc = parse_html(html)
    assert_inert(doc, EXPECTED[fid])
    # the bad URL is a quoted attribute and escaped text; the other one is not linked
    bad = [a for t, a in doc.tags if t == "a" and "x.example" in a.get("href", "")]
    assert all(a == {"class": "url", "href": BAD_URL} for a in bad)
    assert bool(bad) == (BAD_URL in EXPECTED[fid])


def markdown_to_html(md: str) -> str:
    markdown_it = pytest.importorskip("markdown_it")
    return str(markdown_it.MarkdownIt("commonmark").enable("table").render(md))


@pytest.mark.parametrize("fid", sorted(EXPECTED))
def test_markdown_brief_shows_hostile_text_as_text(world: Any, fid: str) -> None:
    from minelaw.briefs.render import render

    store, ctx, found = world
    md = render(found[fid], store, "md", ctx, **FIXED)
    assert isinstance(md, str)
    doc = parse_html(markdown_to_html(md))
    # the timeline is not in the Markdown brief; the bad URL is checked below
    assert_inert(doc, [t for t in EXPECTED[fid] if t != BAD_URL])
    # a URL stays one autolink, with its angle brackets percent-encoded; a URL that is not
    # http(s) is not linked at all
    assert "<https://x.example/%3Cplaintext>" in md
    links = [a["href"] for t, a in doc.tags if t == "a"]
    assert "https://x.example/%3Cplaintext" in links
    assert "<javascript" not in md.lower() and not [h for h in links if ":alert" in h]


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_index_shows_hostile_text_as_text(contexts: list[dict[str, Any]], fmt: str) -> None:
    from minelaw.briefs.render import render_index

    text = render_index(contexts, fmt, generated=FIXED["generated"], kb=FIXED["kb"])
    assert isinstance(text, str)
    html = text if fmt == "html" else markdown_to_html(text)
    assert_inert(parse_html(html), [f"Qaland {SCRIPT}", f"South {MD_SYNTAX}"])
