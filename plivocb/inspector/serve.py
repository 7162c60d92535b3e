"""Binding the inspector on loopback (the one place it touches a port), and the `listen` feed.

`start` tries the asked port, then the next ones, then any free port, always on 127.0.0.1.
`Feed` is a `Display` that `listen` adds next to the terminal view: it receives the catcher's
events and indexes each recorded fixture (read off the event loop), so the page updates live.
"""

from __future__ import annotations

import errno
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from plivocb import defaults
from plivocb.display import Banner, CallbackEvent, StreamEvent
from plivocb.errors import UsageError
from plivocb.inspector.actions import Target
from plivocb.inspector.app import Inspector, create_app
from plivocb.inspector.store import Store

DEFAULT_PORT = defaults.INSPECT_PORT
BIND_HOST = "127.0.0.1"
PORT_TRIES = 20


def new_token() -> str:
    return secrets.token_urlsafe(18)


@dataclass
class Running:
    runner: web.AppRunner
    port: int
    token: str

    @property
    def url(self) -> str:
        """The address to open: it carries the per-run token."""
        return f"http://{BIND_HOST}:{self.port}/?token={self.token}"

    def moved_from(self, requested: int) -> str:
        """ " (port N was taken)" when the inspector is not on the port asked for, else ""."""
        return f" (port {requested} was taken)" if requested and self.port != requested else ""

    async def close(self) -> None:
        await self.runner.cleanup()


def _candidates(port: int) -> Iterable[int]:
    if port == 0:
        return [0]
    return [*range(port, min(port + PORT_TRIES, 65536)), 0]


async def start(inspector: Inspector, port: int = DEFAULT_PORT, option: str = "port") -> Running:
    """Serve the inspector on loopback at `port`, or the next free one.

    `option` is the field that set `port` (`inspect`'s `port`, `listen`'s `inspect_port`):
    the error when no port binds names it, and the CLI words it as that command's flag."""
    app = create_app(inspector)
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    for candidate in _candidates(port):
        site = web.TCPSite(runner, BIND_HOST, candidate)
        try:
            await site.start()
        except OSError as exc:
            await site.stop()
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                continue
            await runner.cleanup()
            raise UsageError(f"cannot serve the inspector on port {candidate}: {exc}") from None
        bound = runner.addresses[0][1]
        return Running(runner, int(bound), inspector.token)
    await runner.cleanup()  # port 0 always binds: only a test that takes every candidate gets here
    raise UsageError(words=lambda n: ("no free port for the inspector", f"pass {n(option)}"))


class Feed:
    """A `Display` that indexes what the catcher records; it renders nothing.

    It builds each row from the published event, without reading the fixture back, so the
    catcher's hot path pays one small object per callback.
    """

    def __init__(self, store: Store, out_dir: Path) -> None:
        self.store = store
        self.out_dir = out_dir
        self.seen: set[str] = set()  # a stream session publishes open/update/close for one file
        self.last = ""  # callbacks publish once; this guards a repeat without a set per callback

    def start(self, banner: Banner) -> None:
        return None

    def publish(self, event: CallbackEvent) -> None:
        name = event.file
        if not name:  # rejected or unwritten
            return
        if isinstance(event, StreamEvent):  # a session publishes open/update/close, one file
            if name in self.seen:
                return
            self.seen.add(name)  # one name per session, not per callback: stays small
        elif name == self.last:  # the same callback published twice
            return
        self.last = name
        self.store.add_live(
            self.out_dir / name,
            time=event.time,
            kind=event.kind,
            method=event.method,
            url_path=event.path,
            from_=event.from_,
            to=event.to,
            summary=event.summary,
            call=event.ident,
            verdict=event.verdict,
            status=event.status or None,
            elapsed_ms=event.elapsed_ms,
        )

    def stop(self, summary: list[str]) -> None:
        return None


async def start_for_listen(store: Store, port: int, opts: Any) -> Running:
    """The inspector inside `listen`: replays go to --forward-to, signed with its auth token."""
    target = Target(opts.forward_to, opts.auth_token, opts.forward_timeout, opts.option_names)
    return await start(Inspector(store, new_token(), target, listening=True), port, "inspect_port")
