"""A run of briefs (``minelaw brief --all``): one shared fetch, worker processes on every core.

Implements DESIGN.md section 1 (item 2, "Generate case briefs") for many findings at once, and
section 7 (file names derived from finding identifiers, never from user input; nothing
half-written: each file is written to a temporary name and renamed into place).  Each brief is
the same bytes as one rendered alone by :func:`minelaw.briefs.render.render`:

- the store is seen through a :class:`~minelaw.briefs.context.SharedStore`, so a query,
  citation or figure that several briefs need is made once per process;
- with more than one core and enough findings, the briefs are built and rendered by forked
  worker processes (POSIX ``fork``: they inherit the findings and the analysis context; an
  on-disk store is opened again, read-only, in each worker), in chunks handed out in order,
  and the parent writes the index from what they return.  ``MINELAW_BRIEF_WORKERS`` sets the
  number of workers (1: all in this process).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..reasoning.findings import Context, Finding
from ..store.parallel import env_workers
from .context import SharedStore, file_stem

WORKERS_ENV = "MINELAW_BRIEF_WORKERS"
#: fewer findings than this are rendered in this process (starting workers costs more)
PARALLEL_FROM = 8
CHUNK = 4

#: what the forked workers inherit (set just before the pool starts, cleared after)
_JOB: dict[str, Any] = {}


def workers(n_briefs: int) -> int:
    """How many worker processes a run of ``n_briefs`` briefs uses (1: none)."""
    wanted = env_workers(WORKERS_ENV)
    if wanted is not None:
        return wanted
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if n_briefs < PARALLEL_FROM or not hasattr(os, "fork"):
        return 1
    return max(1, min(cores or 1, 4))


def stems(findings: Sequence[Finding]) -> list[str]:
    """The file stem of each brief, in order: distinct ids that sanitise alike get ``_``."""
    out, seen = [], set()
    for f in findings:
        stem = file_stem(f.id)
        while stem in seen:
            stem += "_"
        seen.add(stem)
        out.append(stem)
    return out


def write_briefs(
    findings: Sequence[Finding],
    store: Any,
    out_dir: Path,
    fmt: str,
    ctx: Context,
    steps: tuple[Callable[..., dict[str, Any]], Callable[..., Any], Callable[..., dict[str, Any]]],
    *,
    progress: Callable[[str, int, int], None] | None = None,
    **kw: Any,
) -> tuple[list[Path], list[dict[str, Any]]]:
    """Write one brief per finding into ``out_dir``; returns the paths and, per brief, what
    the index needs of its context (see :func:`minelaw.briefs.render.index_context`).

    ``steps``: :mod:`minelaw.briefs.render`'s ``brief_context``, ``render_context`` and
    ``index_row`` (passed in: render calls this module, not the other way round)."""
    names = stems(findings)
    view = store if isinstance(store, SharedStore) else SharedStore(store)
    n = workers(len(findings))
    job = {"findings": findings, "store": view, "out": out_dir, "fmt": fmt, "ctx": ctx, "kw": kw}
    job["steps"] = steps
    chunks = [list(range(i, min(i + CHUNK, len(findings)))) for i in range(0, len(findings), CHUNK)]
    paths: list[Path] = []
    index: list[dict[str, Any]] = []

    def take(results: Iterator[list[tuple[int, str, dict[str, Any]]]]) -> None:
        for done in results:
            for i, path, row in done:
                if progress:
                    progress(findings[i].id, len(paths), len(findings))
                paths.append(Path(path))
                index.append(row)

    _JOB.clear()
    _JOB.update(job, names=names)
    try:
        if n == 1:
            take(_chunk(c) for c in chunks)
        else:
            # the first chunk here: the workers then inherit the compiled templates, the
            # decoded base map, the citation style and the queries every brief shares
            take(iter([_chunk(chunks[0])]))
            with multiprocessing.get_context("fork").Pool(n, initializer=_reopen) as pool:
                take(pool.imap(_chunk, chunks[1:]))
    finally:
        _JOB.clear()
    return paths, index


def _reopen() -> None:
    """In a worker: a store of its own (an on-disk store opened again, read-only)."""
    view = _JOB["store"]
    inner = view.inner
    path = getattr(inner, "path", None)
    if path is not None and hasattr(inner, "store"):
        from ..store.cache import open_cached

        inner.store = open_cached(path)


def _chunk(indices: list[int]) -> list[tuple[int, str, dict[str, Any]]]:
    brief_context, render_context, index_row = _JOB["steps"]
    out = []
    for i in indices:
        bc = brief_context(_JOB["findings"][i], _JOB["store"], _JOB["ctx"], **_JOB["kw"])
        bc["file_stem"] = _JOB["names"][i]
        path = _JOB["out"] / f"{bc['file_stem']}.{_JOB['fmt']}"
        write_file(path, render_context(bc, _JOB["fmt"]))
        out.append((i, str(path), index_row(bc)))
    return out


def write_file(path: Path, data: str | bytes) -> None:
    """Write ``data`` to a temporary name beside ``path``, then rename it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    if isinstance(data, bytes):
        tmp.write_bytes(data)
    else:
        tmp.write_text(data, encoding="utf-8")
    tmp.replace(path)
