"""`plivocb fixtures …`: generate, list, show, validate and redact fixtures."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from plivocb import defaults
from plivocb.choices import STREAM, Direction, Kind, Machine, MessageOutcome, MessageType, NewKind
from plivocb.cli.common import (
    out_console,
    parse_assignments,
    positive_option,
    require_output_dir,
)
from plivocb.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from plivocb.streams.protocol import AudioFormat

app = typer.Typer(
    help="Generate, list, show, validate and redact fixture files.", no_args_is_help=True
)


@app.command("new")
def new(
    kind: NewKind = typer.Argument(
        ...,
        help="A callback kind, a scenario (call: a whole call, conversation: a message and its "
        "statuses), or stream (a <Stream> WebSocket session with WAV audio).",
    ),
    frm: str = typer.Option("", "--from", help="Caller / sender number."),
    to: str = typer.Option("", "--to", help="Called / recipient number (voice: or a sip: URI)."),
    set_: list[str] = typer.Option(
        [], "--set", help="FIELD=VALUE override in every generated callback (repeatable)."
    ),
    count: int = typer.Option(
        defaults.COUNT, "--count", min=1, help="How many calls / messages to generate."
    ),
    out: Path = typer.Option(defaults.GENERATED_DIR, "--out", help="Directory to write to."),
    direction: Direction = typer.Option(
        defaults.DIRECTION, "--direction", help="Voice: the call's direction."
    ),
    message_type: MessageType = typer.Option(
        defaults.MESSAGE_TYPE, "--type", help="Messages: the message type."
    ),
    digits: str = typer.Option(
        "", "--digits", help="Voice: digits pressed (adds a GetDigits callback to `call`)."
    ),
    speech: str = typer.Option(
        "", "--speech", help="Voice: what the caller said (a GetInput speech result)."
    ),
    record: bool = typer.Option(False, "--record", help="`call`: add a recording callback."),
    talk: int = typer.Option(
        defaults.TALK_SECONDS, "--talk", help="Voice: seconds the call lasts once answered."
    ),
    cause: int = typer.Option(
        defaults.HANGUP_CAUSE,
        "--cause",
        help="Voice: HangupCauseCode (Plivo's table); it decides whether the call was answered.",
    ),
    amd: Machine | None = typer.Option(
        None, "--amd", help="Voice: machine detection on the (outbound) call: who answered."
    ),
    sip_header: list[str] = typer.Option(
        [], "--sip-header", help="NAME=VALUE sent on every callback of the call as X-PH-NAME."
    ),
    status: MessageOutcome = typer.Option(
        defaults.MESSAGE_OUTCOME, "--status", help="Messages: the final delivery status."
    ),
    tz: str = typer.Option(
        defaults.TIME_ZONE, "--tz", help="The account's time zone for StartTime/AnswerTime/EndTime."
    ),
    seed: int | None = typer.Option(None, "--seed", help="Seed for reproducible UUIDs."),
    at: str | None = typer.Option(
        None, "--at", help="ISO time the first callback arrives (default: now)."
    ),
    seconds: float = positive_option(
        defaults.STREAM_SECONDS,
        "--seconds",
        max=defaults.STREAM_SECONDS_MAX,
        help="`stream`: seconds of caller audio.",
    ),
    content_type: str = typer.Option(
        defaults.STREAM_CONTENT_TYPE,
        "--content-type",
        help="`stream`: audio/x-mulaw;rate=8000, audio/x-l16;rate=8000 or audio/x-l16;rate=16000.",
    ),
) -> None:
    """Generate realistic callbacks (a whole `call` or `conversation` too) as fixture files."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from plivocb.fields import HANGUP_CAUSES
    from plivocb.scenarios import NewOptions, Spec, write_fixtures

    require_output_dir(out, "--out")  # a directory (created if missing), never a file
    opts = NewOptions(
        Spec(
            kind.value, direction.value, message_type.value, frm, to, digits, record, talk,
            cause, speech, amd.value if amd else "", parse_assignments(sip_header, "--sip-header"),
            status.value,
        ),
        out=out,
        count=count,
        seed=seed,
        start=_parse_at(at) if at else None,
    )  # fmt: skip
    if kind == STREAM:
        opts.stream_seconds = seconds
        opts.stream_format = _stream_format(content_type, digits or defaults.STREAM_DIGITS)
    else:
        if cause not in HANGUP_CAUSES:
            raise UsageError(
                f"--cause {cause} is not in Plivo's hangup cause table",
                "e.g. 4000 (Normal Hangup), 3010 (Busy Line), 3000 (No Answer)",
            )
        try:
            opts.zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(
                f"--tz: {tz!r} is not a time zone", "use an IANA name, e.g. America/New_York"
            ) from None
        opts.overrides = parse_assignments(set_, "--set")
    for path in write_fixtures(opts):
        print(path)


def _stream_format(content_type: str, digits: str) -> AudioFormat:
    from plivocb.streams.protocol import STREAM_CONTENT_TYPES, parse_content_type

    fmt = parse_content_type(content_type)
    if fmt is None:
        raise UsageError(
            f"--content-type {content_type!r} is not one Plivo streams",
            f"choose one of: {', '.join(STREAM_CONTENT_TYPES)}",
        )
    if any(d not in "0123456789*#" for d in digits):
        raise UsageError(f"--digits {digits!r}: use 0-9, * and #")
    return fmt


def _or_default(paths: list[str] | None) -> list[str]:
    return paths or [str(defaults.FIXTURES_DIR)]


def _parse_at(text: str) -> datetime:
    from datetime import UTC

    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--at: {text!r} is not an ISO time", "e.g. 2026-11-26T12:00:00Z"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@app.command("ls")
def ls(
    path: list[str] = typer.Argument(
        None, help=f"Files, directories or globs (default: {defaults.FIXTURES_DIR})."
    ),
    kind: list[Kind] = typer.Option([], "--kind", help="Only this kind (repeatable)."),
    call: str | None = typer.Option(
        None, "--call", help="Only callbacks of this Call/Message UUID (or its first characters)."
    ),
    json_lines: bool = typer.Option(False, "--json", help="One JSON object per fixture."),
) -> None:
    """List fixtures by arrival: time, kind, From → To, short id, verdict, file.

    Broken files are listed as broken and make the exit status 1, after the rest is listed."""
    import json

    from rich.table import Table
    from rich.text import Text

    from plivocb.callbacks import first, group_uuid
    from plivocb.errors import FixtureError
    from plivocb.fixture.store import iter_paths, load
    from plivocb.inert import json_safe, visible

    kinds = {k.value for k in kind}
    listed: list[tuple[datetime, dict[str, Any]]] = []
    broken: list[dict[str, Any]] = []
    for p in iter_paths(_or_default(path)):
        try:
            fx = load(p)
        except FixtureError as exc:
            broken.append({"file": str(p), "broken": exc.problem})
            continue
        ident = group_uuid(fx.params)
        if (kinds and fx.kind not in kinds) or (call and not ident.startswith(call)):
            continue
        listed.append(
            (
                fx.received_at,
                {
                    "time": fx.received_at.isoformat(),
                    "kind": fx.kind,
                    "from": first(fx.params, "From"),
                    "to": first(fx.params, "To"),
                    "id": ident,
                    "verdict": fx.signature.verdict,
                    "redacted": fx.redacted,
                    "file": str(p),
                },
            )
        )
    listed.sort(key=lambda item: item[0])  # by arrival across every path given
    entries = [row for _, row in listed]
    if json_lines:
        for row in [*entries, *broken]:
            print(json_safe(json.dumps(row, ensure_ascii=False)))
    else:
        cells: list[tuple[str, ...]] = [
            (
                row["time"][:19].replace("T", " "),
                row["kind"],
                f"{row['from']} → {row['to']}",
                row["id"][:8],
                row["verdict"] + (" (redacted)" if row["redacted"] else ""),
                row["file"],
            )
            for row in entries
        ] + [("", "BROKEN", "", "", row["broken"], row["file"]) for row in broken]
        cells = [tuple(visible(c) for c in line) for line in cells]  # never markup or control
        console = out_console()
        if console.is_terminal:
            table = Table(show_edge=False)
            for column in ("time", "kind", "from → to", "id", "signature", "file"):
                table.add_column(column, overflow="fold")
            for line in cells:
                table.add_row(*(Text(c) for c in line))
            console.print(table)
            noun = "fixture" if len(entries) == 1 else "fixtures"
            extra = f", {len(broken)} broken" if broken else ""
            console.print(Text(f"{len(entries)} {noun}{extra}"))
        else:  # piped: one tab-separated line per fixture, easy to grep and cut
            for line in cells:
                print("\t".join(line))
    if broken:
        noun = "file is" if len(broken) == 1 else "files are"
        print(
            f"{len(broken)} {noun} broken (listed as BROKEN); "
            "`plivocb fixtures validate` says more",
            file=sys.stderr,
        )
        raise typer.Exit(int(ExitCode.CHECKS_FAILED))


@app.command("show")
def show(file: Path = typer.Argument(..., help="The fixture file.")) -> None:
    """Show one fixture: request, params, signature verdict and response, with highlighting."""
    from rich.panel import Panel
    from rich.syntax import Syntax
    from rich.table import Table
    from rich.text import Text

    from plivocb.fixture.store import load
    from plivocb.inert import markup, visible

    # Everything below comes from the file: escaped (markup) or wrapped in Text, never raw.
    fx = load(file)
    console = out_console()
    req = fx.request
    console.print(
        f"[bold]{markup(str(file))}[/]  {markup(fx.kind)}  received {fx.received_at.isoformat()}"
        + ("  [yellow](redacted)[/]" if fx.redacted else "")
    )
    console.print(
        f"{markup(req.method)} {markup(req.public_url)}  [dim](local path {markup(req.path)})[/]",
        highlight=False,
    )
    sig = fx.signature
    colour = {"valid": "green", "valid-v2": "yellow", "invalid": "red"}.get(sig.verdict, "yellow")
    console.print(
        f"signature: [{colour}]{markup(sig.verdict)}[/] {markup(sig.family)} "
        f"{markup(sig.detail)}".rstrip(),
        highlight=False,
    )
    headers = Table(show_header=False, box=None, title="headers", title_justify="left")
    for k, v in req.headers:
        headers.add_row(Text(visible(k)), Text(visible(v)))
    console.print(headers)
    params = Table(show_header=True, title="params", title_justify="left")
    params.add_column("name")
    params.add_column("value", overflow="fold")
    for k, values in fx.params.items():
        for v in values:
            params.add_row(Text(visible(k)), Text(visible(v)))
    console.print(params)
    body = visible(req.body.decode("utf-8", errors="replace"), multiline=True)
    if body:
        lexer = "json" if body.lstrip().startswith("{") else "text"
        console.print(Panel(Syntax(body, lexer, word_wrap=True), title="body"))
    if fx.response is not None:
        r = fx.response
        title = f"response {r.status} {r.content_type} {r.elapsed_ms:.1f} ms"
        if r.forwarded_to:
            title += f" from {r.forwarded_to}"
        rbody = visible(r.body, multiline=True)
        lexer = "xml" if rbody.lstrip().startswith("<") else "text"
        console.print(
            Panel(Syntax(rbody or "(empty)", lexer, word_wrap=True), title=Text(visible(title)))
        )
        if r.error:
            console.print(f"[red]error:[/] {markup(r.error)}", highlight=False)
    if fx.kind == "stream":
        _show_stream(file, console)


def _show_stream(file: Path, console: Any) -> None:
    """A <Stream> session at a glance: its frames, the app's events, tracks and close."""
    from rich.text import Text

    from plivocb.inert import visible
    from plivocb.streams.record import SessionReader, track_path

    summary = SessionReader(file).summary()
    lines = [
        f"stream {summary.stream_id or '(no start event)'}: {summary.frames} frames "
        f"over {summary.end_t / 1000:.2f} s",
        f"app events: {' '.join(summary.app_events) or '(none)'}",
    ]
    for name, info in summary.tracks.items():
        wav = track_path(file, name)
        size = wav.stat().st_size - 44 if wav.is_file() else 0
        seconds = size / 2 / int(info.get("rate") or 8000)
        lines.append(
            f"track {name}: {info.get('encoding')} {info.get('rate')} Hz, "
            f"{seconds:.2f} s in {wav.name}"
        )
    close = summary.close
    lines.append(
        f"closed by {close.get('by')} code {close.get('code')}"
        if close
        else "not closed (cut short)"
    )
    console.print(Text(visible("\n".join(lines), multiline=True)))


@app.command("validate")
def validate(
    path: list[str] = typer.Argument(
        None, help=f"Files, directories or globs (default: {defaults.FIXTURES_DIR})."
    ),
    strict: bool = typer.Option(False, "--strict", help="Warnings fail too."),
) -> None:
    """Check fixtures: format and Plivo fields. Errors exit 1; warnings print and pass."""
    from plivocb.callbacks import ERROR
    from plivocb.fixture.store import iter_paths
    from plivocb.fixture_validation import validate_files
    from plivocb.inert import visible

    files = bad = warned = 0
    for p, problems in validate_files(iter_paths(_or_default(path))):
        files += 1
        errors = [x for x in problems if x.severity == ERROR]
        if errors or (strict and problems):
            bad += 1
        elif problems:
            warned += 1
        if problems:
            print(f"{visible(str(p))}:")
            for problem in problems:
                print(f"  - {visible(str(problem))}")
    if files == 0:
        raise UsageError(f"no fixtures found in {' '.join(_or_default(path))}")
    print(
        f"{files} fixtures checked, {bad} with problems"
        + (f", {warned} with warnings only" if warned else "")
    )
    raise typer.Exit(int(ExitCode.CHECKS_FAILED if bad else ExitCode.OK))


@app.command("redact")
def redact(
    path: list[str] = typer.Argument(
        None, help=f"Files, directories or globs (default: {defaults.FIXTURES_DIR})."
    ),
    force: bool = typer.Option(
        False, "--force", help="Redact files already marked as redacted again."
    ),
) -> None:
    """Mask phone numbers in place, atomically, the same number with the same mask across files."""
    from plivocb.fixture.store import iter_paths
    from plivocb.redact import redact_files

    files = list(iter_paths(_or_default(path)))
    if not files:
        raise UsageError(f"no fixtures found in {' '.join(_or_default(path))}")
    done, skipped = redact_files(files, force=force)
    print(
        f"redacted {done} fixtures"
        + (f", skipped {skipped} already redacted (--force to redo)" if skipped else "")
    )
