"""`plivocb simulate call` core: each element and rule, against a real local app.

Every test asserts the exact requests the app received (order, path, method, key params) and
that the official Plivo SDK accepts each one's V3 signature.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from plivocb.simulate.call import simulate_call
from plivocb.simulate.clock import PLAY_SECONDS_PER_LOOP, speak_seconds
from plivocb.simulate.model import CallerInput, CallOptions, DialOutcome, RecordTake, Transcript
from tests.simulate_app import TOKEN, ScriptedApp, serve, xml


async def simulate(app: ScriptedApp, **kw: Any) -> Transcript:
    kw.setdefault("hangup_url", app.url("/hangup"))
    inputs = [CallerInput.parse(i) for i in kw.pop("inputs", [])]
    dials = [DialOutcome.parse(d) for d in kw.pop("dials", [])]
    records = [RecordTake.parse(r) for r in kw.pop("records", [])]
    opts = CallOptions(
        answer_url=kw.pop("answer_url", app.url("/answer")),
        auth_token=TOKEN,
        inputs=inputs,
        dials=dials,
        records=records,
        seed=kw.pop("seed", 7),
        **kw,
    )
    transcript = await simulate_call(opts)
    for received in app.received:
        assert received.sdk_valid(), f"SDK rejects the signature of {received.path}"
    return transcript


def doc(body: str) -> tuple[int, str, str]:
    return xml(f"<Response>{body}</Response>")


async def test_speak_play_wait_then_end_of_xml(aiohttp_server: Any) -> None:
    app = await serve(
        aiohttp_server,
        {
            "/answer": doc(
                "<Speak>Hello there caller</Speak><Play loop='2'>https://a/b.mp3</Play>"
                "<Wait length='3'/>"
            )
        },
    )
    t = await simulate(app)
    assert app.paths() == ["/answer", "/hangup"]
    answer, hangup = app.received
    assert answer.method == "POST"
    assert answer.params["Event"] == "StartApp"
    assert answer.params["CallStatus"] == "ringing"
    assert answer.params["Direction"] == "inbound"
    assert hangup.params["CallUUID"] == answer.params["CallUUID"] == t.ident
    assert hangup.params["Event"] == "Hangup"
    assert hangup.params["HangupCauseCode"] == "4010"
    assert hangup.params["HangupCauseName"] == "End Of XML Instructions"
    assert hangup.params["HangupSource"] == "Plivo"
    expected = speak_seconds("Hello there caller") + 2 * PLAY_SECONDS_PER_LOOP + 3
    assert hangup.params["Duration"] == str(int(expected + 0.999))
    assert hangup.params["BillDuration"] == "60"
    assert hangup.params["AnswerTime"] == hangup.params["StartTime"]
    assert hangup.params["CallStatus"] == "completed"
    assert t.heard == ["Speak: Hello there caller", "Play: https://a/b.mp3"]
    assert t.hangup_code == 4010 and t.ok


async def test_hangup_url_defaults_to_the_answer_url(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {"/answer": doc("<Speak>Hi</Speak>")})
    await simulate(app, hangup_url=None)
    assert app.paths() == ["/answer", "/answer"]
    assert app.received[1].params["Event"] == "Hangup"


async def test_get_digits_posts_digits_without_the_finish_key(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {})
    app.routes["/answer"] = doc(
        f"<GetDigits action='{app.url('/menu?step=1')}' method='GET'><Speak>Pick</Speak>"
        "</GetDigits><Speak>never reached</Speak>"
    )
    app.routes["/menu"] = doc("<Speak>You chose</Speak>")
    t = await simulate(app, inputs=["23#"])
    assert app.paths() == ["/answer", "/menu", "/hangup"]
    menu = app.received[1]
    assert menu.method == "GET"
    assert menu.params["Digits"] == "23"
    assert menu.params["step"] == "1"
    assert menu.params["CallStatus"] == "in-progress"
    assert t.heard == ["Speak: Pick", "Speak: You chose"]
    assert t.pressed == ["23#"]


async def test_get_digits_num_digits_cuts_the_entry(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {})
    app.routes["/answer"] = doc(f"<GetDigits action='{app.url('/menu')}' numDigits='2'/>")
    await simulate(app, inputs=["4567"])
    assert app.by_path("/menu")[0].params["Digits"] == "45"


async def test_get_digits_no_input_retries_then_falls_through(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {})
    app.routes["/answer"] = doc(
        f"<GetDigits action='{app.url('/menu')}' retries='2' timeout='3'><Speak>Pick one</Speak>"
        "</GetDigits><Speak>Goodbye</Speak>"
    )
    t = await simulate(app)
    assert app.paths() == ["/answer", "/hangup"]  # no action request without input
    assert t.heard == ["Speak: Pick one", "Speak: Pick one", "Speak: Goodbye"]
    expected = 2 * (speak_seconds("Pick one") + 3) + speak_seconds("Goodbye")
    assert t.duration_s == pytest.approx(expected)


async def test_get_digits_invalid_digit_is_a_failed_try(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {})
    app.routes["/answer"] = doc(
        f"<GetDigits action='{app.url('/menu')}' validDigits='12' retries='2' numDigits='1' "
        "invalidDigitsSound='https://a/invalid.mp3'/>"
    )
    t = await simulate(app, inputs=["9", "2"])
    assert t.heard == ["Play: https://a/invalid.mp3"]
    assert app.paths() == ["/answer", "/menu", "/hangup"]
    assert app.received[1].params["Digits"] == "2"


async def test_get_input_speech(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {})
    app.routes["/answer"] = doc(
        f"<GetInput action='{app.url('/heard')}' inputType='speech'><Speak>Say it</Speak></GetInput>"
    )
    t = await simulate(app, inputs=["speech:yes please"])
    heard = app.by_path("/heard")[0].params
    assert heard["InputType"] == "speech"
    assert heard["Speech"] == "yes please"
    assert float(heard["SpeechConfidenceScore"]) > 0
    assert t.pressed == ["speech:yes please"]


async def test_get_input_dtmf_only_ignores_speech(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {})
    app.routes["/answer"] = doc(f"<GetInput action='{app.url('/in')}' inputType='dtmf'/>")
    t = await simulate(app, inputs=["speech:hello"])
    assert app.paths() == ["/answer", "/hangup"]
    assert any("ignored" in e.text for e in t.events)


async def test_redirect_false_calls_the_action_and_goes_on(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {})
    app.routes["/answer"] = doc(
        f"<GetDigits action='{app.url('/log')}' redirect='false' numDigits='1'/>"
        "<Speak>Next element</Speak>"
    )
    app.routes["/log"] = doc("<Speak>ignored reply</Speak>")
    t = await simulate(app, inputs=["5"])
    assert app.paths() == ["/answer", "/log", "/hangup"]
    assert t.heard == ["Speak: Next element"]
    assert t.ok


@pytest.mark.parametrize(
    ("reply", "code", "name"),
    [
        ((500, "text/plain", "boom"), 7012, "Error Reaching Action URL"),
        ((200, "text/xml", "<Response><Say>hi</Say></Response>"), 8012, "Invalid Action XML"),
        ((200, "text/plain", ""), 8012, "Invalid Action XML"),
    ],
)
async def test_action_failure_ends_the_call(
    aiohttp_server: Any, reply: tuple[int, str, str], code: int, name: str
) -> None:
    app = await serve(aiohttp_server, {"/act": reply})
    app.routes["/answer"] = doc(
        f"<GetDigits action='{app.url('/act')}' numDigits='1'/><Speak>after</Speak>"
    )
    t = await simulate(app, inputs=["1"])
    assert app.paths() == ["/answer", "/act", "/hangup"]
    hangup = app.received[-1].params
    assert hangup["HangupCauseCode"] == str(code)
    assert hangup["HangupCauseName"] == name
    assert hangup["HangupSource"] == "Error"
    assert not t.ok and "GetDigits action" in t.app_errors[0]


async def test_relative_action_url_is_invalid_action_url(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {"/answer": doc("<GetDigits action='/menu'/>")})
    t = await simulate(app, inputs=["1#"])
    assert app.paths() == ["/answer", "/hangup"]
    assert app.received[-1].params["HangupCauseCode"] == "7022"
    assert not t.ok


@pytest.mark.parametrize(
    ("reply", "code"),
    [
        ((404, "text/plain", "not found"), 7011),
        ((503, "text/xml", "<Response/>"), 7011),
        ((200, "application/json", '{"ok": true}'), 8011),
        ((200, "text/xml", ""), 8011),
        ((200, "text/xml", "<Response><Speak>unclosed</Response>"), 8011),
    ],
)
async def test_answer_failure(aiohttp_server: Any, reply: tuple[int, str, str], code: int) -> None:
    app = await serve(aiohttp_server, {"/answer": reply})
    t = await simulate(app)
    assert app.paths() == ["/answer", "/hangup"]  # 4xx/5xx are not retried by default (rp=ct,rt)
    hangup = app.received[-1].params
    assert hangup["HangupCauseCode"] == str(code)
    assert hangup["HangupSource"] == "Error"
    assert hangup["AnswerTime"] == "" and hangup["Duration"] == "0"
    assert t.hangup_code == code and not t.ok


async def test_answer_failure_uses_the_fallback_url(aiohttp_server: Any) -> None:
    app = await serve(
        aiohttp_server,
        {"/answer": (500, "text/plain", "down"), "/fallback": doc("<Speak>Sorry</Speak>")},
    )
    t = await simulate(app, fallback_url=app.url("/fallback"))
    assert app.paths() == ["/answer", "/fallback", "/hangup"]
    assert app.received[1].params["Event"] == "StartApp"
    assert app.received[1].params["CallUUID"] == app.received[0].params["CallUUID"]
    assert t.heard == ["Speak: Sorry"]
    assert t.hangup_code == 4010
    assert not t.ok  # the answer URL still failed: exit 1 names it


async def test_retry_fragment_retries_5xx(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {"/answer": (500, "text/plain", "down")})
    t = await simulate(app, answer_url=app.url("/answer#rc=2&rp=5xx"))
    assert app.paths() == ["/answer", "/answer", "/answer", "/hangup"]
    assert "after 3 attempts" in t.app_errors[0]


async def test_read_timeout_is_retried_then_7011(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {"/answer": doc("<Speak>late</Speak>")})
    app.delays["/answer"] = 1.0
    t = await simulate(app, answer_url=app.url("/answer#rt=200"))
    assert app.paths() == ["/answer", "/answer", "/hangup"]  # rc=1 retry on rt by default
    assert t.hangup_code == 7011
    assert "timed out" in t.app_errors[0]


async def test_dead_host_is_7011(aiohttp_server: Any, unused_tcp_port: int) -> None:
    app = await serve(aiohttp_server, {})
    t = await simulate(app, answer_url=f"http://127.0.0.1:{unused_tcp_port}/answer")
    assert app.paths() == ["/hangup"]
    assert app.received[0].params["HangupCauseCode"] == "7011"
    assert "could not connect" in t.app_errors[0]


async def test_record_action_callback_and_transcription(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {})
    app.routes["/answer"] = doc(
        f"<Record action='{app.url('/rec')}' callbackUrl='{app.url('/ready')}' "
        f"transcriptionUrl='{app.url('/text')}' maxLength='10' fileFormat='wav'/>"
    )
    app.routes["/rec"] = doc("<Speak>Thanks</Speak>")
    t = await simulate(app, records=["12:call me back"])
    assert app.paths() == ["/answer", "/rec", "/ready", "/text", "/hangup"]
    rec, ready, text = app.received[1].params, app.received[2].params, app.received[3].params
    assert rec["RecordingDuration"] == "10"  # maxLength cuts 12 s
    assert rec["RecordingDurationMs"] == "10000"
    assert rec["RecordUrl"].endswith(f"{rec['RecordingID']}.wav")
    assert rec["Digits"] == ""
    assert ready["RecordingID"] == rec["RecordingID"] and "Digits" not in ready
    assert text["transcription"] == "call me back"
    assert text["recording_id"] == rec["RecordingID"]
    assert text["call_uuid"] == t.ident
    assert t.heard == ["Speak: Thanks"]


async def test_dial_answered_events_and_action(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {})
    app.routes["/answer"] = doc(
        f"<Dial action='{app.url('/dialed')}' callbackUrl='{app.url('/dialevents')}' "
        "callerId='14155550000'><Number>14155550123</Number></Dial>"
    )
    t = await simulate(app, dials=["answered:42"])
    assert app.paths() == ["/answer", *["/dialevents"] * 3, "/dialed", "/hangup"]
    events = [r.params for r in app.by_path("/dialevents")]
    assert [e["DialAction"] for e in events] == ["answer", "connected", "hangup"]
    assert events[0]["DialBLegTo"] == "14155550123"
    assert events[0]["DialBLegFrom"] == "14155550000"
    assert events[2]["DialBLegDuration"] == "42"
    assert events[2]["DialBLegBillDuration"] == "60"
    action = app.by_path("/dialed")[0].params
    assert action["DialStatus"] == "completed"
    assert action["DialALegUUID"] == t.ident
    assert action["DialBLegUUID"] == events[0]["DialBLegUUID"] != ""
    assert t.duration_s >= 42


@pytest.mark.parametrize(
    ("outcome", "status", "ring"), [("busy", "busy", "false"), ("no-answer", "no-answer", "true")]
)
async def test_dial_not_answered(aiohttp_server: Any, outcome: str, status: str, ring: str) -> None:
    app = await serve(aiohttp_server, {})
    app.routes["/answer"] = doc(
        f"<Dial action='{app.url('/dialed')}' timeout='20'><User>sip:bob@example.com</User></Dial>"
    )
    await simulate(app, dials=[outcome])
    action = app.by_path("/dialed")[0].params
    assert action["DialStatus"] == status
    assert action["DialRingStatus"] == ring
    assert action["DialBLegUUID"] == ""


async def test_redirect_runs_the_new_document(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {"/next": doc("<Speak>Moved</Speak>")})
    app.routes["/answer"] = doc(
        f"<Redirect method='GET'>{app.url('/next')}</Redirect><Speak>dead code</Speak>"
    )
    t = await simulate(app)
    assert app.paths() == ["/answer", "/next", "/hangup"]
    assert app.received[1].method == "GET"
    assert t.heard == ["Speak: Moved"]


async def test_redirect_to_invalid_xml_is_8014(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {"/next": (200, "text/html", "<html></html>")})
    app.routes["/answer"] = doc(f"<Redirect>{app.url('/next')}</Redirect>")
    t = await simulate(app)
    assert t.hangup_code == 8014


async def test_hangup_reason_rejected_before_answer(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {"/answer": doc("<Hangup reason='rejected'/>")})
    t = await simulate(app)
    hangup = app.received[-1].params
    assert hangup["HangupCauseCode"] == "3020"
    assert hangup["HangupSource"] == "Answer XML"
    assert hangup["AnswerTime"] == "" and hangup["Duration"] == "0"
    assert t.ok


async def test_hangup_schedule_keeps_running_then_ends(aiohttp_server: Any) -> None:
    app = await serve(
        aiohttp_server,
        {"/answer": doc("<Hangup schedule='7'/><Play loop='0'>https://a/m.mp3</Play>")},
    )
    t = await simulate(app)
    assert t.hangup_code == 6000
    assert t.duration_s == pytest.approx(7)
    assert app.received[-1].params["Duration"] == "7"


async def test_max_duration_is_scheduled_hangup(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {"/answer": doc("<Speak loop='0'>Hold please</Speak>")})
    t = await simulate(app, max_duration=90)
    hangup = app.received[-1].params
    assert hangup["HangupCauseCode"] == "6000"
    assert hangup["HangupCauseName"] == "Scheduled Hangup"
    assert hangup["Duration"] == "90" and hangup["BillDuration"] == "120"
    assert t.duration_s == 90


async def test_preanswer_does_not_answer(aiohttp_server: Any) -> None:
    app = await serve(
        aiohttp_server,
        {
            "/answer": doc(
                "<PreAnswer><Speak>Ringing tone</Speak></PreAnswer><Hangup reason='busy'/>"
            )
        },
    )
    t = await simulate(app)
    hangup = app.received[-1].params
    assert hangup["AnswerTime"] == ""
    assert hangup["HangupCauseCode"] == "3010"
    assert hangup["CallStatus"] == "busy"
    assert t.heard == ["Speak: Ringing tone"]


async def test_outbound_machine_detection_params(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {"/answer": doc("<Wait length='10' beep='true'/>")})
    t = await simulate(app, direction="outbound", machine="machine")
    for received in app.received:
        assert received.params["Machine"] == "true"
        assert received.params["Direction"] == "outbound"
        assert received.params["ALegUUID"] == t.ident
    assert app.received[0].params["CallStatus"] == "in-progress"
    assert t.duration_s == pytest.approx(4)  # the voicemail beep ends the Wait


async def test_dtmf_and_message_in_a_call(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {})
    app.routes["/answer"] = doc(
        "<DTMF async='false'>12w</DTMF>"
        f"<Message src='14155550000' dst='14155550001' callbackUrl='{app.url('/sms')}'>Link</Message>"
    )
    t = await simulate(app)
    assert app.paths() == ["/answer", "/sms", "/sms", "/sms", "/hangup"]
    assert [r.params["Status"] for r in app.by_path("/sms")] == ["queued", "sent", "delivered"]
    assert t.duration_s == pytest.approx(1.0)


async def test_conference_alone_waits_for_max_duration(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {})
    app.routes["/answer"] = doc(f"<Conference callbackUrl='{app.url('/conf')}'>Room 1</Conference>")
    t = await simulate(app, max_duration=300)
    assert app.paths() == ["/answer", "/conf", "/conf", "/hangup"]
    enter, leave = (r.params for r in app.by_path("/conf"))
    assert (enter["ConferenceAction"], leave["ConferenceAction"]) == ("enter", "exit")
    assert enter["ConferenceName"] == "Room 1"
    assert t.hangup_code == 6000
    assert any("alone" in e.text for e in t.events)


async def test_conference_time_limit_calls_the_action(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {"/after": doc("<Speak>Conference over</Speak>")})
    app.routes["/answer"] = doc(
        f"<Conference timeLimit='60' action='{app.url('/after')}'>R</Conference>"
    )
    t = await simulate(app)
    assert app.paths() == ["/answer", "/after", "/hangup"]
    assert app.received[1].params["ConferenceName"] == "R"
    assert t.heard == ["Speak: Conference over"]


async def test_multi_party_call_alone(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {})
    app.routes["/answer"] = doc(
        f"<MultiPartyCall role='Agent' statusCallbackUrl='{app.url('/mpc')}'>desk</MultiPartyCall>"
    )
    await simulate(app, max_duration=120)
    names = [r.params["EventName"] for r in app.by_path("/mpc")]
    assert names == ["MPCInitialized", "ParticipantJoin", "MPCStart", "ParticipantExit", "MPCEnd"]
    assert app.by_path("/mpc")[0].params["ParticipantRole"] == "Agent"


async def _stream_bot(aiohttp_server: Any) -> str:
    """A local WebSocket bot (tests/stream_bot.py): simulate opens a real stream session."""
    from tests.stream_bot import Bot

    server = await aiohttp_server(Bot().app())
    return "ws" + str(server.make_url("/ws"))[4:]


async def test_stream_keep_call_alive_until_stream_timeout(
    aiohttp_server: Any, tmp_path: Path
) -> None:
    app = await serve(aiohttp_server, {})
    bot = await _stream_bot(aiohttp_server)
    app.routes["/answer"] = doc(
        f"<Stream keepCallAlive='true' streamTimeout='30' statusCallbackUrl='{app.url('/st')}'>"
        f"{bot}</Stream><Speak>After the stream</Speak>"
    )
    t = await simulate(app, stream_out=tmp_path)
    events = [r.params["Event"] for r in app.by_path("/st")]
    assert events == ["StartStream", "StopStream"]
    assert app.by_path("/st")[1].params["Duration"] == "30"
    assert t.heard == ["Speak: After the stream"]
    assert any(e.type == "stream" and "connected" in e.text for e in t.events)


async def test_stream_in_background_stops_at_hangup(aiohttp_server: Any, tmp_path: Path) -> None:
    app = await serve(aiohttp_server, {})
    bot = await _stream_bot(aiohttp_server)
    app.routes["/answer"] = doc(
        f"<Stream statusCallbackUrl='{app.url('/st')}'>{bot}</Stream>"
        "<Speak>Talking while streaming</Speak>"
    )
    await simulate(app, stream_out=tmp_path)
    assert app.paths() == ["/answer", "/st", "/st", "/hangup"]
    assert [r.params["Event"] for r in app.by_path("/st")] == ["StartStream", "StopStream"]


async def test_seed_makes_the_call_reproducible(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {"/answer": doc("<Speak>Hi</Speak>")})
    first = await simulate(app, seed=11)
    second = await simulate(app, seed=11)
    assert first.ident == second.ident
    assert app.received[0].params["From"] == app.received[2].params["From"]


@pytest.mark.serial  # the virtual clock run within 1 s
async def test_realtime_waits_for_real(aiohttp_server: Any) -> None:
    import time

    app = await serve(aiohttp_server, {"/answer": doc("<Wait length='1'/>")})
    started = time.monotonic()
    await simulate(app, realtime=True)
    assert time.monotonic() - started >= 1.0
    started = time.monotonic()
    await simulate(app)
    assert time.monotonic() - started < 1.0  # the virtual clock does not sleep


async def test_record_session_reports_at_hangup(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {})
    app.routes["/answer"] = doc(
        f"<Record recordSession='true' action='{app.url('/rec')}' redirect='false' "
        f"callbackUrl='{app.url('/ready')}'/><Speak>one two three four five</Speak>"
    )
    await simulate(app)
    assert app.paths() == ["/answer", "/rec", "/ready", "/hangup"]
    first, ready = app.received[1].params, app.received[2].params
    assert first["RecordingDuration"] == "-1"  # session recordings report later
    assert ready["RecordingDuration"] == "2"  # the whole call after the Record element
    assert ready["RecordingID"] == first["RecordingID"]


async def test_dial_time_limit_and_max_duration_end_the_bridge(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {})
    app.routes["/answer"] = doc(
        f"<Dial timeLimit='10' callbackUrl='{app.url('/ev')}'><Number>1</Number></Dial>"
        f"<Dial callbackUrl='{app.url('/ev')}'><Number>2</Number></Dial>"
    )
    t = await simulate(app, dials=["answered:60", "answered:600"], max_duration=100)
    hangups = [r.params for r in app.by_path("/ev") if r.params["DialAction"] == "hangup"]
    assert hangups[0]["DialBLegHangupCauseCode"] == "6000"  # timeLimit cut the first bridge
    assert hangups[0]["DialBLegDuration"] == "10"
    assert hangups[1]["DialBLegTo"] == "2"  # the second bridge ends with the call
    assert t.hangup_code == 6000 and t.duration_s == 100


async def test_invalid_action_method_fails_the_document(aiohttp_server: Any) -> None:
    # Plivo's hangup table has 7032 "Invalid Method For Action URL"; the project's strict
    # checker (plivocb.plivoxml) already rejects method="PUT" in the document, so it is 8011.
    app = await serve(aiohttp_server, {})
    app.routes["/answer"] = doc(f"<GetDigits action='{app.url('/a')}' method='PUT'/>")
    t = await simulate(app, inputs=["1#"])
    assert app.paths() == ["/answer", "/hangup"]
    assert t.hangup_code == 8011 and not t.ok
    assert "method" in t.app_errors[0]


async def test_xml_warnings_are_noted_and_the_call_goes_on(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {"/answer": doc("<Speak colour='red'>Hi</Speak>")})
    t = await simulate(app)
    assert t.heard == ["Speak: Hi"] and t.ok and t.hangup_code == 4010
    assert any(e.type == "note" and "no attribute 'colour'" in e.text for e in t.events)


async def test_conference_wait_sound_is_requested_and_heard(aiohttp_server: Any) -> None:
    app = await serve(aiohttp_server, {"/music": doc("<Play>https://a/hold.mp3</Play>")})
    app.routes["/answer"] = doc(
        f"<Conference startConferenceOnEnter='false' waitSound='{app.url('/music')}'>R</Conference>"
    )
    t = await simulate(app, max_duration=60)
    assert app.paths() == ["/answer", "/music", "/hangup"]
    assert t.heard == ["Play: https://a/hold.mp3"]
