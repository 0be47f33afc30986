"""The query language and protocol (floor 3, beside briefs and intake, never importing them).

:func:`saved_queries`, :func:`parse_saved` and :func:`bind` (:class:`SavedQuery`) and the
W3C result formats :func:`to_json`, :func:`to_csv`, :func:`to_tsv` (:mod:`.query`);
:func:`make_server` and :func:`load_token`, the read-only SPARQL 1.1 Protocol server of
``minelaw serve`` (:mod:`.endpoint`); :class:`WebUI`, its pages (:mod:`.webui`, templates
and assets in ``static/``); :class:`Answer`, what both send (:mod:`.http`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names, for type checkers; at run time they load on first use
    from .endpoint import load_token, make_server
    from .http import Answer
    from .query import SavedQuery, bind, parse_saved, saved_queries, to_csv, to_json, to_tsv
    from .webui import WebUI

# name -> submodule: importing the package stays cheap (a worker or `minelaw --help` does
# not pay for modules it never uses)
_EXPORTS = {
    "Answer": "http",
    "SavedQuery": "query",
    "WebUI": "webui",
    "bind": "query",
    "load_token": "endpoint",
    "make_server": "endpoint",
    "parse_saved": "query",
    "saved_queries": "query",
    "to_csv": "query",
    "to_json": "query",
    "to_tsv": "query",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
