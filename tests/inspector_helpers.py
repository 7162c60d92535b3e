"""Shared by the inspector tests: a developer app that checks signatures, a recorded set."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from aiohttp import web
from plivo.utils import validate_v3_signature

from plivocb import fixture as fxmod
from plivocb import signature
from plivocb.fixture import Response, Signature
from tests.helpers import ANSWER, HANGUP, MESSAGE, TOKEN, make_fixture

RUN_TOKEN = "run-token-for-tests"
RECORDED_XML = "<Response><Speak>Hello</Speak></Response>"


class CheckingApp:
    """The developer's app: checks each request's V3 signature with the plivo SDK."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self.base = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        params = {} if request.method == "GET" else dict(await request.post())
        url = self.base + request.path_qs
        valid = validate_v3_signature(
            request.method,
            url,
            request.headers.get(signature.V3_NONCE, ""),
            TOKEN,
            request.headers.get(signature.V3, ""),
            params,
        )
        self.seen.append({"path": request.path, "params": params, "valid": valid})
        if request.path.startswith("/changed"):
            return web.Response(
                text="<Response><Speak>Goodbye</Speak></Response>", content_type="text/xml"
            )
        # same XML as recorded, formatted differently: an XML-aware diff sees no change
        return web.Response(
            text="<Response>\n  <Speak>Hello</Speak>\n</Response>", content_type="text/xml"
        )


async def start_checking_app(aiohttp_server: Any) -> CheckingApp:
    app = CheckingApp()
    web_app = web.Application()
    web_app.router.add_route("*", "/{tail:.*}", app.handle)
    server = await aiohttp_server(web_app)
    app.base = str(server.make_url("")).rstrip("/")
    return app


def recorded(params: dict[str, str], path: str, seconds: float, verdict: str = "valid") -> Any:
    fx = make_fixture(params, path, seconds=seconds)
    return fx.with_(
        response=Response(200, "text/xml", RECORDED_XML, 12.5),
        signature=Signature(verdict, "v3", "" if verdict == "valid" else "V3 does not match"),
    )


def write_set(directory: Path) -> list[Path]:
    answer = recorded(ANSWER, "/answer", 0)
    # an invalid one, signed for another host than the one recorded as called
    bad_headers = signature.signed_headers(
        "POST", "https://other.example/hangup", {k: [v] for k, v in HANGUP.items()}, TOKEN
    )
    hangup = recorded(HANGUP, "/hangup", 30, verdict="invalid")
    hangup = hangup.with_(
        request=replace(
            hangup.request,
            headers=(*hangup.request.headers, ("X-Forwarded-Proto", "http"), *bad_headers.items()),
        )
    )
    message = recorded(MESSAGE, "/message", 60, verdict="unsigned")
    return [fxmod.save(f, directory) for f in (answer, hangup, message)]
