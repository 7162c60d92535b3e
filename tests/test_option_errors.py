"""Core option errors name no CLI flags; the CLI's error boundary words them with its flags."""

from __future__ import annotations

import pytest

from plivocb.cli import flag_name
from plivocb.errors import OptionError, UsageError
from plivocb.simulate.model import CallerInput, CallOptions, MessageOptions
from tests.inproc import arun_cli


def test_the_library_names_options_as_their_fields() -> None:
    with pytest.raises(OptionError) as bad_input:
        CallerInput.parse("xyz")
    assert bad_input.value.message == "input 'xyz' is neither DTMF keys nor speech"
    assert "--" not in bad_input.value.hint
    with pytest.raises(UsageError) as machine:  # still a UsageError: exit 2, as before
        CallOptions(answer_url="http://127.0.0.1:9/a", machine="human").check()
    assert machine.value.message == "machine only applies to outbound calls"
    assert machine.value.hint.startswith("add direction outbound")
    with pytest.raises(OptionError) as media:
        MessageOptions(message_url="http://127.0.0.1:9/m", media=["http://x/a.png"]).check()
    assert (media.value.message, media.value.hint) == (
        "media needs type mms or whatsapp",
        "add type mms",
    )


def test_flag_names_follow_the_fields() -> None:
    assert flag_name("max_duration") == "--max-duration"
    words = CallOptions(answer_url="http://127.0.0.1:9/a", max_duration=0)
    with pytest.raises(OptionError) as err:
        words.check()
    assert err.value.words(flag_name) == (
        "--max-duration must be positive",
        "e.g. --max-duration 300",
    )


async def test_the_cli_shows_the_flags_as_before() -> None:
    base = ("simulate", "call", "--answer-url", "http://127.0.0.1:9/a")
    code, _, err = await arun_cli(*base, "--input", "xyz")
    assert code == 2, err
    assert "--input 'xyz' is neither DTMF keys nor speech" in err
    assert "(e.g. --input '23#') or --input 'speech:yes please'" in err
    code, _, err = await arun_cli(*base, "--machine", "human")
    assert code == 2 and "--machine only applies to outbound calls" in err
    assert "add --direction outbound" in err and "Traceback" not in err


async def test_app_credentials_name_the_fields_and_the_cli_the_flags() -> None:
    import os

    from plivocb.app_pointer import credentials

    with pytest.raises(OptionError) as missing:
        credentials(None, None)
    assert missing.value.hint.endswith("or pass auth_id / auth_token")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLIVO")}
    code, _, err = await arun_cli("app", "show", "11111111111111111", environ=env)
    assert code == 2, err
    assert "needs PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN" in err
    assert "or pass --auth-id / --auth-token" in err


def test_tunnel_errors_name_the_fields_and_keep_their_exit_codes() -> None:
    from plivocb.errors import ExitCode
    from plivocb.tunnel import _explain

    refused = _explain(RuntimeError("ERR_NGROK_4018 authentication failed"))
    assert refused.exit_code == ExitCode.USAGE  # a setting
    assert "pass ngrok_authtoken" in refused.hint and "--" not in refused.hint
    assert refused.hint.endswith("or use tunnel none / public_url URL")
    assert refused.words is not None
    message, hint = refused.words(flag_name)
    assert message == refused.message
    assert "pass --ngrok-authtoken" in hint and hint.endswith("--tunnel none / --public-url URL")
    failed = _explain(RuntimeError("boom"))
    assert failed.exit_code == ExitCode.SERVICE and failed.message == "ngrok failed: boom"
