"""Redaction covers what it claims: every place a number can hide, one mask per number, and the
fixture still agrees with itself afterwards (body vs params, verdict kept)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import aiohttp
from hypothesis import given, settings
from hypothesis import strategies as st

from plivocb import fixture as fx
from plivocb.fixture import Fixture, Response, Signature
from plivocb.fixture_validation import fixture_problems
from plivocb.form import encode_form, parse_body, parse_query
from plivocb.redact import REMOVED, Redactor
from tests.helpers import ANSWER, form, make_fixture
from tests.hostile import cli
from tests.inproc import InprocListen

NUMBER = "14155550123"
OTHER = "14155550199"


def _digits_only(text: str) -> str:
    return re.sub(r"\D", "", text)


def _leaks(fixture: Fixture, *numbers: str) -> list[str]:
    """Places where one of `numbers` (or its 10-digit national form) still appears."""
    lines = fx.to_toml(fixture).splitlines()
    found = []
    for number in numbers:
        for form_ in (number, number[1:]):
            if any(form_ in line or form_ in _digits_only(line) for line in lines):
                found.append(form_)
    return found


def _fixture(params: dict[str, str], **request: object) -> Fixture:
    base = make_fixture(params)
    return base.with_(
        request=replace(base.request, **request),  # type: ignore[arg-type]
        signature=Signature("valid", "v3"),
    )


def test_formatted_numbers_in_free_text_get_the_same_mask() -> None:
    r = Redactor()
    text = "call +1 (415) 555-0123, +1 415 555 0123 or 415-555-0123 today"
    out = r.fixture(_fixture({**ANSWER, "From": NUMBER, "Text": text}))
    mask = out.params["From"][0]
    assert out.params["Text"] == [f"call +{mask}, +{mask} or {mask} today"]
    assert _leaks(out, NUMBER) == []
    assert parse_query(out.request.body.decode()) == out.params


def test_dates_times_amounts_and_ips_are_left_alone() -> None:
    r = Redactor()
    params = {
        **ANSWER,
        "Text": "on 2026-11-26 22:40:01 pay 0.0085 to 192.168.100.200, ref 1732660000",
    }
    out = r.fixture(_fixture(params))
    assert out.params["Text"] == [params["Text"]]


def test_urls_paths_queries_and_forward_target_are_masked() -> None:
    r = Redactor()
    base = _fixture({**ANSWER, "From": NUMBER})
    path = f"/answer/{NUMBER}/%2B{OTHER}"
    fixture = base.with_(
        request=replace(
            base.request,
            path=path,
            query=f"To=%2B{OTHER}&x=1",
            public_url=f"https://abc.ngrok.app{path}?To=%2B{OTHER}&x=1",
        ),
        params={**base.params, "To": [f"+{OTHER}"]},
        response=Response(
            200, "text/xml", "<Response/>", forwarded_to=f"http://127.0.0.1:5000{path}"
        ),
    )
    out = r.fixture(fixture)
    assert _leaks(out, NUMBER, OTHER) == []
    assert out.request.path.startswith("/answer/555")
    assert out.request.public_url.startswith("https://abc.ngrok.app/answer/555")
    assert out.response is not None and out.response.forwarded_to.startswith(
        "http://127.0.0.1:5000/"
    )


def test_json_bodies_are_masked_and_still_agree_with_params() -> None:
    body = json.dumps(
        {
            "From": NUMBER,
            "To": [f"+{OTHER}"],
            "Text": "ring me on +1 415 555 0177",
            "Raw": int(NUMBER),
            "CallerName": "Alice Smith",
            "Nested": {"sip": f'"Bob" <sip:{NUMBER}@1.2.3.4>'},
        }
    ).encode()
    headers = (("Content-Type", "application/json"), ("Content-Length", str(len(body))))
    params = parse_body(body, "application/json")
    fixture = _fixture({}, body=body, headers=headers).with_(params=params)
    out = Redactor().fixture(fixture)
    assert _leaks(out, NUMBER, OTHER, "14155550177") == []
    assert "Alice" not in fx.to_toml(out) and "Bob" not in fx.to_toml(out)
    assert parse_body(out.request.body, "application/json") == out.params
    assert out.request.header("Content-Length") == str(len(out.request.body))
    assert all("params do not match" not in str(p) for p in fixture_problems(out))


def test_multipart_bodies_and_sip_users_and_names() -> None:
    body = (
        b"--b\r\nContent-Disposition: form-data; name=\"From\"\r\n\r\n" + NUMBER.encode()
        + b"\r\n--b\r\nContent-Disposition: form-data; name=\"Text\"\r\n\r\n+1 415 555 0199\r\n--b--\r\n"
    )  # fmt: skip
    headers = (("Content-Type", "multipart/form-data; boundary=b"),)
    params = {
        "From": [NUMBER],
        "SIP-H-From": ['"Alice Smith" <sip:alice@phone.plivo.com>;tag=1'],
        "SIP-H-To": [f"<sip:{OTHER}@1.2.3.4;transport=udp>"],
        "CallerName": ["Alice Smith"],
    }
    fixture = _fixture({}, body=body, headers=headers).with_(params=params)
    out = Redactor().fixture(fixture)
    assert _leaks(out, NUMBER, OTHER) == []
    dumped = fx.to_toml(out)
    assert "Alice" not in dumped and "alice@" not in dumped
    assert re.match(
        r'"Caller \d+" <sip:user\d+@phone.plivo.com>;tag=1', out.params["SIP-H-From"][0]
    )


def test_credentials_headers_are_removed_and_the_verdict_stays() -> None:
    base = _fixture(ANSWER)
    fixture = base.with_(
        request=replace(
            base.request,
            headers=(*base.request.headers, ("Authorization", "Basic eA=="), ("Cookie", "s=1"),
                     ("Proxy-Authorization", "x")),
        )
    )  # fmt: skip
    out = Redactor().fixture(fixture)
    for name in ("Authorization", "Cookie", "Proxy-Authorization"):
        assert out.request.header(name) == REMOVED
    assert out.signature == fixture.signature and out.redacted


async def test_fixtures_redact_learns_from_all_files_before_rewriting(tmp_path: Path) -> None:
    first = _fixture({**ANSWER, "From": "14155550100", "Text": "my other phone: +1 415 555 0177"})
    second = _fixture({**ANSWER, "From": "14155550177", "CallUUID": "other-call"})
    fx.save(first.with_(kind="message"), tmp_path)
    fx.save(second, tmp_path, "zz")
    code, out, err = await cli("fixtures", "redact", str(tmp_path))
    assert code == 0, err
    a, b = (fx.load(p) for p in fx.iter_paths([str(tmp_path)]))
    mask = b.params["From"][0]
    assert mask in a.params["Text"][0]
    assert all(f.signature.verdict == "valid" for f in (a, b))
    code, out, err = await cli("fixtures", "validate", str(tmp_path))
    assert "params do not match" not in out


async def test_listen_redact_masks_a_hostile_callback(tmp_path: Path) -> None:
    out = tmp_path / "rec"
    lp = await InprocListen(
        ["--tunnel", "none", "--port", "0", "--out", str(out), "--redact"]
    ).start()
    params = {**ANSWER, "From": NUMBER, "Text": "call +1 (415) 555-0199", "CallerName": "Alice"}
    async with (
        aiohttp.ClientSession() as s,
        s.post(
            f"{lp.public_url}/message/{NUMBER}?To=%2B{OTHER}",
            data=form(params),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": "secret=1"},
        ) as r,
    ):
        assert r.status == 200
    assert await lp.stop() == 0
    (recorded,) = [fx.load(p) for p in fx.iter_paths([str(out)])]
    assert _leaks(recorded, NUMBER, OTHER) == []
    assert "Alice" not in fx.to_toml(recorded) and "secret" not in fx.to_toml(recorded)
    assert recorded.redacted
    assert NUMBER not in lp.text() and OTHER not in lp.text()


phone = st.from_regex(r"1415555\d{4}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(
    frm=phone,
    to=phone,
    text=st.text(max_size=30),
    fmt=st.sampled_from(["+1 ({a}) {b}-{c}", "+1 {a} {b} {c}", "{a}-{b}-{c}", "+1{a}{b}{c}"]),
    get=st.booleans(),
)
def test_fuzz_redaction_keeps_the_fixture_consistent(
    frm: str, to: str, text: str, fmt: str, get: bool
) -> None:
    spelled = fmt.format(a=to[1:4], b=to[4:7], c=to[7:])
    params = {**ANSWER, "From": frm, "To": to, "Text": f"{text} {spelled}"}
    fixture = make_fixture(params, method="GET" if get else "POST").with_(
        signature=Signature("invalid", "v3", "x")
    )
    out = Redactor().fixture(fixture)
    assert _leaks(out, frm, to) == []
    carried = parse_query(out.request.query) if get else parse_query(out.request.body.decode())
    assert carried == out.params
    assert out.signature == fixture.signature
    assert encode_form(out.params)
