"""The inlined query parser must decode exactly as urllib.parse.parse_qsl does."""

from __future__ import annotations

from urllib.parse import parse_qsl

from hypothesis import given, settings
from hypothesis import strategies as st

from plivocb.form import parse_query

# characters that matter to the parser, plus some of everything else
_parts = st.text(alphabet=st.sampled_from("ab=&+%2Fz0;é\ud800 ") | st.characters(), max_size=40)


def _reference(query: str) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for key, value in parse_qsl(query, keep_blank_values=True, errors="replace"):
        params.setdefault(key, []).append(value)
    return params


@settings(max_examples=2000, deadline=None)
@given(_parts)
def test_parse_query_matches_parse_qsl(query: str) -> None:
    assert parse_query(query) == _reference(query)
    assert list(parse_query(query)) == list(_reference(query))  # same key order


def test_parse_query_examples() -> None:
    for query in ("a=1&a=2&b", "a+b=c%20d&&=x&%zz=%E2%82%AC", "From=%2B1415&To=1%2B", "x=%ff"):
        assert parse_query(query) == _reference(query)
