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


def test_a_time_too_large_for_a_float_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    """JSON integers have no size limit: `"t": 1` and 400 zeros cannot become milliseconds."""
    made = cli("fixtures", "new", "stream", "--out", str(tmp_path), "--seed", "3")
    assert made.returncode == 0, made.stderr
    (events,) = tmp_path.glob("*.events.jsonl")
    lines = events.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(2, '{"t":1' + "0" * 400 + ',"from":"plivo","text":"late"}\n')
    events.write_text("".join(lines), encoding="utf-8")
    checked = cli("fixtures", "validate", str(tmp_path))
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "line 3: `t` is out of range" in checked.stdout
    assert "Traceback" not in checked.stderr
    replayed = cli("replay", str(tmp_path), "--to", "ws://127.0.0.1:9")
    assert replayed.returncode == 2 and "line 3: `t` is out of range" in replayed.stderr
    assert "Traceback" not in replayed.stderr
