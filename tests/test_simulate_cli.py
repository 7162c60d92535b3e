"""`plivocb simulate call|message` as a process: output modes, fixtures, JUnit, exit codes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from plivocb.fixture import iter_paths, load
from tests.inproc import arun_cli
from tests.simulate_app import TOKEN, ScriptedApp, serve, xml


async def run_cli(*args: str, timeout: float = 60) -> tuple[int, str, str]:
    environ = {"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8", "COLUMNS": "200"}
    return await arun_cli(*args, environ=environ, timeout=timeout)


async def ivr(aiohttp_server: Any) -> ScriptedApp:
    app = await serve(aiohttp_server, {})
    app.routes["/answer"] = xml(
        f"<Response><GetDigits action='{app.url('/menu')}' numDigits='1'>"
        "<Speak>Press 1</Speak></GetDigits></Response>"
    )
    app.routes["/menu"] = xml("<Response><Speak>Bye</Speak></Response>")
    return app


async def test_plain_output_and_exit_0(aiohttp_server: Any) -> None:
    app = await ivr(aiohttp_server)
    code, out, err = await run_cli(
        "simulate",
        "call",
        "--answer-url",
        app.url("/answer"),
        "--hangup-url",
        app.url("/hangup"),
        "--input",
        "1",
        "--auth-token",
        TOKEN,
    )
    assert code == 0, err
    assert app.paths() == ["/answer", "/menu", "/hangup"]
    assert all(r.sdk_valid() for r in app.received)
    assert "Speak: Press 1" in out
    assert "pressed: 1" in out
    assert "4010 End Of XML Instructions (source Plivo)" in out
    assert "3 requests" in out


async def test_json_lines_and_junit(aiohttp_server: Any, tmp_path: Path) -> None:
    app = await ivr(aiohttp_server)
    junit = tmp_path / "sim.xml"
    code, out, err = await run_cli(
        "simulate",
        "call",
        "--answer-url",
        app.url("/answer"),
        "--hangup-url",
        app.url("/hangup"),
        "--input",
        "1",
        "--json",
        "--junit",
        str(junit),
    )
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    requests = [x["request"] for x in lines if x["event"] == "request"]
    assert [r["kind"] for r in requests] == ["answer", "digits", "hangup"]
    assert lines[-1]["summary"] is True and lines[-1]["hangup_code"] == 4010
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "3" and suite.get("failures") == "0"
    assert suite.get("name") == "plivocb simulate call"


async def test_app_error_exits_1_and_names_the_step(aiohttp_server: Any, tmp_path: Path) -> None:
    app = await serve(aiohttp_server, {})
    app.routes["/answer"] = xml(
        f"<Response><GetDigits action='{app.url('/menu')}' numDigits='1'/></Response>"
    )
    app.routes["/menu"] = (500, "text/plain", "Traceback")
    junit = tmp_path / "sim.xml"
    code, out, _ = await run_cli(
        "simulate",
        "call",
        "--answer-url",
        app.url("/answer"),
        "--hangup-url",
        app.url("/hangup"),
        "--input",
        "1",
        "--junit",
        str(junit),
    )
    assert code == 1
    assert "app error: GetDigits action" in out
    assert "answered HTTP 500" in out
    assert "7012 Error Reaching Action URL" in out
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "1"


async def test_usage_errors_exit_2() -> None:
    code, _, err = await run_cli("simulate", "call", "--answer-url", "ftp://x/answer")
    assert code == 2 and "--answer-url must be an http(s) URL" in err
    code, _, err = await run_cli(
        "simulate", "call", "--answer-url", "http://127.0.0.1:9/a", "--dial", "maybe"
    )
    assert code == 2 and "--dial 'maybe' is not an outcome" in err
    code, _, err = await run_cli(
        "simulate", "call", "--answer-url", "http://127.0.0.1:9/a", "--machine", "machine"
    )
    assert code == 2 and "outbound" in err
    code, _, err = await run_cli(
        "simulate", "message", "--message-url", "http://127.0.0.1:9/m", "--status", "lost"
    )
    assert code == 2 and "--status" in err
    assert "Traceback" not in err


async def test_out_fixtures_replay_with_compare(aiohttp_server: Any, tmp_path: Path) -> None:
    app = await ivr(aiohttp_server)
    out_dir = tmp_path / "flow"
    code, _, err = await run_cli(
        "simulate",
        "call",
        "--answer-url",
        app.url("/answer"),
        "--hangup-url",
        app.url("/hangup"),
        "--input",
        "1",
        "--out",
        str(out_dir),
        "--auth-token",
        TOKEN,
    )
    assert code == 0, err
    fixtures = [load(p) for p in iter_paths([str(out_dir)])]
    assert [f.kind for f in fixtures] == ["answer", "digits", "hangup"]
    assert all(f.signature.verdict == "valid" for f in fixtures)
    assert fixtures[1].response is not None and "Bye" in fixtures[1].response.body
    assert TOKEN not in "".join(p.read_text() for p in out_dir.iterdir())
    app.received.clear()
    code, out, err = await run_cli(
        "replay", str(out_dir), "--to", app.base, "--compare", "--auth-token", TOKEN
    )
    assert code == 0, out + err
    assert app.paths() == ["/answer", "/menu", "/hangup"]
    assert all(r.sdk_valid() for r in app.received)


async def test_hostile_text_is_shown_inert(aiohttp_server: Any) -> None:
    app = await serve(
        aiohttp_server,
        # XML 1.0 cannot carry C0 controls, but bidi overrides and markup pass through
        {"/answer": xml("<Response><Speak>[bold]x[/bold] \u202egnp.exe hi</Speak></Response>")},
    )
    code, out, _ = await run_cli("simulate", "call", "--answer-url", app.url("/answer"))
    assert code == 0
    assert "\u202e" not in out
    assert "\\u202egnp.exe" in out
    assert "[bold]x[/bold]" in out
