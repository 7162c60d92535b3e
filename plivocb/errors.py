"""The one exception root of plivocb and its exit codes."""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    CHECKS_FAILED = 1
    USAGE = 2  # bad options, arguments, files or configuration: the user can fix it
    SERVICE = 3  # an outside service failed (the ngrok agent, Plivo's REST API): try again
    INTERRUPTED = 130


class PlivocbError(Exception):
    """An error the user can act on: what went wrong, and a hint saying what to do next."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, hint: str = "", exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(PlivocbError):
    """Bad options or arguments."""


Namer = Callable[[str], str]  # an option's name (a field of an options object) -> what to call it


class OptionError(UsageError):
    """A bad option value, worded without CLI flags.

    `words(name)` gives the message and hint with each option called `name(option)`. As raised,
    options go by their own names (`max_duration`); the CLI words it again with its flags.
    """

    def __init__(self, words: Callable[[Namer], tuple[str, str]]) -> None:
        super().__init__(*words(lambda option: option))
        self.words = words


class FixtureError(PlivocbError):
    """A fixture file that cannot be read, parsed or written."""

    def __init__(self, path: object, problem: str, hint: str = "") -> None:
        super().__init__(
            f"{path}: {problem}",
            hint or "fix or delete the file, or record it again with `plivocb listen`",
        )
        self.path = path
        self.problem = problem


class ServiceError(PlivocbError):
    """An outside service (ngrok, Plivo's API) failed or could not be reached: exit 3."""

    exit_code = ExitCode.SERVICE


class TunnelError(ServiceError):
    """The public tunnel could not be opened (exit 3; 2 when the fix is a setting)."""
