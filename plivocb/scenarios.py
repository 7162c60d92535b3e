"""Whole generated calls and conversations for `fixtures new`: which callbacks, in what order.

Each scenario is a list of (kind, params, event time), sorted by time; the fixture file's time
is the event's (a hangup's is its EndTime). An outbound call nobody answers sends no answer
callback (Plivo requests the answer URL only once the callee answers): ring, then hangup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from plivocb import defaults
from plivocb.choices import STREAM, MessageOutcome, NewKind
from plivocb.generate import Generator, Params, Plan

if TYPE_CHECKING:
    from plivocb.streams.protocol import AudioFormat

# Every callback kind (the catch-all `other` is never generated), then the whole flows; the
# choices module defines the list (with `stream`, which plivocb.streams.synth generates).
SCENARIOS = tuple(kind.value for kind in NewKind if kind != STREAM)
# Kinds that only exist on outbound (API) calls: ring_url and machine_detection_url are Make
# Call parameters (reference §1.3, §1.6).
OUTBOUND_ONLY = ("ring", "machine_detection")
MESSAGE_OUTCOMES: dict[str, tuple[str, ...]] = {
    MessageOutcome.DELIVERED: ("queued", "sent", "delivered"),
    MessageOutcome.SENT: ("queued", "sent"),
    MessageOutcome.UNDELIVERED: ("queued", "sent", "undelivered"),
    MessageOutcome.FAILED: ("queued", "failed"),
    MessageOutcome.READ: ("queued", "sent", "delivered", "read"),
}

Event = tuple[str, Params, datetime]


@dataclass
class Spec:
    """What `fixtures new` was asked for."""

    what: str
    direction: str = defaults.DIRECTION
    message_type: str = defaults.MESSAGE_TYPE
    frm: str = ""
    to: str = ""
    digits: str = ""
    record: bool = False
    talk_seconds: int = defaults.TALK_SECONDS
    cause: int = defaults.HANGUP_CAUSE
    speech: str = ""
    amd: str = ""  # "", "human" or "machine": machine detection on the call
    sip_headers: dict[str, str] = field(default_factory=dict)  # sent as X-PH-<Name>
    status: str = defaults.MESSAGE_OUTCOME  # a message's final delivery status


@dataclass
class NewOptions:
    """Everything `fixtures new` takes, parsed and checked; the defaults are plivocb.defaults'."""

    spec: Spec  # what to generate (spec.what: a SCENARIOS entry, or stream)
    out: Path = defaults.GENERATED_DIR
    count: int = defaults.COUNT  # calls / messages / sessions, a minute apart
    overrides: dict[str, str] = field(default_factory=dict)  # set in every callback's params
    zone: tzinfo = field(default_factory=lambda: ZoneInfo(defaults.TIME_ZONE))
    seed: int | None = None  # reproducible UUIDs and numbers
    start: datetime | None = None  # when the first callback arrives; None: now
    stream_seconds: float = defaults.STREAM_SECONDS  # stream: seconds of caller audio
    stream_format: AudioFormat | None = None  # stream: None is defaults.STREAM_CONTENT_TYPE


def write_fixtures(opts: NewOptions) -> list[Path]:
    """Generate and save what `opts` asks for; the files written, in time order."""
    import random

    from plivocb.callbacks import group_uuid
    from plivocb.fixture.store import save
    from plivocb.generate import to_fixture

    start = opts.start or datetime.now(UTC)
    rng = random.Random(opts.seed)
    if opts.spec.what == STREAM:
        from plivocb.streams.protocol import parse_content_type
        from plivocb.streams.synth import write_session

        fmt = opts.stream_format or parse_content_type(defaults.STREAM_CONTENT_TYPE)
        assert fmt is not None
        digits = opts.spec.digits or defaults.STREAM_DIGITS
        return [
            write_session(
                opts.out, start + timedelta(minutes=i), fmt, opts.stream_seconds, digits, rng
            )
            for i in range(opts.count)
        ]
    gen = Generator(rng=rng, now=start, tz=opts.zone)
    events = []
    for i in range(opts.count):
        gen.now = start + timedelta(minutes=i)
        for event_kind, params, when in scenario(gen, opts.spec):
            params.update(opts.overrides)
            events.append((when, event_kind, params))
    written: list[Path] = []
    for when, event_kind, params in sorted(events, key=lambda e: e[0]):  # files in time order
        fixture = to_fixture(params, event_kind, when)
        written.append(save(fixture, opts.out, group_uuid(fixture.params)))
    return written


def scenario(gen: Generator, spec: Spec) -> list[Event]:
    """(kind, params, event time) for one generated item of `spec.what`, in time order."""
    if spec.what in ("message", "message_status", "conversation"):
        return _messages(gen, spec)
    direction = "outbound" if spec.what in OUTBOUND_ONLY or spec.amd else spec.direction
    call = gen.answer(direction, spec.frm, spec.to)
    # sipHeaders on the call come back on every request as X-PH-<Name> (reference §1.1)
    call.update({f"X-PH-{k}": v for k, v in spec.sip_headers.items()})
    if spec.amd:
        # with machine_detection set, every URL the call invokes gets Machine (reference §1.2)
        call["Machine"] = "true" if spec.amd == "machine" else "false"
    plan = gen.plan(spec.cause, spec.talk_seconds)
    events = _call_events(gen, spec, call, plan)
    return sorted(events, key=lambda e: e[2])


def _within(plan: Plan, seconds: float) -> datetime:
    """A moment `seconds` into the answered part of the call, before it ends."""
    assert plan.answered_at is not None
    latest = plan.end - timedelta(milliseconds=500)
    return min(plan.answered_at + timedelta(seconds=seconds), latest)


def _call_events(gen: Generator, spec: Spec, call: Params, plan: Plan) -> list[Event]:
    what = spec.what
    answered = plan.answered_at
    outbound = call["Direction"] == "outbound"
    answer_at = answered if outbound and answered else plan.start
    answer: Event = ("answer", call, answer_at)
    hangup: Event = ("hangup", gen.hangup(call, plan=plan), plan.end)
    if what == "answer":
        return [answer]
    if what == "hangup":
        return [hangup]
    if what == "ring":
        return [("ring", gen.ring(call), plan.start)]
    if what == "call":
        return _whole_call(gen, spec, call, plan, answer, hangup)
    if answered is None:
        answered_plan = gen.plan(4000, spec.talk_seconds, plan.start)  # these need a live call
        return _call_events(gen, spec, call, answered_plan)
    if what == "machine_detection":
        machine = spec.amd != "human"
        return [("machine_detection", gen.machine_detection(call, machine), _within(plan, 3))]
    if what == "digits":
        return [("digits", gen.digits(call, spec.digits or "1", spec.speech), _within(plan, 5))]
    if what == "input_partial":
        speech = spec.speech or "I would like to talk to sales"
        return [
            ("input_partial", gen.input_partial(call, speech, n, n == 3), _within(plan, 2 + n / 2))
            for n in (1, 2, 3)
        ]
    if what == "recording":
        return [("recording", gen.recording(call, min(12, plan.talk)), _within(plan, 20))]
    if what == "transcription":
        rec = gen.recording(call, min(12, plan.talk), action=False)
        return [
            ("recording", rec, _within(plan, 20)),
            ("transcription", gen.transcription(rec), plan.end + timedelta(seconds=30)),
        ]
    if what == "dial":
        return [("dial", gen.dial(call), plan.end)]
    if what == "dial_callback":
        b_leg, b_to = gen.uuid(), gen.number()
        return [
            ("dial_callback", gen.dial_callback(call, "answer", b_leg, b_to), _within(plan, 6)),
            (
                "dial_callback",
                gen.dial_callback(call, "hangup", b_leg, b_to, max(1, plan.talk - 7)),
                plan.end,
            ),
        ]
    if what == "conference":
        room, conf, member = "support-room", gen.uuid(), str(gen.rng.randrange(1000, 99999))
        return [
            ("conference", gen.conference(call, room, conf, member, "enter"), _within(plan, 2)),
            ("conference", gen.conference(call, room, conf, member, "exit"), plan.end),
            (
                "conference",
                gen.conference(call, room, conf, member),
                plan.end + timedelta(milliseconds=200),
            ),
        ]
    if what == "mpc":
        name, mpc, member = "support-call", gen.uuid(), str(gen.rng.randrange(1000, 99999))
        joined, left = _within(plan, 2), plan.end
        return [
            ("mpc", gen.mpc(call, name, mpc, member, "ParticipantJoin", joined), joined),
            ("mpc", gen.mpc(call, name, mpc, member, "ParticipantExit", left), left),
            ("mpc", gen.mpc(call, name, mpc, member, at=left), left + timedelta(milliseconds=200)),
        ]
    if what == "stream_status":
        stream = gen.uuid()
        started, stopped = _within(plan, 1), plan.end
        return [
            ("stream_status", gen.stream_status(call, "StartStream", stream, started), started),
            ("stream_status", gen.stream_status(call, "StopStream", stream, stopped), stopped),
        ]
    raise ValueError(f"unknown scenario {what!r}")


def _whole_call(
    gen: Generator, spec: Spec, call: Params, plan: Plan, answer: Event, hangup: Event
) -> list[Event]:
    outbound = call["Direction"] == "outbound"
    events: list[Event] = []
    if outbound:
        events.append(("ring", gen.ring(call), plan.start))
    if plan.answered_at is None:
        # outbound: Plivo requests the answer URL only once the callee answers
        return [*events, hangup] if outbound else [answer, hangup]
    events.append(answer)
    if spec.amd and outbound:
        machine = spec.amd == "machine"
        events.append(("machine_detection", gen.machine_detection(call, machine), _within(plan, 3)))
    if spec.digits or spec.speech:
        events.append(("digits", gen.digits(call, spec.digits, spec.speech), _within(plan, 5)))
    if spec.record:
        events.append(("recording", gen.recording(call, min(12, plan.talk)), _within(plan, 18)))
    events.append(hangup)
    return events


def _messages(gen: Generator, spec: Spec) -> list[Event]:
    message = gen.message(spec.message_type, spec.frm, spec.to)
    start = gen.now
    if spec.what == "message":
        return [("message", message, start)]
    reports = gen.message_status(message, MESSAGE_OUTCOMES[spec.status])
    timed = [("message_status", r, start + timedelta(seconds=i + 1)) for i, r in enumerate(reports)]
    if spec.what == "message_status":
        return timed
    return [("message", message, start)] + [(k, p, t + timedelta(seconds=1)) for k, p, t in timed]
