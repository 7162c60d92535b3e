"""`<Stream>` WebSocket sessions: record through the catcher, replay against a test bot, checks."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
import wave
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from plivocb import signature
from plivocb.catcher import CatcherConfig, create_app
from plivocb.cli.common import flag_name
from plivocb.fixture import iter_paths, load
from plivocb.replay import ReplayOptions, Result, run
from plivocb.streams import audio, protocol
from plivocb.streams.protocol import AudioFormat
from plivocb.streams.record import PLIVO, SessionReader, SessionRecorder, events_path, track_path
from plivocb.streams.synth import write_session
from tests.helpers import TOKEN
from tests.stream_bot import Bot

MULAW8 = AudioFormat(protocol.MULAW, 8000)
STREAM_ID = "87654321-4321-4321-4321-cba987654321"


def plivo_frames(
    seconds: float = 1.0, fmt: AudioFormat = MULAW8, digit_at: int = 25
) -> list[tuple[float, str]]:
    """(offset ms, text) of a session as Plivo sends it: start, 20 ms media, a dtmf."""
    frames = [
        (0.0, json.dumps({
            "event": "start", "sequenceNumber": 1,
            "start": {"callId": "12345678-1234-1234-1234-123456789abc", "streamId": STREAM_ID,
                      "accountId": "MAXXXXXXXXXXXXXXXXXX", "tracks": ["inbound"],
                      "mediaFormat": {"encoding": fmt.encoding, "sampleRate": fmt.rate}},
            "extra_headers": ""}))
    ]  # fmt: skip
    pcm = audio.tone(300, seconds, fmt.rate)
    step = fmt.rate // 50 * 2
    for i in range(len(pcm) // step):
        payload = base64.b64encode(audio.from_pcm(pcm[i * step : (i + 1) * step], fmt)).decode()
        frames.append((10.0 + 20 * i, json.dumps({
            "event": "media", "sequenceNumber": len(frames) + 1, "streamId": STREAM_ID,
            "media": {"track": "inbound", "timestamp": str(1705312200000 + 20 * i), "chunk": i + 1,
                      "payload": payload}})))  # fmt: skip
        if i == digit_at:
            frames.append((11.0 + 20 * i, json.dumps({
                "event": "dtmf", "sequenceNumber": len(frames) + 1, "streamId": STREAM_ID,
                "dtmf": {"track": "inbound", "digit": "5", "timestamp": "1705312200500"}})))  # fmt: skip
    return frames


async def play_as_plivo(
    url: str,
    frames: list[tuple[float, str]],
    headers: dict[str, str] | None = None,
    linger: float = 0.3,
) -> tuple[list[str], int | None]:
    """Connect like Plivo, send the frames at their offsets, collect what comes back."""
    got: list[str] = []
    async with aiohttp.ClientSession() as s, s.ws_connect(url, headers=headers or {}) as ws:

        async def reader() -> None:
            async for msg in ws:
                got.append(msg.data)

        task = asyncio.create_task(reader())
        t0 = time.monotonic()
        for t, text in frames:
            delay = t0 + t / 1000 - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if ws.closed:
                break
            await ws.send_str(text)
        await asyncio.sleep(linger)
        await ws.close()
        await task
        return got, ws.close_code


async def closed_summary(path: Path):  # type: ignore[no-untyped-def]
    """The session summary once the catcher has written the close (it does so just after)."""
    for _ in range(100):
        summary = SessionReader(path).summary()
        if summary.close is not None:
            return summary
        await asyncio.sleep(0.05)
    raise AssertionError("the session was never closed in its events file")


async def _servers(aiohttp_server: Any, aiohttp_client: Any, tmp_path: Path, forward: bool = True):  # type: ignore[no-untyped-def]
    bot = Bot()
    bot_server = await aiohttp_server(bot.app())
    bot_url = str(bot_server.make_url("")).rstrip("/")
    config = CatcherConfig(
        out_dir=tmp_path / "rec", auth_token=TOKEN, forward_to=bot_url if forward else None
    )
    client = await aiohttp_client(create_app(config))
    config.public_base = str(client.make_url("")).rstrip("/")
    return bot, bot_url, config, client


def _signed_ws(url: str) -> dict[str, str]:
    return signature.signed_headers("GET", url, {}, TOKEN)


def test_mulaw_matches_g711_reference_points() -> None:
    assert audio.pcm_to_mulaw(b"\x00\x00") == b"\xff"
    assert audio.mulaw_to_pcm(b"\x00\x80\xff") == (
        (-32124).to_bytes(2, "little", signed=True)
        + (32124).to_bytes(2, "little", signed=True)
        + b"\x00\x00"
    )
    codes = bytes(c for c in range(256) if c != 0x7F)
    assert audio.pcm_to_mulaw(audio.mulaw_to_pcm(codes)) == codes
    assert audio.pcm_to_mulaw(audio.mulaw_to_pcm(b"\x7f")) == b"\xff"  # -0 comes back as +0


@pytest.mark.parametrize(
    ("event", "problem"),
    [
        (
            {
                "event": "playAudio",
                "media": {
                    "contentType": "audio/x-l16",
                    "sampleRate": "16000",
                    "payload": "AAAAAA==",
                },
            },
            None,
        ),
        (
            {
                "event": "playAudio",
                "media": {"contentType": "audio/x-mulaw", "sampleRate": 16000, "payload": "AAAA"},
            },
            "sampleRate",
        ),
        (
            {
                "event": "playAudio",
                "media": {"contentType": "audio/wav", "sampleRate": 8000, "payload": "AAAA"},
            },
            "contentType",
        ),
        (
            {
                "event": "playAudio",
                "media": {"contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": "!!"},
            },
            "base64",
        ),
        (
            {
                "event": "playAudio",
                "media": {"contentType": "audio/x-l16", "sampleRate": 8000, "payload": "AAAA"},
            },
            "odd",
        ),
        (
            {
                "event": "playAudio",
                "media": {"contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": ""},
            },
            "empty",
        ),
        ({"event": "playAudio"}, "media"),
        ({"event": "checkpoint", "name": "greeting"}, None),
        ({"event": "checkpoint", "name": " "}, "name"),
        ({"event": "clearAudio", "streamId": STREAM_ID}, None),
        ({"event": "clearAudio", "streamId": "other"}, "streamId"),
        ({"event": "media"}, "unknown event"),
        ([1, 2], "JSON object"),
    ],
)
def test_app_event_checks(event: object, problem: str | None) -> None:
    problems = protocol.app_event_problems(event, STREAM_ID)
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problem in problems[0]


async def test_listen_records_and_proxies_a_session(
    aiohttp_server: Any, aiohttp_client: Any, tmp_path: Path
) -> None:
    bot, _, config, _ = await _servers(aiohttp_server, aiohttp_client, tmp_path)
    url = config.public_base + "/stream?x=1"
    frames = plivo_frames(1.0)
    got, _ = await play_as_plivo(url.replace("http", "ws", 1), frames, _signed_ws(url))
    # the bot got every frame unchanged and in order, and we got every bot frame in order
    seen = bot.sessions[0]
    assert seen.path == "/stream" and seen.url.endswith("/stream?x=1")
    assert [json.dumps(f) for _, f in seen.frames] == [json.dumps(json.loads(t)) for _, t in frames]
    assert [json.loads(g) for g in got] == seen.sent
    assert seen.headers["X-Forwarded-Host"] == config.public_base.split("://")[1]
    assert signature.check(seen.headers, "GET", url, {}, TOKEN).verdict == "valid"  # headers kept

    [path] = list(iter_paths([str(config.out_dir)]))
    fx = load(path)
    assert fx.kind == "stream" and fx.signature.verdict == "valid" and fx.request.query == "x=1"
    assert fx.response is not None and fx.response.status == 101
    rebuilt = list(SessionReader(path).frames())
    from_plivo = [f.data for f in rebuilt if f.source == PLIVO]
    assert [json.loads(d) for d in from_plivo] == [json.loads(t) for _, t in frames]
    from_app = [json.loads(f.data) for f in rebuilt if f.source == "app"]
    assert from_app == seen.sent
    times = [f.t for f in rebuilt]
    assert times == sorted(times)
    summary = await closed_summary(path)
    assert summary.close is not None and summary.close["by"] == PLIVO
    assert summary.app_events == protocol.collapse([e["event"] for e in seen.sent])
    assert summary.app_events[:3] == ["playAudio", "checkpoint", "playAudio"]
    for track in ("inbound", "app"):
        with wave.open(str(track_path(path, track))) as w:
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 8000)
            assert w.getnframes() / 8000 == pytest.approx(1.0, abs=0.001)


async def test_without_forward_the_bot_answers_nothing_and_records(
    aiohttp_server: Any, aiohttp_client: Any, tmp_path: Path
) -> None:
    _, _, config, _ = await _servers(aiohttp_server, aiohttp_client, tmp_path, forward=False)
    url = config.public_base + "/audio"
    got, _ = await play_as_plivo(
        url.replace("http", "ws", 1),
        plivo_frames(0.2),
        {"X-Plivo-Signature-V3": "bad", "X-Plivo-Signature-V3-Nonce": "1"},
    )
    assert got == []
    [path] = list(iter_paths([str(config.out_dir)]))
    assert load(path).signature.verdict == "invalid"
    assert len([f for f in SessionReader(path).frames()]) == len(plivo_frames(0.2))


async def test_unreachable_app_gets_502_and_a_record(aiohttp_client: Any, tmp_path: Path) -> None:
    config = CatcherConfig(
        out_dir=tmp_path / "rec", forward_to="http://127.0.0.1:9", forward_timeout=2
    )
    client = await aiohttp_client(create_app(config))
    config.public_base = str(client.make_url("")).rstrip("/")
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await client.ws_connect("/stream")
    assert info.value.status == 502
    [path] = list(iter_paths([str(config.out_dir)]))
    fx = load(path)
    assert fx.response is not None and "unreachable" in fx.response.error


async def _record(
    aiohttp_server: Any, aiohttp_client: Any, tmp_path: Path, seconds: float = 1.0
) -> tuple[Bot, str, Path]:
    bot, bot_url, config, _ = await _servers(aiohttp_server, aiohttp_client, tmp_path)
    url = config.public_base + "/stream"
    await play_as_plivo(url.replace("http", "ws", 1), plivo_frames(seconds), _signed_ws(url))
    await closed_summary(next(iter(iter_paths([str(config.out_dir)]))))
    bot.sessions.clear()
    return bot, bot_url, config.out_dir


async def _replay(paths: list[str], to: str, **kw: Any) -> list[Result]:
    results: list[Result] = []
    # named as `plivocb replay` names them: the assertions below read the CLI's wording
    opts = ReplayOptions(paths=paths, to=to, auth_token=TOKEN, option_names=flag_name, **kw)
    await run(opts, results.append)
    return results


@pytest.mark.serial  # pacing within 30 ms + 10 %
async def test_replay_against_the_bot_keeps_order_pacing_and_signs(
    aiohttp_server: Any, aiohttp_client: Any, tmp_path: Path
) -> None:
    bot, bot_url, out = await _record(aiohttp_server, aiohttp_client, tmp_path)
    [result] = await _replay([str(out)], bot_url, compare=True, stream_out=tmp_path / "replayed")
    assert result.passed, result.reasons
    assert result.kind == "stream" and result.status == 101 and result.url.startswith("ws://")
    seen = bot.sessions[0]
    assert signature.check(seen.headers, "GET", bot_url + "/stream", {}, TOKEN).verdict == "valid"
    sent = [json.loads(t) for _, t in plivo_frames(1.0)]
    live = [f for _, f in seen.frames if f["event"] in ("playedStream", "clearedAudio")]
    assert {f["event"] for f in live} == {"playedStream", "clearedAudio"}  # answered live
    got = [f for _, f in seen.frames if f not in live]
    assert got == sent  # same events, same order, audio rebuilt byte for byte
    # pacing: the whole span within 10 % of the recorded one, and each frame's offset from the
    # first within 10 % plus a scheduling allowance (2 shared cores: one late wake-up is ~20 ms;
    # frames are scheduled on absolute offsets, so lateness never accumulates)
    arrivals = [t for t, f in seen.frames if f not in live]
    recorded = [
        f.t for f in SessionReader(next(iter(iter_paths([str(out)])))).frames() if f.source == PLIVO
    ]
    for arrival, rec in zip(arrivals, recorded, strict=True):
        assert (
            abs((arrival - arrivals[0]) * 1000 - (rec - recorded[0]))
            <= 0.1 * (rec - recorded[0]) + 30
        )
    span, recorded_span = (arrivals[-1] - arrivals[0]) * 1000, recorded[-1] - recorded[0]
    assert abs(span - recorded_span) <= 0.1 * recorded_span, (span, recorded_span)
    # what the app sent back was recorded as a new stream fixture
    [copy] = list(iter_paths([str(tmp_path / "replayed")]))
    assert [json.loads(f.data) for f in SessionReader(copy).frames() if f.source == "app"] == [
        s for s in seen.sent
    ]


@pytest.mark.serial  # fast must finish within 0.9 s
async def test_replay_fast_and_speed(
    aiohttp_server: Any, aiohttp_client: Any, tmp_path: Path
) -> None:
    _, bot_url, out = await _record(aiohttp_server, aiohttp_client, tmp_path, seconds=2.0)
    started = time.monotonic()
    [fast] = await _replay([str(out)], bot_url, stream_timing="fast")
    fast_s = time.monotonic() - started
    assert fast.passed, fast.reasons
    started = time.monotonic()
    [double] = await _replay([str(out)], bot_url, speed=2.0)
    double_s = time.monotonic() - started
    assert double.passed, double.reasons
    # 2 s recorded: at 2x it takes at least 1 s; fast is the app's pace plus 0.5 s of quiet
    assert fast_s < 0.9 < 1.0 <= double_s


async def test_replay_flags_a_bot_that_closes_early(
    aiohttp_server: Any, aiohttp_client: Any, tmp_path: Path
) -> None:
    _, bot_url, out = await _record(aiohttp_server, aiohttp_client, tmp_path)
    [result] = await _replay(
        [str(out)], bot_url, routes={"stream": bot_url.replace("http", "ws") + "/early"}
    )
    assert not result.passed
    assert any("closed the stream early (code 4000)" in r for r in result.reasons)


async def test_replay_flags_a_bot_that_never_answers(
    aiohttp_server: Any, aiohttp_client: Any, tmp_path: Path
) -> None:
    _, bot_url, out = await _record(aiohttp_server, aiohttp_client, tmp_path, seconds=0.3)
    started = time.monotonic()
    [result] = await _replay(
        [str(out)], bot_url, routes={"stream": bot_url + "/silent"}, first_response_ms=500
    )
    assert any("never answered" in r for r in result.reasons), result.reasons
    assert time.monotonic() - started < 5


async def test_replay_flags_garbage_from_the_bot(
    aiohttp_server: Any, aiohttp_client: Any, tmp_path: Path
) -> None:
    _, bot_url, out = await _record(aiohttp_server, aiohttp_client, tmp_path, seconds=0.3)
    [result] = await _replay(
        [str(out)], bot_url, routes={"stream": bot_url + "/garbage"}, compare=True
    )
    text = "\n".join(result.reasons)
    for expected in (
        "not a JSON object",
        "binary frame",
        "contentType 'audio/x-foo'",
        "not valid base64",
        "checkpoint without a `name`",
        "unknown event 'hello'",
        "--compare: app events differ",
    ):
        assert expected in text, text


async def test_replay_flags_a_slow_first_response(
    aiohttp_server: Any, aiohttp_client: Any, tmp_path: Path
) -> None:
    bot, bot_url, out = await _record(aiohttp_server, aiohttp_client, tmp_path, seconds=0.3)
    bot.reply_delay = 0.4
    [result] = await _replay([str(out)], bot_url, first_response_ms=200)
    assert any("over --first-response-ms 200" in r for r in result.reasons), result.reasons


async def test_plivo_side_answers_checkpoint_after_playback_and_clear(
    aiohttp_server: Any, aiohttp_client: Any, tmp_path: Path
) -> None:
    bot, bot_url, out = await _record(aiohttp_server, aiohttp_client, tmp_path, seconds=0.6)
    bot.checkpoint_every = 5
    await _replay([str(out)], bot_url, stream_timing="fast")
    names = [f.get("event") for _, f in bot.sessions[0].frames]
    assert "playedStream" in names and "clearedAudio" in names


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_recorder_memory_is_bounded_for_ten_minutes(tmp_path: Path) -> None:
    """30,000 caller frames and 30,000 replies (10 min of 20 ms audio each way)."""
    from plivocb.fixture import save
    from plivocb.streams.synth import stream_fixture

    path = save(stream_fixture(datetime.now(UTC)), tmp_path)
    recorder = SessionRecorder(path)
    media = json.dumps(
        {
            "event": "media",
            "streamId": STREAM_ID,
            "media": {
                "track": "inbound",
                "timestamp": "1",
                "chunk": 1,
                "payload": base64.b64encode(bytes(160)).decode(),
            },
        }
    )
    reply = json.dumps(
        {
            "event": "playAudio",
            "media": {
                "contentType": "audio/x-mulaw",
                "sampleRate": 8000,
                "payload": base64.b64encode(bytes(160)).decode(),
            },
        }
    )
    recorder.frame(PLIVO, plivo_frames(0.02)[0][1], 0)
    for i in range(100):  # warm up caches before the baseline
        recorder.frame(PLIVO, media, 20.0 * i)
    before = _rss()
    for i in range(100, 30_000):
        recorder.frame(PLIVO, media, 20.0 * i)
        recorder.frame("app", reply, 20.0 * i + 1)
    grown = _rss() - before
    recorder.close(PLIVO, 1000, "", 600_000)
    # keeping each frame would cost > 30 MB (60,000 dicts and payloads); streaming costs ~0
    assert grown < 4 << 20, f"RSS grew {grown} bytes"
    with wave.open(str(track_path(path, "inbound"))) as w:
        assert w.getnframes() == 30_000 * 160  # 600 s at 8 kHz
    assert events_path(path).stat().st_size < 30_000 * 2 * 400


def test_fixtures_new_stream_and_replay_it(tmp_path: Path) -> None:
    path = write_session(
        tmp_path, datetime(2026, 11, 26, tzinfo=UTC), AudioFormat(protocol.L16, 16000), 0.5, "12"
    )
    frames = list(SessionReader(path).frames())
    events = [f.event for f in frames]
    assert events[0] == "start" and events[-1] == "stop" and events.count("dtmf") == 2
    with wave.open(str(track_path(path, "inbound"))) as w:
        assert (w.getframerate(), w.getnframes()) == (16000, 8000)
    first_media = json.loads(frames[1].data)
    assert len(base64.b64decode(first_media["media"]["payload"])) == 640  # 20 ms of 16 kHz L16


async def test_a_killed_recorder_keeps_what_it_acknowledged(tmp_path: Path) -> None:
    """Simulate kill -9: the files are left as they are mid-session, with no close line."""
    from plivocb.fixture import save
    from plivocb.streams.synth import stream_fixture

    path = save(stream_fixture(datetime.now(UTC)), tmp_path)
    recorder = SessionRecorder(path)
    frames = plivo_frames(0.2)
    for t, text in frames:
        recorder.frame(PLIVO, text, t)
    with open(events_path(path), "ab") as f:
        f.write(b'{"t":999,"from":"plivo","fra')  # a line cut mid-write
    rebuilt = [json.loads(f.data) for f in SessionReader(path).frames()]
    assert rebuilt == [json.loads(t) for _, t in frames]
    assert SessionReader(path).summary().close is None
    del recorder  # never closed, like a killed process


def test_live_view_keeps_one_updating_row_per_session() -> None:
    import io

    from rich.console import Console

    from plivocb.display import LineDisplay, LiveDisplay, StreamEvent

    live = LiveDisplay()
    for phase, seconds, reason in (
        ("open", 0.0, ""),
        ("update", 1.5, ""),
        ("close", 3.25, "by plivo 1000"),
    ):
        live.publish(
            StreamEvent(
                "2026-11-26T12:00:00",
                "stream",
                "WS",
                "/stream",
                session="S1",
                phase=phase,
                stream_id="abcd[red]x\x1b[2J",
                seconds_in=seconds,
                seconds_out=seconds / 2,
                app_events="playAudio 3, checkpoint 1",
                close_reason=reason,
            )
        )
    assert list(live.streams) == ["S1"] and live.streams["S1"].phase == "close"
    assert sum(live.counts.values()) == 1  # the session counts once
    console = Console(file=io.StringIO(), width=120)
    console.print(live)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert (
        "abcd[red]x" in text
        and "\x1b" not in text
        and "3.2" in text
        and "playAudio 3" in text
        and "by plivo 1000" in text
    )
    out = io.StringIO()
    lines = LineDisplay(stream=out)
    lines.thread.start()
    for phase in ("open", "update", "close"):
        lines.publish(StreamEvent("t", "stream", "WS", "/s", session="S1", phase=phase))
    lines.banner_stream = io.StringIO()
    lines.stop([])
    assert [line.split()[2] for line in out.getvalue().splitlines()] == ["open", "close"]


def test_stream_signature_accepts_the_scheme_plivo_signed() -> None:
    from plivocb.streams.ws import check_signature

    public = "https://abc.ngrok.app/stream"
    for signed_as in (public, "http://abc.ngrok.app/stream", "wss://abc.ngrok.app/stream"):
        headers = signature.signed_headers("GET", signed_as, {}, TOKEN)
        check = check_signature(headers, public, TOKEN)
        assert check.verdict == "valid", signed_as
        assert (check.detail == "") == (signed_as == public)
    bad = signature.signed_headers("GET", "https://other.app/stream", {}, TOKEN)
    assert check_signature(bad, public, TOKEN).verdict == "invalid"


async def test_forwarding_to_itself_is_refused_not_looped(
    aiohttp_client: Any, tmp_path: Path
) -> None:
    config = CatcherConfig(out_dir=tmp_path / "rec", forward_to="http://127.0.0.1:9")
    client = await aiohttp_client(create_app(config))
    config.public_base = config.forward_to = str(client.make_url("")).rstrip("/")
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await client.ws_connect("/stream", headers={"Authorization": "Bearer secret"})
    assert info.value.status == 502
    [fx] = [load(p) for p in iter_paths([str(config.out_dir)])]  # the inner attempt is not recorded
    assert fx.response is not None and "(508)" in fx.response.error
    assert fx.request.header("Authorization") == "[removed]"
