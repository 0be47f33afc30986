"""The law applied (floor 2, on the store; docs/architecture.md).

:func:`load_rules` and :func:`run_candidates` (or :func:`run_pyshacl`) select candidate
breaches (:class:`Rule`, :class:`Candidate`, :mod:`.rules`); :func:`collect` and
:func:`compute` analyse them element by element into :class:`Finding` objects, with
:func:`what_if` and :func:`sensitivity` (:mod:`.findings`), to a standard of proof on the
:data:`LADDER` (:func:`load_thresholds`, :mod:`.standards`); :func:`ensure` and
:func:`to_turtle` give the findings as RDF (:mod:`.findings_graph`).
"""

from .findings import Context, Finding, collect, compute, sensitivity, what_if
from .findings_graph import ensure, to_turtle
from .rules import Candidate, Rule, load_rules, run_candidates, run_pyshacl
from .standards import LADDER, load_thresholds

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
