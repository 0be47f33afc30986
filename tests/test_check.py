"""`minelaw check`: summary, OWL inconsistency (exit 1), syntax errors (exit 2), QC."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from paths import DATA


def test_bundled_kb_passes(run_cli) -> None:  # type: ignore[no-untyped-def]
    res = run_cli("check")
    assert res.exit_code == 0, res.output
    assert "OK:" in res.output
    for step in ("load", "OWL 2 RL disjointness", "OWL 2 DL consistency", "ontology QC"):
        assert step in res.output
    assert " 0 errors" in res.output


def test_disjoint_classes_exit_1_and_name_file_and_classes(run_cli) -> None:  # type: ignore[no-untyped-def]
    res = run_cli("check", "--no-dl", kb=DATA / "kb-inconsistent")
    assert res.exit_code == 1, res.output
    line = next(ln for ln in res.output.splitlines() if "owl:disjointness" in ln)
    assert "kb-inconsistent/actors.ttl" in line
    assert "kb-inconsistent/organisations.ttl" in line
    assert "ml:State" in line and "ml:Organisation" in line
    assert "FAILED" in res.output


def test_syntax_error_exit_2_with_file_line_column(run_cli) -> None:  # type: ignore[no-untyped-def]
    res = run_cli("check", kb=DATA / "kb-syntax-error")
    assert res.exit_code == 2, res.output
    assert "kb-syntax-error/places.ttl:9:20:" in res.output
    assert "Traceback" not in res.output


def test_missing_kb_folder_exit_2(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res = run_cli("check", kb=tmp_path / "nope")
    assert res.exit_code == 2
    assert "knowledge base folder not found" in res.output


def test_qc_flags_ill_typed_literal(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    kb = tmp_path / "kb"
    shutil.copytree(DATA / "kb-minimal", kb)
    (kb / "bad.ttl").write_text(
        "@prefix ml: <https://w3id.org/minelaw/ontology#> .\n"
        "@prefix mlr: <https://w3id.org/minelaw/id/> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        "mlr:ev-1 a ml:MineIncident ;\n"
        '    ml:date "12 June 2021" ;\n'
        '    ml:killed "2021-02-30"^^xsd:date .\n',
        encoding="utf-8",
    )
    res = run_cli("check", "--no-dl", kb=kb)
    assert res.exit_code == 1
    assert "qc:wrong-datatype" in res.output
    assert "bad.ttl:4" in res.output  # the line where mlr:ev-1 is described


def test_qc_flags_a_resource_described_in_two_files(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Over the union of graphs a statement made in two files counts twice (a casualty sum of
    the bundled case was once multiplied by 8 that way)."""
    kb = tmp_path / "kb"
    shutil.copytree(DATA / "kb-minimal", kb)
    head = (
        "@prefix ml: <https://w3id.org/minelaw/ontology#> .\n"
        "@prefix mlr: <https://w3id.org/minelaw/id/> .\n"
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
    )
    org = 'mlr:org-twice a ml:Organisation ; dcterms:identifier "org-twice" .\n'
    (kb / "one.ttl").write_text(head + org, encoding="utf-8")
    res = run_cli("check", "--no-dl", kb=kb)
    assert "qc:described-twice" not in res.output
    (kb / "two.ttl").write_text(head + org, encoding="utf-8")
    res = run_cli("check", "--no-dl", kb=kb)
    line = next(ln for ln in res.output.splitlines() if "qc:described-twice" in ln)
    assert "one.ttl and " in line and "two.ttl" in line and "org-twice" in line


@pytest.mark.parametrize("kb", ["kb-minimal"])
def test_cached_store_is_reused_and_invalidated(run_cli, tmp_path: Path, kb: str) -> None:  # type: ignore[no-untyped-def]
    work = tmp_path / "kb"
    shutil.copytree(DATA / kb, work)
    with (work / "states.ttl").open("a", encoding="utf-8") as fh:  # a key no other test shares
        fh.write(f"\n# {tmp_path.name}\n")
    first = run_cli("check", "--no-dl", kb=work)
    second = run_cli("check", "--no-dl", kb=work)
    assert (first.exit_code, second.exit_code) == (0, 0), first.output + second.output
    assert "(store built)" in first.output
    assert "(cached store reused)" in second.output
    with (work / "states.ttl").open("a", encoding="utf-8") as fh:
        fh.write('\nmlr:XYZ rdfs:comment "changed" .\n')
    third = run_cli("check", "--no-dl", kb=work)
    assert third.exit_code == 0, third.output
    assert "(store built)" in third.output
