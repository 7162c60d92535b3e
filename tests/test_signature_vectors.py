"""Fixed vectors from the official SDKs' own signature tests (plivo-go, -ruby, -dotnet)."""

import pytest

from plivocb import signature

TOKEN = "Y2Q2ZDgxZmY5YWRiOTI5YmQ1Njg0MTAxZWIyOTc4"
NONCE = "31627761595286130198"
QA_PARAMS = {
    "Direction": ["outbound"],
    "From": ["19792014278"],
    "ALegUUID": ["3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36"],
    "CallStatus": ["in-progress"],
    "BillRate": ["0.002"],
    "ParentAuthID": ["MANWVLYTK4ZWU1YTY4QA"],
    "To": ["sip:PlivoSignature382029104058171078704104@phone-qa.voice.plivodev.com"],
    "ALegRequestUUID": ["3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36"],
    "CallUUID": ["3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36"],
    "RequestUUID": ["3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36"],
    "SIP-H-To": ["<sip:PlivoSignature382029104058171078704104@52.9.11.55;transport=udp>;tag=1"],
    "SessionStart": ["2020-04-08 11:34:33.238707"],
    "Event": ["StartApp"],
}
QA_URL = "https://plivobin.non-prod.plivops.com/api/v1/validate_signature03.xml"

V3_VECTORS = [
    ("POST", QA_URL + "/?a=b&c=d", "k7Pusd4OxCIjR5IfA9iedDNu/h/gbdYqdzG/MiYtd1c="),
    ("GET", QA_URL + "/?a=b&c=d", "UBq8jAtd32wR8EK9VgxbBn4n5rpI/l1H9iN4WfSEHFQ="),
    ("POST", QA_URL, "iAjE5QqI37mbkYe4w3jTMudqEzbDufdqi7sYwTu64e0="),
    ("GET", QA_URL, "i/MQsaQSAd6fiKhOh2qeeeLHZ9faldADSb3/7+Akfbc="),
]


@pytest.mark.parametrize(("method", "url", "expected"), V3_VECTORS)
def test_v3_vectors(method: str, url: str, expected: str) -> None:
    assert signature.sign_v3(method, url, QA_PARAMS, NONCE, TOKEN) == expected


@pytest.mark.parametrize(("method", "url", "expected"), V3_VECTORS)
def test_v3_vectors_verify_through_check(method: str, url: str, expected: str) -> None:
    headers = {"X-Plivo-Signature-V3": f"bogus=,{expected}", "X-Plivo-Signature-V3-Nonce": NONCE}
    result = signature.check(headers, method, url, QA_PARAMS, TOKEN)
    assert (result.verdict, result.family) == ("valid", "v3")
    assert signature.check(headers, method, url + "x", QA_PARAMS, TOKEN).verdict == "invalid"


def test_post_without_query_uses_question_mark_not_dot() -> None:
    canonical = signature.v3_canonical("POST", QA_URL, QA_PARAMS)
    assert canonical.startswith(QA_URL + "?ALegRequestUUID3e82")
    assert "SIP-H-To<sip:" in canonical  # values are signed raw, not URL-encoded


def test_v2_vector() -> None:
    expected = "ehV3IKhLysWBxC1sy8INm0qGoQYdYsHwuoKjsX7FsXc="
    assert signature.sign_v2("https://answer.url", "12345", "my_auth_token") == expected
    headers = {"X-Plivo-Signature-Ma-V2": expected, "X-Plivo-Signature-V2-Nonce": "12345"}
    result = signature.check(headers, "POST", "https://answer.url?x=1", {}, "my_auth_token")
    assert (result.verdict, result.family) == ("valid-v2", "v2-ma")


def test_v2_ignores_query_but_not_path() -> None:
    sig = signature.sign_v2("http://foo.com/answer/", "05429567804466091622", "t")
    assert sig == signature.sign_v2("http://foo.com/answer/?a=1", "05429567804466091622", "t")
    assert sig != signature.sign_v2("http://foo.com/answer", "05429567804466091622", "t")


def test_ma_header_signed_with_main_token() -> None:
    headers = signature.signed_headers("POST", QA_URL, QA_PARAMS, "sub-token", main_token="main")
    only_ma = {k: v for k, v in headers.items() if k != signature.V3}
    assert signature.check(only_ma, "POST", QA_URL, QA_PARAMS, "main").family == "v3-ma"
    assert signature.check(only_ma, "POST", QA_URL, QA_PARAMS, "sub-token").verdict == "invalid"
    assert signature.check(headers, "POST", QA_URL, QA_PARAMS, "sub-token").family == "v3"


def test_verdicts_unsigned_and_unchecked() -> None:
    assert signature.check({}, "POST", QA_URL, QA_PARAMS, TOKEN).verdict == "unsigned"
    headers = signature.signed_headers("POST", QA_URL, QA_PARAMS, TOKEN)
    assert signature.check(headers, "POST", QA_URL, QA_PARAMS, None).verdict == "unchecked"


def test_v3_present_never_falls_back_to_v2() -> None:
    headers = signature.signed_headers("POST", QA_URL, QA_PARAMS, TOKEN)
    headers[signature.V3] = headers[signature.V3_MA] = "forged="
    assert signature.check(headers, "POST", QA_URL, QA_PARAMS, TOKEN).verdict == "invalid"


def test_nonce_is_20_digits() -> None:
    nonce = signature.new_nonce()
    assert len(nonce) == 20 and nonce.isdigit()


def test_nonces_are_20_random_digits_like_plivos() -> None:
    nonces = {signature.new_nonce() for _ in range(2000)}
    assert len(nonces) == 2000  # fresh every time
    assert all(len(n) == 20 and n.isdigit() for n in nonces)
    assert len({n[0] for n in nonces}) == 10  # leading digits are not pinned (zero-padded)
