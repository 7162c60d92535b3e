"""Shared test helpers: run the real CLI in a subprocess, sign callbacks like Plivo."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlencode

from plivo.utils import validate_v3_signature

from plivocb import signature
from plivocb.callbacks import classify
from plivocb.fixture import Fixture, Request, Response
from plivocb.form import parse_query

TOKEN = "MjM0ZDk0NTk5ZTA1NjZhYjkxYzIwNDRhZmEwZjhh"  # a made-up token
FAKE_NGROK = Path(__file__).with_name("fake_ngrok.py")

ANSWER = {
    "CallUUID": "c490f944-013f-4baa-b0eb-af87113bc8f7",
    "From": "14155550100",
    "To": "14155550199",
    "CallStatus": "ringing",
    "Direction": "inbound",
    "Event": "StartApp",
    "BillRate": "0.0085",
    "CallerName": "Alice",
}
HANGUP = {
    **ANSWER,
    "CallStatus": "completed",
    "Event": "Hangup",
    "Duration": "12",
    "BillDuration": "60",
    "HangupCauseCode": "4000",
    "HangupCauseName": "Normal Hangup",
    "HangupSource": "Caller",
}
MESSAGE = {
    "MessageUUID": "2d47019a-9c66-11e6-8c60-02daa5941325",
    "From": "14155550100",
    "To": "14155550199",
    "Text": "Hello ümlæt 😀",
    "Type": "sms",
}


def signed(method: str, url: str, params: dict[str, str], token: str = TOKEN) -> dict[str, str]:
    """Plivo-style signature headers for `url`, cross-checked with the official SDK."""
    multi = {k: [v] for k, v in params.items()}
    headers = signature.signed_headers(method, url, {} if method == "GET" else multi, token)
    sdk_url, sdk_params = url, dict(params)
    if method == "GET":  # the SDK cannot parse non-ASCII query strings: give it the params apart
        sdk_url, _, query = url.partition("?")
        sdk_params = {k: v[0] for k, v in parse_query(query).items()}
    assert validate_v3_signature(
        method, sdk_url, headers[signature.V3_NONCE], token, headers[signature.V3], sdk_params
    )
    return headers


def form(params: dict[str, str]) -> str:
    return urlencode(params)


LISTEN_READY = r"Answer URL\s+(\S+)/answer"  # the banner line `listen` prints once it serves


def banner_urls(text: str) -> tuple[str, str]:
    """The local and public URLs `listen`'s banner names."""
    local = re.search(r"listening on (\S+)", text)
    public = re.search(r"public URL\s+(\S+)", text)
    assert local and public, text
    return local.group(1), public.group(1)


class ListenProcess:
    """`plivocb listen` as a real subprocess; reads its output in the background."""

    # killed by tests/conftest.py if a test fails midway
    started: ClassVar[list[ListenProcess]] = []

    def __init__(self, args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None):
        self.args = args
        inherited = {
            k: v for k, v in os.environ.items() if k not in ("PLIVO_AUTH_TOKEN", "NGROK_AUTHTOKEN")
        }
        self.env = {**inherited, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.cwd = cwd
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.proc: asyncio.subprocess.Process | None = None
        self.local_url = ""
        self.public_url = ""
        self._readers: list[asyncio.Task[None]] = []

    async def _read(self, stream: asyncio.StreamReader, sink: list[str]) -> None:
        while line := await stream.readline():
            sink.append(line.decode("utf-8", "replace").rstrip("\n"))

    async def start(self, expect_ready: bool = True, timeout: float = 30) -> ListenProcess:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "plivocb", "listen", *self.args,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=self.env, cwd=self.cwd,
        )  # fmt: skip
        ListenProcess.started.append(self)
        assert self.proc.stdout and self.proc.stderr
        self._readers = [
            asyncio.create_task(self._read(self.proc.stdout, self.stdout)),
            asyncio.create_task(self._read(self.proc.stderr, self.stderr)),
        ]
        if expect_ready:
            await self.wait_for(LISTEN_READY, timeout)
            self.local_url, self.public_url = banner_urls(self.text())
        return self

    def text(self) -> str:
        return "\n".join(self.stdout + self.stderr)

    async def wait_for(self, pattern: str, timeout: float = 10) -> re.Match[str]:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            match = re.search(pattern, self.text())
            if match:
                return match
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out waiting for {pattern!r}; output:\n{self.text()}")
            if self.proc and self.proc.returncode is not None and not match:
                await asyncio.sleep(0.1)
                if not re.search(pattern, self.text()):
                    raise AssertionError(f"process exited; output:\n{self.text()}")
            await asyncio.sleep(0.05)

    async def stop(self, sig: int = 2, timeout: float = 20) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        await asyncio.gather(*self._readers)
        return code

    async def finish(self, timeout: float = 40) -> int:
        assert self.proc is not None
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        await asyncio.gather(*self._readers)
        return code


def fake_ngrok(tmp: Path) -> Path:
    """An executable `ngrok` that runs tests/fake_ngrok.py with this interpreter."""
    path = tmp / "bin" / "ngrok"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE_NGROK}" "$@"\n')
    path.chmod(0o755)
    return path


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def make_fixture(
    params: dict[str, str],
    path: str = "/answer",
    method: str = "POST",
    seconds: float = 0,
    response_body: str = "",
) -> Fixture:
    """A recorded-looking fixture, as `listen` would have written it."""
    query = form(params) if method == "GET" else ""
    multi = {k: [v] for k, v in params.items()}
    return Fixture(
        kind=classify(multi, path),
        received_at=datetime(2026, 11, 26, 12, 0, tzinfo=UTC) + timedelta(seconds=seconds),
        request=Request(
            method,
            f"https://abc.ngrok.app{path}" + (f"?{query}" if query else ""),
            path,
            query,
            (("Content-Type", "application/x-www-form-urlencoded"), ("User-Agent", "PlivoHTTP")),
            b"" if method == "GET" else form(params).encode(),
        ),
        params=multi,
        response=Response(200, "application/xml", response_body) if response_body else None,
    )
