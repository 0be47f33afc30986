"""Restricted data kept apart on disk: the ``confidentiality`` step of ``minelaw check``.

Implements the file side of DESIGN.md section 7 (issue 18, item 9): a file is restricted
because of *where* it is (under a ``restricted/`` folder), never because of what it says,
so a public file that declares ``ml:confidentiality mlv:confidentiality-restricted`` is
published as it stands -- :func:`confidentiality_problems` warns about it, and about
restricted files and folders that other users of the machine can read (POSIX modes:
files 0600, folders 0700).  Symbolic links are refused when the KB is read
(:func:`minelaw.store.oxigraph.discover`).
"""

from __future__ import annotations

import os
import stat

from ..errors import Problem
from ..namespaces import PREFIXES
from .oxigraph import EmbeddedStore


def confidentiality_problems(store: EmbeddedStore) -> list[Problem]:
    """Warnings: public files that declare themselves restricted; readable restricted files."""
    ml, mlv = PREFIXES["ml"], PREFIXES["mlv"]
    out: list[Problem] = []
    public = [f for f in store.files if f.kind == "kb" and not f.restricted]
    if public:
        values = " ".join(f"<{f.graph}>" for f in public)
        rows = store.store.query(
            f"SELECT DISTINCT ?g ?x WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ "
            f"?x <{ml}confidentiality> <{mlv}confidentiality-restricted> }} }}"
        )
        for row in rows:  # type: ignore[union-attr]
            f = store.file_of_graph(row["g"].value)
            out.append(
                Problem(
                    "confidentiality",
                    "warning",
                    f"{row['x'].value} is marked restricted, but its file is public "
                    "(not under a restricted/ folder): it is served, pushed and briefed",
                    path=f.relpath if f else None,
                    hint="move the file under a restricted/ folder (e.g. entries/restricted/)",
                )
            )
    if os.name != "posix":
        return out
    seen: set[str] = set()
    for f in store.files:
        if not f.restricted:
            continue
        for path, want in ((f.path, 0o600), (f.path.parent, 0o700)):
            if str(path) in seen:
                continue
            seen.add(str(path))
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                out.append(
                    Problem(
                        "confidentiality",
                        "warning",
                        f"{path} is restricted but readable by other users (mode {mode:04o})",
                        path=str(path),
                        hint=f"chmod {want:o} {path}",
                    )
                )
    return out


__all__ = ["confidentiality_problems"]
