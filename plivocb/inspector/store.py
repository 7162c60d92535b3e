"""The inspector's index of recorded callbacks: rows in memory, details read from disk on demand.

Pure apart from file reads (no aiohttp): each fixture becomes an `Entry` (the table row plus a
lower-cased haystack for free-text search); subscribers get every new entry as it is added.
Memory is bounded: past `capacity` entries the oldest leave the index (their files stay).
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from itertools import islice
from pathlib import Path
from typing import Any

from plivocb.callbacks import first, group_uuid
from plivocb.errors import FixtureError
from plivocb.fixture.model import Fixture
from plivocb.fixture.store import iter_paths, load

DEFAULT_CAPACITY = 100_000
SUMMARY_FIELDS = ("CallStatus", "Status", "Digits", "DialStatus", "HangupCauseName", "Event")
MAX_SUMMARY = 80


def summary_of(fx: Fixture) -> str:
    """One short line that says what happened: message text, status, digits, hangup cause."""
    params = fx.params
    if fx.kind == "message":
        text = first(params, "Text") or first(params, "Body")
        return text[:MAX_SUMMARY]
    for name in SUMMARY_FIELDS:
        value = first(params, name)
        if value:
            return f"{name}={value}"[:MAX_SUMMARY]
    return ""


@dataclass(slots=True)  # no __dict__: up to `capacity` of these stay in memory
class Entry:
    id: int
    path: Path
    time: str
    kind: str
    method: str
    url_path: str
    from_: str
    to: str
    summary: str
    call: str
    verdict: str
    status: int | None
    elapsed_ms: float | None
    haystack: str
    complete: bool = True  # False: built from a live event; params not in the haystack yet

    def row(self) -> dict[str, object]:
        """What the table shows (and the API lists)."""
        return {
            "id": self.id,
            "time": self.time,
            "kind": self.kind,
            "method": self.method,
            "path": self.url_path,
            "from": self.from_,
            "to": self.to,
            "summary": self.summary,
            "call": self.call,
            "verdict": self.verdict,
            "status": self.status,
            "ms": None if self.elapsed_ms is None else round(self.elapsed_ms, 1),
            "file": self.path.name,
        }


def complete_haystacks(entries: list[Entry]) -> None:
    """Read each entry's fixture and make its params searchable (run off the event loop)."""
    for entry in entries:
        with contextlib.suppress(FixtureError):  # gone or unreadable: searchable by its row
            entry.haystack = _haystack(load(entry.path), entry.path)
        entry.complete = True


def _haystack(fx: Fixture, path: Path) -> str:
    parts = [fx.kind, fx.request.method, fx.request.path, fx.signature.verdict, path.name]
    for key, values in fx.params.items():
        parts.append(key)
        parts.extend(values)
    return "\n".join(parts).lower()


@dataclass(frozen=True)
class Query:
    """A filter: every given criterion must match (kind, verdict, call exactly; q as text)."""

    kind: str = ""
    verdict: str = ""
    call: str = ""
    q: str = ""

    @cached_property
    def words(self) -> tuple[str, ...]:
        return tuple(self.q.lower().split())

    @property
    def empty(self) -> bool:
        return not (self.kind or self.verdict or self.call or self.words)


class Store:
    """Entries by id, oldest first; `add` notifies subscribers."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.entries: deque[Entry] = deque(maxlen=capacity)
        self.by_id: dict[int, Entry] = {}
        self.next_id = 1
        self.subscribers: list[Callable[[Entry], None]] = []
        self.partial: deque[Entry] = deque()  # in arrival order, a subset of `entries`

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, path: Path, fx: Fixture) -> Entry:
        params = fx.params
        response = fx.response
        return self._append(
            Entry(
                id=self.next_id,
                path=path,
                time=fx.received_at.isoformat(),
                kind=fx.kind,
                method=fx.request.method,
                url_path=fx.request.path,
                from_=first(params, "From"),
                to=first(params, "To"),
                summary=summary_of(fx),
                call=group_uuid(params),
                verdict=fx.signature.verdict,
                status=response.status if response is not None else None,
                elapsed_ms=response.elapsed_ms if response is not None else None,
                haystack=_haystack(fx, path),
            )
        )

    def add_live(self, path: Path, **row: Any) -> Entry:
        """An entry from what the catcher published, without reading the file (the hot path);
        its params join the haystack when a free-text search first needs them (`take_partial`)."""
        words = [row["kind"], row["method"], row["url_path"], row["verdict"], path.name]
        words += [row["from_"], row["to"], row["summary"], row["call"]]
        entry = Entry(id=self.next_id, path=path, haystack="\n".join(words).lower(), **row)
        entry.complete = False
        self.partial.append(entry)
        return self._append(entry)

    def take_partial(self) -> list[Entry]:
        """Entries whose params are not searchable yet; give them to `complete_haystacks`."""
        todo, self.partial = list(self.partial), deque()
        return todo

    def _append(self, entry: Entry) -> Entry:
        self.next_id += 1
        if len(self.entries) == self.entries.maxlen:
            oldest = self.entries[0]
            self.by_id.pop(oldest.id, None)
            if self.partial and self.partial[0] is oldest:  # it leaves `partial` too: no leak
                self.partial.popleft()
        self.entries.append(entry)
        self.by_id[entry.id] = entry
        for notify in list(self.subscribers):
            notify(entry)
        return entry

    def load_paths(self, specs: Iterable[str]) -> tuple[int, list[str]]:
        """Index every fixture named by files, directories or globs, in arrival order.

        Returns how many were indexed and one line per fixture that could not be read: a broken
        file is skipped (and reported), it does not hide the thousands of good ones.
        """
        loaded: list[tuple[Path, Fixture]] = []
        problems: list[str] = []
        for path in iter_paths(specs):
            try:
                loaded.append((path, load(path)))
            except FixtureError as exc:
                problems.append(exc.message)
        loaded.sort(key=lambda item: item[1].received_at)
        for path, fx in loaded:
            self.add(path, fx)
        return len(loaded), problems

    def get(self, entry_id: int) -> Entry | None:
        return self.by_id.get(entry_id)

    def search(
        self, query: Query, limit: int = 200, before: int | None = None
    ) -> tuple[list[Entry], int]:
        """Newest first: up to `limit` matches older than id `before`, and the total matching."""
        newest_first: Iterable[Entry] = reversed(self.entries)
        if query.empty:
            total = len(self.entries)
        else:
            matching = list(newest_first)
            # one tight pass per criterion: ~5x faster than a method call per entry at 10,000
            if query.kind:
                matching = [e for e in matching if e.kind == query.kind]
            if query.verdict:
                matching = [e for e in matching if e.verdict == query.verdict]
            if query.call:
                matching = [e for e in matching if e.call == query.call]
            for word in query.words:
                matching = [e for e in matching if word in e.haystack]
            total, newest_first = len(matching), matching
        if before is not None:
            newest_first = (e for e in newest_first if e.id < before)
        return list(islice(newest_first, limit)), total

    def call(self, call: str) -> list[Entry]:
        """One call's (or message's) callbacks, oldest first: its timeline."""
        return [e for e in self.entries if call and e.call == call]
