"""Property tests: random mutations of good entries never crash `validate` (exit 0/1/2,
no traceback) and never let `add` leave a partial file; JSON-LD never touches the network;
the size limit holds; every CSV template validates."""

from __future__ import annotations

import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from intake_corpus import BAD, GOOD

from minelaw.cli import cli

SINGLE = sorted(p for p in GOOD.iterdir() if p.is_file() and p.suffix != ".bin")


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    """A good entry with one random mutation: byte flip, truncation, line deletion, swap."""
    path = draw(st.sampled_from(SINGLE))
    data = bytearray(path.read_bytes())
    op = draw(st.sampled_from(["flip", "truncate", "delete-line", "swap", "insert"]))
    if op == "flip":
        i = draw(st.integers(0, len(data) - 1))
        data[i] ^= draw(st.integers(1, 255))
    elif op == "truncate":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif op in ("delete-line", "swap"):
        lines = bytes(data).split(b"\n")
        i = draw(st.integers(0, len(lines) - 1))
        if op == "delete-line":
            del lines[i]
        else:
            j = draw(st.integers(0, len(lines) - 1))
            tokens_i, tokens_j = lines[i].split(b" "), lines[j].split(b" ")
            tokens_i[-1], tokens_j[-1] = tokens_j[-1], tokens_i[-1]
            lines[i], lines[j] = b" ".join(tokens_i), b" ".join(tokens_j)
        data = bytearray(b"\n".join(lines))
    else:
        i = draw(st.integers(0, len(data)))
        data[i:i] = draw(st.binary(min_size=1, max_size=8))
    return path.suffix, bytes(data)


def _write(tmp: Path, suffix: str, data: bytes) -> Path:
    p = tmp / f"entry{suffix}"
    p.write_bytes(data)
    return p


@settings(max_examples=60, deadline=None)
@given(mutated())
def test_mutations_never_crash_validate(case: tuple[str, bytes]) -> None:
    suffix, data = case
    with tempfile.TemporaryDirectory() as d:
        path = _write(Path(d), suffix, data)
        res = CliRunner().invoke(cli, ["validate", str(path)], catch_exceptions=True)
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exc_info
    assert res.exit_code in (0, 1, 2), res.output
    assert "Traceback" not in res.output


@pytest.fixture(scope="module")
def shared_kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from minelaw.intake.workflow import run_init

    kb = tmp_path_factory.mktemp("prop") / "kb"
    run_init(kb, with_case=True)
    yield kb


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mutated())
def test_mutations_never_leave_partial_files(shared_kb: Path, case: tuple[str, bytes]) -> None:
    suffix, data = case

    def files() -> set[Path]:
        return {p for p in (shared_kb / "entries").rglob("*") if p.name != ".lock"}

    before = files()
    with tempfile.TemporaryDirectory() as d:
        path = _write(Path(d), suffix, data)
        res = CliRunner().invoke(
            cli, ["--kb", str(shared_kb), "add", str(path), "--by", "P"], catch_exceptions=True
        )
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exc_info
    assert res.exit_code in (0, 1, 2)
    new = files() - before
    if res.exit_code != 0:
        assert new == set()
    for f in new:
        assert f.suffix == ".ttl" and not f.name.startswith(".")
        assert list(ox.parse(path=str(f), format=ox.RdfFormat.TURTLE))


def test_jsonld_never_uses_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    for name in ("source.jsonld", "incident-inline-context.json"):
        res = CliRunner().invoke(cli, ["validate", str(GOOD / name)], catch_exceptions=False)
        assert res.exit_code == 0, res.output
    for name in ("remote-context.jsonld", "import-context.jsonld", "scoped-remote-context.jsonld"):
        res = CliRunner().invoke(cli, ["validate", str(BAD / name)], catch_exceptions=False)
        assert res.exit_code == 2 and "never" in res.output


def test_size_limit(tmp_path: Path) -> None:
    from minelaw.intake.formats import MAX_BYTES

    big = tmp_path / "big.ttl"
    with open(big, "wb") as fh:
        fh.write(b"# padding\n" * (MAX_BYTES // 10 + 1))
    res = CliRunner().invoke(cli, ["validate", str(big)], catch_exceptions=False)
    assert res.exit_code == 2 and "too large" in res.output


def test_templates_validate_together(tmp_path: Path) -> None:
    """The example rows of every template make a case that validates on a `minelaw init`
    KB: they refer only to each other and to the law (issue 17)."""
    from minelaw.intake.csvmap import load_mappings
    from minelaw.intake.workflow import run_init

    paths = []
    for kind in load_mappings():
        res = CliRunner().invoke(cli, ["template", kind, "--example"], catch_exceptions=False)
        assert res.exit_code == 0
        p = tmp_path / f"{kind}.csv"
        p.write_text(res.stdout)
        paths.append(str(p))
    assert len(paths) == 14
    run_init(tmp_path / "kb")
    res = CliRunner().invoke(
        cli, ["--kb", str(tmp_path / "kb"), "validate", *paths], catch_exceptions=False
    )
    assert res.exit_code == 0, res.output
    assert "14 valid" in res.output


def test_template_describe_lists_every_column() -> None:
    res = CliRunner().invoke(cli, ["template", "incident", "--describe"], catch_exceptions=False)
    assert "device_type (required, concept)" in res.output
    bad = CliRunner().invoke(cli, ["template", "weather"], catch_exceptions=False)
    assert bad.exit_code == 2
