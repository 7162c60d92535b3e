"""Hypothesis strategies for fixtures."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import strategies as st

from plivocb.fixture import VERDICTS, Fixture, Request, Response, Signature

text = st.text(max_size=40)
values = st.lists(text, min_size=1, max_size=3)
# What a request can carry on the wire (fixture.request_problem): no CR, LF or NUL in a path,
# query or header value, a path starting with /, header names that are HTTP tokens.
line = st.text(st.characters(blacklist_characters="\r\n\x00"), max_size=40)
token = st.text(
    "!#$%&'*+.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-",
    min_size=1,
    max_size=20,
)
# Repeated header names are grouped (HTTP does not order values across different names).
headers = st.dictionaries(token, st.lists(line, min_size=1, max_size=3), max_size=6).map(
    lambda d: tuple((k, v) for k, vs in d.items() for v in vs)
)


@st.composite
def fixtures(draw: st.DrawFn, big: bool = False) -> Fixture:
    body = draw(st.one_of(st.binary(max_size=200), text.map(lambda s: s.encode())))
    if big:
        body = ("x" * (1 << 20) + draw(text)).encode()
    response = draw(
        st.one_of(
            st.none(),
            st.builds(
                Response,
                status=st.integers(100, 599),
                content_type=text,
                body=text,
                elapsed_ms=st.floats(allow_nan=False, allow_infinity=False),  # no clock says inf
                forwarded_to=text,
                error=text,
            ),
        )
    )
    return Fixture(
        kind=draw(st.sampled_from(["answer", "hangup", "message", "other"])),
        received_at=draw(st.datetimes(timezones=st.just(UTC), min_value=datetime(2000, 1, 1))),
        request=Request(
            method=draw(st.sampled_from(["GET", "POST", "PUT"])),
            public_url=draw(text),
            path="/" + draw(line),
            query=draw(line.map(lambda q: q.replace("#", ""))),
            headers=draw(headers),
            body=body,
        ),
        params=draw(st.dictionaries(text, values, max_size=6)),
        signature=Signature(draw(st.sampled_from(VERDICTS)), draw(text), draw(text)),
        response=response,
        redacted=draw(st.booleans()),
    )
