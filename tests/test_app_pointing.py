"""`listen --app`, `plivocb app show|restore` against a local stand-in of Plivo's Application API."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import pytest

from tests.fake_plivo_api import APP_ID, AUTH_ID, AUTH_TOKEN, FakePlivo
from tests.helpers import ListenProcess
from tests.inproc import InprocListen, arun_cli

ORIGINAL = {
    "answer_url": "https://prod.example.com/answer",
    "hangup_url": "https://prod.example.com/hangup",
    "message_url": "",
}


@pytest.fixture
async def plivo(aiohttp_server):  # type: ignore[no-untyped-def]
    fake = FakePlivo()
    server = await aiohttp_server(fake.web_app())
    fake.base = str(server.make_url("")).rstrip("/")  # type: ignore[attr-defined]
    return fake


def _env(plivo: FakePlivo, tmp: Path, **extra: str) -> dict[str, str]:
    return {
        "PLIVOCB_PLIVO_API_URL": plivo.base,  # type: ignore[attr-defined]
        "PLIVOCB_STATE_DIR": str(tmp / "state"),
        "PLIVO_AUTH_ID": AUTH_ID,
        "PLIVO_AUTH_TOKEN": AUTH_TOKEN,
        **extra,
    }


async def _cli(env: dict[str, str], *args: str) -> tuple[int, str]:
    code, out, err = await arun_cli(*args, environ={**os.environ, **env})
    return code, out + err


def _urls(plivo: FakePlivo) -> dict[str, str]:
    app = plivo.apps[APP_ID]
    return {k: app[k] for k in ORIGINAL}


async def test_listen_points_the_app_and_restores_it(plivo: FakePlivo, tmp_path: Path) -> None:
    env = _env(plivo, tmp_path)
    lp = await ListenProcess(
        ["--tunnel", "none", "--port", "0", "--out", str(tmp_path / "rec"), "--app", APP_ID],
        env=env,
    ).start()
    base = lp.public_url
    assert _urls(plivo) == {k: f"{base}/{k.split('_')[0]}" for k in ORIGINAL}
    [update] = plivo.updates()
    assert set(update) == {
        "answer_url",
        "answer_method",
        "hangup_url",
        "hangup_method",
        "message_url",
        "message_method",
    }
    assert (
        plivo.apps[APP_ID]["fallback_answer_url"] == "https://prod.example.com/fallback"
    )  # untouched
    assert f"Plivo app    {APP_ID} now points here" in lp.text()
    [state] = list((tmp_path / "state").iterdir())
    assert AUTH_TOKEN not in state.read_text()

    code, out = await _cli(env, "app", "show", APP_ID)
    assert code == 0 and "points at a plivocb tunnel" in out and f"{base}/answer" in out

    assert await lp.stop(sig=signal.SIGTERM) == 0
    assert _urls(plivo) == ORIGINAL
    assert list((tmp_path / "state").iterdir()) == []
    assert f"Plivo app    {APP_ID} restored" in lp.text()
    code, out = await _cli(env, "app", "show", APP_ID)
    assert code == 0 and "does not point at a plivocb tunnel" in out


async def test_after_kill_9_app_restore_puts_it_back(plivo: FakePlivo, tmp_path: Path) -> None:
    env = _env(plivo, tmp_path)
    lp = await ListenProcess(
        ["--tunnel", "none", "--port", "0", "--out", str(tmp_path / "rec"), "--app", APP_ID],
        env=env,
    ).start()
    assert lp.proc is not None
    lp.proc.kill()
    await lp.finish()
    assert _urls(plivo)["answer_url"].startswith(lp.public_url)

    # a new listen run keeps the true originals, not the dead tunnel's URLs
    lp2 = await ListenProcess(
        ["--tunnel", "none", "--port", "0", "--out", str(tmp_path / "rec"), "--app", APP_ID],
        env=env,
    ).start()
    assert lp2.proc is not None
    lp2.proc.kill()
    await lp2.finish()

    code, out = await _cli(env, "app", "restore", APP_ID)
    assert code == 0 and f"restored Plivo app {APP_ID}" in out
    assert _urls(plivo) == ORIGINAL
    code, out = await _cli(env, "app", "restore", APP_ID)
    assert code == 2 and "nothing to restore" in out
    assert "plivocb restores apps itself when `listen --app` exits normally" in out


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"PLIVO_AUTH_TOKEN": "wrong"}, "rejected the credentials"),
        ({"PLIVO_AUTH_ID": "MAYYYYYYYYYYYYYYYYYY"}, "rejected the credentials"),
    ],
)
async def test_wrong_credentials(
    plivo: FakePlivo, tmp_path: Path, change: dict[str, str], message: str
) -> None:
    env = _env(plivo, tmp_path, **change)
    lp = InprocListen(
        ["--tunnel", "none", "--port", "0", "--out", str(tmp_path / "rec"), "--app", APP_ID],
        env=env,
    )
    await lp.start(expect_ready=False)
    assert await lp.finish() == 2
    assert message in lp.text() and "PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN" in lp.text()
    assert "Traceback" not in lp.text()
    assert _urls(plivo) == ORIGINAL and plivo.updates() == []


async def test_unknown_app(plivo: FakePlivo, tmp_path: Path) -> None:
    code, out = await _cli(_env(plivo, tmp_path), "app", "show", "999")
    assert code == 2 and "no Application 999" in out
    lp = InprocListen(
        ["--tunnel", "none", "--port", "0", "--out", str(tmp_path / "r"), "--app", "999"],
        env=_env(plivo, tmp_path),
    )
    await lp.start(expect_ready=False)
    assert await lp.finish() == 2 and "no Application 999" in lp.text()
    assert not (tmp_path / "state").exists() or list((tmp_path / "state").iterdir()) == []


async def test_rate_limit_is_retried(plivo: FakePlivo, tmp_path: Path) -> None:
    plivo.fail_next = [429, 429]
    code, out = await _cli(_env(plivo, tmp_path), "app", "show", APP_ID)
    assert code == 0 and "https://prod.example.com/answer" in out
    assert len(plivo.requests) == 3
    plivo.fail_next = [429] * 10
    code, out = await _cli(_env(plivo, tmp_path), "app", "show", APP_ID)
    assert code == 3 and "rate limiting" in out  # an outside service failed (was 2)


async def test_network_down(plivo: FakePlivo, tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**_env(plivo, tmp_path), "PLIVOCB_PLIVO_API_URL": f"http://127.0.0.1:{port}"}
    code, out = await _cli(env, "app", "show", APP_ID)
    assert code == 3 and "cannot reach Plivo's API" in out  # (was 2) and "network" in out


async def test_public_url_that_does_not_reach_us_changes_nothing(
    plivo: FakePlivo, tmp_path: Path
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    lp = InprocListen(
        [
            "--port",
            "0",
            "--out",
            str(tmp_path / "r"),
            "--app",
            APP_ID,
            "--public-url",
            f"http://127.0.0.1:{port}",
        ],
        env=_env(plivo, tmp_path),
    )
    await lp.start(expect_ready=False)
    assert await lp.finish() == 2
    assert "does not reach this plivocb" in lp.text() and "was not changed" in lp.text()
    assert "check --public-url or your reverse proxy" in lp.text()
    assert plivo.requests == [] and _urls(plivo) == ORIGINAL


async def test_app_needs_credentials(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLIVO_")}
    code, out, err = await arun_cli("listen", "--tunnel", "none", "--app", APP_ID, environ=env)
    assert code == 2 and "needs PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN" in out + err


async def test_failed_update_leaves_the_app_as_it_was(plivo: FakePlivo, tmp_path: Path) -> None:
    plivo.fail_posts = [500] * 4  # the update and its retries fail; the restore goes through
    lp = InprocListen(
        ["--tunnel", "none", "--port", "0", "--out", str(tmp_path / "r"), "--app", APP_ID],
        env=_env(plivo, tmp_path),
    )
    await lp.start(expect_ready=False)
    assert await lp.finish() == 3  # an outside service failed (was 2)
    assert "Plivo's API answered 500" in lp.text() and "Traceback" not in lp.text()
    assert _urls(plivo) == ORIGINAL
    assert list((tmp_path / "state").iterdir()) == []


async def test_retries_wait_the_backoff_and_double_it(plivo: FakePlivo) -> None:
    """In-process CLI runs use a 0.01 s backoff (tests/inproc.py); this checks the real one."""
    from plivocb.environment import DEFAULT_RETRY_BACKOFF, Environment
    from plivocb.plivo_api import PlivoApi

    assert Environment.from_process({}).retry_backoff == DEFAULT_RETRY_BACKOFF == 0.5
    plivo.fail_next = [500, 500]  # no Retry-After: the backoff alone decides
    api = PlivoApi(AUTH_ID, AUTH_TOKEN, plivo.base, backoff=0.2)  # type: ignore[attr-defined]
    started = time.monotonic()
    await api.get_app(APP_ID)
    assert len(plivo.requests) == 3
    assert 0.2 + 0.4 <= time.monotonic() - started < 5  # waited 0.2 s, then twice that
