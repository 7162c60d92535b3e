"""Plivo's audio stream event protocol: names, formats and the checks an app's events must pass.

Sources (checked 2026-11):
* Stream Event Protocol, https://plivo.com/docs/voice/audio-streaming/audio-streaming and the
  reference https://www.plivo.com/docs/voice-agents/audio-streaming/concepts/audio-streaming-reference
  Plivo → app: `start` (once; `start.callId`, `start.streamId`, `start.accountId`, `start.tracks`,
  `start.mediaFormat.encoding`, `start.mediaFormat.sampleRate`), `media` (`media.track`,
  `media.timestamp` in ms as a string, `media.chunk`, `media.payload` base64), `dtmf`,
  `playedStream`, `clearedAudio`. App → Plivo: `playAudio`, `checkpoint`, `clearAudio`, `sendDTMF`.
* playAudio: https://docs.plivo.com/docs/voice/xml/audiostream/stream-events-to-plivo/play-audio-event
  `media.contentType` audio/x-l16 (sampleRate 8000 or 16000) or audio/x-mulaw (8000),
  base64 payload.
* checkpoint: https://plivo.com/docs/voice/xml/the-stream-element/checkpoint-event (`name`,
  `streamId`; Plivo answers `playedStream` with the same name once the audio queued before it
  played). A support article calls the answer `played`; the protocol pages say `playedStream`
  (we follow them).
* clearAudio: https://docs.plivo.com/docs/voice/xml/audiostream/stream-events-to-plivo/clear-audio-stream
  (answered by `clearedAudio` with a `sequenceNumber`).
* `<Stream>` XML and its status callback (`Event` = StartStream | StopStream | DroppedStream |
  DegradedStream): https://docs.plivo.com/docs/voice/xml/audiostream
* `stop`: the issue and some integrators' parsers expect a `stop` event; Plivo's protocol page
  lists none (the socket closing ends the stream). We accept it as a known Plivo event and our
  generators send it last, then close; see docs/fixture-format.md.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

FROM_PLIVO = ("start", "media", "dtmf", "playedStream", "clearedAudio", "stop")
FROM_APP = ("playAudio", "checkpoint", "clearAudio", "sendDTMF")
APP_AUDIO = "playAudio"

MULAW = "audio/x-mulaw"
L16 = "audio/x-l16"
# contentType → allowed sampleRates (playAudio docs above)
RATES: dict[str, tuple[int, ...]] = {MULAW: (8000,), L16: (8000, 16000)}
# <Stream contentType> values (XML docs above); the default is audio/x-l16;rate=8000
STREAM_CONTENT_TYPES = (
    "audio/x-l16;rate=8000",
    "audio/x-l16;rate=16000",
    "audio/x-mulaw;rate=8000",
)
DEFAULT_STREAM_CONTENT_TYPE = "audio/x-l16;rate=8000"
MAX_PLAY_BYTES = 1 << 20  # decoded playAudio payload: over 1 MiB (65 s of 8 kHz L16) is not sane


@dataclass(frozen=True)
class AudioFormat:
    """A wire audio format: `audio/x-mulaw` or `audio/x-l16` (16-bit little-endian) at a rate."""

    encoding: str
    rate: int

    @property
    def sample_width(self) -> int:
        return 1 if self.encoding == MULAW else 2

    def supported(self) -> bool:
        return self.rate in RATES.get(self.encoding, ())

    def content_type(self) -> str:
        return f"{self.encoding};rate={self.rate}"


def parse_rate(value: object) -> int | None:
    """sampleRate arrives as a number or a numeric string (both seen in Plivo's examples)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def parse_content_type(text: str) -> AudioFormat | None:
    """`audio/x-mulaw;rate=8000` → AudioFormat; None when it is not one Plivo supports."""
    encoding, _, rest = text.strip().partition(";")
    rate = None
    for part in rest.split(";"):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "rate":
            rate = parse_rate(value.strip())
    fmt = AudioFormat(encoding.strip().lower(), rate or 8000)
    return fmt if fmt.supported() else None


def media_format(start: dict[str, Any]) -> AudioFormat | None:
    """The caller audio format announced by a `start` event, if it is one we can decode."""
    body = start.get("start")
    mf = body.get("mediaFormat") if isinstance(body, dict) else None
    if not isinstance(mf, dict) or not isinstance(mf.get("encoding"), str):
        return None
    encoding = mf["encoding"].partition(";")[0].strip().lower()
    rate = parse_rate(mf.get("sampleRate"))
    fmt = AudioFormat(encoding, rate or 0)
    return fmt if fmt.supported() else None


def stream_id(start: dict[str, Any]) -> str:
    body = start.get("start")
    value = body.get("streamId") if isinstance(body, dict) else None
    return value if isinstance(value, str) else ""


def decode_payload(value: object) -> bytes | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def play_format(event: dict[str, Any]) -> AudioFormat | None:
    media = event.get("media")
    if not isinstance(media, dict) or not isinstance(media.get("contentType"), str):
        return None
    encoding = media["contentType"].partition(";")[0].strip().lower()
    fmt = AudioFormat(encoding, parse_rate(media.get("sampleRate")) or 0)
    return fmt if fmt.supported() else None


def app_event_problems(event: object, expected_stream_id: str = "") -> list[str]:
    """Why Plivo would not accept this app → Plivo event (empty when it would)."""
    if not isinstance(event, dict):
        return ["not a JSON object"]
    name = event.get("event")
    if name not in FROM_APP:
        return [f"unknown event {str(name)[:40]!r} (Plivo accepts {', '.join(FROM_APP)})"]
    problems: list[str] = []
    sid = event.get("streamId")
    if expected_stream_id and isinstance(sid, str) and sid != expected_stream_id:
        problems.append(f"{name}: streamId {sid[:40]!r} is not this stream's")
    if name == "playAudio":
        media = event.get("media")
        if not isinstance(media, dict):
            return [*problems, "playAudio without a `media` object"]
        ctype = media.get("contentType")
        rate = parse_rate(media.get("sampleRate"))
        encoding = ctype.partition(";")[0].strip().lower() if isinstance(ctype, str) else None
        if encoding not in RATES:
            problems.append(
                f"playAudio contentType {str(ctype)[:40]!r} is not audio/x-l16 or audio/x-mulaw"
            )
        elif rate not in RATES[encoding]:
            allowed = " or ".join(map(str, RATES[encoding]))
            problems.append(
                f"playAudio sampleRate {str(media.get('sampleRate'))[:20]!r} is not {allowed} "
                f"for {encoding}"
            )
        audio = decode_payload(media.get("payload"))
        if audio is None:
            problems.append("playAudio payload is missing, empty or not valid base64")
        elif len(audio) > MAX_PLAY_BYTES:
            problems.append(f"playAudio payload of {len(audio)} bytes is over {MAX_PLAY_BYTES}")
        elif encoding == L16 and len(audio) % 2:
            problems.append("playAudio audio/x-l16 payload has an odd number of bytes")
    elif name == "checkpoint":
        label = event.get("name")
        if not isinstance(label, str) or not label.strip():
            problems.append("checkpoint without a `name`")
    return problems


def collapse(names: list[str]) -> list[str]:
    """Event types with runs merged: a reply chunked into 3 or 30 playAudio reads the same."""
    out: list[str] = []
    for name in names:
        if not out or out[-1] != name:
            out.append(name)
    return out
