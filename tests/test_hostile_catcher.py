"""The catcher under hostile requests: each is recorded and answered, or refused with a clean 4xx.

A 500 means only that the disk write failed (see test_hostile_disk.py).
"""

from __future__ import annotations

import gzip
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plivocb import fixture as fx
from plivocb.catcher import REMOVED, CatcherConfig, Stats, create_app
from plivocb.cli.common import flag_name
from plivocb.display import CallbackEvent
from plivocb.forward import LOOP_HEADER, forward_target, origin_form
from tests.helpers import ANSWER, form
from tests.hostile import raw_exchange

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Recorder:
    def __init__(self) -> None:
        self.events: list[CallbackEvent] = []

    def start(self, banner: object) -> None: ...
    def stop(self, summary: object) -> None: ...

    def publish(self, event: CallbackEvent) -> None:
        self.events.append(event)


def _recorded(out: Path) -> list[fx.Fixture]:
    return [fx.load(p) for p in fx.iter_paths([str(out)])] if out.exists() else []


async def _catcher(aiohttp_client: Any, out: Path, **config: Any) -> Any:
    # as `listen` builds it: the notes and replies name its flags
    settings = {"out_dir": out, "public_base": "https://pub.example", "option_names": flag_name}
    settings.update(config)
    recorder = Recorder()
    client = await aiohttp_client(create_app(CatcherConfig(**settings), recorder, Stats()))
    client.recorder = recorder
    return client


# ---------------------------------------------------------------- bodies that crashed the handler


async def test_json_with_lone_surrogates_is_recorded(aiohttp_client: Any, tmp_path: Path) -> None:
    client = await _catcher(aiohttp_client, tmp_path)
    body = b'{"CallUUID": "\\ud800x", "From": "\\udfff", "\\udc00": ["\\ud83d"]}'
    r = await client.post("/hangup", data=body, headers={"Content-Type": "application/json"})
    assert r.status == 200
    (f,) = _recorded(tmp_path)
    assert f.request.body == body
    assert f.params["CallUUID"] == ["\ufffdx"] and f.params["\ufffd"] == ["\ufffd"]


@pytest.mark.parametrize("opener", [b"[", b'{"a":'])
async def test_json_nested_100000_deep_is_recorded(
    aiohttp_client: Any, tmp_path: Path, opener: bytes
) -> None:
    client = await _catcher(aiohttp_client, tmp_path)
    body = b'{"a":' + opener * 100_000 + b"1" + b"]" * 100_000 + b"}"
    r = await client.post("/answer", data=body, headers={"Content-Type": "application/json"})
    assert r.status == 200
    (f,) = _recorded(tmp_path)
    assert f.params == {} and f.request.body == body


@pytest.mark.parametrize("where", ["body", "query", "json"])
async def test_100000_fields_are_refused_with_400(
    aiohttp_client: Any, tmp_path: Path, where: str
) -> None:
    client = await _catcher(aiohttp_client, tmp_path, max_body=4 << 20)
    if where == "body":
        r = await client.post(
            "/answer", data=io.BytesIO(b"&".join([b"a=1"] * 100_000)), headers=FORM
        )
    elif where == "json":
        payload = io.BytesIO(json.dumps({f"k{i}": 1 for i in range(100_000)}).encode())
        r = await client.post("/answer", data=payload, headers={"Content-Type": "application/json"})
    else:
        r = await client.get("/answer?" + "&".join(["a"] * 2000))
    assert r.status == 400
    assert "more than 1000 fields" in await r.text()
    assert _recorded(tmp_path) == []
    assert client.recorder.events[-1].kind == "rejected"
    r = await client.post("/answer", data=form(ANSWER), headers=FORM)  # still answering
    assert r.status == 200


async def test_odd_bytes_in_headers_are_recorded_as_text(
    aiohttp_server: Any, tmp_path: Path
) -> None:
    server = await aiohttp_server(
        create_app(
            CatcherConfig(out_dir=tmp_path, public_base="https://pub.example", auth_token="t")
        )
    )
    body = form(ANSWER).encode()
    request = (
        b"POST /answer HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"X-Odd: \xff\xfe\x80 caf\xc3\xa9\r\nX-Plivo-Signature-V3: \xff\xfe,\x80\r\n"
        b"X-Plivo-Signature-V3-Nonce: \xc0\r\n"
        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )
    reply = await raw_exchange(server.host, server.port, request)
    assert reply.startswith(b"HTTP/1.1 200"), reply[:200]
    (f,) = _recorded(tmp_path)
    assert f.request.header("X-Odd") == "\ufffd\ufffd\ufffd café"
    assert f.signature.verdict == "invalid"
    reply = await raw_exchange(server.host, server.port, request.replace(b"caf", b"\x7f\x00"))
    assert reply.split(b" ", 2)[1] == b"400"  # the HTTP parser refuses, cleanly


async def test_credentials_headers_are_never_recorded(aiohttp_client: Any, tmp_path: Path) -> None:
    client = await _catcher(aiohttp_client, tmp_path)
    secret = {"Authorization": "Basic c2VjcmV0", "Cookie": "s=secret", "Proxy-Authorization": "x"}
    r = await client.post("/answer", data=form(ANSWER), headers={**FORM, **secret})
    assert r.status == 200
    (path,) = fx.iter_paths([str(tmp_path)])
    text = path.read_text()
    assert "secret" not in text and "c2VjcmV0" not in text
    recorded = fx.load(path)
    # Proxy-Authorization is hop-by-hop: aiohttp's client may drop it; if it came, it is removed.
    for name in ("Authorization", "Cookie"):
        assert recorded.request.header(name) == REMOVED


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    body=st.binary(max_size=3000),
    ctype=st.sampled_from(
        ["application/json", "application/x-www-form-urlencoded", "", "text/plain", "x/y; a=b"]
    ),
    path=st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    query=st.text(max_size=60),
)
def test_fuzz_request_parser_records_or_refuses_cleanly(
    tmp_path_factory: pytest.TempPathFactory, body: bytes, ctype: str, path: str, query: str
) -> None:
    """Invariant: recorded (200, the fixture loads back) or a clean 4xx; never a 500."""
    import asyncio

    from aiohttp.test_utils import TestClient, TestServer
    from yarl import URL

    out = tmp_path_factory.mktemp("fuzz")

    async def one() -> None:
        app = create_app(CatcherConfig(out_dir=out, public_base="https://p.example", max_body=2048))
        async with TestClient(TestServer(app)) as client:
            url = URL.build(path="/" + path.lstrip("/"), query_string=query)
            r = await client.post(url, data=body, headers={"Content-Type": ctype})
            text = await r.text()
            assert r.status == 200 or 400 <= r.status < 500, (r.status, text)
            loaded = _recorded(out)
            assert len(loaded) == (1 if r.status == 200 else 0)
            if r.status == 200:
                assert loaded[0].request.body == body
            else:
                assert text.startswith("plivocb: ")

    asyncio.run(one())


# ---------------------------------------------------------------- forwarding


class DevApp:
    """The developer's app behind --forward-to; replies as the test says."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, str]]] = []
        self.reply: web.Response | None = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        await request.read()
        self.seen.append((request.raw_path, dict(request.headers)))
        return self.reply or web.Response(text="<Response/>", content_type="text/xml")


@pytest.fixture
async def dev(aiohttp_server: Any) -> tuple[DevApp, str]:
    app = DevApp()
    web_app = web.Application()
    web_app.router.add_route("*", "/{tail:.*}", app.handle)
    server = await aiohttp_server(web_app)
    return app, str(server.make_url("")).rstrip("/")


async def test_gzip_reply_is_relayed_as_text(
    aiohttp_client: Any, tmp_path: Path, dev: tuple[DevApp, str]
) -> None:
    app, base = dev
    xml = "<Response><Speak>compressed</Speak></Response>"
    app.reply = web.Response(
        body=gzip.compress(xml.encode()),
        headers={"Content-Encoding": "gzip", "Content-Type": "text/xml"},
    )
    client = await _catcher(aiohttp_client, tmp_path, forward_to=base)
    r = await client.post("/answer", data=form(ANSWER), headers={**FORM, "Accept-Encoding": "gzip"})
    assert r.status == 200 and await r.text() == xml
    assert app.seen[0][1]["Accept-Encoding"] == "identity"
    assert _recorded(tmp_path)[0].response.body == xml  # type: ignore[union-attr]


async def test_reply_over_max_body_and_gzip_bomb_stop_at_the_cap(
    aiohttp_client: Any, tmp_path: Path, dev: tuple[DevApp, str]
) -> None:
    app, base = dev
    client = await _catcher(aiohttp_client, tmp_path, forward_to=base, max_body=10_000)
    for reply in (
        web.Response(body=b"x" * 20_000, content_type="text/xml"),
        web.Response(body=gzip.compress(b"\0" * 50_000_000), headers={"Content-Encoding": "gzip"}),
    ):
        app.reply = reply
        r = await client.post("/answer", data=form(ANSWER), headers=FORM)
        text = await r.text()
        assert r.status == 200 and "could not reach your application" in text
        assert "more than -max-body (10000 bytes)" in text  # no `--` inside an XML comment
        ET.fromstring(text.split("<!--")[0])


@pytest.mark.parametrize("charset", ["x-bogus", "utf-16", "", "utf-8; x=\u00ff"])
async def test_bogus_charsets_are_decoded_with_a_fallback(
    aiohttp_client: Any, tmp_path: Path, dev: tuple[DevApp, str], charset: str
) -> None:
    app, base = dev
    app.reply = web.Response(
        body="<Response>é</Response>".encode(),
        headers={"Content-Type": f"text/xml; charset={charset}"},
    )
    client = await _catcher(aiohttp_client, tmp_path, forward_to=base)
    r = await client.post("/answer", data=form(ANSWER), headers=FORM)
    assert r.status == 200
    assert _recorded(tmp_path)[0].response is not None


@pytest.mark.parametrize(
    "target",
    [
        b"host://127.0.0.1:1/answer",
        b"//evil.example/x",
        b"http://u:p@127.0.0.2:9/a?b=1",
        b"/answer",
    ],
)
def test_forward_target_keeps_the_configured_host(target: bytes) -> None:
    from urllib.parse import urlsplit

    raw = target.decode()
    url = forward_target("http://user:pw@127.0.0.1:5000/base/", raw)
    parts = urlsplit(url)
    assert (parts.hostname, parts.port) == ("127.0.0.1", 5000)
    assert parts.path.startswith("/base/") and not parts.path.startswith("/base//")
    assert origin_form(raw).startswith("/") and not origin_form(raw).startswith("//")


async def test_request_targets_cannot_reach_another_host(
    aiohttp_server: Any, tmp_path: Path, dev: tuple[DevApp, str]
) -> None:
    app, base = dev
    evil = DevApp()
    evil_app = web.Application()
    evil_app.router.add_route("*", "/{tail:.*}", evil.handle)
    evil_server = await aiohttp_server(evil_app)
    catcher = await aiohttp_server(
        create_app(
            CatcherConfig(out_dir=tmp_path, public_base="https://p.example", forward_to=base)
        )
    )
    evil_hostport = f"{evil_server.host}:{evil_server.port}"
    for target in (
        f"http://{evil_hostport}/answer",
        f"//{evil_hostport}/x",
        f"host://{evil_hostport}/y",
    ):
        body = form(ANSWER).encode()
        request = (
            f"POST {target} HTTP/1.1\r\nHost: {evil_hostport}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode() + body
        reply = await raw_exchange(catcher.host, catcher.port, request)
        assert reply.startswith(b"HTTP/1.1 200"), reply[:300]
    assert evil.seen == []
    assert [p for p, _ in app.seen] == ["/answer", f"/{evil_hostport}/x", "/y"]
    recorded = _recorded(tmp_path)
    assert all(
        f.request.path.startswith("/") and not f.request.path.startswith("//") for f in recorded
    )


@given(path=st.text(max_size=60))
@settings(max_examples=200, deadline=None)
def test_unreachable_fallback_is_well_formed_and_has_no_credentials(path: str) -> None:
    from plivocb.forward import unreachable_reply, without_credentials

    target = without_credentials(forward_target("http://user:s3cret@127.0.0.1:9", "/" + path))
    reply = unreachable_reply(True, f"unreachable: {path}", target)
    xml = reply.body
    assert (
        reply.status == 200
        and reply.origin == "fallback"
        and "s3cret" not in xml
        and "user" not in xml.split("127.0.0.1")[0]
    )
    ET.fromstring(f"<wrap>{xml}</wrap>")


async def test_own_loop_marker_is_answered_508(aiohttp_client: Any, tmp_path: Path) -> None:
    client = await _catcher(aiohttp_client, tmp_path, instance="abc123")
    r = await client.post(
        "/answer", data=form(ANSWER), headers={**FORM, LOOP_HEADER: "other, abc123"}
    )
    assert r.status == 508 and "forwarding loop" in await r.text()
    assert _recorded(tmp_path) == []
    r = await client.post("/answer", data=form(ANSWER), headers={**FORM, LOOP_HEADER: "other"})
    assert r.status == 200


async def test_forwarded_requests_carry_the_loop_marker(
    aiohttp_client: Any, tmp_path: Path, dev: tuple[DevApp, str]
) -> None:
    app, base = dev
    client = await _catcher(aiohttp_client, tmp_path, forward_to=base, instance="me42")
    assert (await client.post("/answer", data=form(ANSWER), headers=FORM)).status == 200
    assert app.seen[0][1][LOOP_HEADER] == "me42"


@pytest.mark.serial  # the 408 within 3 s
async def test_stalled_body_gets_408_within_the_body_timeout(
    aiohttp_server: Any, tmp_path: Path
) -> None:
    import asyncio
    import time

    server = await aiohttp_server(
        create_app(CatcherConfig(out_dir=tmp_path, public_base="https://p", body_timeout=0.5))
    )
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(b"POST /answer HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nFrom=1")
    started = time.monotonic()
    reply = await asyncio.wait_for(reader.read(1000), 5)
    writer.close()
    assert reply.startswith(b"HTTP/1.1 408") and b"body not received within 0.5 s" in reply
    assert time.monotonic() - started < 3
    assert _recorded(tmp_path) == []


async def test_query_is_recorded_raw_and_decoded_once(aiohttp_client: Any, tmp_path: Path) -> None:
    client = await _catcher(aiohttp_client, tmp_path)
    r = await client.get("/message?To=%2B14155550100&Text=a%26b%2541&Crlf=%0D%0A")
    assert r.status == 200
    (f,) = _recorded(tmp_path)
    assert f.request.query == "To=%2B14155550100&Text=a%26b%2541&Crlf=%0D%0A"
    assert f.params == {"To": ["+14155550100"], "Text": ["a&b%41"], "Crlf": ["\r\n"]}
