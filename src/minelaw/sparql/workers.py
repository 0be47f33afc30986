"""Worker processes of ``minelaw serve``: queries and validations run outside the server.

A pyoxigraph query (or a pySHACL validation) cannot be interrupted from Python, so each
runs in a child process that the server kills when it overruns its time; the pool then
starts a fresh one.  Workers are plain ``python -c`` subprocesses (never ``fork`` of the
server), started with :mod:`asyncio` and spoken to over their stdin/stdout pipes.

Messages are length-prefixed frames of JSON metadata and raw bytes, in both directions:
a worker reads hostile input, so what it sends back is never unpickled.  Before it
answers anything a worker denies itself the network and caps its memory
(:mod:`minelaw.sparql.sandbox`).

Lanes: the pool keeps named groups of workers (``general``, ``light``, ``validate``); a
request names the lanes it may use, best first.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import struct
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from ..errors import StoreError

log = logging.getLogger("minelaw.serve")
_HEAD = struct.Struct(">II")  # length of the JSON metadata, length of the body
MAX_FRAME = 512 << 20


class WorkerBusy(Exception):
    """Every worker of the lanes asked for stayed busy for the whole wait."""


class WorkerTimeout(Exception):
    """The worker overran its time and was killed."""


class WorkerFailed(Exception):
    """The worker died (crashed, ran out of memory) or broke the protocol."""


# --- the worker side (blocking, in the child) -------------------------------------------------
def write_message(out: IO[bytes], meta: dict[str, Any], body: bytes = b"") -> None:
    head = json.dumps(meta).encode()
    out.write(_HEAD.pack(len(head), len(body)) + head + body)
    out.flush()


def _read_exact(inp: IO[bytes], n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = inp.read(n - len(buf))
        if not chunk:
            raise EOFError("pipe closed")
        buf += chunk
    return bytes(buf)


def read_message(inp: IO[bytes]) -> tuple[dict[str, Any], bytes]:
    nh, nb = _HEAD.unpack(_read_exact(inp, _HEAD.size))
    meta = json.loads(_read_exact(inp, nh))
    return meta, _read_exact(inp, nb) if nb else b""


Handler = Callable[[dict[str, Any], bytes], tuple[dict[str, Any], bytes]]


def serve_requests(handler: Handler, ready: dict[str, Any]) -> None:
    """The loop of a worker: announce ``ready``, then answer one request after another."""
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write to the frame channel
    write_message(out, {"ready": True, **ready})
    while True:
        try:
            meta, body = read_message(inp)
        except EOFError:
            return
        answer, data = handler(meta, body)
        write_message(out, answer, data)


# --- the server side (asyncio) ----------------------------------------------------------------
class Worker:
    """One child process."""

    def __init__(self, proc: asyncio.subprocess.Process, lane: str) -> None:
        self.proc, self.lane = proc, lane
        self.info: dict[str, Any] = {}

    @classmethod
    async def start(cls, argv: Sequence[str], lane: str, timeout: float) -> Worker:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=1 << 20,
        )
        w = cls(proc, lane)
        try:
            meta, _ = await asyncio.wait_for(w._read(), timeout)
        except (TimeoutError, EOFError, asyncio.IncompleteReadError, ValueError) as exc:
            w.kill()
            raise StoreError(f"a {lane} worker did not start ({exc or 'no answer'})") from exc
        if not meta.get("ready"):
            w.kill()
            raise StoreError(f"a {lane} worker did not start", hint=str(meta.get("error", "")))
        w.info = meta
        return w

    async def _read(self) -> tuple[dict[str, Any], bytes]:
        assert self.proc.stdout is not None
        nh, nb = _HEAD.unpack(await self.proc.stdout.readexactly(_HEAD.size))
        if nh + nb > MAX_FRAME:
            raise ValueError("frame too large")
        meta = json.loads(await self.proc.stdout.readexactly(nh))
        body = await self.proc.stdout.readexactly(nb) if nb else b""
        return meta, body

    async def call(
        self, meta: dict[str, Any], body: bytes, timeout: float
    ) -> tuple[dict[str, Any], bytes]:
        assert self.proc.stdin is not None
        head = json.dumps(meta).encode()
        try:
            self.proc.stdin.write(_HEAD.pack(len(head), len(body)) + head + body)
            await self.proc.stdin.drain()
            return await asyncio.wait_for(self._read(), max(timeout, 0.001))
        except TimeoutError:
            self.kill()
            raise WorkerTimeout() from None
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, OSError) as exc:
            self.kill()
            raise WorkerFailed(self.exit_reason()) from exc

    def exit_reason(self) -> str:
        code = self.proc.returncode
        if code is None:
            return "the worker stopped answering"
        if code < 0:
            import signal

            name = (
                signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else code
            )
            return f"the worker was ended by signal {name}"
        return f"the worker exited with status {code}"

    def kill(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()


@dataclass
class Lane:
    name: str
    argv: list[str]
    size: int
    idle: asyncio.Queue[Worker]
    live: int = 0


class WorkerPool:
    """Lanes of worker processes; a worker that overruns or dies is replaced."""

    def __init__(self, start_timeout: float = 120.0) -> None:
        self.lanes: dict[str, Lane] = {}
        self.start_timeout = start_timeout
        self.workers: set[Worker] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.waiting = 0

    async def add_lane(self, name: str, argv: list[str], size: int) -> None:
        lane = Lane(name, argv, size, asyncio.Queue())
        self.lanes[name] = lane
        started = await asyncio.gather(
            *[Worker.start(argv, name, self.start_timeout) for _ in range(size)]
        )
        for w in started:
            self.workers.add(w)
            lane.live += 1
            lane.idle.put_nowait(w)

    def sandbox(self) -> dict[str, str]:
        """What each lane's workers reported about their sandbox."""
        out = {}
        for w in self.workers:
            out[w.lane] = f"network: {w.info.get('network')}; {w.info.get('memory')}"
        return out

    async def acquire(self, lanes: Sequence[str], wait: float) -> Worker:
        for name in lanes:
            with contextlib.suppress(asyncio.QueueEmpty):
                return self.lanes[name].idle.get_nowait()
        getters = {asyncio.ensure_future(self.lanes[n].idle.get()): n for n in lanes}
        self.waiting += 1
        try:
            done, pending = await asyncio.wait(
                getters, timeout=wait, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            self.waiting -= 1
        for t in pending:
            t.cancel()
        got = [t.result() for t in done if not t.cancelled() and t.exception() is None]
        for extra in got[1:]:
            self.release(extra)
        if not got:
            raise WorkerBusy()
        return got[0]

    def release(self, w: Worker) -> None:
        self.lanes[w.lane].idle.put_nowait(w)

    def replace(self, w: Worker) -> None:
        """Forget a killed worker and start another in its lane (in the background)."""
        w.kill()
        self.workers.discard(w)
        lane = self.lanes[w.lane]
        lane.live -= 1
        task = asyncio.ensure_future(self._respawn(lane))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _respawn(self, lane: Lane) -> None:
        for attempt in range(3):
            try:
                fresh = await Worker.start(lane.argv, lane.name, self.start_timeout)
            except StoreError as exc:
                log.warning("minelaw: %s (attempt %d)", exc, attempt + 1)
                await asyncio.sleep(1.0)
                continue
            self.workers.add(fresh)
            lane.live += 1
            lane.idle.put_nowait(fresh)
            return

    async def call(
        self,
        lanes: Sequence[str],
        meta: dict[str, Any],
        body: bytes,
        *,
        timeout: float,
        wait: float,
        budget: dict[str, float] | None = None,
    ) -> tuple[dict[str, Any], bytes]:
        """Run one request on a worker of ``lanes``.

        ``budget`` gives a lane a shorter time than ``timeout``: when the request overruns
        it there, its worker is killed and the request runs again on the next lane with the
        time left (the light lane's protection against a misclassified heavy query).
        """
        t0 = time.monotonic()
        remaining = list(lanes)
        while remaining:
            w = await self.acquire(remaining, wait)
            left = timeout - (time.monotonic() - t0)
            limit = min(left, (budget or {}).get(w.lane, left))
            try:
                res = await w.call(meta, body, limit)
            except WorkerTimeout:
                self.replace(w)
                if limit < left and w.lane in remaining[:-1]:
                    remaining = remaining[remaining.index(w.lane) + 1 :]
                    continue
                raise
            except WorkerFailed:
                self.replace(w)
                raise
            self.release(w)
            return res
        raise WorkerBusy()

    async def close(self) -> None:
        for t in list(self._tasks):
            t.cancel()
        for w in list(self.workers):
            w.kill()
        for w in list(self.workers):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(w.proc.wait(), 5)
        self.workers.clear()


def worker_argv(entry: str, conf: dict[str, Any]) -> list[str]:
    """The command line of a worker: ``entry`` is ``module:function`` of its main loop."""
    module, _, func = entry.partition(":")
    code = f"from {module} import {func}; {func}()"
    return [sys.executable, "-c", code, json.dumps(conf)]


def worker_conf() -> dict[str, Any]:
    """The configuration a worker was started with (argv[1], JSON)."""
    conf = json.loads(sys.argv[1])
    assert isinstance(conf, dict)
    return conf


def rss_mb(pid: int | None = None) -> float:
    """Resident memory of a process in MB (Linux; 0.0 elsewhere)."""
    try:
        with open(f"/proc/{pid or os.getpid()}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


__all__ = [
    "WorkerBusy",
    "WorkerFailed",
    "WorkerPool",
    "WorkerTimeout",
    "read_message",
    "serve_requests",
    "worker_argv",
    "worker_conf",
    "write_message",
]
