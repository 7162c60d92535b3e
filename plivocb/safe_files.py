"""Reading files a user named or a directory holds, without hanging or wandering (stdlib only).

A `*.toml` may be a FIFO or a device (opening it would block, reading it never ends), a symlink
may loop or lead outside the directory given, a file may be huge and a name may not be UTF-8.
`read_regular` opens only regular files, never blocking, and reads a bounded amount; `walk`
yields regular files under a directory, following symlinks only when they stay inside it, once.
What is skipped is reported through `on_skip`, one line each.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from plivocb.inert import visible

MAX_FILE_BYTES = 16 << 20  # a fixture holds at most a 1 MiB body (base64) and its response
Skip = Callable[[Path, str], None]


class UnreadableFile(OSError):
    """Not a regular file, too large, or not readable; `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def skip_to_stderr(path: Path, why: str) -> None:
    print(visible(f"skipped {path}: {why}"), file=sys.stderr, flush=True)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


def not_regular(path: Path) -> str:
    """Why `path` cannot be read as a file ("" when it is a regular file)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    return "" if stat.S_ISREG(mode) else f"is {_kind(mode)}, not a regular file"


def read_regular(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; UnreadableFile otherwise."""
    problem = not_regular(path)
    if problem:
        raise UnreadableFile(problem)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise UnreadableFile(f"cannot be read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)  # the name may have been swapped for a FIFO since the stat above
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(f"is {_kind(info.st_mode)}, not a regular file")
        if info.st_size > limit:
            raise UnreadableFile(f"is {info.st_size} bytes, over the {limit}-byte limit")
        want = min(info.st_size, limit) + 1
        first = os.read(fd, want)
        if len(first) < want:  # a short read of a regular file: that was all of it (one call)
            return first
        chunks: list[bytes] = [first]
        size = len(first)
        if size > limit:
            raise UnreadableFile(f"is over the {limit}-byte limit")
        while chunk := os.read(fd, 1 << 20):
            size += len(chunk)
            if size > limit:
                raise UnreadableFile(f"is over the {limit}-byte limit")
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        if isinstance(exc, UnreadableFile):
            raise
        raise UnreadableFile(f"cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def walk(
    root: Path, wanted: Callable[[str], bool], on_skip: Skip = skip_to_stderr
) -> Iterator[Path]:
    """Regular files under `root` whose name is `wanted`, sorted, dot entries left out.

    Symlinks are followed only when they resolve inside `root`; a loop, a dangling link or one
    leading outside is skipped with a message, and no directory is walked twice.
    """
    top = root.resolve()
    seen: set[Path] = set()

    def visit(directory: Path) -> Iterator[Path]:
        real = directory.resolve()
        if real in seen:
            on_skip(directory, "symlink loop: not followed")
            return
        seen.add(real)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            on_skip(directory, f"cannot be listed: {exc.strerror or exc}")
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            if entry.is_symlink():
                try:
                    target = path.resolve(strict=True)
                except (OSError, RuntimeError):
                    if wanted(entry.name) or entry.is_dir():
                        on_skip(path, "dangling symlink or symlink loop: not followed")
                    continue
                if not target.is_relative_to(top):
                    on_skip(path, f"symlink leads outside {root}: not followed")
                    continue
            if entry.is_dir():
                yield from visit(path)
            elif wanted(entry.name):
                if not entry.is_symlink() and entry.is_file(follow_symlinks=False):
                    yield path  # the directory entry says regular file: no stat needed
                    continue
                problem = not_regular(path)
                if problem:
                    on_skip(path, problem)
                    continue
                yield path

    yield from visit(root)
