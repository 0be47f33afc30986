"""The web pages of ``minelaw serve`` (the SPARQL protocol itself is in
:mod:`minelaw.sparql.endpoint`).

- ``/``: YASGUI (vendored under ``static/yasgui``, MIT; nothing is fetched from a CDN)
  talking to ``/sparql``, with the saved queries (``queries/*.rq``) listed beside it;
  opening one binds its parameters on the server (:func:`minelaw.sparql.query.bind`) and
  opens it in a new tab;
- ``/api/queries`` (JSON list) and ``/api/queries/<name>?param=value`` (bound text);
- ``/findings``: the candidate breaches, each linking to ``/briefs/<id>.html``;
- ``/validate``: upload one or several entry files (a source and the incident that cites
  it) and read ``minelaw validate``'s problems per file (row, column, field, message, fix),
  as a page or, with ``Accept: application/json``, as the ``minelaw-validate/1`` report;
  nothing is written.

The findings, the briefs and the validation come from the floors above this one
(:mod:`minelaw.reasoning`, :mod:`minelaw.briefs`, :mod:`minelaw.intake`):
``minelaw serve`` (:mod:`minelaw.cli.endpoint`) passes them in as callables, and a page
whose callable is missing answers 503.

Templates are Jinja2 with autoescaping on (DESIGN.md section 7: evidence text is
untrusted); every page is sent with a Content-Security-Policy that allows scripts
and styles from this server only.
"""

from __future__ import annotations

import json
import mimetypes
import re
from collections.abc import Callable, Iterable
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any

from ..errors import MinelawError
from .http import Answer, _text

STATIC = Path(__file__).resolve().parent / "static"
_SERVED = ("yasgui", "ui")  # sub-folders of static/ that are served (templates are not)
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'"
)
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,200}")

#: store -> the findings (:func:`minelaw.reasoning.findings.compute`)
Findings = Callable[[Any], Iterable[Any]]
#: (finding, store) -> an HTML brief (:func:`minelaw.briefs.render.render_html`)
BriefHtml = Callable[[Any, Any], str]
#: ([(shown file name, suffix, content)], authorised?) -> ``minelaw validate --format json``'s
#: report (files named by their shown names), or an Answer when the validation could not run
#: (timeout, worker failure)
Validate = Callable[[list[tuple[str, str, bytes]], bool], "dict[str, Any] | Answer"]
#: most files in one /validate upload
MAX_FILES = 20
_SUFFIXES = (".ttl", ".jsonld", ".json", ".csv")


class WebUI:
    """Routes of the web interface; each returns an :class:`~minelaw.sparql.http.Answer`."""

    def __init__(
        self,
        store: Any,
        kb: Path,
        *,
        findings: Findings | None = None,
        brief_html: BriefHtml | None = None,
        validate: Validate | None = None,
        max_upload: int = 10 << 20,
    ) -> None:
        from jinja2 import Environment, FileSystemLoader, select_autoescape

        from .. import __version__

        self.store = store
        self.kb = kb
        self.max_upload = max_upload  # bytes per uploaded entry file
        self.env = Environment(
            loader=FileSystemLoader(str(STATIC / "templates")),
            autoescape=select_autoescape(default=True, default_for_string=True),
        )
        self.env.globals["version"] = __version__
        self._findings: list[Any] | None = None
        self._compute = findings
        self._brief_html = brief_html
        self._validate = validate

    # -- helpers ---------------------------------------------------------------------------
    def page(self, template: str, status: int = 200, **ctx: Any) -> Answer:
        html = self.env.get_template(template).render(**ctx)
        return Answer(
            status,
            "text/html; charset=utf-8",
            html.encode(),
            {"Content-Security-Policy": CSP, "Referrer-Policy": "no-referrer"},
        )

    def not_found(self, what: str) -> Answer:
        return self.page("message.html", 404, title="Not found", message=what)

    def _json(self, obj: object) -> Answer:
        return Answer(200, "application/json", json.dumps(obj, ensure_ascii=False).encode())

    # -- GET ---------------------------------------------------------------------------------
    def get(self, path: str, params: dict[str, list[str]]) -> Answer:
        if path in ("/", "/index.html"):
            return self.page("index.html", queries=self._queries())
        if path.startswith("/static/"):
            return self.static(path[len("/static/") :])
        if path == "/api/queries":
            return self._json(self._queries())
        if path.startswith("/api/queries/"):
            return self.bound_query(path[len("/api/queries/") :], params)
        if path == "/findings":
            return self.findings_page()
        m = re.fullmatch(r"/briefs/(.+)\.html", path)
        if m:
            return self.brief(m.group(1))
        if path == "/validate":
            return self.page("validate.html", available=self._validate is not None)
        if path == "/favicon.ico":
            return Answer(204, "image/x-icon", b"")
        return self.not_found(f"There is no page at {path}.")

    def post(
        self, path: str, ctype: str, headers: Any, body: bytes, authorised: bool = False
    ) -> Answer:
        if path == "/validate":
            return self.validate(ctype, headers, body, authorised)
        return _text(405, "POST is accepted at /sparql and /validate only")

    def static(self, rel: str) -> Answer:
        parts = Path(rel).parts
        if not parts or parts[0] not in _SERVED or ".." in parts:
            return _text(404, "not found")
        path = (STATIC / rel).resolve()
        if not path.is_file() or STATIC.resolve() not in path.parents:
            return _text(404, "not found")
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype == "application/javascript":
            ctype += "; charset=utf-8"
        return Answer(200, ctype, path.read_bytes(), {"Cache-Control": "max-age=3600"})

    # -- saved queries ---------------------------------------------------------------------
    def _queries(self) -> list[dict[str, Any]]:
        from .query import saved_queries

        return [
            {
                "name": q.name,
                "title": q.title or q.name,
                "description": q.description,
                "params": [
                    {
                        "name": p.name,
                        "type": p.type,
                        "description": p.description,
                        "input": {"date": "date", "number": "number"}.get(p.input_kind, "text"),
                    }
                    for p in q.params
                ],
            }
            for q in saved_queries().values()
        ]

    def bound_query(self, name: str, params: dict[str, list[str]]) -> Answer:
        """The text of a saved query with its parameters bound; unbound (as $vars) if none given."""
        from .query import bind, saved_queries

        saved = saved_queries()
        if name not in saved:
            return _text(404, f"no saved query {name!r}")
        q = saved[name]
        values = {k: v[0] for k, v in params.items() if v and v[0] != ""}
        try:
            text = bind(q, values, self.store) if values else q.text
        except MinelawError as exc:
            return _text(400, str(exc))
        return Answer(200, "application/sparql-query; charset=utf-8", _with_header(text).encode())

    # -- findings and briefs -----------------------------------------------------------------
    def _compute_findings(self) -> list[Any] | None:
        if self._compute is None:
            return None
        if self._findings is None:  # the KB of a running server does not change
            self._findings = list(self._compute(self.store))
        return self._findings

    def findings_page(self) -> Answer:
        findings = self._compute_findings()
        if findings is None:
            return self.page(
                "message.html",
                503,
                title="Findings",
                message="Findings are not available in this version of minelaw "
                "(the server was started without them).",
            )
        rows = [f.to_json() for f in findings]
        return self.page("findings.html", findings=rows)

    def brief(self, fid: str) -> Answer:
        if not _ID.fullmatch(fid):
            return self.not_found("No such finding.")
        findings = self._compute_findings()
        if findings is None or self._brief_html is None:
            return self.page(
                "message.html", 503, title="Briefs", message="Briefs are not available yet."
            )
        for f in findings:
            if f.to_json().get("id") == fid:
                html = self._brief_html(f, self.store)
                return Answer(
                    200,
                    "text/html; charset=utf-8",
                    html.encode(),
                    {"Content-Security-Policy": CSP},
                )
        return self.not_found(f"No finding with the identifier {fid}.")

    # -- validation --------------------------------------------------------------------------
    def validate(self, ctype: str, headers: Any, body: bytes, authorised: bool = False) -> Answer:
        """Check the uploaded entries together in the validation worker; nothing is written.

        Several files are validated together, as ``minelaw validate A B`` does: they may refer
        to each other.  Without the bearer token the upload is checked against the *public*
        view of the KB only: a restricted identifier is as free as any unused one (issue 18).
        """
        if self._validate is None:
            return self.page("validate.html", 503, available=False)
        if ctype != "multipart/form-data":
            return _text(415, "upload the files as multipart/form-data (field 'file')")
        uploads = _multipart_files(headers.get("Content-Type", ""), body)
        error = None
        if not uploads:
            error = "Choose a file first."
        elif len(uploads) > MAX_FILES:
            error = f"Upload at most {MAX_FILES} files at once."
        elif bad := [n for n, _ in uploads if Path(n).suffix.lower() not in _SUFFIXES]:
            error = (
                f"{', '.join(bad)}: upload Turtle (.ttl), JSON-LD (.jsonld) or CSV (.csv) files."
            )
        if error:
            return self.page("validate.html", 400, available=True, error=error)
        names = [n for n, _ in uploads]
        try:
            result = self._validate(
                [(n, Path(n).suffix.lower(), c) for n, c in uploads], authorised
            )
        except MinelawError as exc:
            result = {"ok": False, "files": [], "error": str(exc)}
        if isinstance(result, Answer):
            error = result.body.decode("utf-8", "replace").strip()
            return self.page(
                "validate.html", result.status, available=True, names=names, error=error
            )
        if "application/json" in (headers.get("Accept") or ""):
            return self._json(result)
        return self.page(
            "validate.html", available=True, names=names, report=result, error=result.get("error")
        )


def _with_header(text: str) -> str:
    """The query with its ``#`` header first, then the PREFIX lines it needs, then the body."""
    from ..namespaces import PREFIXES

    lines = text.splitlines(keepends=True)
    n = 0
    while n < len(lines) and lines[n].startswith("#"):
        n += 1
    body = "".join(lines[n:])
    used = [p for p in PREFIXES if re.search(rf"(?<![\w-]){re.escape(p)}:", body)]
    prefixes = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in used)
    return "".join(lines[:n]) + prefixes + body


def _multipart_files(content_type: str, body: bytes) -> list[tuple[str, bytes]]:
    """The non-empty file fields of a multipart/form-data body: [(client file name, bytes)]."""
    msg = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    if not msg.is_multipart():
        return []
    out = []
    for part in msg.iter_parts():
        assert isinstance(part, Message)
        name = part.get_filename()
        if name:
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes) and payload:
                out.append((Path(name).name, payload))
    return out
