"""Property tests: our V3 signatures and the official plivo SDK's agree both ways."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st
from plivo.utils import signature_v3 as sdk
from plivo.utils import validate_v3_signature

from plivocb import signature

SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~"
segment = st.text(SAFE, min_size=1, max_size=12)
query_pairs = st.lists(st.tuples(segment, st.text(SAFE, max_size=8)), max_size=4)


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https"]))
    host = draw(st.sampled_from(["example.com", "abc123.ngrok.app", "127.0.0.1", "my-app.io"]))
    port = draw(st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: f":{p}")))
    path = "/" + "/".join(draw(st.lists(segment, max_size=4)))
    if draw(st.booleans()):
        path += "/"
    pairs = draw(query_pairs)
    query = ("?" + "&".join(f"{k}={v}" for k, v in pairs)) if pairs else ""
    return f"{scheme}://{host}{port}{path}{query}"


# Any unicode (emoji, accents, CJK, '&', '=', '+', spaces, newlines): values are signed raw.
values = st.lists(st.text(max_size=20), min_size=1, max_size=3)
params_strategy = st.dictionaries(st.text(min_size=1, max_size=12), values, max_size=8)
tokens = st.text(SAFE, min_size=1, max_size=40)
methods = st.sampled_from(["GET", "POST"])


def _disjoint_from_query(url: str, params: dict[str, list[str]]) -> dict[str, list[str]]:
    """The SDK replaces (not merges) repeated GET keys; keep keys apart to compare like for like."""
    _, query = signature._base_url(url)
    return {k: v for k, v in params.items() if k not in query}


@settings(max_examples=500, deadline=None)
@given(method=methods, url=urls(), params=params_strategy, token=tokens)
def test_our_signatures_validate_with_the_sdk(
    method: str, url: str, params: dict[str, list[str]], token: str
) -> None:
    params = _disjoint_from_query(url, params)
    nonce = signature.new_nonce()
    ours = signature.sign_v3(method, url, params, nonce, token)
    header = f"{signature.sign_v3(method, url, params, nonce, token + 'x')},{ours}"
    assert validate_v3_signature(method, url, nonce, token, header, copy.deepcopy(params))


@settings(max_examples=500, deadline=None)
@given(method=methods, url=urls(), params=params_strategy, token=tokens)
def test_sdk_signatures_validate_with_ours(
    method: str, url: str, params: dict[str, list[str]], token: str
) -> None:
    params = _disjoint_from_query(url, params)
    nonce = signature.new_nonce()
    sdk_params = copy.deepcopy(params)
    if method == "GET":
        base = sdk.construct_get_url(url, sdk_params).decode("utf-8")
    else:
        base = sdk.construct_post_url(url, sdk_params).decode("utf-8")
    theirs = sdk.get_signature_v3(token.encode(), base, nonce.encode()).decode()
    headers = {signature.V3: theirs, signature.V3_NONCE: nonce}
    assert signature.check(headers, method, url, params, token).verdict == "valid"
    tampered = {**params, "Tampered": ["1"]}
    assert signature.check(headers, method, url, tampered, token).verdict == "invalid"


@settings(max_examples=200, deadline=None)
@given(url=urls(), params=params_strategy, token=tokens)
def test_get_full_url_equals_configured_url_plus_params(
    url: str, params: dict[str, list[str]], token: str
) -> None:
    """A GET callback can be checked from the URL Plivo hit, params in its query, or split."""
    from urllib.parse import urlencode

    params = _disjoint_from_query(url, params)
    pairs = [(k, v) for k, vs in params.items() for v in vs]
    joined = url + ("&" if "?" in url else "?") + urlencode(pairs) if pairs else url
    assert signature.v3_canonical("GET", joined, {}) == signature.v3_canonical("GET", url, params)
