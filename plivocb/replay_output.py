"""How `replay` reports: a progress bar and summary table on a TTY, plain lines, or JSON lines."""

from __future__ import annotations

import json
import sys
from typing import IO, TYPE_CHECKING, Any, Protocol

from plivocb.errors import Namer, own_name
from plivocb.inert import json_safe, visible
from plivocb.results import Result, Summary

if TYPE_CHECKING:
    from rich.console import Console

TABLE_ROWS = 200  # rows kept for the final table; failures are kept first


class ReplayOutput(Protocol):
    def start(self, expected: int | None) -> None: ...
    def result(self, result: Result) -> None: ...
    def finish(self, summary: Summary) -> None: ...


class Outputs:
    """Several replay outputs as one (the terminal's and --junit's): each sees every call."""

    def __init__(self, outputs: list[ReplayOutput]) -> None:
        self.outputs = outputs

    def start(self, expected: int | None) -> None:
        for output in self.outputs:
            output.start(expected)

    def result(self, result: Result) -> None:
        for output in self.outputs:
            output.result(result)

    def finish(self, summary: Summary) -> None:
        for output in self.outputs:
            output.finish(summary)


def _verdict(result: Result) -> str:
    if not result.passed:
        return "FAIL"
    return "SKIP" if result.skipped else "PASS"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _line(result: Result) -> str:
    status = result.status if result.status is not None else "---"
    reason = result.reasons[0].splitlines()[0] if result.reasons else result.skipped
    if result.baseline_updated:
        reason = (reason + "; " if reason else "") + "baseline updated"
    return visible(
        f"{_verdict(result)}  {result.kind:<14} {result.method:<4} {status}  "
        f"{result.elapsed_ms:7.1f} ms  {result.fixture}" + (f"  — {reason}" if reason else "")
    )


def _summary_line(summary: Summary, name: Namer) -> str:
    early = f" (stopped early: {name('fail_fast')})" if summary.stopped_early else ""
    if summary.interrupted:
        early = " (interrupted: the rest was not replayed)"
    skipped = f" ({summary.skipped} without a baseline to compare)" if summary.skipped else ""
    updated = f", {plural(summary.updated, 'baseline')} updated" if summary.updated else ""
    return (
        f"replayed {plural(summary.total, 'callback')}: {summary.passed} passed{skipped}, "
        f"{summary.failed} failed{updated} in {summary.elapsed_s:.2f} s{early}"
    )


class LineOutput:
    def __init__(self, stream: IO[str] | None = None, option_names: Namer = own_name) -> None:
        """`option_names`: what the summary calls the options it mentions (the CLI's flags)."""
        self.stream = stream or sys.stdout
        self.option_names = option_names

    def start(self, expected: int | None) -> None:
        return None

    def result(self, result: Result) -> None:
        print(_line(result), file=self.stream)
        for extra in result.reasons[0].splitlines()[1:] if result.reasons else []:
            print(f"      {visible(extra)}", file=self.stream)
        for reason in result.reasons[1:]:
            print(f"      — {visible(reason)}", file=self.stream)

    def finish(self, summary: Summary) -> None:
        print(_summary_line(summary, self.option_names), file=self.stream, flush=True)


class JsonOutput:
    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout

    def start(self, expected: int | None) -> None:
        return None

    def result(self, result: Result) -> None:
        print(json_safe(json.dumps(result.as_dict(), ensure_ascii=False)), file=self.stream)

    def finish(self, summary: Summary) -> None:
        print(json.dumps(summary.as_dict()), file=self.stream, flush=True)


class RichOutput:
    """A progress bar while running, then a table (failures first, bounded)."""

    def __init__(self, console: Console | None = None, option_names: Namer = own_name) -> None:
        from rich.console import Console

        self.console = console or Console()
        self.option_names = option_names
        self.failures: list[Result] = []
        self.passes: list[Result] = []
        self.progress: Any = None
        self.task: Any = None

    def start(self, expected: int | None) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self.progress = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self.progress.start()
        self.task = self.progress.add_task("replaying", total=expected)

    def result(self, result: Result) -> None:
        kept = self.failures if not result.passed else self.passes
        if len(self.failures) + len(self.passes) < TABLE_ROWS or not result.passed:
            kept.append(result)
        self.progress.advance(self.task)

    def finish(self, summary: Summary) -> None:
        from rich.table import Table
        from rich.text import Text

        self.progress.stop()
        table = Table(show_edge=False)
        for column in ("fixture", "kind", "status", "ms", "verdict", "reason"):
            table.add_column(column, overflow="fold")
        rows = (self.failures + self.passes)[:TABLE_ROWS]
        for r in rows:
            table.add_row(
                Text(visible(r.fixture)),
                Text(visible(r.kind)),
                str(r.status if r.status is not None else "---"),
                f"{r.elapsed_ms:.1f}",
                Text(_verdict(r), style="green" if r.passed else "bold red"),
                Text(visible("\n".join(r.reasons) or r.skipped, multiline=True)),
            )
        self.console.print(table)
        hidden = summary.total - len(rows)
        if hidden > 0:
            self.console.print(f"… and {hidden} more (passed) not shown")
        style = "green" if summary.failed == 0 else "bold red"
        self.console.print(Text(_summary_line(summary, self.option_names), style=style))
