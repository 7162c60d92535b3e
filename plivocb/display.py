"""How `listen` shows callbacks: a rich Live table on a TTY, plain lines, JSON lines, or nothing.

Handlers publish `CallbackEvent`s; displays only render. Publishing is O(1) and never blocks:
the live table keeps a bounded deque that rich redraws from its own thread, and line output goes
through a bounded queue drained by a writer thread (lines are counted and dropped, never waited
for, if the reader of stdout stalls).
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter, deque
from typing import IO, Any

# the event types live in plivocb.events (engine and renderers both import them); re-exported
from plivocb.events import (
    IGNORED_KIND,
    MARKS,
    Banner,
    CallbackEvent,
    Display,
    NullDisplay,
    StreamEvent,
)
from plivocb.inert import visible

__all__ = [
    "IGNORED_KIND",
    "MARKS",
    "Banner",
    "CallbackEvent",
    "Display",
    "LineDisplay",
    "LiveDisplay",
    "NullDisplay",
    "StreamEvent",
    "TeeDisplay",
]


class LineDisplay:
    """Plain lines (or JSON lines) through a writer thread; the banner goes to `banner_stream`.

    Events wait in a deque and the thread writes them in batches, at most `BATCH_DELAY` late:
    one wake-up, one write and one flush per batch instead of per callback. (Profiling `listen`
    under load: a thread hand-off per line cost 8 futex calls and a GIL switch per callback.)
    """

    BATCH_DELAY = 0.05  # seconds

    def __init__(
        self, json_lines: bool = False, stream: IO[str] | None = None, capacity: int = 10_000
    ) -> None:
        self.json_lines = json_lines
        self.stream = stream or sys.stdout
        self.banner_stream = sys.stderr if json_lines else self.stream
        self.capacity = capacity
        self.pending: deque[CallbackEvent] = deque()
        self.dropped = 0
        self.wake = threading.Event()
        self.armed = False  # a wake-up is on its way: publishers need not set the event
        self.stopping = False
        self.thread = threading.Thread(target=self._drain, name="plivocb-display", daemon=True)

    def _drain(self) -> None:
        while True:
            self.wake.wait()
            self.wake.clear()
            if not self.stopping:
                time.sleep(self.BATCH_DELAY)  # let a burst gather into one write
            self.armed = False  # from here on a publish wakes us again
            batch = [self.pending.popleft() for _ in range(len(self.pending))]
            if batch:
                json_lines = self.json_lines  # rendered here, off the loop thread
                text = "".join(
                    (event.to_json() if json_lines else event.plain()) + "\n" for event in batch
                )
                try:
                    self.stream.write(text)
                    self.stream.flush()
                except (OSError, ValueError):
                    pass
            if self.stopping and not self.pending:
                return

    def start(self, banner: Banner) -> None:
        print(visible("\n".join(banner.lines()), True), file=self.banner_stream, flush=True)
        self.thread.start()

    def publish(self, event: CallbackEvent) -> None:
        if isinstance(event, StreamEvent) and event.phase == "update":
            return  # lines show a session's open and close; the live view shows its progress
        if event.kind == IGNORED_KIND:
            return  # counted in the summary
        if len(self.pending) >= self.capacity:
            self.dropped += 1
            return
        self.pending.append(event)
        if not self.armed:
            self.armed = True
            self.wake.set()

    def stop(self, summary: list[str]) -> None:
        self.stopping = True
        self.wake.set()
        if self.thread.is_alive():
            self.thread.join(timeout=5)
        if self.dropped:
            summary = [*summary, f"  ({self.dropped} display lines dropped: output was too slow)"]
        print("\n".join(summary), file=self.banner_stream, flush=True)


# Live table columns, most important first. `time`, `kind`, `sig` and `status` always show;
# the others take what width is left in this order and are cut (then dropped) from the end,
# so the file name goes first and kind, verdict and status stay on screen at 80 columns.
ESSENTIAL = ("time", "kind", "sig", "status")
OPTIONAL = ("from → to", "ms", "summary", "file")
ORDER = ("time", "kind", "from → to", "sig", "status", "ms", "summary", "file")
MIN_WIDTH = {"from → to": 9, "ms": 2, "summary": 6, "file": 10}
GAP = 2  # spaces between columns


def live_cells(e: CallbackEvent) -> dict[str, str]:
    """One table row as inert text, keyed by column."""
    status = f"{e.status}" if e.status else ""
    if e.forward:
        status += f" fwd {e.forward}"
    verdict = f"{MARKS.get(e.verdict, '–')} {e.verdict}" if e.verdict else ""
    cells = {
        "time": e.time[11:19] if len(e.time) > 19 else e.time,
        "kind": e.kind,
        "from → to": f"{e.from_} → {e.to}" if (e.from_ or e.to) else "",
        "sig": verdict,
        "status": status,
        "ms": f"{e.elapsed_ms:.0f}",
        "summary": e.note or e.summary,  # a warning outranks the summary
        "file": e.file,
    }
    return {k: visible(v) for k, v in cells.items()}


def live_layout(rows: list[dict[str, str]], width: int) -> dict[str, int]:
    """Column widths that fit `width`: essentials in full, then the rest in priority order."""
    from rich.cells import cell_len

    natural = {c: max([cell_len(c)] + [cell_len(r[c]) for r in rows]) for c in ORDER}
    chosen = {c: natural[c] for c in ESSENTIAL}
    used = sum(chosen.values()) + GAP * (len(chosen) - 1)
    for column in OPTIONAL:
        room = width - used - GAP
        if room >= MIN_WIDTH[column]:
            chosen[column] = min(natural[column], room)
            used += GAP + chosen[column]
    return {c: chosen[c] for c in ORDER if c in chosen}


class LiveDisplay:
    """A rich Live view: URLs and counters on top, a bounded table of recent callbacks."""

    def __init__(self, rows: int = 15, console: Any = None) -> None:
        self.console = console  # the CLI environment's (None: rich's global console)
        self.events: deque[CallbackEvent] = deque(maxlen=rows)
        self.streams: dict[str, StreamEvent] = {}  # one row per session, latest state
        self.stream_rows = 5
        self.counts: Counter[str] = Counter()
        self.ignored = 0
        self.banner: Banner | None = None
        self.live: Any = None

    def render(self, width: int) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        header = Text(visible("\n".join(self.banner.lines() if self.banner else []), True))
        counts = dict(self.counts)
        total = sum(counts.values())
        header.append(
            f"\n  received     {total}  " + "  ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        )
        if self.ignored:
            header.append(f"\n  ignored      {self.ignored} (not Plivo: GET /, favicon…)")
        header.append("\n")
        rows = [live_cells(e) for e in list(self.events)]
        widths = live_layout(rows, width)
        table = Table(box=None, padding=(0, 1), pad_edge=False, expand=False, show_edge=False)
        for column, size in widths.items():
            table.add_column(column, width=size, overflow="ellipsis", no_wrap=True)
        styles = {"valid": "green", "valid-v2": "yellow", "invalid": "red"}
        for event, row in zip(self.events, rows, strict=False):
            # Every cell is a Text of visible(): callback data is never parsed as markup.
            table.add_row(
                *(
                    Text(row[c], style=styles.get(event.verdict, "") if c == "sig" else "")
                    for c in widths
                )
            )
        if not self.streams:
            return Group(header, table)
        streams = Table(expand=True, show_edge=False, pad_edge=False, title="streams")
        for column in ("stream", "path", "in s", "out s", "app events", "sig", "closed"):
            streams.add_column(column, overflow="ellipsis", no_wrap=True)
        for session in list(self.streams.values()):
            streams.add_row(
                Text(visible(session.stream_id[:12] or "(no start)")),
                Text(visible(session.path)),
                f"{session.seconds_in:.1f}",
                f"{session.seconds_out:.1f}",
                Text(visible(session.app_events)),
                Text(visible(session.verdict)),
                Text(visible(session.close_reason or "open")),
            )
        return Group(header, table, streams)

    def __rich_console__(self, console: Any, options: Any) -> Any:
        yield self.render(options.max_width)

    def start(self, banner: Banner) -> None:
        from rich.live import Live

        self.banner = banner
        self.live = Live(self, console=self.console, refresh_per_second=4, transient=False)
        self.live.start()

    def publish(self, event: CallbackEvent) -> None:
        if isinstance(event, StreamEvent):
            self.streams.pop(event.session, None)
            self.streams[event.session] = event
            while len(self.streams) > self.stream_rows:
                self.streams.pop(next(iter(self.streams)))
            if event.phase != "open":
                return
        if event.kind == IGNORED_KIND:
            self.ignored += 1
            return
        self.events.append(event)
        self.counts[event.kind] += 1  # oversized bodies arrive as kind "rejected"

    def stop(self, summary: list[str]) -> None:
        if self.live is not None:
            self.live.stop()
        print("\n".join(summary), flush=True)


class TeeDisplay:
    """Several displays as one, e.g. the terminal view plus the web inspector's feed."""

    def __init__(self, *displays: Display) -> None:
        self.displays = displays

    def start(self, banner: Banner) -> None:
        for display in self.displays:
            display.start(banner)

    def publish(self, event: CallbackEvent) -> None:
        for display in self.displays:
            display.publish(event)

    def stop(self, summary: list[str]) -> None:
        for display in reversed(self.displays):
            display.stop(summary)
