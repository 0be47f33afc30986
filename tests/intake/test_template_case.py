"""A case started from the CSV templates only gets its findings (issue 17).

A plain `minelaw init` KB, the fictional case in ``data/template-case/`` (states, an actor,
a source, a place, a conflict with its classification, a phase of hostilities, a control
period, a treaty participation, an incident and a claim, all CSV), added with `minelaw add`;
then `minelaw findings --format json`, through the real CLI.  One changed cell removes the
finding it decides: the date the Mine Ban Convention entered into force for QQA (the
clearance deadline moves past the incident), or the end of QQB's occupation (QQA's
jurisdiction over its own district is then rebutted on the date of the incident).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from minelaw.intake.workflow import run_init

CASE = Path(__file__).parent / "data" / "template-case"
FILES = [
    "states.csv",
    "actors.csv",
    "sources.csv",
    "places.csv",
    "conflicts.csv",
    "phases.csv",
    "control.csv",
    "participation.csv",
    "incidents.csv",
    "claims.csv",
]
APMBC = "APMBC-1997-art5--QQA--place-qqa-north"
R82 = "CIHL-R82--QQB--place-qqa-north"


def _findings(run_cli: Any, root: Path, change: tuple[str, str, str] | None = None) -> dict:
    """init + add the case's CSV files (one cell changed) + findings: id -> finding."""
    data = root / "csv"
    shutil.copytree(CASE, data)
    if change:
        name, old, new = change
        text = (data / name).read_text(encoding="utf-8")
        assert old in text
        (data / name).write_text(text.replace(old, new), encoding="utf-8")
    run_init(root / "kb")
    added = run_cli("add", *(str(data / f) for f in FILES), "--by", "test", kb=root / "kb")
    assert added.exit_code == 0, added.output
    res = run_cli("findings", "--format", "json", kb=root / "kb")
    assert res.exit_code in (0, 1), res.output
    return {f["id"]: f for f in json.loads(res.stdout)["findings"]}


def test_every_file_of_the_case_is_a_template_kind(run_cli: Any, tmp_path: Path) -> None:
    from minelaw.intake.csvmap import infer_kind, load_mappings

    mappings = load_mappings()
    kinds = set()
    for f in FILES:
        header = (CASE / f).read_text(encoding="utf-8").splitlines()[0].split(",")
        kind = infer_kind(header, mappings)
        assert kind is not None, f
        assert set(header) <= set(mappings[kind].names), f
        kinds.add(kind)
    assert kinds >= {"state", "actor", "place", "conflict", "phase", "control-period"}
    assert kinds >= {"participation", "source", "incident", "claim"}


def test_case_from_templates_gets_findings(run_cli: Any, tmp_path: Path) -> None:
    found = _findings(run_cli, tmp_path)
    f = found[APMBC]
    assert f["duty_bearer"] == {"id": "QQA", "label": "Qaland"}
    assert f["territory"]["label"] == "North District"
    # ten years after entry into force (2002-03-01) for QQA, from participation.csv
    assert f["relevant_date"]["date"] == "2012-03-01"
    # the conflict and its classification (conflicts.csv) make IHL apply to QQB's conduct
    assert found[R82]["duty_bearer"]["id"] == "QQB"


@pytest.mark.parametrize(
    ("change", "gone", "kept"),
    [
        # in force from 2012: the deadline (2022-03-01) is after the incident of 2019
        (("participation.csv", "2001-09-01,2002-03-01", "2011-09-01,2012-03-01"), APMBC, R82),
        # the occupation continues: QQB, not QQA, controlled the district in 2019
        (("control.csv", "2015-02-01,2016-12-31", "2015-02-01,"), APMBC, R82),
    ],
    ids=["participation-date", "control-period-end"],
)
def test_one_changed_cell_removes_the_finding(
    run_cli: Any, tmp_path: Path, change: tuple[str, str, str], gone: str, kept: str
) -> None:
    found = _findings(run_cli, tmp_path, change)
    assert gone not in found
    assert kept in found
