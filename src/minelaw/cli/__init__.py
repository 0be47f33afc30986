"""The ``minelaw`` command (floor 4, the top: it may import every floor below).

:func:`cli` is the click group (:mod:`.main`), to which the commands of :mod:`.endpoint`
(serve, push) and :mod:`.intake` (validate, add, template, init) are added; shared
options and error handling are in :mod:`.common`.  :func:`main` is the console-script
entry point (``minelaw.cli:main``).
"""

from .main import cli, main

__all__ = ["cli", "main"]
