"""Replay baseline: the unavoidable work of a replay, as a bare aiohttp client loop.

    python bench/baseline_replay.py URL DIR CONCURRENCY

Reads each fixture file, parses it with tomli and posts its stored body, with CONCURRENCY
workers on one session. No re-signing, no checks: what any replay must do at the least.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time

import aiohttp
import tomli


async def run(url: str, directory: str, concurrency: int) -> int:
    names = sorted(n for n in os.listdir(directory) if n.endswith(".toml"))
    names.reverse()
    sent = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal sent
            while names:
                with open(os.path.join(directory, names.pop()), "rb") as handle:
                    doc = tomli.loads(handle.read().decode("utf-8"))
                body = doc["request"]["body"].encode("utf-8")
                headers = {"Content-Type": "application/x-www-form-urlencoded"}
                async with session.post(
                    url + doc["request"]["path"], data=body, headers=headers
                ) as resp:
                    await resp.read()
                sent += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return sent


def main() -> None:
    started = time.perf_counter()
    url, directory, concurrency = sys.argv[1], sys.argv[2], int(sys.argv[3])
    sent = asyncio.run(run(url, directory, concurrency))
    print(json.dumps({"requests": sent, "elapsed_s": time.perf_counter() - started}))


if __name__ == "__main__":
    main()
