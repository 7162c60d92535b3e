"""What each voice XML element does to a simulated call (attributes and defaults per Plivo's
XML reference: https://www.plivo.com/docs/voice/xml/, as tabulated in plivo-cli's
voice-xml-skill/SKILL.md).

Each runner returns None to go on with the next element, or the document that replaces the
current one (an action URL's XML when `redirect` is true, a Redirect URL's XML).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable

from plivocb.simulate import clock as durations
from plivocb.simulate.call import ACTION, REDIRECT, Call
from plivocb.simulate.clock import CallEnded
from plivocb.simulate.model import HangupCause, RecordTake

Runner = Callable[[Call, ET.Element], Awaitable[ET.Element | None]]


def text_of(element: ET.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def flag(element: ET.Element, name: str, default: bool) -> bool:
    value = element.get(name)
    return default if value is None else value.strip().lower() == "true"


def number(element: ET.Element, name: str, default: float) -> float:
    value = element.get(name, "").strip()
    try:
        return float(value) if value else default
    except ValueError:
        return default


def method_of(element: ET.Element, name: str = "method") -> str:
    return (element.get(name) or "POST").upper()


# ---------------------------------------------------------------------- audio out


async def speak(call: Call, el: ET.Element) -> None:
    call.answer()
    words = text_of(el)
    loops = int(number(el, "loop", 1))
    call.emit("heard", f"Speak: {words}")
    await call.clock.advance(math.inf if loops == 0 else durations.speak_seconds(words) * loops)


async def play(call: Call, el: ET.Element) -> None:
    call.answer()
    url = text_of(el)
    loops = int(number(el, "loop", 1))
    call.emit("heard", f"Play: {url}")
    await call.clock.advance(math.inf if loops == 0 else durations.PLAY_SECONDS_PER_LOOP * loops)


async def wait(call: Call, el: ET.Element) -> None:
    call.answer()
    length = number(el, "length", 1)
    seconds = length
    how = f"Wait {length:g} s"
    if flag(el, "beep", False) or el.get("beep", "").startswith("duration"):
        if call.opts.machine == "machine":
            seconds = min(length, durations.VOICEMAIL_BEEP_SECONDS)
            how += f": voicemail beep heard after {seconds:g} s"
        else:
            how += ": no beep (not a machine)"
    elif flag(el, "silence", False):
        silence = number(el, "minSilence", durations.DEFAULT_MIN_SILENCE_MS) / 1000
        seconds = min(length, silence)
        how += f": the caller is silent, so it ends after {seconds:g} s of silence"
    call.emit("note", how)
    await call.clock.advance(seconds)


async def dtmf(call: Call, el: ET.Element) -> None:
    call.answer()
    keys = text_of(el)
    call.emit("note", f"DTMF sent to the caller: {keys}")
    if not flag(el, "async", True):
        tones = sum(
            0.5 if k == "w" else 1.0 if k == "W" else durations.DTMF_TONE_SECONDS for k in keys
        )
        await call.clock.advance(tones)


async def preanswer(call: Call, el: ET.Element) -> ET.Element | None:
    call.emit("note", "PreAnswer: early media, the call is not answered yet")
    call.preanswer = True
    try:
        for child in el:
            if isinstance(child.tag, str):
                replacement = await run_element(call, child)
                if replacement is not None:
                    return replacement
    finally:
        call.preanswer = False
    return None


async def prompts(call: Call, el: ET.Element) -> None:
    for child in el:
        if child.tag in ("Speak", "Play", "Wait"):
            await RUNNERS[child.tag](call, child)


# ---------------------------------------------------------------------- input


def collect_keys(keys: str, finish: str, limit: int) -> tuple[str, bool]:
    """The digits taken from `keys`, and whether entry ended by itself (key or count)."""
    taken = ""
    for key in keys:
        if finish != "none" and key in finish:
            return taken, True
        taken += key
        if len(taken) >= limit:
            return taken, True
    return taken, False


async def get_digits(call: Call, el: ET.Element) -> ET.Element | None:
    return await _gather(call, el, "GetDigits")


async def get_input(call: Call, el: ET.Element) -> ET.Element | None:
    return await _gather(call, el, "GetInput")


async def _gather(call: Call, el: ET.Element, tag: str) -> ET.Element | None:
    call.answer()
    is_input = tag == "GetInput"
    input_types = (el.get("inputType") or ("dtmf" if not is_input else "dtmf speech")).split()
    wait_s = number(el, "executionTimeout" if is_input else "timeout", 15 if is_input else 5)
    between = 5.0 if is_input else number(el, "digitTimeout", 2)
    if is_input and (el.get("digitEndTimeout") or "auto") != "auto":
        between = number(el, "digitEndTimeout", 5)
    finish = el.get("finishOnKey", "#")
    limit = int(number(el, "numDigits", 32 if is_input else 99))
    valid = el.get("validDigits", "1234567890*#") if not is_input else None
    tries = max(1, int(number(el, "retries", 1)))
    for attempt in range(1, tries + 1):
        await prompts(call, el)
        if flag(el, "playBeep", False):
            await call.clock.advance(durations.BEEP_SECONDS)
        given = call.next_input()
        if given is None:
            call.emit(
                "note", f"{tag}: no input, timed out after {wait_s:g} s (try {attempt}/{tries})"
            )
            await call.clock.advance(wait_s)
            continue
        if given.kind not in input_types:
            call.emit(
                "note",
                f"{tag}: {given.kind} input {given.value!r} ignored, it takes "
                f"{' '.join(input_types)} ({attempt}/{tries})",
            )
            await call.clock.advance(wait_s)
            continue
        extra: dict[str, str]
        if given.kind == "speech":
            call.transcript.pressed.append(f"speech:{given.value}")
            call.emit("input", f"said: {given.value}")
            await call.clock.advance(len(given.value.split()) * durations.SPEECH_SECONDS_PER_WORD)
            # Action parameters per the GetInput docs; the confidence score is a fixed 0.9 and
            # BilledAmount is not published per request.
            extra = {
                "InputType": "speech",
                "Digits": "",
                "Speech": given.value,
                "SpeechConfidenceScore": "0.9",
                "BilledAmount": "0.00000",
            }
        else:
            digits, ended = collect_keys(given.value, finish, limit)
            call.transcript.pressed.append(given.value)
            call.emit("input", f"pressed: {given.value}")
            await call.clock.advance(len(given.value) * durations.DIGIT_SECONDS)
            if valid is not None and any(d not in valid for d in digits):
                call.emit("note", f"{tag}: {digits!r} has keys outside validDigits={valid!r}")
                sound = el.get("invalidDigitsSound")
                if sound:
                    call.emit("heard", f"Play: {sound}")
                    await call.clock.advance(durations.PLAY_SECONDS_PER_LOOP)
                continue
            if not digits:
                call.emit("note", f"{tag}: no digits before the finish key")
                continue
            if not ended:
                await call.clock.advance(between)  # entry ends when the digit timeout passes
            extra = {"Digits": digits}
            if is_input:
                extra = {
                    "InputType": "dtmf",
                    "Digits": digits,
                    "Speech": "",
                    "BilledAmount": "0.00000",
                }
        action = el.get("action")
        if not action:
            call.emit("note", f"{tag} has no action URL: the input goes nowhere")
            return None
        return await call.fetch_document(
            ACTION,
            "digits",
            f"{tag} action",
            action,
            method_of(el),
            call.params(**extra),
            redirect=flag(el, "redirect", True),
        )
    call.emit("note", f"{tag}: no valid input after {tries} tries, moving to the next element")
    return None


# ---------------------------------------------------------------------- record


def recording_params(call: Call, take_id: str, seconds: float, fmt: str) -> dict[str, str]:
    ms = round(seconds * 1000)
    end_ms = int(call.clock.now.timestamp() * 1000)
    account = call.base.get("ParentAuthID", "MA")
    return {
        "RecordUrl": f"https://media.plivo.com/v1/Account/{account}/Recording/{take_id}.{fmt}",
        "RecordingID": take_id,
        "RecordingDuration": str(round(seconds)),
        "RecordingDurationMs": str(ms),
        "RecordingStartMs": str(end_ms - ms),
        "RecordingEndMs": str(end_ms),
    }


async def record(call: Call, el: ET.Element) -> ET.Element | None:
    call.answer()
    fmt = el.get("fileFormat", "mp3")
    take_id = call.gen.uuid()
    redirect = flag(el, "redirect", True)
    action = el.get("action")
    if flag(el, "recordSession", False) or flag(el, "startOnDialAnswer", False):
        return await _record_session(call, el, take_id, fmt, action, redirect)
    if flag(el, "playBeep", True):
        await call.clock.advance(durations.BEEP_SECONDS)
    max_length = number(el, "maxLength", 60)
    take = call.records.popleft() if call.records else None
    if take is None:
        silence = number(el, "timeout", 15)
        take = RecordTake(0.0)
        call.emit("note", f"Record: the caller stays silent; it stops after {silence:g} s")
        await call.clock.advance(silence)
    else:
        seconds = min(take.seconds, max_length)
        cut = " (maxLength reached)" if take.seconds > max_length else ""
        call.emit("input", f"recorded {seconds:g} s{cut}")
        take = RecordTake(seconds, take.transcription)
        await call.clock.advance(seconds)
    details = recording_params(call, take_id, take.seconds, fmt)
    try:
        if not action:
            return None
        return await call.fetch_document(
            ACTION,
            "recording",
            "Record action",
            action,
            method_of(el),
            call.params(**details, Digits=""),
            redirect=redirect,
        )
    finally:  # the file is ready later, whatever the action URL did to the call
        await _record_callbacks(call, el, details, take)


async def _record_callbacks(
    call: Call, el: ET.Element, details: dict[str, str], take: RecordTake
) -> None:
    callback = el.get("callbackUrl")
    if callback:
        await call.sender.notify(
            "recording",
            "Record callbackUrl",
            callback,
            method_of(el, "callbackMethod"),
            call.params(**details),
        )
    transcription_url = el.get("transcriptionUrl")
    if transcription_url:
        # Transcription parameters per the Record docs (lower-case names are Plivo's).
        await call.sender.notify(
            "transcription",
            "Record transcriptionUrl",
            transcription_url,
            method_of(el, "transcriptionMethod"),
            {
                "transcription_charge": "0.05000",
                "transcription": take.transcription,
                "duration": details["RecordingDuration"],
                "call_uuid": call.uuid,
                "transcription_rate": "0.05000",
                "recording_id": details["RecordingID"],
                "error": "" if take.seconds > 0 else "Recording duration too short",
            },
        )


async def _record_session(
    call: Call, el: ET.Element, take_id: str, fmt: str, action: str | None, redirect: bool
) -> ET.Element | None:
    started = call.clock.elapsed
    call.emit("note", "Record: session recording runs in the background until the call ends")
    replacement = None
    if action:
        # With recordSession or startOnDialAnswer the first action request carries -1 durations.
        details = recording_params(call, take_id, 0, fmt)
        details.update(RecordingDuration="-1", RecordingDurationMs="-1", RecordingEndMs="-1")
        replacement = await call.fetch_document(
            ACTION,
            "recording",
            "Record action",
            action,
            method_of(el),
            call.params(**details, Digits=""),
            redirect=redirect,
        )

    async def finish() -> None:
        details = recording_params(call, take_id, call.clock.elapsed - started, fmt)
        await _record_callbacks(call, el, details, RecordTake(call.clock.elapsed - started))

    call.at_hangup.append(finish)
    return replacement


# ---------------------------------------------------------------------- routing


async def redirect(call: Call, el: ET.Element) -> ET.Element | None:
    url = text_of(el)
    call.emit("note", f"Redirect to {url}")
    return await call.fetch_document(
        REDIRECT, "answer", "Redirect", url, method_of(el), call.params()
    )


async def hangup(call: Call, el: ET.Element) -> None:
    reason = el.get("reason", "")
    # Observed pairs (plivo-cli voice-xml skill): rejected 3020, busy 3010, source Answer XML.
    code = {"rejected": 3020, "busy": 3010}.get(reason, 4000)
    schedule = el.get("schedule")
    if schedule is not None:
        seconds = number(el, "schedule", 0)
        call.emit("note", f"Hangup scheduled in {seconds:g} s; the next elements keep running")
        call.clock.at(call.clock.elapsed + seconds, HangupCause(6000, "Answer XML"))
        return
    if code == 4000:
        call.answer()
    raise CallEnded(HangupCause(code, "Answer XML"))


async def message(call: Call, el: ET.Element) -> None:
    from plivocb.simulate.message import send_reply

    await send_reply(call.sender, call.gen, el, "delivered", call.emit)


async def dial(call: Call, el: ET.Element) -> ET.Element | None:
    from plivocb.simulate.dial import run_dial

    return await run_dial(call, el)


async def run_element(call: Call, el: ET.Element) -> ET.Element | None:
    runner = RUNNERS.get(str(el.tag))
    if runner is None:
        call.emit("note", f"<{el.tag}> is not a voice element: skipped")
        return None
    return await runner(call, el)


def _rooms(name: str) -> Runner:
    async def runner(call: Call, el: ET.Element) -> ET.Element | None:
        from plivocb.simulate import rooms

        result: ET.Element | None = await getattr(rooms, name)(call, el)
        return result

    return runner


RUNNERS: dict[str, Runner] = {
    "Speak": speak,
    "Play": play,
    "Wait": wait,
    "DTMF": dtmf,
    "PreAnswer": preanswer,
    "GetDigits": get_digits,
    "GetInput": get_input,
    "Record": record,
    "Redirect": redirect,
    "Hangup": hangup,
    "Message": message,
    "Dial": dial,
    "Conference": _rooms("conference"),
    "MultiPartyCall": _rooms("multi_party_call"),
    "Stream": _rooms("stream"),
}
