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
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar
from unittest import mock

from plivocb.cli import main
from plivocb.environment import Environment
from tests.helpers import LISTEN_READY, banner_urls

_LOCK = threading.Lock()
# Plivo API retries wait this long first (the default, Environment's, is 0.5 s, doubling: 3.5 s
# per failing call). Tests of the retry itself pass `retry_backoff`; the default is
# tests/test_timeouts.py's business.
TEST_RETRY_BACKOFF = 0.01


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
    out: io.StringIO | None = None,
    err: io.StringIO | None = None,
    retry_backoff: float = TEST_RETRY_BACKOFF,
) -> tuple[int, str, str]:
    """`plivocb ARGS` in this process: (exit code, stdout, stderr).

    `out`/`err`, when given, are the buffers the run writes to (another thread may read them
    while it runs, as InprocListen does)."""
    out = io.StringIO() if out is None else out
    err = io.StringIO() if err is None else err
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
        env.retry_backoff = retry_backoff
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


class InprocListen:
    """`plivocb listen ARGS` in this process, with ListenProcess's interface (start, wait_for,
    text, stdout/stderr lines, stop, finish).

    The same code path as the command (`main(argv, env)` → Typer → `listen.run`), in a worker
    thread with its own event loop; the catcher binds port 0 as usual. Ctrl-C/SIGTERM become
    `listen.run`'s `stop` event, which is what its signal handlers set. Use ListenProcess when
    the process is the point (signals themselves, kill -9, the ngrok agent, real pipes).
    While it runs it holds the in-process CLI lock: run other commands after `stop()`.
    """

    # stopped by tests/conftest.py if a test fails midway
    started: ClassVar[list[InprocListen]] = []

    def __init__(self, args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None):
        self.args = args
        self.env = env
        self.cwd = cwd
        self._out, self._err = io.StringIO(), io.StringIO()
        self._thread: threading.Thread | None = None
        self._code: int | None = None
        self._error: BaseException | None = None  # what escaped main(): re-raised in the test
        self._started = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.local_url = ""
        self.public_url = ""

    @property
    def stdout(self) -> list[str]:
        return self._out.getvalue().splitlines()

    @property
    def stderr(self) -> list[str]:
        return self._err.getvalue().splitlines()

    def text(self) -> str:
        return "\n".join(self.stdout + self.stderr)

    def _run(self) -> None:
        from plivocb import listen as listen_core

        real_run = listen_core.run

        async def run(opts: Any, display: Any, stop: asyncio.Event | None = None) -> Any:
            self._loop, self._stop = asyncio.get_running_loop(), stop or asyncio.Event()
            self._started.set()
            return await real_run(opts, display, self._stop)

        with mock.patch.object(listen_core, "run", run):
            try:
                self._code, _, _ = run_cli(
                    "listen", *self.args, environ=clean_environ(**(self.env or {})),
                    cwd=self.cwd, out=self._out, err=self._err,
                )  # fmt: skip
            except BaseException as exc:  # handed to the test's thread
                self._error = exc
            finally:
                self._started.set()

    async def start(self, expect_ready: bool = True, timeout: float = 30) -> InprocListen:
        self._thread = threading.Thread(target=self._run, name="inproc-listen", daemon=True)
        InprocListen.started.append(self)
        self._thread.start()
        if expect_ready:
            await self.wait_for(LISTEN_READY, timeout)
            self.local_url, self.public_url = banner_urls(self.text())
        return self

    async def wait_for(self, pattern: str, timeout: float = 10) -> re.Match[str]:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            match = re.search(pattern, self.text())
            if match:
                return match
            if self._thread is not None and not self._thread.is_alive():
                if match := re.search(pattern, self.text()):
                    return match
                if self._error is not None:
                    raise self._error
                raise AssertionError(f"listen returned; output:\n{self.text()}")
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out waiting for {pattern!r}; output:\n{self.text()}")
            await asyncio.sleep(0.02)

    async def stop(self, sig: int = 2, timeout: float = 20) -> int:
        """What SIGINT (2) or SIGTERM (15) does to the process: set listen's stop event."""
        assert sig in (2, 15), "only Ctrl-C/SIGTERM can be delivered in-process"
        assert self._thread is not None
        await asyncio.to_thread(self._started.wait, timeout)
        self.interrupt()
        return await self.finish(timeout)

    def interrupt(self) -> None:
        """Set listen's stop event (from any thread)."""
        if self._loop is not None and self._stop is not None:
            with contextlib.suppress(RuntimeError):  # its loop closed: it already returned
                self._loop.call_soon_threadsafe(self._stop.set)

    async def finish(self, timeout: float = 40) -> int:
        assert self._thread is not None
        await asyncio.to_thread(self._thread.join, timeout)
        assert not self._thread.is_alive(), f"listen did not return; output:\n{self.text()}"
        if self._error is not None:
            raise self._error
        assert self._code is not None
        return self._code

    def kill(self) -> None:
        """A test that failed midway: end the run so the CLI lock is free for the next test."""
        if self._thread is not None and self._thread.is_alive():
            self._started.wait(30)
            self.interrupt()
            self._thread.join(30)
