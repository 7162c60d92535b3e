"""Helpers for the hostile-input suites (issue #10): run the CLI, talk raw bytes to a server."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without PLIVO_* secrets, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLIVO")}
    return {**env, **extra}


async def cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> tuple[int, str, str]:
    """Run `python -m plivocb ARGS` without blocking the loop: (exit code, stdout, stderr)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "plivocb", *args,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env or clean_env(),
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode is not None
    return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def cli_sync(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> tuple[int, str, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "plivocb", *args],
        capture_output=True, timeout=timeout, env=env or clean_env(),
    )  # fmt: skip
    return (
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


async def raw_exchange(host: str, port: int, data: bytes, timeout: float = 10) -> bytes:
    """Send raw bytes (a request with `Connection: close`) and read the whole reply."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(data)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
