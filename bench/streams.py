"""Memory and throughput of a recorded `<Stream>` session through a real `plivocb listen`.

Streams a 10-minute session (30,000 caller `media` frames of 20 ms µ-law, each answered by a
`playAudio` from a bot behind `--forward-to`) as fast as the sockets take it, and samples the
listen process's RSS. Writes bench/STREAMS.md.

    python3 bench/streams.py [--minutes 10] [--out bench/STREAMS.md]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import ListenProcess  # noqa: E402
from tests.stream_bot import Bot  # noqa: E402


def rss_kib(pid: int) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+)", text)
    return int(match.group(1)) if match else 0


async def main(minutes: float, out: Path) -> None:
    bot = Bot(checkpoint_every=50)
    runner = web.AppRunner(bot.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    bot_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    tmp = Path(tempfile.mkdtemp())
    lp = await ListenProcess(
        ["--tunnel", "none", "--port", "0", "--out", str(tmp), "--forward-to", bot_url]
    ).start()
    assert lp.proc is not None
    pid = lp.proc.pid
    frames = int(minutes * 60 * 50)
    payload = base64.b64encode(bytes(160)).decode()
    start = json.dumps(
        {
            "event": "start",
            "sequenceNumber": 1,
            "start": {
                "callId": "c",
                "streamId": "s",
                "accountId": "MA",
                "tracks": ["inbound"],
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000},
            },
        }
    )
    samples: list[tuple[int, int]] = []
    replies = 0
    began = time.perf_counter()
    async with (
        aiohttp.ClientSession() as s,
        s.ws_connect("ws" + lp.public_url[4:] + "/stream") as ws,
    ):

        async def reader() -> None:
            nonlocal replies
            async for _ in ws:
                replies += 1

        task = asyncio.create_task(reader())
        await ws.send_str(start)
        base = rss_kib(pid)
        samples.append((0, base))
        for i in range(frames):
            await ws.send_str(
                json.dumps(
                    {
                        "event": "media",
                        "sequenceNumber": i + 2,
                        "streamId": "s",
                        "media": {
                            "track": "inbound",
                            "timestamp": str(i * 20),
                            "chunk": i + 1,
                            "payload": payload,
                        },
                    }
                )
            )
            if i % 3000 == 2999:
                while replies < i - 500:  # keep the pipe from buffering unboundedly on our side
                    await asyncio.sleep(0.01)
                samples.append((i + 1, rss_kib(pid)))
        while replies < frames:
            await asyncio.sleep(0.05)
        samples.append((frames, rss_kib(pid)))
        await ws.close()
        task.cancel()
    elapsed = time.perf_counter() - began
    await lp.stop()
    await runner.cleanup()
    sizes = {
        p.name.split(".", 1)[1] if "." in p.name else p.name: p.stat().st_size
        for p in tmp.iterdir()
    }
    lines = [
        "# Stream session through `plivocb listen --forward-to` (bench/streams.py)",
        "",
        f"{frames} caller media frames ({minutes:g} min of 20 ms µ-law) each answered by a playAudio,",
        f"sent as fast as the sockets allow: {elapsed:.1f} s, {2 * frames / elapsed:.0f} frames/s relayed and recorded.",
        "",
        "| frames sent | listen RSS (MiB) |",
        "|---:|---:|",
        *[f"| {n} | {kib / 1024:.1f} |" for n, kib in samples],
        "",
        f"RSS growth over the session: {(samples[-1][1] - samples[0][1]) / 1024:.1f} MiB.",
        "",
        "Files written: " + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sorted(sizes.items())),
        "",
    ]
    out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "STREAMS.md")
    args = parser.parse_args()
    asyncio.run(main(args.minutes, args.out))
