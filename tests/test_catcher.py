"""The catcher app in-process (pytest-aiohttp): bad and hostile input never crashes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from plivocb import fixture as fx
from plivocb.catcher import CatcherConfig, Stats, create_app
from plivocb.display import CallbackEvent
from tests.helpers import ANSWER, form


class Recorder:
    def __init__(self) -> None:
        self.events: list[CallbackEvent] = []

    def start(self, banner: object) -> None: ...
    def stop(self, summary: object) -> None: ...

    def publish(self, event: CallbackEvent) -> None:
        self.events.append(event)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "rec"


@pytest.fixture
async def client(aiohttp_client, out: Path):  # type: ignore[no-untyped-def]
    config = CatcherConfig(out_dir=out, public_base="https://pub.example", max_body=65536)
    recorder = Recorder()
    app = create_app(config, recorder, Stats())
    c = await aiohttp_client(app)
    c.recorder = recorder
    return c


def _only(out: Path) -> fx.Fixture:
    [path] = list(fx.iter_paths([str(out)]))
    return fx.load(path)


async def test_json_body(client, out: Path) -> None:  # type: ignore[no-untyped-def]
    r = await client.post("/hangup", json={"CallUUID": "x", "Event": "Hangup", "n": 3})
    assert r.status == 200
    f = _only(out)
    assert f.kind == "hangup" and f.params["n"] == ["3"]
    assert f.request.body == b'{"CallUUID": "x", "Event": "Hangup", "n": 3}'


async def test_non_utf8_and_empty_bodies(client, out: Path) -> None:  # type: ignore[no-untyped-def]
    raw = b"From=\xff\xfe&To=1\x00"
    r = await client.post(
        "/message", data=raw, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert r.status == 200
    f = _only(out)
    assert f.request.body == raw and f.params["From"] == ["\ufffd\ufffd"]
    assert 'body_encoding = "base64"' in next(out.iterdir()).read_text()
    for p in out.iterdir():
        p.unlink()
    r = await client.post("/answer", data=b"")
    assert r.status == 200 and "<Speak>" in await r.text()  # path hint: answer
    assert _only(out).request.body == b""


async def test_get_with_params_and_unknown_path(client, out: Path) -> None:  # type: ignore[no-untyped-def]
    r = await client.get("/whatever/else?" + form(ANSWER))
    assert r.status == 200
    f = _only(out)
    assert f.kind == "answer" and f.request.method == "GET"
    assert f.request.public_url == "https://pub.example/whatever/else?" + form(ANSWER)
    for p in out.iterdir():
        p.unlink()
    r = await client.request("DELETE", "/some/unknown.ico")
    assert r.status == 200 and _only(out).kind == "other"


async def test_hostile_values_stay_inside_and_round_trip(client, out: Path) -> None:  # type: ignore[no-untyped-def]
    hostile = {
        "CallUUID": "../../etc/passwd\x00\n\"'",
        "MessageUUID": "..\\..\\" + "A" * 10_000,
        "Text": 'line1\nline2\r\n"quoted" <xml/> \x00 😀',
        "From": "1" * 10_000,
    }
    r = await client.post(
        "/message/../../x",
        data=form(hostile),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status == 200
    [path] = list(out.iterdir())
    assert path.parent == out and len(path.name) < 80
    f = fx.load(path)
    assert f.params["Text"] == [hostile["Text"]] and f.params["From"] == [hostile["From"]]


async def test_oversized_body_is_413_and_not_recorded(client, out: Path) -> None:  # type: ignore[no-untyped-def]
    r = await client.post("/answer", data=b"x" * 70_000)
    assert r.status == 413
    assert not out.exists() or list(out.iterdir()) == []
    assert client.recorder.events[-1].status == 413

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(70):
            yield b"y" * 1000

    r = await client.post("/answer", data=chunks())  # chunked: no Content-Length
    assert r.status == 413
    assert not out.exists() or list(out.iterdir()) == []


async def test_unwritable_output_answers_500(aiohttp_client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    app = create_app(CatcherConfig(out_dir=blocker / "sub", public_base="http://x"), Recorder())
    client = await aiohttp_client(app)
    r = await client.post("/answer", data=form(ANSWER))
    assert r.status == 500  # never acknowledge what is not on disk
