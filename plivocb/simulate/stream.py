"""The WebSocket side of a simulated `<Stream>`: one entry point, `run_stream_session`.

The call flow around it (statusCallbackUrl events, keepCallAlive, streamTimeout, waiting until
the call ends) lives in `rooms.stream`. This module owns what happens on the socket. In this
version no WebSocket is opened: the session reports `not_simulated` and the transcript says so.
Audio stream sessions (connect to the `wss://` URL, send start/media/stop, record frames) are
the subject of issue #16 and will replace the body of `run_stream_session`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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


@dataclass
class StreamOutcome:
    """`connected`, `failed` (Plivo then sends DroppedStream) or `not_simulated`."""

    status: str
    detail: str
    frames_sent: int = 0
    frames_received: int = 0


async def run_stream_session(request: StreamRequest, seconds: float) -> StreamOutcome:
    """Hold a stream session for up to `seconds` of call time and report what happened."""
    return StreamOutcome(
        "not_simulated",
        f"no WebSocket was opened to {request.url}: this plivocb does not simulate "
        "audio stream sessions yet; the call flow around <Stream> is simulated",
    )
