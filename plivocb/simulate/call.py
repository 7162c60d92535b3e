"""The call engine: request the answer URL (or the fallback), run the XML, send the hangup.

Plivo's rules followed here (reference §1.1-1.4, §1.13, §3.1-3.2):
* the answer URL gets `Event=StartApp`; inbound calls arrive `ringing`, outbound `in-progress`;
* a failing answer URL goes to the fallback URL when there is one, else the call ends 7011
  (no 2xx, timeout, dead host) or 8011 (a 2xx that is not Plivo XML), source `Error`;
* action URLs fail the call (7012/8012) only when `redirect` is true; Redirect URLs 7014/8014;
* running out of elements ends the call 4010 "End Of XML Instructions", source `Plivo`;
* `--max-duration` ends it 6000 "Scheduled Hangup"; the hangup URL then gets `Event=Hangup`
  with times from the virtual clock and `BillDuration` rounded up to 60 s.
"""

from __future__ import annotations

import math
import random
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import aiohttp

from plivocb import plivoxml
from plivocb.generate import BILL_RATE, STATUS_FOR_CODE, Generator, fmt_local
from plivocb.simulate.clock import CallEnded, VirtualClock
from plivocb.simulate.model import (
    CallerInput,
    CallOptions,
    DialOutcome,
    Event,
    Exchange,
    HangupCause,
    RecordTake,
    Transcript,
)
from plivocb.simulate.transport import Sender

OnEvent = Callable[[Event], None]


@dataclass(frozen=True)
class UrlRole:
    """Hangup codes for an XML URL: unreachable, invalid XML, not http(s), bad method."""

    unreachable: int
    invalid_xml: int
    invalid_url: int
    invalid_method: int


ANSWER = UrlRole(7011, 8011, 7011, 7011)
ACTION = UrlRole(7012, 8012, 7022, 7032)
REDIRECT = UrlRole(7014, 8014, 7024, 7034)


def is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


class Call:
    """One simulated call: its identity, status, clock, inputs and the requests it makes."""

    def __init__(
        self, opts: CallOptions, session: aiohttp.ClientSession, on_event: OnEvent | None
    ) -> None:
        self.opts = opts
        self.rng = random.Random(opts.seed)
        start = datetime.now(UTC).replace(tzinfo=None)
        self.gen = Generator(rng=self.rng, now=start)
        self.base = self.gen.answer(opts.direction, opts.frm, opts.to)
        self.uuid = self.base["CallUUID"]
        self.clock = VirtualClock(start, opts.realtime)
        self.transcript = Transcript(ident=self.uuid)
        self.on_event = on_event
        self.sender = Sender(
            session, opts.auth_token, self.clock, self.transcript, self.emit, opts.out
        )
        self.inputs: deque[CallerInput] = deque(opts.inputs)
        self.dials: deque[DialOutcome] = deque(opts.dials)
        self.records: deque[RecordTake] = deque(opts.records)
        self.answered_at: float | None = None
        self.preanswer = False
        # things that end with the call (background streams, session recordings, rooms)
        self.at_hangup: list[Callable[[], Awaitable[None]]] = []

    # ------------------------------------------------------------------ events

    def emit(self, kind: str, text: str, exchange: Exchange | None = None) -> None:
        event = Event(kind, self.clock.elapsed, text, exchange)
        self.transcript.events.append(event)
        if kind == "heard":
            self.transcript.heard.append(text)
        if self.on_event is not None:
            self.on_event(event)

    def answer(self) -> None:
        """The call is answered (inbound calls, at the first element that is not PreAnswer)."""
        if self.answered_at is None and not self.preanswer:
            self.answered_at = self.clock.elapsed

    # ------------------------------------------------------------------ params

    def params(self, **extra: str) -> dict[str, str]:
        """The standard call parameters at this moment, plus `extra`."""
        p = {k: v for k, v in self.base.items() if k != "Event"}
        p["CallStatus"] = "in-progress" if self.answered_at is not None else "ringing"
        if self.opts.direction == "outbound":
            p["CallStatus"] = "in-progress"
        if self.opts.machine is not None:
            # Make Call with machine_detection: every URL the call invokes gets `Machine`
            # (Make Call API docs; reference §1.2).
            p["Machine"] = "true" if self.opts.machine == "machine" else "false"
        p.update(extra)
        return p

    def next_input(self) -> CallerInput | None:
        return self.inputs.popleft() if self.inputs else None

    # ------------------------------------------------------------------ documents

    async def fetch_document(
        self,
        role: UrlRole,
        kind: str,
        step: str,
        url: str,
        method: str,
        params: dict[str, str],
        redirect: bool = True,
    ) -> ET.Element | None:
        """Request an XML URL; the document to run, or None (redirect=false, reply ignored)."""
        problem = ""
        if not is_http_url(url):
            problem, code = f"{step} {url!r} is not an absolute http(s) URL", role.invalid_url
        elif method not in ("GET", "POST"):
            problem, code = f"{step} method {method!r} is not GET or POST", role.invalid_method
        if problem:
            self.transcript.errors.append(problem)
            self.emit("note", problem)
            if redirect:
                raise CallEnded(HangupCause(code, "Error"))
            return None
        exchange = await self.sender.send(kind, step, url, method, params, wants_xml=redirect)
        if not redirect:
            return None
        if exchange.error or exchange.status is None or not 200 <= exchange.status < 300:
            raise CallEnded(HangupCause(role.unreachable, "Error"))
        if exchange.problems:
            raise CallEnded(HangupCause(role.invalid_xml, "Error"))
        return plivoxml.parse(exchange.reply)

    async def run_document(self, root: ET.Element) -> None:
        """Run elements top to bottom; a transfer (action XML, Redirect) replaces the document."""
        from plivocb.simulate.elements import run_element

        current: ET.Element | None = root
        while current is not None:
            replacement = None
            for element in list(current):
                if not isinstance(element.tag, str):
                    continue
                await self.clock.advance(0)  # a scheduled hangup that is already due
                replacement = await run_element(self, element)
                if replacement is not None:
                    break
            current = replacement

    async def fetch_answer(self) -> ET.Element:
        params = self.params(Event="StartApp")
        try:
            root = await self.fetch_document(
                ANSWER, "answer", "answer URL", self.opts.answer_url, self.opts.method, params
            )
        except CallEnded:
            if not self.opts.fallback_url:
                raise
            self.emit("note", "answer URL failed: requesting the fallback URL")
            root = await self.fetch_document(
                ANSWER, "answer", "fallback URL", self.opts.fallback_url, self.opts.method, params
            )
        assert root is not None  # redirect=True yields a document or raises
        return root

    # ------------------------------------------------------------------ the call

    async def run(self) -> Transcript:
        self.clock.at(self.opts.max_duration, HangupCause(6000, "Plivo"))
        if self.opts.direction == "outbound":
            self.answered_at = 0.0  # Plivo requests an outbound answer URL once answered
        self.emit("note", f"{self.opts.direction} call {self.uuid}")
        try:
            root = await self.fetch_answer()
            await self.run_document(root)
            cause = HangupCause(4010, "Plivo")
        except CallEnded as ended:
            cause = ended.cause
        for finish in self.at_hangup:
            await finish()
        self.transcript.hangup = cause
        self.emit("hangup", str(cause))
        url = self.opts.hangup_url or self.opts.answer_url
        await self.sender.send(
            "hangup", "hangup URL", url, self.opts.method, self.hangup_params(cause)
        )
        self.transcript.duration_s = self.clock.elapsed
        return self.transcript

    def hangup_params(self, cause: HangupCause) -> dict[str, str]:
        start = self.clock.start
        end = self.clock.now
        duration, answer_time = 0, ""
        if self.answered_at is not None:
            duration = math.ceil(self.clock.elapsed - self.answered_at)
            answer_time = fmt_local(self.clock.start_plus(self.answered_at))
        bill = 60 * math.ceil(duration / 60) if duration else 0
        status = STATUS_FOR_CODE.get(cause.code, "completed")
        p = self.params()
        p.update(
            CallStatus=status,
            Event="Hangup",
            StartTime=fmt_local(start),
            AnswerTime=answer_time,
            EndTime=fmt_local(end),
            Duration=str(duration),
            BillDuration=str(bill),
            TotalCost=f"{bill / 60 * float(BILL_RATE):.5f}",
            HangupCause=cause.legacy,
            HangupCauseCode=str(cause.code),
            HangupCauseName=cause.name,
            HangupSource=cause.source,
        )
        return p


async def simulate_call(opts: CallOptions, on_event: OnEvent | None = None) -> Transcript:
    """Play one call against the app at `opts.answer_url`; the transcript of what happened."""
    opts.check()
    async with aiohttp.ClientSession(auto_decompress=True) as session:
        return await Call(opts, session, on_event).run()
