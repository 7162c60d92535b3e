"""`plivocb simulate call|message`: play Plivo against your app, following its XML."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from plivocb import defaults
from plivocb.choices import Direction, HttpMethod, Machine, MessageType, ReplyFate
from plivocb.cli.common import (
    env,
    env_option,
    flag_name,
    positive_option,
    require_http_url,
    require_output_file,
)
from plivocb.errors import ExitCode

if TYPE_CHECKING:
    from plivocb.simulate.model import Transcript
    from plivocb.simulate.output import TimelineOutput

app = typer.Typer(
    help="Play Plivo against your app: follow its XML with no phone and no account.",
    no_args_is_help=True,
)

TOKEN_HELP = (
    "Sign every request with this token (V3, V2 and -Ma- headers); "
    "default: plivocb-test-auth-token."
)


def _output(json_lines: bool) -> TimelineOutput:
    from plivocb.simulate.output import JsonOutput, PlainOutput, RichOutput

    if json_lines:
        return JsonOutput(env().stdout)
    return RichOutput(env().out_console()) if env().stdout_isatty else PlainOutput(env().stdout)


def _finish(transcript: Transcript, output: TimelineOutput, junit: Path | None, suite: str) -> None:
    from plivocb.simulate.output import write_junit

    output.finish(transcript)
    if junit is not None:
        write_junit(junit, transcript, suite)
    if not transcript.ok:
        raise typer.Exit(int(ExitCode.CHECKS_FAILED))


@app.command("call")
def call(
    answer_url: str = typer.Option(..., "--answer-url", help="Your app's answer URL."),
    hangup_url: str | None = typer.Option(
        None, "--hangup-url", help="Hangup URL (default: the answer URL, as on a Plivo app)."
    ),
    fallback_url: str | None = typer.Option(
        None, "--fallback-url", help="Requested when the answer URL fails."
    ),
    method: HttpMethod = typer.Option(
        defaults.METHOD,
        "--method",
        case_sensitive=False,
        help="Method for the answer, fallback and hangup URLs.",
    ),
    frm: str = typer.Option("", "--from", help="Caller number (default: a generated one)."),
    to: str = typer.Option("", "--to", help="Called number (default: a generated one)."),
    direction: Direction = typer.Option(
        defaults.DIRECTION, "--direction", help="The call's direction."
    ),
    inputs: list[str] = typer.Option(
        [],
        "--input",
        metavar="KEYS|speech:WORDS",
        help="What the caller enters at each GetDigits/GetInput, in order (repeatable).",
    ),
    dials: list[str] = typer.Option(
        [],
        "--dial",
        metavar="OUTCOME",
        help="Outcome of each <Dial>: answered[:SECONDS], busy, failed, no-answer, timeout "
        "(repeatable; default no-answer).",
    ),
    records: list[str] = typer.Option(
        [],
        "--record",
        metavar="SECONDS[:TEXT]",
        help="Seconds the caller speaks at each <Record>, optional transcription (repeatable).",
    ),
    machine: Machine | None = typer.Option(
        None, "--machine", help="Who answers, as machine detection reports (outbound calls)."
    ),
    max_duration: float = positive_option(
        defaults.MAX_DURATION,
        "--max-duration",
        metavar="SECONDS",
        help="Hang up (6000) after this call time.",
    ),
    realtime: bool = typer.Option(
        False, "--realtime", help="Wait for real instead of on the virtual clock."
    ),
    auth_token: str | None = env_option("--auth-token", "PLIVO_AUTH_TOKEN", TOKEN_HELP),
    out: Path | None = typer.Option(
        None, "--out", help="Write each request and reply as a fixture in this directory."
    ),
    junit: Path | None = typer.Option(None, "--junit", help="Write a JUnit XML report here."),
    json_lines: bool = typer.Option(False, "--json", help="One JSON object per event."),
    seed: int | None = typer.Option(None, "--seed", help="Reproducible UUIDs and numbers."),
    audio: Path | None = typer.Option(
        None,
        "--audio",
        metavar="FILE.wav",
        help="<Stream>: what the caller says, converted to the stream's contentType "
        "(default: 2 s of silence).",
    ),
    stream_out: Path = typer.Option(
        defaults.SIMULATED_STREAMS_DIR,
        "--stream-out",
        help="<Stream>: record each session here; its .app.wav is what your app played.",
    ),
) -> None:
    """Simulate one call: request the answer URL and run its XML like Plivo does."""
    import asyncio

    from plivocb.simulate.call import simulate_call
    from plivocb.simulate.model import (
        DEFAULT_TOKEN,
        CallerInput,
        CallOptions,
        DialOutcome,
        RecordTake,
    )

    for value, flag in ((answer_url, "--answer-url"), (hangup_url, "--hangup-url")):
        require_http_url(value, flag)
    require_http_url(fallback_url, "--fallback-url")
    if junit is not None:
        require_output_file(junit, "--junit")
    opts = CallOptions(
        answer_url=answer_url,
        hangup_url=hangup_url,
        fallback_url=fallback_url,
        method=method.value,
        frm=frm,
        to=to,
        direction=direction.value,
        inputs=[CallerInput.parse(i) for i in inputs],
        dials=[DialOutcome.parse(d) for d in dials],
        records=[RecordTake.parse(r) for r in records],
        machine=machine.value if machine else None,
        max_duration=max_duration,
        realtime=realtime,
        auth_token=auth_token or DEFAULT_TOKEN,
        out=out,
        seed=seed,
        audio=audio,
        stream_out=stream_out,
        option_names=flag_name,
    )
    opts.check()
    output = _output(json_lines)
    transcript = asyncio.run(simulate_call(opts, output.event))
    _finish(transcript, output, junit, "plivocb simulate call")


@app.command("message")
def message(
    message_url: str = typer.Option(..., "--message-url", help="Your app's message URL."),
    method: HttpMethod = typer.Option(
        defaults.METHOD, "--method", case_sensitive=False, help="Method for the message URL."
    ),
    frm: str = typer.Option("", "--from", help="Sender number (default: a generated one)."),
    to: str = typer.Option("", "--to", help="Your Plivo number (default: a generated one)."),
    text: str = typer.Option("", "--text", help="Message text (default: a sample text)."),
    type_: MessageType = typer.Option(defaults.MESSAGE_TYPE, "--type", help="The message type."),
    media: list[str] = typer.Option([], "--media", help="Media URL (mms/whatsapp, repeatable)."),
    status: ReplyFate = typer.Option(
        defaults.REPLY_FATE, "--status", help="What becomes of each reply the app sends."
    ),
    auth_token: str | None = env_option("--auth-token", "PLIVO_AUTH_TOKEN", TOKEN_HELP),
    out: Path | None = typer.Option(
        None, "--out", help="Write each request and reply as a fixture in this directory."
    ),
    junit: Path | None = typer.Option(None, "--junit", help="Write a JUnit XML report here."),
    json_lines: bool = typer.Option(False, "--json", help="One JSON object per event."),
    seed: int | None = typer.Option(None, "--seed", help="Reproducible UUIDs and numbers."),
) -> None:
    """Simulate one inbound message, and deliver the <Message> replies your app sends."""
    import asyncio

    from plivocb.simulate.message import simulate_message
    from plivocb.simulate.model import DEFAULT_TOKEN, MessageOptions

    require_http_url(message_url, "--message-url")
    for url in media:
        require_http_url(url, "--media")
    if junit is not None:
        require_output_file(junit, "--junit")
    opts = MessageOptions(
        message_url=message_url,
        method=method.value,
        frm=frm,
        to=to,
        text=text,
        type=type_.value,
        media=list(media),
        status=status.value,
        auth_token=auth_token or DEFAULT_TOKEN,
        out=out,
        seed=seed,
    )
    opts.check()
    output = _output(json_lines)
    transcript = asyncio.run(simulate_message(opts, output.event))
    _finish(transcript, output, junit, "plivocb simulate message")
