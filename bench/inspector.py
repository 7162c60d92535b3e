"""Inspector speed with 10,000 recorded callbacks: first paint, filter time, API latency.

    python bench/inspector.py              # 10,000 callbacks, 7 rounds; needs /usr/bin/chromium
    python bench/inspector.py --count 500 --rounds 2    # quick check of the harness

Baseline, measured in the same run: the same page and assets served by a bare aiohttp app that
answers /api/callbacks with the very JSON bytes the inspector returned, precomputed (what a
static file server would do). The ratio inspector/static is the cost of indexing, searching and
paging 10,000 callbacks on each request; the browser's own work is the same on both sides.
First paint = the page's `plivocb:render` mark (navigation start to the table filled with the
first page of rows); filter = form submit to the next render mark.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from importlib import resources
from pathlib import Path
from typing import Any

from aiohttp import web

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FILTERS = {"text": "q=Normal", "kind": "kind=hangup", "uuid": ""}  # uuid filled in later
MEASURE_LOAD = """
async () => {
  while (!performance.getEntriesByName('plivocb:render').length) await new Promise(r => requestAnimationFrame(r));
  const paint = performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint');
  return {render: performance.getEntriesByName('plivocb:render')[0].startTime,
          fcp: paint ? paint.startTime : null,
          rows: document.querySelectorAll('#rows tr').length};
}
"""
MEASURE_FILTER = """
async (text) => {
  const before = performance.getEntriesByName('plivocb:render').length;
  const input = document.getElementById('f-q');
  input.value = text;
  const t0 = performance.now();
  document.getElementById('filters').requestSubmit();
  while (performance.getEntriesByName('plivocb:render').length === before) await new Promise(r => requestAnimationFrame(r));
  const marks = performance.getEntriesByName('plivocb:render');
  return {ms: marks[marks.length - 1].startTime - t0, rows: document.querySelectorAll('#rows tr').length};
}
"""


def make_fixtures(directory: Path, count: int) -> None:
    """About `count` callbacks: calls (answer, digits, hangup) and SMS conversations."""
    calls = count // 6
    convs = (count - calls * 3) // 4
    for args in (
        ["call", "--count", str(calls), "--digits", "12"],
        ["conversation", "--count", str(convs)],
    ):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "plivocb",
                "fixtures",
                "new",
                *args,
                "--out",
                str(directory),
                "--seed",
                "7",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )


def get(url: str, token: str) -> tuple[bytes, float]:
    request = urllib.request.Request(url, headers={"X-Plivocb-Token": token})
    started = time.perf_counter()
    with urllib.request.urlopen(request) as resp:
        body = resp.read()
    return body, (time.perf_counter() - started) * 1000


class StaticServer:
    """The baseline: same assets, same JSON bytes, no index behind them."""

    def __init__(self, answers: dict[str, bytes], info: bytes) -> None:
        self.answers = answers
        self.info = info
        self.port = 0
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _asset(self, name: str) -> bytes:
        return resources.files("plivocb.inspector").joinpath("static", name).read_bytes()

    async def _page(self, request: web.Request) -> web.StreamResponse:
        return web.Response(body=self._asset("index.html"), content_type="text/html")

    async def _static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        types = {"js": "text/javascript", "css": "text/css", "svg": "image/svg+xml"}
        return web.Response(
            body=self._asset(name), headers={"Content-Type": types[name.rsplit(".", 1)[1]]}
        )

    async def _callbacks(self, request: web.Request) -> web.StreamResponse:
        key = "&".join(f"{k}={v}" for k, v in sorted(request.query.items()) if k != "limit")
        return web.Response(body=self.answers[key], content_type="application/json")

    async def _info(self, request: web.Request) -> web.StreamResponse:
        return web.Response(body=self.info, content_type="application/json")

    async def _events(self, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        await resp.write(b": connected\n\n")
        await asyncio.sleep(3600)
        return resp

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        app = web.Application()
        app.router.add_get("/", self._page)
        app.router.add_get("/static/{name}", self._static)
        app.router.add_get("/api/callbacks", self._callbacks)
        app.router.add_get("/api/info", self._info)
        app.router.add_get("/api/events", self._events)
        self.runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = self.runner.addresses[0][1]
        self.ready.set()
        self.loop.run_forever()

    def start(self) -> str:
        self.thread.start()
        self.ready.wait(10)
        return f"http://127.0.0.1:{self.port}"


def measure_page(browser: Any, url: str, filters: dict[str, str], rounds: int) -> dict[str, Any]:
    loads: list[float] = []
    fcps: list[float] = []
    filtered: dict[str, list[float]] = {name: [] for name in filters}
    rows: dict[str, int] = {}
    for _ in range(rounds):
        context = browser.new_context(bypass_csp=True)  # lets the harness evaluate its probes
        page = context.new_page()
        page.goto(url)
        result = page.evaluate(MEASURE_LOAD)
        loads.append(result["render"])
        if result["fcp"] is not None:
            fcps.append(result["fcp"])
        rows["load"] = result["rows"]
        for name, text in filters.items():
            page.evaluate(MEASURE_FILTER, "")  # back to everything first
            got = page.evaluate(MEASURE_FILTER, text)
            filtered[name].append(got["ms"])
            rows[name] = got["rows"]
        context.close()
    return {
        "first_render_ms": statistics.median(loads),
        "fcp_ms": statistics.median(fcps) if fcps else None,
        "filters": {k: statistics.median(v) for k, v in filtered.items()},
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        fixtures = Path(tmp) / "fx"
        make_fixtures(fixtures, args.count)
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "plivocb", "inspect", str(fixtures), "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            ready_s = time.perf_counter() - started
            match = re.search(r"(http://127\.0\.0\.1:\d+)/\?token=(\S+)", line)
            assert match, line
            base, token = match.group(1), match.group(2)
            total = int(
                re.search(rb'"total": (\d+)', get(f"{base}/api/callbacks?limit=1", token)[0]).group(
                    1
                )
            )  # type: ignore[union-attr]
            some = get(f"{base}/api/callbacks?limit=1&q=hangup", token)[0]
            uuid = re.search(rb'"call": "([0-9a-f-]+)"', some).group(1).decode()  # type: ignore[union-attr]
            filters = {**FILTERS, "uuid": f"call={uuid}"}
            # the exact JSON the inspector gives the page, for the static baseline
            answers: dict[str, bytes] = {}
            api_ms: dict[str, list[float]] = {}
            for name, query in {"all": "", **filters}.items():
                url = f"{base}/api/callbacks?limit=200" + (f"&{query}" if query else "")
                body, _ = get(url, token)
                answers[query] = body
                api_ms[name] = [get(url, token)[1] for _ in range(max(5, args.rounds * 3))]
            info, _ = get(f"{base}/api/info", token)
            static = StaticServer(answers, info)
            static_base = static.start()
            static_ms = {
                name: statistics.median(
                    get(f"{static_base}/api/callbacks?limit=200" + (f"&{q}" if q else ""), token)[1]
                    for _ in range(max(5, args.rounds * 3))
                )
                for name, q in {"all": "", **filters}.items()
            }
            page_filters = {
                "text": "Normal",
                "kind": "kind:hangup",
                "uuid": f"call:{uuid}",
            }
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                real = measure_page(browser, f"{base}/?token={token}", page_filters, args.rounds)
                base_page = measure_page(
                    browser, f"{static_base}/?token={token}", page_filters, args.rounds
                )
                browser.close()
        finally:
            proc.terminate()
            proc.wait(10)
    print(f"inspector bench: {total} recorded callbacks, median of {args.rounds} rounds")
    print(f"  inspect start-up (index {total} fixtures, serve): {ready_s:.2f} s")
    print(f"  {'':28}{'inspector':>12}{'static':>12}{'ratio':>8}")

    def row(label: str, a: float, b: float) -> None:
        print(f"  {label:28}{a:>10.1f}ms{b:>10.1f}ms{a / b:>8.2f}")

    row("first render (page)", real["first_render_ms"], base_page["first_render_ms"])
    if real["fcp_ms"] and base_page["fcp_ms"]:
        row("first contentful paint", real["fcp_ms"], base_page["fcp_ms"])
    for name in page_filters:
        row(f"filter {name} (page)", real["filters"][name], base_page["filters"][name])
    for name in api_ms:
        row(f"GET /api/callbacks {name}", statistics.median(api_ms[name]), static_ms[name])
    print(f"  rows shown: {real['rows']} (static: {base_page['rows']})")


if __name__ == "__main__":
    main()
