"""`listen` orchestration: bind the catcher, open the tunnel, show, record, shut down cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from plivocb import defaults
from plivocb.app_pointer import AppPointer, budgets, credentials
from plivocb.catcher import (
    CONFIG,
    DEFAULT_ANSWER_XML,
    GUARD,
    IGNORED_PATHS,
    PROBE_PREFIX,
    PROBES,
    CatcherConfig,
    Stats,
    create_app,
    ignored_hint,
)
from plivocb.display import Banner, Display
from plivocb.environment import (
    DEFAULT_API_TIMEOUT,
    DEFAULT_NGROK_STARTUP_TIMEOUT,
    DEFAULT_PLIVO_API_URL,
    DEFAULT_RETRY_BACKOFF,
)
from plivocb.errors import ExitCode, Namer, PlivocbError, TunnelError, UsageError, own_name
from plivocb.forward import loop_problem
from plivocb.guard import HEADER_TIMEOUT, GuardedSite, quiet_server_log
from plivocb.inert import visible
from plivocb.plivo_api import PlivoApi
from plivocb.redact import Redactor
from plivocb.tunnel import NgrokTunnel, StaticTunnel, Tunnel

DEFAULT_OUT = defaults.RECORDED_DIR
T = TypeVar("T")


@dataclass
class ListenOptions:
    port: int = defaults.PORT
    host: str = defaults.HOST
    out: Path = DEFAULT_OUT
    forward_to: str | None = None
    forward_timeout: float = defaults.FORWARD_TIMEOUT
    tunnel: str = defaults.TUNNEL
    public_url: str | None = None
    auth_token: str | None = None
    strict: bool = False
    accept_v2: bool = False
    answer_xml: str = DEFAULT_ANSWER_XML
    redact: bool = False
    ngrok_authtoken: str | None = None
    domain: str | None = None
    max_body: int = defaults.MAX_BODY
    app_id: str | None = None
    auth_id: str | None = None
    inspect_port: int | None = None  # the web inspector's port; None: no inspector
    max_connections: int = defaults.MAX_CONNECTIONS  # 0: just below the fd limit
    ignore_paths: tuple[str, ...] = IGNORED_PATHS
    # outside services (from plivocb.environment.Environment)
    plivo_api_url: str = DEFAULT_PLIVO_API_URL
    ngrok_startup_timeout: int = DEFAULT_NGROK_STARTUP_TIMEOUT
    retry_backoff: float = DEFAULT_RETRY_BACKOFF
    api_timeout: float = DEFAULT_API_TIMEOUT
    handle_signals: bool = True  # SIGINT/SIGTERM set `stop` (only possible in the main thread)
    # What notes, hints and replies call these options (`strict`…): the CLI passes its flags.
    option_names: Namer = own_name


def _notice(line: str) -> None:
    """Operational notices (connection cap hit) as one stderr line each."""
    print(visible(line), file=sys.stderr, flush=True)


def _undo(undo: Callable[[], None]) -> Callable[[web.Application], Awaitable[None]]:
    async def on_cleanup(app: web.Application) -> None:
        undo()

    return on_cleanup


def make_tunnel(opts: ListenOptions) -> Tunnel:
    if opts.public_url or opts.tunnel == "none":
        return StaticTunnel(opts.public_url)
    return NgrokTunnel(
        authtoken=opts.ngrok_authtoken,
        domain=opts.domain,
        startup_timeout=opts.ngrok_startup_timeout,
    )


def _verifying(opts: ListenOptions) -> str:
    name = opts.option_names
    if opts.auth_token:
        mode = ""
        if opts.strict:
            mode = f" ({name('strict')}: invalid, unsigned"
            mode += ("" if opts.accept_v2 else " and valid-v2") + " get 403)"
        return f"verifying V3 (then V2) against the public URL{mode}"
    return f"not verified: no auth token (set PLIVO_AUTH_TOKEN or pass {name('auth_token')})"


def summary_lines(stats: Stats, out: Path, name: Namer = own_name) -> list[str]:
    """The lines listen ends with; `name` says what to call the options they mention."""
    total = sum(stats.kinds.values())
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(stats.kinds.items())) or "none"
    verdicts = ", ".join(f"{k} {v}" for k, v in sorted(stats.verdicts.items())) or "none"
    noun = "callback" if total == 1 else "callbacks"
    lines = [
        f"plivocb stopped: {total} {noun} recorded ({kinds})",
        f"  signatures   {verdicts}",
        f"  fixtures     {out}",
    ]
    if stats.rejected:
        lines.append(
            f"  rejected     {stats.rejected} (too large, too many fields, too slow or a "
            "forwarding loop; not recorded)"
        )
    if stats.ignored:
        hint = ignored_hint(name)
        lines.append(f"  ignored      {stats.ignored} (not Plivo: {hint}; not recorded)")
    if stats.errors:
        noun = "callback" if stats.errors == 1 else "callbacks"
        lines.append(
            f"  errors       {stats.errors} {noun} could not be written (answered 500; exit 1)"
        )
    return lines


async def prove_reachable(app: web.Application, public_url: str, timeout: float = 10.0) -> None:
    """Request a one-time path through the public URL and see it arrive here."""
    import secrets

    import aiohttp

    token = secrets.token_urlsafe(16)
    arrived = app[PROBES].expect(token)
    url = f"{public_url}{PROBE_PREFIX}{token}"
    problem = ""
    public_url_option = app[CONFIG].option_names("public_url")
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
            session.get(url) as resp,
        ):
            body = await resp.text()
            if resp.status != 200 or body != token or not arrived.is_set():
                problem = f"got {resp.status} from something else"
    except (aiohttp.ClientError, TimeoutError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
    finally:
        app[PROBES].waiting.pop(token, None)
    if problem:
        raise TunnelError(
            f"the public URL {public_url} does not reach this plivocb ({problem}); "
            "the Plivo Application was not changed",
            f"check {public_url_option} or your reverse proxy: Plivo could not reach it either",
            exit_code=ExitCode.USAGE,  # the user's own set-up, not an outside service
        )


async def run(opts: ListenOptions, display: Display, stop: asyncio.Event | None = None) -> Stats:
    """Serve until SIGINT/SIGTERM (or `stop`), then drain, close the tunnel and summarise."""
    # Ctrl-C or SIGTERM from here on, even while the tunnel opens, ends with a summary and exit 0:
    # the handlers go in before anything else, and a Ctrl-C that came earlier (asyncio.run's own
    # handler then cancelled this task) counts as a stop, not as a cancellation to swallow.
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM) if opts.handle_signals else ()
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    task = asyncio.current_task()
    if signals and task is not None and task.cancelling():
        stop.set()
        try:
            await asyncio.sleep(0)  # the pending cancellation is delivered here, and dropped
        except asyncio.CancelledError:
            task.uncancel()
    try:
        return await _run(opts, display, stop)
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


async def _run(opts: ListenOptions, display: Display, stop: asyncio.Event) -> Stats:
    stats = Stats()
    config = CatcherConfig(
        out_dir=opts.out,
        auth_token=opts.auth_token,
        strict=opts.strict,
        accept_v2=opts.accept_v2,
        forward_to=opts.forward_to,
        forward_timeout=opts.forward_timeout,
        answer_xml=opts.answer_xml,
        max_body=opts.max_body,
        redactor=Redactor() if opts.redact else None,
        max_connections=opts.max_connections,
        notify=_notice,
        ignore_paths=opts.ignore_paths,
        option_names=opts.option_names,
    )
    store = None
    if opts.inspect_port is not None:
        from plivocb.display import TeeDisplay
        from plivocb.inspector.serve import Feed
        from plivocb.inspector.store import Store

        store = Store(capacity=defaults.LISTEN_INSPECT_CAPACITY)
        display = TeeDisplay(display, Feed(store, opts.out))
    app = create_app(config, display, stats)
    app.on_cleanup.append(_undo(quiet_server_log(_notice)))
    return await _serve(opts, display, stop, app, config, stats, store)


async def _until_stopped(
    coro: Coroutine[Any, Any, T], stop: asyncio.Event
) -> tuple[bool, T | None]:
    """Run `coro` unless `stop` is set first (then cancel it): (finished, result)."""
    task = asyncio.ensure_future(coro)
    waiter = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
    if task.done():
        return True, task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    return False, None


async def _serve(
    opts: ListenOptions,
    display: Display,
    stop: asyncio.Event,
    app: web.Application,
    config: CatcherConfig,
    stats: Stats,
    store: Any,
) -> Stats:
    # keepalive_timeout also bounds the time to a complete request head from connect: aiohttp
    # arms it when a connection opens, so a slow or silent client is closed after HEADER_TIMEOUT.
    runner = web.AppRunner(
        app,
        handle_signals=False,
        access_log=None,
        shutdown_timeout=10.0,
        keepalive_timeout=HEADER_TIMEOUT,
        lingering_time=1.0,  # after a 408/413, read the unsent rest of a body 1 s at most
    )
    await runner.setup()
    site = GuardedSite(runner, opts.host, opts.port, app[GUARD])
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(
                f"port {opts.port} on {opts.host} is already in use",
                f"pick another with {opts.option_names('port')}, or stop the process holding it",
            ) from None
        raise UsageError(f"cannot listen on {opts.host}:{opts.port}: {exc.strerror}") from None
    host, port = runner.addresses[0][:2]
    local_url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    tunnel = make_tunnel(opts)
    pointer: AppPointer | None = None
    inspector = None
    extra: list[str] = []
    try:
        opened, public_base = await _until_stopped(tunnel.open(local_url), stop)
        if not opened or public_base is None:  # interrupted while the tunnel was opening
            await runner.cleanup()
            await tunnel.close()
            summary = summary_lines(stats, opts.out, opts.option_names)
            print("\n".join(summary), file=sys.stderr, flush=True)
            return stats
        config.public_base = public_base
        if opts.forward_to:
            name = opts.option_names
            problem = await asyncio.to_thread(
                loop_problem, opts.forward_to, host, port, config.public_base, name
            )
            if problem:
                raise UsageError(
                    f"{problem}: every callback would be forwarded back to itself",
                    f"point {name('forward_to')} at your app's own port, e.g. http://127.0.0.1:5000",
                )
        if store is not None and opts.inspect_port is not None:
            from plivocb.inspector.serve import start_for_listen

            inspector = await start_for_listen(store, opts.inspect_port, opts)
            extra.append(f"  inspector    {inspector.url}{inspector.moved_from(opts.inspect_port)}")
        if opts.app_id:
            auth_id, token = credentials(opts.auth_id, opts.auth_token)
            await prove_reachable(app, config.public_base)
            api = PlivoApi(
                auth_id,
                token,
                opts.plivo_api_url,
                backoff=opts.retry_backoff,
                total=opts.api_timeout,
            )
            pointer = AppPointer(api, opts.app_id)
            saved = await pointer.point(config.public_base)
            config.budgets = budgets(saved.original)
            extra.append(f"  Plivo app    {opts.app_id} now points here (restored on exit)")
    except BaseException:
        await runner.cleanup()
        if inspector is not None:
            await inspector.close()
        await tunnel.close()
        raise
    banner = Banner(
        config.public_base, local_url, str(opts.out), _verifying(opts), opts.forward_to or ""
    )
    banner.extra = extra
    display.start(banner)
    restore_error: PlivocbError | None = None
    try:
        await stop.wait()
    finally:
        restored = ""
        if pointer is not None:
            try:
                await pointer.restore()  # first, so Plivo stops calling the closing tunnel
                restored = f"  Plivo app    {opts.app_id} restored"
            except PlivocbError as exc:
                restore_error = PlivocbError(
                    f"could not restore Plivo app {opts.app_id}: {exc.message}",
                    f"run `plivocb app restore {opts.app_id}` (saved state: {pointer.path})",
                    exit_code=exc.exit_code,
                )
        await runner.cleanup()  # stop accepting, let in-flight callbacks finish
        if inspector is not None:
            await inspector.close()
        await tunnel.close()
        summary = summary_lines(stats, opts.out, opts.option_names)
        display.stop(summary + ([restored] if restored else []))
    if restore_error is not None:
        raise restore_error
    return stats
