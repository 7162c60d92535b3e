"""Forwarding to the developer's app: the target URL, the bounded relay, the fallback replies.

Only the configured `--forward-to` base plus a request's path and query is ever contacted; the
reply is bounded by `--max-body` (after decompression) and decoded whatever charset it claims.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from aiohttp import web

from plivocb.errors import Namer, own_name
from plivocb.fixture.model import Response
from plivocb.form import decode_text
from plivocb.proxy_headers import HOP_BY_HOP
from plivocb.xml_chars import NOT_XML_CHAR

if TYPE_CHECKING:
    from plivocb.catcher import CatcherConfig

# Sent with every forwarded request; one that comes back carrying our own id is a loop (508).
LOOP_HEADER = "X-Plivocb-Loop"
_USERINFO = re.compile(r"//[^/@\s]*@")  # `user:password@` inside any URL quoted in a message
TIMEOUT_PREFIX = "timeout"  # "timeout after 10 s" vs "unreachable: connection refused"


def origin_form(raw_path: str) -> str:
    """A request target reduced to `/path[?query]`, the path starting with exactly one `/`.

    A target may be absolute-form (`host://x/answer`, `http://u:p@evil:99/a`), start with
    `//evil/x` or hold anything else a client sends: only its path and query are kept.
    """
    target = raw_path
    if not target.startswith("/"):
        parts = urlsplit(target)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
    path, sep, query = target.partition("?")
    return "/" + path.lstrip("/") + sep + query


def forward_target(base: str, raw_path: str) -> str:
    """The configured base plus the request's path and query only, never another host or port."""
    path, _, query = origin_form(raw_path).partition("?")
    b = urlsplit(base)
    return urlunsplit((b.scheme, b.netloc, b.path.rstrip("/") + path, query, ""))


def without_credentials(url: str) -> str:
    """`url` with any `user:password@` removed, for display and fixtures."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


async def relay(
    request: web.Request,
    target: str,
    body: bytes,
    config: CatcherConfig,
    session: aiohttp.ClientSession,
) -> Response:
    """Relay to the developer's app: its reply, or a Response with only `error` set (status 0).

    `forwarded_to` is `target` without credentials; `elapsed_ms` is left for the caller."""
    from yarl import URL

    shown = without_credentials(target)

    def failed(error: str) -> Response:
        return Response(0, forwarded_to=shown, error=error, origin="app")

    url = URL(target, encoded=True)
    base = URL(config.forward_to or "")
    if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port):
        option = config.option_names("forward_to")
        return failed(f"refused: the request's path would leave {option}")  # defence in depth
    headers = [
        (k, v)
        for k, v in request.headers.items()
        if k.lower() not in HOP_BY_HOP and k.lower() not in ("accept-encoding", LOOP_HEADER.lower())
    ]
    marks = [v for k, v in request.headers.items() if k.lower() == LOOP_HEADER.lower()]
    headers += [
        ("Accept-Encoding", "identity"),  # relayed as text: ask for it uncompressed
        (LOOP_HEADER, ", ".join([*marks, config.instance])),
        ("X-Forwarded-For", request.remote or ""),
        ("X-Forwarded-Proto", config.public_base.split("://", 1)[0]),
        ("X-Forwarded-Host", config.public_base.split("://", 1)[-1].split("/", 1)[0]),
    ]
    timeout = aiohttp.ClientTimeout(total=config.forward_timeout)
    try:
        async with session.request(
            request.method,
            url,
            data=body,
            headers=headers,
            allow_redirects=False,
            timeout=timeout,
        ) as resp:
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.content.iter_chunked(1 << 16):  # decompressed if it was not
                size += len(chunk)
                if size > config.max_body:
                    limit = config.option_names("max_body")
                    return failed(f"replied with more than {limit} ({config.max_body} bytes)")
                chunks.append(chunk)
            text = decode_text(b"".join(chunks), resp.charset)
            ctype = resp.headers.get("Content-Type", "")
            return Response(resp.status, ctype, text, forwarded_to=shown, origin="app")
    except TimeoutError:
        return failed(f"{TIMEOUT_PREFIX} after {config.forward_timeout:g} s")
    except aiohttp.ClientConnectorError as exc:  # nothing listening, DNS, no route
        err = exc.os_error  # asyncio's strerror is "Connect call failed (…)": use the errno
        reason = (os.strerror(err.errno) if err.errno else str(err)).lower()
        return failed(f"unreachable: {reason}")
    except aiohttp.ClientError as exc:
        return failed(f"unreachable: {type(exc).__name__}: {_USERINFO.sub('//', str(exc))}")


def _xml_comment(text: str) -> str:
    """Text that can sit inside <!-- --> whatever it holds: XML 1.0 characters, no `--`."""
    text = re.sub("-{2,}", "-", NOT_XML_CHAR.sub("?", text))
    return text.rstrip("-")


def unreachable_reply(expects: bool, error: str, target: str) -> Response:
    """What Plivo gets when the app is down; `target` is already without credentials."""
    if expects:
        return Response(
            200,
            "text/xml; charset=utf-8",
            "<Response><Speak>plivo c b could not reach your application. "
            f"Check the terminal.</Speak></Response><!-- {_xml_comment(f'{target}: {error}')} -->",
            forwarded_to=target,
            error=error,
            origin="fallback",
        )
    return Response(
        502,
        "text/plain; charset=utf-8",
        f"plivocb: your app at {target} is {error}\n",
        forwarded_to=target,
        error=error,
        origin="fallback",
    )


def _port(parts: object) -> int:
    scheme, port = getattr(parts, "scheme", ""), getattr(parts, "port", None)
    return int(port or (443 if scheme == "https" else 80))


def _is_local(address: str) -> bool:
    """Whether this machine owns `address` (binding to it succeeds)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((address, 0))
        except OSError:
            return False
    return True


def loop_problem(
    forward_to: str, host: str, port: int, public_base: str, name: Namer = own_name
) -> str:
    """Why forwarding to `forward_to` would reach this catcher again, or "" when it would not.

    `host`/`port` are the catcher's bound address, `public_base` its public URL. Name
    resolution is local (getaddrinfo), so a name resolving to this machine is caught too.
    `name` says what to call the option (`listen`: `--forward-to`).
    """
    option = f"{name('forward_to')} {forward_to}"
    f = urlsplit(forward_to)
    pub = urlsplit(public_base)
    fhost = (f.hostname or "").lower()
    if (
        pub.hostname
        and (f.scheme, fhost, _port(f)) == (pub.scheme, pub.hostname.lower(), _port(pub))
        and f.path.rstrip("/").startswith(pub.path.rstrip("/"))
    ):
        return f"{option} is this catcher's own public URL"
    if _port(f) != port:
        return ""
    try:
        infos = socket.getaddrinfo(fhost, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return ""
    bound = ipaddress.ip_address(host.strip("[]")) if host else None
    for info in infos:
        addr = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if (bound is None or bound.is_unspecified) and _is_local(str(addr)):
            return f"{option} is this catcher itself (port {port})"
        if addr == bound:
            return f"{option} is this catcher itself ({host}:{port})"
    return ""
