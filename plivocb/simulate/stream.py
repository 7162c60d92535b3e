"""The WebSocket side of a simulated `<Stream>`: one entry point, `run_stream_session`.

The call flow around it (statusCallbackUrl events, keepCallAlive, streamTimeout, waiting until
the call ends) lives in `rooms.stream`. This module owns what happens on the socket: it hands
the session to `plivocb.streams.simulate` (connect like Plivo, stream `--audio` or silence in the
stream's contentType, answer checkpoint/clearAudio, send stop, record the session with the app's
playAudio as a WAV).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from plivocb import defaults
from plivocb.errors import Namer, own_name


@dataclass(frozen=True)
class StreamRequest:
    """Everything a stream session needs from the call and the `<Stream>` element."""

    url: str
    call_uuid: str
    stream_id: str
    bidirectional: bool
    audio_track: str
    content_type: str
    extra_headers: str
    keep_call_alive: bool
    timeout_s: float  # streamTimeout
    call_params: dict[str, str] = field(default_factory=dict)
    auth_token: str = ""
    audio: Path | None = None  # --audio FILE.wav: what the caller says (default: silence)
    out: Path = defaults.SIMULATED_STREAMS_DIR  # where the session and the app's audio are written
    realtime: bool = False  # 20 ms frames at real pace (default: as fast as the app reads)
    option_names: Namer = own_name  # what a failure calls options (`audio`): the CLI's flags


@dataclass
class StreamOutcome:
    """`connected`, `failed` (Plivo then sends DroppedStream) or `not_simulated`."""

    status: str
    detail: str
    frames_sent: int = 0
    frames_received: int = 0
    app_seconds: float = 0.0  # audio the app played back (playAudio)
    app_wav: Path | None = None  # that audio as a WAV
    problems: list[str] = field(default_factory=list)  # app events Plivo would not accept


async def run_stream_session(request: StreamRequest, seconds: float) -> StreamOutcome:
    """Hold a stream session for up to `seconds` of call time and report what happened."""
    from plivocb.streams.simulate import SessionSpec, run_session

    result = await run_session(
        SessionSpec(
            url=request.url,
            call_uuid=request.call_uuid,
            stream_id=request.stream_id,
            content_type=request.content_type,
            audio_track=request.audio_track,
            extra_headers=request.extra_headers,
            auth_token=request.auth_token,
            account_id=request.call_params.get("ParentAuthID") or "MAXXXXXXXXXXXXXXXXXX",
            bidirectional=request.bidirectional,
            audio=request.audio,
            out=request.out,
            realtime=request.realtime,
            option_names=request.option_names,
        ),
        seconds,
    )
    return StreamOutcome(
        result.status,
        result.detail,
        result.frames_sent,
        result.frames_received,
        result.app_seconds,
        result.app_wav,
        result.problems,
    )
