"""Connection limits for the catcher: slow or idle sockets cannot exhaust fds or starve callbacks.

aiohttp already closes a connection that has not completed a request head within the runner's
`keepalive_timeout` (it arms that timer at connect time), so `listen` sets it to HEADER_TIMEOUT;
the catcher bounds body reads itself. What aiohttp has no notion of is a cap on open
connections: `GuardedSite` wraps each accepted connection's protocol so that, at the cap, the
oldest connection not busy with a request is closed to make room (or, if all are busy, the new
one is refused), with one log line per burst, never a traceback per connection.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

HEADER_TIMEOUT = 5.0  # seconds from connect (or the last response) to a complete request head
BODY_TIMEOUT = 10.0  # seconds to receive a whole body once its head arrived
FD_RESERVE = 64  # fds kept for fixture files, the tunnel and forwarding connections
MAX_CONNECTIONS = 10_000
NOTICE_EVERY = 10.0  # seconds between two "cap hit" log lines


def default_cap() -> int:
    """Below the process's fd limit, leaving room for files and outgoing connections."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(16, min(MAX_CONNECTIONS, soft - FD_RESERVE))


class ConnectionGuard:
    """Open connections in arrival order; `busy` ones are serving a request and never evicted."""

    def __init__(
        self, cap: int, notify: Callable[[str], None] | None = None, option: str = "max_connections"
    ) -> None:
        """`option`: what the notice calls the setting of the cap (`listen`: its flag)."""
        self.cap = cap
        self.option = option
        self.notify = notify or (lambda line: None)
        self.open: dict[asyncio.BaseTransport, None] = {}
        self.busy: set[object] = set()
        self.evicted = 0
        self.refused = 0
        self._noticed = 0.0
        self._pending = 0

    def admit(self, transport: asyncio.BaseTransport) -> bool:
        if len(self.open) >= self.cap:
            victim = next((t for t in self.open if t not in self.busy), None)
            if victim is None:
                self.refused += 1
                self._notice("refusing new connections until one closes")
                return False
            self.open.pop(victim, None)
            victim.abort()  # type: ignore[attr-defined]
            self.evicted += 1
            self._notice("closing the oldest idle ones to make room")
        self.open[transport] = None
        return True

    def release(self, transport: asyncio.BaseTransport) -> None:
        self.open.pop(transport, None)
        self.busy.discard(transport)

    def _notice(self, action: str) -> None:
        self._pending += 1
        now = time.monotonic()
        if now - self._noticed >= NOTICE_EVERY:
            self._noticed = now
            self.notify(
                f"plivocb: connection cap {self.cap} reached ({self._pending} time(s)): {action}. "
                f"Something holds many idle connections; {self.option} sets the cap"
            )
            self._pending = 0


class _GuardedProtocol(asyncio.Protocol):
    """Delegates everything to aiohttp's handler; tells the guard when the connection comes/goes."""

    def __init__(self, inner: Any, guard: ConnectionGuard) -> None:
        self.inner = inner
        self.guard = guard
        self.admitted = False
        self.transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.admitted = self.guard.admit(transport)
        if not self.admitted:
            transport.abort()  # type: ignore[attr-defined]
            return
        self.inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.admitted and self.transport is not None:
            self.guard.release(self.transport)
            self.inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.admitted:
            self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received() if self.admitted else None

    def pause_writing(self) -> None:
        if self.admitted:
            self.inner.pause_writing()

    def resume_writing(self) -> None:
        if self.admitted:
            self.inner.resume_writing()


class GuardedSite(web.TCPSite):
    """A TCPSite whose connections pass through a ConnectionGuard (same start/stop life cycle)."""

    def __init__(
        self, runner: web.BaseRunner, host: str, port: int, guard: ConnectionGuard
    ) -> None:
        super().__init__(runner, host, port)
        self.guard = guard

    async def start(self) -> None:
        await web.BaseSite.start(self)  # registers the site with its runner
        server = self._runner.server
        assert server is not None
        factory = server
        self._server = await asyncio.get_running_loop().create_server(
            lambda: _GuardedProtocol(factory(), self.guard),
            self._host,
            self._port,
            backlog=self._backlog,
            reuse_address=self._reuse_address,
            reuse_port=self._reuse_port,
        )


class _OneLineLog(logging.Handler):
    """aiohttp's server log without tracebacks: a malformed request is counted, not dumped."""

    def __init__(self, notify: Callable[[str], None]) -> None:
        super().__init__(logging.WARNING)
        self.notify = notify
        self.count = 0
        self._noticed = 0.0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        now = time.monotonic()
        if now - self._noticed < NOTICE_EVERY:
            return
        self._noticed = now
        exc = record.exc_info[1] if record.exc_info else None
        reason = (
            getattr(exc, "message", "") or str(exc or "") or record.getMessage()
        ).splitlines()[0:1]
        self.notify(
            f"plivocb: {self.count} malformed or broken request(s) refused by the HTTP parser "
            f"so far (latest: {type(exc).__name__ if exc else 'error'}: {''.join(reason)[:120]})"
        )


def quiet_server_log(notify: Callable[[str], None]) -> Callable[[], None]:
    """Route aiohttp's per-request error log to one rate-limited line; returns an undo."""
    logger = logging.getLogger("aiohttp.server")
    handler = _OneLineLog(notify)
    saved = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False

    def undo() -> None:
        logger.removeHandler(handler)
        logger.propagate = saved

    return undo
