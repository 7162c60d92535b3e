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


Namer = Callable[[str], str]  # an option's name (a field of an options object) -> what to call it
# The message and hint of an error that mentions options, given how to call them: the library
# names no CLI flags, so as raised they go by their own names (`max_duration`); the CLI's error
# boundary words the error again with its flags (`--max-duration`).
Words = Callable[[Namer], tuple[str, str]]


def own_name(option: str) -> str:
    """The library's default Namer: an option goes by its field name. Options objects whose
    text reaches the user (notes, replies, hints) have an `option_names: Namer` field that
    defaults to this; the CLI passes its flag namer (plivocb.cli.common.flag_name)."""
    return option


class PlivocbError(Exception):
    """An error the user can act on: what went wrong, and a hint saying what to do next."""

    exit_code: ExitCode = ExitCode.USAGE
    words: Words | None = None

    def __init__(
        self,
        message: str = "",
        hint: str = "",
        exit_code: ExitCode | None = None,
        *,
        words: Words | None = None,
    ) -> None:
        """`words` instead of `message` and `hint`: an error that mentions options (see Words)."""
        if words is not None:
            message, hint = words(own_name)
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.words = words
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(PlivocbError):
    """Bad options or arguments."""


class OptionError(UsageError):
    """A bad option value, worded without CLI flags (exit 2): see Words."""

    def __init__(self, words: Words) -> None:
        super().__init__(words=words)


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
