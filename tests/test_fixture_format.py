from __future__ import annotations

import os
import re
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plivocb import fixture as fx
from plivocb.errors import FixtureError
from tests.strategies import fixtures

SAMPLE = fx.Fixture(
    kind="answer",
    received_at=datetime(2026, 11, 26, 12, 0, 0, 123456, tzinfo=UTC),
    request=fx.Request(
        "POST", "https://abc.ngrok.app/answer", "/answer", "", (("Content-Type", "x"),), b"a=1"
    ),
    params={"CallUUID": ["../../etc/passwd"], "Media": ["a", "b"]},
)


@settings(max_examples=300, deadline=None)
@given(fixtures())
def test_round_trip(f: fx.Fixture) -> None:
    assert fx.from_toml(fx.to_toml(f)) == f


@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(fixtures(big=True), st.text(min_size=1, max_size=30))
def test_round_trip_megabyte_strings(f: fx.Fixture, seed: str) -> None:
    big = seed * ((1 << 20) // len(seed) + 1)  # >= 1 MiB built from arbitrary unicode
    f = f.with_(params={"Text": [big]}, response=fx.Response(200, body=big))
    assert fx.from_toml(fx.to_toml(f)) == f


def test_control_characters_quotes_and_emoji_round_trip(tmp_path: Path) -> None:
    nasty = 'line1\nline2\r\n"quoted" \'single\' \x00\x01\x1f\x7f 😀 \\ """'
    f = SAMPLE.with_(params={nasty: [nasty, ""]}, request=SAMPLE.request)
    path = fx.save(f, tmp_path)
    assert fx.load(path) == f


def test_non_utf8_body_is_base64(tmp_path: Path) -> None:
    f = SAMPLE.with_(request=fx.Request("POST", "u", "/", "", (), b"\xff\xfe\x00abc"))
    path = fx.save(f, tmp_path)
    assert 'body_encoding = "base64"' in path.read_text()
    assert fx.load(path) == f


def test_file_names_sort_by_arrival_and_stay_safe(tmp_path: Path) -> None:
    paths = [fx.save(SAMPLE, tmp_path, ident="../../etc/passwd\x00ü") for _ in range(20)]
    assert paths == sorted(paths)
    for p in paths:
        assert p.parent == tmp_path
        assert re.fullmatch(r"[A-Za-z0-9._-]+", p.name), p.name
    assert "etcpass" in paths[0].name


def test_concurrent_writers_never_collide(tmp_path: Path) -> None:
    results: list[Path] = []
    lock = threading.Lock()

    def writer() -> None:
        for _ in range(50):
            p = fx.save(SAMPLE, tmp_path, ident="same")
            with lock:
                results.append(p)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 400
    assert len(list(fx.iter_paths([str(tmp_path)]))) == 400
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


def test_loaders_ignore_temp_files(tmp_path: Path) -> None:
    fx.save(SAMPLE, tmp_path)
    (tmp_path / ".123-4.tmp").write_text("half")
    (tmp_path / ".x.toml").write_text("half")
    assert len(list(fx.iter_paths([str(tmp_path)]))) == 1


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("kind = ", "not valid TOML"),
        ("title = 'some other tool'", "not a plivocb fixture"),
        ("plivocb_fixture = 99", "version 99 is not supported"),
        ("plivocb_fixture = 1\nkind = 3", "`kind` must be str"),
        (
            "plivocb_fixture = 1\nkind='answer'\nreceived_at=2026-01-01T00:00:00Z\n"
            "[request]\nmethod='POST'\n[signature]\nverdict='maybe'",
            "signature.verdict must be one of",
        ),
        (
            "plivocb_fixture = 1\nkind='answer'\nreceived_at=2026-01-01T00:00:00Z\n",
            "missing table [request]",
        ),
    ],
)
def test_broken_files_name_the_file_and_problem(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(content)
    with pytest.raises(FixtureError) as info:
        fx.load(path)
    assert str(path) in info.value.message
    assert problem in info.value.message


def test_binary_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bin.toml"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(FixtureError, match=r"bin\.toml: is not UTF-8"):
        fx.load(path)


def test_iter_paths_accepts_globs_and_rejects_missing(tmp_path: Path) -> None:
    fx.save(SAMPLE, tmp_path / "a")
    fx.save(SAMPLE, tmp_path / "b")
    assert len(list(fx.iter_paths([str(tmp_path / "*")]))) == 2
    assert len(list(fx.iter_paths([str(tmp_path / "a" / "*.toml")]))) == 1
    from plivocb.errors import UsageError

    with pytest.raises(UsageError):
        list(fx.iter_paths([str(tmp_path / "nope")]))


@settings(max_examples=300, deadline=None)
@given(fixtures())
def test_fast_writer_is_byte_identical_to_tomli_w(f: fx.Fixture) -> None:
    import tomli_w

    assert fx.to_toml(f) == tomli_w.dumps(fx.to_dict(f))


def test_fast_writer_falls_back_for_other_shapes() -> None:
    from decimal import Decimal

    import tomli_w

    from plivocb import toml_fast

    odd = {"a": Decimal("1.5"), "b": [[1, 2]], "c": {"d": [{"x": 1}]}}
    assert toml_fast.dumps(odd) == tomli_w.dumps(odd)


def test_a_missing_file_gets_a_hint_about_its_name_not_fixing_it(tmp_path: Path) -> None:
    from plivocb.errors import FixtureError

    with pytest.raises(FixtureError) as caught:
        fx.load(tmp_path / "nope.toml")
    assert "No such file" in caught.value.message and "check the path" in caught.value.hint


_field_values = st.one_of(
    st.text(max_size=5),
    st.integers(),
    st.booleans(),
    st.floats(allow_nan=False),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
    st.lists(st.text(max_size=3), max_size=2),
    st.datetimes(),
)


@settings(max_examples=300, deadline=None)
@given(
    table=st.dictionaries(st.sampled_from(["a", "b", "c"]), _field_values, max_size=3),
    spec=st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c"]),
            st.sampled_from([str, int, float, bool, dict]),
            st.one_of(st.just(...), st.just(""), st.just(0.0), st.just({})),
        ),
        max_size=3,
        unique_by=lambda field: field[0],
    ),
)
def test_reader_fields_agree_with_get_field_by_field(
    table: dict[str, object], spec: list[tuple[str, type, object]]
) -> None:
    """The reader's one-pass `fields` (replay's hot path) takes, converts and refuses exactly
    what the careful per-field `get` does: same values of the same types, or the same error."""
    from plivocb.fixture.codec import _Reader, _Spec

    reader = _Reader("f.toml", table)

    def outcome(read: object) -> object:
        try:
            values = read() if callable(read) else read
        except FixtureError as exc:
            return str(exc)
        return [(type(v), v) for v in values]  # type: ignore[attr-defined]

    fast = outcome(lambda: reader.fields(table, _Spec(*spec), "t."))
    slow = outcome(lambda: [reader.get(table, k, t, "t.", d) for k, t, d in spec])
    assert fast == slow
