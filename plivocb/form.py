"""Callback bodies: decode form, query and JSON params; re-encode form bodies (pure)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qsl, urlencode

ParamDict = dict[str, list[str]]

# Headers that describe one connection, not the callback: never relayed or replayed.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)


def parse_query(query: str) -> ParamDict:
    """Decode a query string (or form body) into ordered multi-valued params, blanks kept."""
    params: ParamDict = {}
    for key, value in parse_qsl(query, keep_blank_values=True, errors="replace"):
        params.setdefault(key, []).append(value)
    return params


def parse_body(body: bytes, content_type: str) -> ParamDict:
    """Params carried by a request body; empty when the body holds none we understand."""
    mime = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}
    if mime == "application/json":
        return _parse_json(body)
    if mime in ("application/x-www-form-urlencoded", ""):
        return parse_query(body.decode("utf-8", errors="replace"))
    return {}


def _parse_json(body: bytes) -> ParamDict:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    params: ParamDict = {}
    for key, value in data.items():
        items = value if isinstance(value, list) else [value]
        params[str(key)] = [v if isinstance(v, str) else json.dumps(v) for v in items]
    return params


def encode_form(params: Mapping[str, Sequence[str]]) -> str:
    """A form body (or query string) for these params, keys in their given order."""
    return urlencode([(k, v) for k, values in params.items() for v in values])
