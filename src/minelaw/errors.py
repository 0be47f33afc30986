"""The minelaw error hierarchy.

Only the command line (:mod:`minelaw.cli`) turns these into messages and exit
codes: 0 ok, 1 violations or findings reported as failures, 2 bad input or usage
(DEVELOPERS.md, "How we like the code").  Every error carries enough context to
act on: the file, the line and column where known, and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass


class MinelawError(Exception):
    """Base class of every error minelaw raises on purpose."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class UsageError(MinelawError):
    """The command was called wrongly (unknown saved query, missing parameter, ...)."""


class InputError(MinelawError):
    """An input file cannot be read or parsed.  Exit code 2."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.path = path
        self.line = line
        self.column = column

    @property
    def location(self) -> str:
        parts = [p for p in (self.path, self.line, self.column) if p is not None]
        return ":".join(str(p) for p in parts)

    def __str__(self) -> str:
        where = self.location
        text = f"{where}: {self.message}" if where else self.message
        return text if not self.hint else f"{text}\n  hint: {self.hint}"


class ParseError(InputError):
    """An RDF or SPARQL syntax error, with file:line:column."""


class QueryError(MinelawError):
    """A SPARQL query was rejected by the store (syntax or evaluation error)."""


class QueryRefused(QueryError):
    """A query this endpoint or command will not run (nesting too deep, SERVICE, an update).

    ``status`` is the HTTP status the endpoint answers with (400 or 403).
    """

    def __init__(self, message: str, *, status: int = 400, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.status = status


class StoreError(MinelawError):
    """The store (embedded or remote) could not be opened or reached."""


class ReasonerUnavailable(MinelawError):
    """An optional reasoning step cannot run here (e.g. no Java for HermiT)."""


@dataclass(frozen=True)
class Problem:
    """One problem found by a check: never raised, collected into reports."""

    check: str
    severity: str  # "error" | "warning" | "info"
    message: str
    path: str | None = None
    line: int | None = None
    focus: str | None = None
    hint: str | None = None

    def render(self) -> str:
        where = ":".join(str(p) for p in (self.path, self.line) if p is not None)
        head = f"[{self.severity}] {self.check}"
        body = f"{where}: {self.message}" if where else self.message
        text = f"{head}: {body}"
        if self.focus:
            text += f" (focus: {self.focus})"
        if self.hint:
            text += f"\n    fix: {self.hint}"
        return text
