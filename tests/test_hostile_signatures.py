"""Forged callbacks: no V2-only, empty-V3 or replayed-header request is ever plainly `valid`."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from plivo.utils import validate_v3_signature

from plivocb import fixture as fx
from plivocb import signature
from tests.helpers import ANSWER, TOKEN, form, make_fixture, signed
from tests.hostile import clean_env, cli, cli_sync
from tests.inproc import InprocListen

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
MAIN_TOKEN = "TWFpbkFjY291bnRUb2tlbk1haW5BY2NvdW50VG9r"  # made up


def _v2_only(url: str) -> dict[str, str]:
    """The V2 headers Plivo sent with some earlier, genuine callback to `url`."""
    headers = signed("POST", url, ANSWER)
    return {k: headers[k] for k in (signature.V2, signature.V2_MA, signature.V2_NONCE)}


@pytest.mark.parametrize("v3_value", [None, "", "   ", " , "])
def test_copied_v2_pair_with_forged_body_is_valid_v2_never_valid(v3_value: str | None) -> None:
    url = "https://pub.example/answer"
    headers = _v2_only(url)
    if v3_value is not None:
        headers[signature.V3] = v3_value
        headers[signature.V3_NONCE] = ""
    forged = {"Digits": ["9"], "CallUUID": ["x"]}
    result = signature.check(headers, "POST", url, forged, TOKEN)
    assert (result.verdict, result.family) == ("valid-v2", "v2")
    assert "not covered" in result.detail
    if v3_value is not None and "," not in v3_value:
        assert "empty V3 header counts as absent" in result.detail


def test_v3_present_decides_even_when_v2_is_genuine() -> None:
    url = "https://pub.example/answer"
    headers = {**_v2_only(url), signature.V3: "forged", signature.V3_NONCE: "1"}
    assert signature.check(headers, "POST", url, {}, TOKEN).verdict == "invalid"


def test_odd_bytes_in_signature_headers_give_invalid_not_a_crash() -> None:
    headers = {signature.V3: "abc\udcff\udc80", signature.V3_NONCE: "\udcfe"}
    assert signature.check(headers, "POST", "https://x/a", {}, TOKEN).verdict == "invalid"


def test_valid_v2_round_trips_through_the_fixture_format() -> None:
    f = make_fixture(ANSWER).with_(signature=fx.Signature("valid-v2", "v2", "URL only"))
    assert fx.from_toml(fx.to_toml(f)).signature.verdict == "valid-v2"


async def _post(url: str, body: str, headers: dict[str, str]) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as s,
        s.post(url, data=body, headers={**FORM, **headers}) as r,
    ):
        return r.status, await r.text()


async def test_listen_strict_rejects_valid_v2_unless_accept_v2(tmp_path: Path) -> None:
    forged = form({**ANSWER, "Digits": "9"})
    for extra, expected in (([], 403), (["--accept-v2"], 200)):
        out = tmp_path / f"rec{len(extra)}"
        lp = await InprocListen(
            ["--tunnel", "none", "--port", "0", "--out", str(out), "--json", "--strict", *extra],
            env={"PLIVO_AUTH_TOKEN": TOKEN},
        ).start()
        url = f"{lp.public_url}/answer"
        status, text = await _post(url, forged, {**_v2_only(url), signature.V3: ""})
        assert status == expected, text
        if expected == 403:
            assert "valid-v2" in text and "--accept-v2" in text
        await lp.wait_for(r'"verdict": "valid-v2"')
        assert await lp.stop() == 0
        (recorded,) = [fx.load(p) for p in fx.iter_paths([str(out)])]
        assert recorded.signature.verdict == "valid-v2"
        assert recorded.params["Digits"] == ["9"]
        assert "Traceback" not in lp.text()


def test_accept_v2_without_strict_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = cli_sync("listen", "--tunnel", "none", "--accept-v2")
    assert code == 2
    assert "--accept-v2" in err and "Traceback" not in err


@pytest.fixture
async def checker(aiohttp_server):  # type: ignore[no-untyped-def]
    """An app that checks plain V3 with the subaccount token and -Ma- V3 with the main one."""
    seen: list[tuple[bool, bool]] = []
    base: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        params = dict(await request.post())
        url = base[0] + request.path_qs
        nonce = request.headers[signature.V3_NONCE]
        plain = validate_v3_signature(
            "POST", url, nonce, TOKEN, request.headers[signature.V3], params
        )
        main = validate_v3_signature(
            "POST", url, nonce, MAIN_TOKEN, request.headers[signature.V3_MA], params
        )
        seen.append((plain, main))
        return web.Response(text="<Response/>", content_type="text/xml")

    app = web.Application()
    app.router.add_post("/{tail:.*}", handle)
    server = await aiohttp_server(app)
    base.append(str(server.make_url("")).rstrip("/"))
    return base[0], seen


@pytest.mark.parametrize("via_env", [False, True])
async def test_replay_signs_ma_headers_with_the_main_account_token(
    tmp_path: Path, checker: tuple[str, list[tuple[bool, bool]]], via_env: bool
) -> None:
    base, seen = checker
    path = fx.save(make_fixture(ANSWER), tmp_path)
    args = [] if via_env else ["--main-auth-token", MAIN_TOKEN]
    env = {"PLIVO_AUTH_TOKEN": TOKEN, **({"PLIVO_MAIN_AUTH_TOKEN": MAIN_TOKEN} if via_env else {})}
    code, out, err = await cli("replay", str(path), "--to", base, *args, env=clean_env(**env))
    assert code == 0, out + err
    assert seen == [(True, True)]
