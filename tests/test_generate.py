"""Generated calls could really happen: the hangup cause decides the call's life."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from plivocb import fixture as fx
from plivocb.callbacks import classify, field_problems
from plivocb.cli import main
from plivocb.fields import HANGUP_CAUSES, SMS_ERROR_CODES
from plivocb.generate import Generator
from plivocb.scenarios import SCENARIOS, Spec, scenario

AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
AFTER_ANSWER = (4000, 4010, 4020, 4030, 6000, 6020, 8011, 8012, 9100)
BEFORE_ANSWER = (1000, 1010, 2000, 2010, 3000, 3010, 3020, 3050, 6010)


def gen(seed: int = 1, tz: str = "UTC") -> Generator:
    return Generator(rng=random.Random(seed), now=AT, tz=ZoneInfo(tz))


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


@pytest.mark.parametrize("code", sorted(HANGUP_CAUSES))
def test_every_cause_gives_a_hangup_plivo_could_send(code: int) -> None:
    g = gen()
    hangup = g.hangup(g.answer("outbound"), 42, code)
    params = {k: [v] for k, v in hangup.items()}
    assert field_problems("hangup", params) == []
    assert hangup["HangupCauseName"] == HANGUP_CAUSES[code]
    if hangup["AnswerTime"]:
        assert int(hangup["Duration"]) > 0 and hangup["CallStatus"] == "completed"
    else:
        assert (hangup["Duration"], hangup["BillDuration"], hangup["TotalCost"]) == (
            "0",
            "0",
            "0.00000",
        )
        assert hangup["CallStatus"] in ("busy", "no-answer", "failed", "timeout", "canceled")


@pytest.mark.parametrize("code", AFTER_ANSWER)
def test_causes_after_answer_are_answered(code: int) -> None:
    g = gen()
    h = g.hangup(g.answer("outbound"), 42, code)
    assert h["AnswerTime"] and int(h["Duration"]) > 0 and h["CallStatus"] == "completed"


@pytest.mark.parametrize("code", BEFORE_ANSWER)
def test_causes_before_answer_are_never_answered(code: int) -> None:
    g = gen()
    h = g.hangup(g.answer("outbound"), 42, code)
    assert (h["AnswerTime"], h["Duration"], h["BillDuration"]) == ("", "0", "0")


@pytest.mark.parametrize(
    ("code", "source", "status", "legacy"),
    [
        (1000, "API Request", "canceled", "ORIGINATOR_CANCEL"),
        (4010, "Plivo", "completed", "NORMAL_CLEARING"),
        (8011, "Error", "completed", "NORMAL_CLEARING"),
        (9100, "Plivo", "completed", "NORMAL_CLEARING"),
        (2010, "Carrier", "failed", "DESTINATION_OUT_OF_ORDER"),
        (3010, "Callee", "busy", "USER_BUSY"),
        (3000, "Carrier", "no-answer", "NO_ANSWER"),
        (6010, "Plivo", "timeout", "NO_ANSWER"),
    ],
)
def test_source_status_and_legacy_name_follow_the_code(
    code: int, source: str, status: str, legacy: str
) -> None:
    g = gen()
    h = g.hangup(g.answer("outbound"), 42, code)
    assert (h["HangupSource"], h["CallStatus"], h["HangupCause"]) == (source, status, legacy)


def test_normal_hangup_is_either_party() -> None:
    sources = {gen(seed).hangup(gen(seed).answer(), 42, 4000)["HangupSource"] for seed in range(20)}
    assert sources == {"Caller", "Callee"}


def test_an_unanswered_outbound_call_sends_no_answer_callback() -> None:
    events = scenario(gen(), Spec("call", direction="outbound", cause=3000))
    assert [k for k, _, _ in events] == ["ring", "hangup"]
    answered = scenario(
        gen(), Spec("call", direction="outbound", cause=4000, digits="1", record=True)
    )
    assert [k for k, _, _ in answered] == ["ring", "answer", "digits", "recording", "hangup"]
    inbound = scenario(gen(), Spec("call", direction="inbound", cause=1000))
    assert [k for k, _, _ in inbound] == ["answer", "hangup"]  # inbound: requested while ringing


def test_times_are_in_the_account_time_zone_and_session_start_in_utc() -> None:
    events = scenario(gen(tz="Asia/Kolkata"), Spec("call", talk_seconds=30))
    answer = events[0][1]
    kind, hangup, at = events[-1]
    assert kind == "hangup"
    assert answer["SessionStart"] == "2026-11-26 12:00:00.000000"  # UTC
    assert hangup["StartTime"] == "2026-11-26 17:30:00"  # +05:30
    end = datetime.strptime(hangup["EndTime"], "%Y-%m-%d %H:%M:%S").replace(
        tzinfo=ZoneInfo("Asia/Kolkata")
    )
    assert end == at  # the event time is EndTime
    answered = datetime.strptime(hangup["AnswerTime"], "%Y-%m-%d %H:%M:%S").replace(
        tzinfo=ZoneInfo("Asia/Kolkata")
    )
    assert (end - answered).total_seconds() == int(hangup["Duration"]) == 30


def test_scenarios_sort_by_time() -> None:
    for what in SCENARIOS:
        events = scenario(gen(), Spec(what, digits="1", record=True, amd="human"))
        times = [t for _, _, t in events]
        assert times == sorted(times), what


def test_sms_error_codes_come_from_plivos_table() -> None:
    codes = set()
    for seed in range(30):
        g = gen(seed)
        [*_, last] = g.message_status(g.message(), ("queued", "sent", "undelivered"))
        codes.add(int(last["ErrorCode"]))
    assert codes <= set(SMS_ERROR_CODES) and len(codes) > 3
    g = gen()
    delivered = g.message_status(g.message())
    assert all("ErrorCode" not in r for r in delivered)


def test_mms_media_keys_start_at_one() -> None:
    mms = gen().message("mms")
    assert mms["MediaCount"] == "2" and {"Media1", "Media2"} <= set(mms) and "Media0" not in mms


def test_sip_headers_and_machine_ride_on_every_callback_of_the_call() -> None:
    events = scenario(
        gen(),
        Spec(
            "call", direction="outbound", amd="machine", cause=9100, sip_headers={"Tenant": "acme"}
        ),
    )
    assert [k for k, _, _ in events] == ["ring", "answer", "machine_detection", "hangup"]
    for _, params, _ in events:
        assert params["X-PH-Tenant"] == "acme" and params["Machine"] == "true"
    sip = gen().answer("outbound", to="sip:alice@example.com")
    assert sip["SIP-H-To"].startswith("<sip:alice@example.com>;tag=")


NEW_KINDS = [
    ("ring", [], ["ring"]),
    ("machine_detection", ["--amd", "machine"], ["machine_detection"]),
    ("digits", ["--speech", "sales please"], ["digits"]),
    ("input_partial", [], ["input_partial"] * 3),
    ("transcription", [], ["recording", "transcription"]),
    ("dial_callback", [], ["dial_callback"] * 2),
    ("conference", [], ["conference"] * 3),
    ("mpc", [], ["mpc"] * 3),
    ("stream_status", [], ["stream_status"] * 2),
    ("message_status", ["--status", "failed"], ["message_status"] * 2),
    ("message", ["--type", "mms"], ["message"]),
    ("call", ["--direction", "outbound", "--cause", "3010"], ["ring", "hangup"]),
    ("call", ["--tz", "America/New_York", "--sip-header", "Tenant=acme"], ["answer", "hangup"]),
]


@pytest.mark.parametrize(("kind", "extra", "expected"), NEW_KINDS)
def test_fixtures_new_every_kind_validates_clean(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    kind: str,
    extra: list[str],
    expected: list[str],
) -> None:
    code, out, err = cli(
        capsys,
        "fixtures",
        "new",
        kind,
        "--out",
        str(tmp_path),
        "--seed",
        "7",
        "--at",
        "2026-11-26T12:00:00Z",
        *extra,
    )
    assert code == 0, err
    paths = list(fx.iter_paths([str(tmp_path)]))
    loaded = [fx.load(p) for p in paths]
    assert [f.kind for f in loaded] == expected
    for f in loaded:
        assert classify(f.params, f.request.path) == f.kind
    code, out, _ = cli(capsys, "fixtures", "validate", "--strict", str(tmp_path))
    assert code == 0, out
    # file names (time first) sort as the events happened, and the file time is the event time
    times = [f.received_at for f in loaded]
    assert times == sorted(times)
    for f in loaded:
        if f.kind == "hangup":
            tz = ZoneInfo(extra[extra.index("--tz") + 1]) if "--tz" in extra else UTC
            end = datetime.strptime(f.params["EndTime"][0], "%Y-%m-%d %H:%M:%S").replace(tzinfo=tz)
            assert f.received_at == end


def test_fixtures_new_rejects_bad_options(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for args, message in (
        (["--tz", "Mars/Olympus"], "--tz"),
        (["--amd", "maybe"], "--amd"),
        (["--status", "lost"], "--status"),
        (["--sip-header", "novalue"], "--sip-header"),
    ):
        code, _, err = cli(capsys, "fixtures", "new", "call", "--out", str(tmp_path), *args)
        assert code == 2 and message in err, err


def test_count_spreads_calls_a_minute_apart() -> None:
    g = gen()
    first = scenario(g, Spec("hangup"))
    g.now = AT + timedelta(minutes=1)
    second = scenario(g, Spec("hangup"))
    assert second[0][2] - first[0][2] >= timedelta(seconds=1)
