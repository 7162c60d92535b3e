"""The core names no CLI flags: its notes, replies and hints go by the options' own names unless
the command layer passes its namer (plivocb.cli.common.flag_name), which every command does."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plivocb import listen
from plivocb.catcher import CatcherConfig, Stats, create_app
from plivocb.cli.common import flag_name
from plivocb.errors import Namer, own_name
from plivocb.forward import loop_problem
from plivocb.guard import ConnectionGuard
from plivocb.inspector import actions, serve
from plivocb.replay_output import LineOutput
from plivocb.results import Summary
from plivocb.streams.simulate import SessionSpec, run_session
from tests.helpers import ANSWER, make_fixture
from tests.inproc import run_cli

BOTH = pytest.mark.parametrize("name", [own_name, flag_name], ids=["library", "cli"])


def test_the_cli_namer_knows_the_flags_that_are_not_the_field_name() -> None:
    assert flag_name("inspect_port") == "--inspect-port"
    assert (flag_name("app_id"), flag_name("ignore_paths")) == ("--app", "--ignore-path")


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.mark.parametrize(
    ("command", "flag"),
    [
        (["inspect", "{dir}", "--port", "{port}"], "--port"),
        (["listen", "--tunnel", "none", "--port", "0", "--out", "{dir}", "--inspect-port", "{port}"],
         "--inspect-port"),
    ],
    ids=["inspect", "listen"],
)  # fmt: skip
def test_no_free_inspector_port_names_the_flag_of_the_command_that_set_it(
    command: list[str], flag: str, busy_port: int, tmp_path: Path, monkeypatch: Any
) -> None:
    # the one way to find no port: every candidate taken (port 0 always binds otherwise)
    monkeypatch.setattr(serve, "_candidates", lambda port: [busy_port])
    args = [a.format(dir=tmp_path, port=busy_port) for a in command]
    code, out, err = run_cli(*args)
    assert code == 2, out + err
    assert "no free port for the inspector" in err
    assert f"hint: pass {flag}\n" in err
    assert "Traceback" not in err


@BOTH
async def test_the_413_reply_names_max_body(
    name: Namer, aiohttp_client: Any, tmp_path: Path
) -> None:
    config = CatcherConfig(out_dir=tmp_path, max_body=10, option_names=name)
    client = await aiohttp_client(create_app(config, None, Stats()))
    r = await client.post("/answer", data=b"x" * 100)
    assert r.status == 413
    assert await r.text() == f"plivocb: body over {name('max_body')} (10 bytes)\n"


@BOTH
def test_the_connection_cap_notice_names_max_connections(name: Namer) -> None:
    lines: list[str] = []
    guard = ConnectionGuard(1, lines.append, name("max_connections"))

    class Transport:
        def abort(self) -> None:
            return None

    first, second = Transport(), Transport()
    guard.admit(first)  # type: ignore[arg-type]
    guard.busy.add(first)
    assert not guard.admit(second)  # type: ignore[arg-type]
    assert lines[0].endswith(f"many idle connections; {name('max_connections')} sets the cap")


@BOTH
def test_a_forwarding_loop_names_forward_to(name: Namer) -> None:
    url = "http://127.0.0.1:8080"
    problem = loop_problem(url, "127.0.0.1", 8080, "https://pub.example", name)
    assert problem == f"{name('forward_to')} {url} is this catcher itself (127.0.0.1:8080)"


@BOTH
def test_listen_banner_and_summary_name_the_options(name: Namer, tmp_path: Path) -> None:
    opts = listen.ListenOptions(auth_token="t", strict=True, option_names=name)
    assert listen._verifying(opts).endswith(
        f"({name('strict')}: invalid, unsigned and valid-v2 get 403)"
    )
    unsigned = listen.ListenOptions(option_names=name)
    assert listen._verifying(unsigned).endswith(f"or pass {name('auth_token')})")
    stats = Stats(ignored=1)
    (ignored,) = [line for line in listen.summary_lines(stats, tmp_path, name) if "ignored" in line]
    assert f"robots.txt, {name('ignore_paths')}; not recorded" in ignored


@BOTH
def test_replay_summary_names_fail_fast(name: Namer) -> None:
    stream = io.StringIO()
    LineOutput(stream, name).finish(Summary(total=2, failed=1, stopped_early=True))
    assert stream.getvalue().rstrip().endswith(f"(stopped early: {name('fail_fast')})")


@BOTH
def test_inspector_hints_name_the_replay_target_options(name: Namer) -> None:
    target = actions.Target(option_names=name)
    with pytest.raises(actions.ActionError) as no_target:
        actions.options(make_fixture(ANSWER, "/answer"), None, {}, target)
    forward_to, to = name("forward_to"), name("to")
    assert f"start with `listen {forward_to}` / `inspect {to}`)" in str(no_target.value)
    stream = make_fixture(ANSWER, "/stream").with_(kind="stream")
    with pytest.raises(actions.ActionError) as ws:
        actions.options(stream, "http://127.0.0.1:9", {}, target)
    assert f"use `plivocb replay FILE {to} ws://…`" in str(ws.value)


@BOTH
async def test_a_stream_simulation_names_audio(name: Namer, tmp_path: Path) -> None:
    bad = tmp_path / "not.wav"
    bad.write_bytes(b"not a wav file at all")
    spec = SessionSpec(
        url="ws://127.0.0.1:9/stream",
        call_uuid="c",
        stream_id="s",
        content_type="audio/x-l16;rate=8000",
        audio=bad,
        out=tmp_path / "out",
        option_names=name,
    )
    result = await run_session(spec, 1.0)
    assert result.status == "failed"
    assert result.detail.startswith(f"{name('audio')} {bad}: ")


def test_inspect_passes_its_flags_to_the_page(tmp_path: Path, monkeypatch: Any) -> None:
    from plivocb.inspector import run

    seen: list[Any] = []

    async def serve_fixtures(opts: Any) -> int:
        seen.append(opts)
        return 0

    monkeypatch.setattr(run, "serve_fixtures", serve_fixtures)
    code, out, err = run_cli("inspect", str(tmp_path), "--port", "0")
    assert code == 0, out + err
    assert seen[0].option_names is flag_name


def _flags(*path: str) -> set[str]:
    from typer.main import get_command

    from plivocb.cli import cli

    command: Any = get_command(cli)
    for name in path:
        command = command.commands[name]
    return {opt for param in command.params for opt in param.opts if opt.startswith("--")}


def test_the_cli_namer_gives_each_command_field_its_real_flag() -> None:
    """A field the core may name maps to a flag of its command (or is not a CLI option)."""
    from dataclasses import fields

    from plivocb.inspector.run import InspectOptions
    from plivocb.replay import ReplayOptions
    from plivocb.simulate.model import CallOptions

    # arguments, not options; the environment's settings; what the CLI works out itself
    not_flags = {
        "paths", "option_names", "handle_signals", "plivo_api_url", "ngrok_startup_timeout",
        "retry_backoff", "api_timeout", "budgets",
    }  # fmt: skip
    for path, options in (
        (["listen"], listen.ListenOptions),
        (["inspect"], InspectOptions),
        (["replay"], ReplayOptions),
        (["simulate", "call"], CallOptions),
    ):
        flags = _flags(*path)
        unknown = [
            f.name
            for f in fields(options)
            if f.name not in not_flags and flag_name(f.name) not in flags
        ]
        assert unknown == [], path
