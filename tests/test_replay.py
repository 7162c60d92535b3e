"""`plivocb replay` against a real local app that checks every signature with the plivo SDK."""

from __future__ import annotations

import asyncio
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from aiohttp import web
from plivo.utils import validate_v3_signature

from plivocb import fixture as fx
from plivocb.replay import ReplayOptions, Result, run
from tests.helpers import ANSWER, HANGUP, MESSAGE, TOKEN, make_fixture
from tests.inproc import arun_cli

GOOD_XML = "<Response><Speak>Hello</Speak></Response>"


class DevApp:
    """The developer's app: validates signatures for its own URL, misbehaves on request."""

    def __init__(self) -> None:
        self.verdicts: list[tuple[str, bool]] = []
        self.order: list[tuple[str, str]] = []
        self.arrivals: list[float] = []  # loop time each request arrived
        self.base = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        params = {} if request.method == "GET" else dict(await request.post())
        sig = request.headers.get("X-Plivo-Signature-V3", "")
        nonce = request.headers.get("X-Plivo-Signature-V3-Nonce", "")
        url = self.base + request.path_qs
        valid = bool(sig) and validate_v3_signature(request.method, url, nonce, TOKEN, sig, params)
        self.verdicts.append((request.path, valid))
        self.arrivals.append(asyncio.get_running_loop().time())
        name = request.path.strip("/").split("/")[0]
        ident = request.query.get("CallUUID") or params.get("CallUUID", "")
        if name == "slow":
            self.order.append((str(ident), f"start {params.get('Seq')}"))
            await asyncio.sleep(0.05)
            self.order.append((str(ident), f"end {params.get('Seq')}"))
        replies: dict[str, web.StreamResponse] = {
            "fail500": web.Response(status=500, text="boom"),
            "badxml": web.Response(text="<Response><Speak>oops</Response>", content_type="text/xml"),
            "unknown": web.Response(text="<Response><Say>hi</Say></Response>", content_type="text/xml"),
            "ctype": web.Response(text=GOOD_XML, content_type="text/html"),
            "changed": web.Response(text="<Response><Speak>Goodbye</Speak></Response>", content_type="text/xml"),
        }  # fmt: skip
        if name == "hang":
            await asyncio.sleep(30)
        assert body is not None
        if "MessageUUID" in params or "MessageUUID" in request.query:
            # a message URL may only answer <Message> (or nothing)
            return replies.get(name) or web.Response(
                text="<Response></Response>", content_type="text/xml"
            )
        return replies.get(name) or web.Response(text=GOOD_XML, content_type="application/xml")


@pytest.fixture
async def dev(aiohttp_server):  # type: ignore[no-untyped-def]
    app = DevApp()
    web_app = web.Application()
    web_app.router.add_route("*", "/{tail:.*}", app.handle)
    server = await aiohttp_server(web_app)
    app.base = str(server.make_url("")).rstrip("/")
    return app


def _write(directory: Path, *fixtures: fx.Fixture) -> Path:
    for f in fixtures:
        fx.save(f, directory)
    return directory


async def _cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    import os

    environ = {k: v for k, v in os.environ.items() if k != "PLIVO_AUTH_TOKEN"}
    return await arun_cli("replay", *args, environ={**environ, **(env or {})})


async def test_resigned_replays_validate_and_unsigned_do_not(dev: DevApp, tmp_path: Path) -> None:
    get_msg = {**MESSAGE, "Text": "plain ascii"}
    d = _write(
        tmp_path / "fx",
        make_fixture(ANSWER, "/answer?tenant=7", seconds=0),
        make_fixture(HANGUP, "/hangup", seconds=1),
        make_fixture(MESSAGE, "/message", seconds=2),
        make_fixture(get_msg, "/message", method="GET", seconds=3),
    )
    code, out, err = await _cli(str(d), "--to", dev.base, env={"PLIVO_AUTH_TOKEN": TOKEN})
    assert code == 0, out + err
    assert len(dev.verdicts) == 4 and all(valid for _, valid in dev.verdicts), dev.verdicts
    assert "replayed 4 callbacks: 4 passed, 0 failed" in out

    dev.verdicts.clear()
    code, out, err = await _cli(str(d), "--to", dev.base)
    assert code == 0  # the app above does not reject; it tells us what it saw
    assert [valid for _, valid in dev.verdicts] == [False] * 4
    assert "no auth token" in err


async def test_set_overrides_a_param_and_is_signed(dev: DevApp, tmp_path: Path) -> None:
    d = _write(tmp_path / "fx", make_fixture(ANSWER))
    code, out, _ = await _cli(
        str(d), "--to", dev.base, "--auth-token", TOKEN, "--set", "From=15550001111", "--json"
    )
    assert code == 0
    assert dev.verdicts == [("/answer", True)]
    lines = [json.loads(x) for x in out.splitlines()]
    assert lines[0]["passed"] and lines[0]["signed"] and lines[-1]["summary"]


async def test_order_within_a_call_holds_under_concurrency(tmp_path: Path, dev: DevApp) -> None:
    fixtures = []
    for call in range(12):
        for seq in range(4):
            params = {**ANSWER, "CallUUID": f"call-{call}", "Seq": str(seq), "Event": "StartApp"}
            fixtures.append(make_fixture(params, "/slow", seconds=call * 10 + seq))
    results: list[Result] = []
    opts = ReplayOptions(paths=[], to=dev.base, auth_token=TOKEN, concurrency=16)
    summary = await run(opts, results.append, ((Path(f"f{i}"), f) for i, f in enumerate(fixtures)))
    assert summary.total == 48 and summary.failed == 0
    by_call: dict[str, list[str]] = {}
    for ident, event in dev.order:
        by_call.setdefault(ident, []).append(event)
    for events in by_call.values():
        assert events == [f"{e} {s}" for s in range(4) for e in ("start", "end")]
    # calls really overlapped: some call started before another finished
    firsts = [i for i, (_, e) in enumerate(dev.order) if e == "start 0"]
    assert firsts[1] < dev.order.index((dev.order[firsts[0]][0], "end 3"))


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/fail500", "status 500, expected 2xx"),
        ("/hang", "timed out after 1 s"),
        ("/badxml", "not well-formed XML"),
        ("/unknown", "<Say> is not a Plivo XML element"),
        ("/ctype", "content type is 'text/html'"),
    ],
)
async def test_failures_exit_1_with_junit_reason(
    dev: DevApp, tmp_path: Path, path: str, reason: str
) -> None:
    d = _write(tmp_path / "fx", make_fixture(ANSWER, path), make_fixture(ANSWER, "/answer"))
    junit = tmp_path / "report.xml"
    code, out, _ = await _cli(
        str(d), "--to", dev.base, "--timeout", "1", "--junit", str(junit), "--auth-token", TOKEN
    )
    assert code == 1, out
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "2" and suite.get("failures") == "1"
    failures = [case.find("failure") for case in suite.iter("testcase")]
    [failure] = [f for f in failures if f is not None]
    assert reason in (failure.get("message") or "") + (failure.text or "")


async def test_connection_refused_is_a_check_failure(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    d = _write(tmp_path / "fx", make_fixture(ANSWER))
    junit = tmp_path / "r.xml"
    code, out, err = await _cli(str(d), "--to", f"http://127.0.0.1:{port}", "--junit", str(junit))
    assert code == 1 and "connection refused" in out and "Traceback" not in err
    assert "connection refused" in junit.read_text()


async def test_compare_catches_changed_speak_text(dev: DevApp, tmp_path: Path) -> None:
    same = make_fixture(
        ANSWER, "/answer", response_body="<Response>\n  <Speak>Hello</Speak>\n</Response>"
    )
    changed = make_fixture(ANSWER, "/changed", response_body=GOOD_XML, seconds=1)
    d = _write(tmp_path / "fx", same, changed)
    code, out, _ = await _cli(str(d), "--to", dev.base, "--compare")
    assert code == 1
    assert "XML differs from the recording" in out
    assert "-  <Speak>Hello" in out and "+  <Speak>Goodbye" in out
    assert out.count("PASS") == 1  # formatting differences alone do not fail


async def test_usage_errors_exit_2(tmp_path: Path) -> None:
    code, _, err = await _cli(str(tmp_path), "--to", "http://127.0.0.1:9")
    assert code == 2 and "no fixtures found" in err
    code, _, err = await _cli(str(tmp_path), "--to", "not a url")
    assert code == 2 and "--to must be an http(s) URL" in err
    (tmp_path / "broken.toml").write_text("plivocb_fixture = 1\nkind = [")
    code, _, err = await _cli(str(tmp_path), "--to", "http://127.0.0.1:9")
    assert code == 2 and "broken.toml" in err and "not valid TOML" in err
    assert "Traceback" not in err


async def test_filters_routes_and_fail_fast(dev: DevApp, tmp_path: Path) -> None:
    d = _write(
        tmp_path / "fx",
        make_fixture(ANSWER, "/answer", seconds=0),
        make_fixture(HANGUP, "/hangup", seconds=1),
        make_fixture({**ANSWER, "CallUUID": "other"}, "/answer", seconds=2),
        make_fixture(MESSAGE, "/message", seconds=3),
    )
    code, out, _ = await _cli(str(d), "--to", dev.base, "--kind", "hangup")
    assert code == 0 and [p for p, _ in dev.verdicts] == ["/hangup"]
    dev.verdicts.clear()
    code, out, _ = await _cli(str(d), "--to", dev.base, "--call", ANSWER["CallUUID"])
    assert code == 0 and [p for p, _ in dev.verdicts] == ["/answer", "/hangup"]
    dev.verdicts.clear()
    code, out, _ = await _cli(
        str(d), "--to", dev.base, "--route", f"message={dev.base}/sms/inbound", "--kind", "message"
    )
    assert code == 0 and [p for p, _ in dev.verdicts] == ["/sms/inbound"]
    dev.verdicts.clear()
    code, out, _ = await _cli(
        str(d), "--to", dev.base + "/fail500", "--fail-fast", "--concurrency", "1", "--json"
    )
    assert code == 1
    summary = json.loads(out.splitlines()[-1])
    assert summary["stopped_early"] and summary["failed"] == 1 and summary["total"] == 1
    code, out, _ = await _cli(str(d), "--to", dev.base + "/fail500", "--fail-fast")
    assert code == 1 and out.rstrip().endswith("(stopped early: --fail-fast)")
    # the last fixture failing stops nothing: every one was sent, so not "stopped early"
    code, out, _ = await _cli(
        str(d), "--to", dev.base + "/fail500", "--fail-fast", "--kind", "message", "--json"
    )
    summary = json.loads(out.splitlines()[-1])
    assert code == 1 and summary["failed"] == summary["total"] == 1
    assert not summary["stopped_early"]


async def test_recorded_timing_keeps_gaps(dev: DevApp, tmp_path: Path) -> None:
    d = _write(
        tmp_path / "fx",
        make_fixture(ANSWER, "/answer", seconds=0),
        make_fixture(HANGUP, "/hangup", seconds=2),
    )
    started = asyncio.get_running_loop().time()
    code, _, _ = await _cli(str(d), "--to", dev.base, "--timing", "recorded", "--speed", "4")
    # recorded 2 s apart, replayed at 4x: the second is due 0.5 s after the first. Measured where
    # the app receives them (the CLI runs in-process, no start-up to hide behind): never before
    # its slot, and clearly apart (back to back they arrive milliseconds apart; the first may
    # itself be a little late under load, hence 0.4 for the gap)
    assert code == 0 and len(dev.arrivals) == 2
    assert dev.arrivals[1] - started >= 0.5, (started, dev.arrivals)
    assert dev.arrivals[1] - dev.arrivals[0] >= 0.4, dev.arrivals


def test_rich_summary_table_shows_failures_first() -> None:
    import io

    from rich.console import Console

    from plivocb.replay import Summary
    from plivocb.replay_output import RichOutput

    output = RichOutput()
    output.console = Console(file=io.StringIO(), width=200, record=True)
    output.start(3)
    output.result(Result("a.toml", "answer", "POST", "http://x/answer", "c1", 200, 5.0))
    output.result(
        Result(
            "b.toml",
            "hangup",
            "POST",
            "http://x/hangup",
            "c1",
            500,
            7.0,
            ["status 500, expected 2xx"],
        )
    )
    output.result(Result("c.toml", "message", "POST", "http://x/message", "m1", 200, 3.0))
    output.finish(Summary(total=3, passed=2, failed=1, elapsed_s=0.1))
    text = output.console.export_text()
    assert text.index("b.toml") < text.index("a.toml")
    assert "FAIL" in text and "status 500, expected 2xx" in text
    assert "replayed 3 callbacks: 2 passed, 1 failed" in text


async def test_broken_fixture_mid_stream_stops_cleanly(dev: DevApp, tmp_path: Path) -> None:
    d = tmp_path / "fx"
    for i in range(20):
        fx.save(make_fixture({**ANSWER, "CallUUID": f"c{i}"}, "/slow", seconds=i), d)
    (d / "zzz-broken.toml").write_text("plivocb_fixture = 1\nkind = [")
    code, _out, err = await _cli(str(d), "--to", dev.base, "--concurrency", "4")
    assert code == 2 and "zzz-broken.toml" in err and "not valid TOML" in err
    assert "Traceback" not in err and "Task exception" not in err


async def test_xml_check_follows_the_kind_table(aiohttp_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Notifications may answer an empty 200; a message URL may answer text, or XML with only
    <Message>; answer and action URLs must answer Plivo XML."""
    from plivocb.replay import ReplayOptions, run

    async def app(request: web.Request) -> web.StreamResponse:
        body = {
            "/ring": "",
            "/sms-ok": "OK",
            "/sms-reply": "<Response><Message src='1' dst='2'>hi</Message></Response>",
            "/sms-speak": "<Response><Speak>hi</Speak></Response>",
            "/digits-empty": "",
        }[request.path]
        ctype = "text/xml" if body.startswith("<") else "text/plain"
        return web.Response(text=body, content_type=ctype)

    web_app = web.Application()
    web_app.router.add_route("*", "/{tail:.*}", app)
    server = await aiohttp_server(web_app)
    ring = {
        "CallUUID": "c1",
        "Event": "Ring",
        "CallStatus": "ringing",
        "From": "1",
        "To": "2",
        "Direction": "outbound",
    }
    sms = {"MessageUUID": "m1", "From": "1", "To": "2", "Text": "hi", "Type": "sms"}
    digits = {**ANSWER, "Digits": "1"}
    fixtures = [
        (tmp_path / "a", make_fixture(ring, "/ring")),
        (tmp_path / "b", make_fixture(sms, "/sms-ok")),
        (tmp_path / "c", make_fixture({**sms, "MessageUUID": "m2"}, "/sms-reply")),
        (tmp_path / "d", make_fixture({**sms, "MessageUUID": "m3"}, "/sms-speak")),
        (tmp_path / "e", make_fixture(digits, "/digits-empty")),
    ]
    results = []
    opts = ReplayOptions(paths=[], to=str(server.make_url("")).rstrip("/"), sign=False)
    await run(opts, results.append, fixtures)
    verdicts = {r.url.rsplit("/", 1)[-1]: r.reasons for r in results}
    assert [r.kind for r in results if r.url.endswith("/ring")] == ["ring"]
    assert verdicts["ring"] == [] and verdicts["sms-ok"] == [] and verdicts["sms-reply"] == []
    assert verdicts["sms-speak"] == [
        "XML: line 1: <Speak> is not allowed in a message URL reply: only <Message> is"
    ]
    assert any("empty body" in r for r in verdicts["digits-empty"])


async def test_library_errors_name_no_flags_and_the_cli_adds_them(tmp_path: Path) -> None:
    from plivocb.replay import NoTargetError, ReplayOptions, target_url
    from plivocb.response_checks import StatusSpec, StatusSpecError

    with pytest.raises(StatusSpecError) as bad_spec:
        StatusSpec.parse("2xx,abc")
    assert "--" not in bad_spec.value.message + bad_spec.value.hint
    with pytest.raises(NoTargetError) as no_target:
        target_url(ReplayOptions(paths=[]), make_fixture(ANSWER), "")
    assert "--" not in str(no_target.value) and no_target.value.kind == "answer"

    d = _write(tmp_path / "fx", make_fixture(ANSWER))
    code, _, err = await _cli(str(d), "--to", "http://127.0.0.1:9", "--expect-status", "abc")
    assert code == 2 and "--expect-status: 'abc' is not a status" in err
    code, _, err = await _cli(str(d), "--route", "hangup=http://127.0.0.1:9/h")
    assert code == 2 and "no target for 'answer' callbacks" in err
    assert "pass --to URL or --route answer=URL" in err and "Traceback" not in err
