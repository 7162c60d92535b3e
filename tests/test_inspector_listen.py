"""`plivocb listen` serves the inspector: banner link, live events, replay to --forward-to."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.helpers import ANSWER, TOKEN, ListenProcess, form, signed
from tests.inproc import InprocListen
from tests.inspector_helpers import CheckingApp, start_checking_app

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
async def dev(aiohttp_server: Any) -> CheckingApp:
    return await start_checking_app(aiohttp_server)


async def inspector_url(lp: ListenProcess | InprocListen) -> tuple[str, str]:
    match = await lp.wait_for(r"inspector\s+(http://127\.0\.0\.1:\d+)/\?token=(\S+)")
    return match.group(1), match.group(2)


@pytest.mark.serial  # event within 1 s
async def test_listen_publishes_each_callback_to_the_inspector(
    tmp_path: Path,
    dev: CheckingApp,
) -> None:
    lp = await InprocListen(
        [
            "--tunnel",
            "none",
            "--port",
            "0",
            "--inspect-port",
            "0",
            "--out",
            str(tmp_path),
            "--forward-to",
            dev.base,
        ],
        env={"PLIVO_AUTH_TOKEN": TOKEN},
    ).start()
    base, token = await inspector_url(lp)
    h = {"X-Plivocb-Token": token}
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/api/info", headers=h) as resp:
            info = await resp.json()
        assert info["live"] is True and info["replay_to"] == dev.base and info["signing"] is True
        events = await session.get(f"{base}/api/events", headers=h)
        await events.content.readuntil(b"\n\n")
        url = f"{lp.public_url}/answer"
        sent = time.monotonic()
        async with session.post(
            url, data=form(ANSWER), headers={**FORM, **signed("POST", url, ANSWER)}
        ) as resp:
            assert resp.status == 200
        event = await asyncio.wait_for(events.content.readuntil(b"\n\n"), 5)
        latency = time.monotonic() - sent
        row: dict[str, Any] = json.loads(event.decode().split("data: ", 1)[1])
        assert row["kind"] == "answer" and row["verdict"] == "valid" and row["status"] == 200
        assert latency < 1.0, f"event after {latency:.2f} s"
        events.close()
        async with session.get(f"{base}/api/callbacks/{row['id']}", headers=h) as resp:
            details = await resp.json()
        assert ["CallUUID", ANSWER["CallUUID"]] in details["params"]
        # free text reaches params that are not in the row (CallerName=Alice)
        async with session.get(f"{base}/api/callbacks?q=alice", headers=h) as resp:
            assert (await resp.json())["total"] == 1
        assert Path(details["file"]).parent == tmp_path
        # the default replay target is --forward-to; re-signed for it, accepted by the SDK
        async with session.post(
            f"{base}/api/callbacks/{row['id']}/replay", headers=h, json={"set": {"To": "15550001"}}
        ) as resp:
            result = await resp.json()
        assert result["url"] == dev.base + "/answer" and result["status"] == 200
        assert dev.seen[-1]["valid"] is True and dev.seen[-1]["params"]["To"] == "15550001"
    assert await lp.stop() == 0


async def test_no_inspect_turns_it_off(tmp_path: Path) -> None:
    lp = await InprocListen(
        ["--tunnel", "none", "--port", "0", "--no-inspect", "--out", str(tmp_path)]
    ).start()
    assert await lp.stop() == 0  # all output read
    assert "signatures" in lp.text() and "inspector" not in lp.text()


async def test_inspect_port_taken_moves_to_the_next_free_one(tmp_path: Path) -> None:
    from aiohttp import web

    from plivocb.inspector.app import Inspector
    from plivocb.inspector.serve import start
    from plivocb.inspector.store import Store

    holder = web.AppRunner(web.Application())
    await holder.setup()
    site = web.TCPSite(holder, "127.0.0.1", 0)
    await site.start()
    taken = holder.addresses[0][1]
    try:
        running = await start(Inspector(Store(), "t"), taken)
        try:
            assert running.port != taken and running.url.startswith("http://127.0.0.1:")
        finally:
            await running.close()
    finally:
        await holder.cleanup()


async def test_feed_indexes_each_recorded_file_once_without_reading_it(tmp_path: Path) -> None:
    from plivocb import fixture as fxmod
    from plivocb.display import CallbackEvent
    from plivocb.inspector.serve import Feed
    from plivocb.inspector.store import Query, Store, complete_haystacks
    from tests.helpers import make_fixture

    path = fxmod.save(make_fixture(ANSWER), tmp_path)
    store = Store()
    feed = Feed(store, tmp_path)
    event = CallbackEvent(
        "2026-11-26T12:00:00+00:00", "answer", "POST", "/answer", "14155550100", "14155550199",
        "CallStatus=ringing", ANSWER["CallUUID"], "valid", 200, "", 4.5, path.name,
    )  # fmt: skip
    for _ in range(3):  # a stream session publishes open, updates and close for one file
        feed.publish(event)
    feed.publish(CallbackEvent("t", "rejected", "POST", "/answer", status=413))  # no file
    assert len(store) == 1
    row = store.entries[0].row()
    assert (row["kind"], row["from"], row["call"], row["status"], row["ms"]) == (
        "answer", "14155550100", ANSWER["CallUUID"], 200, 4.5,
    )  # fmt: skip
    # its params (CallerName=Alice) become searchable when a text search first needs them
    assert store.search(Query(q="alice"))[1] == 0 and store.partial
    complete_haystacks(store.take_partial())
    assert store.search(Query(q="alice"))[1] == 1 and not store.partial


def test_live_index_memory_is_bounded_by_its_capacity(tmp_path: Path) -> None:
    """Entries past the capacity leave the index and its not-yet-searchable list alike (the
    list used to keep every live entry of a listen session until a free-text search)."""
    from plivocb import defaults
    from plivocb.inspector.store import Store

    store = Store(capacity=3)
    row = dict(time="t", kind="answer", method="POST", url_path="/a", from_="1", to="2",
               summary="", call="c", verdict="valid", status=200, elapsed_ms=1.0)  # fmt: skip
    for i in range(10):
        store.add_live(tmp_path / f"{i}.toml", **row)
    assert len(store) == 3 and len(store.partial) == 3
    assert [e.path.name for e in store.take_partial()] == ["7.toml", "8.toml", "9.toml"]
    assert not hasattr(store.entries[0], "__dict__")  # slots: ~0.5 KB an entry, not ~1 KB
    assert defaults.LISTEN_INSPECT_CAPACITY <= 10_000  # listen's live index stays small
