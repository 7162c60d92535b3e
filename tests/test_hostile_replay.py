"""`replay` against hostile peers: bounded reads, whole-exchange timeout, odd charsets, valid JUnit."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from plivocb import fixture as fx
from tests.helpers import ANSWER, make_fixture
from tests.hostile import clean_env
from tests.inproc import arun_cli

BOMB_BYTES = 512 << 20  # decompresses to 512 MiB


def _gzip_bomb() -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    block = b"\0" * (1 << 20)
    parts = [packer.compress(block) for _ in range(BOMB_BYTES >> 20)]
    return b"".join(parts) + packer.flush()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return _gzip_bomb()


class Peer:
    """A misbehaving app: what `/<name>` answers is chosen by name."""

    def __init__(self, bomb: bytes) -> None:
        self.bomb = bomb

    async def handle(self, request: web.Request) -> web.StreamResponse:
        await request.read()
        name = request.path.strip("/")
        if name == "huge":
            response = web.StreamResponse(headers={"Content-Type": "text/xml"})
            await response.prepare(request)
            chunk = b"<" * (1 << 20)
            for _ in range(50):  # 50 MiB, unless the client stops reading
                await response.write(chunk)
            return response
        if name == "bomb":
            return web.Response(
                body=self.bomb, headers={"Content-Type": "text/xml", "Content-Encoding": "gzip"}
            )
        if name == "trickle":
            response = web.StreamResponse(headers={"Content-Type": "text/xml"})
            await response.prepare(request)
            for _ in range(100):
                await response.write(b"<")
                await asyncio.sleep(0.2)
            return response
        if name == "charset":
            return web.Response(
                body="<Response><Speak>é</Speak></Response>".encode(),
                headers={"Content-Type": "text/xml; charset=x-no-such-charset"},
            )
        if name == "controls":
            return web.Response(
                body=b"<Response>\x00\x1b]0;t\x07 ]]> \xed\xa0\x80 \xff\xfe</Response>",
                headers={"Content-Type": "text/xml"},
            )
        return web.Response(text="<Response/>", content_type="text/xml")


@pytest.fixture
async def peer(aiohttp_server: Any, bomb: bytes) -> str:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", Peer(bomb).handle)
    server = await aiohttp_server(app)
    return str(server.make_url("")).rstrip("/")


async def _replay(*args: str, timeout: float = 60) -> tuple[int, str, str, float]:
    """The real CLI in a subprocess that reports its own peak RSS (MB) at exit.

    VmHWM, not getrusage's ru_maxrss: Linux carries the forking parent's peak (a pytest process
    grown large over the whole suite) into the child's ru_maxrss across exec.
    """
    code = (
        "import atexit, re, runpy, sys\n"
        "atexit.register(lambda: print('MAXRSS', re.search(r'VmHWM:\\s+(\\d+)', "
        "open('/proc/self/status').read()).group(1), file=sys.stderr))\n"
        f"sys.argv = ['plivocb', 'replay', *{list(args)!r}]\n"
        "runpy.run_module('plivocb', run_name='__main__')\n"
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=clean_env(),
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    text = err.decode("utf-8", "replace")
    rss = int(re.search(r"MAXRSS (\d+)", text).group(1)) / 1024  # type: ignore[union-attr]
    assert proc.returncode is not None
    return proc.returncode, out.decode("utf-8", "replace"), text, rss


def _fixtures(tmp_path: Path, *paths: str) -> Path:
    d = tmp_path / "fx"
    for i, path in enumerate(paths):
        fx.save(make_fixture({**ANSWER, "CallUUID": f"c{i}"}, f"/{path}", seconds=i), d)
    return d


@pytest.mark.parametrize("path", ["huge", "bomb"])
async def test_response_body_is_capped_and_memory_stays_bounded(
    tmp_path: Path, peer: str, path: str
) -> None:
    d = _fixtures(tmp_path, path)
    code, out, err, rss = await _replay(str(d), "--to", peer, "--json")
    assert code == 1, out + err
    (result,) = [json.loads(line) for line in out.splitlines() if '"fixture"' in line]
    assert any("over --max-response (1048576 bytes" in r for r in result["reasons"])
    assert any("over Plivo's 100 KB limit" in r for r in result["reasons"])
    print(f"\nreplay against {path}: peak RSS {rss:.0f} MB")
    assert rss < 200, f"replay peaked at {rss:.0f} MB"
    assert "Traceback" not in err


async def test_timeout_covers_the_whole_exchange(tmp_path: Path, peer: str) -> None:
    d = _fixtures(tmp_path, "trickle")
    started = time.monotonic()
    # a byte every 0.2 s: only a limit on the whole exchange stops it
    code, out, _ = await arun_cli("replay", str(d), "--to", peer, "--timeout", "1")
    assert code == 1 and "timed out after 1 s" in out
    assert time.monotonic() - started < 10


async def test_bogus_charset_is_decoded_and_checked(tmp_path: Path, peer: str) -> None:
    d = _fixtures(tmp_path, "charset")
    code, out, err = await arun_cli("replay", str(d), "--to", peer)
    assert code == 0, out + err


async def test_junit_stays_valid_xml_whatever_the_responses_hold(tmp_path: Path, peer: str) -> None:
    d = _fixtures(tmp_path, "controls", "huge")
    junit = tmp_path / "report.xml"
    code, out, err = await arun_cli(
        "replay", str(d), "--to", peer, "--compare", "--junit", str(junit)
    )
    assert code == 1
    root = ET.parse(junit).getroot()
    assert len(list(root.iter("failure"))) == 2
    assert "\x1b" not in out and "Traceback" not in err


def test_not_xml_char_is_the_complement_of_xml_1_0_chars() -> None:
    """The few-range class matches exactly the characters outside XML 1.0's Char production,
    checked over every code point."""
    from plivocb.xml_chars import NOT_XML_CHAR

    allowed = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
    everything = "".join(map(chr, range(0x110000)))
    refused = NOT_XML_CHAR.findall(everything)
    assert len(refused) == len(everything) - len(allowed.findall(everything)) == 2048 + 29 + 2
    assert not any(allowed.fullmatch(c) for c in refused)
