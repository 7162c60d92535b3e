"""`fixtures validate` on a broken <Stream> fixture reports the problem instead of crashing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "plivocb", *args], capture_output=True, text=True, timeout=60
    )


def test_missing_track_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    made = cli("fixtures", "new", "stream", "--out", str(tmp_path), "--seed", "3")
    assert made.returncode == 0, made.stderr
    for wav in tmp_path.glob("*.wav"):
        wav.unlink()
    checked = cli("fixtures", "validate", str(tmp_path))
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "inbound track cannot be read" in checked.stdout
    assert "Traceback" not in checked.stderr
