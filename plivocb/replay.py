"""The replay engine: stream fixtures, keep each call's order, re-sign, send, check.

Callbacks sharing a CallUUID (or MessageUUID) form a chain replayed one after the other in
recorded order; different chains run concurrently, at most `concurrency` at a time. Fixtures are
read one by one, so memory stays bounded however many there are.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import aiohttp

from plivocb import defaults, proxy_headers, response_checks
from plivocb.callbacks import group_uuid, reply
from plivocb.errors import FixtureError, Namer, UsageError, own_name
from plivocb.fixture.model import Fixture, Response
from plivocb.fixture.store import iter_paths, load, write_in_place
from plivocb.form import decode_text
from plivocb.plivoxml import MAX_XML_BYTES
from plivocb.proxy_headers import HOP_BY_HOP
from plivocb.response_checks import StatusSpec
from plivocb.results import Result, Summary  # re-exported: the engine's vocabulary
from plivocb.signed_request import SignedRequest
from plivocb.signed_request import build as build_signed
from plivocb.timeouts import DEFAULT as DEFAULT_BUDGET
from plivocb.timeouts import Budget

# aiohttp sets its own Accept-Encoding and decodes what comes back. Host is set by
# proxy_headers.retarget (the target's, unless --keep-header Host).
DROP_HEADERS = (HOP_BY_HOP - {"host"}) | {"accept-encoding"}


MAX_RECORDED_WAIT = 3600.0  # seconds recorded timing may pause between two fixtures


@dataclass
class ReplayOptions:
    paths: list[str]
    to: str | None = None
    routes: dict[str, str] = field(default_factory=dict)
    auth_token: str | None = None
    main_auth_token: str | None = None  # signs the -Ma- headers; the subaccount's token if unset
    sign: bool = True
    kinds: set[str] = field(default_factory=set)
    call: str | None = None
    overrides: dict[str, str] = field(default_factory=dict)
    concurrency: int = defaults.CONCURRENCY
    timing: str = defaults.TIMING
    speed: float = defaults.SPEED
    timeout: float = defaults.REPLAY_TIMEOUT  # the whole exchange: connect, send, read and check
    max_response: int = defaults.MAX_RESPONSE  # bytes of response body read (after decompression)
    expect_status: StatusSpec = field(
        default_factory=lambda: StatusSpec.parse(defaults.EXPECT_STATUS)
    )
    check_xml: bool = True
    compare: bool = False
    fail_fast: bool = False
    keep_headers: set[str] = field(default_factory=set)  # sent as recorded (lower-case names)
    update_baseline: bool = False  # write the responses got into the fixtures' [response]
    stream_timing: str = defaults.STREAM_TIMING  # stream fixtures: recorded pace unless told
    first_response_ms: float = defaults.FIRST_RESPONSE_MS
    stream_out: Path | None = None  # where replayed stream sessions are recorded
    # Plivo's timeout budget per kind ("" for --to), from the URLs' `#rt=…` fragments.
    budgets: dict[str, Budget] = field(default_factory=dict)
    check_timing: bool | None = None  # None: only for the kinds Plivo reads XML from
    # How results name the options they mention: the engine knows no CLI flags, so a reason
    # says `max_response` unless the caller names it otherwise (`plivocb replay`: its flags).
    option_names: Namer = own_name

    def name(self, option: str) -> str:
        """What to call option `option` (a field of this object) in a result's reason."""
        return self.option_names(option)


class RecordedGapError(FixtureError):
    """Recorded timing would pause longer than MAX_RECORDED_WAIT before this fixture."""

    def __init__(self, path: Path, received_at: datetime, wait: float, speed: float) -> None:
        super().__init__(
            path,
            f"received_at {received_at.isoformat()} comes {wait:.0f} s after the fixture before "
            f"it (at speed {speed:g}); recorded timing would wait that long",
            "replay without recorded timing, faster, or fix received_at",
        )
        self.received_at = received_at
        self.wait = wait
        self.speed = speed


class NoTargetError(UsageError):
    """No base URL and no route for a fixture's kind (the CLI adds which options to pass)."""

    def __init__(self, kind: str) -> None:
        what = "stream fixtures" if kind == "stream" else f"{kind!r} callbacks"
        super().__init__(f"no target for {what}")
        self.kind = kind


def target_url(opts: ReplayOptions, fx: Fixture, query: str) -> str:
    """`--route` URLs are used as they are; `--to` gets the recorded path and query appended."""
    suffix = f"?{query}" if query else ""
    if fx.kind in opts.routes:
        route = opts.routes[fx.kind]
        return route + ("&" + query if "?" in route and query else suffix)
    if opts.to is None:
        raise NoTargetError(fx.kind)
    return opts.to.rstrip("/") + (fx.request.path or "/") + suffix


def signing_token(opts: ReplayOptions) -> str | None:
    """The token replayed requests are signed with; None when they go as recorded."""
    return opts.auth_token if opts.sign and opts.auth_token else None


def prepare(opts: ReplayOptions, fx: Fixture) -> SignedRequest:
    """The request to send: overrides applied (re-encoding only then), re-signed when asked."""
    req = fx.request
    method = req.method.upper()
    params = fx.params
    body: bytes | None = req.body
    query = req.query
    if opts.overrides:
        params = {**params, **{k: [v] for k, v in opts.overrides.items()}}
        body = None  # rebuilt from the params: a GET's query, any other method's form body
        if method == "GET":
            query = ""
    url = target_url(opts, fx, query)
    headers = proxy_headers.retarget(
        ((k, v) for k, v in req.headers if k.lower() not in DROP_HEADERS), url, opts.keep_headers
    )
    return build_signed(
        method,
        url,
        params,
        signing_token(opts),
        opts.main_auth_token,
        headers=headers,
        body=body,
    )


def _wanted(opts: ReplayOptions, fx: Fixture) -> bool:
    if opts.kinds and fx.kind not in opts.kinds:
        return False
    return not (opts.call and group_uuid(fx.params) != opts.call)


def stream_fixtures(opts: ReplayOptions) -> Iterator[tuple[Path, Fixture]]:
    """Matching fixtures, one at a time, in the order given (directories sort by arrival).

    With `--timing recorded` the order is `received_at` across all paths, whatever their order
    on the command line: a first pass keeps only (time, path) pairs, then each file is read again.
    """
    if opts.timing == "recorded":
        order: list[tuple[datetime, int, Path]] = []
        for index, path in enumerate(iter_paths(opts.paths)):
            fx = load(path)
            if _wanted(opts, fx):
                order.append((fx.received_at, index, path))
        order.sort(key=lambda item: (item[0], item[1]))
        for (before, _, _), (after, _, path) in itertools.pairwise(order):
            wait = (after - before).total_seconds() / opts.speed
            if wait > MAX_RECORDED_WAIT:
                raise RecordedGapError(path, after, wait, opts.speed)
        for _, _, path in order:
            yield path, load(path)
        return
    for path in iter_paths(opts.paths):
        fx = load(path)
        if _wanted(opts, fx):
            yield path, fx


async def send_one(
    session: aiohttp.ClientSession, opts: ReplayOptions, path: Path, fx: Fixture
) -> Result:
    if fx.kind == "stream":  # a <Stream> WebSocket session
        from plivocb.streams.replay import replay_stream

        return await replay_stream(session, opts, path, fx)
    prepared = prepare(opts, fx)
    result = Result(
        fixture=str(path),
        kind=fx.kind,
        method=prepared.method,
        url=prepared.url,
        group=group_uuid(fx.params),
        signed=prepared.signed,
    )
    started = time.perf_counter()
    try:
        async with asyncio.timeout(opts.timeout):  # the whole exchange, reading included
            async with session.request(
                prepared.method,
                prepared.url,
                data=prepared.body if prepared.method != "GET" else None,
                headers=prepared.headers,
                allow_redirects=False,
            ) as resp:
                raw, complete = await _read_bounded(resp, opts.max_response)
                result.status = resp.status
                content_type = resp.headers.get("Content-Type", "")
                body = decode_text(raw, resp.charset)
                elapsed_ms = (time.perf_counter() - started) * 1000
                result.response_type, result.response_body = content_type, body
    except TimeoutError:
        result.elapsed_ms = (time.perf_counter() - started) * 1000
        result.reasons.append(f"timed out after {opts.timeout:g} s")
        return result
    except aiohttp.ClientConnectorError as exc:
        result.reasons.append(f"connection refused or unreachable: {exc.os_error.strerror or exc}")
        return result
    except aiohttp.ClientError as exc:
        result.elapsed_ms = (time.perf_counter() - started) * 1000
        result.reasons.append(f"request failed: {type(exc).__name__}: {exc}")
        return result
    result.elapsed_ms = elapsed_ms
    result.reasons.extend(response_checks.check_status(opts.expect_status, resp.status))
    if not complete:
        result.reasons.append(
            f"response body over {opts.name('max_response')} ({opts.max_response} bytes, "
            "counted after decompression): stopped reading"
        )
    big = len(raw) > MAX_XML_BYTES  # not parsed or diffed: Plivo itself would refuse it
    expected = reply(fx.kind, prepared.params)
    if opts.check_xml:
        if expected != "none" and (big or not complete):
            result.reasons.append(f"XML: body is over Plivo's 100 KB limit ({len(raw)}+ bytes)")
        elif expected != "none":
            result.reasons.extend(response_checks.check_reply(expected, body, content_type))
    if opts.check_timing or (opts.check_timing is None and expected == "xml"):
        budget = opts.budgets.get(fx.kind if fx.kind in opts.routes else "", DEFAULT_BUDGET)
        slow = budget.over(elapsed_ms)
        if slow:
            result.reasons.append(slow)
    if opts.compare:
        baseline = fx.response
        if baseline is None:
            result.skipped = (
                f"{opts.name('compare')}: no recorded response to compare with (generated fixture)"
            )
        elif not baseline.is_baseline:
            result.skipped = (
                f"{opts.name('compare')}: the recorded response was {_NOT_APP[baseline.origin]}"
            )
        elif big or not complete or len(baseline.body) > MAX_XML_BYTES:
            if (baseline.status, baseline.body) != (resp.status, body):
                result.reasons.append("response differs from the recording (too large to diff)")
        else:
            result.reasons.extend(
                response_checks.compare(baseline.status, baseline.body, resp.status, body)
            )
    checked = time.perf_counter() - started
    if checked > opts.timeout:
        result.reasons.append(
            f"exchange and checks took {checked:.1f} s, over {opts.name('timeout')}"
        )
    if opts.update_baseline:
        result.response = Response(
            resp.status,
            content_type,
            body,
            round(elapsed_ms, 3),
            forwarded_to=prepared.url,
            origin="app",
        )
    return result


async def _read_bounded(resp: aiohttp.ClientResponse, limit: int) -> tuple[bytes, bool]:
    """Up to `limit` bytes of the (decompressed) body, and whether that was all of it."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(1 << 16):
        if size + len(chunk) > limit:
            chunks.append(chunk[: limit - size])
            return b"".join(chunks), False
        size += len(chunk)
        chunks.append(chunk)
    return b"".join(chunks), True


_NOT_APP = {
    "fallback": "plivocb's fallback (your app was down or too slow), not a baseline",
    "plivocb": "plivocb's own answer (it was not forwarding), not your app's",
}


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def update_baseline(path: Path, fx: Fixture, got: Response) -> bool:
    """Write `got` as the fixture's [response] when it differs (atomically); True if written.

    Latency alone is not a change, so an unchanged answer leaves the file (and `git diff`) alone.
    """
    old = fx.response
    if (
        old is not None
        and old.is_baseline
        and (old.status, old.body) == (got.status, got.body)
        and _media_type(old.content_type) == _media_type(got.content_type)
    ):
        return False
    write_in_place(fx.with_(response=got), path)
    return True


class _Pacer:
    """`--timing recorded`: hold each request until its recorded offset (scaled by speed)."""

    def __init__(self, opts: ReplayOptions) -> None:
        self.enabled = opts.timing == "recorded"
        self.speed = opts.speed
        self.first: datetime | None = None
        self.start = 0.0

    async def wait(self, fx: Fixture) -> None:
        if not self.enabled:
            return
        loop = asyncio.get_running_loop()
        if self.first is None:
            self.first, self.start = fx.received_at, loop.time()
        offset = (fx.received_at - self.first).total_seconds() / self.speed
        delay = self.start + offset - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)


async def run(
    opts: ReplayOptions,
    on_result: Callable[[Result], None],
    fixtures: Iterable[tuple[Path, Fixture]] | None = None,
) -> Summary:
    """Replay every matching fixture; `on_result` sees each result as it completes."""
    summary = Summary()
    started = time.perf_counter()
    stop = asyncio.Event()
    slots = asyncio.Semaphore(opts.concurrency)
    chains: dict[str, deque[tuple[Path, Fixture]]] = {}
    tasks: set[asyncio.Task[None]] = set()
    pacer = _Pacer(opts)
    unsent = False  # a stop left a fixture unsent ("stopped early")
    connector = aiohttp.TCPConnector(limit=opts.concurrency, force_close=False)

    # No aiohttp timers: asyncio.timeout(opts.timeout) in send_one bounds each whole exchange.
    no_timers = aiohttp.ClientTimeout()
    async with aiohttp.ClientSession(
        connector=connector, auto_decompress=True, timeout=no_timers
    ) as session:

        async def chain(key: str) -> None:
            nonlocal unsent
            try:
                queue = chains[key]
                while queue and not stop.is_set():
                    path, fx = queue.popleft()
                    await pacer.wait(fx)
                    result = await send_one(session, opts, path, fx)
                    if result.response is not None:
                        result.baseline_updated = await asyncio.to_thread(
                            update_baseline, path, fx, result.response
                        )
                        summary.updated += result.baseline_updated
                        result.response = None
                    summary.total += 1
                    summary.skipped += bool(result.passed and result.skipped)
                    if result.passed:
                        summary.passed += 1
                    else:
                        summary.failed += 1
                        if opts.fail_fast:
                            stop.set()
                    on_result(result)
                if queue:
                    unsent = True
            finally:
                chains.pop(key, None)
                slots.release()

        source = fixtures if fixtures is not None else stream_fixtures(opts)
        try:
            async for path, fx in _aiter(source):
                if stop.is_set():
                    unsent = True
                    break
                key = group_uuid(fx.params) or f"file:{path}"
                if key in chains:
                    chains[key].append((path, fx))
                    continue
                await slots.acquire()
                if stop.is_set():
                    slots.release()
                    unsent = True
                    break
                chains[key] = deque([(path, fx)])
                task = asyncio.create_task(chain(key))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            if tasks:
                await asyncio.gather(*list(tasks))
        except BaseException as exc:
            # An unreadable fixture or Ctrl-C ends the run: stop the requests in flight
            # before the session closes under them.
            stop.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*list(tasks), return_exceptions=True)
            if not isinstance(exc, asyncio.CancelledError):
                raise
            # Ctrl-C (asyncio.run cancels this task): hand back what finished, so the caller
            # can still write the summary and a partial JUnit report before exiting 130.
            summary.interrupted = True
    summary.stopped_early = unsent and not summary.interrupted
    summary.elapsed_s = time.perf_counter() - started
    return summary


async def _aiter(items: Iterable[tuple[Path, Fixture]]) -> AsyncIterator[tuple[Path, Fixture]]:
    """Yield to the loop between fixtures so in-flight requests progress while we read files."""
    for count, item in enumerate(items):
        if count % 64 == 0:
            await asyncio.sleep(0)
        yield item
