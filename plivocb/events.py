"""What `listen` publishes and what a display is: shared by the engine and the renderers.

The catcher and stream sessions build `CallbackEvent`s / `StreamEvent`s and publish them to a
`Display`; `plivocb.display` renders them (live table, lines, JSON) and the inspector serves them.
Neither side imports the other: both import this module. Pure (standard library + plivocb.inert).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Protocol

from plivocb.callbacks import first
from plivocb.inert import json_safe, visible

MARKS = {"valid": "✓", "valid-v2": "~", "invalid": "✗"}  # valid-v2: URL signed, body not
IGNORED_KIND = "ignored"  # GET /, /favicon.ico…: counted on one line, never a row or a line


@dataclass(frozen=True)
class CallbackEvent:
    time: str
    kind: str
    method: str
    path: str
    from_: str = ""
    to: str = ""
    summary: str = ""  # CallStatus, message text preview, Status, Digits…
    ident: str = ""  # Call/Message UUID
    verdict: str = ""
    status: int = 0  # status sent back to Plivo
    forward: str = ""  # forward outcome: "200", "unreachable", "" when not forwarding
    elapsed_ms: float = 0.0
    file: str = ""
    note: str = ""  # e.g. "413 body too large", "strict: rejected"

    def to_json(self) -> str:
        data = {f.name: getattr(self, f.name) for f in fields(self)}  # flat values: no asdict
        data["from"] = data.pop("from_")
        return json_safe(json.dumps(data, ensure_ascii=False))

    def plain(self) -> str:
        mark = MARKS.get(self.verdict, "–")
        parts = [
            self.time,
            f"{self.kind:<14}",
            f"{self.method:<4}",
            self.path,
            f"{self.from_ or '?'} → {self.to or '?'}" if (self.from_ or self.to) else "",
            self.summary,
            self.ident[:8],
            f"sig {mark} {self.verdict}" if self.verdict else "",
            f"→ {self.status}",
            f"fwd {self.forward}" if self.forward else "",
            f"{self.elapsed_ms:.1f} ms",
            self.file,
            self.note,
        ]
        return visible("  ".join(p for p in parts if p))  # callback data: never raw on a terminal


@dataclass(frozen=True)
class StreamEvent(CallbackEvent):
    """A `<Stream>` WebSocket session: published on open, about once a second, and on close.

    Displays keep one row per `session` and replace it as updates come (see plivocb/streams)."""

    session: str = ""
    phase: str = "open"  # open | update | close
    stream_id: str = ""
    seconds_in: float = 0.0  # audio Plivo → app
    seconds_out: float = 0.0  # audio app → Plivo (playAudio)
    app_events: str = ""  # e.g. "playAudio 12, checkpoint 2"
    close_reason: str = ""

    def plain(self) -> str:
        parts = [
            self.time,
            f"{'stream ' + self.phase:<14}",
            "WS  ",
            self.path,
            f"id {self.stream_id[:8]}" if self.stream_id else "",
            f"in {self.seconds_in:.1f} s  out {self.seconds_out:.1f} s",
            f"app: {self.app_events}" if self.app_events else "",
            f"sig {self.verdict}" if self.verdict else "",
            f"closed: {self.close_reason}" if self.close_reason else "",
            self.file,
            self.note,
        ]
        return visible("  ".join(p for p in parts if p))  # stream IDs, paths: peer data


@dataclass
class Banner:
    public_url: str
    local_url: str
    out_dir: str
    verifying: str  # human sentence: "V3/V2 with PLIVO_AUTH_TOKEN" or why not
    forward_to: str = ""
    extra: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        base = self.public_url
        out = [
            f"plivocb is listening on {self.local_url}",
            f"  public URL   {base}",
            f"  Answer URL   {base}/answer",
            f"  Hangup URL   {base}/hangup",
            f"  Message URL  {base}/message",
            f"  fixtures     {self.out_dir}",
            f"  signatures   {self.verifying}",
        ]
        if self.forward_to:
            out.append(f"  forwarding   to {self.forward_to}")
        out.extend(self.extra)
        return out


class Display(Protocol):
    def start(self, banner: Banner) -> None: ...
    def publish(self, event: CallbackEvent) -> None: ...
    def stop(self, summary: list[str]) -> None: ...


class NullDisplay:
    def start(self, banner: Banner) -> None:
        return None

    def publish(self, event: CallbackEvent) -> None:
        return None

    def stop(self, summary: list[str]) -> None:
        return None


def summary_of(kind: str, params: dict[str, list[str]]) -> str:
    """The short text a display shows for a callback: status, message preview, digits…"""
    if kind == "message":
        text = first(params, "Text") or first(params, "Body")
        return (text[:40] + "…") if len(text) > 40 else text
    if kind == "message_status":
        return first(params, "Status")
    if kind == "hangup":
        return first(params, "HangupCauseName") or first(params, "HangupCause")
    if kind == "digits":
        return "digits " + (first(params, "Digits") or first(params, "Speech"))
    if kind == "dial":
        return first(params, "DialStatus") or first(params, "DialAction")
    if kind == "recording":
        return first(params, "RecordingDuration", "") + " s recording"
    return first(params, "CallStatus")
