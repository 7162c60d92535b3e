"""Plivo callback kinds: classification from the params, and validation against Plivo's tables.

Classification rule, first match wins (params decide; the URL path is only a hint, because a
Hangup URL defaults to the Answer URL and any URL may be configured):

1. `Event=Hangup`, or any of `HangupCause`/`HangupCauseCode`/`HangupCauseName` -> hangup
2. `MessageUUID` and `Status`                                -> message_status
3. `MessageUUID` (with `Text`, `Body`, `Type`, ...)          -> message
4. `RecordUrl`/`RecordingID`/`record_url`/`recording_id`     -> recording
5. `DialStatus`/`DialAction`/`DialBLegUUID`                  -> dial
6. `Digits`/`InputType`/`Speech`                             -> digits
7. `CallUUID` with `Event=StartApp` or a live `CallStatus`   -> answer
8. the last path segment: answer, hangup, message, status/dlr/delivery (message_status),
   record/recording, digits/getdigits/input/getinput, dial -> that kind
9. anything else                                             -> other
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from plivocb.fields import FIELDS, HANGUP_CAUSES

KINDS = ("answer", "hangup", "message", "message_status", "recording", "digits", "dial", "other")

Params = Mapping[str, Sequence[str]]

_PATH_HINTS = {
    "answer": "answer",
    "hangup": "hangup",
    "message": "message",
    "sms": "message",
    "status": "message_status",
    "message_status": "message_status",
    "dlr": "message_status",
    "delivery": "message_status",
    "record": "recording",
    "recording": "recording",
    "digits": "digits",
    "getdigits": "digits",
    "input": "digits",
    "getinput": "digits",
    "dial": "dial",
}


def first(params: Params, key: str, default: str = "") -> str:
    values = params.get(key)
    return values[0] if values else default


def classify(params: Params, path: str = "") -> str:
    """The kind of callback these params (and, as a hint, this URL path) describe."""
    has = params.__contains__
    if first(params, "Event") == "Hangup" or any(
        has(k) for k in ("HangupCause", "HangupCauseCode", "HangupCauseName")
    ):
        return "hangup"
    if has("MessageUUID"):
        return "message_status" if has("Status") else "message"
    if any(has(k) for k in ("RecordUrl", "RecordingID", "record_url", "recording_id")):
        return "recording"
    if any(has(k) for k in ("DialStatus", "DialAction", "DialBLegUUID")):
        return "dial"
    if any(has(k) for k in ("Digits", "InputType", "Speech")):
        return "digits"
    if has("CallUUID") and (
        first(params, "Event") == "StartApp"
        or first(params, "CallStatus") in ("ringing", "in-progress")
    ):
        return "answer"
    segment = path.rstrip("/").rsplit("/", 1)[-1].lower().removesuffix(".xml")
    return _PATH_HINTS.get(segment, "other")


def expects_xml(kind: str, params: Params) -> bool:
    """Whether Plivo reads Plivo XML from the response (answer and action URLs)."""
    if kind in ("answer", "digits"):
        return True
    if kind == "dial":
        return "DialStatus" in params  # the Dial action URL; callbackUrl events are notifications
    if kind == "recording":
        return "Digits" in params  # only the <Record> action URL carries Digits
    return False


def short_id(params: Params) -> str:
    """The Call or Message UUID that groups this callback with its siblings."""
    return first(params, "CallUUID") or first(params, "MessageUUID") or first(params, "call_uuid")


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


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


def validate(kind: str, params: Params) -> list[Problem]:
    """Problems with these params for this kind of callback, as data (empty when fine)."""
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
            problems.append(Problem(spec.name, f"{value!r} is not one of: {allowed}"))
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
        problems.append(Problem("HangupCauseCode", f"{code} is not in Plivo's hangup cause table"))
    elif _is_int(code) and name and HANGUP_CAUSES[int(code)] != name:
        expected = HANGUP_CAUSES[int(code)]
        problems.append(
            Problem("HangupCauseName", f"{name!r} does not match code {code} ({expected!r})")
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
