"""rename_no_replace: moves, or refuses with FileExistsError and moves nothing, on both paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from plivocb import no_replace


@pytest.fixture(params=["renameat2", "link"])
def path_taken(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "link":  # as where renameat2 is missing: hard link + unlink
        monkeypatch.setattr(no_replace, "_tried", True)
        monkeypatch.setattr(no_replace, "_renameat2", None)
    else:
        monkeypatch.setattr(no_replace, "_tried", False)
    return str(request.param)


def test_moves_to_a_free_name(tmp_path: Path, path_taken: str) -> None:
    (tmp_path / "a").write_text("A")
    no_replace.rename_no_replace(str(tmp_path / "a"), str(tmp_path / "b"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b"]
    assert (tmp_path / "b").read_text() == "A"
    if path_taken == "renameat2":
        assert no_replace._renameat2 is not None  # Linux with glibc: the one-call path ran


def test_never_replaces_an_existing_file(tmp_path: Path, path_taken: str) -> None:
    (tmp_path / "a").write_text("A")
    (tmp_path / "b").write_text("B")
    with pytest.raises(FileExistsError):
        no_replace.rename_no_replace(str(tmp_path / "a"), str(tmp_path / "b"))
    assert (tmp_path / "a").read_text() == "A"
    assert (tmp_path / "b").read_text() == "B"


def test_a_missing_source_is_an_error(tmp_path: Path, path_taken: str) -> None:
    with pytest.raises(FileNotFoundError):
        no_replace.rename_no_replace(str(tmp_path / "nope"), str(tmp_path / "b"))
