"""What the inspector does with one callback: describe it, replay it re-signed, copy it as curl.

Re-signing and sending go through `plivocb.replay` (`prepare`, `send_one`), the same code as
`plivocb replay`, so a replay from the page is byte for byte what the CLI would send.
"""

from __future__ import annotations

import json
import shlex
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from plivocb import defaults, plivoxml, replay, response_checks, signature
from plivocb.callbacks import expects_xml
from plivocb.errors import Namer, PlivocbError, own_name
from plivocb.fixture.model import Fixture
from plivocb.form import signed_params
from plivocb.simulate.transport import UrlPolicy
from plivocb.streams.record import STREAM_KIND

# Plivo's default read timeout for voice callback URLs is 40 s (`rt`, 100-40000 ms), connect
# 2 s (`ct`); https://plivo.com/docs/voice/concepts/callback-configurations. The default lives once,
# in simulate's UrlPolicy. Messaging documents retries (60/120/240 s) but no per-request timeout,
# so no budget is shown for message kinds.
VOICE_READ_TIMEOUT_MS = round(UrlPolicy().read_s * 1000)
MESSAGE_KINDS = ("message", "message_status")
MAX_SET = 200  # fields an edit may change
MAX_VALUE = 8192


class ActionError(PlivocbError):
    """A replay or curl request the inspector cannot carry out (shown to the page as 400)."""


@dataclass(frozen=True)
class Target:
    """Where replays go by default and how they are signed."""

    default_to: str | None = None
    auth_token: str | None = None
    timeout: float = defaults.INSPECT_REPLAY_TIMEOUT
    # What hints call the options they mention (`to`, `forward_to`): the CLI passes its flags.
    option_names: Namer = own_name


def pretty(body: str, content_type: str = "") -> str:
    """XML indented, JSON indented, anything else as it came."""
    text = body.strip()
    if text.startswith("<"):
        try:
            element = plivoxml.parse(text)
        except ValueError:
            return body
        ET.indent(element)
        return ET.tostring(element, encoding="unicode")
    if text.startswith(("{", "[")) or "json" in content_type:
        try:
            return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            return body
    return body


def _body_text(body: bytes) -> tuple[str, str]:
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        import base64

        return base64.b64encode(body).decode("ascii"), "base64"


def explain_signature(fx: Fixture) -> dict[str, Any]:
    """The verdict and what plivocb checked: the URL, its parts and the strings it hashed."""
    req = fx.request
    url = req.public_url
    parts = urlsplit(url)
    method = req.method.upper()
    params = signed_params(method, fx.params)
    out: dict[str, Any] = {
        "verdict": fx.signature.verdict,
        "family": fx.signature.family,
        "detail": fx.signature.detail,
        "checked_url": url,
        "scheme": parts.scheme,
        "host": parts.hostname or "",
        "port": parts.port or (443 if parts.scheme == "https" else 80),
        "path": parts.path,
        "query": parts.query,
        "v3_string": "",
        "v2_string": "",
        "hints": [],
    }
    v3_nonce = req.header(signature.V3_NONCE)
    if req.header(signature.V3) or req.header(signature.V3_MA):
        out["v3_string"] = f"{signature.v3_canonical(method, url, params)}.{v3_nonce}"
    v2_nonce = req.header(signature.V2_NONCE)
    if req.header(signature.V2) or req.header(signature.V2_MA):
        out["v2_string"] = f"{parts.scheme}://{parts.netloc}{parts.path}{v2_nonce}"
    if fx.signature.verdict == "invalid":
        out["hints"] = _hints(fx, parts.scheme, parts.netloc)
    return out


def _hints(fx: Fixture, scheme: str, netloc: str) -> list[str]:
    """Likely reasons an invalid signature did not match (Plivo signs the exact URL it called)."""
    req = fx.request
    hints = [
        "Plivo signs the exact URL it called: scheme, host, port, path and query must all "
        "match the URL above, and the auth token must be the one of the account (or subaccount) "
        "that owns the number or application."
    ]
    proto = req.header("X-Forwarded-Proto").split(",")[0].strip()
    if proto and proto != scheme:
        hints.append(f"scheme: the request came over {proto} but {scheme} was checked")
    host = req.header("X-Forwarded-Host") or req.header("Host")
    if host and host.split(",")[0].strip() != netloc:
        hints.append(f"host: the request named {host!r} but {netloc!r} was checked")
    return hints


def describe(entry_id: int, path: Path, fx: Fixture) -> dict[str, Any]:
    """Everything the details pane shows about one callback."""
    req = fx.request
    body, encoding = _body_text(req.body)
    target = req.path + (f"?{req.query}" if req.query else "")
    out: dict[str, Any] = {
        "id": entry_id,
        "file": str(path),
        "kind": fx.kind,
        "time": fx.received_at.isoformat(),
        "redacted": fx.redacted,
        "request_line": f"{req.method} {target}",
        "public_url": req.public_url,
        "headers": [[k, v] for k, v in req.headers],
        "params": [[k, v] for k, values in fx.params.items() for v in values],
        "body": body,
        "body_encoding": encoding,
        "expects_xml": expects_xml(fx.kind, fx.params),
        "signature": explain_signature(fx),
        "response": None,
    }
    r = fx.response
    if r is not None:
        budget = None if fx.kind in MESSAGE_KINDS else VOICE_READ_TIMEOUT_MS
        out["response"] = {
            "status": r.status,
            "content_type": r.content_type,
            "body": r.body,
            "pretty": pretty(r.body, r.content_type),
            "elapsed_ms": round(r.elapsed_ms, 3),
            "budget_ms": budget,
            "forwarded_to": r.forwarded_to,
            "error": r.error,
            "origin": r.origin,  # app, plivocb (its own answer) or fallback (app unreachable)
        }
    return out


def parse_request(data: object) -> tuple[str | None, dict[str, str]]:
    """`{"to": URL?, "set": {NAME: VALUE}?}` from the page or a test, checked."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ActionError('the body must be a JSON object: {"to": URL?, "set": {NAME: VALUE}?}')
    unknown = set(data) - {"to", "set"}
    if unknown:
        raise ActionError(f"unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    to = data.get("to") or None
    if to is not None:
        if not isinstance(to, str):
            raise ActionError('"to" must be a URL string')
        parts = urlsplit(to)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ActionError(f'"to" must be an http(s) URL, got {to!r}')
    edits = data.get("set")
    if edits is None:
        edits = {}
    if not isinstance(edits, Mapping) or len(edits) > MAX_SET:
        raise ActionError(f'"set" must be an object of at most {MAX_SET} NAME: VALUE strings')
    for key, value in edits.items():
        if not isinstance(key, str) or not key or not isinstance(value, str):
            raise ActionError('"set" values must be strings, keyed by non-empty names')
        if len(value) > MAX_VALUE:
            raise ActionError(f'"set" value for {key} is over {MAX_VALUE} characters')
    return to, dict(edits)


def options(fx: Fixture, to: str | None, edits: dict[str, str], target: Target) -> Any:
    """ReplayOptions for one callback: a typed URL with a path is used as it is (plus the
    recorded query); a bare origin, or the forward target, gets the recorded path appended."""
    name = target.option_names
    if fx.kind == STREAM_KIND:
        raise ActionError(
            "a <Stream> session is replayed over WebSocket: "
            f"use `plivocb replay FILE {name('to')} ws://…` (the inspector replays HTTP callbacks)"
        )
    chosen = to or target.default_to
    if not chosen:
        raise ActionError(
            "no replay target: type a URL (or start with "
            f"`listen {name('forward_to')}` / `inspect {name('to')}`)"
        )
    opts = replay.ReplayOptions(
        paths=[],
        auth_token=target.auth_token,
        overrides=edits,
        timeout=target.timeout,
    )
    if to and urlsplit(to).path not in ("", "/"):
        opts.routes = {fx.kind: to}
    else:
        opts.to = chosen
    return opts


async def replay_one(
    session: aiohttp.ClientSession,
    path: Path,
    fx: Fixture,
    to: str | None,
    edits: dict[str, str],
    target: Target,
) -> dict[str, Any]:
    """Send one callback, re-signed for its target; the new response next to the recorded one."""
    opts = options(fx, to, edits, target)
    result = await replay.send_one(session, opts, path, fx)
    recorded = fx.response
    differences: list[str] = []
    if recorded is not None and result.status is not None:
        differences = response_checks.compare(
            recorded.status, recorded.body, result.status, result.response_body
        )
    return {
        "url": result.url,
        "method": result.method,
        "signed": result.signed,
        "set": edits,
        "status": result.status,
        "content_type": result.response_type,
        "body": result.response_body,
        "pretty": pretty(result.response_body, result.response_type),
        "elapsed_ms": round(result.elapsed_ms, 3),
        "problems": result.reasons,
        "recorded": None
        if recorded is None
        else {
            "status": recorded.status,
            "body": recorded.body,
            "pretty": pretty(recorded.body, recorded.content_type),
            "origin": recorded.origin,
        },
        "differences": differences,
    }


def curl_command(fx: Fixture, to: str | None, edits: dict[str, str], target: Target) -> str:
    """A curl command line for a freshly signed copy of this callback (new nonces each time)."""
    prepared = replay.prepare(options(fx, to, edits, target), fx)
    args = ["curl", "-sS", "-X", prepared.method, prepared.url]
    for key, value in prepared.headers:
        args += ["-H", f"{key}: {value}"]
    if prepared.method != "GET" and prepared.body:
        text, encoding = _body_text(prepared.body)
        if encoding == "utf-8":
            args += ["--data-binary", text]
        else:  # binary body: decode it in the shell rather than mangle it
            return f"printf %s {shlex.quote(text)} | base64 -d | " + shlex.join(
                [*args, "--data-binary", "@-"]
            )
    return shlex.join(args)
