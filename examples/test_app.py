"""The example app's own tests, written the way a plivocb user would: plugin fixtures + fixtures/."""

from __future__ import annotations

import app as example
import pytest

from plivocb import plivoxml


@pytest.fixture
async def client(aiohttp_client, plivocb_auth_token):  # type: ignore[no-untyped-def]
    return await aiohttp_client(example.create_app(plivocb_auth_token))


async def test_inbound_call_answers_with_plivo_xml(
    client, plivocb_fixtures, plivocb_replay
) -> None:  # type: ignore[no-untyped-def]
    [answer] = plivocb_fixtures.glob("inbound-call/*answer*")
    call = plivocb_fixtures.call(answer.params["CallUUID"][0])
    replies = await plivocb_replay(client, call)
    assert [r.status for r in replies] == [200, 200]
    assert plivoxml.problems(replies[0].text, replies[0].headers["Content-Type"]) == []
    assert "<GetDigits" in replies[0].text


async def test_outbound_call_gets_the_reminder(client, plivocb_fixtures, plivocb_replay) -> None:  # type: ignore[no-untyped-def]
    answers = [f for f in plivocb_fixtures.kind("answer") if f.params["Direction"] == ["outbound"]]
    [reply] = await plivocb_replay(client, answers)
    assert "appointment reminder" in reply.text


async def test_digits_route_the_caller(client, plivocb_signed_request, plivocb_fixtures) -> None:  # type: ignore[no-untyped-def]
    answer = plivocb_fixtures.glob("inbound-call/*answer*")[0]
    req = plivocb_signed_request(answer, str(client.make_url("/digits")), overrides={"Digits": "2"})
    resp = await client.post(req.path, data=req.body, headers=req.headers)
    assert resp.status == 200 and "support" in await resp.text()


async def test_sms_and_mms_get_a_reply(client, plivocb_fixtures, plivocb_replay) -> None:  # type: ignore[no-untyped-def]
    replies = await plivocb_replay(client, plivocb_fixtures.kind("message"))
    assert len(replies) == 2 and all(r.status == 200 for r in replies)
    assert any("picture" in r.text for r in replies) and any(
        "reply soon" in r.text for r in replies
    )
    assert all(plivoxml.problems(r.text) == [] for r in replies)


async def test_delivery_reports_are_acknowledged(client, plivocb_fixtures, plivocb_replay) -> None:  # type: ignore[no-untyped-def]
    replies = await plivocb_replay(client, plivocb_fixtures.kind("message_status"))
    assert [r.status for r in replies] == [200, 200, 200]


async def test_forged_or_unsigned_callbacks_are_refused(
    client, plivocb_fixtures, plivocb_replay
) -> None:  # type: ignore[no-untyped-def]
    answer = plivocb_fixtures.glob("inbound-call/*answer*")[0]
    assert (await plivocb_replay(client, answer, auth_token="not-the-token"))[0].status == 403
    resp = await client.post("/answer", data=answer.request.body)
    assert resp.status == 403
