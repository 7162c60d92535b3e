"""plivocb.signed_request.build: where params go, what is signed, checked with the plivo SDK."""

from __future__ import annotations

from plivo.utils import validate_signature, validate_v3_signature

from plivocb import signature
from plivocb.signed_request import FORM, build

PARAMS = {"CallUUID": ["c-1"], "Digits": ["1 2"], "Empty": [""]}


def _header(headers: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in headers if k.lower() == name.lower()]


def test_post_params_go_in_a_form_body_signed_after_the_url() -> None:
    old = [("content-type", "text/plain"), ("X-Plivo-Signature-V3", "stale"), ("Host", "h")]
    req = build("post", "https://app.test/a?t=1", PARAMS, "sub", "main", headers=old)
    assert (req.method, req.url, req.signed) == ("POST", "https://app.test/a?t=1", True)
    assert req.body == b"CallUUID=c-1&Digits=1+2&Empty="
    assert _header(req.headers, "Content-Type") == [FORM]  # the old one replaced
    assert _header(req.headers, "Host") == ["h"]
    assert _header(req.headers, signature.V3) != ["stale"]  # one fresh V3, the stale one gone
    form = {k: v[0] for k, v in PARAMS.items()}
    h = dict(req.headers)
    assert validate_v3_signature(
        "POST", req.url, h[signature.V3_NONCE], "sub", h[signature.V3], form
    )
    assert validate_v3_signature(
        "POST", req.url, h[signature.V3_NONCE], "main", h[signature.V3_MA], form
    )
    assert validate_signature(req.url, h[signature.V2_NONCE], h[signature.V2], "sub")
    assert validate_signature(req.url, h[signature.V2_NONCE], h[signature.V2_MA], "main")
    assert h[signature.V3_NONCE].isdigit() and len(h[signature.V3_NONCE]) == 20


def test_get_params_go_in_the_query_and_are_signed_as_part_of_it() -> None:
    req = build("GET", "https://app.test/d?t=1", PARAMS, "tok")
    assert req.url == "https://app.test/d?t=1&CallUUID=c-1&Digits=1+2&Empty="
    assert req.body == b"" and not _header(req.headers, "Content-Type")
    h = dict(req.headers)
    assert validate_v3_signature("GET", req.url, h[signature.V3_NONCE], "tok", h[signature.V3])
    assert build("GET", "https://app.test/d", {}, "tok").url == "https://app.test/d"


def test_a_recorded_body_and_url_are_sent_as_they_are() -> None:
    body = b"Digits=1+2&CallUUID=c-1&Empty="  # recorded order and spelling, kept
    req = build(
        "POST", "https://app.test/a", PARAMS, "tok", headers=[("Content-Type", "x")], body=body
    )
    assert (req.url, req.body, _header(req.headers, "Content-Type")) == (
        "https://app.test/a",
        body,
        ["x"],
    )
    h = dict(req.headers)
    form = {k: v[0] for k, v in PARAMS.items()}
    assert validate_v3_signature(
        "POST", req.url, h[signature.V3_NONCE], "tok", h[signature.V3], form
    )


def test_without_a_token_nothing_is_signed_or_stripped() -> None:
    recorded = [("X-Plivo-Signature-V3", "as recorded"), ("Host", "h")]
    req = build("POST", "https://app.test/a", PARAMS, None, headers=recorded, body=b"x")
    assert (req.signed, req.headers, req.body) == (False, recorded, b"x")
