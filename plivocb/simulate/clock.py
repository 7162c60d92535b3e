"""The virtual clock a simulated call runs on, its deadlines, and the durations it assumes.

Durations (documented in README "plivocb simulate"): Plivo publishes no timing for speech or
audio, so the simulator uses fixed, stated estimates. `--realtime` sleeps for real.
"""

from __future__ import annotations

import asyncio
import math
from datetime import datetime, timedelta

from plivocb.simulate.model import HangupCause

SPEAK_SECONDS_PER_WORD = 0.4  # ~150 words a minute
SPEAK_MIN_SECONDS = 1.0
PLAY_SECONDS_PER_LOOP = 5.0  # audio files are not fetched; each loop counts 5 s
BEEP_SECONDS = 1.0
DIGIT_SECONDS = 0.5  # each key the caller presses
SPEECH_SECONDS_PER_WORD = 0.4
DTMF_TONE_SECONDS = 0.25  # each tone `<DTMF async="false">` sends; `w` 0.5 s, `W` 1 s
RING_SECONDS = 5.0  # a dialled party that answers, answers after this
BUSY_SECONDS = 2.0
FAILED_SECONDS = 1.0
DEFAULT_RING_TIMEOUT = 120.0  # Plivo's default ring timeout (hangup cause 6010)
VOICEMAIL_BEEP_SECONDS = 4.0  # `<Wait beep="true">` on a machine hears the beep after this
DEFAULT_MIN_SILENCE_MS = 2000


def speak_seconds(text: str) -> float:
    return max(SPEAK_MIN_SECONDS, len(text.split()) * SPEAK_SECONDS_PER_WORD)


class CallEnded(Exception):
    """Raised by the clock (or an element) when the call hangs up now."""

    def __init__(self, cause: HangupCause) -> None:
        super().__init__(str(cause))
        self.cause = cause


class VirtualClock:
    """Seconds since the call started; hangup deadlines fire when time reaches them."""

    def __init__(self, start: datetime, realtime: bool = False) -> None:
        self.start = start
        self.realtime = realtime
        self.elapsed = 0.0
        self._deadlines: list[tuple[float, HangupCause]] = []

    @property
    def now(self) -> datetime:
        return self.start_plus(self.elapsed)

    def start_plus(self, seconds: float) -> datetime:
        return self.start + timedelta(seconds=seconds)

    def at(self, seconds: float, cause: HangupCause) -> None:
        """Hang up with `cause` when the clock reaches `seconds`."""
        self._deadlines.append((seconds, cause))
        self._deadlines.sort(key=lambda d: d[0])

    @property
    def next_deadline(self) -> float:
        return self._deadlines[0][0] if self._deadlines else math.inf

    async def advance(self, seconds: float) -> None:
        """Let `seconds` pass (math.inf waits for the next deadline); raise at a deadline."""
        target = self.elapsed + max(0.0, seconds)
        if self._deadlines and self._deadlines[0][0] <= target:
            due, cause = self._deadlines[0]
            await self._sleep(max(0.0, due - self.elapsed))
            self.elapsed = max(self.elapsed, due)
            raise CallEnded(cause)
        if math.isinf(target):
            raise RuntimeError("waiting forever with no deadline")  # pragma: no cover
        await self._sleep(target - self.elapsed)
        self.elapsed = target

    async def _sleep(self, seconds: float) -> None:
        if self.realtime and seconds > 0:
            await asyncio.sleep(seconds)
