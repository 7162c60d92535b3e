"""A small `<Stream>` WebSocket bot for tests (aiohttp): echoes caller audio as `playAudio` and
sends a `checkpoint` every 10 media frames; other paths misbehave on purpose.

Paths: any (the good bot), except /early (closes after `start`), /silent (never answers),
/garbage (answers with frames Plivo would not accept). Everything it receives is kept with its
arrival time, and its handshake headers, for assertions.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    url: str
    frames: list[tuple[float, Any]] = field(default_factory=list)  # (monotonic s, parsed)
    sent: list[dict[str, Any]] = field(default_factory=list)
    closed_code: int | None = None


@dataclass
class Bot:
    sessions: list[Seen] = field(default_factory=list)
    checkpoint_every: int = 10
    reply_delay: float = 0.0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        seen = Seen(request.path, dict(request.headers), str(request.url))
        self.sessions.append(seen)
        stream_id, fmt, media = "", {"encoding": "audio/x-mulaw", "sampleRate": 8000}, 0

        async def send(obj: dict[str, Any]) -> None:
            seen.sent.append(obj)
            await ws.send_str(json.dumps(obj))

        if request.path == "/garbage":
            await ws.send_str("this is not json")
            await ws.send_bytes(b"\x00\x01")
            await send(
                {
                    "event": "playAudio",
                    "media": {
                        "contentType": "audio/x-foo",
                        "sampleRate": 8000,
                        "payload": "!!notbase64",
                    },
                }
            )
            await send({"event": "checkpoint"})
            await send({"event": "hello"})
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                seen.frames.append((time.monotonic(), msg.data))
                continue
            frame = json.loads(msg.data)
            seen.frames.append((time.monotonic(), frame))
            event = frame.get("event")
            if request.path == "/early" and event == "start":
                await ws.close(code=4000, message=b"bye")
                break
            if request.path in ("/silent", "/garbage"):
                continue
            if event == "start":
                stream_id = frame["start"]["streamId"]
                fmt = frame["start"]["mediaFormat"]
            elif event == "media":
                media += 1
                if self.reply_delay and media == 1:
                    await asyncio.sleep(self.reply_delay)
                await send(
                    {
                        "event": "playAudio",
                        "media": {
                            "contentType": fmt["encoding"],
                            "sampleRate": fmt["sampleRate"],
                            "payload": frame["media"]["payload"],
                        },
                    }
                )
                if media % self.checkpoint_every == 0:
                    await send(
                        {"event": "checkpoint", "streamId": stream_id, "name": f"cp-{media}"}
                    )
            elif event == "dtmf":
                await send({"event": "clearAudio", "streamId": stream_id})
        seen.closed_code = ws.close_code
        return ws

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self.handle)
        return app
