"""What the SPARQL server and its web pages send back for one request: :class:`Answer`.

Shared by :mod:`minelaw.sparql.endpoint` (the SPARQL 1.1 Protocol) and
:mod:`minelaw.sparql.webui` (the pages), so that neither imports the other back.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Answer:
    """What a worker (or the server itself) answers to one query request."""

    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _text(status: int, message: str, **headers: str) -> Answer:
    return Answer(status, "text/plain; charset=utf-8", (message + "\n").encode(), headers)
