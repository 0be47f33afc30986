"""What a SPARQL query may do on minelaw's endpoint, decided before and after parsing.

Implements the checks of DESIGN.md section 7 ("Read-only endpoint ...; ``SERVICE``
federation off unless configured") on the text of a *SPARQL 1.1 Query*
(https://www.w3.org/TR/sparql11-query/):

- **codepoint escapes first** (section 19.2: ``\\uXXXX`` and ``\\UXXXXXXXX`` are replaced
  "before parsing"), so that ``\\u0053ERVICE`` is seen as ``SERVICE``;
- **nesting depth** (:func:`nesting_depth`): groups ``{ }``, brackets ``( )`` and blank
  node property lists ``[ ]`` outside strings, IRIs and comments.  Oxigraph's recursive
  parser overflows its stack on ~5,000 levels (a crash, not an error), so deeper queries
  are refused with a clear message before any engine sees them (:data:`MAX_DEPTH`);
- **SERVICE** is decided on the *parsed* query (:func:`service_patterns`): rdflib's SPARQL
  1.1 grammar (``parseQuery``), whose tree is walked for every ``ServiceGraphPattern``
  (sub-selects, ``EXISTS``, ``OPTIONAL``, ``UNION`` ... included).  A query whose text,
  escapes expanded and case folded, does not contain the letters ``service`` cannot
  hold one, so only such queries pay for the parse.  A query rdflib cannot parse is
  refused with rdflib's message.  Text scanning alone cannot be made safe (escaped
  quotes in prefixed names, comments between tokens), which is why it is never the
  deciding check; the worker processes cannot open network sockets anyway
  (:mod:`minelaw.sparql.sandbox`);
- **light queries** (:func:`is_light`) go to a reserved worker first: ``ASK``, or a short
  ``SELECT`` with a ``LIMIT`` of at most :data:`LIGHT_LIMIT`.  The classification only
  schedules; a light query that runs long is moved to the general workers.
"""

from __future__ import annotations

import re
import sys
import threading
from dataclasses import dataclass
from typing import Any

from ..errors import QueryRefused

#: Deepest nesting of { }, ( ) and [ ] accepted (legitimate queries stay under ~20).
MAX_DEPTH = 128
#: A light query is at most this long (characters) ...
LIGHT_CHARS = 4000
#: ... and, unless it is an ASK, has a LIMIT of at most this many rows.
LIGHT_LIMIT = 1000

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# strings (long and short), IRIs, comments, and backslash escapes in prefixed names
# (PN_LOCAL_ESC: ``ml:x\'`` is a name, not the start of a string)
# possessive repeats (Python 3.11+): a 10 MB string needs no backtracking memory
_SKIP_PATTERN = (
    r'"""[^"\\]*+(?:(?:\\.|"(?!""))[^"\\]*+)*+"""'
    r"|'''[^'\\]*+(?:(?:\\.|'(?!''))[^'\\]*+)*+'''"
    r'|"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"'
    r"|'[^'\\\n]*+(?:\\.[^'\\\n]*+)*+'"
    r'|<[^<>"{}|^`\\\s]*+>|#[^\n]*+|\\.'
)
_SKIP = re.compile(_SKIP_PATTERN, re.DOTALL)
_PROLOGUE = re.compile(r"\s*(?:(?:PREFIX\s+[\w.-]*:|BASE)\s*)", re.IGNORECASE)
_UPDATE_START = re.compile(
    r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.IGNORECASE
)
_FORM = re.compile(r"(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_LIMIT = re.compile(r"\bLIMIT\s+(\d+)\s*(?:OFFSET\s+\d+\s*)?$", re.IGNORECASE)
_HEAVY = re.compile(
    r"\b(ORDER|GROUP|HAVING|SERVICE|DISTINCT|REDUCED)\b"  # sorting, grouping, federation
    r"|[*+]\s*[/)|.;,]"  # property paths of any length
    r"|\{[^{}]*\bSELECT\b",  # sub-selects
    re.IGNORECASE,
)


def expand_escapes(text: str) -> str:
    """Replace ``\\uXXXX`` and ``\\UXXXXXXXX`` as SPARQL 1.1 Query section 19.2 requires."""

    def one(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= sys.maxunicode and not 0xD800 <= code <= 0xDFFF else "\ufffd"

    return _ESCAPE.sub(one, text)


def code_only(text: str) -> str:
    """The query with strings, IRIs, comments and name escapes blanked (keywords stay put)."""

    def blank(m: re.Match[str]) -> str:
        s = m.group(0)
        return "<>" if s.startswith("<") else " "

    return _SKIP.sub(blank, expand_escapes(text))


def nesting_depth(text: str) -> int:
    """The deepest nesting of ``{ ( [`` in the query's code (one linear scan)."""
    depth = deepest = 0
    for ch in code_only(text):
        if ch in "{([":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif ch in "})]" and depth:
            depth -= 1
    return deepest


def check_depth(text: str, limit: int = MAX_DEPTH) -> None:
    """Refuse (400) a query nested deeper than ``limit``."""
    depth = nesting_depth(text)
    if depth > limit:
        raise QueryRefused(
            f"the query is nested {depth} levels deep; the limit is {limit}",
            status=400,
            hint="flatten the query: nested { } groups, ( ) and [ ] add levels",
        )


def _after_prologue(code: str) -> str:
    pos = 0
    while True:
        m = _PROLOGUE.match(code, pos)
        if not m:
            break
        pos = m.end()
        if code.startswith("<>", pos):  # the IRI of PREFIX p: <...> or BASE <...>
            pos += 2
    return code[pos:].lstrip()


def is_update(text: str) -> bool:
    """Does the text start, after its prologue, like a SPARQL 1.1 Update request?"""
    return bool(_UPDATE_START.match(_after_prologue(code_only(text))))


def mentions_service(text: str) -> bool:
    """Could the query hold a SERVICE pattern at all?  (False is certain; True needs a parse.)"""
    return "service" in expand_escapes(text).casefold()


def is_light(text: str) -> bool:
    """A short ASK, or a short SELECT with a small top-level LIMIT and no sorting or grouping."""
    if len(text) > LIGHT_CHARS:
        return False
    code = code_only(text)
    body = _after_prologue(code)
    m = _FORM.match(body)
    if m is None or _HEAVY.search(body):
        return False
    if m.group(1).upper() == "ASK":
        return True
    limit = _LIMIT.search(body.rstrip())
    return (
        m.group(1).upper() == "SELECT" and limit is not None and int(limit.group(1)) <= LIGHT_LIMIT
    )


# --- the parsed query ---------------------------------------------------------------------
@dataclass(frozen=True)
class ServiceUse:
    """One SERVICE pattern found in a parsed query."""

    target: str  # the IRI or variable it names
    silent: bool


def _walk(node: Any, found: list[ServiceUse], seen: set[int]) -> None:
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if isinstance(n, CompValue):
            if n.name == "ServiceGraphPattern":
                text = str(dict.get(n, "service_string", ""))
                found.append(ServiceUse(str(dict.get(n, "term")), "SILENT" in text.upper()[:20]))
            stack.extend(n.values())
        elif isinstance(n, ParseResults | list | tuple):
            stack.extend(n)
        elif isinstance(n, dict):
            stack.extend(n.values())


def _parse_deep(text: str) -> Any:
    """rdflib's parse in a thread with a deep stack (its grammar recurses per level)."""
    from rdflib.plugins.sparql import parser

    box: dict[str, Any] = {}

    def run() -> None:
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old, 60_000))
        try:
            box["tree"] = parser.parseQuery(text)
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc
        finally:
            sys.setrecursionlimit(old)

    size = threading.stack_size()
    threading.stack_size(256 << 20)
    try:
        t = threading.Thread(target=run, name="minelaw-sparql-check", daemon=True)
        t.start()
    finally:
        threading.stack_size(size)
    t.join()
    if "error" in box:
        raise box["error"]
    return box["tree"]


def service_patterns(text: str) -> list[ServiceUse]:
    """Every SERVICE pattern of the query, from rdflib's parse tree; [] when there is none.

    Raises :class:`QueryRefused` (400) with the parser's message when rdflib cannot parse
    the query (it implements SPARQL 1.1 Query; a query it rejects is not run).
    """
    if not mentions_service(text):
        return []
    try:
        tree = _parse_deep(text)
    except RecursionError:
        raise QueryRefused(
            "the query is too complex to be checked for SERVICE", status=400
        ) from None
    except Exception as exc:  # pyparsing.ParseException and friends
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise QueryRefused(
            f"SPARQL syntax error (rdflib's SPARQL 1.1 parser): {msg}",
            status=400,
            hint="this endpoint checks queries that mention SERVICE with rdflib's parser",
        ) from None
    found: list[ServiceUse] = []
    _walk(tree, found, set())
    return found


def refuse_service(text: str) -> None:
    """Raise :class:`QueryRefused` (400) when the parsed query holds a SERVICE pattern."""
    uses = service_patterns(text)
    if uses:
        raise QueryRefused(
            f"SERVICE (federated query) is disabled on this endpoint (the query calls "
            f"{uses[0].target}); start the server with --allow-service to enable it",
            status=400,
        )


__all__ = [
    "MAX_DEPTH",
    "ServiceUse",
    "check_depth",
    "code_only",
    "expand_escapes",
    "is_light",
    "is_update",
    "mentions_service",
    "nesting_depth",
    "refuse_service",
    "service_patterns",
]
