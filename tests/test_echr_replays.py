"""Decided cases replayed: the ECtHR's judgments on mines and unexploded ordnance (issue 20).

Each folder of ``tests/replays`` holds one judgment's facts as the Court found them (events and
states of affairs with ``ml:foundBy``, the judgment or the Court's own summary as source) and
the parties' allegations before it (claims with ``ml:allegedBefore``), plus ``holding.toml``:
the Court's holding, limb by limb.  A replay's knowledge base is ``kb/law`` plus that folder
(``tests/replays/README.md`` says why the replays are kept out of the bundled KB).

For each limb of ``holding.toml``:

- ``holding = "violation"``: a finding against the respondent in the territory, at a standard of
  at least ``min_standard`` (a final judgment's findings of fact carry the Court's own standard),
  with every element the Court relied on established, resting on the facts listed
  (``[limb.support]``) and showing the respondent's account as a counter-position
  (``[limb.counter]``); the relevant date and the basis of jurisdiction as given; and the brief
  for the finding cites the judgment (``[limb.brief]``, OSCOLA, with a paragraph where read);
- ``holding = "not read"``: only the element statuses listed (``[limb.status]``) are asserted.

No replay yields a finding against any other duty-bearer, or under any other norm: no armed
conflict is recorded, so applicability sets the law of armed conflict aside.  Loaded together
with the bundled KB, the replays change none of its findings.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from paths import ROOT

REPLAYS = sorted(
    p for p in (ROOT / "tests" / "replays").iterdir() if (p / "holding.toml").is_file()
)
MLR = "https://w3id.org/minelaw/id/"
LADDER = [
    "insufficient",
    "reasonable_grounds",
    "balance_of_probabilities",
    "clear_and_convincing",
]


def _holding(replay: Path) -> dict[str, Any]:
    return tomllib.loads((replay / "holding.toml").read_text(encoding="utf-8"))


LIMBS = [(r, i) for r in REPLAYS for i, _ in enumerate(_holding(r)["limb"])]
BRIEFS = [(r, i) for r, i in LIMBS if "brief" in _holding(r)["limb"][i]]


def _ids(limbs: list[tuple[Path, int]]) -> list[str]:
    return [f"{r.name}-{_holding(r)['limb'][i]['norm']}" for r, i in limbs]


def replay_kb(replay: Path, tmp: Path) -> Path:
    """kb/law plus the replay's folder, as `minelaw init` and a copy of the folder would make it."""
    kb = tmp / replay.name
    shutil.copytree(ROOT / "kb" / "law", kb / "law")
    shutil.copytree(replay, kb / "case")
    return kb


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Replay name -> (kb folder, findings as JSON by id, the run's exclusions); built once."""
    from minelaw.reasoning.findings import collect, compute
    from minelaw.store import open_kb, preflight

    cache: dict[str, tuple[Path, dict[str, Any], list[Any]]] = {}

    def get(replay: Path) -> tuple[Path, dict[str, Any], list[Any]]:
        if replay.name not in cache:
            kb = replay_kb(replay, tmp_path_factory.mktemp("replay"))
            store = open_kb(kb)
            assert preflight(store) == [], "the replay's data must pass the entry shapes"
            ctx = collect(store)
            found = {f.id: f.to_json() for f in compute(store, ctx=ctx)}
            cache[replay.name] = (kb, found, ctx.exclusions)
        return cache[replay.name]

    return get


def _find(found: dict[str, Any], limb: dict[str, Any]) -> dict[str, Any] | None:
    return found.get(f"{limb['norm']}--{limb['duty_bearer']}--{limb['territory']}")


@pytest.mark.parametrize(("replay", "n"), LIMBS, ids=_ids(LIMBS))
def test_replay_reaches_the_courts_holding(replay: Path, n: int, replayed: Any) -> None:
    limb = _holding(replay)["limb"][n]
    _, found, _ = replayed(replay)
    f = _find(found, limb)
    assert f is not None, (limb["court"], sorted(found))
    elements = {e["id"]: e for e in f["elements"]}
    for el, status in limb.get("status", {}).items():
        assert elements[el]["status"] == status, (limb["court"], elements[el])
    if limb["holding"] != "violation":
        return
    assert f["relevant_date"]["date"] == limb["relevant_date"], f["relevant_date"]
    assert (f["applicability"]["jurisdiction"] or {}).get("basis") == limb["jurisdiction"]
    for el in limb["established"]:
        assert elements[el]["status"] == "established", (limb["court"], elements[el])
    for el, items in limb.get("support", {}).items():
        assert set(items) <= set(elements[el]["support"]), (el, elements[el]["support"])
    for el, items in limb.get("counter", {}).items():
        assert set(items) <= set(elements[el]["counter_evidence"]), (el, elements[el])
    # a violation is a finding above "insufficient", at the standard a final judgment's
    # findings of fact carry
    assert LADDER.index(f["standard_of_proof"]) >= LADDER.index(limb["min_standard"]), (
        f["standard_of_proof"],
        f["explanation"],
    )


@pytest.mark.parametrize("replay", REPLAYS, ids=[r.name for r in REPLAYS])
def test_replay_finds_nothing_else(replay: Path, replayed: Any) -> None:
    """Only the limbs of the holding: no other duty-bearer, no norm of the law of armed conflict
    (set aside by applicability, with the reason, since no armed conflict is recorded), and not
    the territorial state's reduced duty where no other actor controlled the place (its full
    jurisdiction was the Court's basis: Ilascu [GC] paras 311-312, 330-333)."""
    _, found, exclusions = replayed(replay)
    limbs = _holding(replay)["limb"]
    assert set(found) == {f"{x['norm']}--{x['duty_bearer']}--{x['territory']}" for x in limbs}
    for x in exclusions:
        if x.trigger.norm.endswith("/ECHR-1950-art2-limited"):
            assert "jurisdiction is presumed in full there" in x.reason, x.reason
        else:
            assert "armed conflict" in x.reason, x.reason


@pytest.mark.parametrize(("replay", "n"), BRIEFS, ids=_ids(BRIEFS))
def test_replay_brief_cites_the_judgment(
    replay: Path, n: int, replayed: Any, run_cli: Any, tmp_path: Path
) -> None:
    limb = _holding(replay)["limb"][n]
    kb, found, _ = replayed(replay)
    fid = f"{limb['norm']}--{limb['duty_bearer']}--{limb['territory']}"
    res = run_cli("brief", fid, "--format", "md", "--out", str(tmp_path), kb=kb)
    assert res.exit_code == 0, res.output
    text = (tmp_path / f"{fid}.md").read_text(encoding="utf-8")
    for citation in limb["brief"]["cites"]:
        assert citation in text.replace("\\[", "[").replace("\\]", "]"), citation
    assert "Yes, as a candidate breach" in text


def test_replays_leave_the_bundled_findings_alone(tmp_path: Path) -> None:
    """Loaded together with the bundled KB, the replays add their own findings (other states, in
    their own territories) and change none of the bundled case's: evidence is read for each
    finding's duty-bearer and territory only."""
    from minelaw.reasoning.findings import compute
    from minelaw.store import open_kb

    def summary(kb: Path) -> dict[str, Any]:
        return {
            f.id: (f.standard, [(e.element, e.status, e.standard, e.support) for e in f.elements])
            for f in compute(open_kb(kb))
        }

    combined = tmp_path / "kb"
    shutil.copytree(ROOT / "kb", combined)
    for replay in REPLAYS:
        shutil.copytree(replay, combined / "cases" / replay.name)
    alone, together = summary(ROOT / "kb"), summary(combined)
    added = {
        f"{x['norm']}--{x['duty_bearer']}--{x['territory']}"
        for r in REPLAYS
        for x in _holding(r)["limb"]
    }
    assert {k: v for k, v in together.items() if k not in added} == alone
    assert added <= set(together)
