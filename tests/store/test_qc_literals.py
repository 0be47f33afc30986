"""The datatype QC of the preflight flags exactly the ill-formed typed literals.

``rules/qc/ill-formed-literal-violation.rq`` tells an ill-formed literal by its lack of a value
(YEAR, ``+`` and the effective boolean value are errors on it) rather than by casting its
string (issue 19: the cast made the whole-store scan twice as slow); both read the same
literals as ill-formed, the edge cases included.
"""

from __future__ import annotations

import pyoxigraph as ox

from minelaw.namespaces import sparql_prefixes
from minelaw.resources import data_dir

DATA = """@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix ex: <http://ex/> .
ex:bad-date ex:p "2021-02-30"^^xsd:date .       ex:ok-date ex:p "2021-02-28"^^xsd:date .
ex:bad-month ex:p "2021-13-01"^^xsd:date .      ex:ok-zoned ex:p "2021-01-01Z"^^xsd:date .
ex:bad-int ex:p "1.5"^^xsd:integer .            ex:ok-int ex:p "15"^^xsd:integer .
ex:bad-space ex:p " 7"^^xsd:integer .           ex:ok-plus ex:p "+7"^^xsd:integer .
ex:bad-dec ex:p "1.2.3"^^xsd:decimal .          ex:ok-dec ex:p "1.25"^^xsd:decimal .
ex:bad-exp ex:p "1e3"^^xsd:decimal .            ex:ok-string ex:p "x" .
ex:bad-bool ex:p "yes"^^xsd:boolean .           ex:ok-bool ex:p "false"^^xsd:boolean .
ex:bad-upper ex:p "TRUE"^^xsd:boolean .         ex:ok-bit ex:p "0"^^xsd:boolean .
ex:bad-count ex:p "x"^^xsd:nonNegativeInteger . ex:ok-count ex:p "0"^^xsd:nonNegativeInteger .
ex:ok-lang ex:p "2021-02-30"@en .
"""


def test_ill_formed_literals_and_only_those() -> None:
    store = ox.Store()
    store.load(DATA.encode(), format=ox.RdfFormat.TURTLE)
    rq = data_dir("rules") / "qc" / "ill-formed-literal-violation.rq"
    rows = store.query(sparql_prefixes() + rq.read_text(encoding="utf-8"))
    assert isinstance(rows, ox.QuerySolutions)
    flagged = {r["focus"].value.rsplit("/", 1)[-1] for r in rows}
    assert flagged == {
        "bad-date",
        "bad-month",
        "bad-int",
        "bad-space",
        "bad-dec",
        "bad-exp",
        "bad-bool",
        "bad-upper",
        "bad-count",
    }
