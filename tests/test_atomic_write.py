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
