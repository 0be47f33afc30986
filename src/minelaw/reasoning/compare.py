"""What changed between two runs of the findings: new, dropped and re-graded findings, and the
elements whose status or standard changed.

Used by ``minelaw findings --compare BEFORE.json`` (and after ``minelaw add``), so that a
researcher who adds evidence sees its effect at once.  Compares the JSON documents of
``minelaw findings --format json`` (DESIGN.md section 5), keyed by finding id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .standards import LADDER


def _by_id(docs: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["id"]: d for d in docs}


def diff(before: Sequence[dict[str, Any]], after: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """``{"new": [...], "dropped": [...], "changed": [...]}``; each changed entry names the
    finding, its standard before and after, and the elements whose status or standard moved."""
    b, a = _by_id(before), _by_id(after)
    changed = []
    for fid in sorted(set(a) & set(b)):
        fa, fb = a[fid], b[fid]
        els_b = {e["id"]: e for e in fb.get("elements", [])}
        moved = []
        for e in fa.get("elements", []):
            old = els_b.get(e["id"])
            if old is None:
                continue
            if (old["status"], old.get("standard_of_proof")) != (
                e["status"],
                e.get("standard_of_proof"),
            ):
                moved.append(
                    {
                        "id": e["id"],
                        "label": e.get("label", ""),
                        "before": f"{old['status']} ({old.get('standard_of_proof')})",
                        "after": f"{e['status']} ({e.get('standard_of_proof')})",
                    }
                )
        if moved or fa["standard_of_proof"] != fb["standard_of_proof"]:
            sa, sb = fa["standard_of_proof"], fb["standard_of_proof"]
            direction = (
                "unchanged"
                if sa == sb
                else ("raised" if LADDER.index(sa) > LADDER.index(sb) else "lowered")
            )
            changed.append(
                {"id": fid, "before": sb, "after": sa, "direction": direction, "elements": moved}
            )
    return {
        "new": [{"id": f, "standard": a[f]["standard_of_proof"]} for f in sorted(set(a) - set(b))],
        "dropped": [
            {"id": f, "standard": b[f]["standard_of_proof"]} for f in sorted(set(b) - set(a))
        ],
        "changed": changed,
    }


def render(d: dict[str, Any]) -> str:
    """The diff as text."""
    lines = []
    if not (d["new"] or d["dropped"] or d["changed"]):
        return "No finding was created, dropped or re-graded."
    for f in d["new"]:
        lines.append(f"+ new      {f['id']} ({f['standard']})")
    for f in d["dropped"]:
        lines.append(f"- dropped  {f['id']} (was {f['standard']})")
    for f in d["changed"]:
        lines.append(f"~ {f['direction']:<8} {f['id']}: {f['before']} -> {f['after']}")
        for e in f["elements"]:
            lines.append(f"    {e['id']} {e['label']}: {e['before']} -> {e['after']}")
    return "\n".join(lines)
