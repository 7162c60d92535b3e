"""`plivocb simulate call` with `<Stream>`: a real WebSocket session against the test bot."""

from __future__ import annotations

import base64
import wave
from pathlib import Path
from typing import Any

from plivocb import signature
from plivocb.simulate.call import simulate_call
from plivocb.simulate.model import CallOptions, Transcript
from plivocb.streams import audio
from plivocb.streams.record import SessionReader
from tests.inproc import arun_cli
from tests.simulate_app import TOKEN, ScriptedApp, serve, xml
from tests.stream_bot import Bot


def write_wav(path: Path, seconds: float, rate: int = 8000, channels: int = 1) -> Path:
    pcm = audio.tone(440, seconds, rate)
    if channels == 2:  # interleave the same tone twice
        pcm = b"".join(pcm[i : i + 2] * 2 for i in range(0, len(pcm), 2))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return path


async def _setup(
    aiohttp_server: Any, stream_attrs: str, bot_path: str = "/echo"
) -> tuple[ScriptedApp, Bot, str]:
    bot = Bot()
    bot_server = await aiohttp_server(bot.app())
    ws_url = "ws" + str(bot_server.make_url(bot_path))[4:]
    app = await serve(aiohttp_server, {})
    app.routes["/answer"] = xml(
        f"<Response><Stream bidirectional='true' keepCallAlive='true' streamTimeout='20' "
        f"statusCallbackUrl='{app.url('/st')}' {stream_attrs}>{ws_url}</Stream>"
        "<Speak>After the stream</Speak></Response>"
    )
    return app, bot, ws_url


async def _simulate(app: ScriptedApp, tmp_path: Path, **kw: Any) -> Transcript:
    opts = CallOptions(
        answer_url=app.url("/answer"),
        hangup_url=app.url("/hangup"),
        auth_token=TOKEN,
        seed=5,
        stream_out=tmp_path / "sessions",
        **kw,
    )
    return await simulate_call(opts)


async def test_stream_sends_audio_as_mulaw_and_collects_the_reply(
    aiohttp_server: Any, tmp_path: Path
) -> None:
    app, bot, ws_url = await _setup(aiohttp_server, "contentType='audio/x-mulaw;rate=8000'")
    wav = write_wav(
        tmp_path / "caller.wav", 1.0, rate=16000, channels=2
    )  # converted to 8 kHz mono µ-law
    t = await _simulate(app, tmp_path, audio=wav)
    assert t.ok, t.app_errors
    seen = bot.sessions[0]
    events = [f["event"] for _, f in seen.frames]
    assert events[0] == "start" and events[-1] == "stop" and events.count("media") == 50
    start = seen.frames[0][1]
    assert start["start"]["mediaFormat"] == {"encoding": "audio/x-mulaw", "sampleRate": 8000}
    assert start["start"]["callId"] == t.ident and start["start"]["tracks"] == ["inbound"]
    first_media = seen.frames[1][1]["media"]
    assert len(base64.b64decode(first_media["payload"])) == 160  # 20 ms of 8 kHz µ-law
    assert "playedStream" in events  # the bot's checkpoints were answered like Plivo does
    # signed like Plivo (V3 over the http form of the ws URL), checked by the official SDK too
    http = "http" + ws_url[2:]
    assert signature.check(seen.headers, "GET", http, {}, TOKEN).verdict == "valid"
    # the status callback saw the stream start and stop; the call went on after it
    assert [r.params["Event"] for r in app.by_path("/st")] == ["StartStream", "StopStream"]
    assert t.heard == ["Speak: After the stream"]
    stream_events = [e.text for e in t.events if e.type == "stream"]
    assert "connected" in stream_events[0] and "the app played 1.00 s" in stream_events[0]
    [app_wav] = list((tmp_path / "sessions").glob("*.app.wav"))
    with wave.open(str(app_wav)) as w:  # the bot echoed the caller: 1 s of 8 kHz audio
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 8000)
        assert w.getnframes() == 8000
    [session] = list((tmp_path / "sessions").glob("*.toml"))
    assert [f.event for f in SessionReader(session).frames()][:2] == ["start", "media"]


async def test_stream_l16_16k_and_silence_by_default(aiohttp_server: Any, tmp_path: Path) -> None:
    app, bot, _ = await _setup(aiohttp_server, "contentType='audio/x-l16;rate=16000'")
    t = await _simulate(app, tmp_path)
    assert t.ok, t.app_errors
    frames = [f for _, f in bot.sessions[0].frames]
    assert frames[0]["start"]["mediaFormat"] == {"encoding": "audio/x-l16", "sampleRate": 16000}
    media = [f for f in frames if f["event"] == "media"]
    assert len(media) == 100  # 2 s of silence in 20 ms frames
    assert all(base64.b64decode(m["media"]["payload"]) == bytes(640) for m in media)


async def test_unreachable_stream_is_dropped(
    aiohttp_server: Any, tmp_path: Path, unused_tcp_port: int
) -> None:
    app = await serve(aiohttp_server, {})
    app.routes["/answer"] = xml(
        f"<Response><Stream statusCallbackUrl='{app.url('/st')}'>ws://127.0.0.1:{unused_tcp_port}/x</Stream></Response>"
    )
    t = await _simulate(app, tmp_path)
    [status] = app.by_path("/st")
    assert status.params["Event"] == "DroppedStream" and "unreachable" in status.params["Error"]
    assert any(e.type == "stream" and "failed" in e.text for e in t.events)


async def test_garbage_from_the_bot_is_an_app_error(aiohttp_server: Any, tmp_path: Path) -> None:
    app, _, _ = await _setup(aiohttp_server, "", bot_path="/garbage")
    t = await _simulate(app, tmp_path)
    assert not t.ok
    text = "\n".join(t.app_errors)
    assert "not a JSON object" in text and "checkpoint without a `name`" in text


async def test_simulate_cli_audio_and_stream_out(aiohttp_server: Any, tmp_path: Path) -> None:

    app, _, _ = await _setup(aiohttp_server, "contentType='audio/x-mulaw;rate=8000'")
    wav = write_wav(tmp_path / "hello.wav", 0.5)
    code, out, err = await arun_cli(
        "simulate", "call", "--answer-url", app.url("/answer"),
        "--audio", str(wav), "--stream-out", str(tmp_path / "out"),
    )  # fmt: skip
    assert code == 0, out + err
    assert "the app played 0.50 s" in out
    assert len(list((tmp_path / "out").glob("*.app.wav"))) == 1
    code, _, err = await arun_cli(
        "simulate", "call", "--answer-url", app.url("/answer"),
        "--audio", str(tmp_path / "missing.wav"),
    )  # fmt: skip
    assert code == 2 and "--audio" in err
    (tmp_path / "noise.wav").write_bytes(b"not a WAV file")
    code, out, err = await arun_cli(
        "simulate", "call", "--answer-url", app.url("/answer"),
        "--audio", str(tmp_path / "noise.wav"),
    )  # fmt: skip
    assert f"--audio {tmp_path / 'noise.wav'}: not a WAV file" in out, out + err


async def test_play_audio_on_a_one_way_stream_is_an_app_error(
    aiohttp_server: Any, tmp_path: Path
) -> None:
    app, _, _ = await _setup(aiohttp_server, "")
    app.routes["/answer"] = xml(
        app.routes["/answer"][2].replace("bidirectional='true'", "bidirectional='false'")
    )
    t = await _simulate(app, tmp_path)
    assert any('without bidirectional="true"' in e for e in t.app_errors), t.app_errors
