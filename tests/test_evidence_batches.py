"""Engine-neutral evidence reading (issue 21): the weighing reads its items and sources in
batches of at most ``evidence.BATCH`` IRIs (Virtuoso refuses longer queries), with the same
result whatever the batch size; and a source that names two origins carries a statement of
each, whatever order a store lists them in."""

from __future__ import annotations

from typing import Any

import pytest

from minelaw.namespaces import MLR
from minelaw.reasoning import evidence
from minelaw.reasoning.findings import collect


def test_batches_are_sorted_and_bounded() -> None:
    out = evidence.batches([f"x{i:02d}" for i in range(23)] + ["x00"], 10)
    assert [len(b) for b in out] == [10, 10, 3]
    assert sorted(x for b in out for x in b) == [f"x{i:02d}" for i in range(23)]
    assert evidence.batches([], 10) == []


def test_small_batches_read_the_same_evidence(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = collect(store)
    items, sources = set(ctx.items), set(ctx.sources)
    assert len(items) > 50 and len(sources) > 50
    disputes = evidence.disputed_by(store)
    whole = (
        evidence.fetch_items(store, items, disputes),
        evidence.fetch_sources(store, sources),
        evidence.interests(store, {s.publisher for s in ctx.sources.values()}),
    )
    monkeypatch.setattr(evidence, "BATCH", 7)
    assert len(evidence.batches(items)) > 5
    small = (
        evidence.fetch_items(store, items, disputes),
        evidence.fetch_sources(store, sources),
        evidence.interests(store, {s.publisher for s in ctx.sources.values()}),
    )
    assert small == whole


def test_a_source_with_two_origins_counts_under_each(store: Any) -> None:
    src = MLR + "src-ctgnews-2021-11-17"  # a news report relaying two ministries
    sources = evidence.fetch_sources(store, {src})
    assert sources[src].origins == (MLR + "org-arm-mod", MLR + "org-aze-mod")
    item = evidence.ItemInfo("urn:item", False, "", "", testimony={("", src)})
    out = evidence.testimonies(["urn:item"], {"urn:item": item}, sources, {}, MLR + "ARM", set())
    assert sorted(t.origin for t in out) == [MLR + "org-arm-mod", MLR + "org-aze-mod"]
    assert all(t.carriers == (src,) for t in out)
