"""The CSV column kinds of the case-frame templates (issue 17): names with their language,
WKT points, a class chosen by a code, a linked second resource, comment rows.

:func:`minelaw.intake.csvmap.convert` on real CSV text (read by the real reader), compared
by isomorphism with the RDF each row must give; bad cells must be reported at their row
and column with what to write.  The shapes' side (a place without a point, a participation
dated before its act) runs through `minelaw validate`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from minelaw.intake import csvmap, formats

PREFIXES = """\
@prefix ml: <https://w3id.org/minelaw/ontology#> .
@prefix mlv: <https://w3id.org/minelaw/vocab/> .
@prefix mlr: <https://w3id.org/minelaw/id/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def _convert(tmp_path: Path, kind: str, text: str) -> csvmap.Converted:
    path = tmp_path / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    table = formats.read_csv(path, path.read_bytes())
    return csvmap.convert(table, csvmap.load_mappings()[kind])


def _graph(triples: list[Any]) -> Graph:
    nt = "".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in triples)
    return Graph().parse(data=nt, format="nt")


GOOD = [
    (
        "place",
        "id,label,names,alt_names,place_kind,located_in,wkt,coordinate_precision\n"
        "# a comment row, skipped\n"
        "place-qqa-north,North District,District du Nord@FR;Nordbezirk@de,Nord@en,district,QQA,"
        "POINT( 10.5  -50.25 ),approximate centroid\n",
        """mlr:place-qqa-north a ml:Place ; dcterms:identifier "place-qqa-north" ;
            skos:prefLabel "North District"@en , "District du Nord"@fr , "Nordbezirk"@de ;
            skos:altLabel "Nord"@en ; ml:placeKind mlv:place-kind-district ;
            ml:locatedIn mlr:QQA ; geo:hasGeometry mlr:geom-qqa-north .
        mlr:geom-qqa-north a geo:Geometry ; dcterms:identifier "geom-qqa-north" ;
            geo:asWKT "POINT(10.5 -50.25)"^^geo:wktLiteral ;
            ml:coordinatePrecision "approximate centroid" .""",
    ),
    (
        "conflict",
        "id,label,parties,start,classification,classified_from,source,verification\n"
        "conflict-qq,Q war,QQA;QQB,2015-01-10,NIAC,2015-02-01,src-x,secondary\n",
        """mlr:conflict-qq a ml:ArmedConflict ; dcterms:identifier "conflict-qq" ;
            skos:prefLabel "Q war"@en ; ml:partyToConflict mlr:QQA , mlr:QQB ;
            ml:start "2015-01-10"^^xsd:date ; dcterms:source mlr:src-x ;
            ml:verification mlv:verification-secondary .
        mlr:classification-conflict-qq a ml:ConflictClassification ;
            dcterms:identifier "classification-conflict-qq" ; ml:classifies mlr:conflict-qq ;
            ml:conflictType mlv:conflict-type-NIAC ; ml:start "2015-02-01"^^xsd:date ;
            dcterms:source mlr:src-x ; ml:verification mlv:verification-secondary .""",
    ),
    (
        "state",
        "id,label,names\nQQA,Qaland,Qalande@fr\n",
        """mlr:QQA a ml:State ; dcterms:identifier "QQA" ; ml:iso3166Alpha3 "QQA" ;
            skos:prefLabel "Qaland"@en , "Qalande"@fr ; rdfs:label "Qaland"@en .""",
    ),
    (
        "actor",
        "id,actor_type,label,affiliated_with\nperson-qq-one,person,Q One,org-qq\n",
        """mlr:person-qq-one a ml:Actor , ml:Person ; dcterms:identifier "person-qq-one" ;
            skos:prefLabel "Q One"@en ; rdfs:label "Q One"@en ; ml:affiliatedWith mlr:org-qq .""",
    ),
]


@pytest.mark.parametrize(("kind", "csv", "turtle"), GOOD, ids=[g[0] for g in GOOD])
def test_rows_give_the_resources(tmp_path: Path, kind: str, csv: str, turtle: str) -> None:
    out = _convert(tmp_path, kind, csv)
    assert out.problems == []
    assert isomorphic(_graph(out.triples), Graph().parse(data=PREFIXES + turtle, format="turtle"))


BAD = [
    ("place", "names", "Nord", "Nord' is not a name with its language", "Qaville@fr"),
    ("place", "names", "Nord@", "is not a name with its language", "'@'"),
    ("place", "names", "@fr", "is not a name with its language", "language code"),
    ("place", "wkt", "POINT(10)", "is not a WKT point", "longitude first"),
    ("place", "wkt", "10.5 50.25", "is not a WKT point", "POINT(longitude latitude)"),
    ("place", "wkt", "POINT(50.25 100.5)", "outside the globe", "longitude first"),
    ("actor", "actor_type", "company", "'company' is not one of the choices", "person"),
]


@pytest.mark.parametrize(("kind", "column", "value", "message", "hint"), BAD)
def test_bad_cells_are_located(
    tmp_path: Path, kind: str, column: str, value: str, message: str, hint: str
) -> None:
    m = csvmap.load_mappings()[kind]
    row = {c.name: c.example for c in m.columns} | {column: value}
    quoted = ",".join(f'"{row[c]}"' for c in m.names)
    out = _convert(tmp_path, kind, ",".join(m.names) + "\n# example\n" + quoted + "\n")
    [p] = out.problems
    assert (p.line, p.column) == (3, column)
    assert message in p.message and hint in (p.hint or "")


def test_linked_resource_only_when_its_cells_are_filled(tmp_path: Path) -> None:
    head = "id,label,place_kind,located_in,wkt,coordinate_precision\n"
    out = _convert(tmp_path, "place", head + "place-qq,Q,district,QQA,,\n")
    assert not any("geom-" in str(t.subject) for t in out.triples)
    assert [(p.line, p.column) for p in out.problems] == [(2, "wkt"), (2, "coordinate_precision")]


def test_template_example_rows_are_comments(run_cli: Any) -> None:
    res = run_cli("template", "place")
    header, example = res.stdout.splitlines()
    assert header.startswith("id,label,names") and example.startswith("# place-example-district")
    plain = run_cli("template", "state", "--example")
    assert plain.stdout.splitlines()[1:] == [
        "QQA,Qaland,Qalande@fr;Qaland@de,Republic of Qaland@en",
        "QQB,Qbland,Qbland@fr,",
    ]


def test_shapes_report_rows_of_the_new_kinds(run_cli: Any, tmp_path: Path) -> None:
    """Entry shapes on the new kinds, each problem at its file, row and column (beside the
    templates' examples of what they refer to: QQA, a source, a conflict)."""
    files = {
        f"{k}.csv": run_cli("template", k, "--example").stdout
        for k in ("state", "actor", "source", "conflict")
    } | {
        "places.csv": "id,label,names,place_kind,located_in,wkt,coordinate_precision\n"
        "place-qq-a,A,A1@fr;A2@fr,district,QQA,POINT(1 2),centroid\n"
        "place-qq-b,B,,district,QQA,,\n",
        "part.csv": "id,state,treaty,act,act_date,in_force_from,source,verification\n"
        "part-QQA-x,QQA,APMBC-1997,ratification,2003-09-01,2002-03-01,src-example-ngo-report-2023,"
        "secondary\n"
        "part-QQA-y,QQA,APMBC-1997,ratification,2001-09-01,2002-03-01,src-example-ngo-report-2023,"
        "secondary\n",
        "phases.csv": "id,conflict,start,end,source,verification\n"
        "phase-qq,conflict-example,2016-01-01,2015-01-01,src-example-ngo-report-2023,secondary\n"
        "phase-qq-2,conflict-none,2015-01-01,2016-01-01,src-example-ngo-report-2023,secondary\n",
    }
    paths = []
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(str(tmp_path / name))
    res = run_cli("validate", "--format", "json", *paths)
    assert res.exit_code == 1, res.output
    got = {
        (Path(f["path"]).name, p["line"], p["column"], p["message"][:40])
        for f in json.loads(res.stdout)["files"]
        for p in f["problems"]
    }
    want = {
        ("places.csv", 2, "label", "A place needs an English skos:prefLabel "),
        ("places.csv", 3, "wkt", "'wkt' is required but empty"),
        ("part.csv", 2, "act_date", "ml:actDate is after the treaty's entry i"),
        ("phases.csv", 2, "start", "The phase's ml:start is after its ml:end"),
        ("phases.csv", 3, "conflict", "ml:conflict refers to mlr:conflict-none,"),
    }
    assert want <= got, "\n".join(map(str, sorted(got)))
    assert not any(name == "part.csv" and line == 3 for name, line, _, _ in got)
    assert {name for name, *_ in got} == {"places.csv", "part.csv", "phases.csv"}
    # one message per cell: the empty point is not reported again by the place's shape
    cells = [(n, line, col) for n, line, col, _ in got]
    assert len(cells) == len(set(cells)), sorted(got)
