"""The WebSocket side of `plivocb simulate call` for `<Stream>`: open the socket like Plivo,
stream the caller audio (`--audio FILE.wav`, converted to the stream's `contentType`, or
silence), answer the app like Plivo (`plivo_side`), send `stop`, and record the session as a
stream fixture whose `.app.wav` holds everything the app played (so a test can assert the bot
answered). Plivo retries a failed connection twice before DroppedStream
(https://plivo.com/docs/voice/audio-streaming/best-practices); so do we.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from aiohttp import WSMsgType

from plivocb import defaults, signature
from plivocb.errors import Namer, own_name
from plivocb.fixture.model import Fixture, Request, Response, Signature
from plivocb.fixture.store import save
from plivocb.signed_request import build as build_signed
from plivocb.streams import audio, protocol
from plivocb.streams.plivo_side import PlivoSide
from plivocb.streams.record import APP, APP_TRACK, PLIVO, STREAM_KIND, SessionRecorder, track_path
from plivocb.streams.ws import http_url

FRAME_MS = 20
SILENCE_S = 2.0  # caller audio when no --audio is given
QUIET_S = 0.5  # after the caller audio, the session ends once the app is quiet this long
REPLY_WAIT_S = 5.0  # …or after this long at most
CONNECT_TRIES = 3
CONNECT_TIMEOUT_S = 10.0
USER_AGENT = "plivocb-simulate (Plivo audio stream)"


@dataclass
class SessionSpec:
    url: str
    call_uuid: str
    stream_id: str
    content_type: str
    audio_track: str = "inbound"
    extra_headers: str = ""
    auth_token: str = ""
    account_id: str = "MAXXXXXXXXXXXXXXXXXX"
    bidirectional: bool = True
    audio: Path | None = None
    out: Path = defaults.SIMULATED_STREAMS_DIR
    realtime: bool = False
    option_names: Namer = own_name  # what a failure calls options (`audio`): the CLI's flags


@dataclass
class SessionResult:
    status: str  # "connected" or "failed"
    detail: str
    frames_sent: int = 0
    frames_received: int = 0
    caller_seconds: float = 0.0
    app_seconds: float = 0.0  # audio the app played (playAudio)
    app_events: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    fixture: Path | None = None
    app_wav: Path | None = None


def caller_audio(spec: SessionSpec, fmt: protocol.AudioFormat) -> bytes:
    """The caller's audio as 16-bit PCM at the stream's rate."""
    if spec.audio is None:
        return bytes(int(SILENCE_S * fmt.rate) * 2)
    pcm, rate = audio.read_wav_pcm(spec.audio)
    return audio.resample(pcm, rate, fmt.rate)


async def run_session(spec: SessionSpec, seconds: float) -> SessionResult:
    """Hold a stream session for up to `seconds` and report what happened."""
    fmt = protocol.parse_content_type(spec.content_type)
    if fmt is None:
        return SessionResult(
            "failed",
            f"contentType {spec.content_type!r} is not one Plivo streams "
            f"({', '.join(protocol.STREAM_CONTENT_TYPES)})",
        )
    audio_option = spec.option_names("audio")
    try:
        pcm = caller_audio(spec, fmt)
    except (OSError, EOFError, ValueError) as exc:  # wave.Error is an Exception subclass
        return SessionResult("failed", f"{audio_option} {spec.audio}: cannot be read: {exc}")
    except Exception as exc:  # wave.Error
        return SessionResult("failed", f"{audio_option} {spec.audio}: not a WAV file: {exc}")
    signed_url = http_url(spec.url)
    hello = [("User-Agent", USER_AGENT)]
    token = spec.auth_token or None  # no token: an unsigned handshake
    headers = dict(build_signed("GET", signed_url, {}, token, headers=hello, body=b"").headers)
    async with aiohttp.ClientSession() as session:
        ws, error = None, ""
        for _ in range(CONNECT_TRIES):
            try:
                async with asyncio.timeout(CONNECT_TIMEOUT_S):
                    ws = await session.ws_connect(spec.url, headers=headers, autoping=True)
                break
            except TimeoutError:
                error = f"timed out after {CONNECT_TIMEOUT_S:g} s"
            except aiohttp.WSServerHandshakeError as exc:
                error = f"the app answered {exc.status}, not 101"
            except aiohttp.ClientError as exc:
                error = f"unreachable: {exc}"
        if ws is None:
            return SessionResult("failed", f"WebSocket {spec.url}: {error} ({CONNECT_TRIES} tries)")
        try:
            return await _stream(ws, spec, fmt, pcm, seconds, headers)
        finally:
            if not ws.closed:
                await ws.close()


async def _stream(
    ws: aiohttp.ClientWebSocketResponse,
    spec: SessionSpec,
    fmt: protocol.AudioFormat,
    pcm: bytes,
    seconds: float,
    headers: dict[str, str],
) -> SessionResult:
    started = time.perf_counter()
    received_at = datetime.now(UTC)
    fx = Fixture(
        kind=STREAM_KIND,
        received_at=received_at,
        request=Request(
            "GET",
            spec.url,
            "/" + spec.url.split("://", 1)[-1].partition("/")[2].partition("?")[0],
            spec.url.partition("?")[2],
            tuple(signature.strip_signature_headers(headers.items())),
            b"",
        ),
        signature=Signature("unchecked", "", "sent by plivocb simulate"),
        response=Response(101, "", "", 0.0, spec.url, ""),
    )
    path = save(fx, spec.out)
    recorder = SessionRecorder(path)
    result = SessionResult("connected", "", fixture=path)
    loop = asyncio.get_running_loop()

    def ms() -> float:
        return (time.perf_counter() - started) * 1000

    async def send(text: str) -> None:
        recorder.frame(PLIVO, text, ms())
        await ws.send_str(text)
        result.frames_sent += 1

    plivo = PlivoSide(send, spec.stream_id, bidirectional=spec.bidirectional)
    app_closed = asyncio.Event()
    last_app = [loop.time()]

    async def receive() -> None:
        async for msg in ws:
            if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                last_app[0] = loop.time()
                result.frames_received += 1
                recorder.frame(APP, msg.data, ms())
                plivo.app_frame(msg.data)
        app_closed.set()

    receiver = asyncio.create_task(receive())
    sequence = 0

    def event(name: str, **body: object) -> str:
        nonlocal sequence
        sequence += 1
        plivo.saw_sequence(sequence)
        return json.dumps({"event": name, "sequenceNumber": sequence, **body})

    tracks = ["inbound", "outbound"] if spec.audio_track == "both" else [spec.audio_track]
    epoch_ms = int(received_at.timestamp() * 1000)
    step = fmt.rate * FRAME_MS // 1000 * 2
    frames = min(len(pcm) // step, int(seconds * 1000 / FRAME_MS))
    closed_by = "plivocb"
    try:
        await send(
            event(
                "start",
                start={
                    "callId": spec.call_uuid,
                    "streamId": spec.stream_id,
                    "accountId": spec.account_id,
                    "tracks": tracks,
                    "mediaFormat": {"encoding": fmt.encoding, "sampleRate": fmt.rate},
                },
                extra_headers=spec.extra_headers,
            )
        )
        t0 = loop.time()
        for chunk in range(frames):
            if app_closed.is_set():
                break
            if spec.realtime:
                delay = t0 + chunk * FRAME_MS / 1000 - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            payload = audio.from_pcm(pcm[chunk * step : (chunk + 1) * step], fmt)
            for track in tracks[:1]:  # the caller's side; `outbound` carries what Plivo plays
                await send(
                    event(
                        "media",
                        streamId=spec.stream_id,
                        media={
                            "track": track,
                            "timestamp": str(epoch_ms + chunk * FRAME_MS),
                            "chunk": chunk + 1,
                            "payload": base64.b64encode(payload).decode("ascii"),
                        },
                        extra_headers=spec.extra_headers,
                    )
                )
            result.caller_seconds += FRAME_MS / 1000
        deadline = loop.time() + min(REPLY_WAIT_S, max(0.0, seconds - result.caller_seconds))
        while not app_closed.is_set() and loop.time() < deadline:
            if loop.time() - last_app[0] >= QUIET_S and loop.time() - t0 >= QUIET_S:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(app_closed.wait(), 0.05)
        if app_closed.is_set():
            closed_by = APP
        else:
            await plivo.stop()
            with contextlib.suppress(ConnectionError, RuntimeError, aiohttp.ClientError):
                await send(event("stop", streamId=spec.stream_id))
    except (ConnectionError, RuntimeError, aiohttp.ClientError):
        closed_by = APP
    finally:
        await plivo.drain()
        if not ws.closed:
            await ws.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(receiver, 5)
        receiver.cancel()
        recorder.close(closed_by, ws.close_code, "", ms())
    tally = plivo.tally
    result.app_seconds = tally.audio_seconds
    result.app_events = tally.names
    result.problems = tally.reasons()
    wav = track_path(path, APP_TRACK)
    result.app_wav = wav if wav.exists() else None
    played = f"the app played {result.app_seconds:.2f} s" + (
        f" ({result.app_wav})" if result.app_wav else " (no playAudio)"
    )
    result.detail = (
        f"streamed {result.caller_seconds:.2f} s of {fmt.content_type()} caller audio, {played}; "
        f"app events: {' '.join(result.app_events) or 'none'}; closed by {closed_by}; "
        f"session recorded in {path}"
    )
    return result
