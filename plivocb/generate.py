"""Realistic Plivo callbacks without a phone: payloads that follow Plivo's parameter tables.

Every builder returns ordered params; `to_fixture` wraps them as a recorded-looking fixture.
Calls are coherent: the hangup cause decides whether the call was answered (`call_outcomes`),
times follow one timeline (answer after ring, Duration = EndTime - AnswerTime, BillDuration
rounded up to the minute), time fields are in the account's time zone (`tz`) while
`SessionStart` stays UTC (reference §1.4), and a seeded `random.Random` makes output
reproducible. `scenarios.py` strings builders together into whole calls and conversations.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from plivocb import defaults
from plivocb.call_outcomes import OUTCOMES, Outcome, outcome
from plivocb.callbacks import classify
from plivocb.fields import HANGUP_CAUSES, SMS_ERROR_CODES
from plivocb.fixture.model import Fixture, Request, Signature
from plivocb.form import encode_form

PUBLIC_BASE = "https://plivocb-example.ngrok.app"
BILL_RATE = "0.0085"
# Legacy HangupCause names and hangup-callback CallStatus per code (see call_outcomes.py).
LEGACY_CAUSE = {code: o.legacy for code, o in OUTCOMES.items()}
STATUS_FOR_CODE = {code: o.status for code, o in OUTCOMES.items() if o.status != "completed"}
KIND_PATHS = {
    "answer": "/answer",
    "ring": "/ring",
    "machine_detection": "/amd",
    "hangup": "/hangup",
    "digits": "/digits",
    "input_partial": "/input/partial",
    "recording": "/recording",
    "transcription": "/transcription",
    "dial": "/dial",
    "dial_callback": "/dial/events",
    "conference": "/conference",
    "mpc": "/mpc",
    "stream_status": "/stream/status",
    "message": "/message",
    "message_status": "/message/status",
}
# Seconds a call rings before an unanswered outcome, by CallStatus (6010: Plivo's 120 s default).
RING_SECONDS = {"no-answer": 30, "busy": 4, "failed": 1, "timeout": 120, "canceled": 12}

Params = dict[str, str]


def fmt_local(t: datetime, tz: tzinfo | None = None) -> str:
    """`yyyy-MM-dd HH:mm:ss`, in `tz` (the account's time zone) when given an aware time."""
    if tz is not None and t.tzinfo is not None:
        t = t.astimezone(tz)
    return t.strftime("%Y-%m-%d %H:%M:%S")


def fmt_micro(t: datetime) -> str:
    """`YYYY-MM-DD HH:mm:ss.ssssss` in UTC (SessionStart, message times)."""
    if t.tzinfo is not None:
        t = t.astimezone(UTC)
    return t.strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass(frozen=True)
class Plan:
    """One call's timeline, decided by its hangup cause."""

    start: datetime
    answered_at: datetime | None
    end: datetime
    code: int
    outcome: Outcome

    @property
    def talk(self) -> int:
        return round((self.end - self.answered_at).total_seconds()) if self.answered_at else 0


@dataclass
class Generator:
    rng: random.Random = field(default_factory=random.Random)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    tz: tzinfo = UTC  # the account's time zone, for StartTime/AnswerTime/EndTime

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def number(self) -> str:
        return "1415555" + f"{self.rng.randrange(10_000):04d}"

    def _now(self) -> datetime:
        return self.now if self.now.tzinfo else self.now.replace(tzinfo=UTC)

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
            # inbound: the answer URL is requested while it rings; outbound: once answered
            "CallStatus": "ringing" if direction == "inbound" else "in-progress",
            "Event": "StartApp",
            "SessionStart": fmt_micro(self._now()),
            "ParentAuthID": "MA"
            + "".join(self.rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(18)),
            "STIRVerification": "Not Applicable",
        }
        p["CallerName"] = p["From"]
        if direction == "outbound":
            request = self.uuid()
            p.update(ALegUUID=call, ALegRequestUUID=request, RequestUUID=request)
        if p["To"].startswith("sip:"):
            p["SIP-H-To"] = f"<{p['To']}>;tag={self.rng.randrange(1, 10**8)}"
        return p

    def plan(
        self,
        code: int = defaults.HANGUP_CAUSE,
        talk_seconds: int = defaults.TALK_SECONDS,
        start: datetime | None = None,
    ) -> Plan:
        """When the call rang, was answered (or not) and ended, for this hangup cause."""
        result = outcome(code)
        begin = start or self._now()
        if not result.answered:
            end = begin + timedelta(seconds=RING_SECONDS.get(result.status, 5))
            return Plan(begin, None, end, code, result)
        if 7000 <= code < 9000:
            talk_seconds = min(talk_seconds, 1)  # the app's XML failed right after answer
        elif code == 9100:
            talk_seconds = min(talk_seconds, 4)  # hung up once a machine was detected
        answered = begin + timedelta(seconds=self.rng.randint(3, 8))
        return Plan(
            begin, answered, answered + timedelta(seconds=max(1, talk_seconds)), code, result
        )

    def _session_start(self, call: Params) -> datetime:
        return datetime.strptime(call["SessionStart"], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)

    def _leg(self, call: Params, **extra: str) -> Params:
        """A later request on the same call: its params without the answer URL's Event."""
        p = {k: v for k, v in call.items() if k != "Event"}
        p.update(CallStatus="in-progress", **extra)
        return p

    def ring(self, call: Params) -> Params:
        p = dict(call)
        p.update(Event="Ring", CallStatus="ringing")
        return p

    def machine_detection(
        self, call: Params, machine: bool = True, if_machine: str = "continue"
    ) -> Params:
        p = self._leg(call, Event="MachineDetection", Machine="true" if machine else "false")
        p["IfMachine"] = if_machine
        return p

    def hangup(
        self,
        call: Params,
        talk_seconds: int = defaults.TALK_SECONDS,
        code: int = defaults.HANGUP_CAUSE,
        plan: Plan | None = None,
    ) -> Params:
        plan = plan or self.plan(code, talk_seconds, self._session_start(call))
        result = plan.outcome
        duration = plan.talk
        bill = 60 * math.ceil(duration / 60) if duration else 0
        source = result.source
        if source == "Caller/Callee":
            source = self.rng.choice(("Caller", "Callee"))
        p = {k: v for k, v in call.items() if k != "CallStatus"}
        p.update(
            CallStatus=result.status,
            Event="Hangup",
            StartTime=fmt_local(plan.start, self.tz),
            AnswerTime=fmt_local(plan.answered_at, self.tz) if plan.answered_at else "",
            EndTime=fmt_local(plan.end, self.tz),
            Duration=str(duration),
            BillDuration=str(bill),
            TotalCost=f"{bill / 60 * float(BILL_RATE):.5f}",
            HangupCause=result.legacy,
            HangupCauseCode=str(plan.code),
            HangupCauseName=HANGUP_CAUSES.get(plan.code, "Unknown"),
            HangupSource=source,
        )
        return p

    def digits(self, call: Params, digits: str = "1", speech: str = "") -> Params:
        """A GetDigits action (Digits), or a GetInput action when `speech` is given."""
        if not speech:
            return self._leg(call, Digits=digits)
        confidence = f"{self.rng.uniform(0.72, 0.98):.6f}"
        return self._leg(
            call,
            InputType="speech",
            Digits="",
            Speech=speech,
            SpeechConfidenceScore=confidence,
            BilledAmount="0.00500",
        )

    def input_partial(self, call: Params, speech: str, sequence: int, final: bool) -> Params:
        words = speech.split()
        cut = max(1, len(words) * sequence // (sequence + 1)) if not final else len(words)
        return {
            "CallUUID": call["CallUUID"],
            "From": call["From"],
            "To": call["To"],
            "Direction": call["Direction"],
            "StableSpeech": " ".join(words[:cut]),
            "UnstableSpeech": "" if final else " " + " ".join(words[cut:]),
            "Stability": "1.0" if final else f"{self.rng.uniform(0.5, 0.9):.2f}",
            "SequenceNumber": str(sequence),
        }

    def recording(
        self, call: Params, seconds: int = 12, action: bool = True, finish: str = "#"
    ) -> Params:
        """A Record `action` request (carries Digits) or its `callbackUrl` notification."""
        started = int((self._now() + timedelta(seconds=5)).timestamp() * 1000)
        rec_id = self.uuid()
        account = call.get("ParentAuthID", "MA")
        p = self._leg(
            call,
            RecordUrl=f"https://media.plivo.com/v1/Account/{account}/Recording/{rec_id}.mp3",
            RecordingID=rec_id,
            RecordingDuration=str(seconds),
            RecordingDurationMs=str(seconds * 1000),
            RecordingStartMs=str(started),
            RecordingEndMs=str(started + seconds * 1000),
        )
        if action:
            p["Digits"] = finish
        return p

    def transcription(self, recording: Params, text: str = "Hi, please call me back.") -> Params:
        """Record's transcriptionUrl request: snake_case names (reference §1.8)."""
        duration = recording.get("RecordingDuration", "12")
        return {
            "transcription": text,
            "transcription_charge": "0.05000",
            "transcription_rate": "0.05000",
            "duration": duration,
            "call_uuid": recording["CallUUID"],
            "recording_id": recording["RecordingID"],
            "error": "",
        }

    def dial(self, call: Params, status: str = "completed", b_leg: str = "") -> Params:
        answered = status == "completed"
        return self._leg(
            call,
            DialStatus=status,
            DialRingStatus="true" if status not in ("failed",) else "false",
            DialHangupCause="NORMAL_CLEARING" if answered else LEGACY_FOR_DIAL[status],
            DialALegUUID=call["CallUUID"],
            DialBLegUUID=(b_leg or self.uuid()) if answered else "",
        )

    def dial_callback(
        self, call: Params, action: str, b_leg: str, b_to: str, seconds: int = 0
    ) -> Params:
        p = self._leg(
            call,
            DialAction=action,
            DialALegUUID=call["CallUUID"],
            DialBLegUUID=b_leg,
            DialBLegFrom=call["To"] if call["Direction"] == "inbound" else call["From"],
            DialBLegTo=b_to,
            DialBLegStatus={"answer": "answer", "connected": "connected", "hangup": "hangup"}.get(
                action, action
            ),
        )
        if action == "hangup":
            p.update(
                DialBLegDuration=str(seconds),
                DialBLegBillDuration=str(60 * math.ceil(seconds / 60) if seconds else 0),
                DialBLegHangupCauseName="Normal Hangup",
                DialBLegHangupCauseCode="4000",
                DialBLegHangupSource=self.rng.choice(("Caller", "Callee")),
            )
        return p

    def conference(
        self, call: Params, room: str, conf: str, member: str, action: str = ""
    ) -> Params:
        """Conference callbackUrl event (`action` given) or the Conference `action` request."""
        p = self._leg(call, ConferenceName=room, ConferenceUUID=conf, ConferenceMemberID=member)
        if action:
            p["ConferenceAction"] = action
        return p

    def mpc(
        self,
        call: Params,
        name: str,
        mpc: str,
        member: str,
        event: str = "",
        at: datetime | None = None,
    ) -> Params:
        """MPC statusCallbackUrl event (`event` given) or the onExitActionUrl request."""
        when = at or self._now()
        if event:
            return self._leg(
                call,
                EventName=event,
                EventTimestamp=fmt_micro(when),
                MPCUUID=mpc,
                MPCName=name,
                MemberID=member,
                ParticipantRole="Customer",
                ParticipantCallUUID=call["CallUUID"],
            )
        return self._leg(
            call,
            MPCUUID=mpc,
            MPCFriendlyName=name,
            MemberID=member,
            ParticipantCallUUID=call["CallUUID"],
            ParticipantJoinTime=fmt_local(self._now(), self.tz),
            ParticipantEndTime=fmt_local(when, self.tz),
            ParticipantRole="Customer",
        )

    def stream_status(self, call: Params, event: str, stream: str, at: datetime) -> Params:
        return self._leg(call, Event=event, StreamID=stream, Timestamp=fmt_micro(at))

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
            # Media1..MediaN: "The integer suffixes range from 1 to the count of media files"
            # (docs.plivo.com/docs/messaging/api/message/handling-incoming; an older support
            # article says Media0..: the current docs win)
            p.update({f"Media{i}": url for i, url in enumerate(media, start=1)})
        else:
            p.update(Body=body, ContentType="text")
        return p

    def whatsapp_media(self, frm: str = "", to: str = "") -> Params:
        p = self.message("whatsapp", frm, to, "Here is the photo")
        p.update(
            ContentType="media",
            MediaCount="1",
            Media1=f"https://media.plivo.com/Message/{p['MessageUUID']}/Media/{self.uuid()}",
            MimeType="image/jpeg",
        )
        return p

    def message_status(
        self, message: Params, statuses: tuple[str, ...] = ("queued", "sent", "delivered")
    ) -> list[Params]:
        """Delivery reports for an outbound message: one per status, ordered by Sequence."""
        out: list[Params] = []
        uuid_ = self.uuid()
        error = str(self.rng.choice([c for c in SMS_ERROR_CODES if c != 1000]))
        for seq, status in enumerate(statuses, start=1):
            at = self._now() + timedelta(seconds=seq)
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
                "TotalAmount": "0.00500" if status not in ("queued", "failed") else "0.00000",
                "MCC": "310",
                "MNC": "260",
                "PartInfo": "1 of 1",
                "MessageTime": fmt_micro(self._now()),
                "QueuedTime": fmt_micro(self._now()),
            }
            if status in ("sent", "delivered", "undelivered", "read"):
                p["SentTime"] = fmt_micro(at)
            if status in ("delivered", "undelivered", "read"):
                p["DeliveryReportTime"] = fmt_micro(at)
            if status in ("failed", "undelivered"):
                # only for failed or undelivered (reference §1.12), from Plivo's SMS error table
                p["ErrorCode"] = error
            out.append(p)
        return out


LEGACY_FOR_DIAL = {
    "busy": "USER_BUSY",
    "failed": "NORMAL_TEMPORARY_FAILURE",
    "cancel": "ORIGINATOR_CANCEL",
    "timeout": "NO_ANSWER",
    "no-answer": "NO_ANSWER",
}


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
