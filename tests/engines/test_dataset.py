"""The dataset of minelaw's own SPARQL (SPARQL 1.1 Query section 13.2), embedded path.

``FROM`` and ``FROM NAMED`` define the dataset; the union of the graphs is the default only
when a query names none; restricted graphs stay invisible whatever a query names.  Checked on
a small KB with two public files and a restricted one, through the store and through
``minelaw query``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from minelaw.namespaces import GRAPH
from minelaw.store.dataset import QueryDataset, may_name_dataset, protocol_dataset, query_dataset

A = GRAPH + "kb/a.ttl"  # 2 triples
B = GRAPH + "kb/b.ttl"  # 3 triples
S = GRAPH + "kb/restricted/secret.ttl"  # 1 triple
INF_R = GRAPH + "inferred-restricted"

FILES = {
    "a.ttl": "<urn:x:a1> <urn:x:p> 1 .\n<urn:x:a2> <urn:x:p> 2 .\n",
    "b.ttl": "<urn:x:b1> <urn:x:p> 1 .\n<urn:x:b2> <urn:x:p> 2 .\n<urn:x:b3> <urn:x:p> 3 .\n",
    "restricted/secret.ttl": "<urn:x:s1> <urn:x:p> 1 .\n",
}


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dataset-kb") / "kb"
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def stores(kb: Path) -> dict[bool, Any]:
    """The KB's store without (False) and with (True) the restricted graphs."""
    from minelaw.store.cache import open_kb

    return {False: open_kb(kb), True: open_kb(kb, include_restricted=True)}


def n(store: Any, query: str) -> int:
    return int(store.query(query).values("n")[0])


COUNT = "SELECT (COUNT(*) AS ?n) "
ALL = "WHERE { ?s ?p ?o }"
NAMED = "WHERE { GRAPH ?g { ?s ?p ?o } }"

# (query, count without restricted graphs, count with them)
CASES = [
    (f"{COUNT} FROM <{A}> {ALL}", 2, 2),
    (f"{COUNT} FROM <{A}> FROM <{B}> {ALL}", 5, 5),
    # FROM only: no named graphs (13.2: "an empty set of named graphs")
    (f"{COUNT} FROM <{A}> {NAMED}", 0, 0),
    # FROM NAMED only: an empty default graph
    (f"{COUNT} FROM NAMED <{A}> {ALL}", 0, 0),
    (f"{COUNT} FROM NAMED <{A}> {NAMED}", 2, 2),
    (f"{COUNT} FROM <{A}> FROM NAMED <{B}> {ALL}", 2, 2),
    (f"{COUNT} FROM <{A}> FROM NAMED <{B}> WHERE {{ GRAPH <{B}> {{ ?s ?p ?o }} }}", 3, 3),
    (f"{COUNT} FROM <{A}> FROM NAMED <{B}> WHERE {{ GRAPH <{A}> {{ ?s ?p ?o }} }}", 0, 0),
    # restricted graphs: invisible whatever the query names
    (f"{COUNT} FROM <{S}> {ALL}", 0, 1),
    (f"{COUNT} FROM <{A}> FROM <{S}> {ALL}", 2, 3),
    (f"{COUNT} FROM NAMED <{S}> {NAMED}", 0, 1),
    (f"{COUNT} WHERE {{ GRAPH <{S}> {{ ?s ?p ?o }} }}", 0, 1),
    # a graph that does not exist is an empty graph
    (f"{COUNT} FROM <{GRAPH}kb/nope.ttl> {ALL}", 0, 0),
    # prefixed names and relative IRIs in the dataset clause
    (f"PREFIX g: <{GRAPH}kb/> {COUNT} FROM g:a.ttl FROM NAMED g:b.ttl {NAMED}", 3, 3),
    (f"BASE <{GRAPH}kb/> {COUNT} FROM <b.ttl> {ALL}", 3, 3),
    # no dataset clause: the union (the keyword in a variable, string or comment is not one)
    (f"SELECT (COUNT(*) AS ?n) (0 AS ?from) WHERE {{ GRAPH <{A}> {{ ?s ?p ?o }} }}", 2, 2),
    (f'{COUNT} WHERE {{ ?s <urn:x:p> ?o FILTER(?o != "FROM <x>") }} # FROM <{A}>', 5, 6),
]


@pytest.mark.parametrize(("query", "public", "everything"), CASES)
def test_the_query_defines_the_dataset(
    stores: dict[bool, Any], query: str, public: int, everything: int
) -> None:
    assert n(stores[False], query) == public
    assert n(stores[True], query) == everything


def test_the_default_graph_is_the_union_only_without_a_dataset_clause(
    stores: dict[bool, Any],
) -> None:
    for include, store in stores.items():
        visible = [g for g in store.graphs() if include or g not in store.hidden_graphs]
        union = sum(n(store, f"{COUNT} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}") for g in visible)
        assert n(store, f"{COUNT} {ALL}") == union  # no blank node or triple is in two graphs
        assert n(store, f"{COUNT} FROM <{A}> {ALL}") == 2 < union


def test_ask_construct_and_describe_use_the_dataset(stores: dict[bool, Any]) -> None:
    store = stores[False]
    assert store.query(f"ASK FROM <{A}> {{ <urn:x:a1> ?p ?o }}").boolean is True
    assert store.query(f"ASK FROM <{A}> {{ <urn:x:b1> ?p ?o }}").boolean is False
    assert store.query(f"ASK FROM <{S}> {{ <urn:x:s1> ?p ?o }}").boolean is False
    triples = store.query(f"CONSTRUCT {{ ?s ?p ?o }} FROM <{B}> {ALL}").triples
    assert sorted(t.subject.value for t in triples) == ["urn:x:b1", "urn:x:b2", "urn:x:b3"]
    described = store.query(f"DESCRIBE <urn:x:a1> FROM <{B}>").triples
    assert described == []


def test_minelaw_query_honours_from(kb: Path, run_cli: Any) -> None:
    res = run_cli("query", f"{COUNT} FROM <{A}> FROM <{S}> {ALL}", "--format", "csv", kb=kb)
    assert res.exit_code == 0, res.output
    assert res.output.splitlines() == ["n", "2"]


def test_an_unreadable_dataset_clause_is_a_syntax_error(stores: dict[bool, Any]) -> None:
    from minelaw.errors import QueryError

    with pytest.raises(QueryError, match="syntax"):
        stores[False].query(f"{COUNT} FROM <{A} {ALL}")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", None),
        ("SELECT ?from WHERE { ?from ?p ?o }", None),
        (f"select * from <{A}> from named <{B}> where {{ }}", QueryDataset((A,), (B,))),
        (f"SELECT * FROM <{A}> FROM <{A}> WHERE {{ }}", QueryDataset((A,), ())),
        (f"CONSTRUCT {{ ?s ?p ?o }} FROM NAMED <{B}> WHERE {{ }}", QueryDataset((), (B,))),
        (f"SELECT * WHERE {{ {{ SELECT * WHERE {{ ?s ?p '''FROM <{A}>''' }} }} }}", None),
    ],
)
def test_query_dataset(query: str, expected: QueryDataset | None) -> None:
    assert query_dataset(query) == expected


def test_may_name_dataset_is_cheap_but_never_misses() -> None:
    assert not may_name_dataset('SELECT ?fromage WHERE { ?s ex:from "from" } # FROM <x>')
    assert may_name_dataset("SELECT *\nFROM<urn:g> WHERE {}")
    assert may_name_dataset("ASK FROM NAMED <urn:g> {}")


def test_protocol_dataset_and_restriction() -> None:
    assert protocol_dataset([], []) is None
    ds = protocol_dataset([A, S, A], [B])
    assert ds == QueryDataset((A, S), (B,))
    assert ds.restrict({S, INF_R}) == QueryDataset((A,), (B,))
