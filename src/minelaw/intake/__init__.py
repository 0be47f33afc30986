"""Evidence intake (floor 3, beside briefs and sparql, never importing them).

:func:`run_validate` and :func:`run_init` are ``minelaw validate`` and ``init``
(:mod:`.workflow`); :func:`run_add` (with :func:`read_amendment`) is ``add`` and ``amend``
(:mod:`.entries`); reports are :func:`render_text`, :func:`render_json` and
:func:`exit_code` (:mod:`.workflow`); each file becomes a :class:`Submission` whose
problems are :class:`EntryProblem` objects (:mod:`.entrycheck`), read safely by
:mod:`.formats`; :func:`load_mappings` and :func:`template` are the CSV mappings
(:mod:`.csvmap`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names, for type checkers; at run time they load on first use
    from .csvmap import load_mappings, template
    from .entries import read_amendment, run_add
    from .entrycheck import EntryProblem, Submission
    from .workflow import exit_code, render_json, render_text, run_init, run_validate

# name -> submodule: importing the package stays cheap (a worker or `minelaw --help` does
# not pay for modules it never uses)
_EXPORTS = {
    "EntryProblem": "entrycheck",
    "Submission": "entrycheck",
    "exit_code": "workflow",
    "load_mappings": "csvmap",
    "render_json": "workflow",
    "render_text": "workflow",
    "read_amendment": "entries",
    "run_add": "entries",
    "run_init": "workflow",
    "run_validate": "workflow",
    "template": "csvmap",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "EntryProblem",
    "Submission",
    "exit_code",
    "load_mappings",
    "render_json",
    "render_text",
    "read_amendment",
    "run_add",
    "run_init",
    "run_validate",
    "template",
]
