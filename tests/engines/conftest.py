"""Fixtures of the engine tests (issue 21): Virtuoso, Jena and the Oxigraph server, started
once per session by :class:`engines_support.Engines`.

This folder is a package (``__init__.py``) so that this conftest is imported as
``engines.conftest`` and never shadows the top-level ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .engines_support import Engines, rule_worlds


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "engines: starts SPARQL servers (Virtuoso, Jena, Oxigraph server); deselect with "
        '-m "not engines"',
    )


@pytest.fixture(scope="session")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The rule worlds (``tests/rules`` cases grouped into KBs), built once."""
    return rule_worlds(tmp_path_factory.mktemp("rule-worlds"))


@pytest.fixture(scope="session")
def bundled_kb() -> Path:
    from minelaw.resources import data_dir

    return data_dir("kb")


@pytest.fixture(scope="session")
def engines(
    tmp_path_factory: pytest.TempPathFactory, bundled_kb: Path, worlds: dict[str, Path]
) -> Iterator[Engines]:
    """Every engine, started on first use and stopped at the end of the session."""
    hub = Engines(tmp_path_factory.mktemp("engines"), {"bundled": bundled_kb, **worlds})
    try:
        yield hub
    finally:
        hub.close()
