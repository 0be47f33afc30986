"""Comparing answers across SPARQL engines: what may differ and what may not (issue 21).

Rows are compared exactly (N-Triples form of every term), with only these allowances, each
because SPARQL 1.1 leaves the point open:

- the order of rows when the query has no ``ORDER BY`` (section 15.1), and the order of rows
  that tie on every ``ORDER BY`` key;
- the order of the values ``GROUP_CONCAT`` joins (section 18.5.1.7 fixes none), with the
  separators ``" "`` and ``"; "``;
- blank node labels (section 4.1.4: scoped to one result).
"""

from __future__ import annotations

import re
from typing import Any

import pyoxigraph as ox

_ORDER = re.compile(r"\bORDER\s+BY\s+(.*?)(?:\bLIMIT\b|\bOFFSET\b|\Z)", re.IGNORECASE | re.DOTALL)


def order_keys(sparql: str, variables: list[str]) -> list[str] | None:
    """The projected variables the query orders by (outermost ORDER BY), None without one.

    ``STR(?v)`` counts as the key ``v`` (the saved queries order identifiers that way: Virtuoso
    orders some plain literals wrongly, docs/team-server.md difference 43).  Other expressions
    and variables not projected end the list: rows that tie on the keys before them may come
    in any order."""
    body = re.sub(r"#[^\n]*", "", sparql)
    found = list(_ORDER.finditer(body))
    if not found:
        return None
    keys = []
    for tok in re.findall(
        r"(?:ASC|DESC)?\s*\(\s*(?:STR\s*\(\s*)?[?$]\w+\s*\)?\s*\)|[?$]\w+|\S+",
        found[-1].group(1),
        re.IGNORECASE,
    ):
        m = re.fullmatch(
            r"(?:(?:ASC|DESC|STR)\s*\(\s*)?(?:STR\s*\(\s*)?[?$](\w+)\s*\)?\s*\)?",
            tok.strip(),
            re.IGNORECASE,
        )
        if not m or m.group(1) not in variables:
            break
        keys.append(m.group(1))
    return keys


def cell(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return "_:b"
    if isinstance(term, ox.Literal) and " " in term.value:
        # GROUP_CONCAT order is engine-defined: compare the multiset of tokens (the saved
        # queries join with " " or "; ")
        tokens = term.value.replace("; ", " ").split(" ")
        return " ".join(sorted(tokens)) + f"^^{term.datatype}@{term.language}"
    return str(term)


def comparable(res: Any, sparql: str) -> tuple[Any, ...]:
    """A value that is equal for two results exactly when they agree up to the allowances."""
    if res.kind == "ask":
        return ("ask", res.boolean)
    if res.kind == "graph":
        return (
            "graph",
            sorted((cell(t.subject), cell(t.predicate), cell(t.object)) for t in res.triples),
        )
    rows = [tuple(cell(r.get(v)) for v in res.variables) for r in res.rows]
    keys = order_keys(sparql, res.variables) or []
    idx = [res.variables.index(k) for k in keys]
    # the sequence of ORDER BY key values must agree; within ties, any order
    sequence = [tuple(row[i] for i in idx) for row in rows]
    return ("select", tuple(res.variables), sorted(rows), sequence)
