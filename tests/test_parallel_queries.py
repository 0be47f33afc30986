"""The rules' queries on worker processes give what one process gives (issue 19).

:func:`minelaw.store.parallel.map_on_store` hands independent read-only queries to forked
workers that open the cached store again; the trigger rows, the element patterns' items and
the evidence items must be the same, in the same order, as the loop in this process.  The
bundled KB is below the size where workers start by themselves, so ``MINELAW_QUERY_WORKERS``
forces them.
"""

from __future__ import annotations

from typing import Any

import pytest

from minelaw.errors import UsageError
from minelaw.reasoning import evidence
from minelaw.reasoning.rules import applicable, element_items_all, load_rules, run_triggers
from minelaw.store import parallel


def _run(store: Any) -> tuple[Any, Any, Any]:
    rules = load_rules()
    triggers = run_triggers(store, rules)
    cands, _, _ = applicable(store, rules, triggers)
    by_rule = {r.norm: [c for c in cands if c.norm == r.norm] for r in rules}
    items = element_items_all(store, rules, by_rule)
    iris = {i for per in items.values() for d in per.values() for s in d.values() for i in s}
    info = evidence.fetch_items(store, iris, evidence.disputed_by(store))
    return triggers, items, info


def test_workers_give_the_same_rows_items_and_evidence(store: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv(parallel.WORKERS_ENV, "1")
    assert parallel.workers(store, 16) == 1
    serial = _run(store)
    monkeypatch.setenv(parallel.WORKERS_ENV, "2")
    assert parallel.workers(store, 16) == 2  # the workers really run
    monkeypatch.setattr(evidence, "BATCH", 40)  # several evidence batches, so several tasks
    forked = _run(store)
    assert forked[0] == serial[0]  # trigger rows, in the same order
    assert forked[1] == serial[1]
    assert forked[2] == serial[2]
    assert len(serial[0]) > 100 and sum(len(v) for v in serial[1].values()) > 50


def test_no_workers_for_small_or_in_memory_stores(store: Any, monkeypatch: Any) -> None:
    monkeypatch.delenv(parallel.WORKERS_ENV, raising=False)
    assert parallel.workers(store, 16) == 1  # the bundled KB is below PARALLEL_FROM_QUADS
    monkeypatch.setattr(parallel, "PARALLEL_FROM_QUADS", 1)
    monkeypatch.setattr(parallel, "_cores", lambda: 2)
    assert parallel.workers(store, 16) == 2
    assert parallel.workers(store, 1) == 1  # one task: no pool
    mem = type("Mem", (), {"path": None, "store": object()})()
    assert parallel.workers(mem, 16) == 1


def test_a_bad_worker_count_is_a_usage_error(store: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv(parallel.WORKERS_ENV, "two")
    with pytest.raises(UsageError, match="MINELAW_QUERY_WORKERS"):
        parallel.workers(store, 16)
