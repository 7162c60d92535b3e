"""The catcher's WebSocket side: accept a `<Stream>` upgrade on any path, check its signature,
proxy it to the app (`--forward-to`, http → ws, https → wss) or play a bot that answers nothing,
and record every frame (see `record`). Frames are relayed unchanged and in order; each is on
disk before it is passed on.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from aiohttp import WSMsgType, web

from plivocb import signature
from plivocb.events import StreamEvent
from plivocb.fixture.model import Fixture, Request, Response, Signature
from plivocb.fixture.store import save
from plivocb.form import parse_query
from plivocb.proxy_headers import HOP_BY_HOP
from plivocb.streams.record import APP, PLIVO, STREAM_KIND, SessionRecorder

MAX_SESSIONS = 64  # open stream sessions per catcher; more get 503
TICK_S = 1.0  # live view refresh for an open session
WS_HANDSHAKE_HEADERS = frozenset(
    {
        "host",
        "upgrade",
        "content-length",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-extensions",
        "sec-websocket-protocol",
        "sec-websocket-accept",
    }
)


def is_upgrade(request: web.BaseRequest) -> bool:
    return request.headers.get("Upgrade", "").strip().lower() == "websocket"


def ws_url(base: str) -> str:
    """http → ws, https → wss; ws/wss stay."""
    parts = urlsplit(base)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, ""))


def http_url(url: str) -> str:
    """ws → http, wss → https; http(s) stay."""
    parts = urlsplit(url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, ""))


def check_signature(
    headers: dict[str, str] | object, url: str, token: str | None
) -> signature.SignatureCheck:
    """Like a GET callback to the public URL. Which scheme Plivo signs a WebSocket URL with is
    undocumented (a third-party report says http://, see shared reference §5.13), so when the
    URL as configured does not match, the http/https and ws/wss spellings are tried too and the
    one that matched is named."""
    assert hasattr(headers, "items")
    sig = signature.check(headers, "GET", url, {}, token)  # type: ignore[arg-type]
    if sig.verdict != "invalid":
        return sig
    parts = urlsplit(url)
    for scheme in ("http", "https", "ws", "wss"):
        if scheme == parts.scheme:
            continue
        other = urlunsplit((scheme, *parts[1:]))
        alt = signature.check(headers, "GET", other, {}, token)  # type: ignore[arg-type]
        if alt.verdict == "valid":
            return signature.SignatureCheck("valid", alt.family, f"signed over {other}")
    return sig


@dataclass
class _Sessions:
    open: set[web.WebSocketResponse] = field(default_factory=set)


_STATE: weakref.WeakKeyDictionary[web.Application, _Sessions] = weakref.WeakKeyDictionary()


def _state(app: web.Application) -> _Sessions:
    if app not in _STATE:
        _STATE[app] = _Sessions()
    return _STATE[app]


async def _close_all(app: web.Application) -> None:
    for ws in list(_state(app).open):
        with contextlib.suppress(Exception):
            await ws.close(code=aiohttp.WSCloseCode.GOING_AWAY, message=b"plivocb stopping")


def install(app: web.Application) -> None:
    """Close open sessions cleanly (1001) when the catcher shuts down."""
    _state(app)
    app.on_shutdown.append(_close_all)


def _forward_headers(request: web.Request, public_base: str) -> list[tuple[str, str]]:
    drop = HOP_BY_HOP | WS_HANDSHAKE_HEADERS | {"x-plivocb-loop"}
    headers = [(k, v) for k, v in request.headers.items() if k.lower() not in drop]
    parts = urlsplit(public_base)
    headers += [
        ("X-Forwarded-For", request.remote or ""),
        ("X-Forwarded-Proto", parts.scheme),
        ("X-Forwarded-Host", parts.netloc),
    ]
    return headers


def _clean(value: str) -> str:
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _app_events(recorder: SessionRecorder) -> str:
    counts = recorder.tally.app_events
    return ", ".join(f"{name or '?'} {n}" for name, n in counts.most_common(4))


async def handle_stream(request: web.Request) -> web.StreamResponse:
    """Route target for any WebSocket upgrade the catcher receives."""
    from plivocb.catcher import CONFIG, DISPLAY, GUARD, SESSION, STATS, _recorded_header
    from plivocb.forward import LOOP_HEADER, forward_target, without_credentials

    config, stats, display = request.app[CONFIG], request.app[STATS], request.app[DISPLAY]
    started = time.perf_counter()
    received = datetime.now(UTC)
    public_url = config.public_base + request.raw_path
    sig = check_signature(request.headers, public_url, config.auth_token)
    sessions = _state(request.app)

    def event(phase: str, **kw: object) -> StreamEvent:
        return StreamEvent(
            time=received.isoformat(),
            kind=STREAM_KIND,
            method="WS",
            path=_clean(request.path),
            verdict=sig.verdict,
            phase=phase,
            **kw,  # type: ignore[arg-type]
        )

    marks = [v for k, v in request.headers.items() if k.lower() == LOOP_HEADER.lower()]
    if config.instance in (m.strip() for mark in marks for m in mark.split(",")):
        return web.Response(status=508, text="plivocb: forwarding loop\n")
    if config.strict and sig.verdict in ("invalid", "unsigned"):
        display.publish(
            event("close", status=403, note="strict: rejected", session=str(id(request)))
        )
        return web.Response(status=403, text=f"plivocb: {sig.verdict} signature\n")
    if len(sessions.open) >= MAX_SESSIONS:
        stats.rejected += 1
        return web.Response(status=503, text="plivocb: too many open stream sessions\n")
    server = web.WebSocketResponse(max_msg_size=config.max_body, autoping=True)
    if not server.can_prepare(request).ok:
        return web.Response(status=400, text="plivocb: not a valid WebSocket upgrade\n")

    upstream: aiohttp.ClientWebSocketResponse | None = None
    forwarded_to = error = ""
    if config.forward_to:
        forwarded_to = ws_url(forward_target(config.forward_to, request.raw_path))
        protocols = [
            p.strip()
            for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",")
            if p.strip()
        ]
        try:
            async with asyncio.timeout(config.forward_timeout):
                upstream = await request.app[SESSION].ws_connect(
                    forwarded_to,
                    headers=[
                        *_forward_headers(request, config.public_base),
                        (LOOP_HEADER, ", ".join([*marks, config.instance])),
                    ],
                    protocols=protocols,
                    max_msg_size=config.max_body,
                    autoping=True,
                )
        except TimeoutError:
            error = f"timed out after {config.forward_timeout:g} s"
        except aiohttp.WSServerHandshakeError as exc:
            error = f"refused the WebSocket upgrade ({exc.status})"
        except aiohttp.ClientError as exc:
            error = f"unreachable: {exc}"
        if upstream is not None and upstream.protocol:
            server = web.WebSocketResponse(
                max_msg_size=config.max_body, autoping=True, protocols=(upstream.protocol,)
            )

    status = 502 if error else 101
    fx = Fixture(
        kind=STREAM_KIND,
        received_at=received,
        request=Request(
            "GET",
            public_url,
            request.raw_path.split("?", 1)[0],
            request.query_string,
            tuple(_recorded_header(k, v) for k, v in request.headers.items()),
            b"",
        ),
        params=parse_query(request.query_string),
        signature=Signature(sig.verdict, sig.family, sig.detail),
        response=Response(
            status,
            "",
            "",
            round((time.perf_counter() - started) * 1000, 3),
            without_credentials(forwarded_to),
            error,
        ),
    )
    if config.redactor is not None:
        fx = config.redactor.fixture(fx)
    try:
        path = save(fx, config.out_dir)
        recorder = SessionRecorder(path)
    except OSError as exc:
        stats.errors += 1
        if upstream is not None:
            await upstream.close()
        display.publish(event("close", status=500, note=f"could not write fixture: {exc}"))
        return web.Response(status=500, text="plivocb: could not record this stream\n")
    stats.kinds[STREAM_KIND] += 1
    stats.verdicts[sig.verdict] += 1
    key = path.name
    if error:
        recorder.close("plivocb", None, f"app {error}", 0.0)
        display.publish(
            event("close", session=key, status=502, forward="unreachable", file=key, note=error)
        )
        return web.Response(status=502, text=f"plivocb: your app at {forwarded_to} is {error}\n")

    await server.prepare(request)
    sessions.open.add(server)
    guard = request.app[GUARD]
    guard.busy.add(request.transport)  # a live session is never an idle connection to evict
    display.publish(
        event("open", session=key, status=101, forward="101" if upstream else "", file=key)
    )

    def elapsed() -> float:
        return (time.perf_counter() - started) * 1000

    def snapshot(phase: str, reason: str = "") -> StreamEvent:
        tally = recorder.tally
        return event(
            phase,
            session=key,
            status=101,
            file=key,
            stream_id=tally.stream_id,
            seconds_in=tally.seconds[PLIVO],
            seconds_out=tally.seconds[APP],
            app_events=_app_events(recorder),
            close_reason=reason,
            elapsed_ms=elapsed(),
        )

    async def tick() -> None:
        while True:
            await asyncio.sleep(TICK_S)
            display.publish(snapshot("update"))

    async def session() -> None:
        ticker = asyncio.create_task(tick())
        by, code, reason = "plivocb", None, "interrupted"
        try:
            by, code, reason = await _relay(server, upstream, recorder, elapsed)
        finally:
            ticker.cancel()
            sessions.open.discard(server)
            guard.busy.discard(request.transport)
            if upstream is not None and not upstream.closed:
                await upstream.close(code=code or 1000)
            if not server.closed:
                await server.close(code=code or 1000)
            recorder.close(by, code, reason, elapsed())
            closed = f"by {by}" + (f" {code}" if code else "") + (f" ({reason})" if reason else "")
            display.publish(snapshot("close", closed))

    # Shielded: a client that drops the TCP connection right after its close frame can get the
    # handler cancelled (aiohttp's handler_cancellation); the recording still finishes cleanly.
    task = asyncio.create_task(session())
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(task), 5)
        raise
    return server


async def _relay(
    server: web.WebSocketResponse,
    upstream: aiohttp.ClientWebSocketResponse | None,
    recorder: SessionRecorder,
    elapsed: Callable[[], float],
) -> tuple[str, int | None, str]:
    """Pump both ways until one side closes; (who closed, code, reason)."""

    async def pump(
        source: str,
        receive: Callable[[], Awaitable[aiohttp.WSMessage]],
        peer: web.WebSocketResponse | aiohttp.ClientWebSocketResponse | None,
    ) -> tuple[str, int | None, str]:
        other = APP if source == PLIVO else PLIVO
        while True:
            msg = await receive()
            if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                recorder.frame(source, msg.data, elapsed())
                if peer is None:
                    continue
                try:
                    if msg.type is WSMsgType.TEXT:
                        await peer.send_str(msg.data)
                    else:
                        await peer.send_bytes(msg.data)
                except (ConnectionError, RuntimeError, aiohttp.ClientError):
                    return other, peer.close_code, "connection lost"
            elif msg.type is WSMsgType.CLOSE:
                code = msg.data if isinstance(msg.data, int) else None
                return source, code, str(msg.extra or "")
            elif msg.type is WSMsgType.ERROR:
                return source, 1011, f"error: {msg.data}"
            elif msg.type in (WSMsgType.CLOSED, WSMsgType.CLOSING):
                return source, None, "connection lost"

    tasks = [asyncio.create_task(pump(PLIVO, server.receive, upstream))]
    if upstream is not None:
        tasks.append(asyncio.create_task(pump(APP, upstream.receive, server)))
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finished = [t for t in tasks if t in done and not t.cancelled() and t.exception() is None]
    if finished:
        return finished[0].result()
    return next(iter(done)).result()  # raises what went wrong
