from datetime import UTC, datetime

from plivocb.fixture import Fixture, Request, Response
from plivocb.form import encode_form, parse_query
from plivocb.redact import Redactor


def _fx(params: dict[str, list[str]], method: str = "POST") -> Fixture:
    body = encode_form(params).encode()
    query = encode_form(params) if method == "GET" else ""
    return Fixture(
        kind="answer",
        received_at=datetime(2026, 1, 1, tzinfo=UTC),
        request=Request(
            method,
            "https://x.ngrok.app/answer" + ("?" + query if query else ""),
            "/answer",
            query,
            (("Content-Type", "application/x-www-form-urlencoded"),),
            b"" if method == "GET" else body,
        ),
        params=params,
        response=Response(
            200, "text/xml", "<Response><Dial><Number>14155550123</Number></Dial></Response>"
        ),
    )


def test_same_number_same_mask_across_files() -> None:
    r = Redactor()
    a = r.fixture(
        _fx({"From": ["14155550123"], "To": ["+14155559999"], "CallerName": ["Alice Smith"]})
    )
    b = r.fixture(_fx({"From": ["14155559999"], "To": ["14155550123"]}, method="GET"))
    assert a.params["From"] == b.params["To"]
    assert a.params["To"][0].lstrip("+") == b.params["From"][0]
    assert a.params["From"] != ["14155550123"]
    assert a.params["CallerName"] == ["Caller 1"]
    assert a.redacted and b.redacted
    for f in (a, b):
        dumped = repr(f)
        assert "14155550123" not in dumped and "14155559999" not in dumped
        assert "Alice" not in dumped
    assert parse_query(a.request.body.decode()) == a.params
    assert parse_query(b.request.query) == b.params
    assert "14155550123" not in (a.response.body if a.response else "")


def test_sip_uris_and_anonymous() -> None:
    r = Redactor()
    f = r.fixture(
        _fx(
            {
                "From": ["sip:alice@phone.plivo.com"],
                "To": ["Anonymous"],
                "SIP-H-To": ["<sip:14155550123@1.2.3.4;transport=udp>;tag=1"],
            }
        )
    )
    assert f.params["From"] == ["sip:user1@phone.plivo.com"]
    assert f.params["To"] == ["Anonymous"]
    assert "14155550123" not in f.params["SIP-H-To"][0]
    assert f.params["SIP-H-To"][0].endswith("@1.2.3.4;transport=udp>;tag=1")
