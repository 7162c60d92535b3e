"""Plays Plivo's part of a bidirectional stream for replay and simulate: checks each app event,
keeps a playback clock for `playAudio`, answers `checkpoint` with `playedStream` once the audio
queued before it has played, and `clearAudio` with `clearedAudio` (dropping pending checkpoints,
which Plivo only acknowledges for audio actually played). See `protocol` for the sources.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from plivocb.streams import protocol
from plivocb.streams.record import parse_frame

MAX_REASONS = 10  # distinct problems kept per session; the rest are counted


@dataclass
class AppTally:
    """What the app sent during one session, as checked."""

    names: list[str] = field(default_factory=list)  # collapsed event-type sequence
    problems: list[str] = field(default_factory=list)
    more_problems: int = 0
    first_at: float | None = None  # loop time of the first app frame
    audio_seconds: float = 0.0
    frames: int = 0

    def add_problem(self, text: str) -> None:
        if text in self.problems:
            return
        if len(self.problems) < MAX_REASONS:
            self.problems.append(text)
        else:
            self.more_problems += 1

    def reasons(self) -> list[str]:
        extra = [f"… and {self.more_problems} more problems"] if self.more_problems else []
        return [f"app event not accepted by Plivo: {p}" for p in self.problems] + extra


class PlivoSide:
    """Feed it every frame the app sends; it checks them and answers like Plivo."""

    def __init__(
        self,
        send: Callable[[str], Awaitable[None]],
        stream_id: str = "",
        on_audio: Callable[[bytes, protocol.AudioFormat], None] | None = None,
        bidirectional: bool = True,
    ) -> None:
        self.send = send
        self.stream_id = stream_id
        self.on_audio = on_audio
        self.bidirectional = bidirectional
        self.tally = AppTally()
        self.sequence = 0
        self.play_until = 0.0
        self.pending: set[asyncio.Task[None]] = set()
        self.stopped = False  # after `stop`, Plivo answers nothing more

    def next_sequence(self) -> int:
        self.sequence += 1
        return self.sequence

    def saw_sequence(self, value: object) -> None:
        if isinstance(value, int) and not isinstance(value, bool):
            self.sequence = max(self.sequence, value)

    async def _answer(self, delay: float, event: dict[str, Any]) -> None:
        await asyncio.sleep(delay)
        event["sequenceNumber"] = self.next_sequence()
        with contextlib.suppress(Exception):  # the socket may have closed meanwhile
            await self.send(json.dumps(event))

    def _schedule(self, delay: float, event: dict[str, Any]) -> None:
        if self.stopped:
            return
        task = asyncio.create_task(self._answer(delay, event))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    def app_frame(self, data: str | bytes) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        tally = self.tally
        tally.frames += 1
        if tally.first_at is None:
            tally.first_at = now
        if isinstance(data, bytes):
            tally.names = protocol.collapse([*tally.names, "(binary)"])
            tally.add_problem("a binary frame (Plivo expects JSON text)")
            return
        frame = parse_frame(data)
        if frame is None:
            tally.names = protocol.collapse([*tally.names, "(not JSON)"])
            tally.add_problem(f"not a JSON object: {data[:60]!r}")
            return
        name = frame.get("event")
        tally.names = protocol.collapse([*tally.names, str(name)[:40]])
        for problem in protocol.app_event_problems(frame, self.stream_id):
            tally.add_problem(problem)
        if name == "playAudio" and not self.bidirectional:
            # "If true, Plivo accepts … playAudio" (<Stream bidirectional>, XML docs): not here
            tally.add_problem('playAudio on a stream without bidirectional="true" (never played)')
        elif name == "playAudio":
            fmt = protocol.play_format(frame)
            media = frame.get("media")
            audio = protocol.decode_payload(
                media.get("payload") if isinstance(media, dict) else None
            )
            if fmt is not None and audio is not None:
                seconds = len(audio) / fmt.sample_width / fmt.rate
                tally.audio_seconds += seconds
                self.play_until = max(self.play_until, now) + seconds
                if self.on_audio is not None:
                    self.on_audio(audio, fmt)
        elif name == "checkpoint" and isinstance(frame.get("name"), str):
            answer = {"event": "playedStream", "streamId": self.stream_id, "name": frame["name"]}
            self._schedule(max(0.0, self.play_until - now), answer)
        elif name == "clearAudio":
            for task in list(self.pending):
                task.cancel()
            self.play_until = now
            self._schedule(0.0, {"event": "clearedAudio", "streamId": self.stream_id})

    async def stop(self) -> None:
        """The stream is ending: drop answers not sent yet (their audio never played)."""
        self.stopped = True
        await self.drain()

    async def drain(self) -> None:
        for task in list(self.pending):
            task.cancel()
        await asyncio.gather(*self.pending, return_exceptions=True)
