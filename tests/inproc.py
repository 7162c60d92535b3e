"""Run the `plivocb` CLI in-process through `main(argv, env)` (no interpreter start-up).

The CLI gets an `Environment` around string buffers; `environ` (when given) replaces os.environ
for the run, as a subprocess's `env=` would (Typer reads PLIVO_AUTH_TOKEN and friends from it).
Runs are serialised: os.environ and sys.std* are process-wide. Use `arun_cli` from async tests
(the CLI runs its own event loop in a worker thread while the test's servers keep serving).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from unittest import mock

from plivocb.cli import main
from plivocb.environment import Environment

_LOCK = threading.Lock()


def clean_environ(**extra: str) -> dict[str, str]:
    """This process's environment without PLIVO_* secrets, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLIVO")}
    return {**env, **extra}


def run_cli(
    *args: str,
    environ: Mapping[str, str] | None = None,
    stdin: str = "",
    stdout_isatty: bool = False,
    terminal_width: int | None = None,
    cwd: Path | None = None,
) -> tuple[int, str, str]:
    """`plivocb ARGS` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with (
        _LOCK,
        mock.patch.dict(os.environ, clean_environ() if environ is None else environ, clear=True),
        contextlib.chdir(cwd or os.getcwd()),
    ):
        env = Environment.from_process()
        env.stdout, env.stderr = out, err
        env.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode()), encoding="utf-8")
        env.stdin_isatty = env.stderr_isatty = False
        env.stdout_isatty = stdout_isatty
        env.terminal_width = terminal_width
        env.detect_terminal = False
        env.handle_signals = False  # signal handlers need the main thread (arun_cli uses a worker)
        try:
            main(list(args), env)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return code, out.getvalue(), err.getvalue()


async def arun_cli(
    *args: str,
    environ: Mapping[str, str] | None = None,
    timeout: float = 60,
    stdin: str = "",
    cwd: Path | None = None,
) -> tuple[int, str, str]:
    """`run_cli` from a test's event loop, without blocking it."""
    return await asyncio.wait_for(
        asyncio.to_thread(run_cli, *args, environ=environ, stdin=stdin, cwd=cwd), timeout
    )
