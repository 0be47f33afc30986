"""What minelaw's remote store does differently per SPARQL engine -- all of it, in one place.

minelaw talks to every engine with the same standard requests (SPARQL 1.1 Protocol, SPARQL
1.1 Graph Store HTTP Protocol, SPARQL 1.1 Query Results JSON); its queries are written so
that every engine gives the same answers (issue 21: the differences found and how each was
resolved are in ``docs/team-server.md``).  What cannot be solved in the query text is solved
here, on the client, and never by sending an engine a different query:

- **Which engine is it** (:func:`engine_of`, used by ``remote.detect``): from the HTTP
  ``Server`` header of one query (``Virtuoso/07.20...``, ``Oxigraph/0.5...``, ``Apache Jena
  Fuseki ...``).  Only used to derive the Graph Store URL; reading never depends on it.
- **Where its Graph Store is** (:func:`store_url_for`): Oxigraph server ``/query`` ->
  ``/store``; Virtuoso ``/sparql`` -> ``/sparql-graph-crud-auth`` (writes need HTTP Digest
  auth; the unauthenticated ``/sparql-graph-crud`` refuses them); Fuseki ``/DS/sparql`` or
  ``/DS/query`` -> ``/DS/data``.  Anything else: ``--store-url``.
- **Terms an engine returns in a non-canonical form** (:func:`normalise_term`):
  ``xsd:boolean`` as ``1``/``0`` (Virtuoso) becomes ``true``/``false`` (the canonical form,
  XML Schema 1.1 part 2, 3.3.2.2); WKT points that Virtuoso re-types as
  ``virtrdf:Geometry`` with single-precision coordinates get ``geo:wktLiteral`` back and each
  coordinate as the shortest decimal that has the same single-precision value (exact for
  coordinates of up to 7 significant digits).
- **Engine-owned graphs**: minelaw counts and lists only its own graphs
  (``https://w3id.org/minelaw/graph/``), so Virtuoso's system graphs (``virtrdf#``, ``ldp#``,
  ``localuriqaserver/sparql``, about 2,500 triples) never count as part of the KB.
"""

from __future__ import annotations

import re
import struct
import urllib.parse

import pyoxigraph as ox

from ..errors import UsageError

XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
WKT_LITERAL = "http://www.opengis.net/ont/geosparql#wktLiteral"
VIRTUOSO_GEOMETRY = "http://www.openlinksw.com/schemas/virtrdf#Geometry"

#: Graph Store paths of a Virtuoso server: writes need Digest auth on the first
VIRTUOSO_GSP = "/sparql-graph-crud-auth"


def engine_of(server_header: str) -> str:
    """``virtuoso``, ``oxigraph``, ``fuseki`` or ``unknown``, from an HTTP ``Server`` header."""
    s = server_header.lower()
    for name, marker in (("virtuoso", "virtuoso"), ("oxigraph", "oxigraph"), ("fuseki", "fuseki")):
        if marker in s:
            return name
    return "unknown"


def store_url_for(query_url: str, engine: str = "unknown") -> str:
    """The Graph Store Protocol URL that belongs to a query endpoint URL.

    With the engine known (``remote.detect``) the engine's layout is used; otherwise only
    Oxigraph server's (``/query`` -> ``/store``) is assumed.
    """
    parts = urllib.parse.urlsplit(query_url)
    path = parts.path

    def url(new_path: str) -> str:
        return urllib.parse.urlunsplit(parts._replace(path=new_path, query=""))

    if engine == "virtuoso" and path.rstrip("/").endswith("/sparql"):
        return url(path.rstrip("/")[: -len("/sparql")] + VIRTUOSO_GSP)
    if engine == "fuseki":
        m = re.fullmatch(r"(/.+?)/(sparql|query)/?", path)
        if m:
            return url(m.group(1) + "/data")
    if engine in ("oxigraph", "unknown") and path.endswith("/query"):
        return url(path[: -len("query")] + "store")
    raise UsageError(
        f"cannot derive the Graph Store URL from {query_url!r}",
        hint="pass --store-url (Oxigraph server: http://HOST:PORT/store; Virtuoso: "
        "http://HOST:8890/sparql-graph-crud-auth; Fuseki: http://HOST:3030/DATASET/data)",
    )


# --- terms ---------------------------------------------------------------------------------
def _f32(x: float) -> float:
    return float(struct.unpack("<f", struct.pack("<f", x))[0])


def _shortest_f32(text: str) -> str:
    """The shortest decimal with the same single-precision value as ``text``."""
    try:
        target = _f32(float(text))
    except (ValueError, OverflowError):
        return text
    for digits in range(1, 10):
        s = f"{target:.{digits}f}".rstrip("0").rstrip(".")
        if _f32(float(s)) == target:
            return s
    return text


_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


Term = ox.NamedNode | ox.BlankNode | ox.Literal | None


def normalise_term(term: Term) -> Term:
    """A term as minelaw's embedded store would give it (see the module docstring)."""
    if not isinstance(term, ox.Literal):
        return term
    dt = term.datatype.value
    if dt == XSD_BOOLEAN and term.value in ("1", "0"):
        return ox.Literal("true" if term.value == "1" else "false", datatype=term.datatype)
    if dt == VIRTUOSO_GEOMETRY:
        wkt = _NUMBER.sub(lambda m: _shortest_f32(m.group(0)), term.value)
        return ox.Literal(wkt, datatype=ox.NamedNode(WKT_LITERAL))
    return term
