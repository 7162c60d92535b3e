"""Options defined once: choices are Enums, ranges are Typer's min=/max=, defaults are named.

Every choice and range option rejects a bad value before the command runs (exit 2, one `Error:`
line naming the option and what it takes, and a hint); `--help` shows the choices and ranges;
what `--help` shows as a default is what the library uses when not told.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

from plivocb import defaults
from plivocb.callbacks import KINDS
from plivocb.choices import Kind, MessageOutcome, NewKind
from plivocb.environment import DEFAULT_API_TIMEOUT, Environment
from tests import inproc
from tests.simulate_app import TOKEN, serve, xml

URL = "http://127.0.0.1:9/a"

CHOICES = [
    # (argv, the option as Typer names it, the allowed values as the error lists them)
    (["listen", "--tunnel", "pigeon"], "'--tunnel'", "'ngrok', 'none'"),
    (["replay", "--to", URL, "--timing", "slow"], "'--timing'", "'fast', 'recorded'"),
    (["replay", "--to", URL, "--kind", "nope"], "'--kind'", "'other', 'stream'"),
    (["fixtures", "ls", "--kind", "nope"], "'--kind'", "'message_status', 'other', 'stream'"),
    (["fixtures", "new", "nope"], "'kind", "'call', 'conversation', 'stream'"),  # or 'KIND:{
    (["fixtures", "new", "call", "--direction", "up"], "'--direction'", "'inbound', 'outbound'"),
    (["fixtures", "new", "message", "--type", "fax"], "'--type'", "'sms', 'mms', 'whatsapp'"),
    (["fixtures", "new", "call", "--amd", "robot"], "'--amd'", "'human', 'machine'"),
    (
        ["fixtures", "new", "conversation", "--status", "lost"],
        "'--status'",
        "'delivered', 'sent', 'undelivered', 'failed', 'read'",
    ),
    (["xml", "check", "-", "--for", "sms"], "'--for'", "'answer', 'message'"),
    (
        ["simulate", "call", "--answer-url", URL, "--method", "PUT"],
        "'--method'",
        "'GET', 'POST'",
    ),
    (
        ["simulate", "call", "--answer-url", URL, "--direction", "up"],
        "'--direction'",
        "'inbound', 'outbound'",
    ),
    (["simulate", "call", "--answer-url", URL, "--machine", "x"], "'--machine'", "'human'"),
    (["simulate", "message", "--message-url", URL, "--type", "fax"], "'--type'", "'whatsapp'"),
    (
        ["simulate", "message", "--message-url", URL, "--status", "read"],
        "'--status'",
        "'delivered', 'undelivered', 'failed'",
    ),
]

RANGES = [
    # (argv, the option, the bound the error names)
    (["listen", "--port", "65536"], "'--port'", "65535"),
    (["listen", "--port", "-1"], "'--port'", "0"),
    (["listen", "--inspect-port", "70000"], "'--inspect-port'", "65535"),
    (["listen", "--max-body", "0"], "'--max-body'", "1"),
    (["listen", "--max-connections", "-1"], "'--max-connections'", "0"),
    (["listen", "--forward-timeout", "0"], "'--forward-timeout'", "x>0"),
    (["replay", "--to", URL, "--concurrency", "0"], "'--concurrency'", "1"),
    (["replay", "--to", URL, "--speed", "0"], "'--speed'", "x>0"),
    (["replay", "--to", URL, "--timeout", "-1"], "'--timeout'", "x>0"),
    (["replay", "--to", URL, "--max-response", "0"], "'--max-response'", "1"),
    (["replay", "--to", URL, "--first-response-ms", "0"], "'--first-response-ms'", "x>0"),
    (["inspect", "--port", "65536"], "'--port'", "65535"),
    (["inspect", "--timeout", "0"], "'--timeout'", "x>0"),
    (["fixtures", "new", "call", "--count", "0"], "'--count'", "1"),
    (["fixtures", "new", "stream", "--seconds", "0"], "'--seconds'", "x>0"),
    (["fixtures", "new", "stream", "--seconds", "601"], "'--seconds'", "600"),
    (["simulate", "call", "--answer-url", URL, "--max-duration", "0"], "'--max-duration'", "x>0"),
]


@pytest.mark.parametrize(("argv", "option", "allowed"), CHOICES + RANGES)
def test_bad_choice_or_range_is_one_line_exit_2(
    tmp_path: Path, argv: list[str], option: str, allowed: str
) -> None:
    code, out, err = inproc.run_cli(*argv, cwd=tmp_path)
    assert code == 2, out + err
    lines = err.strip().splitlines()
    # Typer's wording varies by version (case, an argument's metavar): compare without case
    assert lines[0].lower().startswith(f"error: invalid value for {option}".lower()), err
    assert allowed.lower() in lines[0].lower(), err
    assert "Value error" not in err  # recent Typer's wording, trimmed
    assert lines[1:] == [f"  hint: plivocb {' '.join(_command(argv))} --help lists the options "
                         "and the values they take"]  # fmt: skip
    assert "Traceback" not in err and "Usage:" not in err
    assert list(tmp_path.iterdir()) == []  # rejected before the command ran


def _command(argv: list[str]) -> list[str]:
    return argv[:2] if argv[0] in ("fixtures", "simulate", "xml", "app") else argv[:1]


def test_good_choices_are_accepted_case_as_plivo_spells_them(tmp_path: Path) -> None:
    code, out, err = inproc.run_cli(
        "fixtures", "new", "call", "--direction", "outbound", "--amd", "machine", "--count", "2",
        "--seed", "1", "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 0, err
    assert len(out.splitlines()) >= 4  # two whole calls
    code, out, err = inproc.run_cli(
        "fixtures", "new", "conversation", "--type", "mms", "--status", "read", "--seed", "1",
        "--out", str(tmp_path / "m"),
    )  # fmt: skip
    assert code == 0, err


@pytest.mark.parametrize(
    ("argv", "shown"),
    [
        (["listen"], ["--tunnel [ngrok|none]", "0<=x<=65535", "default: 8080", "x>=1", "x>=0"]),
        (["replay"], ["--timing [fast|recorded]", "|other|stream]", "x>=1", "[x>0]"]),
        (["inspect"], ["0<=x<=65535", "default: 4040", "[x>0]"]),
        (
            ["fixtures", "new"],
            [
                "--direction [inbound|outbound]",
                "--type [sms|mms|whatsapp]",
                "--amd [human|machine]",
                "One of: answer,",
                "call, conversation,",
                "x<=600",
            ],
        ),
        (["fixtures", "ls"], ["|message_status|other|stream]"]),
        (["xml", "check"], ["--for [answer|message]", "default: answer"]),
        (["simulate", "call"], ["--method [GET|POST]", "--machine [human|machine]"]),
        (["simulate", "message"], ["--status [delivered|undelivered|failed]"]),
    ],
)
def test_help_shows_choices_and_ranges(argv: list[str], shown: list[str]) -> None:
    code, out, err = inproc.run_cli(*argv, "--help", terminal_width=400)
    assert code == 0, err
    flat = re.sub(r"\s+", " ", out)
    for text in shown:
        assert text in flat, (text, out)


async def test_simulate_lower_case_method_and_env_console(aiohttp_server: Any) -> None:
    """simulate's terminal output is drawn on the environment's console: its width and its
    terminal-ness (colours), not a console of its own."""
    app = await serve(aiohttp_server, {})
    app.routes["/msg"] = xml("<Response></Response>")
    environ = {"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"}
    code, out, err = await asyncio.to_thread(
        inproc.run_cli,
        "simulate", "message", "--message-url", app.url("/msg"), "--method", "get",
        "--auth-token", TOKEN,
        environ=environ, stdout_isatty=True, terminal_width=300,
    )  # fmt: skip
    assert code == 0, err
    assert [r.method for r in app.received] == ["GET"]
    assert "\x1b[" in out  # the environment says stdout is a terminal: styled
    assert max(len(line) for line in out.splitlines()) > 80  # and 300 columns wide


def test_choice_enums_are_the_engine_tables() -> None:
    from plivocb.plivoxml import MODES
    from plivocb.scenarios import MESSAGE_OUTCOMES, SCENARIOS
    from plivocb.simulate.model import MESSAGE_STATUSES, MESSAGE_TYPES

    assert [k.value for k in Kind] == [*KINDS, "stream"]
    assert [k.value for k in NewKind] == [*SCENARIOS, "stream"]
    assert "other" not in SCENARIOS and {"call", "conversation"} <= set(SCENARIOS)
    assert list(MESSAGE_OUTCOMES) == [o.value for o in MessageOutcome]
    assert MESSAGE_STATUSES == ("delivered", "undelivered", "failed")
    assert MESSAGE_TYPES == ("sms", "mms", "whatsapp")
    assert MODES == ("answer", "message")


def _defaults(*path: str) -> dict[str, Any]:
    from typer.main import get_command

    from plivocb.cli import cli

    command: Any = get_command(cli)
    for name in path:
        command = command.commands[name]
    return {p.name: p.default for p in command.params}


def test_every_command_default_is_the_option_objects_default() -> None:
    """What `--help` shows is what the library uses when not told (defaults.py, named once)."""
    from plivocb.inspector.actions import Target
    from plivocb.inspector.run import InspectOptions
    from plivocb.inspector.serve import DEFAULT_PORT
    from plivocb.replay import ReplayOptions
    from plivocb.scenarios import NewOptions, Spec
    from plivocb.simulate.model import CallOptions, MessageOptions
    from plivocb.simulate.stream import StreamRequest

    replay, ro = _defaults("replay"), ReplayOptions(paths=[])
    assert replay["first_response_ms"] == ro.first_response_ms
    assert replay["expect_status"] == defaults.EXPECT_STATUS
    assert ro.expect_status.text == defaults.EXPECT_STATUS
    assert (ro.timing, ro.stream_timing) == ("fast", "recorded")
    assert replay["stream_out"] == defaults.REPLAYED_STREAMS_DIR

    new, spec = _defaults("fixtures", "new"), Spec("call")
    assert (new["direction"], new["message_type"]) == (spec.direction, spec.message_type)
    assert (new["talk"], new["cause"], new["status"]) == (
        spec.talk_seconds, spec.cause, spec.status,
    )  # fmt: skip
    assert new["out"] == defaults.GENERATED_DIR

    call, co = _defaults("simulate", "call"), CallOptions(answer_url=URL)
    assert (call["method"], call["direction"]) == (co.method, co.direction)
    assert (call["max_duration"], call["stream_out"]) == (co.max_duration, co.stream_out)
    stream_out = inspect.signature(StreamRequest).parameters["out"].default
    assert stream_out == co.stream_out
    message, mo = _defaults("simulate", "message"), MessageOptions(message_url=URL)
    assert (message["method"], message["type_"], message["status"]) == (
        mo.method, mo.type, mo.status,
    )  # fmt: skip

    no = NewOptions(spec)
    assert (new["count"], new["out"], new["seconds"]) == (no.count, no.out, no.stream_seconds)
    assert new["tz"] == str(no.zone) == defaults.TIME_ZONE

    look, io = _defaults("inspect"), InspectOptions()
    assert (look["port"], look["timeout"]) == (io.port, io.timeout)
    assert io.port == DEFAULT_PORT == defaults.INSPECT_PORT
    assert io.timeout == Target().timeout == defaults.INSPECT_REPLAY_TIMEOUT
    assert io.paths == [str(defaults.RECORDED_DIR)]
    assert _defaults("xml", "check")["for_"] == defaults.XML_DOCUMENT


def test_root_typer_object_does_not_shadow_the_app_module() -> None:
    import plivocb.cli

    assert inspect.ismodule(plivocb.cli.app)  # `plivocb app …` lives there
    assert plivocb.cli.app.__name__ == "plivocb.cli.app"


def test_api_timeout_comes_from_the_environment() -> None:
    env = Environment.from_process({"PLIVOCB_API_TIMEOUT": "2.5"})
    assert (env.api_timeout, env.check_api_timeout()) == (2.5, 2.5)
    assert Environment.from_process({}).check_api_timeout() == DEFAULT_API_TIMEOUT
    for bad in ("forever", "0", "-1", "3600", "nan"):
        env = Environment.from_process({"PLIVOCB_API_TIMEOUT": bad})
        with pytest.raises(Exception, match="PLIVOCB_API_TIMEOUT must be seconds") as caught:
            env.check_api_timeout()
        assert getattr(caught.value, "exit_code", None) == 2
