"""Everything the CLI takes from the process it runs in, in one injectable object.

httpie's `Environment` pattern: `plivocb.cli.main(argv, env)` reads the standard streams, whether
each is a terminal, the terminal width and the few knobs tests (and unusual set-ups) turn through
this object instead of through module-level singletons and scattered `isatty()` calls. Tests build
one around `io.StringIO` buffers and run the CLI in-process; `Environment.from_process()` is what
the `plivocb` command uses.

Pure: imports nothing outside the standard library and plivocb.errors (rich is imported only when
a console is asked for).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

from plivocb.errors import UsageError

if TYPE_CHECKING:
    from rich.console import Console

# Plivo's REST API (https://www.plivo.com/docs/voice/api/overview: base https://api.plivo.com/v1/)
DEFAULT_PLIVO_API_URL = "https://api.plivo.com"
# pyngrok's agent start-up timeout in seconds (pyngrok.conf.PyngrokConfig.startup_timeout)
DEFAULT_NGROK_STARTUP_TIMEOUT = 15
# first wait before retrying Plivo's API after a 429/5xx or a connection error; doubles each retry
DEFAULT_RETRY_BACKOFF = 0.5
# seconds one Plivo API operation may take, retries included; a setting must be below the max
DEFAULT_API_TIMEOUT = 30.0
MAX_API_TIMEOUT = 3600.0

# Environment variables a user (or a test driving a real process) can set; documented in README.
PLIVO_API_URL_VAR = "PLIVOCB_PLIVO_API_URL"
NGROK_STARTUP_TIMEOUT_VAR = "PLIVOCB_NGROK_STARTUP_TIMEOUT"
API_TIMEOUT_VAR = "PLIVOCB_API_TIMEOUT"


def _api_timeout(raw: str) -> tuple[float, str]:
    """(seconds, '') from PLIVOCB_API_TIMEOUT's text, or (the default, why it is not valid)."""
    try:
        value = float(raw) if raw else DEFAULT_API_TIMEOUT
    except ValueError:
        value = -1.0
    if not 0 < value < MAX_API_TIMEOUT:
        return DEFAULT_API_TIMEOUT, (
            f"{API_TIMEOUT_VAR} must be seconds between 0 and {MAX_API_TIMEOUT:g}, got {raw!r}"
        )
    return value, ""


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real stream
        return False


@dataclass
class Environment:
    """The process surroundings of one CLI run; every field has a sensible default."""

    stdin: IO[str] = field(default_factory=lambda: sys.stdin)
    stdout: IO[str] = field(default_factory=lambda: sys.stdout)
    stderr: IO[str] = field(default_factory=lambda: sys.stderr)
    stdin_isatty: bool = False
    stdout_isatty: bool = False
    stderr_isatty: bool = False
    terminal_width: int | None = None  # None: let rich measure (or 80 when not a terminal)
    term: str = ""  # $TERM; "dumb" turns the live table off
    plivo_api_url: str = DEFAULT_PLIVO_API_URL
    ngrok_startup_timeout: int = DEFAULT_NGROK_STARTUP_TIMEOUT
    retry_backoff: float = DEFAULT_RETRY_BACKOFF
    api_timeout: float = DEFAULT_API_TIMEOUT  # seconds per Plivo API operation, retries included
    # why the PLIVOCB_API_TIMEOUT given is unusable: only commands that call Plivo's API report it
    api_timeout_problem: str = ""
    # listen stops on SIGINT/SIGTERM; off for a CLI run in a worker thread (in-process tests)
    handle_signals: bool = True
    # the real process streams: let rich detect terminals (and FORCE_COLOR/NO_COLOR) as usual
    detect_terminal: bool = False
    _consoles: dict[str, Console] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_process(cls, environ: Mapping[str, str] | None = None) -> Environment:
        """The real streams and terminal, and the documented PLIVOCB_* variables."""
        environ = os.environ if environ is None else environ
        try:
            startup = int(environ.get(NGROK_STARTUP_TIMEOUT_VAR, DEFAULT_NGROK_STARTUP_TIMEOUT))
        except ValueError:
            startup = DEFAULT_NGROK_STARTUP_TIMEOUT
        api_timeout, api_timeout_problem = _api_timeout(environ.get(API_TIMEOUT_VAR, ""))
        return cls(
            stdin=sys.stdin,
            stdout=sys.stdout,
            stderr=sys.stderr,
            stdin_isatty=_isatty(sys.stdin),
            stdout_isatty=_isatty(sys.stdout),
            stderr_isatty=_isatty(sys.stderr),
            term=environ.get("TERM", ""),
            plivo_api_url=environ.get(PLIVO_API_URL_VAR, DEFAULT_PLIVO_API_URL).rstrip("/")
            or DEFAULT_PLIVO_API_URL,
            ngrok_startup_timeout=max(1, startup),
            api_timeout=api_timeout,
            api_timeout_problem=api_timeout_problem,
            detect_terminal=True,
        )

    def check_api_timeout(self) -> float:
        """The Plivo API time limit; a bad PLIVOCB_API_TIMEOUT is a usage error (exit 2)."""
        if self.api_timeout_problem:
            hint = f"unset it for the default of {DEFAULT_API_TIMEOUT:g} s"
            raise UsageError(self.api_timeout_problem, hint)
        return self.api_timeout

    @property
    def live_terminal(self) -> bool:
        """Whether stdout can show a live-updating table."""
        return self.stdout_isatty and self.term != "dumb"

    def _console(self, name: str, stream: IO[str], isatty: bool, **kwargs: object) -> Console:
        console = self._consoles.get(name)
        if console is None:
            from rich.console import Console

            console = Console(
                file=stream,
                force_terminal=None if self.detect_terminal else isatty,
                width=self.terminal_width,
                **kwargs,  # type: ignore[arg-type]
            )
            self._consoles[name] = console
        return console

    def out_console(self) -> Console:
        """A rich console on stdout (a terminal console only when stdout is one)."""
        return self._console("out", self.stdout, self.stdout_isatty)

    def err_console(self) -> Console:
        """A rich console on stderr."""
        return self._console("err", self.stderr, self.stderr_isatty)
