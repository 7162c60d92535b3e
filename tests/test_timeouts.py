"""Plivo's per-URL timeout budget (#ct=…&rt=…&tt=…): parsed, preserved by --app, enforced by
listen's warning and replay's --check-timing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from plivocb.app_pointer import AppPointer, budgets, targets
from plivocb.catcher import CatcherConfig, Stats, create_app
from plivocb.errors import UsageError
from plivocb.plivo_api import PlivoApi
from plivocb.replay import ReplayOptions, run
from plivocb.timeouts import DEFAULT, Budget, option_budget, parse_fragment
from tests.fake_plivo_api import APP_ID, AUTH_ID, AUTH_TOKEN, FakePlivo
from tests.helpers import ANSWER, HANGUP, form, make_fixture
from tests.test_catcher import Recorder


def test_fragment_parsing_and_ranges() -> None:
    assert parse_fragment("") == DEFAULT
    assert DEFAULT.limit_ms == 40_000 and DEFAULT.ct == 2_000 and DEFAULT.tt == 55_000
    b = parse_fragment("ct=2000&rt=3000&rc=3&rp=ct,rt")
    assert (b.ct, b.rt, b.tt, b.rc, b.rp) == (2000, 3000, 55_000, 3, ("ct", "rt"))
    assert parse_fragment("tt=1500&rt=3000").limit_ms == 1500
    for bad in ("rt=50", "rt=40001", "ct=abc", "rc=6", "rp=sometimes", "zz=1", "er=mars"):
        with pytest.raises(ValueError):
            parse_fragment(bad)
    assert parse_fragment("er=frankfurt") == DEFAULT.__class__(source="#er=frankfurt")


def test_over_names_the_budget_and_its_source() -> None:
    b = parse_fragment("rt=3000")
    assert b.over(2999) == ""
    assert b.over(3500.0) == (
        "took 3.50 s, over Plivo's read timeout rt=3000 ms (#rt=3000): "
        "Plivo would have given up on this reply"
    )
    assert "total timeout tt=1000 ms" in parse_fragment("tt=1000").over(1200)
    assert "Plivo's default" in DEFAULT.over(41_000)


def test_option_budget_strips_the_fragment_or_says_what_is_wrong() -> None:
    assert option_budget("http://127.0.0.1:5000#rt=300", "--to") == (
        "http://127.0.0.1:5000",
        Budget(rt=300, source="#rt=300"),
    )
    with pytest.raises(UsageError, match="--to: bad timeout fragment: rt='x'"):
        option_budget("http://127.0.0.1:5000#rt=x", "--to")


def test_app_urls_keep_their_fragment_when_pointed() -> None:
    original = {
        "answer_url": "https://prod.example.com/answer?x=1#ct=500&rt=3000",
        "hangup_url": "https://prod.example.com/hangup",
        "message_url": "",
    }
    urls = targets("https://abc.ngrok.app", original)
    assert urls["answer_url"] == "https://abc.ngrok.app/answer#ct=500&rt=3000"
    assert urls["hangup_url"] == "https://abc.ngrok.app/hangup"
    assert budgets(original)["/answer"].rt == 3000
    assert budgets(original)["/hangup"] == DEFAULT


# plivo_api.PlivoApi builds an aiohttp.BasicAuth, deprecated in aiohttp 3.13 (the CLI tests run it
# in a subprocess, where the warning is not an error)
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_pointer_sends_the_fragment_to_plivo(
    aiohttp_server, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PLIVOCB_STATE_DIR", str(tmp_path))
    fake = FakePlivo()
    fake.apps[APP_ID]["answer_url"] = "https://prod.example.com/answer#rt=3000&rc=2"
    server = await aiohttp_server(fake.web_app())
    pointer = AppPointer(PlivoApi(AUTH_ID, AUTH_TOKEN, str(server.make_url("")), backoff=0), APP_ID)
    saved = await pointer.point("https://abc.ngrok.app")
    assert fake.apps[APP_ID]["answer_url"] == "https://abc.ngrok.app/answer#rt=3000&rc=2"
    assert budgets(saved.original)["/answer"].rt == 3000
    await pointer.restore()
    assert fake.apps[APP_ID]["answer_url"] == "https://prod.example.com/answer#rt=3000&rc=2"


async def _app_server(aiohttp_server: Any, routes: dict[str, tuple[float, str]]) -> str:
    async def handle(request: web.Request) -> web.StreamResponse:
        delay, body = routes[request.path]
        await request.read()
        await asyncio.sleep(delay)
        return web.Response(text=body, content_type="text/xml" if body else "text/plain")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    server = await aiohttp_server(app)
    return str(server.make_url("")).rstrip("/")


GOOD = "<Response><Speak>hi</Speak></Response>"


async def test_listen_warns_on_invalid_or_slow_replies_and_still_relays_them(
    aiohttp_server, aiohttp_client, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    target = await _app_server(
        aiohttp_server,
        {
            "/answer": (0, "<Response><Say>hi</Say></Response>"),
            "/slow": (0.3, GOOD),
            "/hangup": (0, ""),
            "/fine": (0, GOOD),
        },
    )
    config = CatcherConfig(
        out_dir=tmp_path, public_base="https://pub.example", forward_to=target,
        budgets={"/slow": Budget(rt=100, source="#rt=100")},
    )  # fmt: skip
    recorder = Recorder()
    client = await aiohttp_client(create_app(config, recorder, Stats()))
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    for path, params in (
        ("/answer", ANSWER),
        ("/slow", ANSWER),
        ("/hangup", HANGUP),
        ("/fine", ANSWER),
    ):
        resp = await client.post(path, data=form(params), headers=headers)
        assert resp.status == 200
        if path == "/answer":
            assert "<Say>" in await resp.text()  # relayed as the app sent it
    notes = {e.path: e.note for e in recorder.events}
    assert notes["/answer"].startswith(
        "reply is not valid Plivo XML: line 1: <Say> is not a Plivo XML element"
    )
    assert "over Plivo's read timeout rt=100 ms (#rt=100)" in notes["/slow"]
    assert notes["/hangup"] == "" and notes["/fine"] == ""
    assert "reply is not valid Plivo XML" in recorder.events[0].plain()


async def test_replay_check_timing(aiohttp_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = await _app_server(aiohttp_server, {"/answer": (0.3, GOOD), "/hangup": (0.3, "")})
    fixtures = [
        (tmp_path / "a", make_fixture(ANSWER, "/answer")),
        (tmp_path / "h", make_fixture(HANGUP, "/hangup", seconds=1)),
    ]

    async def reasons(**kw: Any) -> dict[str, list[str]]:
        got: list[Any] = []
        opts = ReplayOptions(paths=[], to=target, sign=False, **kw)
        await run(opts, got.append, fixtures)
        return {r.kind: r.reasons for r in got}

    tight = {"": Budget(rt=100, source="#rt=100")}
    found = await reasons(budgets=tight)
    assert found["hangup"] == []  # a notification: timing checked only with --check-timing
    [slow] = found["answer"]
    assert "over Plivo's read timeout rt=100 ms (#rt=100)" in slow
    assert (await reasons(budgets=tight, check_timing=True))["hangup"] != []
    assert (await reasons(budgets=tight, check_timing=False))["answer"] == []
    assert (await reasons())["answer"] == []  # Plivo's default 40 s
