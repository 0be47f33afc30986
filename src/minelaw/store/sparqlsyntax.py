"""SPARQL syntax errors told in the user's own terms (SPARQL 1.1 Query, section 19 grammar).

Oxigraph reports a syntax error as ``error at LINE:COLUMN: expected one of ...``, where the
expectation lists every token its parser could have taken next -- character classes included,
written as Rust ranges (``['A' ..= 'Z' | '\\u{00C0}'..='\\u{00D6}' | ...]``) -- and the position
counts the ``PREFIX`` lines minelaw prepends.  :func:`explain` turns that into the position in
the query as the user wrote it, the line with a caret under the offending text, and a short
expectation: quoted tokens and keywords, character classes summarised ("a name"), an unknown
prefix named as such.
"""

from __future__ import annotations

import re

from ..namespaces import PREFIXES, sparql_prefixes

_AT = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.DOTALL)
_ITEM = re.compile(r'"(?:[^"\\]|\\.)*"|\[(?:[^\]\'\\]|\'(?:[^\'\\]|\\.)*\'|\\.)*\]|[^,\s][^,]*')
MAX_EXPECTED = 8


def _expected(text: str) -> tuple[list[str], bool]:
    """The expected tokens in plain words, and whether an unknown prefix was the problem."""
    items, unknown_prefix = [], False
    for m in _ITEM.finditer(text.replace("\n", " ")):
        tok = m.group(0).strip()
        if not tok:
            continue
        if tok == "Prefix not found":
            unknown_prefix = True
        elif tok.startswith("["):
            if "'A'" in tok and "'Z'" in tok:
                items.append("a name")
            elif "'0'" in tok and "'9'" in tok:
                items.append("a letter or digit")
            elif tok != "[_]":
                chars = re.findall(r"'((?:[^'\\]|\\.)+)'", tok)
                items.extend(_quote(c.replace("\\\\", "\\")) for c in chars)
        elif tok.startswith('"'):
            items.append(_quote(tok[1:-1].replace('\\"', '"').replace("\\\\", "\\")))
        else:
            items.append(tok)
    out: list[str] = []
    for i in items:  # keep the order, once each
        if i not in out:
            out.append(i)
    return out, unknown_prefix


def _quote(token: str) -> str:
    return f"'{token}'" if '"' in token else f'"{token}"'


_VAGUE = ("a name", "a letter or digit")


def _prefixed_name_before(line: str, col: int) -> tuple[str, int] | None:
    """The prefix of the prefixed name that ends at (or just before) column ``col``, and the
    0-based index where that name starts."""
    head = line[: max(col - 1, 0)].rstrip()
    m = re.search(r"([A-Za-z][\w.-]*)?:[\w.%-]*$", head)
    return (m.group(1) or "", m.start()) if m else None


def own_line(line_no: int, offset: int) -> int:
    """The line number in the author's text of line ``line_no`` of the text sent."""
    return line_no - offset


def explain(message: str, query: str, offset: int | None = None) -> str:
    """A SPARQL syntax error message located in ``query`` as its author wrote it.

    ``message`` is the parser's message (``error at L:C: ...``); ``offset`` the number of lines
    put before the author's text (by default: minelaw's PREFIX block when ``query`` starts with
    it).  A message of another shape is returned unchanged.
    """
    m = _AT.search(message)
    if m is None:
        return message
    line_no, col, rest = int(m.group(1)), int(m.group(2)), m.group(3).strip()
    if offset is None:
        head = sparql_prefixes()
        offset = head.count("\n") if query.startswith(head) else 0
    lines = query.splitlines()
    text = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
    expected, unknown_prefix = _expected(
        rest.removeprefix("expected one of").removeprefix("expected")
    )
    if unknown_prefix:
        name = _prefixed_name_before(text, col)
        what = f"unknown prefix '{name[0]}:'" if name else "a prefix that is not declared"
        say = f"{what}; minelaw declares {', '.join(PREFIXES)} -- declare others with PREFIX"
        if name:
            col = name[1] + 1
    elif "\\u" in " ".join(expected) and len(expected) <= 5:
        say = "a string is not closed: expected its closing quote"
    elif expected and set(expected) <= {"LATERAL", "SERVICE"}:
        # the parser gave up on a triple pattern and lists only the keywords it tried last
        say = "an incomplete triple pattern: expected subject, predicate and object"
    elif expected == ["DESCRIBE"] and own_line(line_no, offset) == 1:
        say = "expected a query form: SELECT, CONSTRUCT, ASK or DESCRIBE"
    elif expected:
        tokens = [e for e in expected if e not in _VAGUE]
        shown = tokens[:MAX_EXPECTED]
        more = len(tokens) - len(shown)
        shown += [e for e in expected if e in _VAGUE]
        say = (
            "expected "
            + (", ".join(shown[:-1]) + " or " + shown[-1] if len(shown) > 1 else shown[0])
            + (f" (or {more} more)" if more > 0 else "")
        )
    else:
        say = "unexpected text"
    own = line_no - offset
    where = (
        f"line {own}, column {col}"
        if own > 0
        else f"line {line_no}, column {col} (of the prefixes minelaw adds)"
    )
    found = text[col - 1 : col + 19].strip() if 0 < col <= len(text) else ""
    if found:
        where += f" at {found!r}"
    elif line_no >= len(lines) or not "".join(lines[line_no:]).strip():
        where += " at the end of the query"
    else:
        where += " at the end of the line"
    out = f"SPARQL syntax error at {where}: {say}"
    if text.strip():
        shown_line = text.rstrip()
        caret_at = min(max(col - 1, 0), len(shown_line))
        if len(shown_line) > 100:  # long lines: a window around the column
            cut = max(0, caret_at - 50)
            shown_line = ("..." if cut else "") + shown_line[cut : cut + 100]
            caret_at = caret_at - cut + (3 if cut else 0)
        out += f"\n  {shown_line}\n  {' ' * caret_at}^"
    return out
