"""The service description of ``minelaw serve``: W3C *SPARQL 1.1 Service Description*.

``GET /sparql`` without a ``query`` parameter answers with a description of the endpoint
(Service Description section 2: "an RDF description of the service ... when a SPARQL
Protocol request is made without a query"), by content negotiation: Turtle (also N-Triples,
RDF/XML, JSON-LD) for RDF clients, HTML for browsers.  It says

- the endpoint (``sd:endpoint``) and the language (``sd:SPARQL11Query``; the endpoint is
  read-only, so no ``sd:SPARQL11Update``);
- the result formats (``sd:resultFormat``, the W3C format IRIs of
  ``http://www.w3.org/ns/formats/``) the protocol negotiates;
- ``sd:UnionDefaultGraph``: a query that names no dataset sees the union of the graphs;
- the default dataset: its named graphs (``sd:namedGraph``/``sd:name``), only the public
  ones -- a restricted graph is never listed, whoever asks;
- the saved queries (``queries/*.rq``) as example queries, in the vocabulary SPARQL endpoints
  commonly use for examples (SHACL ``sh:SPARQLExecutable`` with ``sh:select``/``sh:ask``/
  ``sh:construct``/``sh:describe``, ``rdfs:label``, ``rdfs:comment``, ``schema:target``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

import pyoxigraph as ox

from .http import Answer, _text
from .protocol import choose, parse_accept

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SCHEMA_TARGET = "https://schema.org/target"

#: the result formats the protocol negotiates (minelaw.sparql.protocol), as W3C format IRIs
RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
)
#: what the description itself can be had in (HTML last: browsers ask for it by name)
OFFERED: dict[str, ox.RdfFormat | None] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "text/html": None,
}
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


def description(
    endpoint: str, graphs: Iterable[str], examples: Sequence[tuple[str, str, str, str]]
) -> list[ox.Triple]:
    """The description's triples: ``examples`` are (name, title, description, query text)."""
    n = ox.NamedNode
    svc = n(endpoint)
    t: list[ox.Triple] = [
        ox.Triple(svc, n(RDF_TYPE), n(SD + "Service")),
        ox.Triple(svc, n(SD + "endpoint"), svc),
        ox.Triple(svc, n(SD + "supportedLanguage"), n(SD + "SPARQL11Query")),
        ox.Triple(svc, n(SD + "feature"), n(SD + "UnionDefaultGraph")),
    ]
    t += [ox.Triple(svc, n(SD + "resultFormat"), n(FORMATS + f)) for f in RESULT_FORMATS]
    dataset, default = ox.BlankNode("dataset"), ox.BlankNode("default")
    t += [
        ox.Triple(svc, n(SD + "defaultDataset"), dataset),
        ox.Triple(dataset, n(RDF_TYPE), n(SD + "Dataset")),
        ox.Triple(dataset, n(SD + "defaultGraph"), default),
        ox.Triple(default, n(RDF_TYPE), n(SD + "Graph")),
    ]
    for i, g in enumerate(sorted(graphs)):
        node = ox.BlankNode(f"graph{i}")
        t += [
            ox.Triple(dataset, n(SD + "namedGraph"), node),
            ox.Triple(node, n(RDF_TYPE), n(SD + "NamedGraph")),
            ox.Triple(node, n(SD + "name"), n(g)),
        ]
    for name, title, about, text in examples:
        m = _FORM.search(re.sub(r"#[^\n]*", "", text))
        form = m.group(1).lower() if m else "select"
        ex = n(f"{endpoint}#query-{name}")
        t += [
            ox.Triple(ex, n(RDF_TYPE), n(SH + "SPARQLExecutable")),
            ox.Triple(ex, n(RDFS + "label"), ox.Literal(title or name)),
            ox.Triple(ex, n(SH + form), ox.Literal(text)),
            ox.Triple(ex, n(SCHEMA_TARGET), svc),
        ]
        if about:
            t.append(ox.Triple(ex, n(RDFS + "comment"), ox.Literal(about)))
    return t


def _html(
    endpoint: str, graphs: Iterable[str], examples: Sequence[tuple[str, str, str, str]]
) -> bytes:
    e = html.escape
    formats = "".join(f"<li>{e(f)}</li>" for f in RESULT_FORMATS)
    names = "".join(f"<li><code>{e(g)}</code></li>" for g in sorted(graphs))
    queries = "".join(
        f"<li><strong>{e(title or name)}</strong> ({e(name)}){': ' + e(about) if about else ''}"
        f"<pre>{e(text)}</pre></li>"
        for name, title, about, text in examples
    )
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>minelaw SPARQL endpoint: service description</title></head><body>"
        f"<h1>SPARQL 1.1 endpoint</h1><p>Endpoint: <code>{e(endpoint)}</code> "
        "(SPARQL 1.1 Query, read-only). The same description in Turtle: send "
        "<code>Accept: text/turtle</code>.</p>"
        "<h2>Default dataset</h2><p>Without FROM, FROM NAMED or the protocol's "
        "default-graph-uri/named-graph-uri, the default graph is the union of the named "
        f"graphs (sd:UnionDefaultGraph).</p><ul>{names}</ul>"
        f"<h2>Result formats</h2><ul>{formats}</ul>"
        f"<h2>Example queries</h2><ul>{queries}</ul></body></html>"
    )
    return page.encode()


def answer(
    endpoint: str,
    graphs: Iterable[str],
    examples: Sequence[tuple[str, str, str, str]],
    accept_header: str | None,
) -> Answer:
    """The description in the negotiated format (Turtle for ``*/*``), 406 if none fits."""
    graphs = list(graphs)
    mt = choose(parse_accept(accept_header), list(OFFERED))
    if mt is None:
        return _text(406, "the service description is available as " + ", ".join(OFFERED))
    fmt = OFFERED[mt]
    if fmt is None:
        return Answer(200, "text/html; charset=utf-8", _html(endpoint, graphs, examples))
    prefixes = {
        "sd": SD,
        "formats": FORMATS,
        "sh": SH,
        "rdfs": RDFS,
        "schema": "https://schema.org/",
    }
    body = ox.serialize(
        description(endpoint, graphs, examples),
        format=fmt,
        prefixes=prefixes if fmt == ox.RdfFormat.TURTLE else None,
    )
    return Answer(200, mt + "; charset=utf-8", body or b"", {"Vary": "Accept"})


__all__ = ["SD", "answer", "description"]
