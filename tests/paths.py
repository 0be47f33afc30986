"""Paths shared by the tests (a plain module: `conftest` is not importable reliably)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
