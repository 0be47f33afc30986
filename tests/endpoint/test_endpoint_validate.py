"""`/validate` of several files at once, on a real `minelaw serve` process (issue 17).

Two files posted in one multipart request, validated together as `minelaw validate A B`
does (the incident may cite the source uploaded beside it): each file is reported on its
own, by its uploaded name, with row, column, field and message; the page shows the same per
file; nothing is written to the KB.
"""

from __future__ import annotations

import json

from .endpoint_support import DATA, Server
from .test_endpoint_protocol import request

SOURCE = b"""\
@prefix ml: <https://w3id.org/minelaw/ontology#> .
@prefix mlv: <https://w3id.org/minelaw/vocab/> .
@prefix mlr: <https://w3id.org/minelaw/id/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
mlr:src-upload-report a ml:Source ; dcterms:identifier "src-upload-report" ;
    dcterms:title "Report on an incident" ; dcterms:publisher mlr:XYZ ;
    ml:sourceKind mlv:source-kind-ngo-report ;
    ml:url "https://example.org/upload-report.pdf"^^xsd:anyURI ;
    dcterms:issued "2023-04-04"^^xsd:date ; dcterms:language "en" ;
    ml:reliability mlv:reliability-B ; ml:credibility mlv:credibility-2 ;
    ml:accessed "2023-05-01"^^xsd:date ; ml:preservation mlv:preservation-not-preserved .
"""
# cites the source above (resolved: validated together); one bad date, one unknown place
INCIDENT = (
    b"id,label,date,date_precision,place,device_type,injured,source,verification\n"
    b"ev-upload-1,Mine incident,2023-13-01,day,place-nowhere,anti-personnel-mine,1,"
    b"src-upload-report,secondary\n"
)


def _multipart(files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "----minelaw-test-boundary"
    body = b""
    for name, content in files:
        body += (
            (
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + content
            + b"\r\n"
        )
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _post(server: Server, files: list[tuple[str, bytes]], accept: str = "text/html") -> tuple:
    data, ctype = _multipart(files)
    headers = {"Content-Type": ctype, "Accept": accept}
    return request(server.url + "/validate", data=data, headers=headers)


def test_two_files_reported_each(protocol_server: Server) -> None:
    before = sorted(p.name for p in (DATA / "kb-minimal").rglob("*"))
    status, headers, body = _post(
        protocol_server, [("source.ttl", SOURCE), ("incidents.csv", INCIDENT)], "application/json"
    )
    assert status == 200, body[:500]
    assert headers["Content-Type"].startswith("application/json")
    doc = json.loads(body)
    assert doc["schema"] == "minelaw-validate/1" and doc["ok"] is False
    source, incidents = doc["files"]
    assert (source["path"], source["status"], source["problems"]) == ("source.ttl", "valid", [])
    assert incidents["path"] == "incidents.csv" and incidents["status"] == "invalid"
    got = {(p["line"], p["column"], p["field"]) for p in incidents["problems"]}
    assert {(2, "date", "ml:date"), (2, "place", "ml:place")} <= got, incidents["problems"]
    assert not [p for p in incidents["problems"] if p["column"] == "source"]  # cites file 1
    assert "/tmp/" not in body.decode()  # the worker's paths never show
    assert sorted(p.name for p in (DATA / "kb-minimal").rglob("*")) == before  # nothing added


def test_the_page_shows_each_file(protocol_server: Server) -> None:
    status, _, body = _post(protocol_server, [("source.ttl", SOURCE), ("incidents.csv", INCIDENT)])
    page = body.decode()
    assert status == 200, page[:500]
    assert "2 file(s):\n1 valid, 1 not valid." in page
    assert '<section class="validated" data-file="source.ttl" data-status="valid">' in page
    assert '<section class="validated" data-file="incidents.csv" data-status="invalid">' in page
    assert "<td>2</td><td>date</td><td>mlr:ev-upload-1</td>" in page
    assert "is not a date in the form YYYY-MM-DD" in page or "not a real date" in page


def test_one_bad_file_name_refuses_the_upload(protocol_server: Server) -> None:
    status, _, body = _post(protocol_server, [("source.ttl", SOURCE), ("notes.txt", b"hello")])
    assert status == 400 and b"notes.txt: upload Turtle (.ttl)" in body


def test_a_single_file_still_works(protocol_server: Server) -> None:
    status, _, body = _post(protocol_server, [("source.ttl", SOURCE)], "application/json")
    assert status == 200 and json.loads(body)["ok"] is True
