"""Case briefs (minelaw.briefs): golden Markdown and HTML, PDF text, the CLI.

Escaping of untrusted text is tested in test_escaping.py.

The briefs are rendered from the fictional world of the rule tests
(tests/rules/_world.ttl plus a few cases), not from the case KB, so that the
golden files change only when the law, the rules or the templates change.
Regenerate them with ``MINELAW_UPDATE_GOLDEN=1 pytest tests/briefs`` and review
the diff.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = ["CIHL-R83-004.ttl", "CCW-APII-1996-art10-001.ttl", "ECHR-1950-art2-001.ttl"]
GOLDEN_IDS = [
    "CIHL-R83--QQA--place-qq-south",
    "CCW-APII-1996-art10--QQA--place-qq-south",
    "ECHR-1950-art2--QQB--place-qq-south",
]
FIXED = {"generated": dt.date(2024, 1, 31), "kb": {"version": "golden", "triples": 0}}
HEADINGS = [
    "Question presented",
    "Short answer",
    "Applicable law",
    "Applicable law between these parties",
    "Armed conflict, jurisdiction, attribution and occupation",
    "Facts",
    "Elements",
    "Counter-positions",
    "Evidence gaps",
    "Sensitivity",
    "Sources",
    "Method",
    "Status of this brief",
]


def make_kb(folder: Path, cases: list[str], replace: tuple[str, str] | None = None) -> Path:
    shutil.copytree(ROOT / "kb" / "law", folder / "law")
    shutil.copy(ROOT / "tests" / "rules" / "_world.ttl", folder / "world.ttl")
    for name in cases:
        text = (ROOT / "tests" / "rules" / name).read_text(encoding="utf-8")
        if replace:
            assert replace[0] in text
            text = text.replace(*replace)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from minelaw.reasoning.findings import collect, compute
    from minelaw.store.cache import open_kb

    kb = make_kb(tmp_path_factory.mktemp("briefs-kb"), CASES)
    store = open_kb(kb)
    ctx = collect(store)
    return kb, store, ctx, {f.id: f for f in compute(store, ctx=ctx)}


def _check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("MINELAW_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"missing golden file {path}; run with MINELAW_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} differs from its golden file; if the change is intended, rerun with "
        "MINELAW_UPDATE_GOLDEN=1 and review the diff"
    )


@pytest.mark.parametrize("fid", GOLDEN_IDS)
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_golden(world, fid: str, fmt: str) -> None:  # type: ignore[no-untyped-def]
    from minelaw.briefs.render import render

    _, store, ctx, found = world
    assert fid in found, sorted(found)
    text = render(found[fid], store, fmt, ctx, **FIXED)
    assert isinstance(text, str)
    positions = [text.find(h) for h in HEADINGS]
    assert -1 not in positions and positions == sorted(positions), "sections out of order"
    assert "not a legal determination" in text
    _check_golden(f"{fid}.{fmt}", text)


def test_brief_content(world) -> None:  # type: ignore[no-untyped-def]
    from minelaw.briefs.render import brief_context

    _, store, ctx, found = world
    b = brief_context(found["CCW-APII-1996-art10--QQA--place-qq-south"], store, ctx, **FIXED)
    # a requirement is phrased by fulfilment ("established" = the breach element holds = the
    # requirement is not fulfilled)
    phrasing = {
        "established": "Not fulfilled",
        "contested": "Not fulfilled",
        "alleged": "Alleged not fulfilled",
        "unknown": "Unknown whether fulfilled",
        "not_met": "Ful",
    }
    reqs = [e for e in b["elements"] if e["role"] == "requirement"]
    assert reqs and all(e["status_text"].startswith(phrasing[e["status"]]) for e in reqs)
    assert not any(
        "fulfilled" in e["status_text"] for e in b["elements"] if e["role"] != "requirement"
    )
    assert b["law"][0]["in_force"] == "10 July 2000"
    assert "entered into force" in b["law"][0]["citation"]
    # claims are attributed; the thresholds come from the store
    claims = [f for f in b["facts"] if f["is_claim"]]
    assert claims and all(c["claimant"] for c in claims)
    assert [t["level"] for t in b["thresholds"]][-1] == "clear_and_convincing"
    assert b["map_svg"].startswith("<svg") and b["timeline_svg"].startswith("<svg")
    assert b["coordinates_approximate"]


def test_undated_claim_shows_its_source_date(tmp_path: Path) -> None:
    """A claim without its own date carries the date its source was published, said to be that."""
    from minelaw.briefs.render import brief_context
    from minelaw.reasoning.findings import collect, compute
    from minelaw.store.cache import open_kb

    kb = make_kb(
        tmp_path / "kb",
        ["CIHL-R83-004.ttl"],
        ('    ml:claimedOn "2020-01-12"^^xsd:date ;\n', ""),
    )
    store = open_kb(kb)
    ctx = collect(store)
    (f,) = [f for f in compute(store, ctx=ctx) if f.id.startswith("CIHL-R83--")]
    b = brief_context(f, store, ctx, **FIXED)
    (fact,) = [fa for fa in b["facts"] if fa["id"] == "claim-qqa-denial"]
    assert fact["when"] == "1 June 2020 (date of the source; the statement is undated)"
    (dated,) = [fa for fa in b["facts"] if fa["id"] == "claim-qqb-laying"]
    assert dated["when"] == "10 January 2020"


@pytest.mark.parametrize("fmt", ["md", "html", "pdf"])
def test_cli_brief_all(world, run_cli, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    if fmt == "pdf":
        pytest.importorskip("weasyprint")
    kb, _, _, found = world
    out = tmp_path / "out"
    res = run_cli("brief", "--all", "--format", fmt, "--out", str(out), kb=kb)
    assert res.exit_code == 0, res.output
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted([f"{i}.{fmt}" for i in found] + [f"index.{fmt}"])
    if fmt != "pdf":
        index = (out / f"index.{fmt}").read_text(encoding="utf-8")
        for fid in found:
            assert f"{fid}.{fmt}" in index
        # the index has its own text, not a brief's disclaimer (issue 17)
        from markupsafe import escape

        from minelaw.briefs.render import DISCLAIMER, INDEX_TEXT

        def shown(s: str) -> str:
            return s if fmt == "md" else str(escape(s))

        assert shown(INDEX_TEXT) in index and shown(DISCLAIMER) not in index
        # every source's full citation once (its note); the Sources section points to it
        for fid in found:
            brief = (out / f"{fid}.{fmt}").read_text(encoding="utf-8")
            urls = re.findall(r"https://example\.org/[^\s<>)\"]+", brief)
            assert urls, fid
            for url in set(urls):
                n = brief.count(url if fmt == "md" else f'href="{url}"')
                assert n == 1, (fid, url, n)
            assert "undated" not in brief.replace("the statement is undated", "")
        return
    # a PDF brief has the sections, in its text (one WeasyPrint run serves both checks)
    pypdf = pytest.importorskip("pypdf")
    pdf = (out / f"{GOLDEN_IDS[0]}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    text = " ".join(
        "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages).split()
    )
    for h in HEADINGS:
        assert h in text, h
    assert "Qaland" in text and "reasonable grounds to believe" in text


def test_cli_brief_ids_and_errors(world, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    kb, _, _, found = world
    out = tmp_path / "one"
    res = run_cli("brief", GOLDEN_IDS[0], "--format", "md", "--out", str(out), kb=kb)
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == [f"{GOLDEN_IDS[0]}.md", "index.md"]
    res = run_cli("brief", "no-such-finding", "--out", str(out), kb=kb)
    assert res.exit_code == 2
    assert "known ids" in res.output and GOLDEN_IDS[0] in res.output
    res = run_cli("brief", "--out", str(out), kb=kb)
    assert res.exit_code == 2


def test_file_names_are_sanitised() -> None:
    from minelaw.briefs.render import file_stem

    assert file_stem("CIHL-R83--QQA--place-x") == "CIHL-R83--QQA--place-x"
    assert "/" not in file_stem("../../etc/passwd") and not file_stem("../x").startswith(".")
    assert file_stem("") == "finding"


def test_bundled_briefs_name_facts_by_label(store) -> None:  # type: ignore[no-untyped-def]
    """On the bundled case no fact is shown by its bare identifier: events carry
    skos:prefLabel (used when there is no rdfs:label), control periods are named by their
    controller."""
    from minelaw.briefs.render import brief_context
    from minelaw.reasoning.findings import collect, compute

    ctx = collect(store)
    found = compute(store, ctx=ctx)
    assert found
    shown = 0
    for f in found:
        b = brief_context(f, store, ctx, figures=False, **FIXED)
        for fa in b["facts"]:
            shown += 1
            text = (fa["assertion"] or fa["label"]) if fa["is_claim"] else fa["label"]
            assert text and text != fa["id"], (f.id, fa["id"])
    assert shown > 20


def test_norm_scope_and_doubts_are_in_the_brief(tmp_path: Path) -> None:
    """A doubt recorded on the norm (ml:scopeNote) is said in the brief, in both formats."""
    import rdflib

    from minelaw.briefs.render import brief_context, render_context
    from minelaw.reasoning.findings import collect, compute
    from minelaw.store.cache import open_kb

    kb = make_kb(tmp_path / "kb", ["CIHL-R11-001.ttl", "CIHL-R83-004.ttl"])
    law = rdflib.Graph().parse(kb / "law" / "norms-ihl.ttl")
    ml = rdflib.Namespace("https://w3id.org/minelaw/ontology#")
    mlr = rdflib.Namespace("https://w3id.org/minelaw/id/")
    (note,) = [str(o) for o in law.objects(mlr["CIHL-R11"], ml.scopeNote)]
    assert not list(law.objects(mlr["CIHL-R83"], ml.scopeNote))
    store = open_kb(kb)
    ctx = collect(store)
    found = {f.id: f for f in compute(store, ctx=ctx)}
    b = brief_context(found["CIHL-R11--QQA--place-qq-south"], store, ctx, **FIXED)
    assert b["norm"]["scope_notes"] == [note]
    md = str(render_context(b, "md"))
    # its own paragraph, after the norm's definition
    assert f"\n\n*Scope and doubts recorded for this norm:* {note}\n" in md.replace("\\", "")
    html = str(render_context(b, "html"))
    assert "Scope and doubts recorded for this norm:</em>" in html
    assert "para 1877" in html and "&#34;against the adversary&#34;" in html
    # a norm without a recorded doubt says none
    (r83,) = [f for i, f in found.items() if i.startswith("CIHL-R83--")]
    b83 = brief_context(r83, store, ctx, **FIXED)
    assert b83["norm"]["scope_notes"] == []
    assert "Scope and doubts" not in str(render_context(b83, "md"))
