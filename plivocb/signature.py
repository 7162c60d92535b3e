"""Plivo request signatures: V3 (URL + params + nonce) and V2 (URL path + nonce).

The canonical string follows the official SDKs (see ../shared/plivo-reference.md §2.2), which
differ from Plivo's prose for POST URLs without a query string.
"""

from __future__ import annotations

import binascii
import hmac
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

Params = Mapping[str, Sequence[str]]
_first = itemgetter(0)
Verdict = Literal["valid", "valid-v2", "invalid", "unsigned", "unchecked"]
# "valid-v2": only a V2 signature matched. V2 signs scheme, host, path and nonce, not the body or
# the query, so a V2 header pair copied from any earlier callback "validates" any body sent to
# the same URL (plivo-reference.md §2.4, §2.7: "Flag V2-only validation as weaker"; plivo-python
# plivo/utils validate_signature(uri, nonce, signature, auth_token) hashes only uri + nonce).
VERDICTS: tuple[str, ...] = ("valid", "valid-v2", "invalid", "unsigned", "unchecked")

V3 = "X-Plivo-Signature-V3"
V3_MA = "X-Plivo-Signature-Ma-V3"
V3_NONCE = "X-Plivo-Signature-V3-Nonce"
V2 = "X-Plivo-Signature-V2"
V2_MA = "X-Plivo-Signature-Ma-V2"
V2_NONCE = "X-Plivo-Signature-V2-Nonce"
SIGNATURE_HEADERS = (V3, V3_MA, V3_NONCE, V2, V2_MA, V2_NONCE)


def new_nonce() -> str:
    """A fresh 20-digit numeric nonce, like Plivo's: 80 random bits reduced mod 10**20 (bias
    under 1e-4), one getrandom call instead of secrets.randbelow's rejection loop."""
    return f"{int.from_bytes(os.urandom(10), 'big') % 10**20:020d}"


def _base_url(url: str) -> tuple[str, dict[str, list[str]]]:
    base, pairs = _split_url(url)
    query: dict[str, list[str]] = {}
    for key, value in pairs:
        query.setdefault(key, []).append(value)
    return base, query


@lru_cache(maxsize=512)
def _split_url(url: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """URL without query, and the query's pairs: cached, a catcher sees the same few URLs."""
    parts = urlsplit(url)
    pairs = tuple(parse_qsl(parts.query, keep_blank_values=True))
    return f"{parts.scheme}://{parts.netloc}{parts.path}", pairs


def _merge(into: dict[str, list[str]], params: Params) -> None:
    for key, values in params.items():
        into.setdefault(key, []).extend(values)


def _query_string(params: Mapping[str, Sequence[str]]) -> str:
    return "&".join([f"{k}={v}" for k in sorted(params) for v in sorted(params[k])])


def _params_string(params: Params) -> str:
    keys = sorted(params)
    values = list(map(params.__getitem__, keys))
    if set(map(len, values)) == {1}:  # one value each, as callbacks carry: C loops only
        return "".join(map(str.__add__, keys, map(_first, values)))
    return "".join([k + v for k in keys for v in sorted(params[k])])


def v3_canonical(method: str, url: str, params: Params) -> str:
    """The string Plivo hashes for V3, before `.nonce` is appended."""
    base, query = _base_url(url)
    if method.upper() == "GET":
        _merge(query, params)
        return f"{base}?{_query_string(query)}" if query else base
    qs = _query_string(query)
    if not params:
        return f"{base}?{qs}" if qs else base
    if qs:
        return f"{base}?{qs}.{_params_string(params)}"
    return f"{base}?{_params_string(params)}"


def _utf8(text: str) -> bytes:
    """UTF-8 bytes; undecodable bytes a header carried (surrogate escapes) hash as themselves."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            return text.encode("utf-8", "surrogatepass")


@lru_cache(maxsize=16)
def _keyed(token: bytes) -> hmac.HMAC:
    """HMAC-SHA256 already keyed with `token`: copying it costs half a fresh `hmac.new`."""
    return hmac.new(token, digestmod="sha256")


def _hmac_b64(token: str, message: str) -> str:
    mac = _keyed(_utf8(token)).copy()
    mac.update(_utf8(message))
    return binascii.b2a_base64(mac.digest(), newline=False).decode("ascii")


def sign_v3(method: str, url: str, params: Params, nonce: str, token: str) -> str:
    return _hmac_b64(token, f"{v3_canonical(method, url, params)}.{nonce}")


def sign_v2(url: str, nonce: str, token: str) -> str:
    parts = urlsplit(url)
    return _hmac_b64(token, f"{parts.scheme}://{parts.netloc}{parts.path}{nonce}")


def matches_any(expected: str, header_value: str) -> bool:
    """Constant-time check of one signature against a comma-separated header."""
    found = False
    for candidate in header_value.split(","):
        # Header values may hold undecodable bytes (surrogate escapes): compare them as bytes.
        raw = _utf8(candidate.strip())
        found |= hmac.compare_digest(expected.encode(), raw)
    return found


@dataclass(frozen=True)
class SignatureCheck:
    verdict: Verdict
    family: str = ""  # "v3", "v3-ma", "v2", "v2-ma", or "" when nothing decided
    detail: str = ""


def _lowered(headers: Mapping[str, str]) -> dict[str, str]:
    """Header names folded to lower case; the first of a repeated name wins."""
    return {key.lower(): value for key, value in reversed(list(headers.items()))}


def _present(value: str | None) -> str:
    """A header's value, or "" when it holds no signature at all (an empty V3 counts as absent)."""
    if not value:
        return ""
    value = value.strip()
    if "," in value and not any(part.strip() for part in value.split(",")):
        return ""
    return value


def check(
    headers: Mapping[str, str], method: str, url: str, params: Params, token: str | None
) -> SignatureCheck:
    """Verify a callback's signature headers against the public URL Plivo called.

    V3 headers decide when present (plain and `-Ma-`, each against `token`). V2 is tried only
    when no V3 header came (an empty one counts as absent), and a V2 match is `valid-v2`, never
    plain `valid`: V2 does not cover the body or the query.
    """
    # aiohttp's headers (multidict's CIMultiDict) look names up case-insensitively, first value
    # first; anything else is folded once.
    get: Callable[[str], str | None]
    if type(headers).__name__ in ("CIMultiDictProxy", "CIMultiDict"):
        get = headers.get
    else:
        folded = _lowered(headers)

        def get(name: str) -> str | None:
            return folded.get(name.lower())

    v3 = {V3: _present(get(V3)), V3_MA: _present(get(V3_MA))}
    v2 = {V2: _present(get(V2)), V2_MA: _present(get(V2_MA))}
    if not any(v3.values()) and not any(v2.values()):
        return SignatureCheck("unsigned", "", "no X-Plivo-Signature header")
    if not token:
        return SignatureCheck("unchecked", "", "no auth token given")
    if any(v3.values()):
        nonce = get(V3_NONCE) or ""
        expected = sign_v3(method, url, params, nonce, token)
        for name, family in ((V3, "v3"), (V3_MA, "v3-ma")):
            value = v3[name]
            if value and matches_any(expected, value):
                return SignatureCheck("valid", family)
        return SignatureCheck("invalid", "v3", f"V3 signature does not match {url}")
    nonce = get(V2_NONCE) or ""
    expected = sign_v2(url, nonce, token)
    blank_v3 = get(V3) is not None or get(V3_MA) is not None
    for name, family in ((V2, "v2"), (V2_MA, "v2-ma")):
        value = v2[name]
        if value and matches_any(expected, value):
            detail = "V2 signs the URL only: the body and query are not covered"
            if blank_v3:
                detail += " (an empty V3 header counts as absent)"
            return SignatureCheck("valid-v2", family, detail)
    return SignatureCheck("invalid", "v2", f"V2 signature does not match {url}")


def signed_headers(
    method: str,
    url: str,
    params: Params,
    token: str,
    main_token: str | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """All six signature headers for a request to `url`, freshly nonced."""
    main_token = main_token or token
    v3_nonce = nonce or new_nonce()
    v2_nonce = nonce or new_nonce()
    v3_message = f"{v3_canonical(method, url, params)}.{v3_nonce}"
    v2_message = f"{_split_url(url)[0]}{v2_nonce}"
    v3 = _hmac_b64(token, v3_message)
    v2 = _hmac_b64(token, v2_message)
    same = main_token == token  # no main account: the -Ma- headers carry the same HMACs
    return {
        V3: v3,
        V3_MA: v3 if same else _hmac_b64(main_token, v3_message),
        V3_NONCE: v3_nonce,
        V2: v2,
        V2_MA: v2 if same else _hmac_b64(main_token, v2_message),
        V2_NONCE: v2_nonce,
    }


_SIGNATURE_NAMES = frozenset(h.lower() for h in SIGNATURE_HEADERS)


def strip_signature_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers if k.lower() not in _SIGNATURE_NAMES]
