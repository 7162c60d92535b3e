"""Record through `listen --public-url … --forward-to`, replay to another host and port: every
signature checks out, for an app that verifies against `request.url` and for one that rebuilds
the URL from `X-Forwarded-*` (the usual set-up behind a tunnel), and for examples/app.py."""

from __future__ import annotations

import importlib.util
import os
from collections import Counter
from pathlib import Path

import aiohttp
from aiohttp import web
from plivo.utils import validate_v3_signature

from plivocb import fixture as fx
from tests.helpers import ANSWER, HANGUP, MESSAGE, TOKEN, form, signed
from tests.inproc import InprocListen, arun_cli

PUBLIC = "https://hooks.example.test"
# what ngrok (or any reverse proxy) adds on its way to `listen`
TUNNEL_HEADERS = {
    "Host": "hooks.example.test",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "hooks.example.test",
    "X-Forwarded-For": "203.0.113.9",
}
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _first(value: str | None) -> str:
    return (value or "").split(",", 1)[0].strip()


def checking_app(trust_proxy: bool, verdicts: Counter[str]) -> web.Application:
    """Answers 403 to a callback whose V3 signature does not match the URL it computes."""

    async def handler(request: web.Request) -> web.Response:
        params = {k: str(v) for k, v in (await request.post()).items()}
        url = str(request.url)
        if trust_proxy:  # Werkzeug ProxyFix(x_proto=1, x_host=1) does the same
            scheme = _first(request.headers.get("X-Forwarded-Proto")) or request.scheme
            host = _first(request.headers.get("X-Forwarded-Host")) or request.host
            url = f"{scheme}://{host}{request.path_qs}"
        ok = validate_v3_signature(
            request.method,
            url,
            request.headers.get("X-Plivo-Signature-V3-Nonce", ""),
            TOKEN,
            request.headers.get("X-Plivo-Signature-V3", ""),
            params,
        )
        verdicts["valid" if ok else "invalid"] += 1
        if not ok:
            return web.Response(status=403, text=f"bad signature for {url}\n")
        if request.path.endswith("/answer"):
            return web.Response(
                text="<Response><Speak>hi</Speak></Response>", content_type="application/xml"
            )
        return web.Response(text="")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    return app


async def _post(url: str, params: dict[str, str], headers: dict[str, str]) -> int:
    async with (
        aiohttp.ClientSession() as s,
        s.post(
            url,
            data=form(params),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                **TUNNEL_HEADERS,
                **headers,
            },
        ) as r,
    ):
        await r.read()
        return r.status


async def record_through_listen(out: Path, forward_to: str) -> list[fx.Fixture]:
    """Plivo's side: callbacks signed for the public URL reach `listen`, which forwards them."""
    lp = await InprocListen(
        ["--public-url", PUBLIC, "--port", "0", "--out", str(out), "--auth-token", TOKEN,
         "--forward-to", forward_to]
    ).start()  # fmt: skip
    for path, params in (("/answer", ANSWER), ("/hangup", HANGUP), ("/message", MESSAGE)):
        status = await _post(lp.local_url + path, params, signed("POST", PUBLIC + path, params))
        assert status == 200, lp.text()
    assert await lp.stop() == 0
    recorded = [fx.load(p) for p in fx.iter_paths([str(out)])]
    assert [f.signature.verdict for f in recorded] == ["valid"] * 3
    assert {f.request.header("Host") for f in recorded} == {"hooks.example.test"}
    assert {f.request.header("X-Forwarded-Proto") for f in recorded} == {"https"}
    return recorded


async def replay(*args: str) -> tuple[int, str]:
    code, out, err = await arun_cli(
        "replay", *args, "--auth-token", TOKEN, environ=dict(os.environ)
    )
    return code, out + err


async def test_two_apps_record_then_replay_elsewhere(tmp_path: Path, aiohttp_server) -> None:  # type: ignore[no-untyped-def]
    recording: Counter[str] = Counter()
    behind_tunnel = await aiohttp_server(checking_app(True, recording))
    out = tmp_path / "rec"
    recorded = await record_through_listen(out, str(behind_tunnel.make_url("/")))
    assert recording == Counter(valid=3)  # the app saw what Plivo signed, through the tunnel
    assert {f.response.status for f in recorded if f.response} == {200}
    assert {f.response.origin for f in recorded if f.response} == {"app"}

    # replay to a different host (127.0.0.2) and port, for both kinds of app
    direct_seen: Counter[str] = Counter()
    proxied_seen: Counter[str] = Counter()
    direct = await aiohttp_server(checking_app(False, direct_seen), host="127.0.0.2")
    proxied = await aiohttp_server(checking_app(True, proxied_seen), host="127.0.0.2")
    for server in (direct, proxied):
        code, text = await replay(str(out), "--to", str(server.make_url("/")))
        assert code == 0, text
    assert direct_seen == Counter(valid=3)
    assert proxied_seen == Counter(valid=3)

    # the recorded proxy headers kept as they were point the app at the old URL: all rejected
    code, text = await replay(
        str(out), "--to", str(proxied.make_url("/")), "--keep-header", "x-forwarded-host"
    )
    assert code == 1 and "403" in text
    assert proxied_seen["invalid"] == 3
    code, text = await replay(str(out), "--to", str(direct.make_url("/")), "--keep-header", "Host")
    assert code == 1 and direct_seen["invalid"] == 3


def _example_app():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("plivocb_example_app", EXAMPLES / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_example_app_works_recorded_and_replayed(tmp_path: Path, aiohttp_server) -> None:  # type: ignore[no-untyped-def]
    example = _example_app()
    # one configuration for both steps: the token, nothing about URLs
    server = await aiohttp_server(example.create_app(TOKEN), host="127.0.0.1")
    out = tmp_path / "rec"
    # the example app serves /answer, /hangup, /message at its root
    lp = await InprocListen(
        ["--public-url", "https://hooks.example.test", "--port", "0", "--out", str(out),
         "--auth-token", TOKEN, "--forward-to", str(server.make_url("/"))]
    ).start()  # fmt: skip
    base = "https://hooks.example.test"
    for path, params in (("/answer", ANSWER), ("/hangup", HANGUP), ("/message", MESSAGE)):
        status = await _post(lp.local_url + path, params, signed("POST", base + path, params))
        assert status == 200, lp.text()
    assert await lp.stop() == 0
    recorded = [fx.load(p) for p in fx.iter_paths([str(out)])]
    assert [(f.signature.verdict, f.response and f.response.status) for f in recorded] == [
        ("valid", 200)
    ] * 3
    answer = next(f for f in recorded if f.kind == "answer")
    assert answer.response and 'action="https://hooks.example.test/digits"' in answer.response.body

    other = await aiohttp_server(example.create_app(TOKEN), host="127.0.0.2")
    code, text = await replay(str(out), "--to", str(other.make_url("/")))
    assert code == 0, text
    assert "3 passed" in text


def test_retarget_rewrites_drops_and_keeps() -> None:
    from plivocb.proxy_headers import retarget

    recorded = [
        ("Host", "abc.ngrok.app"),
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Host", "abc.ngrok.app"),
        ("X-Forwarded-Host", "inner.proxy"),
        ("X-Forwarded-Port", "443"),
        ("Forwarded", "for=1.2.3.4;proto=https;host=abc.ngrok.app"),
        ("X-Forwarded-Prefix", "/plivo"),
        ("X-Forwarded-For", "1.2.3.4"),
        ("User-Agent", "PlivoHTTP"),
    ]
    out = retarget(recorded, "http://127.0.0.2:5001/answer")
    assert out == [
        ("Host", "127.0.0.2:5001"),
        ("X-Forwarded-Proto", "http"),
        ("X-Forwarded-Host", "127.0.0.2:5001"),
        ("X-Forwarded-Port", "5001"),
        ("Forwarded", 'proto=http;host="127.0.0.2:5001"'),
        ("X-Forwarded-For", "1.2.3.4"),
        ("User-Agent", "PlivoHTTP"),
    ]
    kept = retarget(recorded, "https://app.test/answer", keep={"host", "x-forwarded-prefix"})
    assert kept[0] == ("Host", "abc.ngrok.app") and ("X-Forwarded-Prefix", "/plivo") in kept
    assert ("X-Forwarded-Port", "443") in kept and ("X-Forwarded-Host", "app.test") in kept
