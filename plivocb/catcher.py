"""The catcher: an aiohttp app that receives any callback, verifies, answers or forwards, records.

`create_app` returns a ready `web.Application` and never binds a port. Each callback is written
to disk before its response is sent, so everything Plivo saw acknowledged is on disk, complete.
"""

from __future__ import annotations

import asyncio
import fnmatch
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from aiohttp import web

from plivocb import defaults, signature
from plivocb.callbacks import classify, expects_xml, first, group_uuid, reply
from plivocb.checks import check_reply
from plivocb.events import IGNORED_KIND, CallbackEvent, Display, NullDisplay, summary_of
from plivocb.fixture.model import Fixture, Request, Response, Signature
from plivocb.fixture.store import save
from plivocb.form import (
    MAX_FIELDS,
    TooManyFields,
    parse_body,
    parse_query,
)
from plivocb.forward import (
    LOOP_HEADER,
    TIMEOUT_PREFIX,
    forward_target,
    origin_form,
    relay,
    unreachable_reply,
    without_credentials,
)
from plivocb.guard import BODY_TIMEOUT, ConnectionGuard, default_cap
from plivocb.redact import Redactor
from plivocb.timeouts import DEFAULT as DEFAULT_BUDGET
from plivocb.timeouts import Budget

DEFAULT_ANSWER_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n'
    "  <Speak>Hello from plivo c b. This call was received and recorded.</Speak>\n"
    "</Response>\n"
)
EMPTY_XML = "<Response></Response>"
# Requests a browser, crawler or health check makes, never Plivo: answered, not recorded.
# "/" only for GET/HEAD without a query (a Plivo GET callback to the root carries params).
IGNORED_PATHS = ("/favicon.ico", "/robots.txt", "/apple-touch-icon*.png")
IGNORED_HINT = "GET /, /favicon.ico, /robots.txt, --ignore-path"
# Credentials a client may send: never written to a fixture, with or without --redact.
SENSITIVE_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
REMOVED = "[removed]"
THREAD_WRITE_OVER = 64 * 1024  # bodies this large are encoded and written off the event loop
_V2_NOTE = " (V2 does not sign the body; listen --accept-v2 lets it through)"


@dataclass
class CatcherConfig:
    out_dir: Path
    public_base: str = ""  # set once the tunnel is open; signatures are checked against it
    auth_token: str | None = None
    strict: bool = False
    accept_v2: bool = False  # with strict: let valid-v2 (URL signed, body not) through
    forward_to: str | None = None
    forward_timeout: float = defaults.FORWARD_TIMEOUT
    answer_xml: str = DEFAULT_ANSWER_XML
    max_body: int = defaults.MAX_BODY
    redactor: Redactor | None = None
    body_timeout: float = BODY_TIMEOUT
    max_connections: int = 0  # 0: just below the fd limit (guard.default_cap)
    notify: Callable[[str], None] | None = None  # one-line operational notices (cap hit…)
    instance: str = field(default_factory=lambda: secrets.token_hex(8))  # loop marker value
    ignore_paths: tuple[str, ...] = IGNORED_PATHS  # globs on the path; --ignore-path adds more
    # Plivo's timeout budget per catcher path, from the `#rt=…` fragments of the URLs
    # `listen --app` pointed; other paths get Plivo's defaults (timeouts.py).
    budgets: dict[str, Budget] = field(default_factory=dict)


@dataclass
class Probes:
    """One-time tokens: a request for PROBE_PREFIX + token proves the public URL reaches us."""

    waiting: dict[str, asyncio.Event] = field(default_factory=dict)

    def expect(self, token: str) -> asyncio.Event:
        self.waiting[token] = asyncio.Event()
        return self.waiting[token]


@dataclass
class Stats:
    kinds: Counter[str] = field(default_factory=Counter)
    verdicts: Counter[str] = field(default_factory=Counter)
    rejected: int = 0
    errors: int = 0
    ignored: int = 0


PROBE_PREFIX = "/_plivocb/probe/"
CONFIG = web.AppKey("config", CatcherConfig)
STATS = web.AppKey("stats", Stats)
DISPLAY = web.AppKey("display", Display)
SESSION = web.AppKey("session", aiohttp.ClientSession)
PROBES = web.AppKey("probes", Probes)
GUARD = web.AppKey("guard", ConnectionGuard)


def _now() -> datetime:
    return datetime.now(UTC)


async def _read_body(request: web.Request, limit: int, timeout: float) -> bytes | None:
    """The whole body, or None when it is larger than `limit`; TimeoutError after `timeout` s."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async with asyncio.timeout(timeout):
        async for chunk in request.content.iter_any():
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
    return b"".join(chunks)


def _xml_response(status: int, body: str) -> tuple[int, str, str]:
    return status, "text/xml; charset=utf-8", body


async def handle_probe(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    event = request.app[PROBES].waiting.pop(token, None)
    if event is None:
        raise web.HTTPNotFound()
    event.set()
    return web.Response(text=token)


def _refuse(
    request: web.Request, received: datetime, status: int, reason: str, close: bool = False
) -> web.Response:
    """A clean 4xx that says why; counted and shown, not recorded."""
    request.app[STATS].rejected += 1
    request.app[DISPLAY].publish(
        CallbackEvent(
            received.isoformat(),
            "rejected",
            request.method,
            request.path,
            status=status,
            note=f"{status} {reason}: not recorded",
        )
    )
    response = web.Response(status=status, text=f"plivocb: {reason}\n")
    if close:
        response.force_close()
    return response


def _ignored(request: web.Request, config: CatcherConfig) -> bool:
    path = request.path
    if path == "/" and request.method in ("GET", "HEAD") and not request.query_string:
        return True
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in config.ignore_paths)


def _answer_ignored(request: web.Request) -> web.Response:
    request.app[STATS].ignored += 1
    request.app[DISPLAY].publish(
        CallbackEvent(_now().isoformat(), IGNORED_KIND, request.method, request.path, status=404)
    )
    if request.path == "/":
        return web.Response(text="plivocb is listening; this request was not recorded.\n")
    return web.Response(status=404, text="plivocb: not a Plivo callback; not recorded\n")


async def handle(request: web.Request) -> web.StreamResponse:
    if request.headers.get("Upgrade", "").lower() == "websocket":  # a <Stream> session
        from plivocb.streams.ws import handle_stream

        return await handle_stream(request)
    config = request.app[CONFIG]
    if _ignored(request, config):
        return _answer_ignored(request)
    started = time.perf_counter()
    received = _now()
    marks = ",".join(v for k, v in request.headers.items() if k.lower() == LOOP_HEADER.lower())
    if config.instance in (m.strip() for m in marks.split(",")):
        return _refuse(
            request, received, 508, "forwarding loop: this request already came through here"
        )
    try:
        body = await _read_body(request, config.max_body, config.body_timeout)
    except TimeoutError:
        reason = f"body not received within {config.body_timeout:g} s"
        return _refuse(request, received, 408, reason, close=True)
    except (ConnectionError, aiohttp.ClientPayloadError, web.HTTPException):
        request.app[STATS].rejected += 1  # the client went away or sent a broken body
        return web.Response(status=400, text="plivocb: incomplete body\n")
    if body is None:
        return _refuse(request, received, 413, f"body over --max-body ({config.max_body} bytes)")
    guard = request.app[GUARD]
    guard.busy.add(request.transport)  # never evicted for room while we answer
    try:
        return await _answer(request, config, body, started, received)
    finally:
        guard.busy.discard(request.transport)


async def _answer(
    request: web.Request, config: CatcherConfig, body: bytes, started: float, received: datetime
) -> web.StreamResponse:
    stats = request.app[STATS]
    display = request.app[DISPLAY]
    target = origin_form(request.raw_path)  # absolute-form targets keep only path and query
    query = target.partition("?")[2]  # raw, as sent: request.query_string is percent-decoded
    content_type = request.headers.get("Content-Type", "")
    is_get = request.method.upper() == "GET"
    try:
        query_params = parse_query(query, MAX_FIELDS)
        params = query_params if is_get else parse_body(body, content_type, MAX_FIELDS)
    except TooManyFields as exc:
        return _refuse(request, received, 400, f"{exc} (Plivo sends fewer than 100)")
    kind = classify({**query_params, **params} if not is_get else params, request.path)
    public_url = config.public_base + target
    sig = signature.check(
        request.headers, request.method, public_url, {} if is_get else params, config.auth_token
    )
    expects = expects_xml(kind, params)

    error = ""
    forwarded_to = ""
    forward_note = ""
    origin = "plivocb"
    if config.strict and not (
        sig.verdict == "valid" or (sig.verdict == "valid-v2" and config.accept_v2)
    ):
        status, ctype, text = (
            403,
            "text/plain; charset=utf-8",
            f"plivocb: {sig.verdict} signature{_V2_NOTE if sig.verdict == 'valid-v2' else ''}\n",
        )
        forward_note = "strict: rejected"
    elif config.forward_to:
        forward = forward_target(config.forward_to, request.raw_path)
        forwarded_to = without_credentials(forward)
        status, ctype, text, error = await relay(
            request, forward, body, config, request.app[SESSION]
        )
        origin = "app"
        if error:
            status, ctype, text = unreachable_reply(expects, error, forwarded_to)
            forward_note = error
            origin = "fallback"
        else:
            forward_note = reply_warning(
                kind,
                params,
                status,
                text,
                ctype,
                (time.perf_counter() - started) * 1000,
                config.budgets.get(request.path, DEFAULT_BUDGET),
            )
    elif expects:
        status, ctype, text = _xml_response(200, config.answer_xml)
    else:
        status, ctype, text = _xml_response(200, EMPTY_XML)
    elapsed_ms = (time.perf_counter() - started) * 1000

    fixture = Fixture(
        kind=kind,
        received_at=received,
        request=Request(
            request.method,
            public_url,
            target.split("?", 1)[0],  # as sent, so replay sends the same bytes
            query,
            tuple(_recorded_header(k, v) for k, v in request.headers.items()),
            body,
        ),
        params=params,
        signature=Signature(sig.verdict, sig.family, sig.detail),
        response=Response(
            status, ctype, text, round(elapsed_ms, 3), forwarded_to, error, origin=origin
        ),
    )
    if config.redactor is not None:
        fixture = config.redactor.fixture(fixture)
    ident = group_uuid(params)
    try:
        if len(body) + len(text) > THREAD_WRITE_OVER:  # encoding 1 MiB would stall the loop
            path = await asyncio.to_thread(save, fixture, config.out_dir, ident)
        else:
            path = save(fixture, config.out_dir, ident)
    except OSError as exc:
        stats.errors += 1
        display.publish(
            CallbackEvent(
                received.isoformat(),
                kind,
                request.method,
                request.path,
                status=500,
                note=f"could not write fixture: {exc}",
            )
        )
        return web.Response(status=500, text="plivocb: could not record this callback\n")
    stats.kinds[kind] += 1
    stats.verdicts[sig.verdict] += 1
    shown = fixture.params
    display.publish(
        CallbackEvent(
            time=received.isoformat(),
            kind=kind,
            method=request.method,
            path=fixture.request.path if config.redactor else request.path,  # --redact: masked
            from_=first(shown, "From"),
            to=first(shown, "To"),
            summary=summary_of(kind, shown),
            ident=ident,
            verdict=sig.verdict,
            status=status,
            forward=_forward_outcome(status, error) if forwarded_to else "",
            elapsed_ms=elapsed_ms,
            file=path.name,
            note=forward_note,
        )
    )
    return web.Response(status=status, body=text.encode("utf-8"), headers={"Content-Type": ctype})


def reply_warning(
    kind: str,
    params: dict[str, list[str]],
    status: int,
    text: str,
    ctype: str,
    elapsed_ms: float,
    budget: Budget,
) -> str:
    """Why Plivo would not accept the app's reply (it is relayed all the same): not Plivo XML
    where Plivo executes XML, or slower than the URL's timeout budget."""
    notes = []
    if 200 <= status < 300:
        found = check_reply(reply(kind, params), text, ctype)
        if found:
            more = f" (+{len(found) - 1} more)" if len(found) > 1 else ""
            notes.append(f"reply is not valid Plivo XML: {found[0].removeprefix('XML: ')}{more}")
    slow = budget.over(elapsed_ms)
    if slow:
        notes.append(slow)
    return "; ".join(notes)


def _forward_outcome(status: int, error: str) -> str:
    """The `fwd` column: the app's status, or why plivocb answered instead."""
    if not error:
        return str(status)
    return "timeout" if error.startswith(TIMEOUT_PREFIX) else "unreachable"


def _recorded_header(name: str, value: str) -> tuple[str, str]:
    """A header as a fixture stores it: text, and credentials replaced by [removed]."""
    if name.lower() in SENSITIVE_HEADERS:
        return _clean(name), REMOVED
    return _clean(name), _clean(value)


def _clean(value: str) -> str:
    """Header values as text; undecodable bytes (surrogate escapes) become U+FFFD."""
    if value.isascii():
        return value
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


async def _client_session(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession(auto_decompress=True) as session:
        app[SESSION] = session
        yield


def create_app(
    config: CatcherConfig, display: Display | None = None, stats: Stats | None = None
) -> web.Application:
    """The catcher app: every method, every path."""
    app = web.Application(client_max_size=config.max_body)
    app[CONFIG] = config
    app[STATS] = stats or Stats()
    app[DISPLAY] = display or NullDisplay()
    app[PROBES] = Probes()
    app[GUARD] = ConnectionGuard(config.max_connections or default_cap(), config.notify)
    if config.forward_to:
        app.cleanup_ctx.append(_client_session)
    from plivocb.streams.ws import install as install_streams

    install_streams(app)
    app.router.add_get(PROBE_PREFIX + "{token}", handle_probe)
    app.router.add_route("*", "/{tail:[\\s\\S]*}", handle)  # `.` would not match %0A in a path
    return app
