"""A real local aiohttp app for simulate tests: serves scripted replies, records every request."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from plivo.utils import validate_v3_signature

from plivocb.form import parse_query

TOKEN = "c2ltdWxhdGUtdGVzdC10b2tlbg"  # a made-up token

Reply = tuple[int, str, str]  # status, content type, body
Route = Reply | Callable[[dict[str, str]], Reply]


def xml(body: str, status: int = 200) -> Reply:
    return status, "text/xml", body


@dataclass
class Received:
    method: str
    path: str
    url: str
    params: dict[str, str]
    headers: dict[str, str]

    def sdk_valid(self, token: str = TOKEN) -> bool:
        """The official Plivo SDK accepts this request's V3 signature."""
        if self.method == "GET":
            url, params = self.url, None
        else:
            url, params = self.url, dict(self.params)
        return bool(
            validate_v3_signature(
                self.method,
                url,
                self.headers["X-Plivo-Signature-V3-Nonce"],
                token,
                self.headers["X-Plivo-Signature-V3"],
                params,
            )
        )


@dataclass
class ScriptedApp:
    routes: dict[str, Route] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    base: str = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        params = parse_query(request.query_string) if request.method == "GET" else {}
        if request.method != "GET":
            params = parse_query(body.decode())
        flat = {k: v[0] for k, v in params.items()}
        self.received.append(
            Received(
                request.method,
                request.path,
                self.base + request.path_qs,
                flat,
                dict(request.headers),
            )
        )
        if request.path in self.delays:
            await asyncio.sleep(self.delays[request.path])
        route = self.routes.get(request.path)
        if route is None:
            return web.Response(status=200, text="")
        status, ctype, text = route(flat) if callable(route) else route
        return web.Response(status=status, text=text, content_type=ctype or None)

    def paths(self) -> list[str]:
        return [r.path for r in self.received]

    def url(self, path: str) -> str:
        return self.base + path

    def by_path(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]


async def serve(aiohttp_server: Any, routes: dict[str, Route]) -> ScriptedApp:
    scripted = ScriptedApp(routes=routes)
    server = await aiohttp_server(scripted.app(), host="127.0.0.1")
    scripted.base = str(server.make_url("")).rstrip("/")
    return scripted
