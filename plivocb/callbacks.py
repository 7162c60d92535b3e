"""Plivo callback kinds: classification from the params, and validation against Plivo's tables.

Classification rule: the params decide, the URL path is only a hint (a Hangup URL defaults to the
Answer URL, and any URL may be configured anywhere). First match wins:

 1. `MessageUUID` with `Status`                               -> message_status
 2. `MessageUUID`                                             -> message
 3. `StreamID`, or `Event` = StartStream|StopStream|...       -> stream_status
 4. `MPCUUID`                                                 -> mpc
 5. `ConferenceUUID`/`ConferenceName`/`ConferenceAction`      -> conference
 6. `transcription`/`transcription_charge`/`transcription_rate` -> transcription
 7. `DialAction`/`DialBLegStatus`                             -> dial_callback
 8. `DialStatus`/`DialRingStatus`/`DialHangupCause`           -> dial
 9. `RecordUrl`/`RecordingID`/`record_url`/`recording_id`     -> recording
10. `StableSpeech`/`UnstableSpeech`/`Stability`/`SequenceNumber` -> input_partial
11. `Digits`/`InputType`/`Speech`                             -> digits
12. `Event=MachineDetection`                                  -> machine_detection
13. `Event=Ring`                                              -> ring
14. `Event=Hangup`, or `HangupCause`/`HangupCauseCode`/`HangupCauseName` -> hangup
15. `CallUUID` with `Event` StartApp|Redirect|Transfer, or a live `CallStatus` -> answer
16. the last path segment (answer, hangup, ring, amd, message, status, dlr, recording,
    transcription, digits, input, dial, conference, mpc, stream...) -> that kind
17. anything else                                             -> other

Rules 3-11 come before the hangup rule on purpose: an action URL requested after the caller hung
up carries `HangupCause` and `Duration` too, and it keeps its action kind. Conference comes
before recording because a recorded conference's callbacks carry `RecordUrl`. Every rule's
parameters are in ../shared/plivo-reference.md §1 and the Plivo pages cited in `fields.py`.

What Plivo reads back (`reply`): "xml" for answer, digits and dial (the action URLs), for a
Record `action` (it carries `Digits`, which Record's `callbackUrl` does not), for Conference
`action` (no `ConferenceAction`) and MPC `onExitActionUrl` (no `EventName`); "message" for a
message URL (XML optional, `<Message>` only); "none" for every notification. A recording
callback whose params cannot tell action from `callbackUrl` (no recording params at all, only a
path hint) is treated as expecting XML.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from plivocb.choices import CALLBACK_KINDS
from plivocb.fields import FIELDS, HANGUP_CAUSES, STREAM_EVENT

# Every kind a callback is classified as (the table lives in plivocb.choices, which the CLI
# imports at start-up without this module's tables and decimal).
KINDS = CALLBACK_KINDS

Params = Mapping[str, Sequence[str]]

_PATH_HINTS = {
    "answer": "answer",
    "fallback": "answer",
    "redirect": "answer",
    "ring": "ring",
    "amd": "machine_detection",
    "machine": "machine_detection",
    "machine_detection": "machine_detection",
    "hangup": "hangup",
    "message": "message",
    "sms": "message",
    "status": "message_status",
    "message_status": "message_status",
    "dlr": "message_status",
    "delivery": "message_status",
    "record": "recording",
    "recording": "recording",
    "transcription": "transcription",
    "transcribe": "transcription",
    "digits": "digits",
    "getdigits": "digits",
    "input": "digits",
    "getinput": "digits",
    "partial": "input_partial",
    "interim": "input_partial",
    "dial": "dial",
    "dial_callback": "dial_callback",
    "conference": "conference",
    "mpc": "mpc",
    "multipartycall": "mpc",
    "stream": "stream_status",
    "stream_status": "stream_status",
}

# (kind, any of these params) in rule order 3-11 of the module docstring.
_PARAM_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("stream_status", ("StreamID",)),
    ("mpc", ("MPCUUID",)),
    ("conference", ("ConferenceUUID", "ConferenceName", "ConferenceAction")),
    ("transcription", ("transcription", "transcription_charge", "transcription_rate")),
    ("dial_callback", ("DialAction", "DialBLegStatus")),
    ("dial", ("DialStatus", "DialRingStatus", "DialHangupCause")),
    ("recording", ("RecordUrl", "RecordingID", "record_url", "recording_id")),
    ("input_partial", ("StableSpeech", "UnstableSpeech", "Stability", "SequenceNumber")),
    ("digits", ("Digits", "InputType", "Speech")),
)
_RULE_RANK: dict[str, int] = {}  # param -> index of the first rule naming it
for _rank, (_, _keys) in enumerate(_PARAM_RULES):
    for _key in _keys:
        _RULE_RANK.setdefault(_key, _rank)
_EVENT_KINDS = {"MachineDetection": "machine_detection", "Ring": "ring", "Hangup": "hangup"}
XML_KINDS = frozenset({"answer", "digits", "dial"})
MAYBE_XML_KINDS = frozenset({"recording", "conference", "mpc"})


def first(params: Params, key: str, default: str = "") -> str:
    values = params.get(key)
    return values[0] if values else default


def classify(params: Params, path: str = "") -> str:
    """The kind of callback these params (and, as a hint, this URL path) describe."""
    has = params.__contains__
    event = first(params, "Event")
    if has("MessageUUID"):
        return "message_status" if has("Status") else "message"
    if event in STREAM_EVENT:
        return "stream_status"
    ranks = [_RULE_RANK[key] for key in params if key in _RULE_RANK]
    if ranks:  # the first rule any of the params names
        return _PARAM_RULES[min(ranks)][0]
    if event in _EVENT_KINDS:
        return _EVENT_KINDS[event]
    if any(has(k) for k in ("HangupCause", "HangupCauseCode", "HangupCauseName")):
        return "hangup"
    if has("CallUUID") and (
        event in ("StartApp", "Redirect", "Transfer")
        or first(params, "CallStatus") in ("ringing", "in-progress")
    ):
        return "answer"
    segment = path.rstrip("/").rsplit("/", 1)[-1].lower().removesuffix(".xml")
    return _PATH_HINTS.get(segment.replace("-", "_"), "other")


def reply(kind: str, params: Params) -> str:
    """What Plivo reads from the response: "xml", "message" (optional <Message>) or "none"."""
    if kind in XML_KINDS:
        return "xml"
    if kind == "message":
        return "message"
    if kind == "recording":
        if any(k in params for k in ("record_url", "recording_id")):
            return "none"  # Record-a-call API callback_url
        if "RecordUrl" in params or "RecordingID" in params:
            return "xml" if "Digits" in params else "none"  # action vs callbackUrl
        return "xml"  # nothing to tell them apart: assume the action URL
    if kind == "conference":
        return "none" if "ConferenceAction" in params else "xml"
    if kind == "mpc":
        return "none" if "EventName" in params else "xml"
    return "none"


def expects_xml(kind: str, params: Params) -> bool:
    """Whether Plivo executes Plivo XML from the response (answer and action URLs)."""
    return reply(kind, params) == "xml"


def group_uuid(params: Params) -> str:
    """The whole Call or Message UUID that groups this callback with its siblings ("" if none)."""
    return (
        first(params, "CallUUID")
        or first(params, "MessageUUID")
        or first(params, "call_uuid")
        or first(params, "ParticipantCallUUID")
        or first(params, "MPCUUID")
    )


ERROR = "error"
WARNING = "warning"
# Enumerations Plivo has grown before: a value outside our table is worth a look, not a failure.
OPEN_ENUMS = frozenset({"HangupSource", "DialBLegHangupSource", "STIRVerification", "Event"})
# Spellings seen in real traffic for the same value (Plivo's own pages use both).
VARIANTS = {"cancelled": "canceled", "call recipient": "callee"}


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        text = f"{self.field}: {self.message}" if self.field else self.message
        return f"warning: {text}" if self.severity == WARNING else text


def _is_int(value: str) -> bool:
    return value.lstrip("-").isdigit()


def _is_decimal(value: str) -> bool:
    try:
        Decimal(value)
    except InvalidOperation:
        return False
    return True


def _parse_time(value: str) -> datetime | None:
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def _normal(value: str) -> str:
    folded = value.strip().lower()
    for variant, canonical in VARIANTS.items():
        folded = folded.replace(variant, canonical)
    return folded


def field_problems(kind: str, params: Params) -> list[Problem]:
    """Problems with these params for this kind of callback, as data (empty when fine).

    Errors are what Plivo never sends (a missing required field, a non-number where Plivo sends
    numbers); warnings are what real traffic does show (unlisted hangup codes, spelling variants).
    """
    problems: list[Problem] = []
    for spec in FIELDS.get(kind, ()):
        values = params.get(spec.name)
        if not values:
            if spec.required:
                problems.append(Problem(spec.name, "missing required field"))
            continue
        value = values[0]
        if spec.type == "enum" and value not in spec.choices and value != "":
            allowed = ", ".join(c for c in spec.choices if c)
            variant = _normal(value) in {_normal(c) for c in spec.choices}
            level = WARNING if variant or spec.name in OPEN_ENUMS else ERROR
            problems.append(Problem(spec.name, f"{value!r} is not one of: {allowed}", level))
        elif spec.type == "integer" and value != "" and not _is_int(value):
            problems.append(Problem(spec.name, f"{value!r} is not an integer"))
        elif spec.type == "decimal" and value != "" and not _is_decimal(value):
            problems.append(Problem(spec.name, f"{value!r} is not a decimal number"))
        elif spec.type == "datetime" and value != "" and _parse_time(value) is None:
            problems.append(Problem(spec.name, f"{value!r} is not 'YYYY-MM-DD HH:MM:SS'"))
    if kind == "hangup":
        problems.extend(_hangup_consistency(params))
    if kind == "recording" and not any(k in params for k in ("RecordUrl", "record_url")):
        problems.append(Problem("RecordUrl", "missing required field"))
    return problems


def _hangup_consistency(params: Params) -> list[Problem]:
    problems: list[Problem] = []
    code, name = first(params, "HangupCauseCode"), first(params, "HangupCauseName")
    if _is_int(code) and int(code) not in HANGUP_CAUSES:
        # Plivo's own material shows unlisted codes (5030, 4210) in real traffic.
        problems.append(
            Problem("HangupCauseCode", f"{code} is not in Plivo's hangup cause table", WARNING)
        )
    elif _is_int(code) and name and HANGUP_CAUSES[int(code)] != name:
        expected = HANGUP_CAUSES[int(code)]
        level = WARNING if _normal(expected) == _normal(name) else ERROR
        problems.append(
            Problem("HangupCauseName", f"{name!r} does not match code {code} ({expected!r})", level)
        )
    duration, bill = first(params, "Duration"), first(params, "BillDuration")
    if _is_int(duration) and int(duration) < 0:
        problems.append(Problem("Duration", "is negative"))
    if _is_int(duration) and _is_int(bill) and int(bill) < int(duration):
        problems.append(Problem("BillDuration", f"{bill} is less than Duration {duration}"))
    answer = _parse_time(first(params, "AnswerTime"))
    end = _parse_time(first(params, "EndTime"))
    start = _parse_time(first(params, "StartTime"))
    if start and end and end < start:
        problems.append(Problem("EndTime", "is before StartTime"))
    if answer and end and _is_int(duration):
        spoken = (end - answer).total_seconds()
        if abs(spoken - int(duration)) > 2:
            problems.append(
                Problem("Duration", f"{duration}s but AnswerTime→EndTime is {spoken:.0f}s")
            )
    if not answer and _is_int(duration) and int(duration) > 0 and "AnswerTime" in params:
        problems.append(Problem("Duration", f"{duration}s on a call that was never answered"))
    return problems
