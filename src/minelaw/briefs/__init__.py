"""Case briefs, one memo per finding (floor 3, beside intake and sparql, never importing them).

:func:`brief_context` gathers what a brief needs (:mod:`.context`, with OSCOLA citations,
:func:`cite` and :func:`format_date`, from :mod:`.citations` and SVG figures from
:mod:`.figures`); :func:`render_html`, :func:`render_index` and :func:`write_all` render
Markdown, HTML and PDF (:mod:`.render`, named by :func:`file_stem`; its ``render``
function is not re-exported, so that ``minelaw.briefs.render`` stays the module).
"""

from .citations import cite, format_date
from .context import file_stem
from .render import brief_context, render_html, render_index, write_all

__all__ = [
    "brief_context",
    "cite",
    "file_stem",
    "format_date",
    "render_html",
    "render_index",
    "write_all",
]
