"""The catcher: an aiohttp app that receives any callback, verifies, answers or forwards, records.

`create_app` returns a ready `web.Application` and never binds a port. Each callback is written
to disk before its response is sent, so everything Plivo saw acknowledged is on disk, complete.
"""

from __future__ import annotations

import asyncio
import fnmatch
import re
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from plivocb import defaults, signature
from plivocb.callbacks import classify, expects_xml, first, group_uuid, reply
from plivocb.errors import Namer, own_name
from plivocb.events import IGNORED_KIND, CallbackEvent, Display, NullDisplay, summary_of
from plivocb.fixture.model import Fixture, Request, Response, Signature
from plivocb.fixture.store import save_named
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
)
from plivocb.guard import BODY_TIMEOUT, ConnectionGuard, default_cap
from plivocb.redact import Redactor
from plivocb.response_checks import check_reply
from plivocb.timeouts import DEFAULT as DEFAULT_BUDGET
from plivocb.timeouts import Budget

DEFAULT_ANSWER_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n'
    "  <Speak>Hello from plivo c b. This call was received and recorded.</Speak>\n"
    "</Response>\n"
)
EMPTY_XML = "<Response></Response>"
XML_TYPE = "text/xml; charset=utf-8"
ME = "plivocb"  # Response.origin of replies plivocb made itself
# Requests a browser, crawler or health check makes, never Plivo: answered, not recorded.
# "/" only for GET/HEAD without a query (a Plivo GET callback to the root carries params).
IGNORED_PATHS = ("/favicon.ico", "/robots.txt", "/apple-touch-icon*.png")
# Credentials a client may send: never written to a fixture, with or without --redact.
SENSITIVE_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
REMOVED = "[removed]"
THREAD_WRITE_OVER = 64 * 1024  # bodies this large are encoded and written off the event loop


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
    # What to call the options a note or reply mentions (`max_body`…): `listen` passes its flags.
    option_names: Namer = own_name


def ignored_hint(name: Namer = own_name) -> str:
    """What the catcher answers without recording (listen's summary says it)."""
    return f"GET /, /favicon.ico, /robots.txt, {name('ignore_paths')}"


def _v2_note(name: Namer) -> str:
    return f" (V2 does not sign the body; listen {name('accept_v2')} lets it through)"


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
    content = request.content
    if content.is_eof():  # the whole body came with the head (most callbacks): no timer needed
        body = content.read_nowait(-1)
        return body if len(body) <= limit else None
    chunks: list[bytes] = []
    size = 0
    async with asyncio.timeout(timeout):
        async for chunk in request.content.iter_any():
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
    return b"".join(chunks)


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


@lru_cache(maxsize=32)
def _ignore_pattern(globs: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for all --ignore-path globs (fnmatchcase per glob cost a call each)."""
    return re.compile("|".join(fnmatch.translate(g) for g in globs) or "(?!)")


def _ignored(request: web.Request, config: CatcherConfig) -> bool:
    path = request.path
    if path == "/" and request.method in ("GET", "HEAD") and not request.query_string:
        return True
    return _ignore_pattern(config.ignore_paths).match(path) is not None


def _answer_ignored(request: web.Request) -> web.Response:
    request.app[STATS].ignored += 1
    request.app[DISPLAY].publish(
        CallbackEvent(_now().isoformat(), IGNORED_KIND, request.method, request.path, status=404)
    )
    if request.path == "/":
        return web.Response(text="plivocb is listening; this request was not recorded.\n")
    return web.Response(status=404, text="plivocb: not a Plivo callback; not recorded\n")


async def handle(request: web.Request) -> web.StreamResponse:
    """Every callback: read it, decide the reply, record it, publish it, then answer."""
    if request.headers.get("Upgrade", "").lower() == "websocket":  # a <Stream> session
        from plivocb.streams.ws import handle_stream

        return await handle_stream(request)
    config = request.app[CONFIG]
    if _ignored(request, config):
        return _answer_ignored(request)
    started = time.perf_counter()
    received = _now()
    marks = ",".join(request.headers.getall(LOOP_HEADER, ()))
    if marks and config.instance in (m.strip() for m in marks.split(",")):
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
        over = f"body over {config.option_names('max_body')} ({config.max_body} bytes)"
        return _refuse(request, received, 413, over)
    try:
        callback = _read(request, config, body)
    except TooManyFields as exc:
        return _refuse(request, received, 400, f"{exc} (Plivo sends fewer than 100)")
    guard = request.app[GUARD]
    guard.busy.add(request.transport)  # never evicted for room while we answer
    try:
        reply, note = await _decide(request, config, callback, body, started)
        fixture = _fixture(request, config, callback, body, received, reply)
        try:
            name = await _record(fixture, config, callback.ident, len(body) + len(reply.body))
        except OSError as exc:
            request.app[STATS].errors += 1
            request.app[DISPLAY].publish(
                CallbackEvent(
                    received.isoformat(),
                    callback.kind,
                    request.method,
                    request.path,
                    status=500,
                    note=f"could not write fixture: {exc}",
                )
            )
            return web.Response(status=500, text="plivocb: could not record this callback\n")
        _publish(request, config, callback, fixture, name, note)
        return web.Response(
            status=reply.status,
            body=reply.body.encode("utf-8"),
            headers={"Content-Type": reply.content_type},
        )
    finally:
        guard.busy.discard(request.transport)


@dataclass(slots=True)
class Callback:
    """What one request says, read once: its params, kind, public URL and signature verdict."""

    target: str  # path and query as sent (origin form)
    query: str  # raw, as sent: request.query_string is percent-decoded
    params: dict[str, list[str]]
    kind: str
    public_url: str
    check: signature.SignatureCheck
    expects_xml: bool
    ident: str  # the call's or message's UUID, for the file name and the live view


def _read(request: web.Request, config: CatcherConfig, body: bytes) -> Callback:
    """Parse and classify the request and check its signature; TooManyFields if it is a flood."""
    target = origin_form(request.raw_path)  # absolute-form targets keep only path and query
    query = target.partition("?")[2]
    if request.method.upper() == "GET":
        params = parse_query(query, MAX_FIELDS)
        kind = classify(params, request.path)
        signed: dict[str, list[str]] = {}  # a GET's params are in the URL
    else:
        query_params = parse_query(query, MAX_FIELDS) if query else {}
        params = parse_body(body, request.headers.get("Content-Type", ""), MAX_FIELDS)
        kind = classify({**query_params, **params} if query_params else params, request.path)
        signed = params
    public_url = config.public_base + target
    check = signature.check(request.headers, request.method, public_url, signed, config.auth_token)
    return Callback(
        target,
        query,
        params,
        kind,
        public_url,
        check,
        expects_xml(kind, params),
        group_uuid(params),
    )


async def _decide(
    request: web.Request, config: CatcherConfig, cb: Callback, body: bytes, started: float
) -> tuple[Response, str]:
    """The reply Plivo gets, and a note for the display (why it was refused, a warning)."""
    verdict = cb.check.verdict
    if config.strict and not (verdict == "valid" or (verdict == "valid-v2" and config.accept_v2)):
        note = _v2_note(config.option_names) if verdict == "valid-v2" else ""
        reply = Response(
            403, "text/plain; charset=utf-8", f"plivocb: {verdict} signature{note}\n", origin=ME
        )
        return _timed(reply, started), "strict: rejected"
    if not config.forward_to:  # the common case: built once, no dataclasses.replace
        xml = config.answer_xml if cb.expects_xml else EMPTY_XML
        return Response(200, XML_TYPE, xml, _elapsed_ms(started), origin=ME), ""
    forward = forward_target(config.forward_to, request.raw_path)
    reply = await relay(request, forward, body, config, request.app[SESSION])
    if reply.error:
        fallback = unreachable_reply(cb.expects_xml, reply.error, reply.forwarded_to)
        return _timed(fallback, started), reply.error
    reply = _timed(reply, started)
    budget = config.budgets.get(request.path, DEFAULT_BUDGET)
    warning = reply_warning(
        cb.kind, cb.params, reply.status, reply.body, reply.content_type, reply.elapsed_ms, budget
    )
    return reply, warning


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def _timed(reply: Response, started: float) -> Response:
    return replace(reply, elapsed_ms=_elapsed_ms(started))


def _fixture(
    request: web.Request,
    config: CatcherConfig,
    cb: Callback,
    body: bytes,
    received: datetime,
    reply: Response,
) -> Fixture:
    fixture = Fixture(
        kind=cb.kind,
        received_at=received,
        request=Request(
            request.method,
            cb.public_url,
            cb.target.split("?", 1)[0],  # as sent, so replay sends the same bytes
            cb.query,
            _recorded_headers(request.headers),
            body,
        ),
        params=cb.params,
        signature=Signature(cb.check.verdict, cb.check.family, cb.check.detail),
        response=reply,
    )
    return config.redactor.fixture(fixture) if config.redactor is not None else fixture


async def _record(fixture: Fixture, config: CatcherConfig, ident: str, size: int) -> str:
    """Write the fixture before the answer goes out (large ones off the event loop): its name."""
    if size > THREAD_WRITE_OVER:  # encoding 1 MiB would stall the loop
        return await asyncio.to_thread(save_named, fixture, config.out_dir, ident)
    return save_named(fixture, config.out_dir, ident)


def _publish(
    request: web.Request,
    config: CatcherConfig,
    cb: Callback,
    fixture: Fixture,
    file: str,
    note: str,
) -> None:
    stats = request.app[STATS]
    stats.kinds[cb.kind] += 1
    stats.verdicts[cb.check.verdict] += 1
    reply = fixture.response
    assert reply is not None
    shown = fixture.params  # --redact: masked
    request.app[DISPLAY].publish(
        CallbackEvent(
            time=fixture.received_at.isoformat(),
            kind=cb.kind,
            method=request.method,
            path=fixture.request.path if config.redactor else request.path,
            from_=first(shown, "From"),
            to=first(shown, "To"),
            summary=summary_of(cb.kind, shown),
            ident=cb.ident,
            verdict=cb.check.verdict,
            status=reply.status,
            forward=_forward_outcome(reply.status, reply.error) if reply.forwarded_to else "",
            elapsed_ms=reply.elapsed_ms,
            file=file,
            note=note,
        )
    )


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


def _recorded_headers(headers: Any) -> tuple[tuple[str, str], ...]:
    """The request's headers as a fixture stores them (see `_recorded_header`)."""
    pairs = tuple(headers.items())
    if "".join(chain.from_iterable(pairs)).isascii() and not any(
        name in headers
        for name in SENSITIVE_HEADERS  # case-insensitive lookups, in C
    ):
        return pairs  # the usual callback: nothing to clean, no credentials
    return tuple([_recorded_header(k, v) for k, v in pairs])


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
    app[GUARD] = ConnectionGuard(
        config.max_connections or default_cap(),
        config.notify,
        config.option_names("max_connections"),
    )
    if config.forward_to:
        app.cleanup_ctx.append(_client_session)
    from plivocb.streams.ws import install as install_streams

    install_streams(app)
    app.router.add_get(PROBE_PREFIX + "{token}", handle_probe)
    app.router.add_route("*", "/{tail:[\\s\\S]*}", handle)  # `.` would not match %0A in a path
    return app
