"""CLI contract: every command has help with an example; version; usage errors exit 2."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from minelaw import __version__
from minelaw.cli import cli

COMMANDS = sorted(cli.commands)  # type: ignore[attr-defined]


def test_version(run_cli) -> None:  # type: ignore[no-untyped-def]
    res = run_cli("--version")
    assert res.exit_code == 0, res.output
    assert __version__ in res.output


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_example(run_cli, name: str) -> None:  # type: ignore[no-untyped-def]
    res = run_cli(name, "--help")
    assert res.exit_code == 0
    assert "Example" in res.output, f"`minelaw {name} --help` shows no example"


def test_unknown_saved_query_exit_2(run_cli) -> None:  # type: ignore[no-untyped-def]
    res = run_cli("query", "no-such-query")
    assert res.exit_code == 2
    assert "minelaw queries" in res.output


def test_console_script_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "minelaw", "--version"], capture_output=True, text=True, check=True
    )
    assert __version__ in out.stdout


def test_click_usage_error_is_exit_2() -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["query"], standalone_mode=True)
    assert exc.value.code == 2
    assert isinstance(cli, click.Group)
