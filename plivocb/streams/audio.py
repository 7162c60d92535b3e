"""Audio: G.711 µ-law, 16-bit PCM, resampling, tones, progressive WAV files (pure + file I/O).

WAV files hold 16-bit little-endian mono PCM, which the standard `wave` module and every player
read. µ-law decodes to PCM exactly and re-encodes to the same byte, except µ-law's "negative zero"
0x7F, which comes back as 0xFF (both are silence).
"""

from __future__ import annotations

import math
import os
import struct
import sys
import wave
from array import array
from functools import cache
from pathlib import Path

from plivocb.streams.protocol import MULAW, AudioFormat

_BIAS = 0x84


def _decode_one(code: int) -> int:
    code = ~code & 0xFF
    sign = code & 0x80
    exponent = (code >> 4) & 0x07
    mantissa = code & 0x0F
    sample = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return -sample if sign else sample


def _encode_one(sample: int) -> int:
    """G.711 µ-law as in Sun's reference g711.c (what CPython's audioop.lin2ulaw did)."""
    value = sample >> 2  # 14-bit
    mask = 0xFF
    if value < 0:
        value, mask = -value, 0x7F
    value = min(value, 8159) + 0x21
    segment = next((i for i, end in enumerate(_SEGMENT_ENDS) if value <= end), 8)
    if segment >= 8:
        return 0x7F ^ mask
    return ((segment << 4) | ((value >> (segment + 1)) & 0x0F)) ^ mask


_SEGMENT_ENDS = (0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF)
_DECODE = [struct.pack("<h", _decode_one(c)) for c in range(256)]


@cache
def _encode_table() -> bytes:
    """µ-law for each 16-bit sample, built on first use: 65,536 calls took ~100 ms, which every
    `listen` paid at start-up (the catcher imports the stream handler) before this was lazy."""
    return bytes(_encode_one(s - 65536 if s >= 32768 else s) for s in range(65536))


def _samples(pcm: bytes) -> array[int]:
    values = array("h")
    values.frombytes(pcm[: len(pcm) - len(pcm) % 2])
    if sys.byteorder != "little":  # pragma: no cover - WAV and the wire are little-endian
        values.byteswap()
    return values


def _pcm(values: array[int]) -> bytes:
    if sys.byteorder != "little":  # pragma: no cover
        values = array("h", values)
        values.byteswap()
    return values.tobytes()


_DECODE_LO = bytes(d[0] for d in _DECODE)
_DECODE_HI = bytes(d[1] for d in _DECODE)


def mulaw_to_pcm(data: bytes) -> bytes:
    out = bytearray(2 * len(data))
    out[0::2] = data.translate(_DECODE_LO)  # C-speed table lookups, one per output byte
    out[1::2] = data.translate(_DECODE_HI)
    return bytes(out)


def pcm_to_mulaw(pcm: bytes) -> bytes:
    unsigned = array("H")
    unsigned.frombytes(pcm[: len(pcm) - len(pcm) % 2])
    if sys.byteorder != "little":  # pragma: no cover
        unsigned.byteswap()
    table = _encode_table()
    return bytes([table[s] for s in unsigned])


def to_pcm(data: bytes, fmt: AudioFormat) -> bytes:
    """Wire bytes in `fmt` → 16-bit little-endian PCM at fmt.rate."""
    return mulaw_to_pcm(data) if fmt.encoding == MULAW else data[: len(data) - len(data) % 2]


def from_pcm(pcm: bytes, fmt: AudioFormat) -> bytes:
    return pcm_to_mulaw(pcm) if fmt.encoding == MULAW else pcm


def resample(pcm: bytes, source_rate: int, target_rate: int) -> bytes:
    """Linear interpolation: good enough for speech test audio, exact when rates are equal."""
    if source_rate == target_rate:
        return pcm
    values = _samples(pcm)
    if not values:
        return b""
    count = max(1, round(len(values) * target_rate / source_rate))
    step = source_rate / target_rate
    last = len(values) - 1
    out = array("h", bytes(2 * count))
    for i in range(count):
        pos = i * step
        j = int(pos)
        if j >= last:
            out[i] = values[last]
            continue
        frac = pos - j
        out[i] = int(values[j] + (values[j + 1] - values[j]) * frac)
    return _pcm(out)


def tone(frequency: float, seconds: float, rate: int, amplitude: float = 0.3) -> bytes:
    count = int(seconds * rate)
    peak = amplitude * 32767
    out = array(
        "h", (int(peak * math.sin(2 * math.pi * frequency * i / rate)) for i in range(count))
    )
    return _pcm(out)


def read_wav_pcm(path: Path, limit_seconds: float = 3600) -> tuple[bytes, int]:
    """A WAV's audio as mono 16-bit PCM and its rate (channels mixed down, 8-bit widened)."""
    with wave.open(str(path), "rb") as w:
        channels, width, rate, frames = (
            w.getnchannels(),
            w.getsampwidth(),
            w.getframerate(),
            w.getnframes(),
        )
        if frames > limit_seconds * rate:
            raise ValueError(f"longer than {limit_seconds:g} s")
        raw = w.readframes(frames)
    if width == 1:  # 8-bit WAV is unsigned
        raw = _pcm(array("h", ((b - 128) << 8 for b in raw)))
    elif width != 2:
        raise ValueError(f"{8 * width}-bit samples (use 8- or 16-bit PCM)")
    if channels > 1:
        values = _samples(raw)
        mixed = array(
            "h",
            (sum(values[i : i + channels]) // channels for i in range(0, len(values), channels)),
        )
        raw = _pcm(mixed)
    return raw, rate


class WavAppender:
    """A mono 16-bit PCM WAV written as audio arrives; the header is right after every append,
    so a process killed mid-session leaves a WAV that plays up to the last acknowledged frame."""

    HEADER = 44

    def __init__(self, path: Path, rate: int) -> None:
        self.path = path
        self.rate = rate
        self.size = 0
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(self.fd, self._header())

    def _header(self) -> bytes:
        return (
            b"RIFF"
            + struct.pack("<I", 36 + self.size)
            + b"WAVEfmt "
            + struct.pack("<IHHIIHH", 16, 1, 1, self.rate, self.rate * 2, 2, 16)
            + b"data"
            + struct.pack("<I", self.size)
        )

    @property
    def samples(self) -> int:
        return self.size // 2

    def append(self, pcm: bytes) -> int:
        """Append PCM; returns the sample offset where it starts."""
        at = self.samples
        os.pwrite(self.fd, pcm, self.HEADER + self.size)
        self.size += len(pcm)
        os.pwrite(self.fd, struct.pack("<I", 36 + self.size), 4)
        os.pwrite(self.fd, struct.pack("<I", self.size), 40)
        return at

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class WavReader:
    """Random access to a 16-bit mono WAV's samples (replay reads one frame's audio at a time)."""

    def __init__(self, path: Path) -> None:
        self.wav = wave.open(str(path), "rb")  # noqa: SIM115 - closed by close()
        if self.wav.getsampwidth() != 2 or self.wav.getnchannels() != 1:
            self.wav.close()
            raise ValueError(f"{path.name} is not 16-bit mono PCM")
        self.rate = self.wav.getframerate()
        self.frames = self.wav.getnframes()

    def read(self, at: int, count: int) -> bytes:
        if at < 0 or count < 0 or at + count > self.frames:
            raise ValueError(f"samples {at}..{at + count} are past the end ({self.frames})")
        self.wav.setpos(at)
        return self.wav.readframes(count)

    def close(self) -> None:
        self.wav.close()
