"""Stream sessions end to end: the real `plivocb listen` / `replay` / `fixtures new` processes."""

from __future__ import annotations

import asyncio
import json
import signal
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import aiohttp

from plivocb import signature
from plivocb.fixture import iter_paths, load
from plivocb.streams.record import PLIVO, SessionReader
from tests.helpers import TOKEN, ListenProcess
from tests.inproc import InprocListen, arun_cli
from tests.stream_bot import Bot
from tests.test_streams import play_as_plivo, plivo_frames


async def _cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    import os

    environ = {k: v for k, v in os.environ.items() if k != "PLIVO_AUTH_TOKEN"}
    return await arun_cli(*args, cwd=cwd, environ={**environ, **(env or {})})


async def _bot(aiohttp_server: Any) -> tuple[Bot, str]:
    bot = Bot()
    server = await aiohttp_server(bot.app())
    return bot, str(server.make_url("")).rstrip("/")


async def test_listen_forward_record_then_replay_cli(aiohttp_server: Any, tmp_path: Path) -> None:
    bot, bot_url = await _bot(aiohttp_server)
    out = tmp_path / "rec"
    lp = await InprocListen(
        ["--tunnel", "none", "--port", "0", "--out", str(out), "--forward-to", bot_url],
        env={"PLIVO_AUTH_TOKEN": TOKEN},
    ).start()
    url = lp.public_url + "/stream"
    got, _ = await play_as_plivo(
        "ws" + url[4:], plivo_frames(1.0), signature.signed_headers("GET", url, {}, TOKEN)
    )
    assert len(got) == len(bot.sessions[0].sent) > 50
    await lp.wait_for(r"stream close .*closed: by plivo 1000")
    assert "stream open" in lp.text()
    assert await lp.stop() == 0
    assert "stream 1" in lp.text()  # the summary counts the session
    [path] = list(iter_paths([str(out)]))
    assert load(path).signature.verdict == "valid"

    bot.sessions.clear()
    junit = tmp_path / "junit.xml"
    code, stdout, stderr = await _cli(
        "replay",
        str(out),
        "--to",
        bot_url,
        "--json",
        "--junit",
        str(junit),
        "--compare",
        "--stream-out",
        str(tmp_path / "again"),
        env={"PLIVO_AUTH_TOKEN": TOKEN},
    )
    assert code == 0, stdout + stderr
    lines = [json.loads(line) for line in stdout.splitlines()]
    assert lines[0]["kind"] == "stream" and lines[0]["passed"] and lines[0]["status"] == 101
    assert lines[-1]["summary"] and lines[-1]["passed"] == 1
    case = ET.parse(junit).getroot().find(".//testcase")
    assert case is not None and case.get("classname") == "plivocb.replay.stream"
    assert len(bot.sessions) == 1 and len(list(iter_paths([str(tmp_path / "again")]))) == 1

    code, stdout, _ = await _cli(
        "replay",
        str(out),
        "--route",
        f"stream={bot_url}/silent",
        "--first-response-ms",
        "300",
        "--stream-out",
        str(tmp_path / "again"),
    )
    assert code == 1 and "never answered" in stdout


async def test_kill_9_keeps_every_relayed_frame(aiohttp_server: Any, tmp_path: Path) -> None:
    bot, bot_url = await _bot(aiohttp_server)
    out = tmp_path / "rec"
    lp = await ListenProcess(
        ["--tunnel", "none", "--port", "0", "--out", str(out), "--forward-to", bot_url]
    ).start()
    frames = plivo_frames(2.0)
    async with (
        aiohttp.ClientSession() as s,
        s.ws_connect("ws" + lp.public_url[4:] + "/stream") as ws,
    ):
        for _, text in frames[:60]:
            await ws.send_str(text)
        for _ in range(200):  # wait until the bot (the app) got all 60: relayed = acknowledged
            if bot.sessions and len(bot.sessions[0].frames) >= 60:
                break
            await asyncio.sleep(0.05)
        assert lp.proc is not None
        lp.proc.send_signal(signal.SIGKILL)
        await lp.finish()
    [path] = list(iter_paths([str(out)]))
    reader = SessionReader(path)
    kept = [json.loads(f.data) for f in reader.frames() if f.source == PLIVO]
    assert kept == [json.loads(t) for _, t in frames[:60]]
    assert reader.summary().close is None  # cut, not closed


async def test_fixtures_new_stream_replays_against_the_bot(
    aiohttp_server: Any, tmp_path: Path
) -> None:
    bot, bot_url = await _bot(aiohttp_server)
    code, stdout, stderr = await _cli(
        "fixtures",
        "new",
        "stream",
        "--seconds",
        "0.5",
        "--digits",
        "7",
        "--content-type",
        "audio/x-l16;rate=16000",
        "--out",
        str(tmp_path / "gen"),
        "--seed",
        "3",
    )
    assert code == 0, stderr
    path = Path(stdout.strip())
    assert (
        path.name.endswith("-stream.toml") and path.with_name(path.stem + ".inbound.wav").is_file()
    )
    code, stdout, _ = await _cli("fixtures", "validate", str(path))
    assert code == 0, stdout
    code, stdout, _ = await _cli("fixtures", "show", str(path))
    assert code == 0 and "app events: (none)" in stdout and "closed by plivo code 1000" in stdout
    assert "track inbound: audio/x-l16 16000 Hz, 0.50 s" in " ".join(stdout.split())
    code, stdout, stderr = await _cli(
        "replay",
        str(path),
        "--to",
        bot_url,
        "--timing",
        "fast",
        "--stream-out",
        str(tmp_path / "out"),
    )
    assert code == 0, stdout + stderr
    events = [f["event"] for _, f in bot.sessions[0].frames]
    assert (
        events[0] == "start"
        and events.count("media") == 25
        and "dtmf" in events
        and events[-1] == "stop"
    )
    code, _, stderr = await _cli(
        "fixtures", "new", "stream", "--content-type", "audio/x-mulaw;rate=16000"
    )
    assert code == 2 and "is not one Plivo streams" in stderr


async def test_replaying_fixtures_twice_does_not_replay_the_first_runs_output(
    aiohttp_server: Any, tmp_path: Path
) -> None:
    """The default --stream-out lies outside fixtures/, so `replay fixtures/` stays the same set."""
    _, bot_url = await _bot(aiohttp_server)
    code, _, stderr = await _cli(
        "fixtures", "new", "stream", "--seconds", "0.2", "--out", str(tmp_path / "fixtures")
    )
    assert code == 0, stderr
    before = sorted(p.name for p in (tmp_path / "fixtures").rglob("*"))
    for _ in range(2):
        code, stdout, stderr = await _cli(
            "replay", "fixtures", "--to", bot_url, "--timing", "fast", cwd=tmp_path
        )
        assert code == 0, stdout + stderr
        assert "1 passed" in " ".join(stdout.split()), stdout
    assert sorted(p.name for p in (tmp_path / "fixtures").rglob("*")) == before
    assert len(list((tmp_path / "replayed-streams").glob("*-stream.toml"))) == 2
