"""`<Conference>`, `<MultiPartyCall>` and `<Stream>` on a call that is alone.

No other party can join a simulated call, so each element does what happens to a lone
participant: it joins, the callbacks that fire for one member are sent, and the call waits
until the element's own limit (Conference `timeLimit`, MPC `maxDuration`, Stream
`streamTimeout`) or `--max-duration`, whichever comes first. The transcript says so.
Attribute defaults per Plivo's docs (conference: https://www.plivo.com/docs/voice/api/conferences,
MPC: https://www.plivo.com/docs/voice/xml/multiparty-call, stream:
https://www.plivo.com/docs/voice/xml/audio-streaming; tabulated in plivo-cli's skills).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from plivocb import plivoxml
from plivocb.generate import fmt_micro
from plivocb.simulate.call import ACTION, Call
from plivocb.simulate.clock import CallEnded
from plivocb.simulate.elements import flag, method_of, number, text_of
from plivocb.simulate.stream import StreamRequest, run_stream_session


async def _hold(call: Call, limit: float) -> bool:
    """Wait alone until `limit` seconds pass (True) or the call ends (raises CallEnded)."""
    await call.clock.advance(limit)
    return True


async def conference(call: Call, el: ET.Element) -> ET.Element | None:
    call.answer()
    name = text_of(el)
    conf_uuid = call.gen.uuid()
    member = str(call.rng.randrange(1000, 99999))
    callback = el.get("callbackUrl")
    ids = {"ConferenceName": name, "ConferenceUUID": conf_uuid, "ConferenceMemberID": member}

    async def event(action: str) -> None:
        if callback:
            await call.sender.notify(
                "conference",
                f"Conference callbackUrl ({action})",
                callback,
                method_of(el, "callbackMethod"),
                call.params(ConferenceAction=action, **ids),
            )

    await event("enter")
    starts = flag(el, "startConferenceOnEnter", True)
    call.emit(
        "note",
        f"Conference {name}: joined alone"
        + ("" if starts else " and waits for a moderator (startConferenceOnEnter=false)")
        + "; no other party can join a simulated call",
    )
    wait_sound = el.get("waitSound")
    if wait_sound and not starts:
        doc = await call.sender.send(
            "answer",
            "Conference waitSound",
            wait_sound,
            method_of(el, "waitSoundMethod"),
            call.params(),
            wants_xml=True,
        )
        if doc.ok:  # a document of Play/Speak/Wait, played while waiting
            for child in plivoxml.parse(doc.reply):
                if child.tag in ("Speak", "Play"):
                    call.emit("heard", f"{child.tag}: {text_of(child)}")
    limit = number(el, "timeLimit", 86400)
    try:
        await _hold(call, limit)
    except CallEnded:
        await event("exit")
        raise
    call.emit("note", f"Conference {name}: timeLimit {limit:g} s reached, the member leaves")
    await event("exit")
    action = el.get("action")
    if not action:
        return None
    return await call.fetch_document(
        ACTION,
        "conference",
        "Conference action",
        action,
        method_of(el),
        call.params(**ids, RecordUrl="", RecordingID=""),
        redirect=flag(el, "redirect", True),
    )


async def multi_party_call(call: Call, el: ET.Element) -> ET.Element | None:
    call.answer()
    name = text_of(el)
    role = el.get("role", "")
    mpc_uuid = call.gen.uuid()
    member = str(call.rng.randrange(1000, 99999))
    joined = call.clock.elapsed
    callback = el.get("statusCallbackUrl")
    groups = {
        g.strip()
        for g in el.get(
            "statusCallbackEvents", "mpc-state-changes,participant-state-changes"
        ).split(",")
    }

    async def event(group: str, name_: str) -> None:
        if callback and group in groups:
            seconds = math.ceil(call.clock.elapsed - joined)
            await call.sender.notify(
                "mpc",
                f"MultiPartyCall statusCallbackUrl ({name_})",
                callback,
                method_of(el, "statusCallbackMethod"),
                call.params(
                    EventName=name_,
                    EventTimestamp=fmt_micro(call.clock.now),
                    MPCUUID=mpc_uuid,
                    MPCName=name,
                    MemberID=member,
                    ParticipantRole=role,
                    ParticipantCallUUID=call.uuid,
                    ParticipantCoachMode=str(flag(el, "coachMode", True)).lower(),
                    MPCDuration=str(seconds),
                    MPCBilledDuration=str(60 * math.ceil(seconds / 60) if seconds else 0),
                    MPCBilledAmount="0.00000",
                ),
            )

    starts = flag(el, "startMpcOnEnter", True)
    await event("mpc-state-changes", "MPCInitialized")
    await event("participant-state-changes", "ParticipantJoin")
    if starts:
        await event("mpc-state-changes", "MPCStart")
    call.emit(
        "note",
        f"MultiPartyCall {name}: joined alone as {role or '?'}; no other party can join a "
        "simulated call",
    )
    limit = number(el, "maxDuration", 14400)
    try:
        await _hold(call, limit)
    except CallEnded:
        await event("participant-state-changes", "ParticipantExit")
        await event("mpc-state-changes", "MPCEnd")
        raise
    call.emit("note", f"MultiPartyCall {name}: maxDuration {limit:g} s reached")
    await event("participant-state-changes", "ParticipantExit")
    await event("mpc-state-changes", "MPCEnd")
    on_exit = el.get("onExitActionUrl")
    if not on_exit:
        return None
    return await call.fetch_document(
        ACTION,
        "mpc",
        "MultiPartyCall onExitActionUrl",
        on_exit,
        method_of(el, "onExitActionMethod"),
        call.params(
            MPCUUID=mpc_uuid,
            MPCFriendlyName=name,
            MemberID=member,
            ParticipantCallUUID=call.uuid,
            ParticipantRole=role,
        ),
    )


async def stream(call: Call, el: ET.Element) -> ET.Element | None:
    call.answer()
    url = text_of(el)
    keep = flag(el, "keepCallAlive", False)
    limit = number(el, "streamTimeout", 86400)
    request = StreamRequest(
        url=url,
        call_uuid=call.uuid,
        stream_id=call.gen.uuid(),
        bidirectional=flag(el, "bidirectional", False),
        audio_track=el.get("audioTrack", "inbound"),
        content_type=el.get("contentType", "audio/x-l16;rate=8000"),
        extra_headers=el.get("extraHeaders", ""),
        keep_call_alive=keep,
        timeout_s=limit,
        call_params=call.params(),
        auth_token=call.opts.auth_token,
        audio=call.opts.audio,
        out=call.opts.stream_out,
        realtime=call.opts.realtime,
        option_names=call.opts.option_names,
    )
    callback = el.get("statusCallbackUrl")
    started = call.clock.elapsed

    async def event(name: str, **extra: str) -> None:
        if callback:
            await call.sender.notify(
                "stream_status",
                f"Stream statusCallbackUrl ({name})",
                callback,
                method_of(el, "statusCallbackMethod"),
                call.params(
                    Event=name,
                    StreamID=request.stream_id,
                    Timestamp=fmt_micro(call.clock.now),
                    **extra,
                ),
            )

    outcome = await run_stream_session(request, min(limit, call.clock.next_deadline - started))
    call.emit("stream", f"Stream {url}: {outcome.status}: {outcome.detail}")
    call.transcript.errors.extend(f"Stream {url}: {p}" for p in outcome.problems)
    if outcome.status == "failed":
        await event("DroppedStream", Error=outcome.detail)
        return None
    await event("StartStream")
    if not keep:
        call.emit("note", "Stream runs in the background (keepCallAlive=false); the XML goes on")

        async def stop() -> None:
            await event("StopStream", Duration=str(math.ceil(call.clock.elapsed - started)))

        call.at_hangup.append(stop)
        return None
    call.emit("note", f"Stream keeps the call (keepCallAlive=true) for up to {limit:g} s")
    try:
        await _hold(call, limit)
    except CallEnded:
        await event("StopStream", Duration=str(math.ceil(call.clock.elapsed - started)))
        raise
    call.emit("note", f"Stream: streamTimeout {limit:g} s reached, the XML goes on")
    await event("StopStream", Duration=str(math.ceil(limit)))
    return None
