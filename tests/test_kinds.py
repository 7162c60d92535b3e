"""Every callback Plivo sends gets its own kind, and the kind decides what Plivo reads back."""

import pytest

from plivocb.callbacks import KINDS, Problem, classify, field_problems, reply
from plivocb.form import parse_query

CALL = {
    "CallUUID": ["c490f944-013f-4baa-b0eb-af87113bc8f7"],
    "From": ["14155550100"],
    "To": ["14155550199"],
    "Direction": ["outbound"],
    "CallStatus": ["in-progress"],
}
AFTER_HANGUP = {"HangupCause": ["NORMAL_CLEARING"], "Duration": ["12"], "CallStatus": ["completed"]}


def p(**extra: str) -> dict[str, list[str]]:
    return {**CALL, **{k: [v] for k, v in extra.items()}}


# (name, params, path, expected kind, expected reply) — one row per row of Plivo's callback table.
CASES = [
    ("answer", p(Event="StartApp"), "/x", "answer", "xml"),
    ("inbound answer", p(CallStatus="ringing"), "/x", "answer", "xml"),
    ("redirect", p(Event="Redirect"), "/x", "answer", "xml"),
    ("ring", p(Event="Ring", CallStatus="ringing"), "/answer", "ring", "none"),
    (
        "async amd",
        p(Event="MachineDetection", Machine="true", IfMachine="continue"),
        "/",
        "machine_detection",
        "none",
    ),
    ("sync amd answer", p(Event="StartApp", Machine="false"), "/", "answer", "xml"),
    (
        "hangup",
        p(Event="Hangup", HangupCauseCode="4000", Duration="3"),
        "/answer",
        "hangup",
        "none",
    ),
    ("app hangup, no Event", p(HangupCauseCode="4000", Duration="3"), "/", "hangup", "none"),
    ("getdigits action", p(Digits="12"), "/", "digits", "xml"),
    (
        "getinput action",
        p(InputType="speech", Speech="sales", SpeechConfidenceScore="0.9", Digits=""),
        "/",
        "digits",
        "xml",
    ),
    ("getdigits after hangup", {**p(Digits="1"), **AFTER_HANGUP}, "/", "digits", "xml"),
    (
        "interim speech",
        p(StableSpeech="I want", UnstableSpeech=" to", Stability="0.8", SequenceNumber="2"),
        "/",
        "input_partial",
        "none",
    ),
    (
        "record action",
        p(RecordUrl="https://m/r.mp3", RecordingID="r1", Digits="#"),
        "/",
        "recording",
        "xml",
    ),
    (
        "record action after hangup",
        {**p(RecordUrl="https://m/r.mp3", RecordingID="r1", Digits=""), **AFTER_HANGUP},
        "/",
        "recording",
        "xml",
    ),
    (
        "record callbackUrl",
        p(RecordUrl="https://m/r.mp3", RecordingID="r1", RecordingDuration="5"),
        "/",
        "recording",
        "none",
    ),
    (
        "record API callback",
        {"record_url": ["https://m/r.mp3"], "recording_id": ["r1"], "call_uuid": ["c"]},
        "/",
        "recording",
        "none",
    ),
    (
        "transcription",
        {"transcription": ["hello"], "recording_id": ["r1"], "call_uuid": ["c"], "duration": ["5"]},
        "/",
        "transcription",
        "none",
    ),
    (
        "dial action",
        p(DialStatus="completed", DialRingStatus="true", DialBLegUUID="b"),
        "/",
        "dial",
        "xml",
    ),
    (
        "dial action after hangup",
        {**p(DialStatus="no-answer", DialBLegUUID=""), **AFTER_HANGUP},
        "/",
        "dial",
        "xml",
    ),
    (
        "dial callbackUrl",
        p(DialAction="answer", DialBLegUUID="b", DialBLegStatus="answer"),
        "/",
        "dial_callback",
        "none",
    ),
    (
        "conference action",
        p(ConferenceName="room", ConferenceUUID="u", ConferenceMemberID="7"),
        "/",
        "conference",
        "xml",
    ),
    (
        "conference callbackUrl",
        p(ConferenceAction="enter", ConferenceName="room", ConferenceUUID="u"),
        "/",
        "conference",
        "none",
    ),
    (
        "conference record",
        p(
            ConferenceAction="record",
            ConferenceUUID="u",
            RecordUrl="https://m/r.mp3",
            RecordingID="r",
        ),
        "/",
        "conference",
        "none",
    ),
    (
        "mpc status",
        {"EventName": ["MPCStart"], "MPCUUID": ["m"], "MPCName": ["n"]},
        "/",
        "mpc",
        "none",
    ),
    (
        "mpc on exit",
        {
            "MPCUUID": ["m"],
            "MPCFriendlyName": ["n"],
            "MemberID": ["1"],
            "ParticipantCallUUID": ["c"],
        },
        "/",
        "mpc",
        "xml",
    ),
    (
        "stream status",
        {"Event": ["StartStream"], "StreamID": ["s"], "CallUUID": ["c"]},
        "/",
        "stream_status",
        "none",
    ),
    (
        "stream dropped",
        {"Event": ["DroppedStream"], "CallUUID": ["c"]},
        "/",
        "stream_status",
        "none",
    ),
    (
        "sms",
        {"MessageUUID": ["m"], "From": ["1"], "To": ["2"], "Text": ["hi"], "Type": ["sms"]},
        "/",
        "message",
        "message",
    ),
    ("dlr", {"MessageUUID": ["m"], "Status": ["delivered"]}, "/", "message_status", "none"),
    ("unknown", {"foo": ["bar"]}, "/", "other", "none"),
]


@pytest.mark.parametrize(
    ("name", "params", "path", "kind", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_each_callback_gets_its_kind_and_reply(
    name: str, params: dict[str, list[str]], path: str, kind: str, expected: str
) -> None:
    assert classify(params, path) == kind
    assert reply(kind, params) == expected


def test_every_kind_is_covered_and_named_as_the_table_says() -> None:
    assert set(KINDS) == {c[3] for c in CASES}
    assert KINDS == (
        "answer",
        "ring",
        "machine_detection",
        "hangup",
        "digits",
        "input_partial",
        "recording",
        "transcription",
        "dial",
        "dial_callback",
        "conference",
        "mpc",
        "stream_status",
        "message",
        "message_status",
        "other",
    )


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/ring", "ring"),
        ("/amd/", "machine_detection"),
        ("/transcription", "transcription"),
        ("/conference", "conference"),
        ("/mpc", "mpc"),
        ("/stream-status", "stream_status"),
        ("/hooks/dlr", "message_status"),
    ],
)
def test_path_hints_only_when_params_say_nothing(path: str, kind: str) -> None:
    assert classify({}, path) == kind
    assert classify(p(Event="StartApp"), path) == "answer"


def test_recording_with_nothing_to_tell_action_from_callback_expects_xml() -> None:
    assert reply("recording", {}) == "xml"


def test_transcription_needs_no_record_url_and_validates_clean() -> None:
    params = parse_query(
        "transcription=hello+there&transcription_charge=0.05&transcription_rate=0.05"
        "&duration=5&call_uuid=c490f944-013f-4baa-b0eb-af87113bc8f7&recording_id=r1&error="
    )
    assert classify(params) == "transcription"
    assert field_problems("transcription", params) == []


def test_per_kind_required_fields() -> None:
    assert Problem("SequenceNumber", "missing required field") in field_problems(
        "input_partial", {"StableSpeech": ["x"]}
    )
    assert Problem("DialAction", "missing required field") in field_problems(
        "dial_callback", {"DialBLegUUID": ["b"]}
    )
    assert Problem("DialStatus", "missing required field") in field_problems("dial", dict(CALL))
    assert Problem("Machine", "missing required field") in field_problems(
        "machine_detection", p(Event="MachineDetection")
    )
    assert Problem("StreamID", "missing required field") in field_problems(
        "stream_status", {"Event": ["StopStream"]}
    )
    assert Problem("MPCUUID", "missing required field") in field_problems(
        "mpc", {"EventName": ["x"]}
    )


def test_warnings_for_what_real_traffic_shows_errors_for_what_plivo_never_sends() -> None:
    hangup = p(
        Event="Hangup",
        Duration="0",
        BillDuration="0",
        HangupCauseCode="1000",
        HangupCauseName="Cancelled",
        CallStatus="cancelled",
    )
    found = field_problems("hangup", hangup)
    assert {(x.field, x.severity) for x in found} == {
        ("HangupCauseName", "warning"),
        ("CallStatus", "warning"),
    }
    assert str(found[0]).startswith("warning: ")
    for code in ("5030", "4210"):
        assert [
            x.severity
            for x in field_problems(
                "hangup",
                dict(
                    hangup, HangupCauseCode=[code], HangupCauseName=["x"], CallStatus=["canceled"]
                ),
            )
        ] == ["warning"]
    wrong = field_problems(
        "hangup", dict(hangup, HangupCauseName=["Normal Hangup"], CallStatus=["dancing"])
    )
    assert {(x.field, x.severity) for x in wrong} == {
        ("HangupCauseName", "error"),
        ("CallStatus", "error"),
    }
    assert [
        x.severity
        for x in field_problems(
            "hangup",
            dict(
                hangup,
                HangupSource=["Gremlin"],
                HangupCauseName=["Canceled"],
                CallStatus=["canceled"],
            ),
        )
    ] == ["warning"]
