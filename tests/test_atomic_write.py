"""plivocb.atomic_write: new files never clobber, replacements are all or nothing, no temp left."""

from __future__ import annotations

import errno
from collections.abc import Callable
from pathlib import Path

import pytest

from plivocb import atomic_write
from plivocb.atomic_write import replace_atomically, replacing, write_new


def _names(*names: str) -> Callable[[], str]:
    it = iter(names)
    return lambda: next(it)


def _files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_write_new_takes_the_first_free_name_and_never_clobbers(tmp_path: Path) -> None:
    (tmp_path / "1.toml").write_bytes(b"old")
    path = write_new(tmp_path, _names("1.toml", "2.toml"), b"new")
    assert path == tmp_path / "2.toml"
    assert (tmp_path / "1.toml").read_bytes() == b"old"
    assert path.read_bytes() == b"new"
    assert _files(tmp_path) == ["1.toml", "2.toml"]  # no temp file left


def test_write_new_creates_the_directory(tmp_path: Path) -> None:
    path = write_new(tmp_path / "a" / "b", _names("x.toml"), b"data")
    assert path.read_bytes() == b"data"


def test_write_new_without_a_no_replace_rename_still_never_clobbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unsupported(src: object, dst: object) -> None:
        raise OSError(errno.EPERM, "neither renameat2 nor hard links here")

    monkeypatch.setattr(atomic_write, "rename_no_replace", unsupported)
    (tmp_path / "1.toml").write_bytes(b"old")
    path = write_new(tmp_path, _names("1.toml", "2.toml"), b"new")
    assert (path.name, path.read_bytes()) == ("2.toml", b"new")
    assert (tmp_path / "1.toml").read_bytes() == b"old"
    assert _files(tmp_path) == ["1.toml", "2.toml"]


def test_replace_atomically_swaps_the_content(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(b"old")
    replace_atomically(path, b"new")
    assert path.read_bytes() == b"new"
    assert _files(tmp_path) == ["state.json"]


def test_replacing_keeps_the_original_when_the_block_fails(tmp_path: Path) -> None:
    path = tmp_path / "report.xml"
    path.write_text("old")
    with pytest.raises(RuntimeError), replacing(path) as out:
        out.write("half of a new")
        raise RuntimeError("interrupted")
    assert path.read_text() == "old"
    assert _files(tmp_path) == ["report.xml"]
    with replacing(path) as out:
        out.write("new")
    assert path.read_text() == "new"
    assert _files(tmp_path) == ["report.xml"]


needs_unnamed = pytest.mark.skipif(
    not atomic_write._O_TMPFILE, reason="O_TMPFILE is Linux-only: the temp-file path is used"
)


@needs_unnamed
def test_write_new_names_an_unnamed_file_without_any_temp_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_rename(src: object, dst: object) -> None:
        raise AssertionError("the temp-file path ran")

    monkeypatch.setattr(atomic_write, "rename_no_replace", no_rename)
    (tmp_path / "1.toml").write_bytes(b"old")
    path = write_new(tmp_path, _names("1.toml", "2.toml"), b"new")
    assert (path.name, path.read_bytes()) == ("2.toml", b"new")
    assert (tmp_path / "1.toml").read_bytes() == b"old"
    assert _files(tmp_path) == ["1.toml", "2.toml"]


@pytest.mark.parametrize("unnamed", [True, False], ids=["unnamed", "temp-file"])
def test_a_failed_write_leaves_no_file_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unnamed: bool
) -> None:
    if unnamed and not atomic_write._O_TMPFILE:
        pytest.skip("O_TMPFILE is Linux-only")
    if not unnamed:
        monkeypatch.setattr(atomic_write, "_O_TMPFILE", 0)
    (tmp_path / "keep.toml").write_bytes(b"old")

    def full(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic_write.os, "write", full)
    with pytest.raises(OSError, match="No space"):
        write_new(tmp_path, _names("new.toml"), b"data")
    assert _files(tmp_path) == ["keep.toml"]  # no hidden temp file either


@needs_unnamed
def test_a_file_system_refusing_o_tmpfile_gets_the_temp_file_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = atomic_write.os.open

    def refusing(path: object, flags: int, *args: object) -> int:
        if flags & atomic_write._O_TMPFILE == atomic_write._O_TMPFILE:
            raise OSError(errno.EOPNOTSUPP, "Operation not supported")
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(atomic_write.os, "open", refusing)
    monkeypatch.setattr(atomic_write, "_no_unnamed", set())
    path = write_new(tmp_path, _names("a.toml"), b"data")
    assert path.read_bytes() == b"data" and _files(tmp_path) == ["a.toml"]
    assert str(tmp_path) in atomic_write._no_unnamed  # asked once per folder, not per file


@needs_unnamed
def test_a_forked_child_links_its_own_file_not_its_parents(tmp_path: Path) -> None:
    """/proc/self/fd is opened once per process: a child reusing the parent's would name the
    parent's file descriptor of the same number. Here the parent holds a decoy file at exactly
    the number the child's unnamed file gets."""
    import os

    write_new(tmp_path, _names("parent-1.toml"), b"parent")  # caches the parent's fd dir
    go_read, go_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only if its own data landed under its own name
        try:
            os.close(go_write)
            os.read(go_read, 1)  # the parent holds the decoy now
            os.close(go_read)  # frees the number the parent's decoy took
            path = write_new(tmp_path, _names("child.toml"), b"child")
            os._exit(0 if path.read_bytes() == b"child" else 1)
        except BaseException:
            os._exit(2)
    os.close(go_read)
    decoy = os.open(tmp_path / "decoy", os.O_WRONLY | os.O_CREAT, 0o600)  # go_read's number
    try:
        os.write(decoy, b"decoy")
        os.write(go_write, b"x")
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(decoy)
        os.close(go_write)
    assert os.waitstatus_to_exitcode(status) == 0
    assert (tmp_path / "child.toml").read_bytes() == b"child"
    assert write_new(tmp_path, _names("parent-2.toml"), b"parent2").read_bytes() == b"parent2"
