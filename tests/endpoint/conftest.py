"""Fixtures of the endpoint tests, defined in :mod:`endpoint_support`.

This folder is a package (``__init__.py``) so that this conftest is imported as
``endpoint.conftest`` and never shadows the top-level ``tests/conftest.py`` that other
test modules import as ``conftest``.
"""

from .endpoint_support import (  # noqa: F401 (fixtures are found by name)
    oxigraph_server,
    protocol_server,
    restricted_kb,
    serve,
    token_file,
)
