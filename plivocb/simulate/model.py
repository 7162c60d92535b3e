"""Simulation options, the transcript, its events and hangup causes (pure: no aiohttp, no rich)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from plivocb import defaults
from plivocb.choices import Direction, HttpMethod, Machine, MessageType, ReplyFate
from plivocb.errors import Namer, OptionError, own_name
from plivocb.fields import HANGUP_CAUSES
from plivocb.fixture.model import Fixture
from plivocb.generate import LEGACY_CAUSE

DEFAULT_TOKEN = "plivocb-test-auth-token"  # the pytest plugin's default too
DEFAULT_MAX_DURATION = defaults.MAX_DURATION
DIAL_OUTCOMES = ("answered", "busy", "failed", "no-answer", "timeout")
MESSAGE_STATUSES = tuple(fate.value for fate in ReplyFate)
MESSAGE_TYPES = tuple(kind.value for kind in MessageType)


@dataclass(frozen=True)
class CallerInput:
    """One `--input`: DTMF keys (`23#`) or speech (`speech:yes please`)."""

    kind: str  # "dtmf" or "speech"
    value: str

    @classmethod
    def parse(cls, text: str) -> CallerInput:
        if text.startswith("speech:"):
            spoken = text[len("speech:") :].strip()
            if not spoken:
                raise OptionError(
                    lambda n: (
                        f"{n('input')} speech: needs words",
                        f"e.g. {n('input')} 'speech:yes please'",
                    )
                )
            return cls("speech", spoken)
        if not text or not re.fullmatch(r"[0-9*#A-Da-d]+", text):
            raise OptionError(
                lambda n: (
                    f"{n('input')} {text!r} is neither DTMF keys nor speech",
                    f"use keys 0-9 * # (e.g. {n('input')} '23#') or "
                    f"{n('input')} 'speech:yes please'",
                )
            )
        return cls("dtmf", text.upper())


@dataclass(frozen=True)
class DialOutcome:
    """One `--dial`: `answered[:SECONDS]`, `busy`, `failed`, `no-answer` or `timeout`."""

    status: str
    talk_seconds: float = 30.0

    @classmethod
    def parse(cls, text: str) -> DialOutcome:
        name, _, seconds = text.partition(":")
        if name not in DIAL_OUTCOMES or (seconds and name != "answered"):
            raise OptionError(
                lambda n: (
                    f"{n('dial')} {text!r} is not an outcome",
                    "use answered[:SECONDS], busy, failed, no-answer or timeout",
                )
            )
        if not seconds:
            return cls(name)
        try:
            talk = float(seconds)
        except ValueError:
            talk = -1.0
        if talk < 0:
            raise OptionError(
                lambda n: (f"{n('dial')} {text!r}: bad seconds", f"e.g. {n('dial')} answered:30")
            )
        return cls(name, talk)


@dataclass(frozen=True)
class RecordTake:
    """One `--record`: seconds the caller speaks into a `<Record>`, optionally `:transcript`."""

    seconds: float
    transcription: str = ""

    @classmethod
    def parse(cls, text: str) -> RecordTake:
        seconds, _, words = text.partition(":")
        try:
            value = float(seconds)
        except ValueError:
            value = -1.0
        if value < 0:
            raise OptionError(
                lambda n: (
                    f"{n('record')} {text!r} is not a number of seconds",
                    f"e.g. {n('record')} 12 or {n('record')} '12:please call me back'",
                )
            )
        return cls(value, words.strip())


def _bad_method(method: str) -> OptionError:
    return OptionError(lambda n: (f"{n('method')} {method!r}", "Plivo only uses GET or POST"))


@dataclass
class CallOptions:
    answer_url: str
    hangup_url: str | None = None  # None: the answer URL, as on a Plivo Application
    fallback_url: str | None = None
    method: str = defaults.METHOD
    frm: str = ""
    to: str = ""
    direction: str = defaults.DIRECTION
    inputs: list[CallerInput] = field(default_factory=list)
    dials: list[DialOutcome] = field(default_factory=list)
    records: list[RecordTake] = field(default_factory=list)
    machine: str | None = None  # "human" or "machine" (outbound only)
    max_duration: float = DEFAULT_MAX_DURATION
    realtime: bool = False
    auth_token: str = DEFAULT_TOKEN
    out: Path | None = None
    seed: int | None = None
    audio: Path | None = None  # <Stream>: the caller's audio (a WAV), default silence
    stream_out: Path = defaults.SIMULATED_STREAMS_DIR  # <Stream> sessions and the app's audio
    option_names: Namer = own_name  # what the transcript calls options (`audio`): the CLI's flags

    def check(self) -> None:
        if self.audio is not None and not self.audio.is_file():
            audio = self.audio
            raise OptionError(lambda n: (f"{n('audio')} {audio}: no such file", "give a .wav file"))
        if self.method not in tuple(HttpMethod):
            raise _bad_method(self.method)
        if self.direction not in tuple(Direction):
            direction = self.direction
            raise OptionError(
                lambda n: (f"{n('direction')} {direction!r}", "use inbound or outbound")
            )
        if self.machine is not None and self.machine not in tuple(Machine):
            machine = self.machine
            raise OptionError(lambda n: (f"{n('machine')} {machine!r}", "use human or machine"))
        if self.machine is not None and self.direction != "outbound":
            raise OptionError(
                lambda n: (
                    f"{n('machine')} only applies to outbound calls",
                    f"add {n('direction')} outbound (Plivo's machine detection is a Make Call "
                    "option)",
                )
            )
        if self.max_duration <= 0:
            raise OptionError(
                lambda n: (f"{n('max_duration')} must be positive", f"e.g. {n('max_duration')} 300")
            )


@dataclass
class MessageOptions:
    message_url: str
    method: str = defaults.METHOD
    frm: str = ""
    to: str = ""
    text: str = ""
    type: str = defaults.MESSAGE_TYPE
    media: list[str] = field(default_factory=list)
    status: str = defaults.REPLY_FATE
    auth_token: str = DEFAULT_TOKEN
    out: Path | None = None
    seed: int | None = None

    def check(self) -> None:
        if self.method not in tuple(HttpMethod):
            raise _bad_method(self.method)
        if self.type not in MESSAGE_TYPES:
            kind = self.type
            raise OptionError(lambda n: (f"{n('type')} {kind!r}", "use sms, mms or whatsapp"))
        if self.status not in MESSAGE_STATUSES:
            status = self.status
            raise OptionError(
                lambda n: (f"{n('status')} {status!r}", "use delivered, undelivered or failed")
            )
        if self.media and self.type == "sms":
            raise OptionError(
                lambda n: (
                    f"{n('media')} needs {n('type')} mms or whatsapp",
                    f"add {n('type')} mms",
                )
            )


@dataclass(frozen=True)
class HangupCause:
    code: int
    source: str

    @property
    def name(self) -> str:
        return HANGUP_CAUSES.get(self.code, "Unknown")

    @property
    def legacy(self) -> str:
        """The Q.850-style `HangupCause` (observed pairs; Plivo publishes no mapping)."""
        return LEGACY_CAUSE.get(self.code, "NORMAL_CLEARING")

    def __str__(self) -> str:
        return f"{self.code} {self.name} (source {self.source})"


@dataclass
class Exchange:
    """One request the simulator sent, and what the app answered."""

    index: int
    kind: str  # fixture kind, e.g. answer, digits, dial_callback
    step: str  # what asked for it, e.g. "GetDigits action"
    method: str
    url: str
    params: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: datetime
    status: int | None = None
    content_type: str = ""
    reply: str = ""
    elapsed_ms: float = 0.0
    attempts: int = 1
    error: str = ""  # transport failure: timeout, refused, ...
    problems: list[str] = field(default_factory=list)  # app errors found in this exchange

    @property
    def ok(self) -> bool:
        return not self.problems

    def param(self, key: str) -> str:
        values = self.params.get(key)
        return values[0] if values else ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "kind": self.kind,
            "step": self.step,
            "method": self.method,
            "url": self.url,
            "status": self.status,
            "elapsed_ms": round(self.elapsed_ms, 3),
            "attempts": self.attempts,
            "error": self.error,
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class Event:
    """One line of the timeline: a request, something heard, pressed, dialled, or the end."""

    type: str  # request | heard | input | dial | note | message | stream | hangup
    at: float  # virtual seconds since the call (or message) started
    text: str
    exchange: Exchange | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"event": self.type, "t": round(self.at, 3), "text": self.text}
        if self.exchange is not None:
            data["request"] = self.exchange.as_dict()
        return data


@dataclass
class Transcript:
    """What happened: every request, what the caller heard and did, and how it ended."""

    ident: str = ""  # CallUUID or MessageUUID
    events: list[Event] = field(default_factory=list)
    requests: list[Exchange] = field(default_factory=list)
    heard: list[str] = field(default_factory=list)
    pressed: list[str] = field(default_factory=list)
    hangup: HangupCause | None = None
    fixtures: list[Fixture] = field(default_factory=list)
    fixture_paths: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # app errors found without a request
    duration_s: float = 0.0

    @property
    def hangup_cause(self) -> str:
        return self.hangup.name if self.hangup else ""

    @property
    def hangup_code(self) -> int | None:
        return self.hangup.code if self.hangup else None

    @property
    def app_errors(self) -> list[str]:
        found = [f"{x.step} ({x.url}): {p}" for x in self.requests for p in x.problems]
        return found + self.errors

    @property
    def ok(self) -> bool:
        return not self.app_errors

    def summary(self) -> dict[str, Any]:
        return {
            "event": "summary",
            "summary": True,
            "id": self.ident,
            "requests": len(self.requests),
            "hangup_code": self.hangup_code,
            "hangup_cause": self.hangup_cause,
            "hangup_source": self.hangup.source if self.hangup else "",
            "duration_s": round(self.duration_s, 3),
            "app_errors": self.app_errors,
            "ok": self.ok,
        }
