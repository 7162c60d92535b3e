"""Replay baseline: a minimal aiohttp client loop posting pre-loaded bodies at a concurrency."""

from __future__ import annotations

import asyncio
import json
import sys
import time

import aiohttp


async def run(url: str, bodies: list[bytes], concurrency: int) -> float:
    connector = aiohttp.TCPConnector(limit=concurrency)
    queue = list(reversed(bodies))
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            while queue:
                body = queue.pop()
                async with session.post(
                    url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
                ) as resp:
                    await resp.read()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started


def main() -> None:
    url, bodies_file, concurrency = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(bodies_file, encoding="utf-8") as handle:
        bodies = [line.encode() for line in handle.read().splitlines()]
    elapsed = asyncio.run(run(url, bodies, concurrency))
    print(json.dumps({"requests": len(bodies), "elapsed_s": elapsed}))


if __name__ == "__main__":
    main()
