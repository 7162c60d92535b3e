"""The inspector's JSON API through the aiohttp test client, against a real app that checks
signatures with the plivo SDK; its guards (Host, Origin, token); `plivocb inspect` as a process."""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from plivocb import fixture as fxmod
from plivocb import signature
from plivocb.inspector.actions import Target
from plivocb.inspector.app import TOKEN_HEADER, Inspector, create_app
from plivocb.inspector.store import Store
from tests.helpers import ANSWER, HANGUP, TOKEN, make_fixture
from tests.inproc import arun_cli
from tests.inspector_helpers import RUN_TOKEN, CheckingApp, start_checking_app, write_set


@pytest.fixture
async def dev(aiohttp_server: Any) -> CheckingApp:
    return await start_checking_app(aiohttp_server)


@pytest.fixture
async def api(tmp_path: Path, aiohttp_client: Any, dev: CheckingApp) -> Any:
    write_set(tmp_path)
    store = Store()
    store.load_paths([str(tmp_path)])
    inspector = Inspector(store, RUN_TOKEN, Target(dev.base, TOKEN, 5.0))
    client = await aiohttp_client(create_app(inspector))
    client.inspector = inspector
    client.dev = dev
    return client


H = {TOKEN_HEADER: RUN_TOKEN}


async def get(client: Any, path: str, status: int = 200) -> Any:
    resp = await client.get(path, headers=H)
    assert resp.status == status, await resp.text()
    return await resp.json()


async def test_list_newest_first_with_totals(api: Any) -> None:
    data = await get(api, "/api/callbacks")
    assert [r["kind"] for r in data["callbacks"]] == ["message", "hangup", "answer"]
    assert data["total"] == data["count"] == 3
    row = data["callbacks"][1]
    assert row["from"] == "14155550100" and row["to"] == "14155550199"
    assert row["verdict"] == "invalid" and row["status"] == 200 and row["ms"] == 12.5
    assert row["summary"] == "CallStatus=completed"


@pytest.mark.parametrize(
    ("query", "kinds"),
    [
        ("kind=hangup", ["hangup"]),
        ("verdict=unsigned", ["message"]),
        (f"call={ANSWER['CallUUID']}", ["hangup", "answer"]),
        ("q=%C3%BCml%C3%A6t", ["message"]),  # free text finds a param value (the SMS text)
        ("q=normal+hangup", ["hangup"]),  # every word must match, case-insensitive
        ("q=nothing-like-this", []),
        ("kind=answer&verdict=invalid", []),
    ],
)
async def test_filters(api: Any, query: str, kinds: list[str]) -> None:
    data = await get(api, f"/api/callbacks?{query}")
    assert [r["kind"] for r in data["callbacks"]] == kinds
    assert data["total"] == len(kinds) and data["count"] == 3


async def test_paging_with_before(api: Any) -> None:
    first = await get(api, "/api/callbacks?limit=2")
    assert [r["id"] for r in first["callbacks"]] == [3, 2] and first["total"] == 3
    rest = await get(api, "/api/callbacks?limit=2&before=2")
    assert [r["id"] for r in rest["callbacks"]] == [1]
    await get(api, "/api/callbacks?limit=x", status=400)


async def test_details_of_an_invalid_callback_explain_what_was_checked(api: Any) -> None:
    d = await get(api, "/api/callbacks/2")
    assert d["request_line"] == "POST /hangup"
    assert ["HangupCauseName", "Normal Hangup"] in d["params"]
    assert ["User-Agent", "PlivoHTTP"] in d["headers"]
    assert "HangupCauseCode=4000" in d["body"]
    sig = d["signature"]
    assert sig["verdict"] == "invalid"
    assert sig["checked_url"] == "https://abc.ngrok.app/hangup"
    assert (sig["scheme"], sig["host"], sig["port"], sig["path"]) == (
        "https",
        "abc.ngrok.app",
        443,
        "/hangup",
    )
    nonce = dict(d["headers"])[signature.V3_NONCE]
    params = {k: [v] for k, v in HANGUP.items()}
    canonical = signature.v3_canonical("POST", "https://abc.ngrok.app/hangup", params)
    assert sig["v3_string"] == f"{canonical}.{nonce}"
    assert any("scheme: the request came over http but https" in h for h in sig["hints"])
    resp = d["response"]
    assert resp["status"] == 200 and resp["budget_ms"] == 40_000
    assert resp["pretty"] == "<Response>\n  <Speak>Hello</Speak>\n</Response>"
    assert d["file"].endswith(".toml") and Path(d["file"]).is_file()
    assert [r["kind"] for r in d["timeline"]] == ["answer", "hangup"]  # oldest first
    message = await get(api, "/api/callbacks/3")
    assert message["response"]["budget_ms"] is None and message["timeline"][0]["id"] == 3
    await get(api, "/api/callbacks/99", status=404)
    await get(api, "/api/callbacks/abc", status=404)


async def test_replay_is_re_signed_and_accepted_by_the_sdk(api: Any) -> None:
    resp = await api.post("/api/callbacks/1/replay", headers=H, json={})
    r = await resp.json()
    assert resp.status == 200, r
    assert r["url"] == api.dev.base + "/answer" and r["signed"] is True
    assert r["status"] == 200 and r["problems"] == []
    assert api.dev.seen == [{"path": "/answer", "params": ANSWER, "valid": True}]
    assert r["differences"] == []  # same XML, other formatting
    assert r["recorded"]["status"] == 200


async def test_edit_and_replay_sends_the_edit_still_valid(api: Any) -> None:
    resp = await api.post(
        "/api/callbacks/1/replay", headers=H, json={"set": {"CallStatus": "in-progress"}}
    )
    assert resp.status == 200
    seen = api.dev.seen[-1]
    assert seen["params"]["CallStatus"] == "in-progress" and seen["valid"] is True
    assert (await resp.json())["set"] == {"CallStatus": "in-progress"}


async def test_replay_to_a_typed_url_shows_an_xml_diff(api: Any) -> None:
    to = api.dev.base + "/changed/answer"
    resp = await api.post("/api/callbacks/1/replay", headers=H, json={"to": to})
    r = await resp.json()
    assert r["url"] == to and api.dev.seen[-1]["valid"] is True
    assert len(r["differences"]) == 1
    assert "XML differs" in r["differences"][0]
    assert "-  <Speak>Hello" in r["differences"][0] and "+  <Speak>Goodbye" in r["differences"][0]
    # a bare origin gets the recorded path appended, like the forward target
    resp = await api.post("/api/callbacks/3/replay", headers=H, json={"to": api.dev.base + "/"})
    assert (await resp.json())["url"] == api.dev.base + "/message"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"to": "ftp://x"}, "http(s) URL"),
        ({"set": {"A": 1}}, "strings"),
        ({"set": []}, '"set" must be an object'),
        ({"other": 1}, "unknown field"),
        ([1], "JSON object"),
    ],
)
async def test_bad_replay_requests_are_400_with_a_reason(
    api: Any, body: object, message: str
) -> None:
    resp = await api.post("/api/callbacks/1/replay", headers=H, json=body)
    assert resp.status == 400
    assert message in (await resp.json())["error"]
    assert api.dev.seen == []


async def test_a_stream_session_is_not_replayed_as_http(api: Any, tmp_path: Path) -> None:
    fx = make_fixture({"StreamID": "s1"}, "/stream", method="GET").with_(kind="stream")
    entry = api.inspector.store.add(fxmod.save(fx, tmp_path), fx)
    for action in ("replay", "curl"):
        resp = await api.post(f"/api/callbacks/{entry.id}/{action}", headers=H, json={})
        assert resp.status == 400 and "plivocb replay" in (await resp.json())["error"]
    assert api.dev.seen == []
    info = await get(api, "/api/info")
    assert "stream" in info["kinds"] and "hangup" in info["kinds"]
    assert info["verdicts"][:2] == ["valid", "valid-v2"]


async def test_without_an_auth_token_replays_say_they_are_unsigned(api: Any) -> None:
    api.inspector.target = Target(api.dev.base, None)
    r = await (await api.post("/api/callbacks/1/replay", headers=H, json={})).json()
    assert r["signed"] is False and api.dev.seen[-1]["valid"] is False
    c = await (await api.post("/api/callbacks/1/curl", headers=H, json={})).json()
    assert c["signed"] is False and "X-Plivo-Signature" not in c["command"]
    assert (await get(api, "/api/info"))["signing"] is False


async def test_replay_without_any_target_says_what_to_do(api: Any) -> None:
    api.inspector.target = Target(None, TOKEN)
    resp = await api.post("/api/callbacks/1/replay", headers=H)
    assert resp.status == 400
    assert "no replay target" in (await resp.json())["error"]


async def test_copy_as_curl_is_freshly_signed_and_runs(api: Any) -> None:
    resp = await api.post("/api/callbacks/1/curl", headers=H, json={"set": {"Digits": "42"}})
    data = await resp.json()
    command = data["command"]
    assert data["signed"] is True
    again = (await (await api.post("/api/callbacks/1/curl", headers=H, json={})).json())["command"]
    nonce = re.compile(r"X-Plivo-Signature-V3-Nonce: (\d+)")
    assert nonce.search(command).group(1) != nonce.search(again).group(1)  # type: ignore[union-attr]
    assert TOKEN not in command
    proc = await asyncio.create_subprocess_exec(*shlex.split(command), stdout=subprocess.PIPE)
    out, _ = await proc.communicate()
    assert proc.returncode == 0 and b"<Speak>Hello</Speak>" in out
    assert api.dev.seen[-1]["valid"] is True and api.dev.seen[-1]["params"]["Digits"] == "42"


async def test_download_gives_the_fixture_file(api: Any) -> None:
    resp = await api.get(f"/api/callbacks/2/fixture?token={RUN_TOKEN}")
    assert resp.status == 200
    d = await get(api, "/api/callbacks/2")
    assert await resp.read() == Path(d["file"]).read_bytes()
    assert resp.headers["Content-Disposition"] == f'attachment; filename="{Path(d["file"]).name}"'


async def test_events_stream_a_row_per_new_callback(api: Any, tmp_path: Path) -> None:
    resp = await api.get("/api/events", headers=H)
    assert resp.headers["Content-Type"].startswith("text/event-stream")
    assert await resp.content.readuntil(b"\n\n") == b"retry: 1000\n: connected\n\n"
    fx = make_fixture(ANSWER, "/answer", seconds=90)
    path = fxmod.save(fx, tmp_path)
    api.inspector.store.add(path, fx)
    event = await asyncio.wait_for(resp.content.readuntil(b"\n\n"), 5)
    name, data = event.decode().strip().split("\n")
    assert name == "event: callback"
    assert json.loads(data.removeprefix("data: "))["id"] == 4
    resp.close()


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:4040", "127.0.0.1.evil.example", "10.0.0.1:4040", ""]
)
async def test_foreign_host_is_refused(api: Any, host: str) -> None:
    for path in ("/", "/api/callbacks", "/static/inspector.js"):
        resp = await api.get(path, headers={**H, "Host": host})
        assert resp.status == 403, (path, host)


@pytest.mark.parametrize("host", ["localhost:4040", "127.0.0.1", "127.1.2.3:80", "[::1]:4040"])
async def test_loopback_hosts_are_served(api: Any, host: str) -> None:
    resp = await api.get("/api/info", headers={**H, "Host": host})
    assert resp.status == 200


async def test_foreign_origin_cannot_change_state(api: Any) -> None:
    host = f"127.0.0.1:{api.port}"
    for origin in ("http://evil.example", "null", f"http://localhost:{api.port + 1}"):
        resp = await api.post(
            "/api/callbacks/1/replay", headers={**H, "Origin": origin, "Host": host}, json={}
        )
        assert resp.status == 403, origin
    resp = await api.post(
        "/api/callbacks/1/replay",
        headers={**H, "Sec-Fetch-Site": "cross-site"},
        json={},
    )
    assert resp.status == 403
    assert api.dev.seen == []
    resp = await api.post(
        "/api/callbacks/1/replay", headers={**H, "Origin": f"http://{host}", "Host": host}, json={}
    )
    assert resp.status == 200


async def test_the_token_is_needed_and_the_auth_token_never_shown(api: Any) -> None:
    for headers, path in (({}, "/api/callbacks"), ({TOKEN_HEADER: "wrong"}, "/api/info")):
        resp = await api.get(path, headers=headers)
        assert resp.status == 401
    assert (await api.get(f"/api/callbacks?token={RUN_TOKEN}")).status == 200
    resp = await api.post("/api/callbacks/1/replay", json={})
    assert resp.status == 401 and api.dev.seen == []
    seen = ""
    for path in ("/api/info", "/api/callbacks", "/api/callbacks/1", "/api/callbacks/2"):
        seen += await (await api.get(path, headers=H)).text()
    for action in ("replay", "curl"):
        seen += await (await api.post(f"/api/callbacks/1/{action}", headers=H, json={})).text()
    assert TOKEN not in seen and "signing" in seen


async def test_page_and_assets_ship_in_the_package_with_a_strict_policy(api: Any) -> None:
    page = await api.get("/")
    assert page.status == 200
    html = await page.text()
    assert "<table" in html and "Edit and replay" in html and "Copy as curl" in html
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert "http://" not in html and "https://" not in html  # nothing fetched from elsewhere
    for name in ("inspector.js", "inspector.css", "favicon.svg"):
        resp = await api.get(f"/static/{name}")
        assert resp.status == 200 and resp.headers["X-Content-Type-Options"] == "nosniff"
        text = await resp.text()
        assert "https://" not in text and "//cdn" not in text
    assert (await api.get("/static/../app.py")).status == 404
    assert (await api.get("/static/index.html.bak")).status == 404


async def test_a_deleted_fixture_is_gone_not_a_crash(api: Any) -> None:
    d = await get(api, "/api/callbacks/1")
    Path(d["file"]).unlink()
    resp = await api.get("/api/callbacks/1", headers=H)
    assert resp.status == 410 and "cannot be read" in (await resp.json())["error"]


async def test_download_name_cannot_break_the_header(api: Any, tmp_path: Path) -> None:
    fx = make_fixture(ANSWER, "/answer", seconds=5)
    path = tmp_path / 'odd "name";\u00e9.toml'
    path.write_text(fxmod.to_toml(fx))
    entry = api.inspector.store.add(path, fx)
    resp = await api.get(f"/api/callbacks/{entry.id}/fixture", headers=H)
    assert resp.status == 200
    assert resp.headers["Content-Disposition"] == 'attachment; filename="odd__name___.toml"'


def test_store_keeps_a_bounded_index(tmp_path: Path) -> None:
    store = Store(capacity=2)
    paths = write_set(tmp_path)
    for path in paths:
        store.add(path, fxmod.load(path))
    assert [e.id for e in store.entries] == [2, 3]
    assert store.get(1) is None and store.get(3) is not None


async def _inspect(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "plivocb", "inspect", *args,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


async def test_inspect_command_serves_fixtures_until_interrupted(
    tmp_path: Path, aiohttp_client: Any
) -> None:
    import aiohttp

    write_set(tmp_path)
    (tmp_path / "zz-broken\x1b[2J.toml").write_text("not = [toml")
    proc = await _inspect(str(tmp_path), "--port", "0")
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        url = re.search(r"inspector on (http://127\.0\.0\.1:\d+/\?token=\S+)", line)
        assert url, line
        lines = [(await proc.stdout.readline()).decode() for _ in range(2)]
        assert lines[0].startswith("  callbacks    3 from ")
        assert lines[1].startswith("  skipped      1 unreadable: ") and "zz-broken" in lines[1]
        assert "\x1b" not in lines[1] and "\\x1b" in lines[1]  # shown, not obeyed
        base, token = url.group(1).split("/?token=")
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/api/callbacks?token={token}") as resp:
                assert (await resp.json())["total"] == 3
            async with session.get(f"{base}/api/callbacks") as resp:
                assert resp.status == 401
        proc.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(proc.wait(), 20) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_inspect_command_bad_input_is_one_line(tmp_path: Path) -> None:
    code, _, err = await arun_cli("inspect", str(tmp_path / "missing"), "--port", "0")
    assert code == 2
    assert "no such file or directory" in err and "Traceback" not in err
    code, _, err = await arun_cli("inspect", str(tmp_path), "--to", "not-a-url")
    assert code == 2 and "--to must be an http(s) URL" in err


async def test_a_taken_inspector_port_is_said_not_silently_moved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    from plivocb.inspector.run import InspectOptions, serve_fixtures

    write_set(tmp_path)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(0.3, stop.set)
        await serve_fixtures(InspectOptions(paths=[str(tmp_path)], port=taken), stop)
    banner = capsys.readouterr().out.splitlines()[0]
    assert banner.endswith(f"(port {taken} was taken)"), banner
    assert f"127.0.0.1:{taken}/" not in banner  # the URL names the port it is really on
