"""Replay a stream fixture: connect to the app's WebSocket URL (signed), send the recorded
Plivo → app frames with recorded pacing (or as fast as the app reads), answer the app like Plivo
(`plivo_side`), record what the app sends back, and check it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import WSMsgType

from plivocb import proxy_headers, signature
from plivocb.fixture.model import Fixture, Request, Response, Signature
from plivocb.fixture.store import save
from plivocb.proxy_headers import HOP_BY_HOP
from plivocb.signed_request import build as build_signed
from plivocb.streams import protocol
from plivocb.streams.plivo_side import PlivoSide
from plivocb.streams.record import (
    APP,
    PLIVO,
    STREAM_KIND,
    SessionReader,
    SessionRecorder,
    Summary,
    parse_frame,
)
from plivocb.streams.ws import WS_HANDSHAKE_HEADERS, http_url, ws_url

if TYPE_CHECKING:
    from plivocb.replay import ReplayOptions, Result

ANSWERED_LIVE = ("playedStream", "clearedAudio")  # plivo_side answers these to the new app
QUIET_S = 0.5  # `fast`: the session ends once the app has been quiet this long
DROP = HOP_BY_HOP | WS_HANDSHAKE_HEADERS | {"accept-encoding"}


def stream_url(opts: ReplayOptions, fx: Fixture) -> str:
    """`--route stream=URL` as is; `--to` (http → ws) with the recorded path and query."""
    if STREAM_KIND in opts.routes:
        return ws_url(opts.routes[STREAM_KIND])
    if opts.to is None:
        from plivocb.replay import NoTargetError

        raise NoTargetError(STREAM_KIND)
    query = f"?{fx.request.query}" if fx.request.query else ""
    return ws_url(opts.to.rstrip("/")) + (fx.request.path or "/") + query


def handshake_headers(
    opts: ReplayOptions, fx: Fixture, url: str
) -> tuple[list[tuple[str, str]], bool]:
    """The recorded handshake headers, retargeted like callbacks' (Host, X-Forwarded-*), and
    re-signed (GET, no params) for the http(s) form of `url`."""
    kept = [(k, v) for k, v in fx.request.headers if k.lower() not in DROP - {"host"}]
    headers = proxy_headers.retarget(kept, http_url(url), opts.keep_headers)
    token = opts.auth_token if opts.sign and opts.auth_token else None  # replay.signing_token
    req = build_signed(
        "GET", http_url(url), {}, token, opts.main_auth_token, headers=headers, body=b""
    )
    return req.headers, req.signed


async def replay_stream(
    session: aiohttp.ClientSession, opts: ReplayOptions, path: Path, fx: Fixture
) -> Result:
    from plivocb.replay import Result

    url = stream_url(opts, fx)
    headers, signed = handshake_headers(opts, fx, url)
    reader = SessionReader(path)
    recorded = reader.summary()
    result = Result(
        fixture=str(path),
        kind=STREAM_KIND,
        method="WS",
        url=url,
        group=recorded.stream_id,
        signed=signed,
    )
    started = time.perf_counter()
    try:
        async with asyncio.timeout(opts.timeout):
            ws = await session.ws_connect(
                url, headers=headers, max_msg_size=protocol.MAX_PLAY_BYTES * 2, autoping=True
            )
    except TimeoutError:
        result.reasons.append(f"handshake timed out after {opts.timeout:g} s")
        return result
    except aiohttp.WSServerHandshakeError as exc:
        result.status = exc.status
        result.reasons.append(f"handshake failed: the app answered {exc.status}, not 101")
        return result
    except aiohttp.ClientConnectorError as exc:
        result.reasons.append(f"connection refused or unreachable: {exc.os_error.strerror or exc}")
        return result
    except aiohttp.ClientError as exc:
        result.reasons.append(f"handshake failed: {type(exc).__name__}: {exc}")
        return result
    result.status = 101
    recorder = _recorder(opts, fx, url, headers, signed)
    closed_by = "plivocb"
    try:
        closed_by = await _run(ws, reader, recorded, opts, result, recorder, started)
    finally:
        if not ws.closed:
            await ws.close()
        if recorder is not None:
            recorder.close(closed_by, ws.close_code, "", _ms(started))
    result.elapsed_ms = _ms(started)
    return result


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _recorder(
    opts: ReplayOptions, fx: Fixture, url: str, headers: list[tuple[str, str]], signed: bool
) -> SessionRecorder | None:
    """What the app sent back is recorded as a new stream fixture under --stream-out."""
    if opts.stream_out is None:
        return None
    from datetime import UTC, datetime

    kept = signature.strip_signature_headers(headers)  # fresh signatures are not worth keeping
    copy = Fixture(
        kind=STREAM_KIND,
        received_at=datetime.now(UTC),
        request=Request("GET", url, fx.request.path, fx.request.query, tuple(kept), b""),
        params=dict(fx.params),
        signature=Signature("valid" if signed else "unsigned", "v3" if signed else ""),
        response=Response(101, "", "", 0.0, url, ""),
        redacted=fx.redacted,
    )
    return SessionRecorder(save(copy, opts.stream_out))


async def _run(
    ws: aiohttp.ClientWebSocketResponse,
    reader: SessionReader,
    recorded: Summary,
    opts: ReplayOptions,
    result: Result,
    recorder: SessionRecorder | None,
    started: float,
) -> str:
    """Send, answer, receive; returns who closed the socket (APP or "plivocb")."""
    loop = asyncio.get_running_loop()
    send_lock = asyncio.Lock()

    async def send(data: str | bytes) -> None:
        async with send_lock:
            if recorder is not None:
                recorder.frame(PLIVO, data, _ms(started))
            if isinstance(data, bytes):
                await ws.send_bytes(data)
            else:
                await ws.send_str(data)

    plivo = PlivoSide(send, recorded.stream_id)
    app_closed = asyncio.Event()
    last_app = [loop.time()]

    async def receive() -> None:
        async for msg in ws:
            if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                last_app[0] = loop.time()
                if recorder is not None:
                    recorder.frame(APP, msg.data, _ms(started))
                plivo.app_frame(msg.data)
            elif msg.type is WSMsgType.ERROR:
                result.reasons.append(f"the connection failed: {ws.exception()}")
                break
        app_closed.set()

    receiver = asyncio.create_task(receive())
    recorded_timing = opts.stream_timing == "recorded"
    speed = opts.speed if recorded_timing else 0.0
    t0 = loop.time()
    first_media_at: float | None = None
    sent = total = 0
    try:
        for frame in reader.frames():
            if frame.source != PLIVO or frame.event in ANSWERED_LIVE:
                continue
            total += 1
            if app_closed.is_set():
                continue
            if speed:
                delay = t0 + frame.t / 1000 / speed - loop.time()
                if delay > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(app_closed.wait(), delay)
                    if app_closed.is_set():
                        continue
            if isinstance(frame.data, str) and frame.event:
                parsed = parse_frame(frame.data) or {}
                plivo.saw_sequence(parsed.get("sequenceNumber"))
                if frame.event == "start" and not plivo.stream_id:
                    plivo.stream_id = protocol.stream_id(parsed)
            if frame.event == "stop":
                await plivo.stop()
            try:
                await send(frame.data)
            except (ConnectionError, aiohttp.ClientError, RuntimeError):
                break
            sent += 1
            if frame.event == "media" and first_media_at is None:
                first_media_at = loop.time()
        # let the app finish: until the recorded end (recorded timing), or until it goes quiet
        if speed:
            end = t0 + recorded.end_t / 1000 / speed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(app_closed.wait(), max(0.0, end - loop.time()))
        deadline = loop.time() + opts.timeout
        while not app_closed.is_set() and loop.time() < deadline:
            quiet_for = loop.time() - last_app[0]
            waiting_reply = recorded.had_reply and plivo.tally.first_at is None
            limit = opts.first_response_ms / 1000 if waiting_reply else QUIET_S
            since = (
                (loop.time() - first_media_at) if (waiting_reply and first_media_at) else quiet_for
            )
            if since >= limit:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(app_closed.wait(), min(0.1, limit - since))
    finally:
        await plivo.drain()
        closed_by = APP if app_closed.is_set() else "plivocb"
        if not ws.closed:
            await ws.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(receiver, 5)
        receiver.cancel()
    _check(result, recorded, plivo, opts, first_media_at, sent, total, ws.close_code)
    return closed_by


def _check(
    result: Result,
    recorded: Summary,
    plivo: PlivoSide,
    opts: ReplayOptions,
    first_media_at: float | None,
    sent: int,
    total: int,
    close_code: int | None,
) -> None:
    tally = plivo.tally
    result.reasons.extend(tally.reasons())
    if sent < total and (recorded.close or {}).get("by") != APP:
        result.reasons.append(
            f"the app closed the stream early (code {close_code}) after {sent} of {total} frames"
        )
    if recorded.had_reply and first_media_at is not None:
        if tally.first_at is None:
            result.reasons.append(
                f"the app never answered (the recorded session had a reply within "
                f"{(recorded.first_app_t or 0) - (recorded.first_plivo_media_t or 0):.0f} ms)"
            )
        else:
            waited = (tally.first_at - first_media_at) * 1000
            if waited > opts.first_response_ms:
                result.reasons.append(
                    f"first response {waited:.0f} ms after the first caller audio, over "
                    f"{opts.name('first_response_ms')} {opts.first_response_ms:g}"
                )
    if opts.compare and tally.names != recorded.app_events:
        result.reasons.append(
            f"{opts.name('compare')}: app events differ (runs merged)\n"
            f"  recorded: {' '.join(recorded.app_events) or '(none)'}\n"
            f"  replayed: {' '.join(tally.names) or '(none)'}"
        )
