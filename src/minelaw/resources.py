"""Where minelaw's bundled data lives: ontology, rules, KB, saved queries, templates.

In a checkout (editable install or ``PYTHONPATH=src``) the folders at the top of
the repository are used; in an installed wheel they are shipped as
``minelaw/_data/<folder>`` (see ``pyproject.toml``, force-include).  Either way
the code asks :func:`data_dir` and never a relative path of the working
directory.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_FOLDERS = ("ontology", "rules", "kb", "queries", "reports")


def _root() -> Path:
    here = Path(__file__).resolve().parent
    shipped = here / "_data"
    if (shipped / "ontology").is_dir():
        return shipped
    checkout = here.parent.parent  # src/minelaw -> repository root
    if (checkout / "ontology").is_dir() and (checkout / "pyproject.toml").is_file():
        return checkout
    raise FileNotFoundError(
        "minelaw's bundled data (ontology/, rules/, kb/) was not found next to the package"
    )


def data_dir(name: str) -> Path:
    """The bundled folder ``name`` (one of ontology, rules, kb, queries, reports)."""
    if name not in _FOLDERS:
        raise ValueError(f"unknown data folder {name!r}")
    return _root() / name


def default_kb() -> Path:
    """The KB folder used when neither ``--kb`` nor ``MINELAW_KB`` is given: the ``kb/`` of the
    minelaw checkout the working directory is in (issue 17: editing a checkout's ``kb/`` after
    ``pip install .`` must not silently use the installed copy), else the bundled one."""
    env = os.environ.get("MINELAW_KB")
    if env:
        return Path(env)
    return checkout_kb() or data_dir("kb")


def checkout_kb(start: Path | None = None) -> Path | None:
    """The ``kb/`` of the minelaw source checkout containing ``start`` (default: the working
    directory), or None outside one.  A checkout is a folder with ``pyproject.toml`` naming
    the project minelaw, ``ontology/`` and ``kb/``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        meta = folder / "pyproject.toml"
        if (folder / "kb").is_dir() and (folder / "ontology").is_dir() and meta.is_file():
            try:
                text = meta.read_text(encoding="utf-8")
            except OSError:
                return None
            if re.search(r'^name\s*=\s*"minelaw"', text, re.M):
                return folder / "kb"
            return None
    return None


def cache_root() -> Path:
    """Folder for cached stores: ``$MINELAW_CACHE`` or ``$XDG_CACHE_HOME/minelaw``."""
    env = os.environ.get("MINELAW_CACHE")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "minelaw"
