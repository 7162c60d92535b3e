"""Property tests: our V3 signatures and the official plivo SDK's agree both ways."""

from __future__ import annotations

import copy
from urllib.parse import quote, urlencode

import pytest
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


# ------------------------------------------------------------------ non-ASCII URLs

# A path segment as it travels: any unicode, percent-encoded (an IRI's wire form).
wire_segment = st.text(min_size=1, max_size=10).map(lambda s: quote(s, safe=""))


@st.composite
def wire_urls(draw: st.DrawFn) -> str:
    host = draw(st.sampled_from(["example.com", "abc123.ngrok.app:8443", "127.0.0.1:5000"]))
    path = "/" + "/".join(draw(st.lists(wire_segment, min_size=1, max_size=3)))
    pairs = draw(query_pairs)
    query = ("?" + "&".join(f"{k}={v}" for k, v in pairs)) if pairs else ""
    return f"https://{host}{path}{query}"


@settings(max_examples=300, deadline=None)
@given(method=methods, url=wire_urls(), params=params_strategy, token=tokens)
def test_percent_encoded_non_ascii_urls_agree_with_the_sdk(
    method: str, url: str, params: dict[str, list[str]], token: str
) -> None:
    params = _disjoint_from_query(url, params)
    nonce = signature.new_nonce()
    ours = signature.sign_v3(method, url, params, nonce, token)
    assert validate_v3_signature(method, url, nonce, token, ours, copy.deepcopy(params))


def test_sdk_disagreements_documented_in_signature_md_still_hold() -> None:
    """docs/signature.md lists where plivo-python differs; fail if the SDK changes under us."""
    with pytest.raises(UnicodeDecodeError):  # raw non-ASCII URL
        sdk.construct_get_url("https://x.com/café", {})
    with pytest.raises(UnicodeEncodeError):  # non-ASCII in the URL's query, percent-encoded
        sdk.construct_get_url("https://x.com/a?q=%C3%A9", {})
    # plivocb signs both, as UTF-8 / decoded
    assert signature.v3_canonical("GET", "https://x.com/a?q=%C3%A9", {}) == "https://x.com/a?q=é"
    # ;params on the last segment: plivo-python drops them, plivocb keeps them
    assert sdk.construct_get_url("https://x.com/a;v=1", {}) == b"https://x.com/a"
    assert signature.v3_canonical("GET", "https://x.com/a;v=1", {}) == "https://x.com/a;v=1"
    # GET key clash: plivo-python keeps the query's value only, plivocb (and plivo-node) both
    assert sdk.construct_get_url("https://x.com/p?a=q", {"a": "x"}) == b"https://x.com/p?a=q"
    assert signature.v3_canonical("GET", "https://x.com/p?a=q", {"a": ["x"]}) == (
        "https://x.com/p?a=q&a=x"
    )


# ------------------------------------------------------------------ the catcher's GET path


class _CatcherThread:
    """A real catcher on 127.0.0.1 in its own thread, so hypothesis can drive it with HTTP."""

    PUBLIC = "https://pub.example.com:8443"
    TOKEN = "catcher-token"

    def __init__(self, out: object) -> None:
        import asyncio
        import threading

        from aiohttp import web

        from plivocb.catcher import CatcherConfig, Stats, create_app

        self.events: list[object] = []
        outer = self

        class Events:
            def start(self, banner: object) -> None: ...
            def stop(self, summary: object) -> None: ...
            def publish(self, event: object) -> None:
                outer.events.append(event)

        config = CatcherConfig(out_dir=out, public_base=self.PUBLIC, auth_token=self.TOKEN)  # type: ignore[arg-type]
        self.loop = asyncio.new_event_loop()
        self.runner = web.AppRunner(create_app(config, Events(), Stats()))  # type: ignore[arg-type]
        ready = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self.runner.setup())
            site = web.TCPSite(self.runner, "127.0.0.1", 0)
            self.loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        assert ready.wait(10)

    def get(self, path_qs: str, headers: dict[str, str]) -> object:
        import http.client

        before = len(self.events)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request("GET", path_qs, headers={"Host": "pub.example.com:8443", **headers})
        conn.getresponse().read()
        conn.close()
        return self.events[before]

    def close(self) -> None:
        import asyncio

        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture(scope="module")
def catcher(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    server = _CatcherThread(tmp_path_factory.mktemp("catcher"))
    yield server
    server.close()


ascii_key = st.text(SAFE, min_size=1, max_size=10)
callback_params = st.dictionaries(ascii_key, st.text(max_size=12), min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(path=st.lists(wire_segment, min_size=1, max_size=3), params=callback_params)
def test_catcher_verifies_a_sdk_signed_get_with_its_full_url(catcher, path, params) -> None:  # type: ignore[no-untyped-def]
    """Plivo sends GET callbacks as the configured URL plus the params in its query; the SDK
    signs the configured URL with the params (it cannot take non-ASCII in a URL's query); the
    catcher checks the full URL it received, non-ASCII values and percent-encoded path included."""
    configured = catcher.PUBLIC + "/" + "/".join(path)
    nonce = signature.new_nonce()
    base = sdk.construct_get_url(configured, dict(params)).decode("utf-8")
    theirs = sdk.get_signature_v3(catcher.TOKEN.encode(), base, nonce.encode()).decode()
    path_qs = "/" + "/".join(path) + "?" + urlencode(list(params.items()))
    event = catcher.get(path_qs, {signature.V3: theirs, signature.V3_NONCE: nonce})
    assert event.verdict == "valid", (configured, params)  # type: ignore[attr-defined]
