"""`listen` against slow, idle, malformed and looping peers: it stays up and answers callbacks."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest

from plivocb import fixture as fx
from plivocb.guard import HEADER_TIMEOUT
from tests.helpers import ANSWER, ListenProcess, form
from tests.hostile import cli

# a valid callback answered within 1 s while under attack: alone (.ci/run)
pytestmark = pytest.mark.serial

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def _valid_callback(base: str) -> float:
    """Seconds until a valid callback is answered 200."""
    started = time.monotonic()
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as s,
        s.post(f"{base}/answer", data=form(ANSWER), headers=FORM) as r,
    ):
        assert r.status == 200
        await r.read()
    return time.monotonic() - started


async def _closed_within(reader: asyncio.StreamReader, timeout: float) -> bool:
    try:
        await asyncio.wait_for(reader.read(), timeout)
        return True
    except (TimeoutError, ConnectionError):
        return False


async def test_partial_headers_are_closed_after_the_header_timeout(tmp_path: Path) -> None:
    lp = await ListenProcess(["--tunnel", "none", "--port", "0", "--out", str(tmp_path)]).start()
    url = urlsplit(lp.local_url)
    conns = []
    for data in (b"", b"POST /answer HTTP/1.1\r\nHost: x\r\n", b"G"):
        conns.append(await asyncio.open_connection(url.hostname, url.port))
        conns[-1][1].write(data)
    started = time.monotonic()

    async def dribble(writer: asyncio.StreamWriter) -> None:  # one header byte every 0.5 s
        with contextlib.suppress(ConnectionError):
            writer.write(b"POST /answer HTTP/1.1\r\n")
            for _ in range(40):
                await asyncio.sleep(0.5)
                writer.write(b"X")

    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    task = asyncio.create_task(dribble(writer))
    results = await asyncio.gather(
        *(_closed_within(r, HEADER_TIMEOUT + 3) for r, _ in [*conns, (reader, writer)])
    )
    assert all(results), results
    assert time.monotonic() - started < HEADER_TIMEOUT + 3
    task.cancel()
    for _, w in [*conns, (reader, writer)]:
        w.close()
    assert await _valid_callback(lp.public_url) < 1
    assert await lp.stop() == 0
    assert "Traceback" not in lp.text()


async def test_malformed_requests_leave_no_traceback_per_connection(tmp_path: Path) -> None:
    lp = await ListenProcess(["--tunnel", "none", "--port", "0", "--out", str(tmp_path)]).start()
    url = urlsplit(lp.local_url)
    garbage = [
        b"POST @127.0.0.1:1/x HTTP/1.1\r\n\r\n",
        b"* * *\r\n\r\n",
        b"GET / HTTP/1.1\r\nX: \x00\x7f\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # a TLS hello on the plain port
        b"POST /a HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ]
    for _ in range(30):
        for data in garbage:
            reader, writer = await asyncio.open_connection(url.hostname, url.port)
            writer.write(data)
            with contextlib.suppress(ConnectionError, TimeoutError):
                reply = await asyncio.wait_for(reader.read(), 5)
                assert not reply or reply.split(b" ", 2)[1].startswith(b"4"), reply[:100]
            writer.close()
    assert await _valid_callback(lp.public_url) < 1
    assert await lp.stop() == 0
    assert "Traceback" not in lp.text()
    notices = [line for line in lp.stderr if "malformed" in line]
    assert 1 <= len(notices) <= 3, lp.stderr  # one line per 10 s, not one per connection
    assert len(list(fx.iter_paths([str(tmp_path)]))) == 1


async def test_connection_cap_closes_idle_sockets_and_says_so(tmp_path: Path) -> None:
    lp = await ListenProcess(
        ["--tunnel", "none", "--port", "0", "--out", str(tmp_path), "--max-connections", "50"]
    ).start()
    url = urlsplit(lp.local_url)
    idle = [await asyncio.open_connection(url.hostname, url.port) for _ in range(200)]
    await lp.wait_for("connection cap 50 reached")  # the server has accepted past the cap
    assert await _valid_callback(lp.public_url) < 1
    closed = await asyncio.gather(*(_closed_within(r, 0.5) for r, _ in idle[:100]))
    assert sum(closed) >= 100 - 50, "idle connections beyond the cap were not closed"
    await lp.wait_for("connection cap 50 reached")
    for _, w in idle:
        w.close()
    assert await lp.stop() == 0
    assert "Traceback" not in lp.text()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_forwarding_to_itself_is_refused_at_start(tmp_path: Path) -> None:
    port = _free_port()
    for forward, extra in (
        (f"http://localhost:{port}", []),
        (f"http://127.0.0.1:{port}/base", []),
        ("https://pub.example/", ["--public-url", "https://pub.example"]),
    ):
        code, out, err = await cli(
            "listen", "--tunnel", "none", "--port", str(port), "--out", str(tmp_path),
            "--forward-to", forward, *extra,
        )  # fmt: skip
        assert code == 2, out + err
        assert "forwarded back to itself" in err and "Traceback" not in err
        assert f"--forward-to {forward} is this catcher" in err
        assert "point --forward-to at your app's own port" in err
    code, out, err = await cli(
        "listen", "--tunnel", "none", "--port", str(port), "--out", str(tmp_path),
        "--forward-to", f"http://127.0.0.1:{_free_port()}", "--max-connections", "-1",
    )  # fmt: skip
    assert code == 2 and "--max-connections" in err
