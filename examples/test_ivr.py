"""The IVR's tests, through `plivocb_simulate`: whole calls, every request checked by the SDK."""

from __future__ import annotations

import ivr
import pytest
from plivo.utils import validate_v3_signature

from plivocb.simulate import Transcript


@pytest.fixture
async def client(aiohttp_client, plivocb_auth_token):  # type: ignore[no-untyped-def]
    return await aiohttp_client(ivr.create_app(plivocb_auth_token))


def assert_signed_by_plivo(transcript: Transcript, token: str) -> None:
    """What the app did on every request, checked again from the outside with the SDK."""
    for request in transcript.requests:
        params = None if request.method == "GET" else {k: v[0] for k, v in request.params.items()}
        assert validate_v3_signature(
            request.method,
            request.url,
            request.headers["X-Plivo-Signature-V3-Nonce"],
            token,
            request.headers["X-Plivo-Signature-V3"],
            params,
        ), request.step
        assert request.status == 200, request.step  # the app's own check (403) passed too


def notifications(client, path: str) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return [p for (where, p) in client.app[ivr.EVENTS_KEY] if where == path]


async def test_sales_answers(client, plivocb_simulate, plivocb_auth_token) -> None:  # type: ignore[no-untyped-def]
    call = await plivocb_simulate.call(
        client, "/ivr/answer", hangup="/ivr/hangup", inputs=["1"], dial=["answered:30"]
    )
    assert [r.kind for r in call.requests] == [
        "answer",
        "digits",
        "dial_callback",
        "dial_callback",
        "dial_callback",
        "dial",
        "hangup",
    ]
    assert call.heard[:2] == [f"Speak: {ivr.MENU_PROMPT}", "Speak: Connecting you to sales."]
    assert call.hangup_cause == "Normal Hangup"
    dial_events = notifications(client, "/ivr/dial-events")
    assert [e["DialAction"] for e in dial_events] == ["answer", "connected", "hangup"]
    assert dial_events[0]["DialBLegTo"] == ivr.SALES_DESK
    [hangup] = notifications(client, "/ivr/hangup")
    assert int(hangup["Duration"]) >= 30 and hangup["BillDuration"] == "60"
    assert call.ok
    assert_signed_by_plivo(call, plivocb_auth_token)


async def test_sales_busy_goes_to_voicemail(client, plivocb_simulate, plivocb_auth_token) -> None:  # type: ignore[no-untyped-def]
    call = await plivocb_simulate.call(
        client,
        "/ivr/answer",
        hangup="/ivr/hangup",
        inputs=["speech:sales"],
        dial=["busy"],
        record=["9:please call me back"],
    )
    assert call.requests[1].params["InputType"] == ["speech"]
    dial = next(r for r in call.requests if r.kind == "dial")
    assert dial.params["DialStatus"] == ["busy"]
    assert (
        "Speak: Sales cannot take your call. Leave a message after the beep, then press the pound key."
        in call.heard
    )
    [recording] = notifications(client, "/ivr/recording")
    [transcription] = notifications(client, "/ivr/transcription")
    assert recording["RecordingDuration"] == "9"
    assert transcription["transcription"] == "please call me back"
    assert transcription["recording_id"] == recording["RecordingID"]
    assert call.heard[-1] == "Speak: Thank you. Goodbye."
    assert call.hangup_code == 4000
    assert_signed_by_plivo(call, plivocb_auth_token)


async def test_no_input_redirects_to_the_menu_then_says_goodbye(client, plivocb_simulate) -> None:  # type: ignore[no-untyped-def]
    call = await plivocb_simulate.call(client, "/ivr/answer", hangup="/ivr/hangup")
    answers = [r for r in call.requests if r.kind == "answer"]
    assert [r.url.rsplit("/", 1)[-1] for r in answers] == [
        "answer",
        "answer?tries=1",
        "answer?tries=2",
    ]
    assert call.heard.count(f"Speak: {ivr.MENU_PROMPT}") == 2
    assert call.heard[-1] == "Speak: Sorry, we did not get that. Goodbye."
    assert call.ok


async def test_wrong_choice_redirects_to_the_menu(client, plivocb_simulate) -> None:  # type: ignore[no-untyped-def]
    call = await plivocb_simulate.call(
        client, "/ivr/answer", hangup="/ivr/hangup", inputs=["7", "2"], record=[5]
    )
    assert "Speak: That is not an option." in call.heard
    assert [r.kind for r in call.requests].count("recording") == 2  # action + callbackUrl
    assert call.ok


async def test_a_bad_token_is_refused_and_named(client, plivocb_simulate) -> None:  # type: ignore[no-untyped-def]
    call = await plivocb_simulate.call(client, "/ivr/answer", auth_token="not-the-token")
    assert call.hangup_code == 7011  # the app answered 403: Plivo would hang up
    assert not call.ok and "answered HTTP 403" in call.app_errors[0]


async def test_works_with_a_base_url_too(
    aiohttp_server, plivocb_simulate, plivocb_auth_token
) -> None:  # type: ignore[no-untyped-def]
    server = await aiohttp_server(ivr.create_app(plivocb_auth_token))
    base = str(server.make_url("/")).rstrip("/")
    call = await plivocb_simulate.call(base, "/ivr/answer", inputs=["2"], record=[3])
    assert call.ok and call.requests[0].url == base + "/ivr/answer"
