"""How `plivocb simulate` reports: a rich timeline on a TTY, plain lines, JSON lines, JUnit.

Everything shown comes from the app under test (spoken text, URLs, replies), so it is printed
as `rich.text.Text` (never markup) and control characters are made visible.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

from plivocb import inert
from plivocb.simulate.model import Event, Transcript

if TYPE_CHECKING:
    from rich.console import Console


def visible(text: str, limit: int = 400) -> str:
    """One line, control characters made visible (plivocb.inert), bounded length."""
    shown = inert.visible(text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


class TimelineOutput(Protocol):
    def event(self, event: Event) -> None: ...
    def finish(self, transcript: Transcript) -> None: ...


def _label(event: Event) -> str:
    return {"request": "→", "heard": "♪", "input": "⌨", "hangup": "■"}.get(event.type, "·")


def _detail(event: Event) -> str:
    x = event.exchange
    if x is None:
        return visible(event.text)
    status = str(x.status) if x.status is not None else "---"
    flag = "" if x.ok else f"  ✗ {visible(x.problems[0])}"
    return (
        f"{x.kind:<14} {x.method:<4} {visible(x.url, 120)}  {status}  {x.elapsed_ms:.0f} ms{flag}"
    )


def _result_line(transcript: Transcript) -> str:
    errors = transcript.app_errors
    verdict = "ok" if not errors else f"{len(errors)} app error(s)"
    ended = str(transcript.hangup) if transcript.hangup else "no hangup"
    return (
        f"{len(transcript.requests)} requests, {transcript.duration_s:.1f} s of call time, "
        f"{visible(ended)}: {verdict}"
    )


class PlainOutput:
    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout

    def event(self, event: Event) -> None:
        print(f"{event.at:8.1f}s {event.type:<8} {_detail(event)}", file=self.stream, flush=True)

    def finish(self, transcript: Transcript) -> None:
        for error in transcript.app_errors:
            print(f"app error: {visible(error)}", file=self.stream)
        print(_result_line(transcript), file=self.stream, flush=True)


class JsonOutput:
    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout

    def event(self, event: Event) -> None:
        print(
            inert.json_safe(json.dumps(event.as_dict(), ensure_ascii=False)),
            file=self.stream,
            flush=True,
        )

    def finish(self, transcript: Transcript) -> None:
        line = inert.json_safe(json.dumps(transcript.summary(), ensure_ascii=False))
        print(line, file=self.stream, flush=True)


class RichOutput:
    STYLES = {  # noqa: RUF012 - read-only table
        "request": "cyan",
        "heard": "green",
        "input": "bold yellow",
        "dial": "magenta",
        "message": "magenta",
        "stream": "blue",
        "hangup": "bold",
        "note": "dim",
    }

    def __init__(self, console: Console | None = None) -> None:
        """`console`: the CLI passes its environment's (streams, width, terminal or not)."""
        from rich.console import Console

        self.console = console or Console()

    def event(self, event: Event) -> None:
        from rich.text import Text

        line = Text(f"{event.at:8.1f}s ", style="dim")
        style = self.STYLES.get(event.type, "")
        if event.exchange is not None and not event.exchange.ok:
            style = "bold red"
        line.append(f"{_label(event)} ", style=style)
        line.append(_detail(event), style=style)
        self.console.print(line, soft_wrap=True, highlight=False)

    def finish(self, transcript: Transcript) -> None:
        from rich.text import Text

        for error in transcript.app_errors:
            self.console.print(
                Text(f"app error: {visible(error)}", style="bold red"), highlight=False
            )
        style = "bold green" if transcript.ok else "bold red"
        self.console.print(Text(_result_line(transcript), style=style), highlight=False)


def write_junit(path: Path, transcript: Transcript, suite: str) -> None:
    """One test case per request; a request with an app error is a failure."""
    from plivocb.replay import Result, Summary
    from plivocb.report import JUnitWriter

    writer = JUnitWriter(path, suite)
    summary = Summary(elapsed_s=sum(x.elapsed_ms for x in transcript.requests) / 1000)
    for x in transcript.requests:
        result = Result(
            fixture=f"{x.index:03d} {x.step}",
            kind=x.kind,
            method=x.method,
            url=x.url,
            group=transcript.ident,
            status=x.status,
            elapsed_ms=x.elapsed_ms,
            reasons=list(x.problems),
        )
        summary.total += 1
        summary.passed += result.passed
        summary.failed += not result.passed
        writer.add(result)
    for n, error in enumerate(transcript.errors, start=1):  # e.g. an action URL that is not http
        summary.total += 1
        summary.failed += 1
        writer.add(Result(f"xml-error {n}", "xml", "", "", transcript.ident, reasons=[error]))
    writer.close(summary)
