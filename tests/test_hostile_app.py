"""`listen --app` and `app show|restore` against a broken Plivo API or a bad state file: exit 2,
one line, and the user's Application is never changed."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from plivocb.plivo_api import MAX_RETRY_AFTER, _retry_after
from tests.fake_plivo_api import APP_ID, AUTH_ID, AUTH_TOKEN, FakePlivo
from tests.hostile import clean_env, cli
from tests.inproc import InprocListen

GOOD_STATE = {
    "app_id": APP_ID,
    "original": {
        "answer_url": "https://prod.example.com/answer",
        "answer_method": "POST",
        "hangup_url": "https://prod.example.com/hangup",
        "hangup_method": "POST",
        "message_url": "",
        "message_method": "POST",
        "fallback_answer_url": "",
        "fallback_method": "POST",
    },
    "public_url": "https://dead.ngrok.app",
    "pid": 1,
    "saved_at": 1.0,
    "auth_id": AUTH_ID,
}


class BrokenPlivo(FakePlivo):
    """Plivo's API stand-in whose GET answers what the test sets in `get_reply`."""

    def __init__(self) -> None:
        super().__init__()
        self.get_reply: Callable[[], web.Response] | None = None  # a fresh one per GET
        self.hang = False

    async def handle(self, request: web.Request) -> web.Response:
        if self.hang:
            await asyncio.sleep(60)
        if request.method == "GET" and self.get_reply is not None:
            self.requests.append(("GET", None))
            return self.get_reply()
        return await super().handle(request)


@pytest.fixture
async def plivo(aiohttp_server: Any) -> BrokenPlivo:
    fake = BrokenPlivo()
    server = await aiohttp_server(fake.web_app())
    fake.base = str(server.make_url("")).rstrip("/")  # type: ignore[attr-defined]
    return fake


def _env(plivo: FakePlivo, tmp: Path, **extra: str) -> dict[str, str]:
    return clean_env(
        PLIVOCB_PLIVO_API_URL=plivo.base,  # type: ignore[attr-defined]
        PLIVOCB_STATE_DIR=str(tmp / "state"),
        PLIVO_AUTH_ID=AUTH_ID,
        PLIVO_AUTH_TOKEN=AUTH_TOKEN,
        **extra,
    )


def _app(**changes: Any) -> dict[str, Any]:
    return {**FakePlivo().apps[APP_ID], **changes}


NOT_THE_APP = {
    "html": (
        lambda: web.Response(text="<html>Bad gateway</html>", content_type="text/html"),
        "not JSON",
    ),
    "error": (lambda: web.json_response({"api_id": "x", "error": "internal"}), "an error"),
    "missing": (
        lambda: web.json_response({"app_id": APP_ID, "answer_url": "https://x"}),
        "missing field",
    ),
    "other-app": (lambda: web.json_response(_app(app_id="999")), "app_id is '999'"),
    "empty-answer": (lambda: web.json_response(_app(answer_url="")), "answer_url is empty"),
    "typed": (lambda: web.json_response(_app(hangup_url=["x"])), "not a string"),
    "list": (lambda: web.json_response([_app()]), "not a JSON object"),
    "deep": (lambda: web.Response(text="[" * 100_000, content_type="application/json"), "not JSON"),
    "huge": (
        lambda: web.Response(body=b" " * (2 << 20), content_type="application/json"),
        "more than",
    ),
}


@pytest.mark.parametrize("case", sorted(NOT_THE_APP))
async def test_a_reply_that_is_not_the_application_changes_nothing(
    plivo: BrokenPlivo, tmp_path: Path, case: str
) -> None:
    plivo.get_reply, expected = NOT_THE_APP[case]
    before = json.dumps(plivo.apps)
    lp = await InprocListen(
        ["--tunnel", "none", "--port", "0", "--out", str(tmp_path / "rec"), "--app", APP_ID],
        env=_env(plivo, tmp_path),
    ).start(expect_ready=False)
    assert await lp.finish() == 3  # an outside service failed (issue #13's exit code)
    assert expected in lp.text() and "nothing was changed" in lp.text()
    assert "Traceback" not in lp.text()
    assert plivo.updates() == [] and json.dumps(plivo.apps) == before
    assert not (tmp_path / "state").exists() or list((tmp_path / "state").iterdir()) == []
    code, _, err = await cli("app", "show", APP_ID, env=_env(plivo, tmp_path))
    assert code == 3 and expected in err and "Traceback" not in err


def _state_file(tmp: Path) -> Path:
    path = tmp / "state" / f"app-{APP_ID}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


BAD_STATES: dict[str, tuple[Any, str]] = {
    "not-json": ("{oops", "not readable JSON"),
    "list": ([GOOD_STATE], "not a JSON object"),
    "types": ({**GOOD_STATE, "pid": "1"}, "pid is str"),
    "other-app": ({**GOOD_STATE, "app_id": "111"}, "belongs to app '111'"),
    "other-account": ({**GOOD_STATE, "auth_id": "SAOTHER"}, "belongs to account 'SAOTHER'"),
    "legacy": ({k: v for k, v in GOOD_STATE.items() if k != "auth_id"}, "fields are"),
    "empty-answer": (
        {**GOOD_STATE, "original": {**GOOD_STATE["original"], "answer_url": ""}},  # type: ignore[dict-item]
        "original answer_url is empty",
    ),
    "missing-url": (
        {**GOOD_STATE, "original": {"answer_url": "https://x"}},
        "incomplete or not strings",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_STATES))
async def test_a_corrupt_or_foreign_state_file_is_never_applied(
    plivo: BrokenPlivo, tmp_path: Path, case: str
) -> None:
    content, expected = BAD_STATES[case]
    path = _state_file(tmp_path)
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    before = json.dumps(plivo.apps)
    code, _, err = await cli("app", "restore", APP_ID, env=_env(plivo, tmp_path))
    assert code == 2 and expected in err and "Traceback" not in err
    assert len([line for line in err.splitlines() if line.startswith("Error")]) == 1
    lp = await InprocListen(
        ["--tunnel", "none", "--port", "0", "--out", str(tmp_path / "rec"), "--app", APP_ID],
        env=_env(plivo, tmp_path),
    ).start(expect_ready=False)
    assert await lp.finish() == 2 and expected in lp.text()
    assert plivo.updates() == [] and json.dumps(plivo.apps) == before
    assert path.exists()  # left for the user to look at


async def test_a_valid_state_file_is_restored(plivo: BrokenPlivo, tmp_path: Path) -> None:
    _state_file(tmp_path).write_text(json.dumps(GOOD_STATE))
    code, _, err = await cli("app", "restore", APP_ID, env=_env(plivo, tmp_path))
    assert code == 0, err
    assert plivo.updates()[-1]["answer_url"] == "https://prod.example.com/answer"


async def test_total_time_per_command_is_bounded(plivo: BrokenPlivo, tmp_path: Path) -> None:
    plivo.hang = True
    started = time.monotonic()
    code, _, err = await cli(
        "app", "show", APP_ID, env=_env(plivo, tmp_path, PLIVOCB_API_TIMEOUT="0.5")
    )
    assert code == 3 and "within 0.5 s" in err and "Traceback" not in err
    assert time.monotonic() - started < 10


async def test_a_huge_retry_after_is_capped(plivo: BrokenPlivo, tmp_path: Path) -> None:
    plivo.get_reply = lambda: web.json_response(
        {"error": "slow down"}, status=429, headers={"Retry-After": "3600"}
    )
    started = time.monotonic()
    code, _, err = await cli(
        "app", "show", APP_ID, env=_env(plivo, tmp_path, PLIVOCB_API_TIMEOUT="1")
    )
    assert code == 3 and "within 1 s" in err
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    ("header", "expected"),
    [("3600", MAX_RETRY_AFTER), ("2", 2.0), ("nan", 0.5), ("-4", 0.5), ("soon", 0.5), (None, 0.5)],
)
def test_retry_after_is_capped_and_sane(header: str | None, expected: float) -> None:
    assert _retry_after(header, 0.5) == expected


async def test_bad_api_timeout_setting_is_a_usage_error(plivo: BrokenPlivo, tmp_path: Path) -> None:
    code, _, err = await cli(
        "app", "show", APP_ID, env=_env(plivo, tmp_path, PLIVOCB_API_TIMEOUT="forever")
    )
    assert code == 2 and "PLIVOCB_API_TIMEOUT" in err
