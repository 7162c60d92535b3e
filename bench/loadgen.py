"""Bundled load generator (aiohttp): POST one callback body, fixed count or duration.

Prints one JSON object: requests, ok (2xx), errors, elapsed_s, rps, p50_ms, p99_ms.
    python bench/loadgen.py URL --count 1000 --concurrency 32
    python bench/loadgen.py URL --duration 10 --concurrency 32
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import aiohttp

BODY = (
    "Direction=inbound&From=14155550100&CallerName=14155550100&BillRate=0.0085&To=14155550199"
    "&CallUUID=c490f944-013f-4baa-b0eb-af87113bc8f7&CallStatus=ringing&Event=StartApp"
)
HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


async def run(url: str, count: int, duration: float, concurrency: int) -> dict[str, float]:
    latencies: list[float] = []
    ok = errors = sent = 0
    deadline = time.perf_counter() + duration if duration else None
    connector = aiohttp.TCPConnector(limit=concurrency)

    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal ok, errors, sent
            while True:
                if deadline is not None and time.perf_counter() >= deadline:
                    return
                if deadline is None and sent >= count:
                    return
                sent += 1
                started = time.perf_counter()
                try:
                    async with session.post(url, data=BODY, headers=HEADERS) as resp:
                        await resp.read()
                        if 200 <= resp.status < 300:
                            ok += 1
                        else:
                            errors += 1
                except aiohttp.ClientError:
                    errors += 1
                latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "ok": ok,
        "errors": errors,
        "elapsed_s": elapsed,
        "rps": len(latencies) / elapsed if elapsed else 0.0,
        "p50_ms": statistics.median(latencies) if latencies else 0.0,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] if latencies else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=0.0)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.url, args.count, args.duration, args.concurrency))))


if __name__ == "__main__":
    main()
