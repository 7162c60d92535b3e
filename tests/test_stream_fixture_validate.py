"""`fixtures validate` on a broken <Stream> fixture reports the problem instead of crashing."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.inproc import run_cli


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    code, out, err = run_cli(*args)  # in-process (tests/inproc.py)
    return subprocess.CompletedProcess(["plivocb", *args], code, out, err)


def test_missing_track_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    made = cli("fixtures", "new", "stream", "--out", str(tmp_path), "--seed", "3")
    assert made.returncode == 0, made.stderr
    for wav in tmp_path.glob("*.wav"):
        wav.unlink()
    checked = cli("fixtures", "validate", str(tmp_path))
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "inbound track cannot be read" in checked.stdout
    assert "Traceback" not in checked.stderr
