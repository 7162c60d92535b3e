"""`replay`: recorded timing across paths, --compare skips, --update-baseline, --junit checks,
Ctrl-C with a partial JUnit report. The real CLI against a real local app."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from aiohttp import web

from plivocb import fixture as fx
from plivocb.fixture import Response
from tests.helpers import ANSWER, HANGUP, TOKEN, make_fixture
from tests.test_replay import GOOD_XML, DevApp, _cli, _write


@pytest.fixture
async def dev(aiohttp_server):  # type: ignore[no-untyped-def]
    app = DevApp()
    web_app = web.Application()
    web_app.router.add_route("*", "/{tail:.*}", app.handle)
    server = await aiohttp_server(web_app)
    app.base = str(server.make_url("")).rstrip("/")
    return app


async def test_recorded_timing_orders_by_received_at_across_paths(
    dev: DevApp, tmp_path: Path
) -> None:
    late = _write(tmp_path / "a", make_fixture(HANGUP | {"CallUUID": "late"}, "/hangup", seconds=2))
    early = _write(tmp_path / "b", make_fixture(ANSWER | {"CallUUID": "early"}, "/answer"))
    started = time.monotonic()
    code, out, err = await _cli(
        str(late), str(early), "--to", dev.base, "--timing", "recorded", "--speed", "4"
    )
    assert code == 0, out + err
    assert [p for p, _ in dev.verdicts] == ["/answer", "/hangup"]
    assert time.monotonic() - started >= 0.5  # the 2 s gap at speed 4


async def test_compare_skips_fixtures_without_an_app_baseline(dev: DevApp, tmp_path: Path) -> None:
    generated = make_fixture(ANSWER, "/answer")  # no [response]
    fallback = make_fixture(ANSWER | {"CallUUID": "down"}, "/answer", seconds=1).with_(
        response=Response(
            200,
            "text/xml",
            "<Response><Speak>plivo c b could not reach your application.</Speak></Response>",
            error="unreachable: connection refused",
            origin="fallback",
        )
    )
    same = make_fixture(ANSWER | {"CallUUID": "same"}, "/answer", seconds=2, response_body=GOOD_XML)
    d = _write(tmp_path / "fx", generated, fallback, same)
    junit = tmp_path / "r.xml"
    code, out, err = await _cli(str(d), "--to", dev.base, "--compare", "--junit", str(junit))
    assert code == 0, out + err
    assert out.count("SKIP") == 2 and out.count("PASS") == 1
    assert "no recorded response" in out and "fallback" in out
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("skipped") == "2" and suite.get("failures") == "0"
    assert len([c for c in suite.iter("testcase") if c.find("skipped") is not None]) == 2
    # a fallback recorded before `origin` existed is recognised by its error
    text = next(p for p in d.iterdir() if "down" in p.read_text()).read_text()
    assert 'origin = "fallback"' in text
    legacy = d / "legacy.toml"
    legacy.write_text(text.replace('origin = "fallback"\n', ""))
    assert fx.load(legacy).response is not None
    assert fx.load(legacy).response.origin == "fallback"  # type: ignore[union-attr]


async def test_update_baseline_rewrites_changed_responses_only(dev: DevApp, tmp_path: Path) -> None:
    old = make_fixture(ANSWER, "/changed", response_body=GOOD_XML)
    kept = make_fixture(ANSWER | {"CallUUID": "kept"}, "/answer", seconds=1, response_body=GOOD_XML)
    generated = make_fixture(ANSWER | {"CallUUID": "new"}, "/answer", seconds=2)
    d = _write(tmp_path / "fx", old, kept, generated)
    files = sorted(d.iterdir())
    before = {p.name: p.read_text() for p in files}

    code, out, _ = await _cli(str(d), "--to", dev.base, "--compare")
    assert code == 1 and "Goodbye" in out
    code, out, err = await _cli(
        str(d), "--to", dev.base, "--update-baseline", env={"PLIVO_AUTH_TOKEN": TOKEN}
    )
    assert code == 0, out + err
    assert "2 baselines updated" in out
    after = {p.name: p.read_text() for p in sorted(d.iterdir())}
    assert set(after) == set(before)  # in place, no temp files left
    changed = [name for name in before if before[name] != after[name]]
    assert len(changed) == 2
    kept_name = next(n for n in before if "kept" in before[n])
    assert kept_name not in changed  # same answer: file untouched (latency alone is no change)
    loaded = {p.name: fx.load(p) for p in d.iterdir()}
    for name in changed:
        resp = loaded[name].response
        assert resp is not None and resp.origin == "app" and resp.status == 200
        assert resp.forwarded_to.startswith(dev.base)
        # the request side is untouched
        assert loaded[name].request == fx.from_toml(before[name]).request
    code, out, _ = await _cli(str(d), "--to", dev.base, "--compare")
    assert code == 0 and out.count("PASS") == 3, out

    code, _, err = await _cli(str(d), "--to", dev.base, "--compare", "--update-baseline")
    assert code == 2 and "do not go together" in err


async def test_junit_path_is_checked_before_the_run(dev: DevApp, tmp_path: Path) -> None:
    d = _write(tmp_path / "fx", make_fixture(ANSWER))
    for junit, problem in (
        (tmp_path, "is a directory"),
        (tmp_path / "missing" / "r.xml", "does not exist"),
        (Path("/proc/r.xml"), "not writable"),
    ):
        code, out, err = await _cli(str(d), "--to", dev.base, "--junit", str(junit))
        assert code == 2, out + err
        assert problem in err and "--junit" in err and "Traceback" not in err
        assert len(err.strip().splitlines()) <= 2  # the error and its hint
    assert dev.verdicts == []  # nothing was sent


@pytest.mark.serial  # Ctrl-C mid-run: hung 20 s once beside other tests
async def test_ctrl_c_writes_partial_junit_and_summary(dev: DevApp, tmp_path: Path) -> None:
    d = _write(
        tmp_path / "fx",
        make_fixture(ANSWER, "/answer"),
        make_fixture(HANGUP, "/hang", seconds=1),  # same call: waits for the answer
    )
    junit = tmp_path / "r.xml"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "plivocb", "replay", str(d), "--to", dev.base,
        "--timeout", "60", "--junit", str(junit), "--json",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        for _ in range(400):
            if any(p == "/hang" for p, _ in dev.verdicts):
                break
            await asyncio.sleep(0.05)
        assert any(p == "/hang" for p, _ in dev.verdicts)
        proc.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(proc.communicate(), 20)
    finally:
        if proc.returncode is None:  # it ignored the Ctrl-C: do not let it outlive the test
            proc.kill()
            await proc.communicate()
    assert proc.returncode == 130, err
    summary = json.loads(out.decode().splitlines()[-1])
    assert summary["interrupted"] and summary["total"] == 1 and summary["passed"] == 1
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "1"
    assert b"Traceback" not in err
