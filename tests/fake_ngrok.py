"""A stand-in for the ngrok agent: enough of its CLI, log lines and local API for pyngrok.

Its "public URL" is a loopback proxy that really forwards to the tunnel's upstream, so requests
signed for the public URL reach the catcher through a different address than the local one.
FAKE_NGROK_MODE: "ok" (default), "noauth" (ngrok's authtoken error), "hang" (never gets ready).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import uuid
from datetime import UTC, datetime

import aiohttp
from aiohttp import web


def log(msg: str, lvl: str = "info", **extra: str) -> None:
    fields = " ".join(f'{k}="{v}"' if " " in v else f"{k}={v}" for k, v in extra.items())
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S%z")
    print(f't={stamp} lvl={lvl} msg="{msg}" {fields}'.rstrip(), flush=True)


def has_authtoken(args: list[str]) -> bool:
    if "--authtoken" in args or os.environ.get("NGROK_AUTHTOKEN"):
        return True
    if "--config" in args:
        path = args[args.index("--config") + 1]
        try:
            with open(path) as handle:
                return "authtoken" in handle.read()
        except OSError:
            return False
    return False


class Agent:
    def __init__(self) -> None:
        self.endpoints: dict[str, dict[str, object]] = {}
        self.runners: dict[str, web.AppRunner] = {}
        self.session: aiohttp.ClientSession | None = None

    async def proxy_app(self, upstream: str, public: list[str]) -> web.Application:
        async def forward(request: web.Request) -> web.StreamResponse:
            assert self.session is not None
            headers = {
                k: v
                for k, v in request.headers.items()
                if k.lower() not in ("host", "content-length", "transfer-encoding", "connection")
            }
            headers["X-Forwarded-For"] = request.remote or ""
            headers["X-Forwarded-Proto"] = "https"
            headers["Host"] = public[0].split("://", 1)[1]
            async with self.session.request(
                request.method,
                upstream.rstrip("/") + request.raw_path,
                data=await request.read(),
                headers=headers,
                allow_redirects=False,
            ) as resp:
                body = await resp.read()
                ctype = resp.headers.get("Content-Type", "")
                return web.Response(
                    status=resp.status, body=body, headers={"Content-Type": ctype} if ctype else {}
                )

        app = web.Application(client_max_size=64 << 20)
        app.router.add_route("*", "/{tail:.*}", forward)
        return app

    async def create(self, request: web.Request) -> web.Response:
        data = await request.json()
        name = data.get("name") or str(uuid.uuid4())
        upstream = (data.get("upstream") or {}).get("url") or data.get("addr")
        if not str(upstream).startswith("http"):
            upstream = f"http://localhost:{upstream}"
        public: list[str] = ["http://127.0.0.1:0"]
        runner = web.AppRunner(await self.proxy_app(str(upstream), public))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        public[0] = f"http://127.0.0.1:{port}"
        self.runners[name] = runner
        endpoint = {
            "id": "ep_" + uuid.uuid4().hex[:10],
            "name": name,
            "uri": f"/api/endpoints/{name}",
            "url": public[0],
            "public_url": public[0],
            "upstream": {"url": upstream, "protocol": "http1"},
            "requested_url": data.get("url", ""),
        }
        self.endpoints[name] = endpoint
        log("started tunnel", obj="tunnels", name=name, addr=str(upstream), url=public[0])
        return web.json_response(endpoint, status=201)

    async def list(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"endpoints": list(self.endpoints.values()), "uri": "/api/endpoints"}
        )

    async def delete(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        self.endpoints.pop(name, None)
        runner = self.runners.pop(name, None)
        if runner is not None:
            await runner.cleanup()
        return web.Response(status=204)


async def serve() -> None:
    agent = Agent()
    agent.session = aiohttp.ClientSession()
    app = web.Application()
    app.router.add_get("/api/endpoints", agent.list)
    app.router.add_post("/api/endpoints", agent.create)
    app.router.add_get("/api/tunnels", agent.list)
    app.router.add_delete("/api/endpoints/{name}", agent.delete)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    if os.environ.get("FAKE_NGROK_PIDFILE"):
        with open(os.environ["FAKE_NGROK_PIDFILE"], "a") as handle:
            handle.write(f"{os.getpid()}\n")
    log("no configuration paths supplied", obj="config")
    log("starting web service", obj="web", addr=f"127.0.0.1:{port}", allow_hosts="[]")
    log("client session established", obj="tunnels.session")
    log("tunnel session started", obj="tunnels.session")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    await runner.cleanup()
    await agent.session.close()


def main(args: list[str]) -> int:
    if "--version" in args or args[:1] == ["version"]:
        print("ngrok version 3.99.0-fake")
        return 0
    if args[:1] != ["start"]:
        print(json.dumps({"error": f"fake ngrok does not support {args}"}), file=sys.stderr)
        return 1
    mode = os.environ.get("FAKE_NGROK_MODE", "ok")
    if mode == "noauth" or (mode == "ok" and not has_authtoken(args)):
        log(
            "failed to reconnect session",
            lvl="eror",
            obj="tunnels.session",
            err="authentication failed: Usage of ngrok requires a verified account and authtoken."
            " ERR_NGROK_4018",
        )
        return 1
    if mode == "hang":
        if os.environ.get("FAKE_NGROK_PIDFILE"):
            with open(os.environ["FAKE_NGROK_PIDFILE"], "a") as handle:
                handle.write(f"{os.getpid()}\n")
        log("no configuration paths supplied", obj="config")
        signal.pause()
        return 0
    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
