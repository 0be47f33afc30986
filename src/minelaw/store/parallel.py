"""Independent read-only queries of one run, on every core: forked workers, one store each.

The compliance rules send many independent queries to a store that does not change while they
run: one trigger query per rule, one query per distinct element pattern, the evidence items in
batches (:mod:`minelaw.reasoning.findings`).  pyoxigraph evaluates a SELECT lazily and holds
the GIL while Python iterates its solutions, so threads gain little (six trigger queries at
100,000 incidents: 18.6 s in one thread, 14.6 s in two).  :func:`map_on_store` therefore hands
the tasks to forked worker processes (POSIX ``fork``: they inherit the task list and the
compiled rules), each of which opens the cached store again, read-only (RocksDB allows many
readers), runs ``fn(store, *args)`` and sends back its plain result.  The results come back in
the order of the tasks, so the output is the same as a loop in this process; the parity is
tested (``tests/test_parallel_queries.py``).

Only a cached on-disk store that is large enough is worth it (starting the workers costs a
few hundred milliseconds); an in-memory or remote store runs the loop here.
``MINELAW_QUERY_WORKERS`` sets the number of workers for any cached store (1: none).
Implements issue 19 ("first ``findings`` on a new KB"); the same scheme as
:mod:`minelaw.briefs.batch`.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from ..errors import UsageError

WORKERS_ENV = "MINELAW_QUERY_WORKERS"
#: a store with fewer quads runs its queries in this process (the bundled KB has ~60,000)
PARALLEL_FROM_QUADS = 150_000
MAX_WORKERS = 4

R = TypeVar("R")

#: what the forked workers inherit (set just before the pool starts, cleared after)
_JOB: dict[str, Any] = {}
#: the parent's store objects a worker replaced: kept, never dropped in the child (their
#: native handles belong to the parent)
_INHERITED: list[Any] = []


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


#: quads per cache folder: a folder's content never changes (its name is the content key), and
#: counting them takes 0.5 s at 100,000 incidents
_SIZES: dict[str, int] = {}


def _quads(store: Any) -> int:
    key = str(store.path)
    if key not in _SIZES:
        _SIZES[key] = len(store.store)
    return _SIZES[key]


def env_workers(name: str) -> int | None:
    """The number of worker processes the environment variable ``name`` asks for (at least
    1), or None when it is unset; anything but a whole number is a usage error."""
    env = os.environ.get(name, "").strip()
    if not env:
        return None
    try:
        return max(1, int(env))
    except ValueError as exc:
        raise UsageError(
            f"{name} must be a whole number, not {env!r}",
            hint=f"unset {name} or give the number of worker processes (1: none)",
        ) from exc


def workers(store: Any, n_tasks: int) -> int:
    """How many worker processes ``n_tasks`` queries on ``store`` use (1: none)."""
    if n_tasks < 2 or not hasattr(os, "fork"):
        return 1
    if getattr(store, "path", None) is None or not hasattr(store, "store"):
        return 1  # in memory (nothing to open again) or remote
    wanted = env_workers(WORKERS_ENV)
    if wanted is not None:
        return min(wanted, n_tasks)
    if _cores() < 2 or _quads(store) < PARALLEL_FROM_QUADS:
        return 1
    return max(1, min(_cores(), MAX_WORKERS, n_tasks))


def map_on_store(
    store: Any,
    fn: Callable[..., R],
    tasks: Sequence[tuple[Any, ...]],
    progress: Callable[[int, int], None] | None = None,
) -> list[R]:
    """``[fn(store, *t) for t in tasks]``, on worker processes when :func:`workers` says so.

    ``progress(done, total)`` is called as each task ends, in order.  ``fn`` must only read
    the store; its results must pickle.
    """
    n = workers(store, len(tasks))
    results: list[R] = []
    if n == 1:
        for i, t in enumerate(tasks):
            results.append(fn(store, *t))
            if progress:
                progress(i + 1, len(tasks))
        return results
    _JOB.clear()
    _JOB.update(store=store, fn=fn, tasks=tasks)
    try:
        with multiprocessing.get_context("fork").Pool(n, initializer=_reopen) as pool:
            done: Iterator[R] = pool.imap(_run, range(len(tasks)), chunksize=1)
            for i, r in enumerate(done):
                results.append(r)
                if progress:
                    progress(i + 1, len(tasks))
    finally:
        _JOB.clear()
    return results


def _reopen() -> None:
    """In a worker: the cached store opened again, read-only."""
    from .cache import open_cached

    store = _JOB["store"]
    _INHERITED.append(store.store)
    store.store = open_cached(store.path)


def _run(i: int) -> Any:
    fn, args = _JOB["fn"], _JOB["tasks"][i]
    return fn(_JOB["store"], *args)
