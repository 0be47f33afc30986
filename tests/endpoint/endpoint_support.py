"""Fixtures and helpers of the endpoint tests: real `minelaw serve` and `oxigraph serve`
processes on loopback, free ports, bounded waits; a temporary KB with a restricted file.

The fixtures are re-exported by this folder's ``conftest.py``."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data"
TOKEN = "test-token-0123456789abcdef"
SECRET_LABEL = "Restricted test entity"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    url: str  # base URL, no trailing slash
    log: list[str]

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"


def _drain(stream: object, sink: list[str], ready: threading.Event, pattern: str) -> None:
    for raw in iter(stream.readline, b""):  # type: ignore[attr-defined]
        line = raw.decode("utf-8", "replace")
        sink.append(line)
        if re.search(pattern, line):
            ready.set()


def _start(
    cmd: list[str], pattern: str, timeout: float = 120.0
) -> tuple[subprocess.Popen[bytes], list[str]]:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    log: list[str] = []
    ready = threading.Event()
    threading.Thread(target=_drain, args=(proc.stdout, log, ready, pattern), daemon=True).start()
    deadline = time.monotonic() + timeout
    while not ready.wait(0.1):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"{cmd[:4]} did not start:\n{''.join(log)}")
    return proc, log


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@pytest.fixture(scope="session")
def serve() -> Iterator[Callable[..., Server]]:
    """Start `minelaw serve` on a free port: serve(kb=PATH, *extra_args) -> Server."""
    started: list[subprocess.Popen[bytes]] = []

    def start(*args: str, kb: Path | None = None) -> Server:
        cmd = [sys.executable, "-m", "minelaw"]
        if kb is not None:
            cmd += ["--kb", str(kb)]
        cmd += ["serve", "--port", "0", *args]
        proc, log = _start(cmd, r"listening on http://")
        started.append(proc)
        url = re.search(r"listening on (http://\S+)", "".join(log))
        assert url is not None
        return Server(proc, url.group(1), log)

    yield start
    for p in started:
        _stop(p)


@pytest.fixture(scope="session")
def restricted_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """kb-minimal plus a file under restricted/ that must stay invisible without the token."""
    kb = tmp_path_factory.mktemp("kb-restricted") / "kb"
    shutil.copytree(DATA / "kb-minimal", kb)
    (kb / "restricted").mkdir()
    (kb / "restricted" / "witness.ttl").write_text(
        "@prefix ml: <https://w3id.org/minelaw/ontology#> .\n"
        "@prefix mlr: <https://w3id.org/minelaw/id/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        "mlr:secret-1 a ml:Person ;\n"
        '    dcterms:identifier "secret-1" ;\n'
        f'    rdfs:label "{SECRET_LABEL}"@en .\n',
        encoding="utf-8",
    )
    return kb


@pytest.fixture(scope="session")
def token_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("token") / "token.txt"
    path.write_text(TOKEN + "\n", encoding="utf-8")
    os.chmod(path, 0o600)
    return path


@pytest.fixture(scope="session")
def protocol_server(serve: Callable[..., Server], restricted_kb: Path, token_file: Path) -> Server:
    """The server most protocol tests talk to: small KB, restricted file, 2 s timeout."""
    return serve(
        "--timeout",
        "2",
        "--max-rows",
        "50",
        "--workers",
        "2",
        "--include-restricted",
        "--token-file",
        str(token_file),
        "--quiet",
        kb=restricted_kb,
    )


def _oxigraph_bin() -> str | None:
    cand = Path(sys.executable).parent / "oxigraph"
    return str(cand) if cand.exists() else shutil.which("oxigraph")


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Oxigraph server (union default graph); yields its query URL (.../query)."""
    exe = _oxigraph_bin()
    if exe is None:
        pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph-db")
    proc = subprocess.Popen(
        [
            exe,
            "serve",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=2).read()
            break
        except (urllib.error.URLError, OSError):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("oxigraph serve did not start") from None
            time.sleep(0.1)
    yield base + "/query"
    _stop(proc)
