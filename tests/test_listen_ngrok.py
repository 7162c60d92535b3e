"""`plivocb listen` through the real pyngrok code path, with a fake `ngrok` agent executable."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp

from plivocb import fixture as fx
from tests.helpers import ANSWER, TOKEN, ListenProcess, fake_ngrok, form, pid_alive, signed


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    return {
        "HOME": str(tmp / "home"),
        "PYNGROK_NGROK_PATH": str(fake_ngrok(tmp)),
        "FAKE_NGROK_PIDFILE": str(tmp / "ngrok.pids"),
        **extra,
    }


def _pids(tmp: Path) -> list[int]:
    path = tmp / "ngrok.pids"
    return [int(x) for x in path.read_text().split()] if path.exists() else []


async def test_ngrok_tunnel_public_url_verifies_and_closes(tmp_path: Path) -> None:
    out = tmp_path / "rec"
    lp = await ListenProcess(
        ["--port", "0", "--out", str(out), "--auth-token", TOKEN],
        env=_env(tmp_path, NGROK_AUTHTOKEN="fake-ngrok-token"),
    ).start()
    public, local = lp.public_url, lp.local_url
    assert public != local and public.startswith("http://127.0.0.1:")
    [agent] = _pids(tmp_path)
    assert pid_alive(agent)

    url = f"{public}/answer"
    async with aiohttp.ClientSession() as s:
        async with s.post(
            url,
            data=form(ANSWER),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                **signed("POST", url, ANSWER),
            },
        ) as r:
            assert r.status == 200 and "<Speak>" in await r.text()
        # the same request sent to the local address is checked against the public URL too,
        # so a signature made for the local URL does not pass
        async with s.post(
            f"{local}/answer",
            data=form(ANSWER),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                **signed("POST", f"{local}/answer", ANSWER),
            },
        ) as r:
            assert r.status == 200

    assert await lp.stop(sig=15) == 0
    verdicts = [fx.load(p).signature.verdict for p in fx.iter_paths([str(out)])]
    assert verdicts == ["valid", "invalid"]
    first = fx.load(next(fx.iter_paths([str(out)])))
    assert first.request.public_url == url
    assert "fake-ngrok-token" not in lp.text()
    deadline = time.monotonic() + 5
    while pid_alive(agent) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert not pid_alive(agent), "ngrok agent left behind"


async def test_ngrok_without_authtoken_is_one_clear_line(tmp_path: Path) -> None:
    lp = ListenProcess(["--port", "0", "--out", str(tmp_path / "rec")], env=_env(tmp_path))
    await lp.start(expect_ready=False)
    assert await lp.finish() == 2
    text = lp.text()
    assert "authtoken" in text and "NGROK_AUTHTOKEN" in text and "--tunnel none" in text
    assert "Traceback" not in text
    assert all(not pid_alive(p) for p in _pids(tmp_path))


async def test_missing_ngrok_binary(tmp_path: Path) -> None:
    env = _env(tmp_path, NGROK_AUTHTOKEN="x")
    env["PYNGROK_NGROK_PATH"] = str(tmp_path / "nowhere" / "ngrok")
    env["PATH"] = "/usr/bin:/bin"
    lp = ListenProcess(["--port", "0", "--out", str(tmp_path / "rec")], env=env)
    await lp.start(expect_ready=False)
    assert await lp.finish() == 3  # an outside service failed (issue #13: no longer 2)
    assert "ngrok is not installed" in lp.text() and "--public-url" in lp.text()
    assert "Traceback" not in lp.text()


async def test_ngrok_hanging_at_start_is_bounded(tmp_path: Path) -> None:
    env = _env(tmp_path, NGROK_AUTHTOKEN="x", FAKE_NGROK_MODE="hang")
    env["PLIVOCB_NGROK_STARTUP_TIMEOUT"] = "1"  # the least it takes
    lp = ListenProcess(["--port", "0", "--out", str(tmp_path / "rec")], env=env)
    started = time.monotonic()
    await lp.start(expect_ready=False)
    assert await lp.finish(timeout=30) == 3  # an outside service failed (was 2)
    assert time.monotonic() - started < 20
    assert "did not start" in lp.text() and "Traceback" not in lp.text()


async def test_public_url_skips_ngrok(tmp_path: Path) -> None:
    lp = await ListenProcess(
        ["--port", "0", "--out", str(tmp_path), "--public-url", "https://hooks.example.com/plivo/"],
        env=_env(tmp_path),
    ).start()
    assert lp.public_url == "https://hooks.example.com/plivo"
    assert "Answer URL   https://hooks.example.com/plivo/answer" in lp.text()
    assert await lp.stop() == 0
    assert _pids(tmp_path) == []
