"""Cache files are written whole or not at all (issue 22): the entry-shape results under
``$MINELAW_CACHE/shapes/`` and a cached store's ``preflight.json`` are read by every process
that shares the cache (``serve`` workers, the CLI, the test workers), so a reader must never
see a file another process is still writing, and a failed write must not leave half a file."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from minelaw.store.entry_shapes import write_whole


def test_a_reader_never_sees_half_a_file(tmp_path: Path) -> None:
    marker = tmp_path / "results.json"
    docs = [json.dumps([{"message": f"{i} " + "x" * 200} for _ in range(5000)]) for i in range(2)]
    write_whole(marker, docs[0])
    stop = threading.Event()
    reads, broken = [0], []

    def read() -> None:
        while not stop.is_set():
            text = marker.read_text(encoding="utf-8")
            try:
                json.loads(text)
            except ValueError:
                broken.append(len(text))
            reads[0] += 1

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(60):
            write_whole(marker, docs[i % 2])
    finally:
        stop.set()
        reader.join()
    assert reads[0] > 0
    assert broken == [], f"{len(broken)} of {reads[0]} reads saw a partial file"
    assert json.loads(marker.read_text(encoding="utf-8"))[0]["message"].startswith("1 ")
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"], "no temporary file left"


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    marker = tmp_path / "preflight.json"
    write_whole(marker, "[]")
    with pytest.raises(UnicodeEncodeError):
        write_whole(marker, '["\ud800"]')  # not encodable: fails halfway through the write
    assert marker.read_text(encoding="utf-8") == "[]"
    assert [p.name for p in tmp_path.iterdir()] == ["preflight.json"], "no temporary file left"
