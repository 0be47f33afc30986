"""The web UI's pages render untrusted KB text escaped (issue 22, item 5; DESIGN.md section 7).

The real :class:`~minelaw.sparql.webui.WebUI` with its real Jinja2 templates renders
findings whose labels are hostile HTML; the findings themselves come from a stand-in
callable (the reasoning floor is tested elsewhere), exactly as `minelaw serve` passes
them in.  A second test uploads an entry with hostile values to a real server.
"""

from __future__ import annotations

import html.parser
from pathlib import Path
from typing import Any

import pytest

from minelaw.sparql.webui import WebUI

from .endpoint_support import Server
from .test_endpoint_protocol import _multipart, request

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "<svg/onload=alert(3)>",
    "javascript:alert(4)",
    "{{ 7*7 }}",
]


class _Finding:
    def __init__(self, label: str, n: int) -> None:
        self.label, self.n = label, n

    def to_json(self) -> dict[str, Any]:
        return {
            "id": f"CIHL-R83--QQA--place-{self.n}",
            "duty_bearer": {"id": "QQA", "label": self.label},
            "norm": {"id": "CIHL-R83", "label": self.label},
            "period": {"start": self.label, "end": None},
            "standard_of_proof": self.label,
        }


class _Tags(html.parser.HTMLParser):
    """Every start tag and attribute the browser would build from the page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _tags(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    return parser


@pytest.fixture()
def ui() -> WebUI:
    found = [_Finding(label, n) for n, label in enumerate(HOSTILE)]
    return WebUI(object(), Path("."), findings=lambda store: found)


def test_findings_page_escapes_hostile_labels(ui: WebUI) -> None:
    ans = ui.get("/findings", {})
    assert ans.status == 200
    page = ans.body.decode()
    tags = _tags(page)
    assert not [t for t, _ in tags.tags if t in ("script", "img", "svg")]
    assert not [a for _, attrs in tags.tags for a, _ in attrs if a.startswith("on")]
    for label in HOSTILE[:3]:
        assert label not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "{{ 7*7 }}" in page and "49" not in page  # data is never a template
    assert "default-src 'self'" in ans.headers["Content-Security-Policy"]


def test_brief_links_use_the_escaped_identifier(ui: WebUI) -> None:
    page = ui.get("/findings", {}).body.decode()
    hrefs = [v for t, attrs in _tags(page).tags if t == "a" for a, v in attrs if a == "href"]
    briefs = [h for h in hrefs if h and h.startswith("/briefs/")]
    assert briefs == [f"/briefs/CIHL-R83--QQA--place-{n}.html" for n in range(len(HOSTILE))]


def test_unknown_pages_escape_the_path(ui: WebUI) -> None:
    ans = ui.get("/<script>alert(5)</script>", {})
    assert ans.status == 404
    assert b"<script>alert(5)" not in ans.body and b"&lt;script&gt;alert(5)" in ans.body


def test_validate_messages_escape_hostile_values(protocol_server: Server) -> None:
    ttl = (
        b"@prefix ml: <https://w3id.org/minelaw/ontology#> .\n"
        b"@prefix mlr: <https://w3id.org/minelaw/id/> .\n"
        b"@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        b"@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        b'mlr:ev-x a ml:Event ; dcterms:identifier "ev-x" ;\n'
        b'  ml:date "<script>alert(6)</script>"^^xsd:date ;\n'
        b'  ml:url "https://x.example/\\"><img src=x onerror=alert(7)>"^^xsd:anyURI .\n'
    )
    data, ctype = _multipart("entry.ttl", ttl)
    status, _, body = request(
        protocol_server.url + "/validate", data=data, headers={"Content-Type": ctype}
    )
    page = body.decode()
    assert status == 200, page[:500]
    assert "not a date in the form YYYY-MM-DD" in page
    assert "<script>alert(6)" not in page and "&lt;script&gt;alert(6)" in page
    assert not [t for t, _ in _tags(page).tags if t in ("script", "img")]
