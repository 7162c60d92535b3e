"""The pytest plugin, exercised with pytester in a throwaway project."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    shutil.copytree(ROOT / "fixtures", pytester.path / "callbacks")
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        "plivocb_fixtures = callbacks\n"
        # pytest-benchmark (in some machines' Python) errors in an inner session under xdist
        "addopts = -p no:benchmark\n"
    )
    return pytester


def test_fixtures_by_name_glob_kind_and_call(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest
        from plivocb.errors import FixtureError

        def test_load(plivocb_fixtures, plivocb_fixture_dir):
            assert plivocb_fixture_dir.name == "callbacks"
            sms = plivocb_fixtures.glob("sms/*")
            assert len(sms) == 1 and sms[0].kind == "message"
            name = next(plivocb_fixture_dir.glob("sms/*.toml")).relative_to(plivocb_fixture_dir)
            assert plivocb_fixtures.load(str(name)) == sms[0]
            assert plivocb_fixtures.load(str(name)[:-5]) == sms[0]
            assert len(plivocb_fixtures.kind("message_status")) == 3
            answer = plivocb_fixtures.glob("inbound-call/*answer*")[0]
            call = plivocb_fixtures.call(answer.params["CallUUID"][0])
            assert [f.kind for f in call] == ["answer", "hangup"]
            with pytest.raises(FixtureError, match="closest: sms/"):
                plivocb_fixtures.load("sms/2026110")
        """
    )
    project.runpytest_inprocess().assert_outcomes(passed=1)


def test_command_line_option_overrides_ini(project: pytest.Pytester) -> None:
    (project.path / "other").mkdir()
    project.makepyfile(
        """
        def test_dir(plivocb_fixture_dir, plivocb_fixtures):
            assert plivocb_fixture_dir.name == "other"
            assert plivocb_fixtures.all() == []
        """
    )
    project.runpytest_inprocess("--plivocb-fixtures", "other").assert_outcomes(passed=1)


def test_signed_request_validates_with_the_sdk(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        from plivo.utils import validate_v3_signature

        def test_sign(plivocb_fixtures, plivocb_signed_request, plivocb_auth_token):
            fx = plivocb_fixtures.glob("sms/*")[0]
            req = plivocb_signed_request(fx, "https://myapp.test/sms?tenant=1", overrides={"Text": "héllo"})
            assert req.method == "POST" and req.path == "/sms?tenant=1"
            assert req.form["Text"] == "héllo"
            assert validate_v3_signature(
                "POST", req.url, req.headers["X-Plivo-Signature-V3-Nonce"], plivocb_auth_token,
                req.headers["X-Plivo-Signature-V3"], req.form,
            )
            get = plivocb_signed_request({"CallUUID": "x", "Digits": "1"}, "https://a.test/d", method="GET", auth_token="t2")
            assert get.body == b"" and get.path == "/d?CallUUID=x&Digits=1"
            assert validate_v3_signature("GET", get.url, get.headers["X-Plivo-Signature-V3-Nonce"], "t2", get.headers["X-Plivo-Signature-V3"])
        """
    )
    project.runpytest_inprocess("--plivocb-auth-token", "tok-from-cli").assert_outcomes(passed=1)


def test_replay_helper_with_aiohttp_client(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        from aiohttp import web
        from plivocb import signature

        def make_app(token):
            async def handler(request):
                params = {k: [v] for k, v in (await request.post()).items()}
                url = str(request.url)
                check = signature.check(request.headers, request.method, url, params, token)
                return web.Response(text=check.verdict, status=200 if check.verdict == "valid" else 403)
            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", handler)
            return app

        async def test_replay(aiohttp_client, plivocb_fixtures, plivocb_replay, plivocb_auth_token):
            client = await aiohttp_client(make_app(plivocb_auth_token))
            answer = plivocb_fixtures.glob("outbound-call/*answer*")[0]
            call = plivocb_fixtures.call(answer.params["CallUUID"][0])
            replies = await plivocb_replay(client, call)
            assert [(r.status, r.text) for r in replies] == [(200, "valid"), (200, "valid")]
            [bad] = await plivocb_replay(client, answer, auth_token="wrong")
            assert bad.status == 403
        """
    )
    project.runpytest_inprocess().assert_outcomes(passed=1)


def test_help_groups_the_options(project: pytest.Pytester) -> None:
    result = project.runpytest_inprocess("--help")
    result.stdout.fnmatch_lines(["*Plivo callback fixtures (plivocb)*", "*--plivocb-fixtures=DIR*"])
