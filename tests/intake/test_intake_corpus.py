"""The intake corpus: every file in good/ validates (exit 0); every case in bad/ fails with
the exit code and message fragment its manifest entry names.  Data-driven: a new file in
either folder is a new test, and a bad case without a manifest entry fails."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from intake_corpus import BAD, GOOD, case_files, cases

from minelaw.cli import cli

MANIFEST = tomllib.loads((BAD / "manifest.toml").read_text(encoding="utf-8"))


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_corpus_sizes() -> None:
    assert len(cases(GOOD)) >= 10
    assert len(cases(BAD)) >= 40


def test_manifest_matches_folder() -> None:
    names = {c.name for c in cases(BAD)}
    assert names == set(MANIFEST), "every bad case needs a manifest entry, and vice versa"


@pytest.mark.parametrize("case", cases(GOOD), ids=lambda p: p.name)
def test_good(case: Path) -> None:
    res = run("validate", *map(str, case_files(case)))
    assert res.exit_code == 0, res.output
    assert "INVALID" not in res.output and "UNREADABLE" not in res.output


@pytest.mark.parametrize("case", cases(BAD), ids=lambda p: p.name)
def test_bad(case: Path) -> None:
    expect = MANIFEST[case.name]
    args = [a.replace("{dir}", str(BAD)) for a in expect.get("args", [])]
    res = run("validate", *map(str, case_files(case)), *args)
    assert res.exit_code == expect["exit"], res.output
    assert expect["message"] in res.output, res.output
    assert "Traceback" not in res.output
    # every problem says where it is and, for files that could be read, in a located form
    if expect["exit"] == 1:
        assert "INVALID" in res.output


@pytest.mark.parametrize("case", cases(BAD), ids=lambda p: p.name)
def test_bad_json_report(case: Path) -> None:
    """--format json carries the same verdict in the documented schema."""
    expect = MANIFEST[case.name]
    args = [a.replace("{dir}", str(BAD)) for a in expect.get("args", [])]
    res = run("validate", "--format", "json", *map(str, case_files(case)), *args)
    assert res.exit_code == expect["exit"]
    doc = json.loads(res.output)
    assert doc["schema"] == "minelaw-validate/1"
    assert doc["exit_code"] == expect["exit"] and doc["ok"] is False
    messages = " ".join(
        f"{p['message']} {p['hint'] or ''} {p['value'] or ''}"
        for f in doc["files"]
        for p in f["problems"]
    )
    for f in doc["files"]:
        assert f["status"] in ("valid", "invalid", "unreadable")
        for p in f["problems"]:
            assert set(p) >= {"check", "message", "hint", "line", "column", "field", "focus"}
    # the same message as the text report (less its "file: UNREADABLE: " head and location)
    core = expect["message"].split(": UNREADABLE: ")[-1].split(" (line ")[0]
    assert core in messages, (core, messages)
    if "line" in expect:
        assert expect["line"] in [p["line"] for f in doc["files"] for p in f["problems"]]


def test_many_problems_all_reported_with_lines() -> None:
    res = run("validate", "--format", "json", str(BAD / "many-problems.ttl"))
    problems = json.loads(res.output)["files"][0]["problems"]
    assert len(problems) >= 5
    assert all(p["line"] for p in problems)
    checks = {p["check"] for p in problems}
    assert {"value", "property", "reference"} <= checks


def test_csv_problems_name_row_and_column() -> None:
    res = run("validate", "--format", "json", str(BAD / "csv-bad-integer.csv"))
    (p,) = [p for p in json.loads(res.output)["files"][0]["problems"] if p["column"] == "killed"]
    assert p["line"] == 2 and p["value"] == "two"


def test_validate_writes_nothing(tmp_path: Path) -> None:
    from minelaw.intake.workflow import run_init

    kb = tmp_path / "kb"
    run_init(kb, with_case=True)
    before = sorted(p.relative_to(kb) for p in kb.rglob("*"))
    res = run("--kb", str(kb), "validate", str(GOOD / "source.ttl"))
    assert res.exit_code == 0, res.output
    assert sorted(p.relative_to(kb) for p in kb.rglob("*")) == before
