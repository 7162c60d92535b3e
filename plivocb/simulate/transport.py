"""Send one simulated Plivo request: sign it, apply Plivo's timeout/retry rules, record it.

Retry rules per URL follow Plivo's callback configuration fragment (`#ct=..&rt=..&tt=..&rc=..
&rp=..`, https://plivo.com/docs/voice/concepts/callback-configurations; reference §3.2):
connect timeout 2 s, read timeout 40 s, total 55 s, 1 retry, retried on `ct,rt` by default.
The fragment is never sent, and never signed (every SDK drops it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import aiohttp

from plivocb import plivoxml
from plivocb.fixture import store as fixture_store
from plivocb.fixture.model import Fixture, Request, Response, Signature
from plivocb.signed_request import build as build_signed
from plivocb.simulate.clock import VirtualClock
from plivocb.simulate.model import Exchange, Transcript

USER_AGENT = "PlivoHTTP/1.0 (simulated by plivocb)"
MAX_REPLY_BYTES = plivoxml.MAX_XML_BYTES + 1  # enough to tell "over Plivo's 100 KB limit"
RETRY_CATEGORIES = ("4xx", "5xx", "ct", "rt")


@dataclass(frozen=True)
class UrlPolicy:
    connect_s: float = 2.0
    read_s: float = 40.0
    total_s: float = 55.0
    retries: int = 1
    retry_on: frozenset[str] = frozenset({"ct", "rt"})
    retry_delays: tuple[float, ...] = ()  # virtual seconds before each retry (messaging)

    def retries_on(self, category: str) -> bool:
        return "all" in self.retry_on or category in self.retry_on


# Messaging retries three times on anything but a 200, after 60, 120 and 240 s
# (https://plivo.com/docs/messaging/concepts/callbacks; reference §3.3).
MESSAGE_POLICY = UrlPolicy(
    connect_s=2.0,
    read_s=40.0,
    total_s=55.0,
    retries=3,
    retry_on=frozenset({"all"}),
    retry_delays=(60.0, 120.0, 240.0),
)

_RANGES = {"ct": (100, 10000), "rt": (100, 40000), "tt": (100, 55000), "rc": (0, 5)}


def split_policy(url: str, base: UrlPolicy | None = None) -> tuple[str, UrlPolicy]:
    """The URL without its fragment, and the policy its fragment asks for (bad keys ignored)."""
    parts = urlsplit(url)
    policy = base or UrlPolicy()
    if not parts.fragment:
        return url, policy
    values: dict[str, int] = {}
    retry_on = policy.retry_on
    for key, value in parse_qsl(parts.fragment, keep_blank_values=True):
        if key in _RANGES and value.isdigit():
            low, high = _RANGES[key]
            values[key] = min(high, max(low, int(value)))
        elif key == "rp":
            chosen = {p.strip() for p in value.split(",")} & {*RETRY_CATEGORIES, "all"}
            if chosen:
                retry_on = frozenset(chosen)
    policy = UrlPolicy(
        connect_s=values.get("ct", int(policy.connect_s * 1000)) / 1000,
        read_s=values.get("rt", int(policy.read_s * 1000)) / 1000,
        total_s=values.get("tt", int(policy.total_s * 1000)) / 1000,
        retries=values.get("rc", policy.retries),
        retry_on=retry_on,
        retry_delays=policy.retry_delays,
    )
    return urlunsplit(parts._replace(fragment="")), policy


@dataclass(frozen=True)
class _Attempt:
    status: int | None
    content_type: str
    body: bytes
    error: str
    category: str  # "" when 2xx, else 4xx/5xx/ct/rt


async def _read_bounded(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(16384):
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit]


class Sender:
    """Sends signed requests for one simulated call or message and keeps the transcript."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        auth_token: str,
        clock: VirtualClock,
        transcript: Transcript,
        emit: Callable[[str, str, Exchange | None], None],
        out: Path | None = None,
    ) -> None:
        self.session = session
        self.auth_token = auth_token
        self.clock = clock
        self.transcript = transcript
        self.emit = emit
        self.out = out

    async def send(
        self,
        kind: str,
        step: str,
        url: str,
        method: str,
        params: dict[str, str],
        *,
        wants_xml: bool = False,
        policy: UrlPolicy | None = None,
    ) -> Exchange:
        """Send (with retries); the exchange names any app error (status, timeout, XML)."""
        clean_url, policy = split_policy(url, policy)
        method = method.upper()
        signed = build_signed(
            method, clean_url, {k: [v] for k, v in params.items()}, self.auth_token
        )
        headers = {"User-Agent": USER_AGENT, **dict(signed.headers)}
        exchange = Exchange(
            index=len(self.transcript.requests) + 1,
            kind=kind,
            step=step,
            method=method,
            url=signed.url,
            params=signed.params,
            headers=headers,
            body=signed.body,
            at=self.clock.now,
        )
        started = time.perf_counter()
        deadline = started + policy.total_s
        attempt = await self._attempt(exchange, policy, deadline)
        while attempt.category and exchange.attempts <= policy.retries:
            if not policy.retries_on(attempt.category) or time.perf_counter() >= deadline:
                break
            delays = policy.retry_delays
            if delays:
                await self.clock.advance(delays[min(exchange.attempts - 1, len(delays) - 1)])
            exchange.attempts += 1
            attempt = await self._attempt(exchange, policy, deadline)
        exchange.elapsed_ms = (time.perf_counter() - started) * 1000
        exchange.status = attempt.status
        exchange.content_type = attempt.content_type
        exchange.reply = attempt.body.decode("utf-8", errors="replace")
        exchange.error = attempt.error
        tries = f" after {exchange.attempts} attempts" if exchange.attempts > 1 else ""
        if attempt.error:
            exchange.problems.append(f"{attempt.error}{tries}")
        elif attempt.category:
            exchange.problems.append(f"answered HTTP {attempt.status}{tries}")
        warnings: list[str] = []
        if wants_xml and not exchange.problems:
            for problem in plivoxml.check(attempt.body, attempt.content_type or ""):
                if problem.severity == plivoxml.ERROR:
                    exchange.problems.append(f"invalid Plivo XML: {problem}")
                else:
                    warnings.append(f"XML warning from {exchange.step}: {problem}")
        self._record(exchange)
        for warning in warnings:  # Plivo runs the document anyway
            self.emit("note", warning, None)
        return exchange

    async def notify(
        self,
        kind: str,
        step: str,
        url: str,
        method: str,
        params: dict[str, str],
        *,
        policy: UrlPolicy | None = None,
    ) -> None:
        """A notification (callbackUrl, status callback): only its HTTP status matters."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problem = f"{step} {url!r} is not an absolute http(s) URL: not requested"
            self.transcript.errors.append(problem)
            self.emit("note", problem, None)
            return
        await self.send(kind, step, url, method, params, policy=policy)

    async def _attempt(self, exchange: Exchange, policy: UrlPolicy, deadline: float) -> _Attempt:
        remaining = max(0.001, deadline - time.perf_counter())
        timeout = aiohttp.ClientTimeout(
            total=remaining, sock_connect=policy.connect_s, sock_read=policy.read_s
        )
        try:
            async with self.session.request(
                exchange.method,
                exchange.url,
                data=exchange.body if exchange.method != "GET" else None,
                headers=exchange.headers,
                allow_redirects=False,
                timeout=timeout,
            ) as resp:
                body = await _read_bounded(resp, MAX_REPLY_BYTES)
                ctype = resp.headers.get("Content-Type", "")
                category = "" if 200 <= resp.status < 300 else f"{resp.status // 100}xx"
                return _Attempt(resp.status, ctype, body, "", category)
        except aiohttp.ClientConnectorError as exc:
            reason = exc.os_error.strerror if exc.os_error else str(exc)
            return _Attempt(None, "", b"", f"could not connect ({reason})", "ct")
        except TimeoutError as exc:
            connect = "connect" in str(exc).lower() or "Connection" in type(exc).__name__
            what = (
                f"connect timeout ({policy.connect_s:g} s)"
                if connect
                else f"no reply within {min(policy.read_s, policy.total_s):g} s"
            )
            return _Attempt(None, "", b"", f"timed out: {what}", "ct" if connect else "rt")
        except aiohttp.ClientError as exc:
            return _Attempt(None, "", b"", f"request failed: {type(exc).__name__}", "rt")

    def _record(self, exchange: Exchange) -> None:
        self.transcript.requests.append(exchange)
        parts = urlsplit(exchange.url)
        req_headers = [
            ("Host", parts.netloc),
            *((k, v) for k, v in exchange.headers.items()),
        ]
        if exchange.method != "GET":
            req_headers.append(("Content-Length", str(len(exchange.body))))
        fx = Fixture(
            kind=exchange.kind,
            # the simulated clock is naive UTC; fixtures need an offset (naive ones are refused)
            received_at=exchange.at.replace(tzinfo=exchange.at.tzinfo or UTC),
            request=Request(
                exchange.method,
                exchange.url,
                parts.path or "/",
                parts.query,
                tuple(req_headers),
                exchange.body,
            ),
            params=exchange.params,
            signature=Signature("valid", "v3", "signed by plivocb simulate"),
            response=None
            if exchange.status is None  # no HTTP reply at all: nothing to compare with
            else Response(
                status=exchange.status,
                content_type=exchange.content_type,
                body=exchange.reply,
                elapsed_ms=round(exchange.elapsed_ms, 3),
            ),
        )
        self.transcript.fixtures.append(fx)
        if self.out is not None:
            ident = self.transcript.ident
            self.transcript.fixture_paths.append(fixture_store.save(fx, self.out, ident))
        status = exchange.status if exchange.status is not None else "-"
        self.emit(
            "request", f"{exchange.step}: {exchange.method} {exchange.url} -> {status}", exchange
        )
