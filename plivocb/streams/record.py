"""Stream fixtures on disk: written progressively while a session runs, read back frame by frame.

A session `S` is `S.toml` (a v1 fixture of kind "stream": the handshake request, its signature
verdict and the handshake answer), `S.events.jsonl` (one JSON object per line: a header, every
frame with its direction and time offset, the close) and one WAV per audio track:
`S.inbound.wav` / `S.outbound.wav` (Plivo → app `media`) and `S.app.wav` (the app's `playAudio`).
Audio payloads live only in the WAVs; the event line keeps where (sample offset and count).
Every line and every WAV append is written before the frame is relayed, so a session cut by
kill -9 keeps every frame that was passed on. See docs/fixture-format.md, "Stream fixtures".
"""

from __future__ import annotations

import base64
import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plivocb.errors import FixtureError
from plivocb.streams import audio, protocol
from plivocb.streams.protocol import AudioFormat

STREAM_KIND = "stream"
STREAM_FORMAT = 1
EVENTS_SUFFIX = ".events.jsonl"
PLIVO, APP = "plivo", "app"  # who sent a frame: Plivo (→ app) or the app (→ Plivo)
MEDIA_TRACKS = ("inbound", "outbound")
APP_TRACK = "app"
MAX_LINE = 8 << 20  # a frame is bounded by the socket's max message size (well under this)
# A frame's `t` (ms since the session opened) lies within a call: Plivo disconnects every call
# at 24 h (make-a-call `time_limit`: "Calls >= 86400s are disconnected at 24h",
# https://www.plivo.com/docs/voice/api/call/make-a-call).
MAX_T_MS = 86_400_000


def events_path(fixture: Path) -> Path:
    return fixture.with_name(fixture.stem + EVENTS_SUFFIX)


def track_path(fixture: Path, track: str) -> Path:
    return fixture.with_name(f"{fixture.stem}.{track}.wav")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_frame(text: str) -> dict[str, Any] | None:
    """A text frame as a JSON object, or None when it is not one."""
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _dump(obj: dict[str, Any]) -> bytes:
    return (json.dumps(obj, ensure_ascii=True, separators=(",", ":")) + "\n").encode("ascii")


@dataclass
class Tally:
    """What the live view shows for a session; small and fixed-size whatever its length."""

    stream_id: str = ""
    frames: Counter[str] = field(default_factory=Counter)  # by direction
    seconds: dict[str, float] = field(default_factory=lambda: {PLIVO: 0.0, APP: 0.0})
    app_events: Counter[str] = field(default_factory=Counter)
    plivo_events: Counter[str] = field(default_factory=Counter)
    inline_audio: int = 0  # audio frames kept in the events file (format not trackable)


class SessionRecorder:
    """Append-only writer of one session's events file and WAV tracks."""

    def __init__(self, fixture: Path) -> None:
        self.fixture = fixture
        self.tally = Tally()
        self.caller_format: AudioFormat | None = None
        self.tracks: dict[str, tuple[audio.WavAppender, AudioFormat]] = {}
        self.fd = os.open(
            events_path(fixture), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644
        )
        self._write({"plivocb_stream": STREAM_FORMAT, "fixture": fixture.name})

    def _write(self, obj: dict[str, Any]) -> None:
        os.write(self.fd, _dump(obj))

    def _track(self, name: str, fmt: AudioFormat) -> audio.WavAppender | None:
        if name not in self.tracks:
            wav = audio.WavAppender(track_path(self.fixture, name), fmt.rate)
            self.tracks[name] = (wav, fmt)
            self._write(
                {"track": name, "file": wav.path.name, "encoding": fmt.encoding, "rate": fmt.rate}
            )
        wav, known = self.tracks[name]
        return wav if known == fmt else None

    def _extract(self, frame: dict[str, Any], track: str, fmt: AudioFormat | None) -> Any:
        """Move a frame's audio into its track's WAV; returns the line's `audio` entry or None."""
        media = frame.get("media")
        if fmt is None or not isinstance(media, dict):
            return None
        data = protocol.decode_payload(media.get("payload"))
        if data is None or (fmt.sample_width == 2 and len(data) % 2):
            return None
        wav = self._track(track, fmt)
        if wav is None:
            return None
        at = wav.append(audio.to_pcm(data, fmt))
        media["payload"] = ""
        return {"track": track, "at": at, "n": len(data) // fmt.sample_width}

    def frame(self, source: str, data: str | bytes, t_ms: float) -> dict[str, Any] | None:
        """Record one frame; returns it parsed (audio moved out) when it is a JSON object."""
        tally = self.tally
        tally.frames[source] += 1
        line: dict[str, Any] = {"t": round(t_ms, 3), "from": source}
        if isinstance(data, bytes):
            line["binary"] = base64.b64encode(data).decode("ascii")
            self._write(line)
            return None
        frame = parse_frame(data)
        if frame is None:
            line["text"] = data
            self._write(line)
            return None
        event = frame.get("event")
        name = event if isinstance(event, str) else ""
        (tally.plivo_events if source == PLIVO else tally.app_events)[name[:40]] += 1
        stored: Any = None
        fmt: AudioFormat | None = None
        if source == PLIVO and name == "start":
            self.caller_format = protocol.media_format(frame)
            tally.stream_id = protocol.stream_id(frame)[:64]
        elif source == PLIVO and name == "media":
            media = frame.get("media")
            track = media.get("track", "inbound") if isinstance(media, dict) else None
            if track in MEDIA_TRACKS and self.caller_format is not None:
                fmt = self.caller_format
                stored = self._extract(frame, str(track), fmt)
        elif source == APP and name == protocol.APP_AUDIO:
            fmt = protocol.play_format(frame)
            stored = self._extract(frame, APP_TRACK, fmt)
        if stored is not None and fmt is not None:
            line["audio"] = stored
            tally.seconds[source] += stored["n"] / fmt.rate
        elif name in ("media", protocol.APP_AUDIO):
            tally.inline_audio += 1
        line["frame"] = frame
        self._write(line)
        return frame

    def close(self, by: str, code: int | None, reason: str, t_ms: float) -> None:
        if self.fd < 0:
            return
        self._write(
            {"t": round(t_ms, 3), "close": {"by": by, "code": code, "reason": reason[:500]}}
        )
        os.close(self.fd)
        self.fd = -1
        for wav, _ in self.tracks.values():
            wav.close()


# ---------------------------------------------------------------- reading


@dataclass
class Frame:
    """One recorded frame, rebuilt as it went over the wire."""

    t: float  # ms since the handshake
    source: str  # PLIVO or APP
    data: str | bytes
    event: str = ""  # the JSON `event`, "" for non-JSON frames

    @property
    def is_text(self) -> bool:
        return isinstance(self.data, str)


@dataclass
class Summary:
    """A recorded session at a glance (one pass over its events file, no audio read)."""

    frames: int = 0
    app_events: list[str] = field(default_factory=list)  # collapsed sequence
    first_plivo_media_t: float | None = None
    first_app_t: float | None = None
    end_t: float = 0.0
    close: dict[str, Any] | None = None
    stream_id: str = ""
    tracks: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def had_reply(self) -> bool:
        return self.first_app_t is not None


class SessionReader:
    """Iterate a stream fixture's frames with audio put back, one line in memory at a time."""

    def __init__(self, fixture: Path) -> None:
        self.fixture = fixture
        self.path = events_path(fixture)
        if not self.path.is_file():
            raise FixtureError(fixture, f"its events file {self.path.name} is missing")
        self.formats: dict[str, AudioFormat] = {}
        self.readers: dict[str, audio.WavReader] = {}

    def _lines(self) -> Iterator[tuple[int, dict[str, Any]]]:
        with open(self.path, "rb") as f:
            number = 0
            while raw := f.readline(MAX_LINE):
                number += 1
                if not raw.endswith(b"\n"):
                    return  # cut short (kill -9 mid-write, or a line over MAX_LINE): stop here
                try:
                    obj = json.loads(raw)
                except ValueError:
                    raise FixtureError(self.path, f"line {number} is not JSON") from None
                if not isinstance(obj, dict):
                    raise FixtureError(self.path, f"line {number} is not a JSON object")
                t = obj.get("t")
                if isinstance(t, int | float) and not 0 <= t <= MAX_T_MS:  # NaN compares False too
                    # JSON numbers have no size limit (and Python's json reads NaN, Infinity):
                    # a recorded-timing replay would wait that long for the next frame.
                    problem = f"line {number}: `t` is out of range (0 to {MAX_T_MS} ms)"
                    raise FixtureError(self.path, problem)
                if number == 1 and obj.get("plivocb_stream") != STREAM_FORMAT:
                    raise FixtureError(
                        self.path,
                        f"not a plivocb stream events file (format {obj.get('plivocb_stream')!r})",
                    )
                yield number, obj

    def _track(self, number: int, obj: dict[str, Any]) -> None:
        name = obj.get("track")
        fmt = AudioFormat(str(obj.get("encoding")), protocol.parse_rate(obj.get("rate")) or 0)
        if name not in (*MEDIA_TRACKS, APP_TRACK) or not fmt.supported():
            raise FixtureError(self.path, f"line {number}: bad track declaration")
        self.formats[str(name)] = fmt

    def _audio(self, number: int, frame: dict[str, Any], ref: Any) -> None:
        if not isinstance(ref, dict) or ref.get("track") not in self.formats:
            raise FixtureError(self.path, f"line {number}: audio of an undeclared track")
        track = str(ref["track"])
        at, count = ref.get("at"), ref.get("n")
        if not isinstance(at, int) or not isinstance(count, int):
            raise FixtureError(self.path, f"line {number}: audio offsets must be integers")
        if track not in self.readers:
            try:
                self.readers[track] = audio.WavReader(track_path(self.fixture, track))
            except (OSError, EOFError, ValueError) as exc:
                raise FixtureError(
                    self.fixture, f"its {track} track cannot be read: {exc}"
                ) from None
        fmt = self.formats[track]
        try:
            pcm = self.readers[track].read(at, count)
        except ValueError as exc:
            raise FixtureError(self.fixture, f"{track} track: {exc}") from None
        media = frame.get("media")
        if not isinstance(media, dict):
            raise FixtureError(self.path, f"line {number}: audio on a frame without `media`")
        media["payload"] = base64.b64encode(audio.from_pcm(pcm, fmt)).decode("ascii")

    def frames(self) -> Iterator[Frame]:
        try:
            for number, obj in self._lines():
                if "track" in obj:
                    self._track(number, obj)
                    continue
                source = obj.get("from")
                t = obj.get("t")
                if source not in (PLIVO, APP) or not isinstance(t, int | float):
                    continue  # header, close, or a line from a newer plivocb
                if "frame" in obj and isinstance(obj["frame"], dict):
                    frame = obj["frame"]
                    if "audio" in obj:
                        self._audio(number, frame, obj["audio"])
                    event = frame.get("event")
                    yield Frame(
                        float(t),
                        str(source),
                        json.dumps(frame, ensure_ascii=False, separators=(",", ":")),
                        event if isinstance(event, str) else "",
                    )
                elif isinstance(obj.get("text"), str):
                    yield Frame(float(t), str(source), obj["text"])
                elif isinstance(obj.get("binary"), str):
                    try:
                        data = base64.b64decode(obj["binary"], validate=True)
                    except ValueError:
                        raise FixtureError(self.path, f"line {number}: bad base64") from None
                    yield Frame(float(t), str(source), data)
        finally:
            for reader in self.readers.values():
                reader.close()
            self.readers.clear()

    def summary(self) -> Summary:
        out = Summary()
        names: list[str] = []
        for _, obj in self._lines():
            if "track" in obj:
                out.tracks[str(obj.get("track"))] = obj
                continue
            t = obj.get("t")
            if isinstance(t, int | float):
                out.end_t = max(out.end_t, float(t))
            if isinstance(obj.get("close"), dict):
                out.close = obj["close"]
                continue
            source = obj.get("from")
            if source not in (PLIVO, APP) or not isinstance(t, int | float):
                continue
            out.frames += 1
            frame = obj.get("frame")
            event = frame.get("event") if isinstance(frame, dict) else None
            if source == APP:
                names.append(event if isinstance(event, str) else "(not JSON)")
                if out.first_app_t is None:
                    out.first_app_t = float(t)
            elif event == "media" and out.first_plivo_media_t is None:
                out.first_plivo_media_t = float(t)
            elif event == "start" and isinstance(frame, dict):
                out.stream_id = protocol.stream_id(frame)
        out.app_events = protocol.collapse(names)
        return out


def problems(fixture: Path) -> list[str]:
    """`fixtures validate` for a stream fixture: its events file and tracks rebuild every frame."""
    try:
        reader = SessionReader(fixture)
        frames = reader.frames()
        first = next(frames, None)
        for _ in frames:  # rebuild every frame: audio offsets inside the tracks
            pass
    except FixtureError as exc:
        return [exc.problem if exc.path == fixture else f"{exc.path}: {exc.problem}"]
    found: list[str] = []
    if first is None:
        found.append("the session has no frames")
    elif first.source != PLIVO or first.event != "start":
        found.append("the first frame is not Plivo's `start` event")
    return found
