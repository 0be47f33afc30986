"""The ``minelaw`` command (floor 4, the top: it may import every floor below).

:func:`cli` is the click group (:mod:`.main`), to which the commands of :mod:`.endpoint`
(serve, push) and :mod:`.intake` (validate, add, template, init) are added; shared
options and error handling are in :mod:`.common`.  :func:`main` is the console-script
entry point (``minelaw.cli:main``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names, for type checkers; at run time they load on first use
    from .group import cli, main

# name -> submodule: importing the package stays cheap (a worker or `minelaw --help` does
# not pay for modules it never uses)
_EXPORTS = {
    "cli": "group",
    "main": "group",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["cli", "main"]
