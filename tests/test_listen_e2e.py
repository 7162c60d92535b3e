"""`plivocb listen` end to end: the real CLI in a subprocess, real sockets on 127.0.0.1."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from plivocb import fixture as fx
from tests.helpers import ANSWER, HANGUP, MESSAGE, TOKEN, ListenProcess, form, signed
from tests.inproc import InprocListen

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def _post(url: str, params: dict[str, str], headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    async with (
        aiohttp.ClientSession() as s,
        s.post(url, data=form(params), headers={**FORM, **(headers or {})}) as r,
    ):
        return r.status, r.headers.get("Content-Type", ""), await r.text()


def _fixtures(out: Path) -> list[fx.Fixture]:
    return [fx.load(p) for p in fx.iter_paths([str(out)])]


async def test_tunnel_none_records_verifies_and_answers(tmp_path: Path) -> None:
    out = tmp_path / "rec"
    lp = await ListenProcess(
        ["--tunnel", "none", "--port", "0", "--out", str(out)], env={"PLIVO_AUTH_TOKEN": TOKEN}
    ).start()
    base = lp.public_url
    assert (
        f"Hangup URL   {base}/hangup" in lp.text() and f"Message URL  {base}/message" in lp.text()
    )
    assert "verifying V3" in lp.text()

    status, ctype, body = await _post(
        f"{base}/answer", ANSWER, signed("POST", f"{base}/answer", ANSWER)
    )
    assert status == 200 and ctype.startswith("text/xml") and "<Speak>" in body
    status, _, body = await _post(f"{base}/hangup", HANGUP, signed("POST", f"{base}/nope", HANGUP))
    assert (status, body) == (200, "<Response></Response>")
    await _post(f"{base}/message", MESSAGE)
    get_url = f"{base}/message?{form(MESSAGE)}"
    async with (
        aiohttp.ClientSession() as s,
        s.get(get_url, headers=signed("GET", get_url, {})) as r,
    ):
        assert r.status == 200

    await lp.wait_for(r"(?s)(→ 200.*){4}")
    assert await lp.stop() == 0
    found = {(f.kind, f.request.method): f for f in _fixtures(out)}
    assert found[("answer", "POST")].signature.verdict == "valid"
    assert found[("answer", "POST")].signature.family == "v3"
    assert found[("hangup", "POST")].signature.verdict == "invalid"
    assert found[("message", "POST")].signature.verdict == "unsigned"
    get = found[("message", "GET")]
    assert get.signature.verdict == "valid" and get.params["Text"] == ["Hello ümlæt 😀"]
    answer = found[("answer", "POST")]
    assert answer.request.public_url == f"{base}/answer"
    assert answer.request.body == form(ANSWER).encode()
    assert answer.params["CallUUID"] == [ANSWER["CallUUID"]]
    assert answer.response and "<Speak>" in answer.response.body
    assert answer.request.header("X-Plivo-Signature-V3")  # signature headers are data
    # plain lines: one per callback, with kind, numbers, verdict and file name
    lines = [line for line in lp.stdout if "→ 200" in line]
    assert len(lines) == 4
    assert any("answer" in x and "14155550100 → 14155550199" in x and "valid" in x for x in lines)
    assert "plivocb stopped: 4 callbacks recorded" in lp.text()
    # the auth token is never written anywhere
    for path in out.iterdir():
        assert TOKEN not in path.read_text()
    assert TOKEN not in lp.text()


async def test_unchecked_without_token_and_json_lines(tmp_path: Path) -> None:
    out = tmp_path / "rec"
    lp = await InprocListen(
        ["--tunnel", "none", "--port", "0", "--out", str(out), "--json"]
    ).start()
    base = lp.public_url
    assert "not verified: no auth token" in lp.text()
    await _post(f"{base}/answer", ANSWER, signed("POST", f"{base}/answer", ANSWER))
    await _post(f"{base}/message", MESSAGE)
    await lp.wait_for(r'(?s)("kind".*){2}')
    assert await lp.stop(sig=15) == 0
    events = [json.loads(line) for line in lp.stdout if line.startswith("{")]
    assert [e["kind"] for e in events] == ["answer", "message"]
    assert [e["verdict"] for e in events] == ["unchecked", "unsigned"]
    assert events[1]["summary"] == "Hello ümlæt 😀" and events[0]["from"] == "14155550100"
    assert all(Path(out / e["file"]).exists() for e in events)
    assert all(line.startswith("{") for line in lp.stdout)  # the banner goes to stderr


async def test_strict_rejects_but_records(tmp_path: Path) -> None:
    out = tmp_path / "rec"
    lp = await InprocListen(
        ["--tunnel", "none", "--port", "0", "--out", str(out), "--strict", "--auth-token", TOKEN]
    ).start()
    base = lp.public_url
    assert (await _post(f"{base}/answer", ANSWER))[0] == 403
    bad = signed("POST", f"{base}/answer", ANSWER, token="other")
    assert (await _post(f"{base}/answer", ANSWER, bad))[0] == 403
    ok = signed("POST", f"{base}/answer", ANSWER)
    assert (await _post(f"{base}/answer", ANSWER, ok))[0] == 200
    assert await lp.stop() == 0
    verdicts = sorted(
        (f.signature.verdict, f.response.status) for f in _fixtures(out) if f.response
    )
    assert verdicts == [("invalid", 403), ("unsigned", 403), ("valid", 200)]


async def test_forwarding_relays_and_reports_unreachable(
    tmp_path: Path,
    aiohttp_server,  # type: ignore[no-untyped-def]
) -> None:
    seen: list[tuple[str, dict[str, str], bytes]] = []

    async def app_handler(request: web.Request) -> web.Response:
        seen.append((request.path_qs, dict(request.headers), await request.read()))
        if request.path == "/answer":
            return web.Response(
                text="<Response><Speak>From the app</Speak></Response>",
                content_type="application/xml",
            )
        return web.Response(text="ok")

    dev = web.Application()
    dev.router.add_route("*", "/{tail:.*}", app_handler)
    server = await aiohttp_server(dev)
    out = tmp_path / "rec"
    lp = await InprocListen(
        ["--tunnel", "none", "--port", "0", "--out", str(out), "--auth-token", TOKEN,
         "--forward-to", str(server.make_url("/"))]
    ).start()  # fmt: skip
    base = lp.public_url
    headers = signed("POST", f"{base}/answer?x=1", ANSWER)
    # hop-by-hop headers (RFC 9110 §7.6.1) a proxy in front of us could send: never forwarded
    hop = {"Keep-Alive": "timeout=5", "Proxy-Connection": "keep-alive", "TE": "trailers"}
    status, ctype, body = await _post(f"{base}/answer?x=1", ANSWER, {**headers, **hop})
    assert (status, ctype) == (200, "application/xml; charset=utf-8")  # relayed as sent
    assert body == "<Response><Speak>From the app</Speak></Response>"
    path_qs, fwd_headers, fwd_body = seen[0]
    assert path_qs == "/answer?x=1" and fwd_body == form(ANSWER).encode()
    assert fwd_headers["X-Plivo-Signature-V3"] == headers["X-Plivo-Signature-V3"]
    assert fwd_headers["X-Forwarded-Host"] == base.split("://")[1]
    assert not {h.lower() for h in hop} & {h.lower() for h in fwd_headers}, fwd_headers
    assert await lp.stop() == 0
    [rec] = _fixtures(out)
    assert rec.response and rec.response.forwarded_to.endswith("/answer?x=1")
    assert rec.response.body.startswith("<Response><Speak>From the app")
    assert rec.signature.verdict == "valid"

    # the developer's app is down: answer gets valid XML, others 502; both recorded with the error
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    out2 = tmp_path / "rec2"
    lp = await InprocListen(
        ["--tunnel", "none", "--port", "0", "--out", str(out2),
         "--forward-to", f"http://127.0.0.1:{dead}"]
    ).start()  # fmt: skip
    status, ctype, body = await _post(f"{lp.public_url}/answer", ANSWER)
    assert status == 200 and "could not reach your application" in body
    from plivocb import plivoxml

    assert plivoxml.problems(body, ctype) == []
    assert (await _post(f"{lp.public_url}/hangup", HANGUP))[0] == 502
    await lp.wait_for(r"(?s)(unreachable.*){2}")
    assert await lp.stop() == 0
    errors = sorted(f.response.error[:11] for f in _fixtures(out2) if f.response)
    assert errors == ["unreachable", "unreachable"]


async def test_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        lp = InprocListen(["--tunnel", "none", "--port", str(port), "--out", str(tmp_path)])
        await lp.start(expect_ready=False)
        assert await lp.finish() == 2
    assert f"port {port} on 127.0.0.1 is already in use" in lp.text()
    assert "pick another with --port, or stop the process holding it" in lp.text()
    assert "Traceback" not in lp.text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--strict"], "--strict needs an auth token"),
        (["--forward-to", "localhost:5000"], "--forward-to must be an http(s) URL"),
        (
            ["--tunnel", "carrier-pigeon"],
            "'--tunnel': 'carrier-pigeon' is not one of 'ngrok', 'none'",
        ),
        (
            ["--tunnel", "none", "--domain", "me.ngrok.app"],
            "--domain names a reserved ngrok domain",
        ),
    ],
)
async def test_bad_options_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    lp = InprocListen([*args, "--out", str(tmp_path)])
    await lp.start(expect_ready=False)
    assert await lp.finish() == 2
    assert message in lp.text() and "Traceback" not in lp.text()


async def test_answer_xml_file(tmp_path: Path) -> None:
    good = tmp_path / "a.xml"
    good.write_text("<Response><Speak>custom</Speak></Response>")
    lp = await InprocListen(
        ["--tunnel", "none", "--port", "0", "--out", str(tmp_path / "o"), "--answer-xml", str(good)]
    ).start()
    assert (await _post(f"{lp.public_url}/answer", ANSWER))[2] == good.read_text()
    assert (await _post(f"{lp.public_url}/hangup", HANGUP))[2] == "<Response></Response>"
    assert await lp.stop() == 0
    bad = tmp_path / "b.xml"
    bad.write_text("<Response><Say>twilio</Say></Response>")
    lp = InprocListen(["--tunnel", "none", "--answer-xml", str(bad)])
    await lp.start(expect_ready=False)
    assert await lp.finish() == 2 and "Twilio verb" in lp.text()


async def test_redact_masks_numbers_on_disk(tmp_path: Path) -> None:
    out = tmp_path / "rec"
    lp = await InprocListen(
        ["--tunnel", "none", "--port", "0", "--out", str(out), "--redact"]
    ).start()
    await _post(f"{lp.public_url}/answer", ANSWER)
    await _post(f"{lp.public_url}/hangup", HANGUP)
    assert await lp.stop() == 0
    files = _fixtures(out)
    assert len(files) == 2 and all(f.redacted for f in files)
    assert files[0].params["From"] == files[1].params["From"] != [ANSWER["From"]]
    for path in out.iterdir():
        assert "14155550100" not in path.read_text()


async def test_shutdown_finishes_in_flight_callbacks(
    tmp_path: Path,
    aiohttp_server,  # type: ignore[no-untyped-def]
) -> None:
    import asyncio

    arrived = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        arrived.set()
        await asyncio.sleep(1.0)
        return web.Response(text="<Response/>", content_type="text/xml")

    dev = web.Application()
    dev.router.add_route("*", "/{tail:.*}", slow)
    server = await aiohttp_server(dev)
    out = tmp_path / "rec"
    lp = await ListenProcess(
        [
            "--tunnel",
            "none",
            "--port",
            "0",
            "--out",
            str(out),
            "--forward-to",
            str(server.make_url("/")),
        ]
    ).start()
    pending = asyncio.create_task(_post(f"{lp.public_url}/answer", ANSWER))
    await asyncio.wait_for(arrived.wait(), 20)  # the callback is now waiting on the slow app
    assert await lp.stop(sig=15) == 0
    status, _, body = await pending
    assert (status, body) == (200, "<Response/>")
    [rec] = _fixtures(out)
    assert rec.response and rec.response.status == 200
    assert "plivocb stopped: 1 callback recorded" in lp.text()
