"""Namespaces and IRI conventions of minelaw (DESIGN.md section 3, "Stable identifiers").

- ``ML``: the ontology (classes and properties);
- ``MLV``: controlled vocabularies (SKOS concepts ``mlv:<scheme>-<code>``);
- ``MLR``: resources of the knowledge base, ``mlr:<identifier>`` where the
  identifier is the stable ``dcterms:identifier`` (``API-1977``, ``CIHL-R83``,
  ``QQA``);
- ``GRAPH``: named graphs, ``graph:<path of the file relative to its root>``.
"""

from __future__ import annotations

ML = "https://w3id.org/minelaw/ontology#"
MLV = "https://w3id.org/minelaw/vocab/"
MLR = "https://w3id.org/minelaw/id/"
GRAPH = "https://w3id.org/minelaw/graph/"

INFERRED_GRAPH = GRAPH + "inferred"
#: what restricted files add to the inferences; hidden like the restricted files
INFERRED_RESTRICTED_GRAPH = GRAPH + "inferred-restricted"
FINDINGS_GRAPH = GRAPH + "findings"

PREFIXES: dict[str, str] = {
    "ml": ML,
    "mlv": MLV,
    "mlr": MLR,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "sh": "http://www.w3.org/ns/shacl#",
}


def sparql_prefixes() -> str:
    """The PREFIX block prepended to minelaw's own queries."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def graph_iri(kind: str, relpath: str) -> str:
    """The named graph of a file: ``graph:<kind>/<relpath>`` (posix separators)."""
    return f"{GRAPH}{kind}/{relpath}"
