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


#: seconds a step runs before its progress line appears (shorter steps stay quiet)
PROGRESS_DELAY = 1.0


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[str, int, int], None] | None]:
    """Progress on a terminal for a step that may take more than a second; nothing when stderr
    is not a terminal.

    Yields ``update(name, i, n)`` (step ``i`` of ``n`` is running); without calls it still
    shows the label, a spinner and the elapsed time.  The line appears only once the step has
    run for :data:`PROGRESS_DELAY` seconds and is removed when it ends.
    """
    if not sys.stderr.isatty():
        yield None
        return
    import threading

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    prog = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
        console=Console(stderr=True),
    )
    task = prog.add_task(label, total=None)
    lock = threading.Lock()
    state = {"started": False, "done": False}

    def start() -> None:
        with lock:
            if not state["done"]:
                prog.start()
                state["started"] = True

    timer = threading.Timer(PROGRESS_DELAY, start)
    timer.daemon = True
    timer.start()

    def update(name: str, i: int, n: int) -> None:
        prog.update(task, total=n, completed=i, description=f"{label}: {name}")

    try:
        yield update
    finally:
        timer.cancel()
        with lock:
            state["done"] = True
            if state["started"]:
                prog.stop()


@contextmanager
def status(label: str) -> Iterator[None]:
    """A step without a count (label, spinner, elapsed time), on a terminal, after a second."""
    with progress_bar(label):
        yield
