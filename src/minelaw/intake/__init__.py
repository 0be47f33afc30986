"""Evidence intake (floor 3, beside briefs and sparql, never importing them).

:func:`run_validate`, :func:`run_add` and :func:`run_init` are ``minelaw validate``,
``add`` and ``init``, reported by :func:`render_text`, :func:`render_json` and
:func:`exit_code` (:mod:`.workflow`); each file becomes a :class:`Submission` whose
problems are :class:`EntryProblem` objects (:mod:`.entrycheck`), read safely by
:mod:`.formats`; :func:`load_mappings` and :func:`template` are the CSV mappings
(:mod:`.csvmap`).
"""

from .csvmap import load_mappings, template
from .entrycheck import EntryProblem, Submission
from .workflow import exit_code, render_json, render_text, run_add, run_init, run_validate

__all__ = [
    "EntryProblem",
    "Submission",
    "exit_code",
    "load_mappings",
    "render_json",
    "render_text",
    "run_add",
    "run_init",
    "run_validate",
    "template",
]
