"""What every `minelaw` command shares: the global options (:class:`Ctx`), the mapping of
:mod:`minelaw.errors` to messages and exit codes (:func:`handle_errors`), and the progress bar.

Only this package turns errors into messages and exit codes (DESIGN.md section 5):
0 ok, 1 violations or findings reported as failures, 2 bad input or usage.  The group
(:mod:`minelaw.cli.group`) and the command modules import this one; it imports none of them.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from ..errors import InputError, MinelawError

F = TypeVar("F", bound=Callable[..., Any])


class Ctx:
    """Global options shared by every subcommand."""

    def __init__(self, kb: Path, endpoint: str | None = None) -> None:
        self.kb = kb
        self.endpoint = endpoint

    def store(self, *, include_restricted: bool = False) -> Any:
        """The store reading commands use: the remote endpoint if given, else the embedded one."""
        if self.endpoint:
            from ..store.remote import RemoteStore, credentials_from_env

            # MINELAW_ENDPOINT_USER / _PASSWORD answer the server's challenge, if it sends one
            return RemoteStore(self.endpoint, credentials=credentials_from_env())
        from ..store.cache import open_kb

        with progress_bar("loading") as prog:
            return open_kb(self.kb, progress=prog, include_restricted=include_restricted)


def _err(message: str) -> None:
    click.echo(message, err=True)


def handle_errors(fn: F) -> F:
    """Map minelaw errors to messages on stderr and exit codes."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            _err(f"error: {exc}")
            sys.exit(2)
        except MinelawError as exc:
            _err(f"error: {exc}")
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[str, int, int], None] | None]:
    """A rich progress bar on a terminal; nothing when stderr is not a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        transient=True,
        console=__import__("rich.console").console.Console(stderr=True),
    ) as prog:
        task = prog.add_task(label, total=None)

        def update(name: str, i: int, n: int) -> None:
            prog.update(task, total=n, completed=i + 1, description=f"{label} {name}")

        yield update
