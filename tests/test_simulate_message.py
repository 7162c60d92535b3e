"""`plivocb simulate message`: the inbound message and the delivery reports of each reply."""

from __future__ import annotations

from typing import Any

import pytest

from plivocb.simulate.message import simulate_message
from plivocb.simulate.model import MessageOptions, Transcript
from tests.simulate_app import TOKEN, ScriptedApp, serve, xml


async def simulate(app: ScriptedApp, **kw: Any) -> Transcript:
    opts = MessageOptions(message_url=app.url("/sms"), auth_token=TOKEN, seed=3, **kw)
    transcript = await simulate_message(opts)
    for received in app.received:
        assert received.sdk_valid(), received.path
    return transcript


async def test_inbound_sms_params_and_no_reply(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {})
    t = await simulate(app, frm="14155550100", to="14155550199", text="Hi ümlaut 😀")
    assert app.paths() == ["/sms"]
    sms = app.received[0].params
    assert sms["From"] == "14155550100" and sms["To"] == "14155550199"
    assert sms["Text"] == "Hi ümlaut 😀" and sms["Type"] == "sms"
    assert sms["MessageUUID"] == t.ident
    assert t.ok


@pytest.mark.parametrize(
    ("status", "sequence", "error"),
    [
        ("delivered", ["queued", "sent", "delivered"], ""),
        ("undelivered", ["queued", "sent", "undelivered"], "80"),
        ("failed", ["queued", "failed"], "50"),
    ],
)
async def test_reply_delivery_reports(
    aiohttp_server: Any, status: str, sequence: list[str], error: str
) -> None:
    app = await serve(aiohttp_server, {})
    app.routes["/sms"] = xml(
        f"<Response><Message src='14155550199' dst='14155550100' "
        f"callbackUrl='{app.url('/dlr')}' callbackMethod='GET'>Thanks!</Message></Response>"
    )
    t = await simulate(app, status=status)
    reports = app.by_path("/dlr")
    assert [r.params["Status"] for r in reports] == sequence
    assert [r.params["Sequence"] for r in reports] == [str(i) for i in range(1, len(sequence) + 1)]
    assert all(r.method == "GET" for r in reports)
    assert reports[0].params["From"] == "14155550199" and reports[0].params["To"] == "14155550100"
    assert len({r.params["MessageUUID"] for r in reports}) == 1
    assert reports[-1].params.get("ErrorCode", "") == error
    assert any("Thanks!" in e.text for e in t.events)


async def test_reply_to_several_destinations(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {})
    app.routes["/sms"] = xml(
        f"<Response><Message src='1' dst='2&lt;3' callbackUrl='{app.url('/dlr')}'>x</Message>"
        "</Response>"
    )
    await simulate(app)
    assert [r.params["To"] for r in app.by_path("/dlr")] == ["2"] * 3 + ["3"] * 3


async def test_mms_media(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {})
    await simulate(app, type="mms", media=["https://m/1.jpg", "https://m/2.png"])
    mms = app.received[0].params
    assert mms["Type"] == "mms" and mms["MediaCount"] == "2"
    assert (mms["Media1"], mms["Media2"]) == ("https://m/1.jpg", "https://m/2.png")


async def test_only_message_elements_may_answer(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {"/sms": xml("<Response><Speak>no</Speak></Response>")})
    t = await simulate(app)
    assert not t.ok and "<Speak> is not allowed" in t.app_errors[0]


async def test_failing_message_url_is_retried_three_times(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {"/sms": (500, "text/plain", "down")})
    t = await simulate(app)
    assert app.paths() == ["/sms"] * 4
    assert t.duration_s == 60 + 120 + 240  # Plivo's messaging retry delays, on the virtual clock
    assert not t.ok
