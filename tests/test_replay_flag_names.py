"""The replay engine names no CLI flags; `plivocb replay` adds them, so its output is unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from plivocb import fixture as fx
from plivocb.cli.common import flag_name
from plivocb.replay import NoTargetError, RecordedGapError, ReplayOptions, run, stream_fixtures
from plivocb.streams.replay import stream_url
from tests.helpers import ANSWER, HANGUP, make_fixture
from tests.inproc import arun_cli, clean_environ


def _gap(tmp_path: Path) -> Path:
    d = tmp_path / "fx"
    fx.save(make_fixture(ANSWER, "/answer"), d)
    fx.save(make_fixture(HANGUP, "/hangup", seconds=7200), d)  # two hours later
    return d


def test_a_recorded_gap_is_a_domain_error_and_the_cli_names_the_flags(tmp_path: Path) -> None:
    d = _gap(tmp_path)
    with pytest.raises(RecordedGapError) as gap:
        list(stream_fixtures(ReplayOptions(paths=[str(d)], timing="recorded")))
    assert "--" not in gap.value.message + gap.value.hint
    assert (round(gap.value.wait), gap.value.speed) == (7200, 1.0)


async def test_replay_cli_says_which_flags_a_recorded_gap_needs(tmp_path: Path) -> None:
    d = _gap(tmp_path)
    code, _, err = await arun_cli(
        "replay", str(d), "--to", "http://127.0.0.1:9", "--timing", "recorded",
        environ=clean_environ(),
    )  # fmt: skip
    assert code == 2, err
    assert "comes 7200 s after the fixture before it (at --speed 1); --timing recorded" in err
    assert "use --timing fast, a higher --speed, or fix received_at" in err
    assert "Traceback" not in err


def test_a_stream_fixture_without_a_target_is_a_domain_error(tmp_path: Path) -> None:
    stream = make_fixture(ANSWER, "/stream").with_(kind="stream")
    with pytest.raises(NoTargetError) as no_target:
        stream_url(ReplayOptions(paths=[], routes={"answer": "http://127.0.0.1:9/a"}), stream)
    assert str(no_target.value) == "no target for stream fixtures"
    assert no_target.value.kind == "stream"


@pytest.fixture
async def big_app(aiohttp_server: Any) -> str:
    async def handle(request: web.Request) -> web.Response:
        return web.Response(text="x" * 5000, content_type="text/plain")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    server = await aiohttp_server(app)
    return str(server.make_url("")).rstrip("/")


async def test_result_reasons_name_options_as_the_caller_does(big_app: str) -> None:
    fixtures = [(Path("a.toml"), make_fixture(ANSWER, "/answer"))]

    async def reasons(**kw: Any) -> list[str]:
        got: list[Any] = []
        opts = ReplayOptions(paths=[], to=big_app, sign=False, max_response=100, **kw)
        await run(opts, got.append, fixtures)
        [result] = got
        return [*result.reasons, result.skipped]

    library = "\n".join(await reasons(compare=True))
    assert "response body over max_response (100 bytes" in library
    assert "compare: no recorded response to compare with" in library
    assert "--" not in library
    cli = "\n".join(await reasons(compare=True, option_names=flag_name))
    assert "response body over --max-response (100 bytes" in cli
    assert "--compare: no recorded response to compare with" in cli


def test_the_testing_helpers_name_no_pytest_option(
    tmp_path: Path, pytester: pytest.Pytester
) -> None:
    from plivocb.errors import FixtureError
    from plivocb.testing import FixtureSet

    with pytest.raises(FixtureError) as missing:
        FixtureSet(tmp_path / "nowhere").paths()
    assert "--" not in missing.value.hint
    pytester.makeini(  # pytest-benchmark (in some Pythons) errors in an inner xdist session
        "[pytest]\nasyncio_default_fixture_loop_scope = function\naddopts = -p no:benchmark\n"
    )
    pytester.makepyfile("def test_missing(plivocb_fixtures):\n    plivocb_fixtures.all()\n")
    out = pytester.runpytest_inprocess("--plivocb-fixtures", str(tmp_path / "nowhere"))
    out.assert_outcomes(failed=1)
    out.stdout.fnmatch_lines(["*set --plivocb-fixtures DIR or the plivocb_fixtures ini option*"])
