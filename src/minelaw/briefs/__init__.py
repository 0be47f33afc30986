"""Case briefs, one memo per finding (floor 3, beside intake and sparql, never importing them).

:func:`brief_context` gathers what a brief needs (:mod:`.context`, with OSCOLA citations,
:func:`cite` and :func:`format_date`, from :mod:`.citations` and SVG figures from
:mod:`.figures`); :func:`render_html`, :func:`render_index` and :func:`write_all` render
Markdown, HTML and PDF (:mod:`.render`, named by :func:`file_stem`; its ``render``
function is not re-exported, so that ``minelaw.briefs.render`` stays the module).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names, for type checkers; at run time they load on first use
    from .citations import cite, format_date
    from .context import file_stem
    from .render import brief_context, render_html, render_index, write_all

# name -> submodule: importing the package stays cheap (a worker or `minelaw --help` does
# not pay for modules it never uses)
_EXPORTS = {
    "brief_context": "render",
    "cite": "citations",
    "file_stem": "context",
    "format_date": "citations",
    "render_html": "render",
    "render_index": "render",
    "write_all": "render",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "brief_context",
    "cite",
    "file_stem",
    "format_date",
    "render_html",
    "render_index",
    "write_all",
]
