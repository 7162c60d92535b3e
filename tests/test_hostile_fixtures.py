"""Hostile fixture files: each gives a clean error naming the file (exit 1 for validate, 2
elsewhere) or is skipped with a message, never a traceback or a hang."""

from __future__ import annotations

import asyncio
import os
import re
import stat
from datetime import UTC, timedelta, timezone
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plivocb import fixture as fx
from plivocb.errors import FixtureError
from plivocb.fixture.model import request_problem
from tests.helpers import ANSWER, HANGUP, make_fixture
from tests.hostile import cli

GOOD = fx.to_toml(make_fixture(ANSWER))


def _no_traceback(*streams: str) -> None:
    for text in streams:
        assert "Traceback" not in text, text


def _variant(pattern: str, replacement: str, count: int = 1) -> str:
    changed, n = re.subn(pattern, lambda _: replacement, GOOD, count=count, flags=re.M)
    assert n, pattern
    return changed


BAD_FILES = {
    "nested.toml": "a = " + "[" * 100_000 + "]" * 100_000 + "\n" + GOOD,
    "naive.toml": _variant(r"^received_at = .*$", "received_at = 2026-11-26T12:00:00"),
    "overflow.toml": _variant(r"^received_at = .*$", "received_at = 9999-12-31T23:59:59-01:00"),
    "crlf-header.toml": _variant(r"^User-Agent = .*$", 'User-Agent = "x\\r\\nX-Injected: 1"'),
    "crlf-method.toml": _variant(r'^method = "POST"$', 'method = "POST /x HTTP/1.1\\r\\nHost: e"'),
    "at-path.toml": _variant(r'^path = "/answer"$', 'path = "@127.0.0.1:18101/x"'),
    "date-only.toml": _variant(r"^received_at = .*$", "received_at = 2026-11-26"),
    "binary.toml": None,
    # TOML integers have no size limit in tomli; a float field cannot hold this one
    "huge-elapsed.toml": GOOD + "\n[response]\nstatus = 200\nelapsed_ms = 1" + "0" * 400 + "\n",
    # no clock measures these; the inspector's JSON (NaN, Infinity) would break its page
    "nan-elapsed.toml": GOOD + "\n[response]\nstatus = 200\nelapsed_ms = nan\n",
    "inf-elapsed.toml": GOOD + "\n[response]\nstatus = 200\nelapsed_ms = -inf\n",
}
EXPECTED = {
    "nested.toml": "nested deeper than the parser allows",
    "naive.toml": "has no UTC offset",
    "overflow.toml": "out of range",
    "crlf-header.toml": "holds a CR, LF or NUL",
    "crlf-method.toml": "is not an HTTP method",
    "at-path.toml": "must start with /",
    "date-only.toml": "must be datetime",
    "binary.toml": "is not UTF-8 text",
    "huge-elapsed.toml": "response.elapsed_ms` is out of range",
    "nan-elapsed.toml": "response.elapsed_ms` must be a finite number",
    "inf-elapsed.toml": "response.elapsed_ms` must be a finite number",
}


def _write_bad(directory: Path, name: str) -> Path:
    path = directory / name
    content = BAD_FILES[name]
    if content is None:
        path.write_bytes(b"\xff\xfe\x00garbage")
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(BAD_FILES))
async def test_each_bad_file_is_a_clean_error_naming_it(tmp_path: Path, name: str) -> None:
    path = _write_bad(tmp_path, name)
    with pytest.raises(FixtureError) as caught:
        fx.load(path)
    assert EXPECTED[name] in caught.value.problem and str(path) in str(caught.value)
    code, out, err = await cli("fixtures", "validate", str(tmp_path))
    assert code == 1 and name in out and EXPECTED[name] in out
    _no_traceback(out, err)
    code, out, err = await cli("fixtures", "show", str(path))
    assert code == 2 and name in err and EXPECTED[name] in err, (out, err)
    _no_traceback(out, err)
    # ls lists past broken files (as BROKEN, with the problem) and exits 1 at the end
    code, out, err = await cli("fixtures", "ls", str(tmp_path))
    assert code == 1 and name in out and EXPECTED[name] in out and "BROKEN" in out, (out, err)
    _no_traceback(out, err)
    code, out, err = await cli("replay", str(tmp_path), "--to", "http://127.0.0.1:9")
    assert code == 2 and name in err
    _no_traceback(out, err)


async def test_at_path_never_reaches_another_host(tmp_path: Path) -> None:
    hits: list[bytes] = []

    async def evil(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        hits.append(await reader.read(100))
        writer.close()

    server = await asyncio.start_server(evil, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    (tmp_path / "x.toml").write_text(
        GOOD.replace('path = "/answer"', f'path = "@127.0.0.1:{port}/x"')
    )
    code, _, err = await cli("replay", str(tmp_path), "--to", "http://127.0.0.1:9")
    server.close()
    assert code == 2 and "must start with /" in err
    assert hits == []


async def test_years_1_and_9999_with_recorded_timing_fail_fast_naming_the_file(
    tmp_path: Path,
) -> None:
    early = make_fixture(ANSWER).with_(received_at=make_fixture(ANSWER).received_at.replace(year=1))
    late = make_fixture(HANGUP).with_(
        received_at=make_fixture(ANSWER).received_at.replace(year=9999)
    )
    fx.save(early, tmp_path)
    last = fx.save(late, tmp_path)
    loop = asyncio.get_running_loop()
    started = loop.time()
    code, out, err = await cli(
        "replay", str(tmp_path), "--to", "http://127.0.0.1:9", "--timing", "recorded", timeout=30
    )
    assert code == 2 and last.name in err and "--timing recorded would wait" in err
    assert loop.time() - started < 20
    _no_traceback(out, err)
    code, out, err = await cli("replay", str(tmp_path), "--to", "http://127.0.0.1:9")
    assert code == 1  # --timing fast: both are sent (and fail: nothing listens on port 9)
    _no_traceback(out, err)


async def test_fifos_devices_and_symlinks_are_skipped_with_a_message(tmp_path: Path) -> None:
    d = tmp_path / "fixtures"
    d.mkdir()
    good = fx.save(make_fixture(ANSWER), d)
    os.mkfifo(d / "pipe.toml")
    outside = tmp_path / "outside.toml"
    outside.write_text(GOOD)
    (d / "outside.toml").symlink_to(outside)
    (d / "self.toml").symlink_to(d / "self.toml")
    (d / "loop").symlink_to(d)
    (d / "sub").mkdir()
    (d / "sub" / "up").symlink_to(d)
    (d / "inside.toml").symlink_to(good)  # inside the directory: followed
    devices = ""
    try:
        os.mknod(d / "zero.toml", stat.S_IFCHR | 0o600, os.makedev(1, 5))
        devices = "zero.toml"
    except (PermissionError, OSError):
        pass
    for args in (["fixtures", "ls", str(d)], ["fixtures", "validate", str(d)]):
        code, out, err = await cli(*args, timeout=30)
        assert code == 0, out + err
        # the fixture and the symlink inside, nothing else
        assert out.count(".toml") == 2 or "2 fixtures checked, 0 with problems" in out
        assert "pipe.toml: is a FIFO" in err
        assert "outside.toml: symlink leads outside" in err
        assert "self.toml: dangling symlink or symlink loop" in err
        assert "symlink loop: not followed" in err
        if devices:
            assert "zero.toml: is a device" in err
        _no_traceback(out, err)
    code, out, err = await cli("fixtures", "show", str(d / "pipe.toml"), timeout=30)
    assert code == 2 and "pipe.toml" in err and "FIFO" in err


async def test_non_utf8_file_names_give_an_error_naming_the_file(tmp_path: Path) -> None:
    bad = os.fsencode(tmp_path) + b"/bad\xff\xfe.toml"
    with open(bad, "w") as f:
        f.write(GOOD)
    code, out, err = await cli("fixtures", "validate", str(tmp_path))
    assert code == 1 and "bad\\xff\\xfe.toml" in out and "not valid UTF-8" in out
    _no_traceback(out, err)
    code, out, err = await cli("replay", str(tmp_path), "--to", "http://x")
    assert code == 2 and "bad\\xff\\xfe.toml" in err and "rename" in err
    _no_traceback(out, err)
    code, out, err = await cli("fixtures", "ls", str(tmp_path))  # listed as broken, exit 1
    assert code == 1 and "bad\\xff\\xfe.toml" in out and "not valid UTF-8" in out
    _no_traceback(out, err)


toml_values = st.recursive(
    st.one_of(
        st.text(max_size=20),
        st.integers(),
        st.booleans(),
        st.floats(allow_nan=False),
        st.datetimes(),
        # fixed offsets: st.timezones() loads the tz database per draw (3 s of this test)
        st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5, minutes=-30))])),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=10,
)
fixture_keys = st.sampled_from(
    ["plivocb_fixture", "kind", "received_at", "request", "params", "signature", "response"]
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    data=st.dictionaries(st.one_of(fixture_keys, st.text(max_size=8)), toml_values, max_size=8),
    version=st.one_of(st.just(1), st.integers()),
)
def test_fuzz_random_toml_loads_or_names_the_file(
    tmp_path_factory: pytest.TempPathFactory, data: dict[str, object], version: int
) -> None:
    path = tmp_path_factory.mktemp("toml") / "f.toml"
    path.write_text(tomli_w.dumps({"plivocb_fixture": version, **data}), encoding="utf-8")
    try:
        fx.load(path)
    except FixtureError as exc:
        assert str(path) in str(exc)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=st.binary(max_size=400), cut=st.integers(0, len(GOOD)), junk=st.binary(max_size=20))
def test_fuzz_random_bytes_and_damaged_fixtures_load_or_name_the_file(
    tmp_path_factory: pytest.TempPathFactory, raw: bytes, cut: int, junk: bytes
) -> None:
    directory = tmp_path_factory.mktemp("bytes")
    for name, content in (
        ("raw.toml", raw),
        ("damaged.toml", GOOD.encode()[:cut] + junk + GOOD.encode()[cut:]),
    ):
        path = directory / name
        path.write_bytes(content)
        try:
            fx.load(path)
        except FixtureError as exc:
            assert str(path) in str(exc)


_header_text = (
    st.text(alphabet=st.sampled_from("aZ-_ :\r\n\x00é"), max_size=6)
    | st.text(alphabet="ab", min_size=63, max_size=66)  # about the 64-character name limit
    | st.text(max_size=70)
)


@settings(max_examples=400, deadline=None)
@given(headers=st.lists(st.tuples(_header_text, _header_text), max_size=4))
def test_header_check_names_the_first_bad_header(headers: list[tuple[str, str]]) -> None:
    """The one-scan header check refuses exactly what a check of each header in turn refuses."""
    token = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}")
    expected = ""
    for name, value in headers:
        if not token.fullmatch(name):
            expected = f"request.headers: {name!r:.40} is not a header name"
            break
        if re.search("[\r\n\x00]", value):
            expected = f"request.headers.{name} holds a CR, LF or NUL"
            break
    request = fx.Request("POST", "", "/answer", "", tuple(headers), b"")
    assert request_problem(request) == expected
