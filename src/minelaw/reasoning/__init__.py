"""The law applied (floor 2, on the store; docs/architecture.md).

:func:`load_rules` and :func:`run_candidates` (or :func:`run_pyshacl`) select candidate
breaches (:class:`Rule`, :class:`Candidate`, :mod:`.rules`); :func:`collect` and
:func:`compute` analyse them element by element into :class:`Finding` objects, with
:func:`what_if` and :func:`sensitivity` (:mod:`.findings`), to a standard of proof on the
:data:`LADDER` (:func:`load_thresholds`, :mod:`.standards`); :func:`ensure` and
:func:`to_turtle` give the findings as RDF (:mod:`.findings_graph`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names, for type checkers; at run time they load on first use
    from .findings import Context, Finding, collect, compute, sensitivity, what_if
    from .findings_graph import ensure, to_turtle
    from .rules import Candidate, Rule, load_rules, run_candidates, run_pyshacl
    from .standards import LADDER, load_thresholds

# name -> submodule: importing the package stays cheap (a worker or `minelaw --help` does
# not pay for modules it never uses)
_EXPORTS = {
    "Candidate": "rules",
    "Context": "findings",
    "Finding": "findings",
    "LADDER": "standards",
    "Rule": "rules",
    "collect": "findings",
    "compute": "findings",
    "ensure": "findings_graph",
    "load_rules": "rules",
    "load_thresholds": "standards",
    "run_candidates": "rules",
    "run_pyshacl": "rules",
    "sensitivity": "findings",
    "to_turtle": "findings_graph",
    "what_if": "findings",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "LADDER",
    "Candidate",
    "Context",
    "Finding",
    "Rule",
    "collect",
    "compute",
    "ensure",
    "load_rules",
    "load_thresholds",
    "run_candidates",
    "run_pyshacl",
    "sensitivity",
    "to_turtle",
    "what_if",
]
