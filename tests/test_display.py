from __future__ import annotations

import io
import os
import pty
import re
import select
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from rich.console import Console

from plivocb.display import Banner, CallbackEvent, LineDisplay, LiveDisplay
from tests.helpers import ANSWER, form

BANNER = Banner("https://x.ngrok.app", "http://127.0.0.1:1", "out", "not verified")


def _event(i: int) -> CallbackEvent:
    return CallbackEvent(
        "2026-11-26T12:00:00+00:00", "answer", "POST", "/answer", "1415", "1416",
        "ringing", f"uuid-{i}", "valid", 200, "", 1.5, f"file-{i}.toml",
    )  # fmt: skip


def test_live_view_is_bounded_and_renders() -> None:
    view = LiveDisplay(rows=10)
    view.banner = BANNER
    for i in range(50_000):
        view.publish(_event(i))
    assert len(view.events) == 10 and view.counts["answer"] == 50_000
    console = Console(record=True, width=160, file=io.StringIO())
    console.print(view)
    text = console.export_text()
    assert "Answer URL   https://x.ngrok.app/answer" in text
    assert "received     50000" in text and "file-49999.toml" in text and "file-0.toml" not in text
    assert "1415 → 1416" in text


class _StuckStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def write(self, s: str) -> int:
        self.gate.wait()
        return super().write(s)


def test_line_display_never_blocks_the_publisher() -> None:
    stream = _StuckStream()
    display = LineDisplay(stream=stream, capacity=100)
    display.banner_stream = io.StringIO()
    display.start(BANNER)
    started = time.perf_counter()
    for i in range(10_000):
        display.publish(_event(i))
    assert time.perf_counter() - started < 2
    assert display.dropped >= 9_800
    stream.gate.set()
    display.stop(["bye"])
    assert "display lines dropped" in display.banner_stream.getvalue()


def test_live_display_on_a_real_tty(tmp_path: Path) -> None:
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "160", "LINES": "40"}
    env.pop("PLIVO_AUTH_TOKEN", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "plivocb", "listen", "--tunnel", "none", "--port", "0",
         "--out", str(tmp_path)],
        stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True,
    )  # fmt: skip
    os.close(slave)
    seen = b""

    def read_until(pattern: bytes, timeout: float = 20) -> re.Match[bytes]:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if m := re.search(pattern, seen):
                return m
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
        raise AssertionError(f"no {pattern!r} in {seen[-2000:]!r}")

    try:
        url = read_until(rb"listening on (http://[0-9.:]+)").group(1).decode()
        read_until(rb"from \xe2\x86\x92 to")  # the live table's header
        req = urllib.request.Request(
            url + "/answer", data=form(ANSWER).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200
        read_until(rb"received     1")
        read_until(rb"14155550100")
        proc.send_signal(2)
        assert proc.wait(20) == 0
        read_until(rb"plivocb stopped: 1 callback recorded")
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
