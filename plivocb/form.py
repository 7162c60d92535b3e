"""Callback bodies: decode form, query and JSON params; re-encode form bodies (pure)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from urllib.parse import unquote, urlencode

ParamDict = dict[str, list[str]]

# Plivo's callbacks carry fewer than 100 fields; a request with more is refused, not parsed, so
# one request cannot hold the event loop while 100,000 fields are decoded, signed and written.
MAX_FIELDS = 1000
_SURROGATE = re.compile("[\ud800-\udfff]")


class TooManyFields(ValueError):
    """A form or query with more than MAX_FIELDS fields."""


def parse_query(query: str, max_fields: int | None = None) -> ParamDict:
    """Decode a query string (or form body) into ordered multi-valued params, blanks kept."""
    if max_fields is not None and query.count("&") + query.count(";") >= max_fields:
        raise TooManyFields(f"more than {max_fields} fields")
    # urllib.parse.parse_qsl(query, keep_blank_values=True, errors="replace"), inlined: twice as
    # fast on callback bodies, whose parts mostly need no unquoting (a property test compares).
    parts = [part.partition("=") for part in query.split("&") if part]
    if "%" in query or "+" in query:
        pairs = [(_decode(key), _decode(value)) for key, _, value in parts]
    else:
        pairs = [(key, value) for key, _, value in parts]
    params = {key: [value] for key, value in pairs}
    if len(params) == len(pairs):  # no repeated field (the usual callback): done
        return params
    params = {}
    for key, value in pairs:
        params.setdefault(key, []).append(value)
    return params


def _decode(text: str) -> str:
    if "%" in text or "+" in text:
        return unquote(text.replace("+", " "), errors="replace")
    return text


def request_params(
    method: str, query: str, body: bytes, content_type: str, max_fields: int | None = None
) -> ParamDict:
    """The params a Plivo request carries: a GET's query string, any other method's body."""
    if method.upper() == "GET":
        return parse_query(query, max_fields)
    return parse_body(body, content_type, max_fields)


def signed_params(method: str, params: ParamDict) -> ParamDict:
    """The params a signature covers beside the URL: none for GET (they are in the URL)."""
    return {} if method.upper() == "GET" else params


def parse_body(body: bytes, content_type: str, max_fields: int | None = None) -> ParamDict:
    """Params carried by a request body; empty when the body holds none we understand."""
    mime = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}
    if mime == "application/json":
        return _parse_json(body, max_fields)
    if mime in ("application/x-www-form-urlencoded", ""):
        return parse_query(body.decode("utf-8", errors="replace"), max_fields)
    return {}


def _text(value: str) -> str:
    """JSON may escape lone surrogates (\\ud800), which no UTF-8 file can hold: U+FFFD them."""
    return _SURROGATE.sub("\ufffd", value)


def _parse_json(body: bytes, max_fields: int | None = None) -> ParamDict:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):  # nested past the parser's limit
        return {}
    if not isinstance(data, dict):
        return {}
    if max_fields is not None and len(data) > max_fields:
        raise TooManyFields(f"more than {max_fields} fields")
    params: ParamDict = {}
    try:
        for key, value in data.items():
            items = value if isinstance(value, list) else [value]
            params[_text(str(key))] = [
                _text(v) if isinstance(v, str) else json.dumps(v) for v in items
            ]
    except RecursionError:
        return {}
    return params


def decode_text(content: bytes, charset: str | None) -> str:
    """A peer's bytes as text: its declared charset if Python knows it, else UTF-8. Never raises."""
    try:
        return content.decode(charset or "utf-8", errors="replace")
    except (LookupError, ValueError):  # unknown (`x-evil`) or unusable charset names
        return content.decode("utf-8", errors="replace")


def encode_form(params: Mapping[str, Sequence[str]]) -> str:
    """A form body (or query string) for these params, keys in their given order."""
    return urlencode([(k, v) for k, values in params.items() for v in values])
