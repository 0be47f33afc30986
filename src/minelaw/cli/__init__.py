"""The `minelaw` command: one click group (:mod:`minelaw.cli.main`)."""

from .main import cli, main

__all__ = ["cli", "main"]
