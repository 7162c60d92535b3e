"""Helpers for the hostile-input suites (issue #10): run the CLI, talk raw bytes to a server."""

from __future__ import annotations

import asyncio
import os

from tests.inproc import arun_cli, run_cli


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without PLIVO_* secrets, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLIVO")}
    return {**env, **extra}


async def cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> tuple[int, str, str]:
    """`plivocb ARGS` in-process without blocking the loop: (exit code, stdout, stderr)."""
    return await arun_cli(*args, environ=env or clean_env(), timeout=timeout)


def cli_sync(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> tuple[int, str, str]:
    return run_cli(*args, environ=env or clean_env())


async def raw_exchange(host: str, port: int, data: bytes, timeout: float = 10) -> bytes:
    """Send raw bytes (a request with `Connection: close`) and read the whole reply."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(data)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
