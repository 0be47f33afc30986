"""The standard-of-proof table of ``rules/standards.ttl`` is what the weighing does.

Briefs print that table as their method (``reports/templates/_method.*``: per level the
independent origins needed, the grade floors, whether interested-only support is "allowed" or
"not enough", whether a disputed element is "allowed" or "not reached").  The weighing
(:func:`minelaw.reasoning.standards.reach`) reads the same data but climbs the ladder and stops
at the first level not met, so some entries of the table could change without changing any
finding -- a disputed element can never reach clear and convincing while balance of
probabilities forbids a dispute, whatever the clear-and-convincing row says -- and the brief
would then state a method the engine does not apply.  This test builds, for each level as read
from the table, testimonies that meet exactly the level's numbers and then break one condition
at a time, and checks that :func:`reach` gives what the table says.  It is also run by
``benchmarks/mutate_rules.py`` on every mutant of ``rules/standards.ttl``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minelaw.reasoning import evidence
from minelaw.reasoning.standards import LADDER, Thresholds, load_thresholds, reach

INDEPENDENT, INTERESTED = evidence.INDEPENDENT, evidence.INTERESTED


def _testimonies(n: int, rel: int, cred: int, kind: str = INDEPENDENT) -> list[evidence.Testimony]:
    return [
        evidence.Testimony(
            f"origin-{kind}-{i}", (f"src-{kind}-{i}",), rel, cred, f"{rel}/{cred}", kind
        )
        for i in range(n)
    ]


def problems(thresholds: Thresholds) -> list[str]:
    """Where :func:`reach` disagrees with the table, in words (empty: they agree)."""
    out: list[str] = []

    def expect(
        level: int,
        reaches: bool,
        what: str,
        support: list[evidence.Testimony],
        counters: Sequence[evidence.Testimony] = (),
    ) -> None:
        got, why = reach(support, list(counters), thresholds)
        if (LADDER.index(got) >= level) != reaches:
            out.append(
                f"{LADDER[level]}: the table says {what} "
                f"{'reaches' if reaches else 'does not reach'} it, but the weighing gives {got} "
                f"({why})"
            )

    for t in thresholds:
        i = LADDER.index(t.level)
        n, rel, cred = t.min_sources, t.min_rel, t.min_cred
        at_least_one = max(n, 1)
        expect(
            i, True, f"{n} independent origin(s) graded {rel}/{cred}", _testimonies(n, rel, cred)
        )
        if n:
            # one origin short: the rest of the support interested (present, not counted)
            short = _testimonies(n - 1, rel, cred) + _testimonies(1, rel, cred, INTERESTED)
            expect(i, False, f"{n - 1} independent origin(s) graded {rel}/{cred}", short)
        if rel > 0:
            expect(i, False, "origins one reliability step short", _testimonies(n, rel - 1, cred))
        if cred > 0:
            expect(i, False, "origins one credibility step short", _testimonies(n, rel, cred - 1))
        expect(
            i,
            t.interested_ok,
            "support from interested origins only",
            _testimonies(at_least_one, rel, cred, INTERESTED),
        )
        expect(
            i,
            t.disputed_ok,
            "support disputed by an independent origin of equal grade",
            _testimonies(at_least_one, rel, cred),
            [
                evidence.Testimony(
                    "origin-counter", ("src-counter",), rel, cred, f"{rel}/{cred}", INDEPENDENT
                )
            ],
        )
    return out


def test_the_table_briefs_print_is_what_the_weighing_does(store: Any) -> None:
    thresholds = load_thresholds(store)
    assert [t.level for t in thresholds] == LADDER
    assert problems(thresholds) == []


def test_the_check_sees_a_row_the_ladder_cannot_honour(store: Any) -> None:
    """A clear-and-convincing row that allowed disputes (balance of probabilities does not)
    changes no finding; the check must say so."""
    from dataclasses import replace

    table = load_thresholds(store)
    levels = tuple(
        replace(t, disputed_ok=True) if t.level == "clear_and_convincing" else t for t in table
    )
    got = problems(replace(table, levels=levels))
    assert len(got) == 1 and got[0].startswith("clear_and_convincing: the table says support")
    assert "disputed" in got[0] and "gives reasonable_grounds" in got[0], got
