"""Writing files so a reader never sees half of one (stdlib only): the one place that does it.

* `write_new` creates a file under a name nobody holds yet (fixtures, the catcher's hot path):
  on Linux the data goes into an unnamed file (O_TMPFILE) that one linkat() then names, or
  elsewhere into a temp file that a rename names; neither ever replaces a file, so two writers
  never overwrite each other.
* `replace_atomically` / `replacing` swap an existing file for new content (a fixture's
  `--update-baseline`, `fixtures redact`, the app-pointer state file, the JUnit report).

A failed write (disk full, interrupted) leaves the old file, or none, and never a temp file.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from plivocb.no_replace import rename_no_replace

TEMP_SUFFIX = ".tmp"  # temp files are dot files ending in this: directory walks skip them
_temp_sequence = itertools.count(1)  # temp names, kept apart so callers' numbering has no gaps
_pid = [os.getpid()]  # os.getpid() is a system call per fixture; a forked child refreshes it
os.register_at_fork(after_in_child=lambda: _pid.__setitem__(0, os.getpid()))


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
_TRUNCATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


def _write_all(fd: int, data: bytes) -> None:
    """`data` to `fd` whole: a write may take only part of it."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _write_complete(temp: Path | str, data: bytes, exclusive: bool = True) -> None:
    """Write `temp` completely or not at all: a failed write (disk full…) leaves no file behind.

    Three system calls (open, write, close): `Path.write_bytes` made six (fstat, ioctl, lseek).
    """
    fd = os.open(temp, _NEW_FILE if exclusive else _TRUNCATE, 0o666)
    try:
        _write_all(fd, data)
    except BaseException:
        os.close(fd)
        os.unlink(temp)
        raise
    try:
        os.close(fd)
    except OSError:  # e.g. NFS reports a failed write at close
        os.unlink(temp)
        raise


def write_new(directory: Path, next_name: Callable[[], str], data: bytes) -> Path:
    """Write `data` as a new file in `directory` (created if missing) and return its path."""
    return directory / write_new_named(directory, next_name, data)


def write_new_named(directory: Path, next_name: Callable[[], str], data: bytes) -> str:
    """`write_new`, returning the new file's name: the catcher needs no Path (joining one costs
    ~300 bytecodes, 5% of a callback's).

    The name is the first `next_name()` not taken; an existing file is never replaced. On Linux
    an unnamed file (O_TMPFILE) is written, then named by one linkat() that fails on a taken
    name; elsewhere (or where the file system refuses O_TMPFILE) a new hidden temp file, then
    one rename that refuses to replace (renameat2 RENAME_NOREPLACE, or link + unlink;
    plivocb.no_replace), or a checked rename where neither exists.
    """
    folder = os.fspath(directory)
    while True:
        try:
            name = _write_unnamed(folder, next_name, data)
            break
        except FileNotFoundError:  # first write into a new directory
            directory.mkdir(parents=True, exist_ok=True)
    if name is not None:
        return name
    while True:
        temp = f"{folder}/.{_pid[0]}-{next(_temp_sequence)}{TEMP_SUFFIX}"
        try:
            _write_complete(temp, data)
            break
        except FileNotFoundError:  # first write into a new directory
            directory.mkdir(parents=True, exist_ok=True)
        except FileExistsError:  # a temp file a killed process with our pid left: skip it
            continue
    moved = False
    try:
        while True:
            name = next_name()
            target = f"{folder}/{name}"
            try:
                rename_no_replace(temp, target)
            except FileExistsError:
                continue
            except OSError:  # neither renameat2 nor hard links here: a checked rename
                if os.path.lexists(target):
                    continue
                os.replace(temp, target)
            moved = True
            return name
    finally:
        if not moved:
            with contextlib.suppress(OSError):
                os.unlink(temp)


# O_TMPFILE (Linux 3.11+; ext4, xfs, btrfs, tmpfs): the data is written to an inode with no
# name, and linkat() through /proc/self/fd gives it one, refusing a taken name (see open(2),
# O_TMPFILE).
# A crash or a failed write leaves nothing behind, not even a hidden temp file, and the directory
# changes once instead of three times: 15-21 µs a file on this VM against 21-33 µs for temp file
# + renameat2 (bench/NOTES.md, session 11).
_O_TMPFILE = getattr(os, "O_TMPFILE", 0) if sys.platform.startswith("linux") else 0
_UNNAMED_REFUSED = frozenset({errno.EISDIR, errno.EOPNOTSUPP, errno.EINVAL})
_no_unnamed: set[str] = set()  # folders whose file system refused O_TMPFILE or the link
_proc_fd: list[int | None] = [None]  # this process's /proc/self/fd, opened on first use


def _forget_proc_fd() -> None:
    """In a forked child the parent's /proc/<pid>/fd must not be used: it names its fds."""
    fd, _proc_fd[0] = _proc_fd[0], None
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)


os.register_at_fork(after_in_child=_forget_proc_fd)


def _fd_dir() -> int | None:
    if _proc_fd[0] is None:
        try:
            _proc_fd[0] = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError:  # no /proc (some sandboxes)
            return None
    return _proc_fd[0]


def _write_unnamed(folder: str, next_name: Callable[[], str], data: bytes) -> str | None:
    """Write `data` to an unnamed file in `folder` and name it: the name, or None when this
    folder cannot (the caller writes a temp file instead). FileNotFoundError: no such folder."""
    if not _O_TMPFILE or folder in _no_unnamed or (procfd := _fd_dir()) is None:
        return None
    try:
        fd = os.open(folder, _O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC, 0o666)
    except FileNotFoundError:
        raise
    except OSError as exc:
        if exc.errno not in _UNNAMED_REFUSED:
            raise
        _no_unnamed.add(folder)
        return None
    named = ""
    try:
        _write_all(fd, data)
        while not named:
            name = next_name()
            try:
                os.link(str(fd), f"{folder}/{name}", src_dir_fd=procfd, follow_symlinks=True)
                named = name
            except FileExistsError:
                continue
            except OSError:  # e.g. a file system or sandbox refusing the link: the temp path
                _no_unnamed.add(folder)
                return None
    finally:
        try:
            os.close(fd)
        except OSError:  # a write reported at close: the named file may be short
            if named:
                os.unlink(f"{folder}/{named}")
            raise
    return named


def _temp_for(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}{TEMP_SUFFIX}")


def replace_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` via a temp file; the temp file never outlives a failure."""
    temp = _temp_for(path)
    _write_complete(temp, data, exclusive=False)
    try:
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


@contextmanager
def replacing(path: Path, encoding: str = "utf-8") -> Iterator[IO[Any]]:
    """A text file to write that replaces `path` when the block ends without an error.

    For content written piece by piece (the JUnit report); `replace_atomically` for bytes at hand.
    """
    temp = _temp_for(path)
    try:
        with open(temp, "w", encoding=encoding) as out:
            yield out
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
