"""The inspector's aiohttp app: the page, its assets, the JSON API and the live event stream.

`create_app` returns a `web.Application` and never binds a port (`serve.py` does, on loopback
only). Every request must name a loopback host (DNS rebinding); API requests need the per-run
token (header `X-Plivocb-Token` or `?token=`); state-changing requests from a foreign `Origin`
are refused (CSRF). Callback data only ever reaches the page as JSON, rendered as text.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from plivocb.callbacks import KINDS
from plivocb.errors import PlivocbError
from plivocb.fixture.store import load
from plivocb.inspector import actions
from plivocb.inspector.store import Entry, Query, Store, complete_haystacks
from plivocb.signature import VERDICTS
from plivocb.streams.record import STREAM_KIND

TOKEN_HEADER = "X-Plivocb-Token"
ASSETS = {
    "inspector.js": "text/javascript",
    "inspector.css": "text/css",
    "favicon.svg": "image/svg+xml",
}
PAGE_LIMIT = 500
EVENT_QUEUE = 1000
HEARTBEAT_S = 15.0
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
LOOPBACK_NAMES = ("localhost", "localhost.")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@dataclass
class Inspector:
    """Shared state: the index, the per-run token, where replays go, the live subscribers."""

    store: Store
    token: str
    target: actions.Target = field(default_factory=actions.Target)
    listening: bool = False  # True inside `listen` (live), False for `inspect` over files
    streams: set[asyncio.Queue[Entry | None]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.store.subscribers.append(self._fan_out)

    def _fan_out(self, entry: Entry) -> None:
        for queue in list(self.streams):
            try:
                queue.put_nowait(entry)
            except asyncio.QueueFull:  # a stalled page: end its stream, it reconnects
                self.streams.discard(queue)
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
                queue.put_nowait(None)


INSPECTOR = web.AppKey("inspector", Inspector)
SESSION = web.AppKey("session", aiohttp.ClientSession)


def is_loopback_host(host: str) -> bool:
    """`localhost`, 127.0.0.0/8 or ::1, with or without a port; nothing else."""
    if not host:
        return False
    if host.startswith("["):
        name = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        name = host.split(":", 1)[0]
    else:
        name = host
    if name.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Loopback Host, same-origin writes, and the token on every API call."""
    if not is_loopback_host(request.headers.get("Host", "")):
        return _error(403, "the inspector answers only to a loopback Host (127.0.0.1/localhost)")
    origin = request.headers.get("Origin")
    if request.method not in SAFE_METHODS:
        site = request.headers.get("Sec-Fetch-Site", "")
        if origin is not None and (
            not is_loopback_host(urlsplit(origin).netloc)
            or urlsplit(origin).netloc != request.headers.get("Host")
        ):
            return _error(403, f"cross-origin request from {origin!r} refused")
        if site and site not in ("same-origin", "none"):
            return _error(403, "cross-site request refused")
    if request.path.startswith("/api/"):
        inspector = request.app[INSPECTOR]
        given = request.headers.get(TOKEN_HEADER) or request.query.get("token", "")
        if not hmac.compare_digest(given.encode(), inspector.token.encode()):
            return _error(401, "missing or wrong token: open the URL plivocb printed")
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _secure(exc.headers)
        raise
    if not response.prepared:
        _secure(response.headers)
    return response


def _secure(headers: Any) -> None:
    for key, value in SECURITY_HEADERS.items():
        headers.setdefault(key, value)


def _asset(name: str) -> bytes:
    return resources.files("plivocb.inspector").joinpath("static", name).read_bytes()


async def page(request: web.Request) -> web.StreamResponse:
    return web.Response(body=_asset("index.html"), content_type="text/html", charset="utf-8")


async def asset(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound()
    return web.Response(body=_asset(name), headers={"Content-Type": ASSETS[name]})


def _http(cls: type[web.HTTPException], message: str) -> web.HTTPException:
    return cls(text=json.dumps({"error": message}), content_type="application/json")


def _entry(request: web.Request) -> Entry:
    raw = request.match_info["id"]
    entry = request.app[INSPECTOR].store.get(int(raw)) if raw.isdigit() else None
    if entry is None:
        raise _http(web.HTTPNotFound, f"no callback {raw[:40]!r} (ids come from /api/callbacks)")
    return entry


def _query(request: web.Request) -> Query:
    q = request.query
    return Query(
        kind=q.get("kind", ""),
        verdict=q.get("verdict", ""),
        call=q.get("call", ""),
        q=q.get("q", ""),
    )


def _int(request: web.Request, name: str, default: int | None) -> int | None:
    value = request.query.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise _http(web.HTTPBadRequest, f"{name} must be an integer") from None


async def list_callbacks(request: web.Request) -> web.StreamResponse:
    """`GET /api/callbacks?kind=&verdict=&call=&q=&limit=&before=`: newest first, paged."""
    store = request.app[INSPECTOR].store
    limit = max(1, min(_int(request, "limit", 200) or 200, PAGE_LIMIT))
    query = _query(request)
    if query.words and store.partial:  # live entries: their params become searchable now
        await asyncio.to_thread(complete_haystacks, store.take_partial())
    found, total = store.search(query, limit, _int(request, "before", None))
    return web.json_response(
        {"callbacks": [e.row() for e in found], "total": total, "count": len(store)}
    )


async def _fixture(entry: Entry) -> Any:
    try:
        return await asyncio.to_thread(load, entry.path)
    except PlivocbError as exc:
        raise _http(web.HTTPGone, exc.message) from None


async def get_callback(request: web.Request) -> web.StreamResponse:
    entry = _entry(request)
    fx = await _fixture(entry)
    details = actions.describe(entry.id, entry.path, fx)
    details["row"] = entry.row()
    details["timeline"] = [e.row() for e in request.app[INSPECTOR].store.call(entry.call)]
    return web.json_response(details)


async def _action_body(request: web.Request) -> tuple[str | None, dict[str, str]]:
    if not request.can_read_body:
        return actions.parse_request({})
    try:
        data = await request.json()
    except ValueError:
        raise actions.ActionError("the body is not JSON") from None
    return actions.parse_request(data)


async def replay_callback(request: web.Request) -> web.StreamResponse:
    """`POST /api/callbacks/{id}/replay` with `{"to": URL?, "set": {NAME: VALUE}?}`."""
    entry = _entry(request)
    inspector = request.app[INSPECTOR]
    try:
        to, edits = await _action_body(request)
        fx = await _fixture(entry)
        result = await actions.replay_one(
            request.app[SESSION], entry.path, fx, to, edits, inspector.target
        )
    except PlivocbError as exc:
        return _error(400, exc.message)
    return web.json_response(result)


async def curl_callback(request: web.Request) -> web.StreamResponse:
    """`POST /api/callbacks/{id}/curl` with the same body as replay: a freshly signed command."""
    entry = _entry(request)
    try:
        to, edits = await _action_body(request)
        fx = await _fixture(entry)
        command = actions.curl_command(fx, to, edits, request.app[INSPECTOR].target)
    except PlivocbError as exc:
        return _error(400, exc.message)
    signed = bool(request.app[INSPECTOR].target.auth_token)
    return web.json_response({"command": command, "signed": signed})


async def download(request: web.Request) -> web.StreamResponse:
    entry = _entry(request)
    try:
        data = await asyncio.to_thread(entry.path.read_bytes)
    except OSError as exc:
        return _error(410, f"{entry.path.name}: {exc.strerror}")
    return web.Response(
        body=data,
        headers={
            "Content-Type": "application/toml",
            "Content-Disposition": f'attachment; filename="{_safe_name(entry.path.name)}"',
        },
    )


def _safe_name(name: str) -> str:
    """Recorded names are already [A-Za-z0-9._-]; a hand-named file must not break the header."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[:200] or "fixture.toml"


async def info(request: web.Request) -> web.StreamResponse:
    inspector = request.app[INSPECTOR]
    return web.json_response(
        {
            "count": len(inspector.store),
            "replay_to": inspector.target.default_to or "",
            "signing": bool(inspector.target.auth_token),
            "live": inspector.listening,
            "kinds": [*KINDS, STREAM_KIND],
            "verdicts": list(VERDICTS),
        }
    )


async def events(request: web.Request) -> web.StreamResponse:
    """`GET /api/events`: server-sent events, one `callback` event (a table row) per arrival."""
    inspector = request.app[INSPECTOR]
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"}
    )
    _secure(response.headers)
    await response.prepare(request)
    queue: asyncio.Queue[Entry | None] = asyncio.Queue(maxsize=EVENT_QUEUE)
    inspector.streams.add(queue)
    try:
        await response.write(b"retry: 1000\n: connected\n\n")
        while True:
            try:
                entry = await asyncio.wait_for(queue.get(), HEARTBEAT_S)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
                continue
            if entry is None:
                break
            data = json.dumps(entry.row(), ensure_ascii=False)
            await response.write(f"event: callback\ndata: {data}\n\n".encode())
    except ConnectionResetError:
        pass
    finally:
        inspector.streams.discard(queue)
    return response


async def _close_streams(app: web.Application) -> None:
    for queue in list(app[INSPECTOR].streams):
        with contextlib.suppress(asyncio.QueueFull):
            queue.put_nowait(None)


async def _client_session(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession(auto_decompress=True) as session:
        app[SESSION] = session
        yield


def create_app(inspector: Inspector) -> web.Application:
    """The inspector app over `inspector.store`; binds nothing."""
    app = web.Application(middlewares=[guard], client_max_size=256 * 1024)
    app[INSPECTOR] = inspector
    app.cleanup_ctx.append(_client_session)
    app.on_shutdown.append(_close_streams)
    app.router.add_get("/", page)
    app.router.add_get("/static/{name}", asset)
    app.router.add_get("/api/info", info)
    app.router.add_get("/api/callbacks", list_callbacks)
    app.router.add_get("/api/callbacks/{id}", get_callback)
    app.router.add_post("/api/callbacks/{id}/replay", replay_callback)
    app.router.add_post("/api/callbacks/{id}/curl", curl_callback)
    app.router.add_get("/api/callbacks/{id}/fixture", download)
    app.router.add_get("/api/events", events)
    return app
