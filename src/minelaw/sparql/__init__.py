"""The query language and protocol (floor 3, beside briefs and intake, never importing them).

:func:`saved_queries`, :func:`parse_saved` and :func:`bind` (:class:`SavedQuery`) and the
W3C result formats :func:`to_json`, :func:`to_csv`, :func:`to_tsv` (:mod:`.query`);
:func:`make_server` and :func:`load_token`, the read-only SPARQL 1.1 Protocol server of
``minelaw serve`` (:mod:`.endpoint`); :class:`WebUI`, its pages (:mod:`.webui`, templates
and assets in ``static/``); :class:`Answer`, what both send (:mod:`.http`).
"""

from .endpoint import load_token, make_server
from .http import Answer
from .query import SavedQuery, bind, parse_saved, saved_queries, to_csv, to_json, to_tsv
from .webui import WebUI

__all__ = [
    "Answer",
    "SavedQuery",
    "WebUI",
    "bind",
    "load_token",
    "make_server",
    "parse_saved",
    "saved_queries",
    "to_csv",
    "to_json",
    "to_tsv",
]
