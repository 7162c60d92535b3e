"""Regenerate docs/inspector.png: a few callbacks grouped by call, one replayed with its diff.

python docs/screenshot.py        # needs /usr/bin/chromium and playwright (the test extra)
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from plivocb import fixture, signature
from plivocb.fixture import Response, Signature
from plivocb.generate import Generator, Spec, scenario, to_fixture

OUT = Path(__file__).with_name("inspector.png")
TOKEN = "MjM0ZDk0NTk5ZTA1NjZhYjkxYzIwNDRhZmEwZjhh"  # made up
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
ANSWER = (
    '<Response><GetDigits action="https://abc.ngrok.app/digits">'
    "<Speak>Press 1</Speak></GetDigits></Response>"
)
NEW_ANSWER = (
    '<Response><GetDigits action="https://abc.ngrok.app/digits" numDigits="1">'
    "<Speak>Press 1 for sales, 2 for support</Speak></GetDigits></Response>"
)


def write(directory: Path) -> None:
    gen = Generator(rng=random.Random(3), now=datetime(2026, 11, 29, 9, 30, tzinfo=UTC))
    start = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)
    items = []
    for offset, spec in ((0, Spec("call", digits="1")), (40, Spec("conversation"))):
        for kind, params, seconds in scenario(gen, spec):
            fx = to_fixture(params, kind, start.replace(second=0) + _delta(offset + seconds))
            items.append(fx)
    for fx in items:
        url = fx.request.public_url
        wrong = fx.kind == "hangup"  # signed for http:// as if a proxy changed the scheme
        signed_for = url.replace("https://", "http://") if wrong else url
        headers = signature.signed_headers("POST", signed_for, fx.params, TOKEN)
        body = ANSWER if fx.kind in ("answer", "digits") else "<Response></Response>"
        fx = fx.with_(
            request=replace(
                fx.request,
                headers=(
                    *fx.request.headers,
                    ("X-Forwarded-Proto", "http" if wrong else "https"),
                    *headers.items(),
                ),
            ),
            signature=Signature(
                "invalid" if wrong else "valid",
                "v3",
                f"V3 signature does not match {url}" if wrong else "",
            ),
            response=Response(200, "text/xml", body, 3.2 + len(fx.params) / 10, "", ""),
        )
        fixture.save(fx, directory)


def _delta(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def serve_app(ports: list[int]) -> None:
    """A stand-in for the developer's app that now answers differently (for the replay diff)."""
    import asyncio

    from aiohttp import web

    async def answer(request: web.Request) -> web.StreamResponse:
        return web.Response(text=NEW_ANSWER, content_type="text/xml")

    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app, access_log=None)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", 0).start())
    ports.append(runner.addresses[0][1])
    loop.run_forever()


def main() -> None:
    import os
    import threading
    import time

    from playwright.sync_api import sync_playwright

    ports: list[int] = []
    threading.Thread(target=serve_app, args=(ports,), daemon=True).start()
    while not ports:
        time.sleep(0.05)
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp))
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "plivocb",
                "inspect",
                tmp,
                "--port",
                "0",
                "--to",
                f"http://127.0.0.1:{ports[0]}",
            ],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PLIVO_AUTH_TOKEN": TOKEN},
        )
        try:
            assert proc.stdout is not None
            url = re.search(r"http://\S+", proc.stdout.readline()).group(0)  # type: ignore[union-attr]
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                page = browser.new_page(viewport={"width": 1440, "height": 1000})
                page.goto(url)
                rows = page.locator("#callbacks tbody tr[data-id]")
                rows.first.wait_for()
                rows.filter(has_text="answer").first.click()
                page.get_by_role("button", name="Replay", exact=True).click()
                page.locator("#r-summary").filter(has_text="→").wait_for()
                page.get_by_label("Group by call").check()
                page.wait_for_timeout(300)
                page.screenshot(path=str(OUT))
                browser.close()
        finally:
            proc.terminate()
            proc.wait(10)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
