"""The cached store: the embedded Oxigraph store built once per set of input files.

Implements DESIGN.md section 6 ("Cache"): the store lives under ``cache_root()/<key>``,
where the key (:func:`minelaw.store.oxigraph.cache_key`) hashes the store format,
minelaw's version and every input file, and is reused when nothing changed.  A store is
built under a file lock in a temporary folder, with its OWL 2 RL consequences
(:mod:`minelaw.store.reason`), and renamed into place only when complete; later runs
open it read-only.  When a cached store differs from the new input set only by added files
(or files that only gained triples), the new store starts from it
(:mod:`minelaw.store.incremental`; ``inputs.json`` records what each store holds).  What a
killed build leaves behind (``.build-*`` folders, lock files) is removed by the next run.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox

from .. import __version__
from ..errors import InputError, StoreError
from ..namespaces import INFERRED_GRAPH, INFERRED_RESTRICTED_GRAPH
from ..resources import cache_root
from . import incremental
from .amendments import apply_retractions
from .oxigraph import RDF_SUFFIXES, EmbeddedStore, InputFile, cache_key, discover, parse_error
from .reason import materialise

Progress = Callable[[str, int, int], None]


def _load_files(store: ox.Store, files: Sequence[InputFile], progress: Progress | None) -> None:
    for i, f in enumerate(files):
        if progress:
            progress(f.relpath, i, len(files))
        fmt = RDF_SUFFIXES[f.path.suffix]
        try:
            store.bulk_load(path=str(f.path), format=fmt, to_graph=ox.NamedNode(f.graph))
        except SyntaxError as exc:
            raise parse_error(exc, f.path) from exc
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 text: {exc.reason}", path=str(f.path)) from exc


@contextlib.contextmanager
def lock(path: Path, wait: bool = True) -> Iterator[bool]:
    """An exclusive advisory lock so that two processes never build one cache twice; yields
    False (without waiting) when ``wait`` is False and another process holds it.

    The lock file is removed when the lock is released (one empty file per cache key would
    pile up otherwise): a process that was waiting on the removed file sees that the path
    no longer names the file it locked, and locks the path anew.
    """
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fh = open(path, "a")  # noqa: SIM115 -- held across the yield
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            fh.close()
            yield False
            return
        try:
            same = os.fstat(fh.fileno()).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        fh.close()
    try:
        yield True
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def clean_leftovers(root: Path) -> None:
    """Remove what killed builds left in the cache: ``.build-<target>-*`` folders whose
    target no process is building, and lock files no process holds (issue 18)."""
    if not root.is_dir():
        return
    for entry in sorted(root.iterdir()):
        name = entry.name
        if name.startswith(".build-") and entry.is_dir():
            target = name[len(".build-") :].rpartition("-")[0]
            if not target:  # an older minelaw's build folder: gone if older than a day
                if time.time() - entry.stat().st_mtime > 86400:
                    shutil.rmtree(entry, ignore_errors=True)
                continue
            with lock(root / f".{target}.lock", wait=False) as free:
                if free:
                    shutil.rmtree(entry, ignore_errors=True)
        elif name.startswith(".") and name.endswith(".lock") and entry.is_file():
            with lock(entry, wait=False):
                pass  # free: removed on release; held: left alone


def open_kb(
    kb_dir: Path,
    *,
    ontology_dir: Path | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    include_restricted: bool = False,
) -> EmbeddedStore:
    """Load the ontology and the KB into an embedded store, or reuse the cached one.

    The cache folder is ``cache_root()/<key>`` where the key hashes every input
    file; a store is built in a temporary folder and renamed into place only when
    complete, so an interrupted build never leaves a half-loaded cache behind.
    """
    files = discover(kb_dir, ontology_dir)
    digests = {f.path: f.digest() for f in files}
    key = cache_key(files, digests)
    if not use_cache:
        store = ox.Store()
        _load_files(store, files, progress)
        apply_retractions(store, files)
        materialise(store, files)
        return EmbeddedStore(store, files, key, cached=False, include_restricted=include_restricted)

    root = cache_root()
    target = root / key[:32]

    def build(db: Path) -> bool:
        found = incremental.plan(root, files, digests)
        if progress and found:
            progress(
                f"from a cached store, {len(found.added) + len(found.changed)} new files", 0, 2
            )
        record = incremental.build(db, found, files) if found else None
        if record is not None:
            (db.parent / "delta.json").write_text(json.dumps(record), encoding="utf-8")
            reasoner = "sparql"
        else:
            reasoner = _build_store(db, files, progress)
            release_memory()
        info = incremental.inputs(files, digests, reasoner)
        (db.parent / "inputs.json").write_text(info, encoding="utf-8")
        return True

    marker = json.dumps({"key": key, "files": len(files), "minelaw": __version__})
    built = build_cached(target, build, marker)
    return EmbeddedStore(
        open_cached(target),
        files,
        key,
        cached=not built,
        include_restricted=include_restricted,
        path=target,
    )


def release_memory() -> None:
    """Hand the heap that the build freed back to the system (glibc keeps it otherwise).

    The in-memory store of the OWL 2 RL step is gone once the build ends, but glibc's
    allocator keeps its pages: 770 MB of the 890 MB resident after a build at 100,000
    incidents, on top of which the rules then allocate (issue 19: peak RSS ≤ 2 GB).
    ``malloc_trim`` is glibc's; elsewhere this does nothing.
    """
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)  # the process's own symbols: libc's on Linux


def _build_store(db: Path, files: Sequence[InputFile], progress: Progress | None) -> str:
    """Load ``files`` into a new on-disk store at ``db``, with their OWL 2 RL consequences.

    The reasoner's updates are transactional and several times slower on disk than in
    memory (issue 9: 30 s against 5 s at 100,000 incidents), so the files are parsed
    twice at once: into the on-disk store by a thread (the bulk loader releases the GIL)
    and into an in-memory store where the rules run; only the inferred graphs are then
    copied to disk.
    """
    disk = ox.Store(str(db))
    failure: list[BaseException] = []

    def load_disk() -> None:
        try:
            _load_files(disk, files, None)
        except BaseException as exc:  # re-raised in the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=load_disk, name="minelaw-load", daemon=True)
    thread.start()
    memory = ox.Store()
    how: list[str] = []
    try:
        _load_files(memory, files, progress)
        if progress:
            progress("OWL 2 RL reasoning", len(files), len(files))
        apply_retractions(memory, files)
        materialise(memory, files, how)
    finally:
        thread.join()
    if failure:
        raise failure[0]
    apply_retractions(disk, files)
    for graph in (INFERRED_GRAPH, INFERRED_RESTRICTED_GRAPH):
        name = ox.NamedNode(graph)
        data = memory.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=name)
        if data:
            disk.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=name)
    disk.flush()
    return how[0] if how else "sparql"


def build_cached(target: Path, build: Callable[[Path], bool], marker: str) -> bool | None:
    """Build the cache folder ``target`` once: under a lock, into a temporary folder beside it
    (``build(db)`` fills ``<tmp>/db``), marked COMPLETE and renamed into place only when done,
    so an interrupted build never leaves a half-built cache behind.

    Returns True when built now, False when it already existed, None when ``build`` declined
    (returned False; nothing is kept).
    """
    clean_leftovers(target.parent)
    if (target / "COMPLETE").is_file():
        return False
    with lock(target.with_name(f".{target.name}.lock")):
        if (target / "COMPLETE").is_file():
            return False
        for stale in target.parent.glob(f".build-{target.name}-*"):  # ours, from a killed run
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".build-{target.name}-", dir=target.parent))
        try:
            if not build(tmp / "db"):
                shutil.rmtree(tmp, ignore_errors=True)
                return None
            (tmp / "COMPLETE").write_text(marker)
            if target.exists():
                shutil.rmtree(target)
            os.replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return True


def open_cached(target: Path) -> ox.Store:
    """Open a built cache folder read-only (many processes may read it at once)."""
    try:
        return ox.Store.read_only(str(target / "db"))
    except OSError as exc:
        raise StoreError(
            f"cannot open the cached store at {target}: {exc}",
            hint="delete that folder (or set MINELAW_CACHE to another place) and run again",
        ) from exc
