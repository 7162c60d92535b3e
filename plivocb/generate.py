"""Realistic Plivo callbacks without a phone: payloads that follow Plivo's parameter tables.

Every builder returns ordered params; `to_fixture` wraps them as a recorded-looking fixture.
Times are coherent within a call (answer after start, duration = end - answer, BillDuration
rounded up to the minute), hangup cause codes and names come from Plivo's table, and a seeded
`random.Random` makes output reproducible.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from plivocb.callbacks import classify
from plivocb.fields import HANGUP_CAUSES
from plivocb.fixture import Fixture, Request, Signature
from plivocb.form import encode_form

PUBLIC_BASE = "https://plivocb-example.ngrok.app"
BILL_RATE = "0.0085"
# Legacy HangupCause names that accompany the common codes (observed pairs; not a published table).
LEGACY_CAUSE = {
    4000: "NORMAL_CLEARING",
    4010: "NORMAL_CLEARING",
    3010: "USER_BUSY",
    3000: "NO_ANSWER",
    3020: "CALL_REJECTED",
    1000: "ORIGINATOR_CANCEL",
    3050: "UNALLOCATED_NUMBER",
}
STATUS_FOR_CODE = {3010: "busy", 3000: "no-answer", 3020: "busy", 1000: "no-answer"}
KIND_PATHS = {
    "answer": "/answer",
    "hangup": "/hangup",
    "message": "/message",
    "message_status": "/message/status",
    "recording": "/recording",
    "digits": "/digits",
    "dial": "/dial",
}

Params = dict[str, str]


def fmt_local(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


def fmt_micro(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass
class Generator:
    rng: random.Random = field(default_factory=random.Random)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def number(self) -> str:
        return "1415555" + f"{self.rng.randrange(10_000):04d}"

    # -------------------------------------------------------------- voice

    def answer(self, direction: str = "inbound", frm: str = "", to: str = "") -> Params:
        call = self.uuid()
        p: Params = {
            "Direction": direction,
            "From": frm or self.number(),
            "CallerName": "",
            "BillRate": BILL_RATE,
            "To": to or self.number(),
            "CallUUID": call,
            "CallStatus": "ringing" if direction == "inbound" else "in-progress",
            "Event": "StartApp",
            "SessionStart": fmt_micro(self.now),
            "ParentAuthID": "MA"
            + "".join(self.rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(18)),
            "STIRVerification": "Not Applicable",
        }
        p["CallerName"] = p["From"]
        if direction == "outbound":
            request = self.uuid()
            p.update(ALegUUID=call, ALegRequestUUID=request, RequestUUID=request)
        return p

    def hangup(self, call: Params, talk_seconds: int = 42, code: int = 4000) -> Params:
        start = datetime.strptime(call["SessionStart"], "%Y-%m-%d %H:%M:%S.%f")
        answered = code in (4000, 4010)
        answer_at = start + timedelta(seconds=3) if answered else None
        end = (
            (answer_at + timedelta(seconds=talk_seconds))
            if answer_at
            else start + timedelta(seconds=20)
        )
        duration = talk_seconds if answered else 0
        bill = 60 * math.ceil(duration / 60) if duration else 0
        source = "Caller" if code == 4000 else ("Plivo" if code == 4010 else "Callee")
        p = {k: v for k, v in call.items() if k != "CallStatus"}
        p.update(
            CallStatus=STATUS_FOR_CODE.get(code, "completed"),
            Event="Hangup",
            StartTime=fmt_local(start),
            AnswerTime=fmt_local(answer_at) if answer_at else "",
            EndTime=fmt_local(end),
            Duration=str(duration),
            BillDuration=str(bill),
            TotalCost=f"{bill / 60 * float(BILL_RATE):.5f}",
            HangupCause=LEGACY_CAUSE.get(code, "NORMAL_CLEARING"),
            HangupCauseCode=str(code),
            HangupCauseName=HANGUP_CAUSES[code],
            HangupSource=source,
        )
        return p

    def digits(self, call: Params, digits: str = "1") -> Params:
        p = {k: v for k, v in call.items() if k != "Event"}
        p.update(CallStatus="in-progress", Digits=digits)
        return p

    def recording(self, call: Params, seconds: int = 12) -> Params:
        started = int((self.now + timedelta(seconds=5)).timestamp() * 1000)
        rec_id = self.uuid()
        p = {k: v for k, v in call.items() if k != "Event"}
        account = p.get("ParentAuthID", "MA")
        p.update(
            CallStatus="in-progress",
            RecordUrl=f"https://media.plivo.com/v1/Account/{account}/Recording/{rec_id}.mp3",
            RecordingID=rec_id,
            RecordingDuration=str(seconds),
            RecordingDurationMs=str(seconds * 1000),
            RecordingStartMs=str(started),
            RecordingEndMs=str(started + seconds * 1000),
        )
        return p

    def dial(self, call: Params, status: str = "completed") -> Params:
        p = {k: v for k, v in call.items() if k != "Event"}
        answered = status == "completed"
        p.update(
            CallStatus="in-progress",
            DialStatus=status,
            DialRingStatus="true" if answered else "false",
            DialHangupCause="NORMAL_CLEARING" if answered else "NO_ANSWER",
            DialALegUUID=call["CallUUID"],
            DialBLegUUID=self.uuid() if answered else "",
        )
        return p

    # -------------------------------------------------------------- messaging

    def message(self, kind: str = "sms", frm: str = "", to: str = "", text: str = "") -> Params:
        p: Params = {
            "From": frm or self.number(),
            "To": to or self.number(),
            "Type": kind,
            "MessageUUID": self.uuid(),
            "TotalRate": "0.0000" if kind == "whatsapp" else "0.00500",
            "TotalAmount": "0.0000" if kind == "whatsapp" else "0.00500",
            "Units": "1",
        }
        body = text or ("See attached" if kind == "mms" else "Hi! Is my order on its way?")
        if kind == "sms":
            p.update(Text=body, MessageIntent="", PowerpackUUID="")
        elif kind == "mms":
            media = [
                f"https://media.plivo.com/Message/{p['MessageUUID']}/Media/{self.uuid()}"
                for _ in range(2)
            ]
            p.update(Body=body, MediaCount=str(len(media)), PowerpackUUID="")
            p.update({f"Media{i}": url for i, url in enumerate(media)})
        else:
            p.update(Body=body, ContentType="text")
        return p

    def message_status(
        self, message: Params, statuses: tuple[str, ...] = ("queued", "sent", "delivered")
    ) -> list[Params]:
        """Delivery reports for an outbound message: one per status, ordered by Sequence."""
        out: list[Params] = []
        uuid_ = self.uuid()
        for seq, status in enumerate(statuses, start=1):
            at = self.now + timedelta(seconds=seq)
            p: Params = {
                "MessageUUID": uuid_,
                "ParentMessageUUID": uuid_,
                "From": message["To"],
                "To": message["From"],
                "Type": message.get("Type", "sms"),
                "Status": status,
                "Sequence": str(seq),
                "Units": "1",
                "TotalRate": "0.00500",
                "TotalAmount": "0.00500" if status != "queued" else "0.00000",
                "MCC": "310",
                "MNC": "260",
                "PartInfo": "1 of 1",
                "MessageTime": fmt_micro(self.now),
                "QueuedTime": fmt_micro(self.now),
            }
            if status in ("sent", "delivered", "undelivered", "failed"):
                p["SentTime"] = fmt_micro(at)
            if status in ("delivered", "undelivered"):
                p["DeliveryReportTime"] = fmt_micro(at)
            if status in ("failed", "undelivered"):
                p["ErrorCode"] = "80"
            out.append(p)
        return out


SCENARIOS = (
    "answer",
    "hangup",
    "message",
    "message_status",
    "recording",
    "digits",
    "dial",
    "call",
    "conversation",
)


@dataclass
class Spec:
    """What `fixtures new` was asked for."""

    what: str
    direction: str = "inbound"
    message_type: str = "sms"
    frm: str = ""
    to: str = ""
    digits: str = ""
    record: bool = False
    talk_seconds: int = 42
    cause: int = 4000


def scenario(gen: Generator, spec: Spec) -> list[tuple[str, Params, float]]:
    """(kind, params, seconds after start) for one generated item of `spec.what`."""
    call = gen.answer(spec.direction, spec.frm, spec.to)
    if spec.what == "answer":
        return [("answer", call, 0)]
    if spec.what == "hangup":
        return [("hangup", gen.hangup(call, spec.talk_seconds, spec.cause), spec.talk_seconds + 3)]
    if spec.what == "digits":
        return [("digits", gen.digits(call, spec.digits or "1"), 5)]
    if spec.what == "recording":
        return [("recording", gen.recording(call), 20)]
    if spec.what == "dial":
        return [("dial", gen.dial(call), 30)]
    if spec.what == "call":
        events: list[tuple[str, Params, float]] = [("answer", call, 0)]
        if spec.digits:
            events.append(("digits", gen.digits(call, spec.digits), 5))
        if spec.record:
            events.append(("recording", gen.recording(call, min(12, spec.talk_seconds)), 18))
        events.append(
            ("hangup", gen.hangup(call, spec.talk_seconds, spec.cause), spec.talk_seconds + 3)
        )
        return events
    message = gen.message(spec.message_type, spec.frm, spec.to)
    if spec.what == "message":
        return [("message", message, 0)]
    reports = gen.message_status(message)
    if spec.what == "message_status":
        return [("message_status", r, i + 1) for i, r in enumerate(reports)]
    if spec.what == "conversation":
        return [("message", message, 0.0)] + [
            ("message_status", r, i + 2.0) for i, r in enumerate(reports)
        ]
    raise ValueError(f"unknown scenario {spec.what!r}")


def to_fixture(
    params: Params, kind: str, received_at: datetime, base: str = PUBLIC_BASE
) -> Fixture:
    """A generated callback as a fixture: a POST form body to the kind's conventional path."""
    path = KIND_PATHS.get(kind, "/")
    multi = {k: [v] for k, v in params.items()}
    body = encode_form(multi).encode("utf-8")
    host = base.split("://", 1)[-1]
    headers = (
        ("Host", host),
        ("User-Agent", "PlivoHTTP/1.0 (generated by plivocb)"),
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Content-Length", str(len(body))),
    )
    detected = classify(multi, path)
    return Fixture(
        kind=detected,
        received_at=received_at,
        request=Request("POST", base + path, path, "", headers, body),
        params=multi,
        signature=Signature("unsigned", "", "generated by plivocb fixtures new"),
    )
