"""`<Dial>`: ring the `<Number>`/`<User>` targets, take the outcome from the next `--dial`.

Action parameters (`DialStatus`, `DialRingStatus`, `DialHangupCause`, `DialALegUUID`,
`DialBLegUUID`) and callbackUrl events (`DialAction` answer/connected/hangup with the B leg's
status, durations and hangup cause) follow Plivo's Dial docs
(https://www.plivo.com/docs/voice/xml/routing, tabulated in plivo-cli voice-xml-skill).
All targets of one Dial ring together; the outcome applies to the first, as if it won the race.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from plivocb.simulate import clock as durations
from plivocb.simulate.call import ACTION, Call
from plivocb.simulate.clock import CallEnded
from plivocb.simulate.elements import flag, method_of, number, text_of
from plivocb.simulate.model import DialOutcome, HangupCause

DEFAULT_OUTCOME = DialOutcome("no-answer")
# outcome -> (DialStatus, B-leg hangup code, legacy DialHangupCause, rang?)
OUTCOMES = {
    "answered": ("completed", 4000, "NORMAL_CLEARING", True),
    "busy": ("busy", 3010, "USER_BUSY", False),
    "failed": ("failed", 2000, "UNALLOCATED_NUMBER", False),
    "no-answer": ("no-answer", 3000, "NO_ANSWER", True),
    "timeout": ("timeout", 6010, "NO_ANSWER", True),
}


async def run_dial(call: Call, el: ET.Element) -> ET.Element | None:
    call.answer()
    targets = [(c.tag, text_of(c)) for c in el if c.tag in ("Number", "User")]
    outcome = call.dials.popleft() if call.dials else DEFAULT_OUTCOME
    status, b_code, legacy, rang = OUTCOMES[outcome.status]
    shown = ", ".join(t for _, t in targets) or "(no target)"
    b_uuid = call.gen.uuid()
    b_from = el.get("callerId") or call.base["From"]
    b_to = targets[0][1] if targets else ""
    ring_timeout = number(el, "timeout", durations.DEFAULT_RING_TIMEOUT)
    time_limit = number(el, "timeLimit", 14400)
    callback = el.get("callbackUrl")
    callback_method = method_of(el, "callbackMethod")
    talk = 0.0

    async def event(action: str, b_status: str, **extra: str) -> None:
        if callback:
            params = call.params(
                DialAction=action,
                DialBLegStatus=b_status,
                DialALegUUID=call.uuid,
                DialBLegUUID=b_uuid,
                DialBLegFrom=b_from,
                DialBLegTo=b_to,
                **extra,
            )
            await call.sender.notify(
                "dial_callback", f"Dial callbackUrl ({action})", callback, callback_method, params
            )

    async def b_hangup(code: int, seconds: float, source: str) -> None:
        whole = math.ceil(seconds)
        await event(
            "hangup",
            "hangup",
            DialBLegDuration=str(whole),
            DialBLegBillDuration=str(60 * math.ceil(whole / 60) if whole else 0),
            DialBLegHangupCauseCode=str(code),
            DialBLegHangupCauseName=HangupCause(code, source).name,
            DialBLegHangupSource=source,
        )

    call.emit("dial", f"Dial {shown}: {outcome.status}")
    if outcome.status == "answered":
        await call.clock.advance(min(durations.RING_SECONDS, ring_timeout))
        if ring_timeout < durations.RING_SECONDS:
            status, b_code, legacy = "no-answer", 3000, "NO_ANSWER"
            call.emit("note", f"Dial timeout {ring_timeout:g} s passed before the answer")
            await b_hangup(b_code, 0, "Plivo")
        else:
            await event("answer", "answer")
            await event("connected", "answer")
            talk = min(outcome.talk_seconds, time_limit)
            b_source = "Callee" if talk == outcome.talk_seconds else "Plivo"
            if talk < outcome.talk_seconds:
                b_code = 6000
                call.emit("note", f"Dial timeLimit {time_limit:g} s ends the bridge")
            bridged = call.clock.elapsed
            try:
                await call.clock.advance(talk)
            except CallEnded:  # the call ends while bridged: the B leg goes with it
                await b_hangup(4000, call.clock.elapsed - bridged, "Caller")
                raise
            call.emit("dial", f"the dialled party hung up after {talk:g} s")
            await b_hangup(b_code, talk, b_source)
    else:
        seconds = {
            "busy": durations.BUSY_SECONDS,
            "failed": durations.FAILED_SECONDS,
            "timeout": ring_timeout,
        }.get(outcome.status, ring_timeout)
        await call.clock.advance(seconds)
        await b_hangup(b_code, 0, "Callee" if outcome.status == "busy" else "Plivo")
        b_uuid = ""  # no B leg was connected
    action = el.get("action")
    if not action:
        return None
    return await call.fetch_document(
        ACTION,
        "dial",
        "Dial action",
        action,
        method_of(el),
        call.params(
            DialStatus=status,
            DialRingStatus="true" if rang else "false",
            DialHangupCause=legacy,
            DialALegUUID=call.uuid,
            DialBLegUUID=b_uuid,
        ),
        redirect=flag(el, "redirect", True),
    )
